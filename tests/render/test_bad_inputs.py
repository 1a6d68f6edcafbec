"""Bad requests fail early with errors that name the problem, never a NumPy traceback."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from custom_nodes.core import examples as ex
from custom_nodes.core.camera import Camera
from custom_nodes.core.drape import DrapeResult
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.garment import Garment
from custom_nodes.render import api
from custom_nodes.render.cameras import frame
from custom_nodes.render.maps import control_maps
from custom_nodes.render.scenes import scene_from_drape
from custom_nodes.render.shading import render_preview


def test_camera_inside_the_body_is_refused():
    scene = scene_from_drape(ex.tube_drape())
    inside = Camera(eye=[0.0, 1.0, 0.05], target=[0.0, 1.0, 1.0], width=32, height=32)
    for render in (control_maps, render_preview):
        with pytest.raises(InvalidInputError, match="inside the body") as err:
            render(scene, inside)
        assert err.value.field == "camera.eye"


def test_subject_behind_the_camera_is_refused():
    scene = scene_from_drape(ex.tube_drape())
    away = Camera(eye=[0.0, 1.0, 3.0], target=[0.0, 1.0, 6.0], width=32, height=32)
    with pytest.raises(InvalidInputError, match="behind the camera"):
        control_maps(scene, away)


@pytest.mark.parametrize("size", [0, -4, 20000])
def test_impossible_resolutions_are_refused(size):
    scene = scene_from_drape(ex.tube_drape())
    with pytest.raises(InvalidInputError, match="2048"):
        frame(scene, "full_body", width=size, height=size)
    with pytest.raises(InvalidInputError, match="2048"):
        Camera.orbit(0, 0, 3.0, width=size, height=size)


def test_supersampling_beyond_the_sample_limit_is_refused():
    cam = Camera.orbit(0, 0, 3.0, width=2048, height=2048)
    with pytest.raises(InvalidInputError, match="supersampling") as err:
        control_maps(scene_from_drape(ex.tube_drape()), cam, ss=4)
    assert err.value.field == "supersample"


def _empty_drape() -> DrapeResult:
    z2, z3 = np.zeros((0, 2), np.float32), np.zeros((0, 3), np.float32)
    g = Garment("empty", z2, z3, np.zeros((0, 3), np.int32), np.zeros(0, np.int32), ("front",), ("torso",),
                np.array([[0, 1]], np.float32), np.zeros((0, 2), np.int32), np.zeros(0, np.int32))
    d = ex.tube_drape()
    return replace(d, garment=g, positions=z3)


def test_empty_drape_is_refused_everywhere(tmp_path):
    drape = _empty_drape()
    cam = Camera.orbit(0, 0, 3.0, width=32, height=32)
    calls = [lambda: api.drape_maps(drape, cam), lambda: api.drape_preview(drape, cam),
             lambda: api.frame_drape(drape, "full_body"), lambda: api.export_drape(drape, tmp_path / "x.glb"),
             lambda: api.drape_turntable(drape, None, views=2)]
    for call in calls:
        with pytest.raises(InvalidInputError, match="no garment triangles"):
            call()
    assert not list(tmp_path.iterdir())


def test_wrong_types_and_options_are_named():
    with pytest.raises(InvalidInputError, match="DrapeResult"):
        api.drape_maps("a drape", Camera.orbit(0, 0, 3.0, width=8, height=8))
    with pytest.raises(InvalidInputError, match="preset"):
        api.frame_drape(ex.tube_drape(), "bird_view")
    with pytest.raises(InvalidInputError, match="views"):
        api.drape_turntable(ex.tube_drape(), None, views=0)
    with pytest.raises(InvalidInputError, match=".stl"):
        api.export_drape(ex.tube_drape(), "out.stl")
