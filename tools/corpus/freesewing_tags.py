"""Write custom_nodes/pattern/data/freesewing_designs.json: each FreeSewing design's own tags.

FreeSewing publishes, in every design package's ``about.json``, tags such as ``tops``, ``bottoms``,
``skirts``, ``trousers``, ``dresses`` and ``onePiece``. The SVG importer recognises a FreeSewing file by
its part ids (``fs-stack-<design>.<part>``) and uses these tags to tell a garment worn from the waist
(bottoms) from one worn from the shoulders. Run after ``npm ci`` in tools/corpus/freesewing:

    python tools/corpus/freesewing_tags.py
"""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / "tools" / "corpus" / "freesewing" / "node_modules" / "@freesewing"
OUT = ROOT / "custom_nodes" / "pattern" / "data" / "freesewing_designs.json"


def main() -> None:
    designs = {}
    for about in sorted(MODULES.glob("*/about.json")):
        doc = json.loads(about.read_text(encoding="utf-8"))
        if doc.get("tags") is not None:
            designs[doc["id"]] = {"tags": sorted(doc["tags"]), "version": doc.get("version", "")}
    OUT.write_text(json.dumps({
        "source": "about.json of each @freesewing/<design> package on npm (MIT, FreeSewing contributors); "
                  "regenerate with tools/corpus/freesewing_tags.py",
        "designs": designs}, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"{len(designs)} designs -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
