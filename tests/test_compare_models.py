"""Tests of exposure.compare_models: the same seeded trips under several coverage models, figures one can cite."""

from __future__ import annotations

import numpy as np
import pytest

from exposure._errors import ExposureError
from exposure.compare_models import COMPARISON_COLUMNS, compare_models, random_trips
from exposure.datasets import load_dataset
from exposure.routing import fewest_cameras_route, shortest_route


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def compared(helsinki):
    return compare_models(helsinki, models=["per-kind", "amnesty", "kamerafrei", "dori-typical"], trips=12, seed=3)


def test_random_trips_are_seeded_and_in_their_band(helsinki):
    ctx = helsinki.context(coverage_model="per-kind")
    a = random_trips(ctx, n=15, min_m=400.0, max_m=900.0, seed=5)
    b = random_trips(ctx, n=15, min_m=400.0, max_m=900.0, seed=5)
    assert a.equals(b)
    assert len(a) == 15
    assert a["shortest_m"].between(400.0, 900.0).all()
    for o, d, m in a.itertuples(index=False):
        assert shortest_route(ctx, o, d).length_m == pytest.approx(m, rel=1e-9)
    assert not a.equals(random_trips(ctx, n=15, min_m=400.0, max_m=900.0, seed=6))
    with pytest.raises(ExposureError, match="no walk of 50000–60000 m in this dataset"):
        random_trips(ctx, n=3, min_m=50_000.0, max_m=60_000.0, seed=0)
    with pytest.raises(ExposureError, match="trips need 0 <= min_m < max_m"):
        random_trips(ctx, n=3, min_m=900.0, max_m=400.0, seed=0)


def test_one_row_per_model_and_the_trips_said(compared):
    rows = compared.rows
    assert list(rows.columns) == list(COMPARISON_COLUMNS)
    assert rows["model"].tolist() == ["per-kind", "amnesty", "kamerafrei", "dori-typical"]
    s = compared.settings
    assert (s["trips"], s["length_band_m"], s["seed"], s["level"], s["reference_model"]) == (
        12, [500.0, 1500.0], 3, "identify", "per-kind")
    assert set(s["coverage"]) == {"per-kind", "amnesty", "kamerafrei", "dori-typical"}
    by = rows.set_index("model")
    assert not by.at["per-kind", "walls"]
    assert not by.at["amnesty", "walls"]
    assert by.at["kamerafrei", "walls"]
    assert by.at["per-kind", "blocked_share"] == 0.0
    assert 0.0 < by.at["kamerafrei", "blocked_share"] < 1.0
    # Amnesty's 120 m discs see the most, every camera of each trip's shortest route counted
    assert by["street_m_in_view_summed"].idxmax() == "amnesty"
    assert by.at["per-kind", "different_best_route"] == 0
    assert (rows["frt_cameras_fewest_median"] <= rows["frt_cameras_shortest_median"]).all()
    assert rows["zero_frt_share"].between(0, 1).all()
    text = compared.to_markdown()
    assert "12 trips of 500–1500 m along the streets, seed 3, level identify" in text
    assert text.startswith("| model | walls |")
    assert text.count("\n| ") == 4  # a row per model below the header


def test_the_figures_are_the_routes_each_model_gives(helsinki, compared):
    trips = compared.trips
    for model in ("kamerafrei", "dori-typical"):
        ctx = helsinki.context(coverage_model=model)
        for o, d, f, s in trips[["origin", "destination", f"frt_fewest:{model}", f"frt_shortest:{model}"]].head(
                4).itertuples(index=False):
            assert shortest_route(ctx, o, d).frt_cameras == s
            assert fewest_cameras_route(ctx, o, d, time_limit_s=30).frt_cameras == f
        zero = trips[f"frt_fewest:{model}"] == 0
        row = compared.rows.set_index("model").loc[model]
        assert row["zero_frt_share"] == pytest.approx(zero.mean(), abs=1e-4)
        if zero.any():
            assert row["zero_frt_detour_median"] == pytest.approx(
                float(np.median(trips.loc[zero, f"detour:{model}"])), abs=1e-4)
