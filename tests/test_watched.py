"""Who is watched: Spearman rho with a Bonett–Wright interval, Amnesty's binomial model, caveats, JSON and the CLI."""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pandas as pd
import pytest
from scipy import optimize, special, stats

from exposure.areas import density_by_area, named_areas
from exposure.cameras import load_cameras
from exposure.cli import main
from exposure.watched import SOURCE_CAVEATS, WatchedError, amnesty_model, watched_analysis


def areas(share, value, *, population=None, borough=None, cameras=None) -> pd.DataFrame:
    n = len(share)
    return pd.DataFrame({
        "area_id": [f"A{i:03d}" for i in range(n)],
        "name": [f"Area {i}" for i in range(n)],
        "borough": borough if borough is not None else ["Brooklyn"] * n,
        "population": population if population is not None else [5000.0] * n,
        "nonwhite_share": share,
        "cameras": cameras if cameras is not None else [10] * n,
        "frt_cameras": [3] * n,
        "area_km2": [1.0] * n,
        "cameras_per_km2": value,
    })


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


# --------------------------------------------------------------------------- caveats that fit the cameras


def with_sources(table: pd.DataFrame, sources: list[str] | None) -> pd.DataFrame:
    table.attrs = {} if sources is None else {"camera_sources": sources}
    return table


@pytest.mark.parametrize(("sources", "present", "absent"), [
    (["decode"], ["Street View", "undercount"], ["OpenStreetMap", "not recorded"]),
    (["osm"], ["OpenStreetMap cameras are mapped by volunteers"], ["Street View", "undercount"]),
    (["cctv-exposure"], ["mapped on foot by researchers"], ["Street View"]),
    (["my_cameras.csv"], ["Cameras from my_cameras.csv"], ["Street View", "OpenStreetMap"]),
    (["decode", "osm"], ["Street View", "OpenStreetMap cameras"], ["not recorded"]),
    (None, ["not recorded with these figures"], ["Street View"]),
])
def test_caveats_fit_the_camera_sources(sources, present, absent) -> None:
    share = np.linspace(0.1, 0.9, 10)
    text = " ".join(watched_analysis(with_sources(areas(share, share), sources)).caveats)
    for words in present:
        assert words in text
    for words in absent:
        assert words not in text
    assert "Correlation is not a cause" in text


# --------------------------------------------------------------------------- Amnesty's binomial model


def model_areas(share, effective_per_1000, *, borough=None, population=None) -> pd.DataFrame:
    n = len(share)
    return pd.DataFrame({
        "area_id": [f"A{i:03d}" for i in range(n)],
        "borough": borough if borough is not None else ["Brooklyn"] * n,
        "population": population if population is not None else [5000.0] * n,
        "black_hispanic_share": share,
        "cameras": [10] * n,
        "effective_cameras_per_1000_residents": effective_per_1000,
        "frt_effective_cameras_per_1000_residents": np.asarray(effective_per_1000, dtype=float) / 2,
    })


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


# --------------------------------------------------------------------------- command line

CAMERAS_CSV = "lat,lon,kind\n" + "\n".join(
    f"{lat:.5f},{lon:.5f},dome" for lat, lon in [
        (40.7282, -73.9540), (40.7283, -73.9541), (40.7128, -73.9610),  # Greenpoint, Williamsburg
        (40.6930, -73.9900), (40.6931, -73.9901), (40.6932, -73.9899),  # Downtown Brooklyn
        (40.6500, -73.9500), (40.6000, -73.9600), (40.8300, -73.9200),  # Flatbush, Sheepshead Bay, Bronx
    ])


def test_cli_watched_json(tmp_path, capsys) -> None:
    path = tmp_path / "cams.csv"
    path.write_text(CAMERAS_CSV)
    assert main(["watched", "--cameras", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["measure"] == "cameras_per_km2"
    assert data["n_areas"] == 262
    assert {c["group"] for c in data["by_group"]} <= {"Brooklyn", "Bronx"}
    assert data["excluded"]["group_without_cameras"] > 0  # Manhattan, Queens, Staten Island: no camera
    assert data["settings"]["frt_policy"] == "default"
    assert any("Correlation is not a cause" in c for c in data["caveats"])


def test_cli_watched_csv_to_file(tmp_path, capsys) -> None:
    path = tmp_path / "cams.csv"
    path.write_text(CAMERAS_CSV)
    out = tmp_path / "watched.csv"
    assert main(["watched", "--cameras", str(path), "--areas", "nyc-cd", "--measure", "frt_cameras_per_km2",
                 "--min-population", "1000", "--format", "csv", "--out", str(out)]) == 0
    rows = pd.read_csv(out, dtype={"area_id": str})
    assert len(rows) == 71
    assert rows.loc[rows["rank"] == 1, "cameras"].item() >= 1


def test_cli_watched_bad_measure_is_a_usage_error(tmp_path) -> None:
    with pytest.raises(SystemExit):
        main(["watched", "--cameras", str(tmp_path / "x.csv"), "--measure", "nope"])


def test_cli_watched_missing_file_exits_2(tmp_path, capsys) -> None:
    assert main(["watched", "--cameras", str(tmp_path / "none.csv")]) == 2
    assert "none.csv" in capsys.readouterr().err


def test_cli_watched_brooklyn(shared_data, capsys) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["watched", "--cameras", str(path)]) == 0
    data = json.loads(capsys.readouterr().out)
    city = data["citywide"]
    assert city["n"] > 40
    assert -1 <= city["ci_low"] <= city["rho"] <= city["ci_high"] <= 1
    assert [g["group"] for g in data["by_group"]] == ["Brooklyn"]
    # the 193 NTAs outside Brooklyn have no camera data (the file counted Brooklyn only): left out as such,
    # with empty camera figures, never as areas with 0 cameras
    assert data["excluded"]["no_camera_data"] == 193
    assert data["excluded"]["group_without_cameras"] == 0
    others = [r for r in data["rows"] if r["group"] != "Brooklyn"]
    assert len(others) == 193
    assert all(r["cameras"] is None and r["measure"] is None and not r["included"] for r in others)
    assert {r["excluded_reason"] for r in others} == {"no camera data: outside where the camera source looked"}
    assert any(c.startswith("193 area(s) left out: outside where the camera source looked (the 10,377 "
                            "intersections in Brooklyn") for c in data["caveats"])
    assert not any("0 area(s)" in c for c in data["caveats"])
    model = data["amnesty_model"]
    assert model["areas"] == "nyc-nta"
    assert [f["group"] for f in model["fits"]] == ["Brooklyn"]
    assert model["fits"][0]["estimable"] is True
    assert model["fits"][0]["ci_low"] < model["fits"][0]["coef"] < model["fits"][0]["ci_high"]
    assert any("Not the same study" in c for c in model["caveats"])
    assert any("Street View" in c for c in data["caveats"])


def test_cli_watched_fits_amnestys_model_at_ntas_whatever_the_areas(shared_data, capsys) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["watched", "--cameras", str(path), "--areas", "nyc-precinct",
                 "--measure", "effective_cameras_per_1000_residents"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["measure"] == "effective_cameras_per_1000_residents"
    assert data["n_areas"] == 77
    assert data["amnesty_model"]["areas"] == "nyc-nta"
    assert data["amnesty_model"]["fits"][0]["n"] > 40


def test_cli_watched_effective_cameras(shared_data, capsys) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["watched", "--cameras", str(path), "--measure", "effective_cameras_per_1000_residents"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["label"] == "effective cameras (Amnesty) per 1,000 residents"
    assert data["citywide"]["n"] > 40
    assert any("Street View" in c for c in data["caveats"])
