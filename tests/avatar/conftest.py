"""Avatar fixtures. The Anny model is loaded once per test session; its built data lives in the
user's cache folder, never in the repository (``$ANNY_CACHE_DIR``, else ``$ATELIER_CACHE_DIR/anny``,
``$XDG_CACHE_HOME/atelier/anny`` or ``~/.cache/atelier/anny``): the first run builds it (about 90 s;
``python install.py anny`` does it ahead of time), later runs read it in under a second."""

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
