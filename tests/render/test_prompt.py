"""Prompts name the garment, the fabric and its colour as a person would."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from custom_nodes.core.errors import InvalidInputError
from custom_nodes.core.examples import tube_drape
from custom_nodes.render.prompt import build_prompt, colour_name


def test_prompt_mentions_colour_fabric_and_setting():
    drape = tube_drape()
    red = dataclasses.replace(drape, fabric=dataclasses.replace(drape.fabric, color=np.array([0.78, 0.1, 0.1])))
    positive, negative = build_prompt(red, "beach", "smiling")
    assert "red cotton jersey" in positive and "beach" in positive and positive.endswith("smiling")
    assert "watermark" in negative


@pytest.mark.parametrize("rgb, name", [((0.12, 0.16, 0.35), "navy"), ((0.97, 0.97, 0.96), "white"),
                                       ((0.14, 0.31, 0.19), "forest green")])
def test_colour_names(rgb, name):
    assert colour_name(rgb) == name


def test_unknown_setting_is_named():
    with pytest.raises(InvalidInputError, match="environment"):
        build_prompt(tube_drape(), "moon")
