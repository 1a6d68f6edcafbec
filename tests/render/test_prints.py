"""Prints on garments: true physical scale on every size, continuity across a seam, and the same print in the
preview, the albedo control map and the GLB (one function, ``prints.surface_albedo``, behind all three).

The scale ruler is the rendered image itself: the garment's panels are laid flat under an orthographic
camera of known metres per pixel, and the checker squares are measured from the edges in the albedo map.
Each ruler is also shown to fail on a deliberately wrong scale.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pygltflib
import pytest

from custom_nodes.core import examples as ex
from custom_nodes.core.drape import DrapeResult
from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.fabric import PrintLayer
from custom_nodes.core.measurements import size_measurements
from custom_nodes.fabric.catalog import Catalog
from custom_nodes.pattern.params import TemplateSettings
from custom_nodes.pattern.templates import draft
from custom_nodes.pattern.triangulate import triangulate
from custom_nodes.render import api
from custom_nodes.render.export import parts_from_drape
from custom_nodes.render.prints import (
    bake_albedo,
    continue_print,
    print_texels,
    seam_frame,
    surface_albedo,
)
from custom_nodes.render.scenes import tile_coordinates
from custom_nodes.render.texture import sample_tile

SQUARE_M = 0.05  # the bundled checkerboard: 4 × 4 squares on a 0.2 m repeat


@pytest.fixture(scope="module")
def checker() -> PrintLayer:
    layer = Catalog().prints.layer("checkerboard", repeat=True)
    assert layer.width_m == pytest.approx(0.2) and layer.image.shape[:2] == (64, 64)
    return layer


def tee(size: str):
    return triangulate(draft(size_measurements(size, "female"), TemplateSettings()), 0.02)


@pytest.fixture(scope="module")
def tees():
    return {size: tee(size) for size in ("S", "XL")}


def plain() -> object:
    """Jersey with a flat grey tile: the print's colours come through unchanged."""
    return replace(ex.jersey(), albedo=np.full((4, 4, 3), 0.5, np.float32))


def drape_of(garment, fabric) -> DrapeResult:
    return DrapeResult(garment, ex.box_avatar(), fabric, garment.positions)


def _transitions(line: np.ndarray) -> np.ndarray:
    """Sub-pixel positions where a 0..1 luminance profile crosses 0.5."""
    s = line - 0.5
    i = np.flatnonzero(np.sign(s[:-1]) * np.sign(s[1:]) < 0)
    return i + s[i] / (s[i] - s[i + 1]) + 0.5  # + 0.5: sample i is the centre of pixel i


def checker_square_m(albedo: np.ndarray, inside: np.ndarray, m_per_px: float) -> float:
    """The checker square's side [m] measured on a flat-lay albedo map: the median spacing of successive
    dark/light edges along rows and columns that lie inside the panel."""
    lum = albedo @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    steps = []
    for img, mask in ((lum, inside), (lum.T, inside.T)):
        for line, ok in zip(img, mask, strict=True):
            run = np.flatnonzero(ok)
            if len(run) < 40 or not (np.diff(run) == 1).all():
                continue
            edges = _transitions(line[run[0] + 3:run[-1] - 3])
            steps += list(np.diff(edges))
    assert len(steps) > 50, "too few checker edges measured: the ruler saw no print"
    return float(np.median(steps)) * m_per_px


def measured_square(garment, layer: PrintLayer) -> float:
    """Render the garment laid flat with ``layer`` and measure one checker square [m] on its front panel."""
    drape = drape_of(garment, replace(plain(), prints=(layer,)))
    cam = api.frame_drape(drape, "flat_lay", width=900, height=500)
    maps = api.drape_maps(drape, cam, ss=1)
    front = maps.panel_id == garment.panel_names.index("front")
    from scipy.ndimage import binary_erosion

    return checker_square_m(maps.albedo, binary_erosion(front, iterations=3), cam.ortho_height / cam.height)


# --- physical scale --------------------------------------------------------------------------------------


def test_checker_keeps_its_physical_size_from_S_to_XL(tees, checker):
    """Measured on the rendered garment (albedo map, orthographic flat lay): a 5 cm square is 5 cm on S and XL."""
    s, xl = measured_square(tees["S"], checker), measured_square(tees["XL"], checker)
    assert s == pytest.approx(SQUARE_M, rel=0.02) and xl == pytest.approx(SQUARE_M, rel=0.02)
    assert abs(s - xl) / SQUARE_M < 0.02


