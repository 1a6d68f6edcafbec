"""Where try-on weights live and how missing ones are reported. Nothing is ever downloaded.

Each :class:`ModelSpec` mirrors one entry of ``models/manifest.json``. :func:`locate` looks at an
explicit path first, then the spec's environment variable (rembg's ``U2NET_HOME``), then ComfyUI's model
folders (inside ComfyUI) and ``models/<folder>/``; when nothing is there it raises
:class:`ModelMissingError` naming the file, the folder, the source URL and the licence.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..core.errors import ModelMissingError
from ..core.paths import model_search_paths


@dataclass(frozen=True)
class ModelSpec:
    id: str
    folder: str  # ComfyUI model folder name or ours, e.g. "atelier/segformer_b2_clothes"
    file: str  # file (or folder marker file) to look for
    url: str
    licence: str
    is_dir: bool = False  # a transformers folder (config.json + weights) rather than one file
    env: str | None = None  # environment variable naming a folder to search first
    home_default: str | None = None  # that variable's default folder (e.g. ~/.u2net), searched too


SEGFORMER_CLOTHES = ModelSpec(
    "segformer_b2_clothes", "atelier/segformer_b2_clothes", "config.json",
    "https://huggingface.co/mattmdjaga/segformer_b2_clothes", "MIT (model card)", is_dir=True)
U2NET = ModelSpec("u2net", "rembg", "u2net.onnx",
                  "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2net.onnx", "Apache-2.0",
                  env="U2NET_HOME", home_default="~/.u2net")
U2NET_HUMAN = ModelSpec("u2net_human_seg", "rembg", "u2net_human_seg.onnx",
                        "https://github.com/danielgatis/rembg/releases/download/v0.0.0/u2net_human_seg.onnx",
                        "Apache-2.0", env="U2NET_HOME", home_default="~/.u2net")
OPENPOSE_BODY = ModelSpec("openpose_body", "atelier/openpose", "body_pose_model.pth",
                          "https://huggingface.co/lllyasviel/Annotators/blob/main/body_pose_model.pth",
                          "CMU OpenPose licence (academic / non-commercial)")
DWPOSE = ModelSpec("dwpose_wholebody", "atelier/dwpose", "dw-ll_ucoco_384.onnx",
                   "https://huggingface.co/yzd-v/DWPose/blob/main/dw-ll_ucoco_384.onnx", "Apache-2.0")


def _candidates(spec: ModelSpec) -> list[Path]:
    folders: list[Path] = []
    if spec.env and os.environ.get(spec.env):
        folders.append(Path(os.environ[spec.env]).expanduser())
    elif spec.home_default:
        folders.append(Path(spec.home_default).expanduser())
    folders += model_search_paths(spec.folder)
    return folders


def _weights_in(folder: Path) -> bool:
    return (folder / "config.json").is_file() and any(
        (folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin"))


def locate(spec: ModelSpec, explicit: str | os.PathLike | None = None) -> Path:
    """Path of the model file (or transformers folder) for ``spec``; raises ModelMissingError."""
    searched: list[str] = []
    tries: list[Path] = []
    if explicit:
        p = Path(explicit).expanduser()
        tries.append(p)
        if not spec.is_dir and p.is_dir():
            tries[-1] = p / spec.file
    tries += [f if spec.is_dir else f / spec.file for f in _candidates(spec)]
    for path in tries:
        searched.append(str(path))
        if spec.is_dir and path.is_dir() and _weights_in(path):
            return path
        if not spec.is_dir and path.is_file():
            return path
    wanted = "config.json + model.safetensors" if spec.is_dir else spec.file
    raise ModelMissingError(wanted, str(model_search_paths(spec.folder)[-1]), spec.url, spec.licence, searched)
