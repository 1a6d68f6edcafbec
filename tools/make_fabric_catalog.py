"""Regenerate the bundled fabric catalog (``fabrics/``: fabrics, prints, trims) from the procedural presets.

    python tools/make_fabric_catalog.py [--size 256]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from custom_nodes.fabric.build_catalog import build_catalog, build_prints, build_trims  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--size", type=int, default=256, help="tile side in pixels")
    parser.add_argument("--out", type=Path, default=REPO / "fabrics")
    args = parser.parse_args()
    catalog = build_catalog(args.out, args.size, on_progress=lambda d, t: print(f"{d}/{t}", end="\r"))
    prints, trims = build_prints(args.out), build_trims(args.out)
    total = sum(f.stat().st_size for f in args.out.rglob("*") if f.is_file())
    print(f"{len(catalog.ids())} fabrics, {len(prints)} prints, {len(trims)} trims in {args.out} "
          f"({total / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
