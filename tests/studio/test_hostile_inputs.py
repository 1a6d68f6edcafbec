"""A hostile-input corpus (issue #17, tests): the studio's HTTP API, driven by ``gradio_client`` and by raw
REST calls against a real server, and the command line (``python -m studio``).

Every case is one test. Each asserts that the answer (the reply's status text, the error the client
raises, or the command's output) is a clear sentence saying what is wrong — no traceback, no Python
exception names, no NumPy phrases, no folders of the server — that the studio still serves afterwards,
and that nothing stray was left: nothing new in the checkout (``git status``) and no half-written files
(``*.tmp``, ``*.partial``, staging folders) in the work folder. Cases are chosen so that each is refused
(or fails in its first node) before any real drape runs.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "workflows" / "samples"
TOKEN = "hostile-corpus-browser-token-0123456789"
MB = 2**20

# --- what no answer may hold ---------------------------------------------------------------------

_EXCEPTIONS = {name for name, obj in vars(builtins).items()
               if isinstance(obj, type) and issubclass(obj, BaseException)} - {"Exception", "Warning"}
_EXCEPTIONS |= {"JSONDecodeError", "ValidationError", "UnidentifiedImageError", "DecompressionBombError",
                "DecompressionBombWarning", "PromptRejected", "WorkflowError", "UserError", "UploadRejected",
                "InvalidInputError", "FileFormatError", "AtelierError", "ComponentProcessingError", "AppError",
                "YAMLError", "ScannerError", "ParserError", "ExpatError", "ParseError", "HTTPError", "ConnectError"}
EXCEPTION_NAME = re.compile(r"\b(?:" + "|".join(sorted(_EXCEPTIONS)) + r")\b")
INTERNAL = ("Traceback", 'File "', "zero-size array", "operands could not be broadcast", "index out of bounds",
            "out of bounds for axis", "recursion depth", "site-packages", "<class '", "object at 0x",
            "has not enabled verbose error reporting", "show_error=True", "Errno")


def assert_clear(text: Any, expect: str, *hidden: str | Path) -> None:
    """``text`` is a sentence a user can act on: it says ``expect`` (a regex), and nothing internal."""
    assert isinstance(text, str) and text.strip(), f"no message: {text!r}"
    words = re.findall(r"[A-Za-z]{2,}", text)
    assert len(words) >= 3 and text.strip().strip(".:!⚠️ ").lower() not in ("error", "failed", "none"), text
    for phrase in INTERNAL:
        assert phrase not in text, f"{phrase!r} in: {text[:500]}"
    found = EXCEPTION_NAME.search(text)
    assert found is None, f"exception name {found.group(0)!r} in: {text[:500]}"
    for path in (str(REPO), *map(str, hidden)):
        assert path not in text, f"server path {path!r} in: {text[:500]}"
    assert re.search(expect, text, re.I | re.S), f"expected /{expect}/ in: {text[:500]}"


def repo_status() -> set[str]:
    out = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain", "--untracked-files=all"],
                         cwd=REPO, capture_output=True, text=True, check=True).stdout
    return set(out.splitlines())


def half_written(folder: Path) -> list[str]:
    """Files or folders a writer leaves only when interrupted: ``*.tmp``, ``*.partial``, ``.partial/``,
    ``.stage-*`` (a finished job removes its own)."""
    if not folder.exists():
        return []
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if p.name.endswith((".tmp", ".partial")) or p.name.startswith(".stage-"))


# --- hostile files -------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header declares ``width`` × ``height`` pixels (a decompression bomb's shape)."""
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + _png_chunk(b"IDAT", zlib.compress(b"\0" * 7)) + _png_chunk(b"IEND", b""))


