"""Tensor bridge, progress routing, output naming, units and measurement checks."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from custom_nodes.core import bridge
from custom_nodes.core.errors import Cancelled, InvalidInputError
from custom_nodes.core.measurements import SIZES, check_measurements, size_measurements
from custom_nodes.core.params import from_widgets, widgets
from custom_nodes.core.paths import next_output_path
from custom_nodes.core.progress import node_progress, reporting_to
from custom_nodes.core.units import gsm_to_kg_per_m2, metres_per_unit


def test_image_round_trip_keeps_pixels_and_layout():
    rgb = np.random.default_rng(1).random((2, 5, 7, 3), dtype=np.float32)
    tensor = bridge.numpy_to_image(rgb)
    assert isinstance(tensor, torch.Tensor) and tuple(tensor.shape) == (2, 5, 7, 3)
    assert np.array_equal(bridge.image_to_numpy(tensor), rgb)


def test_image_accepts_gray_uint8_and_rgba():
    gray = np.full((4, 6), 255, np.uint8)
    assert bridge.image_to_numpy(bridge.numpy_to_image(gray)).shape == (1, 4, 6, 3)
    rgba = np.ones((4, 6, 4), np.float32)
    assert bridge.image_to_numpy(bridge.numpy_to_image(rgba)).shape == (1, 4, 6, 3)


def test_mask_convention_and_bad_shapes():
    m = bridge.numpy_to_mask(np.eye(3))
    assert tuple(m.shape) == (1, 3, 3) and float(m[0, 0, 0]) == 1.0
    with pytest.raises(InvalidInputError, match="IMAGE"):
        bridge.image_to_numpy(np.zeros((2, 2, 2, 2, 2)))


def test_bridge_returns_copies():
    t = bridge.numpy_to_image(np.zeros((1, 2, 2, 3), np.float32))
    arr = bridge.image_to_numpy(t)
    arr[:] = 1.0
    assert float(t.max()) == 0.0


def test_progress_reaches_runner_hook_and_can_cancel():
    seen = []

    def hook(done, total):
        seen.append((done, total))
        if done == 2:
            raise Cancelled("stop")

    with reporting_to(hook):
        cb = node_progress(3)
        cb(1, 3)
        with pytest.raises(Cancelled):
            cb(2, 3)
    assert seen == [(1, 3), (2, 3)]
    node_progress(3)(1, 3)  # outside a runner and outside ComfyUI: a harmless no-op


def test_output_names_count_up_like_comfyui(tmp_path):
    p1, n1, sub = next_output_path("atelier/drape", "glb", tmp_path)
    p1.write_bytes(b"x")
    _, n2, _ = next_output_path("atelier/drape", "glb", tmp_path)
    assert (n1, n2, sub) == ("drape_00001_.glb", "drape_00002_.glb", "atelier")
    with pytest.raises(InvalidInputError, match="outside the output folder"):
        next_output_path("../../etc/passwd", "png", tmp_path)


def test_units():
    assert metres_per_unit("mm") == 0.001 and metres_per_unit("in") == 0.0254
    assert gsm_to_kg_per_m2(180) == pytest.approx(0.18)
    with pytest.raises(InvalidInputError, match="furlong"):
        metres_per_unit("furlong")


def test_size_table_grows_with_size_and_passes_its_own_checks():
    for body in ("female", "male"):
        chests = [size_measurements(s, body)["chest_girth"] for s in SIZES]
        assert chests == sorted(chests) and len(set(chests)) == len(SIZES)
        check_measurements(size_measurements("M", body))


@pytest.mark.parametrize("bad", [{"height": 5.0}, {"waist_girth": 0.0}, {"hip_girth": -1.0},
                                 {"chest_girth": float("nan")}, {"shoe_size": 0.3}])
def test_impossible_measurements_are_refused_by_name(bad):
    with pytest.raises(InvalidInputError, match=next(iter(bad))):
        check_measurements(bad)


def test_params_make_widgets_and_check_ranges():
    from dataclasses import dataclass

    from custom_nodes.core.params import param

    @dataclass(frozen=True)
    class Settings:
        frames: int = param(240, lo=1, hi=5000, tooltip="Frame cap.")
        gravity: float = param(9.81, lo=0.0, hi=20.0, tooltip="Gravity.", unit="m/s²")
        mode: str = param("fast", choices=("fast", "exact"), tooltip="Solver mode.")

    w = widgets(Settings)
    assert w["frames"] == ("INT", {"default": 240, "min": 1, "max": 5000, "step": 1, "tooltip": "Frame cap."})
    assert w["mode"][0] == ["fast", "exact"] and "[m/s²]" in w["gravity"][1]["tooltip"]
    assert from_widgets(Settings, {"frames": 10, "mode": "exact"}) == Settings(frames=10, mode="exact")
    with pytest.raises(InvalidInputError, match="frames"):
        from_widgets(Settings, {"frames": 0})
