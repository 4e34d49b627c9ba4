"""Amnesty's binomial model: equal to a direct maximum-likelihood fit, separation not estimable, per borough."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from scipy import optimize, special, stats

from exposure._errors import WatchedError
from exposure.areas import density_by_area, named_areas
from exposure.cameras import load_cameras
from exposure.watched.amnesty import amnesty_model
from exposure.watched.caveats import SOURCE_CAVEATS
from tests.watched_common import model_areas


def direct_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum likelihood by a general-purpose optimiser, and the inverse of a finite-difference Hessian."""

    def nll(b: np.ndarray) -> float:
        eta = b[0] + b[1] * x
        return float(np.sum(np.logaddexp(0.0, eta) - y * eta))

    best = optimize.minimize(nll, np.zeros(2), method="Nelder-Mead",
                             options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20_000}).x
    h = 1e-4
    hess = np.empty((2, 2))
    for i in range(2):
        for j in range(2):
            ei, ej = np.eye(2)[i] * h, np.eye(2)[j] * h
            hess[i, j] = (nll(best + ei + ej) - nll(best + ei - ej) - nll(best - ei + ej) + nll(best - ei - ej)) / (
                4 * h * h)
    return best, np.linalg.inv(hess)


def test_binomial_fit_equals_a_direct_maximum_likelihood_fit() -> None:
    rng = np.random.default_rng(51_5205)
    share = rng.uniform(0, 1, 80)
    above = rng.uniform(size=80) < special.expit(-1.0 + 2.5 * share)
    effective = np.where(above, 0.5, 0.1)  # above or below the 0.2 threshold
    model = amnesty_model(model_areas(share, effective))
    (fit,) = model.fits
    best, covariance = direct_fit(share, above.astype(float))
    assert fit.estimable
    assert (fit.n, fit.n_above) == (80, int(above.sum()))
    assert fit.intercept == pytest.approx(best[0], abs=1e-5)
    assert fit.coef == pytest.approx(best[1], abs=1e-5)
    assert fit.se == pytest.approx(math.sqrt(covariance[1, 1]), rel=1e-4)
    assert fit.ci_low == pytest.approx(fit.coef - 1.959964 * fit.se, abs=1e-5)
    assert fit.ci_high == pytest.approx(fit.coef + 1.959964 * fit.se, abs=1e-5)
    assert fit.p_value == pytest.approx(2 * stats.norm.sf(abs(fit.coef / fit.se)))
    ratio, low, high = fit.odds_ratio_per_10_points()
    assert ratio == pytest.approx(math.exp(fit.coef / 10))
    assert low < ratio < high


def test_binomial_fit_of_two_share_levels_is_the_log_odds_ratio() -> None:
    # with two share levels the model is saturated: the slope is the 2 x 2 table's log odds ratio per unit share
    a, b, c, d = 6, 14, 15, 5  # below/above at share 0.2, below/above at share 0.7
    share = [0.2] * (a + b) + [0.7] * (c + d)
    effective = [0.1] * a + [0.3] * b + [0.1] * c + [0.3] * d
    (fit,) = amnesty_model(model_areas(share, effective)).fits
    log_odds_ratio = math.log((d / c) / (b / a))
    assert fit.coef == pytest.approx(log_odds_ratio / 0.5, abs=1e-8)
    assert fit.se == pytest.approx(math.sqrt(1 / a + 1 / b + 1 / c + 1 / d) / 0.5, rel=1e-8)
    assert fit.intercept + fit.coef * 0.2 == pytest.approx(math.log(b / a), abs=1e-8)
    assert fit.coef < 0
    assert f"odds × {math.exp(log_odds_ratio / 5):.2f} per 10 percentage points" in fit.sentence()  # 0.68


