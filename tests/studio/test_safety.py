"""What the studio accepts and serves."""

from __future__ import annotations

import pytest
from PIL import Image

from studio import safety


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\shirt.svg", "shirt.svg"), (".hidden", "hidden"),
    ("my dress (1).png", "my_dress_1_.png"), ("", "upload"), ("日本.png", "png")])
def test_safe_names(name, expected):
    assert safety.safe_name(name) == expected


def test_images_checked_by_content_size_and_pixels(tmp_path, monkeypatch):
    ok = tmp_path / "a.png"
    Image.new("RGB", (10, 10)).save(ok)
    assert safety.check_upload(ok, "image") == ok
    fake = tmp_path / "b.png"
    fake.write_bytes(b"MZ not an image")
    with pytest.raises(safety.UploadRejected, match="not a PNG, JPEG or WebP"):
        safety.check_upload(fake, "image")
    gif = tmp_path / "c.gif"
    Image.new("RGB", (4, 4)).save(gif)
    with pytest.raises(safety.UploadRejected, match="GIF image"):
        safety.check_upload(gif, "image")
    monkeypatch.setattr(safety, "MAX_PIXELS", 50)
    with pytest.raises(safety.UploadRejected, match="10×10 pixels"):
        safety.check_upload(ok, "image")
    empty = tmp_path / "d.png"
    empty.write_bytes(b"")
    with pytest.raises(safety.UploadRejected, match="empty"):
        safety.check_upload(empty, "image")


def test_pattern_and_mesh_types(tmp_path):
    exe = tmp_path / "pattern.exe"
    exe.write_bytes(b"x")
    with pytest.raises(safety.UploadRejected, match="patterns must be"):
        safety.check_upload(exe, "pattern")
    with pytest.raises(safety.UploadRejected, match="avatars must be"):
        safety.check_upload(exe, "mesh")


def test_inside_follows_symlinks(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "a.png").write_bytes(b"x")
    (out / "escape").symlink_to(tmp_path)
    assert safety.inside(out, out / "a.png")
    assert not safety.inside(out, out / "escape" / "secret")
    assert not safety.inside(out, out / ".." / "x")


def test_auth_only_when_both_set(monkeypatch):
    monkeypatch.delenv("ATELIER_STUDIO_USER", raising=False)
    monkeypatch.setenv("ATELIER_STUDIO_PASSWORD", "pw")
    assert safety.auth_from_env() is None
    monkeypatch.setenv("ATELIER_STUDIO_USER", "ana")
    assert safety.auth_from_env() == ("ana", "pw")
