"""The who-is-watched pipeline in one call, and the command line that runs it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from exposure._errors import WatchedError
from exposure.areas import MEASURES, density_by_area, named_areas
from exposure.cameras import describe_policies, load_cameras, load_extent, select_cameras
from exposure.cli import main
from exposure.watched.amnesty import amnesty_model
from exposure.watched.correlation import WATCHED_MEASURES, watched_analysis
from exposure.watched.report import REPORT_MEASURES, report_measures, watched_report
from tests.watched_common import CAMERAS_CSV


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


# --------------------------------------------------------------------------- watched_report


@pytest.fixture(scope="module")
def brooklyn(shared_data):
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    return load_cameras(path)


def test_the_report_is_the_steps_it_replaces(brooklyn) -> None:
    selected = select_cameras(brooklyn.cameras, frt_policy="default", verification="default")
    policies = describe_policies("default", "default")
    extent = load_extent(brooklyn)
    counted, frt = np.ones(len(selected), dtype=bool), selected["frt_capable"].to_numpy()
    table = density_by_area(named_areas("nyc-precinct"), selected, counted=counted, frt=frt, settings=policies,
                            extent=extent)
    result = watched_analysis(table, measure="frt_cameras_per_km2", min_population=1000)
    finest = density_by_area(named_areas("nyc-nta"), selected, counted=counted, frt=frt, settings=policies,
                             extent=extent)
    model = amnesty_model(finest, frt_only=True, min_population=1000)

    report = watched_report(brooklyn.cameras, areas="nyc-precinct", measure="frt_cameras_per_km2",
                            min_population=1000, extent=extent)
    assert json.dumps(report.result.to_dict()) == json.dumps(result.to_dict())
    assert report.model is not None
    assert json.dumps(report.model.to_dict()) == json.dumps(model.to_dict())
    assert report.model.measure == "frt_effective_cameras_per_1000_residents"
    assert report.areas == "nyc-precinct"
    assert len(report.table) == 77
    data = report.to_dict()
    assert json.loads(json.dumps(data, allow_nan=False)) == data
    assert data["amnesty_model"]["areas"] == "nyc-nta"


def test_the_report_counts_the_cameras_its_figures_rest_on(brooklyn) -> None:
    report = watched_report(brooklyn.cameras, extent=load_extent(brooklyn))
    assert report.camera_counts == {"cameras": 9216, "counted": 9216, "frt_capable": report.camera_counts[
        "frt_capable"], "in_nyc": 9216, "areas": 262, "areas_with_camera_data": 69}
    assert 0 < report.camera_counts["frt_capable"] <= 9216
    assert report.to_dict()["camera_counts"] == report.camera_counts
    assert report.result.excluded["no_camera_data"] == 193


def test_masks_give_the_same_report_as_the_policies(tmp_path) -> None:
    path = tmp_path / "cams.csv"
    path.write_text(CAMERAS_CSV)
    cameras = load_cameras(path).cameras
    by_policy = watched_report(cameras, frt_policy="strict-ptz-dome", verification="majority")
    selected = select_cameras(cameras, frt_policy="strict-ptz-dome", verification="majority")
    by_mask = watched_report(selected, counted=np.ones(len(selected), dtype=bool),
                             frt=selected["frt_capable"].to_numpy(), frt_policy="strict-ptz-dome",
                             verification="majority")
    assert json.dumps(by_mask.to_dict()) == json.dumps(by_policy.to_dict())
    assert by_policy.result.settings["frt_policy"] == "strict-ptz-dome"
    # an uncounted camera is in the table but in no figure
    half = watched_report(cameras, counted=[i % 2 == 0 for i in range(len(cameras))], frt=[True] * len(cameras))
    assert half.camera_counts["counted"] == (len(cameras) + 1) // 2
    assert half.camera_counts["cameras"] == len(cameras)
    assert half.table["cameras"].sum() < by_policy.table["cameras"].sum()


def test_without_the_model_there_is_none(tmp_path) -> None:
    path = tmp_path / "cams.csv"
    path.write_text(CAMERAS_CSV)
    report = watched_report(load_cameras(path).cameras, areas="nyc-cd", model=False)
    assert report.model is None
    assert report.to_dict()["amnesty_model"] is None
    assert len(report.table) == 71


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"measure": "cameras_per_mile"}, r"unknown measure 'cameras_per_mile'; choose one of cameras_per_km2"),
    ({"areas": "h3:9"}, r"unknown area set 'h3:9' for who is watched; choose one of nyc-nta"),
    ({"counted": [True]}, r"give both counted= and frt="),
])
def test_report_errors_name_the_argument(kwargs, match) -> None:
    cameras = pd.DataFrame({"lon": [-73.95], "lat": [40.65], "verification": ["verified"]})
    with pytest.raises(WatchedError, match=match):
        watched_report(cameras, **kwargs)


def test_the_command_line_prints_the_report(shared_data, capsys, brooklyn) -> None:
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["watched", "--cameras", str(path), "--areas", "nyc-cd", "--measure",
                 "effective_cameras_per_1000_residents", "--min-population", "800"]) == 0
    printed = json.loads(capsys.readouterr().out)
    report = watched_report(brooklyn.cameras, areas="nyc-cd", measure="effective_cameras_per_1000_residents",
                            min_population=800, extent=load_extent(brooklyn),
                            settings={**describe_policies("default", "default"), "cameras": str(path),
                                      "decode_total": "attachments"})
    expected = json.loads(json.dumps(report.to_dict()))
    for key, value in printed.items():  # every key the command prints is the report's
        assert value == expected[key], key
    assert set(expected) - set(printed) <= {"camera_counts"}


def test_the_report_measures_are_the_command_line_choices(capsys) -> None:
    from exposure.cli import build_parser

    for measure in WATCHED_MEASURES:  # the command accepts exactly the measures a report compares
        args = ["watched", "--cameras", "x.csv", "--measure", measure]
        if measure in report_measures():
            assert build_parser().parse_args(args).measure == measure
        else:
            with pytest.raises(SystemExit):
                build_parser().parse_args(args)
    capsys.readouterr()
    assert set(report_measures()) <= set(WATCHED_MEASURES)
    assert [m for m in REPORT_MEASURES if m in MEASURES] == list(REPORT_MEASURES)
