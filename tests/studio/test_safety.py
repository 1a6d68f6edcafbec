"""What the studio accepts, what it serves, and what it tells users."""

from __future__ import annotations

import json
import logging
import struct
import zlib

import pytest
from PIL import Image

from custom_nodes.core.errors import FileFormatError, InvalidInputError, ModelMissingError
from studio import safety


def png_header_only(path, width: int, height: int) -> None:
    """A PNG that declares ``width``×``height`` but holds one row: a decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 7))
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd", "passwd"), ("C:\\Users\\x\\shirt.svg", "shirt.svg"), (".hidden", "hidden"),
    ("my dress (1).png", "my_dress_1_.png"), ("", "upload"), ("日本.png", "png")])
def test_safe_names(name, expected):
    assert safety.safe_name(name) == expected


def test_images_checked_by_content_size_and_pixels(tmp_path, monkeypatch):
    ok = tmp_path / "a.png"
    Image.new("RGB", (32, 32)).save(ok)
    assert safety.check_upload(ok, "image") == ok
    fake = tmp_path / "b.png"
    fake.write_bytes(b"MZ not an image")
    with pytest.raises(safety.UploadRejected, match="not a PNG, JPEG or WebP"):
        safety.check_upload(fake, "image")
    gif = tmp_path / "c.gif"
    Image.new("RGB", (32, 32)).save(gif)
    with pytest.raises(safety.UploadRejected, match="GIF image"):
        safety.check_upload(gif, "image")
    empty = tmp_path / "d.png"
    empty.write_bytes(b"")
    with pytest.raises(safety.UploadRejected, match="empty"):
        safety.check_upload(empty, "image")
    monkeypatch.setattr(safety, "MAX_PIXELS", 500)
    with pytest.raises(safety.UploadRejected, match="32×32 pixels"):
        safety.check_upload(ok, "image")


def test_unreadable_uploads_are_refused_before_decoding(tmp_path):
    svg = tmp_path / "drawing.png"  # an SVG named .png
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')
    with pytest.raises(safety.UploadRejected, match="not a PNG, JPEG or WebP"):
        safety.check_upload(svg, "image")
    noise = tmp_path / "noise.png"
    noise.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(safety.UploadRejected, match="not a PNG"):
        safety.check_upload(noise, "image")
    bomb = tmp_path / "bomb.png"
    png_header_only(bomb, 30000, 30000)
    with pytest.raises(safety.UploadRejected, match="900 megapixels; the limit is 40 megapixels"):
        safety.check_upload(bomb, "image")
    big = tmp_path / "big.png"
    png_header_only(big, 8000, 6000)  # under PIL's own bomb limit, over the studio's
    with pytest.raises(safety.UploadRejected, match="8000×6000 pixels .48 megapixels.; the limit is 40"):
        safety.check_upload(big, "image")
    truncated = tmp_path / "truncated.png"
    png_header_only(truncated, 64, 64)  # a valid header whose pixels are missing
    with pytest.raises(safety.UploadRejected, match="not a PNG"):
        safety.check_upload(truncated, "image")
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (1, 1)).save(tiny)
    with pytest.raises(safety.UploadRejected, match="1×1 pixels; it needs at least 16 pixels a side"):
        safety.check_upload(tiny, "image")


def test_upload_byte_limit_is_stated(tmp_path, monkeypatch):
    photo = tmp_path / "photo.png"
    Image.new("RGB", (64, 64)).save(photo)
    monkeypatch.setattr(safety, "MAX_UPLOAD_BYTES", 2**20)
    photo.write_bytes(photo.read_bytes() + b"\0" * 2**21)
    with pytest.raises(safety.UploadRejected, match=r"2\.0 MiB; the limit is 1 MiB"):
        safety.check_upload(photo, "image")
    assert "50 MiB and 40 megapixels" in safety.LIMITS["image"]


def test_pose_files_are_checked(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(safety.UploadRejected, match="nested too deeply"):
        safety.check_upload(deep, "pose")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(safety.UploadRejected, match="not a JSON file"):
        safety.check_upload(bad, "pose")
    huge = tmp_path / "huge.json"
    huge.write_text(json.dumps({"people": [0] * 1_500_000}))
    with pytest.raises(safety.UploadRejected, match="the limit is 2 MiB"):
        safety.check_upload(huge, "pose")
    good = tmp_path / "pose.json"
    good.write_text('{"people": []}')
    assert safety.check_upload(good, "pose") == good


def test_pattern_and_mesh_types(tmp_path):
    exe = tmp_path / "pattern.exe"
    exe.write_bytes(b"x")
    with pytest.raises(safety.UploadRejected, match="patterns must be"):
        safety.check_upload(exe, "pattern")
    with pytest.raises(safety.UploadRejected, match="avatars must be"):
        safety.check_upload(exe, "mesh")


def test_names_and_text_are_cleaned_and_capped():
    assert safety.clean_name("  Silk\ncharmeuse\t#2 \x00") == "Silk charmeuse #2"
    assert safety.clean_name("../../etc/passwd") == "..-..-etc-passwd"
    assert safety.clean_name("x" * 60) == "x" * 60
    with pytest.raises(safety.UserError, match="61 characters long; keep it to 60"):
        safety.clean_name("x" * 61)
    with pytest.raises(safety.UserError, match="empty"):
        safety.clean_name(" \n ")
    with pytest.raises(safety.UserError, match="letter"):
        safety.clean_name("///")
    with pytest.raises(safety.UserError, match="keep it to 300"):
        safety.clean_text("y" * 301, limit=300, what="extra prompt text")


def test_server_paths_are_scrubbed():
    text = "file '/tmp/tmpab12/in/bad.json': not a JSON pose file; see C:\\Users\\ana\\x.png or ~/work/a/b.svg"
    assert safety.scrub(text) == "file 'bad.json': not a JSON pose file; see x.png or b.svg"
    kept = "warp max/p99/mean 0.1/0.2 at http://127.0.0.1:8188/prompt in 2/3 panels"
    assert safety.scrub(kept) == kept


def test_user_messages_hide_internals_and_log_them(caplog):
    caplog.set_level(logging.ERROR, logger="atelier.studio")
    told = safety.user_message(InvalidInputError("1×1 is too small", field="image", path="/srv/work/in/p.png"),
                               "the try-on")
    assert told == "file 'p.png', field 'image': 1×1 is too small"
    assert safety.user_message(safety.UploadRejected("'x.png' is empty"), "the scan") == "'x.png' is empty"
    for internal in (ValueError("zero-size array to reduction operation minimum which has no identity"),
                     RecursionError("maximum recursion depth exceeded while decoding a JSON array"),
                     KeyError("/srv/work/secret")):
        try:
            raise internal
        except Exception as exc:  # noqa: BLE001
            told = safety.user_message(exc, "the fabric scan")
        assert told == "Something went wrong in the fabric scan; the details are in the studio log."
    assert "zero-size array" in caplog.text and "Traceback" in caplog.text  # the details are in the log
    missing = ModelMissingError("segformer.safetensors", "/srv/models/segformer", "https://x", "MIT")
    assert "/srv" not in safety.user_message(missing, "the parsing") and "install.py --check" in \
        safety.user_message(missing, "the parsing")


def test_node_failures_say_the_nodes_words_or_nothing_internal(caplog):
    caplog.set_level(logging.ERROR, logger="atelier.studio")
    pose = {"exception_type": "FileFormatError", "node_type": "AtelierLoadPose",
            "exception_message": "file '/tmp/x/in/bad.json': not a JSON pose file"}
    assert safety.node_failure(pose, "Pose") == "Pose: file 'bad.json': not a JSON pose file"
    remote = {**pose, "exception_type": "custom_nodes.atelier.custom_nodes.core.errors.InvalidInputError"}
    assert safety.node_failure(remote, "Pose").startswith("Pose: file 'bad.json'")
    crash = {"exception_type": "RecursionError", "node_type": "AtelierLoadPose", "traceback": ["  File x\n"],
             "exception_message": "maximum recursion depth exceeded while decoding a JSON array"}
    assert safety.node_failure(crash, "Pose") == "Something went wrong in Pose; the details are in the studio log."
    assert "maximum recursion depth" in caplog.text
    assert FileFormatError.__name__ in safety._user_error_types()


def test_owners_servers_and_secrets(tmp_path, monkeypatch):
    assert safety.owner_key("ana", "x" * 40) == "user:ana"
    browser = safety.owner_key(None, "t" * 40)
    assert browser.startswith("browser:") and "t" * 8 not in browser  # only a hash is stored
    assert safety.owner_key(None, "short") == "" and safety.owner_key(None, None) == ""
    monkeypatch.setenv("ATELIER_COMFYUI_URLS", "http://gpu1:8188/, http://gpu2:8188")
    configured = safety.servers_from_env()
    assert configured == ["http://gpu1:8188", "http://gpu2:8188"]
    assert safety.allowed_servers(["http://169.254.169.254/latest", "http://gpu2:8188"], configured) == \
        ["http://gpu2:8188"]
    assert safety.allowed_servers("http://evil.example", configured) == []
    secret = safety.persistent_secret(tmp_path)
    assert secret == safety.persistent_secret(tmp_path) and len(secret) >= 32
    assert (tmp_path / ".studio_secret").stat().st_mode & 0o077 == 0


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
