"""Shared fixtures: the real test data in ../shared/data and the embedded Helsinki dataset."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check answers, never speed: a deadline only makes them fail when the machine is busy.
settings.register_profile("exposure", deadline=None)
settings.load_profile("exposure")

# No test counts a group's reviews it did not make: a review store left in the cache folder by someone using the
# app (data/cache/reviews/) would change every figure. Tests, and the CLI and app servers they start, see a store
# path of their own that does not exist until a test writes it; tests about stores name theirs.
os.environ.setdefault("EXPOSURE_REVIEW_STORE", str(Path(tempfile.mkdtemp(prefix="exposure-tests-")) / "reviews.gpkg"))

SHARED_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The folder of real test data; skips the test when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA} (needs ../shared/data beside the repo)")
    return SHARED_DATA
