"""Loading paths of the parsing and matting models, on tiny random-weight models built here."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from custom_nodes.core.errors import (
    DependencyMissingError,
    FileFormatError,
    InvalidInputError,
    ModelMissingError,
)
from custom_nodes.tryon.garment import cut_garment
from custom_nodes.tryon.matting import load_matting
from custom_nodes.tryon.parsing import load_segformer
from custom_nodes.tryon.synthetic import synthetic_garment


def _tiny_segformer(folder, num_labels=18):
    from transformers import SegformerConfig, SegformerForSemanticSegmentation

    cfg = SegformerConfig(num_labels=num_labels, hidden_sizes=[8, 16, 24, 32], num_attention_heads=[1, 1, 2, 2],
                          depths=[1, 1, 1, 1], decoder_hidden_size=16, sr_ratios=[8, 4, 2, 1])
    SegformerForSemanticSegmentation(cfg).save_pretrained(folder)
    (folder / "preprocessor_config.json").write_text('{"size": {"height": 64, "width": 64}}')
    return folder


def test_segformer_loads_from_a_local_folder_and_parses(tmp_path):
    parser = load_segformer(_tiny_segformer(tmp_path / "seg"))
    assert parser.size == (64, 64)
    labels = parser(np.random.default_rng(0).random((50, 40, 3), dtype=np.float32))
    assert labels.shape == (50, 40) and labels.dtype == np.uint8 and labels.max() < 18


def test_segformer_with_the_wrong_label_count_is_refused(tmp_path):
    with pytest.raises(InvalidInputError, match="18-label"):
        load_segformer(_tiny_segformer(tmp_path / "seg", num_labels=5))


def test_missing_segformer_names_file_folder_url_and_licence(tmp_path):
    with pytest.raises(ModelMissingError) as err:
        load_segformer(tmp_path / "nothing")
    msg = str(err.value)
    assert "segformer_b2_clothes" in msg and "huggingface.co/mattmdjaga" in msg and "MIT" in msg
    assert str(tmp_path / "nothing") in msg


def test_matting_onnx_loads_from_u2net_home_and_cuts_a_garment(tiny_u2net, monkeypatch):
    """The tiny model (conftest) is U2-Net-shaped and bright on dark pixels: enough to cut a garment."""
    monkeypatch.setenv("U2NET_HOME", str(tiny_u2net.parent))
    matting = load_matting()
    assert matting.size == (32, 32)
    garment = synthetic_garment("top", 128, 128)
    alpha = matting(garment)
    assert alpha.shape == (128, 128) and 0 <= alpha.min() and alpha.max() <= 1
    cut = cut_garment(garment, "matting", matting)
    truth = np.abs(garment - 0.97).max(-1) > 1e-3
    assert cut.method == "matting" and (cut.mask & truth).sum() / (cut.mask | truth).sum() > 0.8


def test_matting_explicit_path_missing_and_corrupt_files(tmp_path, tiny_u2net, monkeypatch):
    monkeypatch.setenv("U2NET_HOME", str(tmp_path / "empty"))
    assert load_matting(tiny_u2net).path == tiny_u2net
    with pytest.raises(ModelMissingError) as err:
        load_matting()
    assert "u2net.onnx" in str(err.value) and "Apache-2.0" in str(err.value) and "github.com/danielgatis" in str(err.value)
    bad = tmp_path / "broken.onnx"
    bad.write_bytes(b"not a model")
    with pytest.raises(FileFormatError, match="ONNX"):
        load_matting(bad)


@pytest.mark.skipif(importlib.util.find_spec("controlnet_aux") is not None, reason="controlnet-aux is installed")
def test_openpose_detection_without_controlnet_aux_says_what_to_install():
    from custom_nodes.tryon.openpose import detect_poses

    with pytest.raises(DependencyMissingError, match="controlnet-aux"):
        detect_poses(np.zeros((32, 32, 3), np.float32))
