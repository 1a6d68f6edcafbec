"""Render the pattern domain's documentation pictures: ``python -m custom_nodes.pattern.pictures OUT_DIR [CORPUS_DIR]``
(``CORPUS_DIR`` defaults to the repository's ``corpus/``, run from its root).

Previews of the GarmentCode shirt, the FreeSewing Teagan tee (seams inferred) and the hoodie template,
the hoodie's grading nest, and the hoodie placed on the default mannequin.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

from ..core.measurements import size_measurements
from .params import TemplateSettings
from .pattern_io import load_pattern
from .placement import place_garment
from .preview import grade_with_nest, render_pattern, render_placed
from .templates import draft
from .triangulate import triangulate


def make_pictures(out_dir: str | Path, corpus_dir: str | Path) -> list[Path]:
    """The pattern pictures of docs/pattern.md; ``corpus_dir`` is the repository's ``corpus/`` folder."""
    out, corpus = Path(out_dir), Path(corpus_dir)
    out.mkdir(parents=True, exist_ok=True)
    shirt = load_pattern(corpus / "garmentcode/shirt_mean/specification.json")
    tee = load_pattern(corpus / "freesewing/teagan_cisMaleAdult42.svg")
    hoodie = draft(size_measurements("M"), TemplateSettings(garment="hoodie"))
    _, nest = grade_with_nest(TemplateSettings(garment="hoodie"), "female", "M")
    pictures = {
        "garmentcode_shirt.png": render_pattern(shirt, 1000, 700, "GarmentCode shirt (seams numbered in pairs)"),
        "freesewing_teagan.png": render_pattern(tee, 1000, 700, "FreeSewing Teagan: unfolded, seams inferred"),
        "hoodie_template.png": render_pattern(hoodie, 1000, 700, "Hoodie template, size M female"),
        "hoodie_grading_nest.png": nest,
        "hoodie_placed.png": render_placed(place_garment(triangulate(hoodie, 0.02))),
        "garmentcode_shirt_placed.png": render_placed(place_garment(triangulate(shirt, 0.02))),
        "teagan_placed.png": render_placed(place_garment(triangulate(tee, 0.02))),
    }
    paths = []
    for name, img in pictures.items():
        path = out / name
        Image.fromarray(img).quantize(64).save(path, optimize=True)
        paths.append(path)
    return paths


if __name__ == "__main__":
    for p in make_pictures(sys.argv[1] if len(sys.argv) > 1 else "docs/images/pattern",
                           sys.argv[2] if len(sys.argv) > 2 else "corpus"):
        print(p, p.stat().st_size // 1024, "KB")
