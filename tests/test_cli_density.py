"""Tests of exposure.cli.density: the density command on a camera file alone (the NYC and dataset cases are
in tests/test_areas.py, tests/test_nyc.py and tests/test_watched.py)."""

from __future__ import annotations

import json

import pytest

import exposure.datasets
from tests.cli_run import run

CAMERAS = "lat,lon,kind\n60.17,24.94,dome\n60.171,24.941,fixed\n"


@pytest.fixture
def no_street_network(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        msg = "density --cameras without --dataset must not load a street network"
        raise AssertionError(msg)

    monkeypatch.setattr(exposure.datasets, "load_dataset", refuse)


def test_density_of_a_camera_file_alone(capsys, tmp_path, no_street_network) -> None:
    src = tmp_path / "cams.csv"
    src.write_text(CAMERAS)
    code, out, err = run(capsys, "density", "--cameras", str(src), "--format", "json")
    assert code == 0, err
    result = json.loads(out)
    assert set(result) == {"settings", "areas", "note", "effective", "extent", "no_camera_data", "rows"}
    assert result["areas"] == "h3:9"
    assert result["settings"]["cameras"] == str(src)
    assert "decode_total" not in result["settings"]  # only a Decode Surveillance file has that choice
    assert "box around the 2 cameras of cams.csv" in result["extent"]
    assert sum(r["cameras"] for r in result["rows"]) == 2
    assert all(r["street_km"] is None for r in result["rows"])  # no streets were read: no figure, never 0


def test_no_counted_camera_leaves_no_box_for_h3_cells(capsys, tmp_path, no_street_network) -> None:
    src = tmp_path / "cams.csv"
    src.write_text(CAMERAS)
    code, out, err = run(capsys, "density", "--cameras", str(src), "--verification", "verified")
    assert code == 2
    assert out == ""
    assert f"error: {src}: no camera is counted, so there is no box to cover with H3 cells" in err


def test_density_says_when_nothing_is_counted(capsys) -> None:
    code, out, err = run(capsys, "density", "--format", "json", "--verification", "verified")
    assert code == 0, err
    result = json.loads(out)
    assert result["settings"]["counting"]["case"] == "nothing-counted"
    assert "note: 0 of 221 cameras are counted: none is verified" in err
    assert all(r["cameras"] == 0 for r in result["rows"] if r["camera_data"])
    code, out, err = run(capsys, "density", "--format", "json")
    assert json.loads(out)["settings"]["counting"]["case"] == "counted"
    assert "note:" not in err


@pytest.mark.parametrize("model", ["per-kind", "kamerafrei", "dori-high"])
def test_amnesty_effective_cameras_per_brooklyn_nta_are_unchanged_by_the_coverage_model(
        capsys, shared_data, no_street_network, model) -> None:
    # Amnesty's effective cameras are its own definition (120 m discs, no walls) whatever the model counted elsewhere
    cameras = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    base = ["density", "--cameras", cameras, "--areas", "nyc-nta", "--format", "csv"]
    code, default, err = run(capsys, *base)
    assert code == 0, err
    code, chosen, err = run(capsys, *base, "--coverage-model", model, "--level", "observe")
    assert code == 0, err
    assert chosen == default
    assert "effective_cameras" in default.splitlines()[0]
