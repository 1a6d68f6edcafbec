"""The TryOn nodes chained the way a ComfyUI workflow would, on a synthetic person."""

from __future__ import annotations

import numpy as np
import pytest

from custom_nodes.core.bridge import image_to_numpy, mask_to_numpy, numpy_to_image, numpy_to_mask
from custom_nodes.core.errors import InvalidInputError, ModelMissingError
from custom_nodes.tryon.nodes import (
    AtelierAgnosticMask,
    AtelierClassicTryOn,
    AtelierGarmentPrep,
    AtelierPersonParse,
    AtelierTryOnBlend,
    AtelierTryOnWarp,
)
from custom_nodes.tryon.pose import to_pose_keypoint
from custom_nodes.tryon.synthetic import synthetic_garment


@pytest.fixture()
def inputs(people):
    p = people["short_pants"]
    h, w = p.labels.shape
    normalised = p.pose.copy()
    normalised[:, 0] /= w
    normalised[:, 1] /= h
    return p, numpy_to_image(p.image), [to_pose_keypoint([normalised], 1, 1)]


def test_workflow_parse_mask_prep_warp_blend(inputs):
    p, image, pose = inputs
    label_image = numpy_to_image(np.repeat(p.labels[..., None] / 255.0, 3, -1))
    parse, preview, person = AtelierPersonParse().parse(image, "label_map", label_map=label_image)
    assert np.array_equal(parse.labels, p.labels)
    mask, agn_img, protected, info = AtelierAgnosticMask().mask(image, parse, pose)
    m = mask_to_numpy(mask)[0] > 0.5
    assert m.sum() > 0 and info == ""
    garment, _, gmask, ginfo = AtelierGarmentPrep().prepare(numpy_to_image(synthetic_garment("top", 128, 128)))
    assert ginfo.startswith("threshold")
    warped, wmask, quality = AtelierTryOnWarp().warp(garment, image, pose, 0.3, -1, mask)
    assert 0 < quality <= 1
    region = mask_to_numpy(wmask) * mask_to_numpy(mask)
    out, report = AtelierTryOnBlend().blend(image, warped, numpy_to_mask(region), "poisson", 0.01, 1.0,
                                            parse, pose, garment)
    assert "delta_e00_after" in report
    face = p.labels == 11
    assert np.allclose(image_to_numpy(out)[0][face], p.image[face], atol=1e-6)


def test_classic_node_labels_its_result(inputs):
    p, image, pose = inputs
    from custom_nodes.tryon.labels import PersonParse

    out, gmask, report = AtelierClassicTryOn().tryon(image, PersonParse(p.labels, "test"), pose,
                                                     numpy_to_image(synthetic_garment("dress", 96, 96)), kind="dress")
    assert report.startswith("classic try-on (no diffusion)")
    assert image_to_numpy(out).shape == (1, 256, 192, 3)


def test_parse_node_without_model_or_inputs_explains(tmp_path, inputs):
    _, image, _ = inputs
    with pytest.raises(ModelMissingError, match="segformer_b2_clothes"):
        AtelierPersonParse().parse(image, "segformer", model_path="atelier/nowhere")
    with pytest.raises(InvalidInputError, match="no label_map"):
        AtelierPersonParse().parse(image, "label_map")


def test_batches_and_huge_images_are_refused(inputs):
    p, image, pose = inputs
    batch = numpy_to_image(np.stack([p.image, p.image]))
    with pytest.raises(InvalidInputError, match="batch of 2"):
        AtelierGarmentPrep().prepare(batch)
    huge = np.broadcast_to(np.zeros((1, 1, 1, 3), np.float32), (1, 12000, 12000, 3))
    with pytest.raises(InvalidInputError, match="MP budget"):
        AtelierGarmentPrep().prepare(huge)


def test_pose_without_people_is_a_clear_error(inputs):
    p, image, _ = inputs
    from custom_nodes.tryon.labels import PersonParse

    empty = [{"people": [], "canvas_width": 192, "canvas_height": 256}]
    with pytest.raises(InvalidInputError, match="no person"):
        AtelierAgnosticMask().mask(image, PersonParse(p.labels, "t"), empty)


def test_pose_sockets_match_comfyui_controlnet_aux(third_party_object_info):
    """Our nodes take exactly the POSE_KEYPOINT that DWPose / OpenPose nodes output."""
    for producer in ("DWPreprocessor", "OpenposePreprocessor"):
        assert "POSE_KEYPOINT" in third_party_object_info[producer]["output"]
    for node in (AtelierAgnosticMask, AtelierTryOnWarp, AtelierClassicTryOn):
        assert node.INPUT_TYPES()["required"]["pose"][0] == "POSE_KEYPOINT"


def test_warp_without_a_mask_reports_minus_one_and_classic_without_colour_matching(inputs):
    p, image, pose = inputs
    from custom_nodes.tryon.labels import PersonParse

    garment = AtelierGarmentPrep().prepare(numpy_to_image(synthetic_garment("top", 96, 96)))[0]
    assert AtelierTryOnWarp().warp(garment, image, pose)[2] == -1.0
    report = AtelierClassicTryOn().tryon(image, PersonParse(p.labels, "t"), pose,
                                         numpy_to_image(synthetic_garment("top", 96, 96)), colour_match=0.0)[2]
    assert "colour matching off" in report and "nan" not in report
