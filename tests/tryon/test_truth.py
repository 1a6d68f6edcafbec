"""The classic try-on against rendered ground truth (tools/tryon_truth.py), on a small subset of the bench.

The truth is the body rendered wearing garment B; the ruler is scikit-image's SSIM and CIEDE2000. The full
54-triple comparison with the path before issue 18 is bench/bench_tryon_truth.py.
"""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.slow

# (index, body, A, B, texture A, texture B, background): a tee re-dressed in a striped GarmentCode shirt on
# a textured wall, and a printed hoodie re-dressed in a solid shift dress
ROWS = [(0, ("M", "a_pose", 0), "tee", "shirt", "solid", "stripes", "textured"),
        (1, ("M", "a_pose", 0), "hoodie", "dress", "print", "solid", "plain")]


@pytest.fixture(scope="module")
def triples(tmp_path_factory):
    from tools.tryon_truth import make_triples

    return list(make_triples(cache=tmp_path_factory.mktemp("drapes"), rows=ROWS, log=lambda s: None))


def test_renders_carry_exact_labels_and_pose(triples):
    from custom_nodes.tryon.labels import L

    for t in triples:
        for person in (t.person, t.truth):
            h, w = person.labels.shape
            assert person.image.shape == (h, w, 3)
            assert person.garment.sum() > 0.03 * h * w
            # the full-coverage garment pixels are labelled garment; arms, face and legs are found too
            assert np.isin(person.labels[person.garment], (L["upper_clothes"], L["dress"])).all()
            for part in ("face", "left_arm", "right_arm", "left_leg", "right_leg"):
                assert (person.labels == L[part]).sum() > 50, part
            # shoulders and hips are seen, inside the image, the right shoulder on the image's left
            pose = person.pose
            for k in (2, 5, 8, 11):
                assert pose[k, 2] == 1 and 0 <= pose[k, 0] < w and 0 <= pose[k, 1] < h
            assert pose[2, 0] < pose[5, 0]
        assert t.garment_photo.min() < 0.5 and (t.garment_photo[0] > 0.99).all()  # garment on white


def test_ruler_scores_truth_perfect_and_the_untouched_person_as_all_left_over(triples):
    from tools.tryon_truth import judge

    t = triples[0]
    perfect = judge(t.truth.image, t)
    assert perfect["ssim_garment"] == pytest.approx(1.0) and perfect["leftover"] == 0.0
    untouched = judge(t.person.image, t, t.person_alt.image)
    assert untouched["leftover"] == 1.0 and untouched["leftover_px"] > 1000
    assert untouched["ssim_garment"] < 0.8 and untouched["de_garment"] > 10


def test_classic_tryon_leaves_no_old_garment_and_resembles_the_truth(triples):
    from custom_nodes.tryon.classic import ClassicSettings, classic_tryon
    from tools.tryon_truth import judge

    for t in triples:
        p, s = t.person, ClassicSettings(kind=t.kind)
        result = classic_tryon(p.image, p.labels, p.pose, t.garment_photo, s).image
        result_alt = classic_tryon(t.person_alt.image, p.labels, p.pose, t.garment_photo, s).image
        figures = judge(result, t, result_alt)
        untouched = judge(p.image, t, t.person_alt.image)
        assert untouched["leftover_px"] > 1000
        assert figures["leftover_px"] == 0, t.name
        # closer in colour to the truth than the person photo it started from, over B's region
        assert figures["de_garment"] < untouched["de_garment"] - 5, (t.name, figures, untouched)
        if t.texture_b == "solid":  # (stripes land out of phase with the drape's: SSIM cannot tell)
            assert figures["ssim_garment"] > untouched["ssim_garment"] + 0.2, (t.name, figures, untouched)
