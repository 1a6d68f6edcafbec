"""Avatar fixtures. The Anny model is loaded once per test session; its built data lives in the
project cache (``$ATELIER_CACHE_DIR/anny`` or ``<repo>/.cache/anny``): the first run builds it
(about a minute), later runs read it in under a second."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def anny_body():
    pytest.importorskip("anny")
    from custom_nodes.avatar.anny_model import load_anny

    return load_anny()


@pytest.fixture(scope="session")
def female_m(anny_body):
    """A fitted size-M female avatar in A-pose, with its fit report."""
    from custom_nodes.avatar.build import avatar_from_measurements, size_preset

    return avatar_from_measurements(size_preset("M", "female"))