def test_the_scale_ruler_fails_a_print_that_grows_with_the_garment(tees, checker):
    """The deliberate mistake: the print scaled by the garment's width (as when UVs are normalised per panel)."""
    front = tees["S"].panel_names.index("front")
    width = {k: float(np.ptp(g.rest[g.vertex_panel == front, 0])) for k, g in tees.items()}
    grown = replace(checker, width_m=checker.width_m * width["XL"] / width["S"])
    s, xl = measured_square(tees["S"], checker), measured_square(tees["XL"], grown)
    assert abs(s - xl) / SQUARE_M > 0.1  # the same check as above fails: +22 % on XL


def test_texels_per_metre_are_the_same_on_every_triangle_of_every_size(tees, checker):
    """In UV space: the print coordinates' gradient over pattern metres is 64 px / 0.2 m on S and XL."""
    for g in tees.values():
        t, r = print_texels(checker, g.rest), g.rest.astype(np.float64)
        f = g.faces
        jac = np.linalg.solve(np.stack([r[f[:, 1]] - r[f[:, 0]], r[f[:, 2]] - r[f[:, 0]]], 1),
                              np.stack([t[f[:, 1]] - t[f[:, 0]], t[f[:, 2]] - t[f[:, 0]]], 1))
        sv = np.linalg.svd(jac, compute_uv=False)
        assert np.allclose(sv, 64 / 0.2, rtol=1e-4)


# --- across a seam ----------------------------------------------------------------------------------------------


def seam_mismatch(garment, seam: str, on_front: PrintLayer, on_back: PrintLayer) -> float:
    """Largest distance [print texels] between the print coordinates at the two sides of each seam vertex pair."""
    pairs = garment.seam_pairs[garment.seam_of_pair == garment.seam_labels.index(seam)]
    if garment.vertex_panel[pairs[0, 0]] != garment.panel_names.index("front"):
        pairs = pairs[:, ::-1]
    a, b = print_texels(on_front, garment.rest[pairs[:, 0]]), print_texels(on_back, garment.rest[pairs[:, 1]])
    return float(np.linalg.norm(a - b, axis=1).max())


def test_print_runs_on_across_a_side_seam_within_one_texel(tees, checker):
    g = tees["S"]
    on_front = replace(checker, offset_m=np.array([0.03, 0.3], np.float32), rotation_deg=12.0, panels=("front",))
    on_back = continue_print(on_front, g, "side left", "front")
    assert on_back.panels == ("back",)
    assert seam_mismatch(g, "side left", on_front, on_back) < 1.0
    assert seam_frame(g, "side left", "front")[3] < 1e-4  # the side seam's two sides have the same shape


def test_the_seam_ruler_fails_a_print_scaled_wrongly_on_one_side(tees, checker):
    g = tees["S"]
    on_front = replace(checker, offset_m=np.array([0.03, 0.3], np.float32), rotation_deg=12.0, panels=("front",))
    on_back = continue_print(on_front, g, "side left", "front")
    assert seam_mismatch(g, "side left", on_front, replace(on_back, width_m=on_back.width_m * 1.03)) > 1.0
    # and the same placement numbers on the other panel (no matching) miss by far more
    assert seam_mismatch(g, "side left", on_front, replace(on_front, panels=("back",))) > 10.0


def test_matching_names_the_problem_in_user_words(tees, checker):
    g = tees["S"]
    with pytest.raises(InvalidInputError, match="no seam 'hem'"):
        continue_print(checker, g, "hem", "front")
    with pytest.raises(InvalidInputError, match="joins front and back, not 'sleeve_left'"):
        continue_print(checker, g, "side left", "sleeve_left")


# --- the same print in every output ------------------------------------------------------------------------


def waves(n: int = 32) -> np.ndarray:
    """A smooth, periodic artwork (sine ramps in red and green), so colour differences measure position."""
    c = (np.arange(n) + 0.5) / n
    x, y = np.meshgrid(c, c[::-1])
    rgb = np.stack([0.5 + 0.4 * np.sin(2 * np.pi * x), 0.5 + 0.4 * np.sin(2 * np.pi * y), np.full_like(x, 0.3)], -1)
    return np.concatenate([rgb, np.ones((n, n, 1))], -1).astype(np.float32)


@pytest.fixture(scope="module")
def printed_tee(tees):
    """An S tee with a smooth all-over print and a second one turned and placed once on the front."""
    allover = PrintLayer(waves(), 0.15, repeat=True, name="waves")
    badge = PrintLayer(waves()[:, ::-1], 0.12, np.array([0.0, 0.35], np.float32), 20.0, panels=("front",))
    return drape_of(tees["S"], replace(plain(), prints=(allover, badge)))


