"""CUDA and CPU agree (within tolerance) — runs only where CUDA exists; CPU tests never need a GPU."""

from __future__ import annotations

import ctypes.util
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.drape import drape
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.scenes import cylinder_avatar, tube

REPO = Path(__file__).resolve().parents[2]
SCRIPT = """
import numpy as np, sys
from custom_nodes.cloth_sim.drape import drape
from custom_nodes.cloth_sim.config import DrapeSettings
from custom_nodes.cloth_sim.fabrics import fabric_preset
from custom_nodes.cloth_sim.runtime import taichi_arch
from custom_nodes.cloth_sim.scenes import cylinder_avatar, tube
r = drape(tube(0.82, 0.3, 0.04), cylinder_avatar(), fabric_preset("denim"), DrapeSettings(max_frames=30))
assert taichi_arch() == "cuda", taichi_arch()
np.save(sys.argv[1], r.positions)
"""


@pytest.mark.skipif(ctypes.util.find_library("cuda") is None, reason="no CUDA driver on this machine")
def test_cuda_matches_cpu(tmp_path):
    out = tmp_path / "cuda.npy"
    path = os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p)  # keep the caller's
    env = {**os.environ, "ATELIER_TAICHI_ARCH": "cuda", "PYTHONPATH": path}
    subprocess.run([sys.executable, "-c", SCRIPT, str(out)], check=True, env=env, cwd=REPO, timeout=300)
    cpu = drape(tube(0.82, 0.3, 0.04), cylinder_avatar(), fabric_preset("denim"), DrapeSettings(max_frames=30))
    assert np.abs(np.load(out) - cpu.positions).max() < 2e-3  # [m]


def test_per_colour_kernel_path_matches_the_serial_cpu_path():
    """The GPU path (one launch per colour) checked on the CPU against the fused serial frame kernel."""
    from custom_nodes.cloth_sim.body import body_collider, skip_masks
    from custom_nodes.cloth_sim.model import build_model
    from custom_nodes.cloth_sim.solver import StepControls, XPBDSolver

    g, avatar = tube(0.82, 0.3, 0.04), cylinder_avatar()
    model = build_model(g, fabric_preset("denim"))
    results = []
    for serial in (True, False):
        solver = XPBDSolver(model, body_collider(avatar), skip_masks(g))
        solver.serial = serial
        state = solver.state(g.positions)
        ctl = StepControls(seam_step=1e-3, damping=2.0, self_collision=True)
        for _ in range(20):
            state = solver.frame(state, 8, 1 / 480, ctl)
        results.append(state.positions())
    assert np.all(np.isfinite(results[1]))
    assert np.abs(results[0] - results[1]).max() < 1e-4  # [m]
