"""The watched package: every public name of its modules is importable from ``exposure.watched``."""

from __future__ import annotations

import importlib

import pytest

import exposure.watched

MODULES = ("correlation", "amnesty", "exclusions", "caveats", "report", "tables")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_re_exported(module: str) -> None:
    loaded = importlib.import_module(f"exposure.watched.{module}")
    assert set(loaded.__all__) <= set(exposure.watched.__all__)
    for name in loaded.__all__:
        assert getattr(exposure.watched, name) is getattr(loaded, name)


def test_the_names_users_import_today_still_work() -> None:
    from exposure.watched import (  # noqa: F401 - the import is the test
        AMNESTY_THRESHOLD_PER_1000,
        NO_CAMERA_DATA,
        SOURCE_CAVEATS,
        WATCHED_MEASURES,
        AmnestyModel,
        BinomialFit,
        Correlation,
        LineFit,
        WatchedError,
        WatchedResult,
        amnesty_model,
        watched_analysis,
    )

    assert all(hasattr(exposure.watched, name) for name in exposure.watched.__all__)