_LAUGHS = "".join(f' <!ENTITY l{i} "{f"&l{i - 1};" * 10}">\n' for i in range(1, 10))
FILES: dict[str, bytes | str] = {
    "random.png": os.urandom(4096),
    "zero.png": b"",
    "svg_named.png": "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'><rect width='64' height='64'/></svg>",
    "bomb.png": _png_header(30000, 30000),
    "wide.png": _png_header(1_000_000, 1),
    "random.svg": os.urandom(4096),
    "zero.svg": b"",
    "png_named.svg": _png_header(64, 64),
    "no_outline.svg": "<svg xmlns='http://www.w3.org/2000/svg'><g id='front'><rect width='5' height='5'/></g></svg>",
    "laughs.svg": f'<?xml version="1.0"?>\n<!DOCTYPE svg [\n <!ENTITY l0 "lol">\n{_LAUGHS}]>\n'
                  '<svg xmlns="http://www.w3.org/2000/svg"><text>&l9;</text></svg>',
    "xxe.svg": '<?xml version="1.0"?>\n<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
               '<svg xmlns="http://www.w3.org/2000/svg"><g id="&x;"><path class="fabric" d="M0 0 L9 0 L9 9 Z"/></g></svg>',
    "deep_pattern.json": "[" * 100_000 + "]" * 100_000,
    "no_panels.json": json.dumps({"pattern": {"panels": "x"}}),
    "truncated.dxf": "0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n",
    "program.exe": b"MZ" + os.urandom(1000),
    "random.glb": os.urandom(4096),
    "header_only.glb": b"glTF" + struct.pack("<II", 2, 9999) + os.urandom(64),
    "words.obj": "hello, this is not a mesh\n" * 10,
    "binary.obj": b"v 0 0 0\n\0\0\0" + os.urandom(256),
    "random.ply": os.urandom(2048),
    "random.json": os.urandom(4096),
    "deep.json": "[" * 100_000 + "]" * 100_000,
    "three_mb.json": json.dumps({"people": [{"pose_keypoints_2d": [0.5] * (3 * MB // 5)}]}),
    "scalar.json": "42",
    "people_text.json": json.dumps({"people": "everyone"}),
    "nan_pose.json": '{"people": [{"pose_keypoints_2d": [NaN, Infinity, -Infinity]}]}',
    "pose.txt": "not a pose",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> Path:
    from PIL import Image

    folder = tmp_path_factory.mktemp("hostile-files")
    for name, data in FILES.items():
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    person = (SAMPLES / "atelier_sample_person.png").read_bytes()
    (folder / "truncated.png").write_bytes(person[: len(person) // 2])
    Image.new("RGB", (8, 8), "red").save(folder / "tiny.png")
    Image.new("RGB", (64, 64), "red").save(folder / "gif_named.png", format="GIF")
    Image.new("RGB", (64, 64), "red").save(folder / "bmp_named.png", format="BMP")
    for role in ("person.png", "garment.png", "person_labels.png", "person_pose.json", "fabric.jpg"):
        shutil.copy(SAMPLES / f"atelier_sample_{role}", folder / role)
    return folder


# --- the studio ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Studio:
    """``python studio_app.py`` on a free loopback port, with its own work and Gradio folders."""

    root: Path
    port: int = field(default_factory=_free_port)
    proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def work(self) -> Path:
        return self.root / "work"

    @property
    def hidden(self) -> tuple[str, ...]:
        """Server folders no answer may name."""
        return (str(self.work), str(self.root / "gradio"), str(self.root))

    def start(self) -> None:
        env = {**os.environ, "ATELIER_PORT": str(self.port), "ATELIER_WORK_DIR": str(self.work),
               "GRADIO_TEMP_DIR": str(self.root / "gradio"), "GRADIO_ANALYTICS_ENABLED": "False"}
        env.pop("ATELIER_COMFYUI_URLS", None)
        env.pop("ATELIER_STUDIO_USER", None)
        self.log = open(self.root / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, "studio_app.py"], cwd=REPO, env=env, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                pytest.fail(f"studio exited early:\n{self.tail()}")
            if self.serving():
                return
            time.sleep(0.5)
        self.stop()
        pytest.fail("studio did not answer within 120 s")

    def serving(self) -> bool:
        try:
            return urllib.request.urlopen(self.url, timeout=10).status == 200
        except OSError:
            return False

    def tail(self) -> str:
        return (self.root / "server.log").read_bytes()[-3000:].decode("utf-8", "replace")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(15)
            self.proc = None
            self.log.close()


@pytest.fixture(scope="module")
def studio(tmp_path_factory):
    before = repo_status()
    server = Studio(tmp_path_factory.mktemp("hostile-studio"))
    server.start()
    yield server
    server.stop()
    assert repo_status() - before == set(), "the studio left files in the checkout"


@pytest.fixture(scope="module")
def client(studio):
    from gradio_client import Client

    return Client(studio.url, verbose=False)


# --- API cases -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Upload:
    """A file of the ``files`` fixture, uploaded by the client (``handle_file``)."""

    name: str


@dataclass(frozen=True)
class ServerPath:
    """A path sent as if the server had it as an upload (raw REST only: the client would upload it)."""

    path: str


@dataclass(frozen=True)
class Api:
    api: str
    args: tuple
    expect: str  # regex the answer must match
    out: int | None = 0  # which output holds the status text; None: the call must be refused (an error)
    raw: bool = False  # through the REST API (values gradio_client will not send: NaN, paths, too many values)


M0 = (0,) * 9


def drape(template="tshirt", pattern=None, size="M", body="female", avatar=None, fabric="cotton_jersey",
          colour="#2a3b66", quality="preview (fast)", measurements=M0) -> tuple:
    return (template, pattern, size, body, avatar, fabric, colour, quality, TOKEN, *measurements)


def render(template="tshirt", size="M", body="female", fabric="cotton_jersey", colour="#2a3b66", env="studio",
           extra="", seed=42, depth=0.6, normal=0.4, pose=0.7, weight=0.5) -> tuple:
    return (template, size, body, fabric, colour, env, extra, seed, depth, normal, pose, weight, TOKEN)


def tryon(person=Upload("person.png"), garment=Upload("garment.png"), labels=Upload("person_labels.png"),
          pose=Upload("person_pose.json")) -> tuple:
    return (person, garment, labels, pose, TOKEN)


def scan(photo=Upload("fabric.jpg"), name="My fabric", preset="cotton_jersey", px=0, overwrite=False) -> tuple:
    return (photo, name, preset, px, overwrite)


def batch(template="tshirt", body="female", fabrics=("cotton_jersey",), sizes=("M",), colours="") -> tuple:
    as_sent = [v if isinstance(v, str) else list(v) for v in (fabrics, sizes)]  # a string stays one (hostile)
    return (template, body, *as_sent, colours, TOKEN)


def m(index: int, value) -> tuple:
    values = list(M0)
    values[index] = value
    return tuple(values)


HUGE = "x" * MB  # a 1 MB string
CONTROL = "\x00\x07\x1b[31m\u202e\ufeff\r\n\t"  # an ANSI colour escape among control characters
INVISIBLE = "\x00\x07\x1b\u202e\u200b\ufeff\r\n\t\x7f"  # nothing a user could read
NOT_IN = r"is not one of its choices"
NOT_IMAGE = r"is not a PNG, JPEG or WebP image"
UPLOADED = r"takes a file uploaded to the studio"

API_CASES: dict[str, Api] = {
    # Design & drape: choices, colours, measurements
    "drape-unknown-template": Api("drape", drape(template="ballgown"), NOT_IN + r".*tshirt", None),
    "drape-template-1MB": Api("drape", drape(template=HUGE), r"takes one of its choices, not 'x{40}…'", None),
    "drape-template-traversal": Api("drape", drape(template="../../etc/passwd"), NOT_IN, None),
    "drape-template-number": Api("drape", drape(template=7), NOT_IN, None),
    "drape-template-list": Api("drape", drape(template=["tshirt"]), r"takes one of its choices, not a list", None),
    "drape-template-object": Api("drape", drape(template={"$gt": ""}), r"not an object", None),
    "drape-unknown-size": Api("drape", drape(size="XXXXXL"), r"'Size': 'XXXXXL' " + NOT_IN, None),
    "drape-size-control-chars": Api("drape", drape(size=CONTROL), r"'Size': '\?+\[31m\?+' " + NOT_IN, None),
    "drape-unknown-body": Api("drape", drape(body="centaur"), r"'Body': 'centaur' " + NOT_IN, None),
    "drape-body-boolean": Api("drape", drape(body=True), r"takes one of its choices, not true", None),
    "drape-unknown-fabric": Api("drape", drape(fabric="unobtainium"), r"'Fabric': 'unobtainium' " + NOT_IN, None),
    "drape-fabric-absolute-path": Api("drape", drape(fabric="/etc/passwd"), NOT_IN, None),
    "drape-unknown-quality": Api("drape", drape(quality="ultra"), r"'Drape quality': 'ultra' " + NOT_IN, None),
    "drape-colour-word": Api("drape", drape(colour="red"), r"'red' is not a colour; write it as #rrggbb"),
    "drape-colour-bad-hex": Api("drape", drape(colour="#12345g"), r"is not a colour"),
    "drape-colour-1MB": Api("drape", drape(colour=HUGE), r"'x{20}…' is not a colour"),
    "drape-colour-control-chars": Api("drape", drape(colour="#\x00\x1b[2J"), r"'#\?\?\[2J' is not a colour"),
    "drape-colour-css-injection": Api("drape", drape(colour="#fff;background:url(x)"), r"is not a colour"),
    "drape-colour-number": Api("drape", drape(colour=123456), r"'123456' is not a colour"),
    "drape-measurement-negative": Api("drape", drape(measurements=m(0, -170)), r"'stature' takes 0 to 220, not -170", None),
    "drape-measurement-huge": Api("drape", drape(measurements=m(1, 1e300)), r"'chest/bust girth' takes 0 to 180, not 1e\+300",
                                  None),
    "drape-measurement-text": Api("drape", drape(measurements=m(3, "ninety")), r"'waist girth' takes a finite number",
                                  None),
    "drape-measurement-boolean": Api("drape", drape(measurements=m(2, True)), r"takes a finite number, not true", None),
    "drape-measurement-list": Api("drape", drape(measurements=m(4, [90])), r"takes a finite number, not a list", None),
    "drape-measurement-nan": Api("drape", drape(measurements=m(0, float("nan"))), r"takes a finite number", None,
                                 raw=True),
    "drape-measurement-infinity": Api("drape", drape(measurements=m(5, float("inf"))), r"takes a finite number", None,
                                      raw=True),
    # Design & drape: uploaded patterns and avatars
    "drape-pattern-random-bytes": Api("drape", drape(pattern=Upload("random.svg")), r"'random.svg' is not an SVG"),
    "drape-pattern-zero-bytes": Api("drape", drape(pattern=Upload("zero.svg")), r"'zero.svg' is empty"),
    "drape-pattern-png-named-svg": Api("drape", drape(pattern=Upload("png_named.svg")), r"is not an SVG drawing"),
    "drape-pattern-no-outline": Api("drape", drape(pattern=Upload("no_outline.svg")),
                                    r"Failed.*Garment: .*no cutting outline found"),
    "drape-pattern-billion-laughs": Api("drape", drape(pattern=Upload("laughs.svg")), r"Failed.*not valid SVG"),
    "drape-pattern-external-entity": Api("drape", drape(pattern=Upload("xxe.svg")), r"Failed.*not valid SVG"),
    "drape-pattern-json-100000-deep": Api("drape", drape(pattern=Upload("deep_pattern.json")), r"nested .*too deeply"),
    "drape-pattern-json-no-panels": Api("drape", drape(pattern=Upload("no_panels.json")), r"no panels"),
    "drape-pattern-truncated-dxf": Api("drape", drape(pattern=Upload("truncated.dxf")), r"Failed.*Garment: .*dxf"),
    "drape-pattern-executable": Api("drape", drape(pattern=Upload("program.exe")), r"Invalid file type.*\.svg", None),
    "drape-pattern-as-address": Api("drape", drape(pattern=ServerPath("http://127.0.0.1:1/x.svg")),
                                    r"not an address", None, raw=True),
    "drape-pattern-server-path": Api("drape", drape(pattern=ServerPath(str(REPO / "corpus"))), UPLOADED, None,
                                     raw=True),
    "drape-avatar-random-glb": Api("drape", drape(avatar=Upload("random.glb")), r"'random.glb' is not a GLB file"),
    "drape-avatar-header-only-glb": Api("drape", drape(avatar=Upload("header_only.glb")),
                                        r"Avatar: .*cannot read as GLB"),
    "drape-avatar-words-obj": Api("drape", drape(avatar=Upload("words.obj")), r"Failed.*Avatar: .*words.obj"),
    "drape-avatar-binary-obj": Api("drape", drape(avatar=Upload("binary.obj")), r"is not an OBJ file"),
    "drape-avatar-random-ply": Api("drape", drape(avatar=Upload("random.ply")), r"is not a PLY file"),
    "drape-avatar-image": Api("drape", drape(avatar=Upload("person.png")), r"Invalid file type", None),
    # Photoreal render
    "render-extra-1MB": Api("run", render(extra=HUGE), r"1048576 characters long; keep it to 300"),
    "render-extra-control-chars": Api("run", render(extra=CONTROL * 10), r"needs a running ComfyUI.*ATELIER_COMFYUI_URLS"),
    "render-seed-text": Api("run", render(seed="forty-two"), r"'Seed' takes a finite number", None),
    "render-seed-nan": Api("run", render(seed=float("nan")), r"'Seed' takes a finite number", None, raw=True),
    "render-seed-huge": Api("run", render(seed=1e300), r"ComfyUI|seed"),
    "render-seed-400-digits": Api("run", render(seed=10**400), r"'Seed' takes a finite number, not a number of 401 "
                                                               r"digits", None, raw=True),
    "render-strength-negative": Api("run", render(depth=-1), r"'Depth control strength' takes 0 to 2, not -1", None),
    "render-strength-infinity": Api("run", render(normal=float("-inf")), r"finite number", None, raw=True),
    "render-strength-object": Api("run", render(weight={"v": 1}), r"takes a finite number, not an object", None),
    "render-unknown-environment": Api("run", render(env="the moon"), r"'Environment / style': 'the moon' " + NOT_IN,
                                      None),
    "render-bad-colour": Api("run", render(colour="rgb(1,2,3)"), r"is not a colour"),
    # Try-on and its upload previews
    "tryon-nothing-uploaded": Api("run_1", tryon(None, None, None, None), r"add a person photo and a garment photo"),
    "tryon-no-pose": Api("run_1", tryon(pose=None), r"add the person's pose JSON"),
    "tryon-person-random-bytes": Api("run_1", tryon(person=Upload("random.png")), "'random.png' " + NOT_IMAGE),
    "tryon-person-zero-bytes": Api("run_1", tryon(person=Upload("zero.png")), r"'zero.png' is empty"),
    "tryon-person-svg-named-png": Api("run_1", tryon(person=Upload("svg_named.png")), NOT_IMAGE),
    "tryon-person-truncated-png": Api("run_1", tryon(person=Upload("truncated.png")), NOT_IMAGE),
    "tryon-person-30000x30000-bomb": Api("run_1", tryon(person=Upload("bomb.png")),
                                         r"900 megapixels; the limit is 40 megapixels"),
    "tryon-person-gif-named-png": Api("run_1", tryon(person=Upload("gif_named.png")), r"is a GIF image; use PNG"),
    "tryon-garment-8px": Api("run_1", tryon(garment=Upload("tiny.png")), r"8×8 pixels; it needs at least 16"),
    "tryon-garment-1000000x1": Api("run_1", tryon(garment=Upload("wide.png")), r"megapixels|pixels"),
    "tryon-labels-bmp-named-png": Api("run_1", tryon(labels=Upload("bmp_named.png")), r"is a BMP image"),
    "tryon-pose-100000-deep": Api("run_1", tryon(pose=Upload("deep.json")), r"nested too deeply to be a pose file"),
    "tryon-pose-3MB": Api("run_1", tryon(pose=Upload("three_mb.json")), r"MiB; the limit is 2 MiB"),
    "tryon-pose-random-bytes": Api("run_1", tryon(pose=Upload("random.json")), r"is not a JSON file"),
    "tryon-pose-scalar": Api("run_1", tryon(pose=Upload("scalar.json")), r"holds no pose"),
    "tryon-pose-people-text": Api("run_1", tryon(pose=Upload("people_text.json")), r"Pose: .*'people' must be a list"),
    "tryon-pose-nan": Api("run_1", tryon(pose=Upload("nan_pose.json")), r"Pose: .*pose_keypoints_2d"),
    "tryon-pose-text-file": Api("run_1", tryon(pose=Upload("pose.txt")), r"Invalid file type.*\.json", None),
    "tryon-person-as-address": Api("run_1", tryon(person=ServerPath("https://example.com/p.png")), r"not an address",
                                   None, raw=True),
    "tryon-person-server-file": Api("run_1", tryon(person=ServerPath(str(SAMPLES / "atelier_sample_person.png"))),
                                    UPLOADED + r".*was not uploaded", None, raw=True),
    "tryon-person-traversal": Api("run_1", tryon(person=ServerPath("../../../../etc/passwd.png")), UPLOADED, None,
                                  raw=True),
    "tryon-person-number": Api("run_1", tryon(person=5), UPLOADED + r".*not 5", None),
    "preview-person-random-bytes": Api("_checked_preview", (Upload("random.png"),), NOT_IMAGE, 1),
    "preview-garment-bomb": Api("_checked_preview_1", (Upload("bomb.png"),), r"900 megapixels", 1),
    "preview-labels-zero-bytes": Api("_checked_preview_2", (Upload("zero.png"),), r"is empty", 1),
    "preview-fabric-truncated": Api("_checked_preview_3", (Upload("truncated.png"),), NOT_IMAGE, 1),
    # Fabric scan and catalog
    "scan-no-photo": Api("run_scan", scan(photo=None), r"add a fabric photo first"),
    "scan-photo-random-bytes": Api("run_scan", scan(photo=Upload("random.png")), NOT_IMAGE),
    "scan-photo-bomb": Api("run_scan", scan(photo=Upload("bomb.png")), r"900 megapixels"),
    "scan-name-empty": Api("run_scan", scan(name=""), r"the fabric name is empty"),
    "scan-name-1MB": Api("run_scan", scan(name=HUGE), r"fabric name is 1048576 characters long; keep it to 60"),
    "scan-name-control-chars-only": Api("run_scan", scan(name=INVISIBLE), r"the fabric name is empty"),
    "scan-name-punctuation-only": Api("run_scan", scan(name="!!! ... ???"), r"needs at least one letter"),
    "scan-name-emoji-only": Api("run_scan", scan(name="🧵🪡"), r"needs at least one letter"),
    "scan-name-traversal": Api("run_scan", scan(name="../../etc/passwd", overwrite=True),
                               r"Saved as 'etc_passwd' \(\.\.-\.\.-etc-passwd\)"),
    "scan-unknown-preset": Api("run_scan", scan(preset="kevlar"), r"'kevlar' " + NOT_IN, None),
    "scan-px-per-cm-negative": Api("run_scan", scan(px=-3), r"'Pixels per cm \(0 = unknown\)' takes 0 to 10000, not -3", None),
    "scan-px-per-cm-huge": Api("run_scan", scan(px=1e12), r"takes 0 to 10000, not 1000000000000", None),
    "scan-px-per-cm-nan": Api("run_scan", scan(px=float("nan")), r"takes a finite number", None, raw=True),
    "scan-overwrite-text": Api("run_scan", scan(overwrite="no"), r"takes true or false, not 'no'", None),
    "catalog-search-1MB": Api("_catalog", (HUGE,), r"search is 1048576 characters long", None),
    # Batch
    "batch-over-the-limit": Api("run_2", batch(fabrics=("cotton_jersey", "denim", "linen"), sizes=("S", "M", "L"),
                                                colours=",".join(["#112233"] * 30)),
                                r"make 270 jobs; a batch may hold at most 200"),
    "batch-duplicated-sizes": Api("run_2", batch(sizes=["M"] * 1000), r"make 1000 jobs"),
    "batch-colours-1MB": Api("run_2", batch(colours="#112233," * (MB // 8)), r"a batch may hold at most 200"),
    "batch-bad-colour": Api("run_2", batch(colours="#112233, #zzzzzz"), r"'#zzzzzz' is not a colour"),
    "batch-colours-control-chars": Api("run_2", batch(colours=CONTROL), r"is not a colour"),
    "batch-no-fabric": Api("run_2", batch(fabrics=()), r"choose at least one fabric and one size"),
    "batch-no-size": Api("run_2", batch(sizes=()), r"choose at least one fabric and one size"),
    "batch-unknown-fabric": Api("run_2", batch(fabrics=("denim", "unobtainium")), r"'unobtainium' " + NOT_IN, None),
    "batch-fabrics-as-text": Api("run_2", batch(fabrics="denim"), r"takes some of its choices, not 'denim'", None),
    "batch-unknown-template": Api("run_2", batch(template="toga"), NOT_IN, None),
    # Job history
    "history-unknown-job": Api("show", ("0123456789ab", TOKEN), r"cannot be chosen|" + NOT_IN, None),
    "history-job-traversal": Api("show", ("../../etc/passwd", TOKEN), r"cannot be chosen|" + NOT_IN, None),
    "history-job-1MB": Api("show", (HUGE, TOKEN), r"takes one of its choices", None),
    # Requests that do not fit a form
    "api-too-few-values": Api("run_2", ("tshirt",), r"does not fit this form", None, raw=True),
    "api-number-for-every-field": Api("run_2", (1, 2, 3, 4, 5, 6), r"'Garment': 1 is not one of its choices",
                                      None, raw=True),
}


def _upload_payload(studio: Studio, files: Path, value, raw: bool):
    """What a request sends for ``value``: uploads go through the upload route (the client's own way, or
    by hand for raw calls), server paths are sent as they are."""
    if isinstance(value, Upload) and not raw:
        from gradio_client import handle_file

        return handle_file(str(files / value.name))
    if isinstance(value, Upload):
        import httpx

        with (files / value.name).open("rb") as fh:
            sent = httpx.post(f"{studio.url}gradio_api/upload", files={"files": (value.name, fh)}, timeout=60)
        return {"path": sent.json()[0], "orig_name": value.name, "meta": {"_type": "gradio.FileData"}}
    if isinstance(value, ServerPath):
        return {"path": value.path, "meta": {"_type": "gradio.FileData"}}
    return value


def call_raw(url: str, api: str, args: list) -> str:
    """Gradio's REST API (POST /call/<api>, then its event stream): what an error event says, else the
    first output. JSON is written as Python writes it, so NaN and Infinity reach the server."""
    import httpx

    base = f"{url}gradio_api/call/{api}"
    sent = httpx.post(base, content=json.dumps({"data": args}), headers={"content-type": "application/json"},
                      timeout=60)
    assert sent.status_code == 200, sent.text[:300]
    with httpx.stream("GET", f"{base}/{sent.json()['event_id']}", timeout=120) as reply:
        text = "".join(reply.iter_text())
    events = re.findall(r"event: (\w+)\ndata: (.*)", text)
    kind, data = events[-1]
    body = json.loads(data)
    return str(body.get("error")) if kind == "error" else str(body[0] if isinstance(body, list) else body)


def call(client, studio: Studio, files: Path, case: Api) -> str:
    args = [_upload_payload(studio, files, a, case.raw) for a in case.args]
    if case.raw:
        return call_raw(studio.url, case.api, args)
    from gradio_client.exceptions import AppError

    try:
        reply = client.submit(*args, api_name=f"/{case.api}").result(timeout=180)
    except AppError as exc:
        assert case.out is None, f"refused, but a reply was expected: {exc}"
        return str(exc)
    assert case.out is not None, f"answered, but a refusal was expected: {str(reply)[:300]}"
    return reply[case.out] if isinstance(reply, (tuple, list)) else reply


@pytest.mark.parametrize("case", API_CASES.values(), ids=API_CASES.keys())
def test_api_answers_a_hostile_input_in_words(case, studio, client, files):
    before = repo_status()
    text = call(client, studio, files, case)
    assert_clear(text, case.expect, *studio.hidden, files)
    assert studio.serving(), f"the studio stopped serving:\n{studio.tail()}"
    assert client.predict(api_name="/cancel_batch") == "No batch is running."
    assert repo_status() - before == set()
    assert half_written(studio.work) == []


def test_an_upload_over_50_MiB_is_refused_with_the_limit(studio, tmp_path):
    """The upload route itself refuses a file over the limit (the client checks it before sending)."""
    import httpx

    big = tmp_path / "big.png"
    with big.open("wb") as fh:
        fh.truncate(50 * MB + 1)
    with big.open("rb") as fh:
        reply = httpx.post(f"{studio.url}gradio_api/upload", files={"files": ("big.png", fh, "image/png")}, timeout=60)
    assert reply.status_code == 413
    assert_clear(reply.text, r"maximum allowed size of 52428800 bytes", *studio.hidden)
    assert studio.serving()


def test_requests_outside_the_forms_are_answered_in_words(studio):
    """An endpoint that does not exist, a function index out of range, a body that is not JSON, a number of
    5000 digits: a sentence each (Gradio alone answers a bare 500 to the first two), and the studio still
    serves; files outside Gradio's cache are never served."""
    import httpx

    api = f"{studio.url}gradio_api"
    replies = [httpx.post(f"{api}/call/no_such_endpoint", json={"data": []}, timeout=30),
               httpx.post(f"{api}/queue/join", json={"data": [], "fn_index": 9999, "session_hash": "x"}, timeout=30),
               httpx.post(f"{api}/call/run_2", content=b"{not json", timeout=30),
               httpx.post(f"{api}/call/run", content=b'{"data": [1' + b"0" * 5000 + b"]}", timeout=30)]
    assert [r.status_code for r in replies] == [404, 500, 422, 422]
    assert_clear(replies[0].json()["error"], r"no such API endpoint", *studio.hidden)
    assert_clear(replies[1].json()["error"], r"could not handle this request", *studio.hidden)
    assert_clear(replies[2].json()["detail"][0]["msg"], r"valid dictionary", *studio.hidden)
    assert_clear(replies[3].json()["detail"][0]["msg"], r"valid dictionary", *studio.hidden)
    for path in ("/etc/passwd", str(studio.work / ".studio_secret"), str(REPO / "README.md")):
        assert httpx.get(f"{api}/file={path}", timeout=30).status_code in (403, 404)
    assert studio.serving()


def test_the_corpus_is_large_enough():
    assert len(API_CASES) >= 70 and len(CLI_CASES) >= 30


# --- the command line ----------------------------------------------------------------------------

ROWS: dict[str, bytes | str] = {
    "ok.csv": "Garment.size\nZZ\nXXS\n",
    "random.csv": os.urandom(4096),
    "utf16.csv": "Garment.size\nM\n".encode("utf-16"),
    "empty.csv": "",
    "header_only.csv": "Garment.size\n",
    "misspelt.csv": "Garment.sizee\nM\n",
    "nul.csv": b"Garment.size\nM\x00\n",
    "huge_cell.csv": "Garment.size\n" + "x" * MB + "\n",
    "ten_thousand.csv": "Garment.size\n" + "ZZ\n" * 10_000,
    "strings.yaml": "- a\n- b\n",
    "broken.yaml": "rows: [1\n",
    "deep.yaml": "[" * 100_000 + "]" * 100_000,
    "not_a_workflow.json": json.dumps({"hello": "world"}),
    "random_workflow.json": os.urandom(2048),
    "a_file": "not a folder",
}


@dataclass(frozen=True)
class Cli:
    args: tuple[str, ...]  # {d}: the cases' folder, {out}: a fresh output folder
    expect: str
    code: int  # 2: a mistake in the command (nothing is run or written), 1: a job that failed


CLI_CASES: dict[str, Cli] = {
    "no-command": Cli((), r"the following arguments are required: command", 2),
    "unknown-command": Cli(("drape",), r"invalid choice: 'drape'", 2),
    "list-with-extra-argument": Cli(("list", "everything"), r"unrecognized arguments: everything", 2),
    "run-without-workflow": Cli(("run",), r"required: workflow", 2),
    "run-without-out": Cli(("run", "drape_preview"), r"required: --out", 2),
    "run-unknown-workflow": Cli(("run", "drape_prevue", "--out", "{out}"), r"no workflow 'drape_prevue'.*available", 2),
    "run-workflow-traversal": Cli(("run", "../../etc/passwd", "--out", "{out}"), r"no workflow '\.\./\.\./etc/passwd'",
                                  2),
    "run-workflow-absolute-path": Cli(("run", "/etc/passwd", "--out", "{out}"), r"no workflow '/etc/passwd'", 2),
    "run-workflow-not-api-format": Cli(("run", "{d}/not_a_workflow.json", "--out", "{out}"),
                                       r"not an API-format workflow", 2),
    "run-workflow-random-bytes": Cli(("run", "{d}/random_workflow.json", "--out", "{out}"), r"not a workflow file \(it is not UTF-8 text\)", 2),
    "set-without-equals": Cli(("run", "drape_preview", "--set", "Garment.size", "--out", "{out}"),
                              r"expected NODE.INPUT=VALUE", 2),
    "set-empty-key": Cli(("run", "drape_preview", "--set", "=M", "--out", "{out}"), r"must look like NODE.INPUT", 2),
    "set-no-dot": Cli(("run", "drape_preview", "--set", "Garment=M", "--out", "{out}"), r"must look like NODE.INPUT", 2),
    "set-unknown-node": Cli(("run", "drape_preview", "--set", "Garmnet.size=M", "--out", "{out}"),
                            r"no node 'Garmnet'", 2),
    "set-misspelt-input": Cli(("run", "drape_preview", "--set", "Garment.sizee=M", "--out", "{out}"),
                              r"has no input 'sizee'; did you mean 'Garment.size'", 2),
    "set-unknown-size": Cli(("run", "drape_preview", "--set", "Garment.size=ZZ", "--out", "{out}"),
                            r"Garment: Value not in list \(size: 'ZZ'", 1),
    "set-negative-frames": Cli(("run", "drape_preview", "--set", "Drape.max_frames=-5", "--out", "{out}"),
                               r"Drape: Value -5 smaller than min", 1),
    "set-nan-frames": Cli(("run", "drape_preview", "--set", "Drape.max_frames=NaN", "--out", "{out}"),
                          r"Drape: .*max_frames", 1),
    "set-infinite-frames": Cli(("run", "drape_preview", "--set", "Drape.max_frames=1e999", "--out", "{out}"),
                               r"Drape: .*infinity", 1),
    "set-huge-frames": Cli(("run", "drape_preview", "--set", "Drape.max_frames=" + "9" * 40, "--out", "{out}"),
                           r"Drape: Value 9+ bigger than max", 1),
    "set-list-value": Cli(("run", "drape_preview", "--set", "Garment.size=[1,2,3]", "--out", "{out}"),
                          r"Garment: ", 1),
    "set-garment-traversal": Cli(("run", "drape_preview", "--set", "Garment.garment=../../etc/passwd", "--out",
                                  "{out}"), r"Value not in list \(garment: '\.\./\.\./etc/passwd'", 1),
    "set-100kB-value": Cli(("run", "drape_preview", "--set", "Garment.size=" + "x" * 100_000, "--out", "{out}"),
                           r"Garment: Value not in list", 1),
    "set-control-chars": Cli(("run", "drape_preview", "--set", "Garment.size=\x1b[2J\u202eM\x07", "--out", "{out}"),
                             r"Garment: Value not in list", 1),
    "set-pose-traversal": Cli(("run", "tryon_classic", "--set", "Pose.path=../../etc/passwd", "--out", "{out}"),
                              r"inside Atelier's input folder", 1),
    "set-pose-absolute-path": Cli(("run", "tryon_classic", "--set", "Pose.path=/etc/passwd", "--out", "{out}"),
                                  r"must be inside Atelier's input", 1),
    "out-is-a-file": Cli(("run", "drape_preview", "--set", "Garment.size=ZZ", "--out", "{d}/a_file"),
                         r"--out .*a_file is a file; give a folder", 2),
    "out-cannot-be-made": Cli(("run", "drape_preview", "--set", "Garment.size=ZZ", "--out", "/proc/atelier/out"),
                              r"No such file or directory|cannot", 1),
    "server-refuses": Cli(("run", "drape_preview", "--server", "http://127.0.0.1:9", "--out", "{out}"),
                          r"No ComfyUI server answered.*connection refused", 1),
    "server-not-a-url": Cli(("run", "drape_preview", "--server", "not a url", "--out", "{out}"),
                            r"No ComfyUI server answered", 1),
    "server-file-url": Cli(("run", "drape_preview", "--server", "file:///etc/passwd", "--out", "{out}"),
                           r"No ComfyUI server answered", 1),
    "batch-missing-rows": Cli(("batch", "drape_preview", "{d}/missing.csv", "--out", "{out}"), r"no batch file", 2),
    "batch-rows-are-a-folder": Cli(("batch", "drape_preview", "{d}", "--out", "{out}"), r"no batch file", 2),
    "batch-random-bytes-csv": Cli(("batch", "drape_preview", "{d}/random.csv", "--out", "{out}"),
                                  r"not a readable CSV file", 2),
    "batch-utf16-csv": Cli(("batch", "drape_preview", "{d}/utf16.csv", "--out", "{out}"), r"not a readable CSV file", 2),
    "batch-empty-csv": Cli(("batch", "drape_preview", "{d}/empty.csv", "--out", "{out}"), r"holds no rows", 2),
    "batch-header-only-csv": Cli(("batch", "drape_preview", "{d}/header_only.csv", "--out", "{out}"),
                                 r"holds no rows", 2),
    "batch-misspelt-column": Cli(("batch", "drape_preview", "{d}/misspelt.csv", "--out", "{out}"),
                                 r"did you mean 'Garment.size'", 2),
    "batch-10000-rows": Cli(("batch", "drape_preview", "{d}/ten_thousand.csv", "--out", "{out}"),
                            r"holds 10000 rows; a batch may hold at most 1000", 2),
    "batch-yaml-of-strings": Cli(("batch", "drape_preview", "{d}/strings.yaml", "--out", "{out}"),
                                 r"expected a YAML list of mappings", 2),
    "batch-broken-yaml": Cli(("batch", "drape_preview", "{d}/broken.yaml", "--out", "{out}"), r"not valid YAML", 2),
    "batch-yaml-100000-deep": Cli(("batch", "drape_preview", "{d}/deep.yaml", "--out", "{out}"),
                                  r"nested too deeply", 2),
    "batch-out-is-a-file": Cli(("batch", "drape_preview", "{d}/ok.csv", "--out", "{d}/a_file"), r"is a file", 2),
    "batch-bad-values": Cli(("batch", "drape_preview", "{d}/ok.csv", "--out", "{out}"),
                            r"0 of 2 rows done, 2 failed.*row 1 \(job_0001\) failed: Garment: Value not in list", 1),
    "batch-nul-byte-csv": Cli(("batch", "drape_preview", "{d}/nul.csv", "--out", "{out}"),
                              r"not a readable CSV file|Value not in list", 1),
    "batch-1MB-cell": Cli(("batch", "drape_preview", "{d}/huge_cell.csv", "--out", "{out}"), r"not a readable CSV", 2),
}


@pytest.fixture(scope="module")
def cli_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile-cli")
    for name, data in ROWS.items():
        (folder / name).write_bytes(data.encode() if isinstance(data, str) else data)
    return folder


@pytest.mark.parametrize("case", CLI_CASES.values(), ids=CLI_CASES.keys())
def test_cli_answers_a_hostile_command_in_words(case, cli_dir, tmp_path):
    work, out = tmp_path / "work", tmp_path / "out"
    args = [a.replace("{d}", str(cli_dir)).replace("{out}", str(out)) for a in case.args]
    env = {**os.environ, "ATELIER_WORK_DIR": str(work)}
    env.pop("ATELIER_COMFYUI_URLS", None)
    before, files_before = repo_status(), sorted(p.name for p in cli_dir.iterdir())
    done = subprocess.run([sys.executable, "-m", "studio", *args], cwd=REPO, env=env, capture_output=True,
                          timeout=300)
    said = (done.stdout + done.stderr).decode("utf-8", "replace")
    said = "\n".join(line for line in said.splitlines() if "Warp CUDA" not in line and "cuda_driver" not in line)
    assert done.returncode == case.code, said[-2000:]
    assert_clear(said, case.expect, work, "site-packages")
    assert repo_status() - before == set()
    assert sorted(p.name for p in cli_dir.iterdir()) == files_before  # nothing written beside the inputs
    assert half_written(work) == [] and half_written(out) == []
    if case.code == 2:  # a mistake in the command: nothing ran, nothing was written
        assert not out.exists()
    elif out.is_dir() and (out / "job.json").is_file():  # a failed job keeps its record and nothing else
        assert sorted(p.name for p in out.iterdir()) == ["job.json"]
