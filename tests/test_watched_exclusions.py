"""Which areas are left out: too few residents, and groups the camera file does not cover."""

from __future__ import annotations

import numpy as np
import pytest

from exposure.watched.correlation import watched_analysis
from tests.watched_common import areas


def test_areas_below_the_population_threshold_are_left_out() -> None:
    share = np.linspace(0.1, 0.9, 12)
    value = share * 10
    value[0] = 1000.0  # a park with no residents and a camera cluster: would break the monotone relation
    population = [0.0, 499.0, *[2000.0] * 10]
    result = watched_analysis(areas(share, value, population=population))
    assert result.excluded["population_below_threshold"] == 2
    assert result.citywide.n == 10
    assert result.citywide.rho == pytest.approx(1.0)
    reasons = result.rows.set_index("area_id")["excluded_reason"]
    assert reasons["A000"] == reasons["A001"] == "population below 500"
    assert any("population < 500 (2 area(s))" in c for c in result.caveats)
    assert watched_analysis(areas(share, value, population=population), min_population=0).citywide.n == 12


def test_groups_without_any_camera_are_not_covered() -> None:
    share = np.linspace(0.1, 0.9, 10)
    value = np.concatenate([share[:5] * 10, np.zeros(5)])
    cameras = [5] * 5 + [0] * 5
    result = watched_analysis(areas(share, value, borough=["Brooklyn"] * 5 + ["Queens"] * 5, cameras=cameras))
    assert result.citywide.n == 5
    assert result.excluded["group_without_cameras"] == 5
    assert any("does not cover them): Queens (5 area(s))" in c for c in result.caveats)
    kept = watched_analysis(areas(share, value, borough=["Brooklyn"] * 5 + ["Queens"] * 5, cameras=cameras),
                            drop_groups_without_cameras=False)
    assert kept.citywide.n == 10
