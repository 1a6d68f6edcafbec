"""Taichi start-up: one lazy ``ti.init`` per process (CUDA when present, CPU otherwise).

Taichi cannot be re-initialised cheaply (every field and compiled kernel is lost), so the whole
package goes through :func:`ensure_taichi`. Nothing here runs at import time.
"""

from __future__ import annotations

import os
import threading

from ..core.errors import DependencyMissingError

_lock = threading.Lock()
_arch_name: str | None = None


def ensure_taichi():
    """Import and initialise Taichi once; return the ``taichi`` module.

    ``ATELIER_TAICHI_ARCH=cpu`` forces the CPU backend (tests use it for bitwise repeatability);
    ``ATELIER_TAICHI_THREADS=n`` caps the CPU backend's threads (batch drapes run several processes).
    """
    global _arch_name
    try:
        import taichi as ti
    except ImportError as exc:  # pragma: no cover - taichi is a hard dependency of the domain
        raise DependencyMissingError("taichi", "The cloth solver") from exc
    with _lock:
        if _arch_name is None:
            want = os.environ.get("ATELIER_TAICHI_ARCH", "auto").lower()
            arch = ti.cpu if want == "cpu" else ti.cuda  # Taichi falls back to CPU without CUDA
            extra = {}
            threads = os.environ.get("ATELIER_TAICHI_THREADS", "")
            if threads.isdigit() and int(threads) > 0:  # several drapes at once share the cores
                extra["cpu_max_num_threads"] = int(threads)
            ti.init(arch=arch, default_fp=ti.f32, default_ip=ti.i32, log_level=ti.WARN,
                    offline_cache=True, random_seed=0, **extra)
            _arch_name = str(ti.lang.impl.current_cfg().arch).split(".")[-1]
    return ti


def taichi_arch() -> str:
    """Name of the backend in use (``x64``, ``cuda``…), initialising Taichi if needed."""
    ensure_taichi()
    return _arch_name or "unknown"
