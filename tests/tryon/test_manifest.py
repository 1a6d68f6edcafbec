"""models/manifest.json keeps one documented shape, and the try-on loaders agree with it."""

from __future__ import annotations

import json
from pathlib import Path

from custom_nodes.tryon import models

MANIFEST = Path(__file__).resolve().parents[2] / "models" / "manifest.json"
KEYS = {"id": str, "folder": str, "file": str, "source_url": str, "sha256": (str, type(None)),
        "sha256_source": (str, type(None)), "size_bytes": (int, type(None)), "licence": str,
        "commercial_use": bool, "needed_by": list, "notes": str, "download_url": (str, type(None))}
#: Only where the publisher gives no SHA-256 but an MD5 (install.py checks it then).
OPTIONAL_KEYS = {"md5": str}


def test_every_entry_has_the_documented_keys():
    entries = json.loads(MANIFEST.read_text())
    assert isinstance(entries, list) and entries
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids))
    for e in entries:
        assert set(KEYS) <= set(e) <= set(KEYS) | set(OPTIONAL_KEYS), e.get("id")
        for key, kind in {**KEYS, **OPTIONAL_KEYS}.items():
            assert key not in e or isinstance(e[key], kind), f"{e['id']}.{key}"
        assert e["source_url"].startswith("https://")


def test_tryon_loaders_match_their_manifest_entries():
    entries = {e["id"]: e for e in json.loads(MANIFEST.read_text())}
    for spec in (models.SEGFORMER_CLOTHES, models.U2NET, models.U2NET_HUMAN, models.OPENPOSE_BODY, models.DWPOSE):
        e = entries[spec.id]
        assert (e["folder"], e["source_url"], e["licence"]) == (spec.folder, spec.url, spec.licence)
        assert spec.is_dir or e["file"] == spec.file
    assert entries["openpose_body"]["commercial_use"] is False


def test_the_pose_detector_entry_is_permissive_and_pinned():
    e = {e["id"]: e for e in json.loads(MANIFEST.read_text())}["dwpose_wholebody"]
    assert e["commercial_use"] is True and e["licence"] == "Apache-2.0"
    assert len(e["sha256"]) == 64 and e["size_bytes"] == 134399116
    assert e["download_url"].startswith("https://huggingface.co/yzd-v/DWPose/resolve/")
