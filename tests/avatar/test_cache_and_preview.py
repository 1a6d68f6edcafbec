"""Where the Anny cache lives, and that previews show a body."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from custom_nodes.avatar.anny_model import cache_dir
from custom_nodes.avatar.load import avatar_from_user_mesh
from custom_nodes.avatar.mannequin import mannequin
from custom_nodes.avatar.preview import render_measurements, render_preview
from custom_nodes.core.paths import REPO_ROOT


def test_cache_dir_follows_anny_then_atelier_cache_dir_and_never_the_repo(monkeypatch, tmp_path):
    monkeypatch.delenv("ANNY_CACHE_DIR", raising=False)
    monkeypatch.setenv("ATELIER_CACHE_DIR", str(tmp_path))
    assert cache_dir() == tmp_path / "anny"
    monkeypatch.setenv("ANNY_CACHE_DIR", str(tmp_path / "own"))
    assert cache_dir() == tmp_path / "own"
    monkeypatch.delenv("ANNY_CACHE_DIR")
    monkeypatch.delenv("ATELIER_CACHE_DIR")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache_dir() == tmp_path / "home" / ".cache" / "atelier" / "anny"
    assert REPO_ROOT.resolve() not in cache_dir().resolve().parents
    assert ".cache/" in (Path(REPO_ROOT) / ".gitignore").read_text()  # what older versions left there


def test_front_and_side_preview_show_the_body_without_anny():
    avatar = avatar_from_user_mesh(mannequin(), with_sdf=False)
    img = render_preview(avatar, 256)
    assert img.shape[0] == 256 and img.shape[2] == 3 and img.dtype == np.float32
    body = np.abs(img - img[0, 0]).sum(-1) > 0.05
    half = img.shape[1] // 2
    assert 0.05 < body.mean() < 0.6
    assert body[:, :half].any() and body[:, half:].any()  # front and side both drawn
    annotated = render_measurements(avatar, 300)
    assert annotated.shape[0] == 300 and annotated.shape[1] > 150
