"""The who-is-watched figures as tables to read: per borough, Amnesty's model, the ranked areas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exposure.watched.amnesty import amnesty_model
from exposure.watched.correlation import watched_analysis
from exposure.watched.tables import correlation_table, model_table, ranked_areas_table
from tests.watched_common import areas, model_areas


def test_the_correlation_table_has_a_row_per_borough() -> None:
    share = np.tile(np.linspace(0.1, 0.9, 8), 2)
    value = np.concatenate([share[:8] * 10, 10 - share[8:] * 10])
    result = watched_analysis(areas(share, value, borough=["Bronx"] * 8 + ["Queens"] * 8))
    table = correlation_table(result)
    assert table.columns.tolist() == ["Borough", "Areas", "Spearman rho", "95 % low", "95 % high", "p-value", "Note"]
    assert table["Borough"].tolist() == ["Bronx", "Queens"]
    assert table["Spearman rho"].tolist() == [1.0, -1.0]
    assert table["Areas"].tolist() == [8, 8]


def test_the_model_table_has_the_odds_ratio_per_ten_points() -> None:
    a, b, c, d = 6, 14, 15, 5
    share = [0.2] * (a + b) + [0.7] * (c + d)
    effective = [0.1] * a + [0.3] * b + [0.1] * c + [0.3] * d
    model = amnesty_model(model_areas(share, effective))
    (row,) = model_table(model).to_dict(orient="records")
    (fit,) = model.fits
    assert row["Borough"] == "Brooklyn"
    assert (row["Areas"], row["Above threshold"]) == (40, 19)
    assert row["Coefficient (log-odds per unit share)"] == round(fit.coef, 3)
    assert row["95 % low"] <= row["Coefficient (log-odds per unit share)"] <= row["95 % high"]
    assert row["Odds ratio per 10 points"] == pytest.approx(round(math.exp(fit.coef / 10), 3))
    flat = model_table(amnesty_model(model_areas([0.1, 0.5, 0.9, 0.3], [0.0, 0.1, 0.2, 0.05])))
    assert flat["Odds ratio per 10 points"].isna().all()
    assert flat["Note"].iloc[0].startswith("not estimable")


def test_the_ranked_table_reads_from_the_highest_measure() -> None:
    share = np.linspace(0.1, 0.9, 6)
    result = watched_analysis(areas(share, share * 3, population=[100.0, *[900.0] * 5]),
                              measure="cameras_per_km2")
    table = ranked_areas_table(result)
    assert table.columns.tolist() == ["Rank", "Area", "Code", "Borough", "Cameras per km²", "Cameras",
                                      "FRT-capable", "Residents", "Non-white share", "Area (km²)"]
    assert table["Rank"].tolist() == [1, 2, 3, 4, 5]
    assert table["Cameras per km²"].is_monotonic_decreasing
    assert "Area 0" not in table["Area"].tolist()  # 100 residents: left out
