"""Synthetic people for the try-on tests: exact label maps and poses, drawn once per session."""

from __future__ import annotations

import pytest

from custom_nodes.tryon.synthetic import synthetic_person


@pytest.fixture(scope="session")
def people():
    """Synthetic people at 256×192: sleeve lengths, trousers/skirt, a dress, one carrying a bag."""
    return {
        "short_pants": synthetic_person(256, 192, "short", "pants"),
        "long_skirt": synthetic_person(256, 192, "long", "skirt"),
        "sleeveless_pants_bag": synthetic_person(256, 192, "none", "pants", bag=True),
        "dress": synthetic_person(256, 192, "dress"),
    }
