"""Sample inputs of the workflow templates, and putting them where ComfyUI's loaders look.

The templates' defaults (``workflows/*.json``) name files in ComfyUI's *input* folder — LoadImage lists
only that folder, and AtelierLoadPose reads relative paths from it — so a template runs as loaded only
when those files are there. They ship in ``workflows/samples/`` (all made by ``tools/build_workflows.py``:
a synthetic person with its label map and pose, a garment, a procedurally woven fabric photo), and
:func:`install_samples` copies them into an input folder. ComfyUI runs it at start-up through the pack's
``prestartup_script.py``; the names start with ``atelier_sample_`` and a file already there is never
overwritten, so the user's own files are safe.

Standard library only and no package imports: ``prestartup_script.py`` loads this file by path, before
ComfyUI imports any pack.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "workflows" / "samples"
PREFIX = "atelier_sample_"


def sample_files(folder: Path = SAMPLES_DIR) -> list[Path]:
    """The shipped sample inputs, sorted by name."""
    return sorted(p for p in folder.glob(f"{PREFIX}*") if p.is_file()) if folder.is_dir() else []


def install_samples(input_dir: str | Path, folder: Path = SAMPLES_DIR) -> list[Path]:
    """Copy every sample missing from ``input_dir`` into it; returns the files copied (none if all were there).

    Never overwrites and never raises for an unwritable folder (it logs instead): the pack must load
    whatever state the input folder is in.
    """
    target = Path(input_dir)
    copied = []
    for src in sample_files(folder):
        dst = target / src.name
        if dst.exists():
            continue
        try:
            target.mkdir(parents=True, exist_ok=True)
            tmp = dst.with_name(f".{dst.name}.tmp")
            shutil.copyfile(src, tmp)
            tmp.replace(dst)
            copied.append(dst)
        except OSError as exc:
            logging.warning("Atelier: could not copy the sample input %s to %s (%s)", src.name, target, exc)
    return copied
