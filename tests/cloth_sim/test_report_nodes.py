"""Quality report figures and the Cloth nodes on small scenes."""

from __future__ import annotations

import json

import numpy as np
import pytest

from custom_nodes.cloth_sim.nodes import (
    AtelierCustomFabric,
    AtelierDrape,
    AtelierDrapePreview,
    AtelierDrapeReport,
    AtelierDrapeToMesh,
    AtelierFabricPreset,
)
from custom_nodes.cloth_sim.report import report_text, seam_gaps_mm, strains
from custom_nodes.cloth_sim.scenes import sheet, tube
from custom_nodes.core.examples import box_avatar, tube_garment
from custom_nodes.core.mesh import TriangleMesh


def test_strain_follows_the_grain():
    g = sheet(0.2, 0.05)
    x = g.positions.copy()
    x[:, 2] *= 1.1  # sheet's rest v (warp) runs along -z
    warp, weft = strains(g, x)
    assert np.allclose(warp, 0.1, atol=1e-5) and np.allclose(weft, 0.0, atol=1e-5)


def test_seam_gaps_in_mm():
    g = tube(0.6, 0.2, 0.05)
    gaps = seam_gaps_mm(g, g.positions)
    assert gaps.min() > 300  # the flat panels start 34 cm apart


def test_drape_nodes_chain(tmp_path):
    fabric, = AtelierFabricPreset().make("denim")
    custom, = AtelierCustomFabric().make("mine", 200.0, 0.05, 1000.0, 800.0, 400.0, 5.0, 4.0, 0.4, 0.2)
    assert custom.thickness == np.float32(5e-4) or abs(custom.thickness - 5e-4) < 1e-9
    kwargs = AtelierDrape.contract_inputs(tmp_path)
    kwargs.update(fabric=fabric, max_frames=3)
    drape, text = AtelierDrape().drape(**kwargs)
    assert "Drape" in text and "body crossings" in text
    txt, js, passed = AtelierDrapeReport().report(drape)
    rep = json.loads(js)
    assert rep["frames"] == 3 and rep["passed"] is passed is False
    mesh, _ = AtelierDrapeToMesh().convert(drape)
    assert isinstance(mesh, TriangleMesh) and np.array_equal(mesh.uvs, tube_garment().rest)
    image, = AtelierDrapePreview().preview(drape, 64, 30.0)
    assert tuple(image.shape) == (1, 64, 64, 3)
    assert report_text(drape.report) == txt
    assert box_avatar().sdf is not None


def test_drape_to_mesh_welds_at_most_1_mm_and_says_what_it_welded():
    from custom_nodes.cloth_sim.nodes import AtelierDrapeToMesh
    from custom_nodes.core.drape import DrapeResult
    from custom_nodes.core.examples import tube_drape

    d = tube_drape()
    x = d.positions.copy()
    a, b = d.garment.seam_pairs[:, 0], d.garment.seam_pairs[:, 1]
    x[b] = x[a] + np.array([0.0004, 0, 0], np.float32)  # every seam 0.4 mm open
    x[b[0]] = x[a[0]] + np.array([0.004, 0, 0], np.float32)  # but one pair 4 mm open
    shut = DrapeResult(d.garment, d.avatar, d.fabric, x, d.report)
    mesh, note = AtelierDrapeToMesh().convert(shut, 1.0)
    assert np.allclose(mesh.vertices[a[1:]], mesh.vertices[b[1:]])
    assert np.linalg.norm(mesh.vertices[a[0]] - mesh.vertices[b[0]]) == pytest.approx(0.004, abs=1e-6)
    assert note.startswith(f"welded {2 * (len(a) - 1)} of {2 * len(a)} sewn vertices")
    mesh0, note0 = AtelierDrapeToMesh().convert(shut, 0.0)
    assert np.array_equal(mesh0.vertices, x) and note0.startswith("welded 0")
