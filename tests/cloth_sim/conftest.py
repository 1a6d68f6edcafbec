"""Cloth tests run Taichi on the CPU (bitwise repeatable) with small scenes (≤ ~2k vertices)."""

from __future__ import annotations

import os

os.environ.setdefault("ATELIER_TAICHI_ARCH", "cpu")
