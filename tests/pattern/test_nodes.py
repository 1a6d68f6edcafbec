import numpy as np

from custom_nodes.core.examples import box_avatar
from custom_nodes.core.params import widgets
from custom_nodes.pattern.nodes import AtelierPatternTemplate, AtelierPlaceGarment, AtelierTriangulate
from custom_nodes.pattern.params import SizeSettings, TemplateSettings


def _defaults(*configs):
    return {k: v[1]["default"] for c in configs for k, v in widgets(c).items()}


def test_template_node_uses_the_avatars_measurements():
    node = AtelierPatternTemplate()
    (plain,) = node.draft(**_defaults(TemplateSettings, SizeSettings))
    (fitted,) = node.draft(avatar=box_avatar(), **_defaults(TemplateSettings, SizeSettings))
    # the box avatar has height 1.7 m (size M female is 1.68 m): the shirt gets longer
    assert np.ptp(fitted.panel("front").vertices[:, 1]) > np.ptp(plain.panel("front").vertices[:, 1])


def test_nodes_take_centimetres():
    kw = _defaults(TemplateSettings, SizeSettings)
    (pattern,) = AtelierPatternTemplate().draft(**{**kw, "garment": "skirt_pencil"})
    (coarse,) = AtelierTriangulate().triangulate(pattern, edge_length=4.0, max_seam_ratio=1.6)
    (fine,) = AtelierTriangulate().triangulate(pattern, edge_length=2.0, max_seam_ratio=1.6)
    assert 3.0 < fine.n_vertices / coarse.n_vertices < 5.0  # half the edge length: ~4× the vertices
    (near,) = AtelierPlaceGarment().place(fine, clearance=0.0, use_pattern_placement=True)
    (far,) = AtelierPlaceGarment().place(fine, clearance=10.0, use_pattern_placement=True)
    r = [np.linalg.norm(g.positions[:, [0, 2]], axis=1).mean() for g in (near, far)]
    assert r[1] - r[0] > 0.04  # 10 cm more clearance (the hem stands off the body either way)