@pytest.fixture(scope="module")
def denim_tee(tees):
    """An S tee in denim (a real weave) with the bundled polka dots and a checker placed once on the front."""
    shelf = Catalog().prints
    dots = shelf.layer("polka_dot", repeat=True)
    badge = shelf.layer("checkerboard", repeat=False, panels=("front",), offset_m=(0.0, 0.35), rotation_deg=20.0,
                        width_m=0.12)
    return drape_of(tees["S"], replace(Catalog().fabric("denim"), prints=(dots, badge)))


def _vertex_colours(drape) -> np.ndarray:
    g = drape.garment
    tiles = tile_coordinates(g.rest, g.vertex_panel, g.panel_grain, drape.fabric.tile_size)
    return surface_albedo(drape.fabric, tiles, g.rest, g.vertex_panel, g.panel_names)


def test_albedo_map_shows_surface_albedo_at_each_pixel(printed_tee):
    """Flat lay: each garment pixel's colour is surface_albedo at the pattern point under the pixel centre."""
    g = printed_tee.garment
    cam = api.frame_drape(printed_tee, "flat_lay", width=400, height=220)
    maps = api.drape_maps(printed_tee, cam, ss=1)
    scene = api.flat_lay_scene(printed_tee)
    px, _ = cam.project(scene.vertices.astype(np.float64))
    colours = _vertex_colours(printed_tee)
    inside = np.zeros(cam.height * cam.width, bool)
    inside[np.flatnonzero(maps.garment_mask.reshape(-1) > 0.999)] = True
    col, row = np.floor(px).astype(int).T
    ok = (0 <= col) & (col < cam.width) & (0 <= row) & (row < cam.height)
    ok[ok] &= inside.reshape(cam.height, cam.width)[row[ok], col[ok]]
    centred = ok & (np.abs(px - np.floor(px) - 0.5) < 0.15).all(1)  # vertices near a pixel centre
    diff = np.abs(maps.albedo[row[centred], col[centred]] - colours[centred]).max(1)
    assert centred.sum() > 30 and np.median(diff) < 0.02
    assert g.n_vertices == len(colours)


def test_glb_texture_bakes_the_same_colours(printed_tee, tmp_path):
    """The GLB's baked baseColor, sampled at each vertex's TEXCOORD_1, is surface_albedo at that vertex."""
    path = api.export_drape(printed_tee, tmp_path / "tee.glb")[0]
    gltf = pygltflib.GLTF2().load(str(path))
    node = next(n for n in gltf.nodes if n.name == printed_tee.garment.name)
    prim = gltf.meshes[node.mesh].primitives[0]
    info = gltf.materials[prim.material].pbrMetallicRoughness.baseColorTexture
    assert info.texCoord == 1 and gltf.samplers[gltf.textures[info.index].sampler].wrapS == 33071

    def accessor(index):
        acc = gltf.accessors[index]
        view = gltf.bufferViews[acc.bufferView]
        raw = gltf.binary_blob()[view.byteOffset:view.byteOffset + view.byteLength]
        return np.frombuffer(raw, np.float32).reshape(acc.count, -1)

    import io

    from PIL import Image

    image = gltf.images[gltf.textures[info.index].source]
    view = gltf.bufferViews[image.bufferView]
    atlas = np.asarray(Image.open(io.BytesIO(gltf.binary_blob()[view.byteOffset:view.byteOffset + view.byteLength])),
                       np.float32) / 255.0
    uv = accessor(prim.attributes.TEXCOORD_1)
    baked = sample_tile(atlas, np.c_[uv[:, 0], 1.0 - uv[:, 1]], wrap=False)  # glTF v runs down the image
    diff = np.abs(baked - _vertex_colours(printed_tee)).max(1)
    assert np.median(diff) < 0.03 and np.percentile(diff, 90) < 0.12  # bilinear over 1.5 mm texels


def test_printed_glb_passes_the_khronos_validator(denim_tee, tmp_path, gltf_validator):
    path = api.export_drape(denim_tee, tmp_path / "tee.glb")[0]
    report = gltf_validator(path)
    assert report["numErrors"] == 0, report["messages"]


def test_printed_obj_carries_the_baked_colour(denim_tee, tmp_path):
    files = api.export_drape(denim_tee, tmp_path / "tee.obj")
    mtl = next(p for p in files if p.suffix == ".mtl").read_text()
    assert "map_Kd" in mtl and "norm " not in mtl  # one UV set: the atlas; tile maps are left out


