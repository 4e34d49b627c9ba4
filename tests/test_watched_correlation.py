"""Spearman rho with a Bonett–Wright interval, per borough, the fitted line, stable JSON and CSV, errors."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from exposure._errors import WatchedError
from exposure.watched.correlation import watched_analysis
from tests.watched_common import areas


def test_monotone_relation_gives_rho_one() -> None:
    share = np.linspace(0.05, 0.95, 30)
    result = watched_analysis(areas(share, np.exp(3 * share)))
    city = result.citywide
    assert city.rho == pytest.approx(1.0)
    assert city.ci_low == city.ci_high == pytest.approx(1.0)
    assert city.p_value < 1e-10
    assert city.n == 30
    assert result.fit is not None
    assert result.fit.slope > 0
    assert result.included["rank"].tolist() == list(range(1, 31))
    assert result.included["nonwhite_share"].iloc[0] == pytest.approx(0.95)


def test_interval_contains_the_true_rho_and_covers_about_95_percent() -> None:
    r = 0.5
    true_rho = 6 / math.pi * math.asin(r / 2)  # Spearman rho of a bivariate normal
    rng = np.random.default_rng(20220603)
    cov = [[1, r], [r, 1]]
    big = rng.multivariate_normal([0, 0], cov, size=400)
    share = stats.norm.cdf(big[:, 0])
    result = watched_analysis(areas(share, np.exp(big[:, 1])))
    assert result.citywide.ci_low < true_rho < result.citywide.ci_high
    assert result.citywide.p_value < 1e-6
    hits = 0
    for _ in range(300):
        xy = rng.multivariate_normal([0, 0], cov, size=40)
        c = watched_analysis(areas(stats.norm.cdf(xy[:, 0]), np.exp(xy[:, 1]))).citywide
        hits += c.ci_low <= true_rho <= c.ci_high
    assert 0.90 <= hits / 300 <= 0.99


def test_interval_matches_the_bonett_wright_formula() -> None:
    rng = np.random.default_rng(7)
    share = rng.uniform(0, 1, 25)
    value = share + rng.normal(0, 0.3, 25)
    c = watched_analysis(areas(share, value)).citywide
    rho = stats.spearmanr(share, value).statistic
    se = math.sqrt((1 + rho**2 / 2) / 22)
    assert c.rho == pytest.approx(rho)
    assert c.ci_low == pytest.approx(math.tanh(math.atanh(rho) - 1.959964 * se), abs=1e-6)
    assert c.ci_high == pytest.approx(math.tanh(math.atanh(rho) + 1.959964 * se), abs=1e-6)


def test_per_borough_groups() -> None:
    share = np.tile(np.linspace(0.1, 0.9, 8), 2)
    value = np.concatenate([share[:8] * 10, 10 - share[8:] * 10])
    borough = ["Bronx"] * 8 + ["Queens"] * 8
    result = watched_analysis(areas(share, value, borough=borough))
    by = {c.group: c for c in result.by_group}
    assert set(by) == {"Bronx", "Queens"}
    assert by["Bronx"].rho == pytest.approx(1.0)
    assert by["Queens"].rho == pytest.approx(-1.0)
    assert by["Bronx"].n == by["Queens"].n == 8
    assert result.citywide.n == 16
    assert watched_analysis(areas(share, value, borough=borough), group=None).by_group == ()


def test_json_is_stable_and_has_no_nan() -> None:
    share = [0.2, 0.4, float("nan"), 0.5, 0.6]
    value = [1.0, 2.0, 3.0, float("nan"), 5.0]
    result = watched_analysis(areas(share, value, borough=["Bronx", "Bronx", "Bronx", "Bronx", "Queens"]))
    data = result.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert list(data)[:6] == ["measure", "label", "group", "min_population", "n_areas", "n_included"]
    assert data["excluded"]["no_nonwhite_share"] == 1
    assert [r["rank"] for r in data["rows"]] == [3, 2, None, None, 1]
    assert data["excluded"]["measure_not_defined"] == 1
    queens = next(g for g in data["by_group"] if g["group"] == "Queens")
    assert queens["rho"] is None
    assert "at least 3" in queens["note"]
    assert data["citywide"]["n"] == 3
    assert data["citywide"]["ci_low"] is None
    again = watched_analysis(areas(share, value, borough=["Bronx", "Bronx", "Bronx", "Bronx", "Queens"]))
    assert json.dumps(again.to_dict()) == text


def test_constant_share_is_explained_not_nan() -> None:
    result = watched_analysis(areas([0.5] * 6, [1, 2, 3, 4, 5, 6]))
    assert result.citywide.rho is None
    assert "same in every area" in result.citywide.note
    assert result.fit is None
    json.dumps(result.to_dict(), allow_nan=False)


def test_csv_rows() -> None:
    share = np.linspace(0.1, 0.9, 6)
    table = areas(share, share * 3, population=[100.0, *[900.0] * 5])
    table.loc[1, "name"] = "=HYPERLINK(1)"
    text = watched_analysis(table).rows_to_csv()
    rows = pd.read_csv(io.StringIO(text))
    assert rows.columns.tolist()[:6] == ["area_id", "name", "group", "population", "nonwhite_share", "measure"]
    assert rows["rank"].tolist()[:5] == [1, 2, 3, 4, 5]
    assert rows["included"].tolist() == [True] * 5 + [False]
    assert "'=HYPERLINK(1)" in rows["name"].tolist()


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"measure": "cameras_per_mile"}, r"unknown measure 'cameras_per_mile'; choose one of cameras_per_km2"),
    ({"group": "precinct"}, r"the density table lacks precinct"),
    ({"min_population": -1}, r"min_population must be a number >= 0"),
])
def test_errors_name_the_argument(kwargs, match) -> None:
    with pytest.raises(WatchedError, match=match):
        watched_analysis(areas([0.1, 0.2, 0.3], [1, 2, 3]), **kwargs)


def test_missing_demographics_say_which_areas_to_use() -> None:
    with pytest.raises(WatchedError, match=r"lacks nonwhite_share.*named_areas\('nyc-nta'\)"):
        watched_analysis(areas([0.1], [1.0]).drop(columns="nonwhite_share"))


def test_the_overall_figure_is_citywide_only_when_every_borough_is_compared() -> None:
    share = np.tile(np.linspace(0.1, 0.9, 8), 3)
    value = share * 10
    borough = ["Bronx"] * 8 + ["Brooklyn"] * 8 + ["Queens"] * 8
    everywhere = watched_analysis(areas(share, value, borough=borough))
    assert everywhere.citywide.group == "citywide"
    # a camera file of Brooklyn alone: Bronx and Queens have no camera, so they are left out, and the overall
    # figure is Brooklyn's, not the city's
    brooklyn_only = watched_analysis(areas(share, value, borough=borough, cameras=[0] * 8 + [10] * 8 + [0] * 8))
    assert brooklyn_only.citywide.group == "Brooklyn"
    assert brooklyn_only.citywide.sentence(label="cameras per km²").startswith("Brooklyn: Spearman rho")
    assert brooklyn_only.to_dict()["citywide"]["group"] == "Brooklyn"
    two = watched_analysis(areas(share, value, borough=borough, cameras=[10] * 16 + [0] * 8))
    assert two.citywide.group == "Bronx and Brooklyn"
