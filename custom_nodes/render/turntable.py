"""Turntables: N preview views around the subject → an image batch and an H.264 MP4."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from ..core.camera import Camera
from ..core.errors import DependencyMissingError, InvalidInputError
from ..core.progress import report
from .cameras import frame
from .scenes import RenderScene
from .shading import render_preview

MAX_VIEWS = 360


def turntable_frames(scene: RenderScene, views: int = 36, preset: str = "full_body", pitch: float = 5.0,
                     fov_y: float = 30.0, width: int = 512, height: int = 512, ss: int = 2,
                     on_progress=None) -> np.ndarray:
    """(views, H, W, 3) float32 sRGB previews at yaw 0, 360/views, … (degrees, starting at the front).

    The framing (target and distance) is computed once so the subject does not jump between views.
    """
    if int(views) != views or not 1 <= views <= MAX_VIEWS:
        raise InvalidInputError(f"must be 1..{MAX_VIEWS}, got {views!r}", field="views")
    if scene.n_faces == 0:
        raise InvalidInputError("nothing to turn: the scene has no triangles", field="scene")
    if preset == "flat_lay":
        raise InvalidInputError("a flat lay does not turn; pick full_body, upper_body or garment_closeup",
                                field="preset")
    base = frame(scene, preset, 0.0, pitch, fov_y, width, height, every_yaw=True)
    distance = float(np.linalg.norm(base.eye.astype(np.float64) - base.target))
    frames = np.empty((views, height, width, 3), np.float32)
    for i in range(views):
        cam = Camera.orbit(360.0 * i / views, pitch, distance, target=tuple(base.target), fov_y=fov_y,
                           width=width, height=height, near=base.near, far=base.far)
        frames[i] = render_preview(scene, cam, ss)
        report(on_progress, i + 1, views)
    return frames


def write_mp4(frames: np.ndarray, path: str | Path, fps: int = 24) -> Path:
    """Encode (n, H, W, 3) float 0..1 frames as H.264 (yuv420p) MP4, atomically (temp file + rename).

    Odd sizes are padded by one black pixel (H.264 4:2:0 needs even sizes).
    """
    try:
        import imageio_ffmpeg
    except ImportError:
        raise DependencyMissingError("imageio-ffmpeg", "Writing turntable MP4s", "render") from None
    if frames.ndim != 4 or frames.shape[0] == 0:
        raise InvalidInputError(f"expected (n, H, W, 3) frames, got {frames.shape}", field="frames")
    if not 1 <= fps <= 120:
        raise InvalidInputError(f"must be 1..120, got {fps}", field="fps")
    n, h, w = frames.shape[:3]
    data = np.zeros((n, h + h % 2, w + w % 2, 3), np.uint8)
    data[:, :h, :w] = np.round(np.clip(frames[..., :3], 0, 1) * 255)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(tmp, (data.shape[2], data.shape[1]), fps=fps, codec="libx264",
                                             pix_fmt_out="yuv420p", macro_block_size=1, quality=8,
                                             ffmpeg_log_level="error")
        writer.send(None)
        for f in data:
            writer.send(np.ascontiguousarray(f))
        writer.close()
        os.chmod(tmp, 0o644)  # mkstemp makes it private; a finished video is as readable as any output
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_webp(frames: np.ndarray, path: str | Path, fps: int = 24, quality: int = 80) -> Path:
    """Animated WebP of (n, H, W, 3) float 0..1 frames (what ComfyUI's canvas previews), written atomically."""
    import io

    from PIL import Image

    from ..core.serial import atomic_write_bytes

    if frames.ndim != 4 or frames.shape[0] == 0:
        raise InvalidInputError(f"expected (n, H, W, 3) frames, got {frames.shape}", field="frames")
    images = [Image.fromarray(np.round(np.clip(f[..., :3], 0, 1) * 255).astype(np.uint8)) for f in frames]
    buf = io.BytesIO()
    images[0].save(buf, format="WEBP", save_all=True, append_images=images[1:], duration=int(1000 / fps),
                   loop=0, quality=quality)
    return atomic_write_bytes(path, buf.getvalue())
