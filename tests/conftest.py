"""Shared fixtures: the real test data in ../shared/data and the embedded Helsinki dataset."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check answers, never speed: a deadline only makes them fail when the machine is busy.
settings.register_profile("exposure", deadline=None)
settings.load_profile("exposure")

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real test data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (needs ../shared/data beside the repo)")
    return SHARED_DATA