def test_preview_shows_the_print(denim_tee):
    """The lit preview changes where the placed checker is, and only on the front panel."""
    cam = api.frame_drape(denim_tee, "flat_lay", width=400, height=220)
    lit = api.drape_preview(denim_tee, cam, ss=1).mean(-1)
    unprinted = replace(denim_tee, fabric=replace(denim_tee.fabric, prints=denim_tee.fabric.prints[:1]))
    base = api.drape_preview(unprinted, cam, ss=1).mean(-1)
    changed = np.abs(lit - base) > 0.1
    front = api.drape_maps(denim_tee, cam, ss=1).panel_id == 0
    assert changed[front].mean() > 0.02 and not changed[~front].any()


# --- compositing and placement -------------------------------------------------------------------------------


def test_clear_artwork_shows_the_fabric_and_ink_keeps_the_weave():
    fabric = Catalog().fabric("denim")
    pts = np.random.default_rng(0).uniform(-0.2, 0.2, (20000, 2))
    tiles, ids = pts / fabric.tile_size, np.zeros(len(pts), np.int32)
    clear = np.zeros((8, 8, 4), np.float32)
    grey_ink = np.concatenate([np.full((8, 8, 3), 0.4, np.float32), np.ones((8, 8, 1), np.float32)], -1)
    base = surface_albedo(fabric, tiles, pts, ids)
    assert np.allclose(surface_albedo(replace(fabric, prints=(PrintLayer(clear, 0.1, repeat=True),)), tiles, pts, ids),
                       base)
    inked = surface_albedo(replace(fabric, prints=(PrintLayer(grey_ink, 0.1, repeat=True),)), tiles, pts, ids)
    luma = base @ np.array([0.2126, 0.7152, 0.0722], np.float32)
    assert inked.mean() == pytest.approx(0.4, abs=0.02)  # the ink's colour, on average
    assert np.allclose(inked[:, 0], inked[:, 2]) and np.corrcoef(inked[:, 0], luma)[0, 1] > 0.99  # the twill shows


def test_a_placement_print_stays_in_its_box_and_on_its_panel():
    art = np.ones((10, 20, 4), np.float32)  # 2:1 artwork, white ink
    layer = PrintLayer(art, 0.2, np.array([0.5, 0.5], np.float32), 90.0, repeat=False, panels=("back",))
    assert layer.height_m == pytest.approx(0.1)
    fabric = replace(plain(), prints=(layer,))
    # turned 90°: 0.1 m wide along x, 0.2 m tall along y, centred on (0.5, 0.5)
    pts = np.array([[0.5, 0.5], [0.54, 0.59], [0.56, 0.5], [0.5, 0.61], [0.5, 0.5]])
    ids = np.array([1, 1, 1, 1, 0])
    out = surface_albedo(fabric, pts / 0.1, pts, ids, ("front", "back"))[:, 0]
    assert np.allclose(out, [1.0, 1.0, 0.5, 0.5, 0.5], atol=1e-4)


def test_bake_fits_its_atlas_and_names_the_texel(tees, checker):
    g = tees["XL"]
    fabric = replace(plain(), prints=(checker,))
    baked = bake_albedo(fabric, g.rest, g.vertex_panel, g.panel_grain, g.panel_names, max_side=512)
    assert max(baked.image.shape[:2]) <= 512 and baked.texel_m > 0.0015
    assert (baked.uv >= 0).all() and (baked.uv <= 1).all()
    parts = parts_from_drape(drape_of(g, fabric))
    assert parts[1].extras["prints"] == ["checkerboard"] and parts[1].atlas is not None


def test_print_layers_round_trip_and_refuse_bad_values(checker):
    from custom_nodes.core.serial import from_json, to_json

    fabric = replace(ex.jersey(), prints=(replace(checker, panels=("front",)),))
    again = from_json(to_json(fabric))
    assert again == fabric and again.prints[0].panels == ("front",)
    with pytest.raises(InvalidInputError, match="PrintLayer.width_m"):
        PrintLayer(checker.image, 0.0)
    with pytest.raises(InvalidInputError, match="PrintLayer.image"):
        PrintLayer(np.full((4, 4, 3), 2.0, np.float32), 0.1)
    with pytest.raises(InvalidInputError, match="Fabric.prints"):
        replace(ex.jersey(), prints=("checkerboard",))