@pytest.mark.parametrize(("share", "effective", "why"), [
    ([0.1, 0.5, 0.9, 0.3], [0.0, 0.1, 0.2, 0.05], "every area is at or below the threshold"),
    ([0.1, 0.5, 0.9, 0.3], [1.0, 0.3, 0.9, 2.0], "every area is above the threshold"),
    ([0.1, 0.2, 0.8, 0.9], [0.1, 0.1, 0.5, 0.5], "separates the areas above the threshold from those below"),
    ([0.1, 0.5, 0.5, 0.9], [0.1, 0.1, 0.5, 0.5], "separates"),  # quasi-complete: the MLE is still infinite
    ([0.9, 0.8, 0.2, 0.1], [0.1, 0.1, 0.5, 0.5], "separates"),
    ([0.4, 0.4, 0.4, 0.4], [0.1, 0.5, 0.1, 0.5], "the share is the same in every area"),
    ([0.1, 0.9], [0.1, 0.5], "2 area(s); the model needs at least 3"),
])
def test_separation_is_not_estimable_not_a_crash(share, effective, why) -> None:
    (fit,) = amnesty_model(model_areas(share, effective)).fits
    assert not fit.estimable
    assert fit.coef is None
    assert fit.p_value is None
    assert fit.odds_ratio_per_10_points() is None
    assert fit.note.startswith("not estimable: ")
    assert why in fit.note
    data = fit.to_dict()
    json.dumps(data, allow_nan=False)
    assert data["estimable"] is False
    assert data["odds_ratio_per_10_points"] is None


def test_model_per_borough_with_exclusions_and_stable_json() -> None:
    rng = np.random.default_rng(3)
    share = rng.uniform(0, 1, 40)
    effective = np.where(rng.uniform(size=40) < special.expit(-1 + 2 * share), 0.4, 0.1)
    borough = ["Bronx"] * 20 + ["Queens"] * 20
    population = [5000.0] * 39 + [100.0]
    table = model_areas(share, effective, borough=borough, population=population)
    table.loc[[0, 1], "effective_cameras_per_1000_residents"] = [0.1, 0.1]
    table.attrs = {"source": "nyc-nta", "vintage": "ACS 2019–2023 5-year estimates", "camera_sources": ["decode"]}
    model = amnesty_model(table)
    assert [f.group for f in model.fits] == ["Bronx", "Queens"]
    assert model.fits[1].n == 19  # the area with 100 residents is left out
    assert model.excluded["population_below_threshold"] == 1
    data = model.to_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert list(data)[:4] == ["measure", "share", "threshold_per_1000", "group"]
    assert data["measure"] == "effective_cameras_per_1000_residents"
    assert data["share"] == "black_hispanic_share"
    caveats = " ".join(model.caveats)
    assert "Not the same study" in caveats
    assert "2019 census tracts with the ACS 2015–2019" in caveats
    assert "Neighborhood Tabulation Areas with the ACS 2019–2023" in caveats
    assert "Street View" in caveats  # the cameras are Decode cameras
    frt = amnesty_model(table, frt_only=True)
    assert frt.measure == "frt_effective_cameras_per_1000_residents"
    assert amnesty_model(table, group=None).fits[0].group == "all areas"
    # a higher threshold is a different indicator
    assert amnesty_model(table, threshold_per_1000=0.35).fits[0].n_above <= model.fits[0].n_above


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"threshold_per_1000": -0.1}, r"threshold_per_1000 must be a number >= 0"),
    ({"threshold_per_1000": float("nan")}, r"threshold_per_1000 must be a number >= 0"),
    ({"min_population": -5}, r"min_population must be a number >= 0"),
    ({"group": "precinct"}, r"the density table lacks precinct"),
])
def test_model_errors_name_the_argument(kwargs, match) -> None:
    with pytest.raises(WatchedError, match=match):
        amnesty_model(model_areas([0.1, 0.5, 0.9], [0.1, 0.3, 0.5]), **kwargs)


def test_model_needs_the_black_hispanic_share() -> None:
    with pytest.raises(WatchedError, match=r"lacks black_hispanic_share.*named_areas\('nyc-nta'\)"):
        amnesty_model(model_areas([0.1], [0.3]).drop(columns="black_hispanic_share"))


def test_brooklyn_model_equals_a_direct_fit(shared_data) -> None:
    cameras = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv").cameras
    table = density_by_area(named_areas("nyc-nta"), cameras)
    model = amnesty_model(table)
    (fit,) = model.fits
    assert fit.group == "Brooklyn"
    assert fit.estimable
    kept = table[(table["borough"] == "Brooklyn") & (table["population"] >= 500)]
    x = kept["black_hispanic_share"].to_numpy(dtype=float)
    y = (kept["effective_cameras_per_1000_residents"].to_numpy(dtype=float) > 0.2).astype(float)
    best, covariance = direct_fit(x, y)
    assert (fit.n, fit.n_above) == (len(kept), int(y.sum()))
    assert fit.coef == pytest.approx(best[1], abs=1e-5)
    assert fit.se == pytest.approx(math.sqrt(covariance[1, 1]), rel=1e-4)
    assert any(SOURCE_CAVEATS["decode"] == c for c in model.caveats)
