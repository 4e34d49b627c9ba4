"""The who-is-watched pipeline in one call, and the command line that runs it."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from exposure.cli import main
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
