"""The Design tab's "…or from two photos": the shipped sample photos fill the measurement boxes, an
unusable photo is refused with what to retake, and nothing is decoded before the upload checks."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from custom_nodes.core.samples import SAMPLES_DIR
from studio import app_logic as logic
from studio import safety
from studio.workflow_defs import SAMPLE_BODY_HEIGHT_CM, SAMPLES

FRONT, SIDE = SAMPLES_DIR / SAMPLES["body_front"], SAMPLES_DIR / SAMPLES["body_side"]
#: Tape measures of the sample body taken on its mesh (photo_eval.sample_bodies(body, 1, seed=3)) [cm]
TRUTH = {"chest_girth": 95.4, "waist_girth": 96.6, "hip_girth": 121.2}


def test_the_sample_photos_fill_the_measurement_boxes():
    pytest.importorskip("anny")
    overlay, values, text = logic.measure_from_photos(str(FRONT), str(SIDE), SAMPLE_BODY_HEIGHT_CM, "female")
    assert overlay.ndim == 3 and overlay.shape[2] == 3
    assert values["height"] == pytest.approx(SAMPLE_BODY_HEIGHT_CM)
    for name, cm in TRUTH.items():
        # within the bench's worst errors: these phone photos read the waist 4 cm wide because, seen from
        # the side 3 m away, the nearer hand shows in front of the belly (docs/avatar.md, "worst cases")
        assert abs(values[name] - cm) < 5.0, (name, values[name], cm)
    assert "± " in text and "Measured from the photos" in text and "perspective corrected" in text


def test_a_cut_off_photo_is_refused_with_what_to_retake(tmp_path):
    with Image.open(FRONT) as im:
        a = np.asarray(im.convert("RGB"))
    cut = tmp_path / "front.png"
    Image.fromarray(a[: int(a.shape[0] * 0.65)]).save(cut)  # cut off at the knees
    with pytest.raises(Exception) as info:
        logic.measure_from_photos(str(cut), str(SIDE), SAMPLE_BODY_HEIGHT_CM, "female")
    message = safety.user_message(info.value, "measuring the photos")
    assert "Traceback" not in message and "went wrong" not in message and len(message) > 20


@pytest.mark.parametrize("front, side, height, words", [
    (None, str(SIDE), 170, "both photos"),
    (str(FRONT), str(SIDE), 30, "120–220 cm"),
    (str(FRONT), str(SIDE), "tall", "height"),
])
def test_missing_or_bad_inputs_are_named(front, side, height, words):
    with pytest.raises(safety.UploadRejected, match=words):
        logic.measure_from_photos(front, side, height, "female")


def test_random_bytes_are_refused_before_decoding(tmp_path):
    junk = tmp_path / "front.png"
    junk.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(safety.UploadRejected):
        logic.measure_from_photos(str(junk), str(SIDE), 170, "female")


def test_the_phones_focal_length_and_orientation_come_from_exif(tmp_path):
    """A phone writes its 35 mm-equivalent focal length (used for the perspective correction) and stores
    portraits turned, with an EXIF orientation tag; the studio reads both."""
    pytest.importorskip("anny")
    paths = []
    for src, name in ((FRONT, "front.jpg"), (SIDE, "side.jpg")):
        with Image.open(src) as im:
            ex = Image.Exif()
            ex.get_ifd(0x8769)[0xA405] = 36  # FocalLengthIn35mmFilm
            ex[0x0112] = 6  # orientation: the stored pixels must be turned 90° clockwise to view
            im.convert("RGB").transpose(Image.Transpose.ROTATE_90).save(tmp_path / name, exif=ex, quality=95)
        paths.append(str(tmp_path / name))
    _, values, text = logic.measure_from_photos(*paths, SAMPLE_BODY_HEIGHT_CM, "female")
    assert "36 mm-equivalent lens" in text
    assert abs(values["hip_girth"] - TRUTH["hip_girth"]) < 5.0
