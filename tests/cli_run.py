"""Helpers for command-line tests: run ``exposure`` in this process, and the keys every route has."""

from __future__ import annotations

import pytest

from exposure.cli import main

#: Keys of every route of the ``route`` and ``plan`` JSON (documented in the README).
ROUTE_KEYS = {"label", "objective", "length_m", "walk_min", "cameras", "frt_cameras", "camera_ids",
              "metres_in_view", "share_in_view", "optimal", "geometry"}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The exit status, stdout and stderr of ``exposure ARGS``."""
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err
