"""Tests of exposure.cli.data: the cameras and network commands."""

from __future__ import annotations

import json
import tracemalloc
from unittest.mock import patch

import numpy as np
import osmnx as ox
import pandas as pd
import pytest

from exposure.cameras import load_cameras
from exposure.cli import main
from tests.cli_run import run


def test_cameras_csv_and_rejection_report(capsys, tmp_path) -> None:
    src = tmp_path / "cams.csv"
    src.write_text("lat,lon,kind\n60.17,24.94,dome\n95,24.94,dome\n60.16,24.95,laser\n")
    code, out, err = run(capsys, "cameras", "--source", str(src), "--format", "csv")
    assert code == 0
    assert len(out.strip().splitlines()) == 2  # header + the one good row
    assert "2 row(s) rejected" in err
    assert "lat" in err
    assert "kind" in err


def test_cameras_geojson_from_the_dataset(capsys) -> None:
    code, out, _ = run(capsys, "cameras", "--format", "geojson")
    assert code == 0
    assert len(json.loads(out)["features"]) == 221


def test_cameras_summary_prints_the_published_table_shape(capsys, shared_data) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    code, out, _ = run(capsys, "cameras", "--source", path, "--summary")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0] == ("borough,intersections,cameras,street_cameras,dome,bullet,type_unknown,"
                        "cameras_per_intersection")
    assert lines[1] == "Brooklyn,10377,9216,869,595,109,165,0.8881"
    assert lines[2].startswith("Total,10377,9216,")
    code, out, _ = run(capsys, "cameras", "--source", path, "--summary", "--format", "json",
                       "--decode-total", "n_cameras")
    assert code == 0
    data = json.loads(out)
    assert data["decode_total"] == "n_cameras"
    assert data["rows"][0]["cameras"] == 10_448
    assert data["verification"] == ["disputed", "unverified", "verified"]
    assert run(capsys, "cameras", "--summary")[0] == 2
    code, _, err = run(capsys, "cameras", "--source", path, "--summary", "--format", "geojson")
    assert code == 2
    assert "--format csv or --format json" in err


def test_decode_total_option_keeps_the_old_rule_available(capsys, shared_data) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    counts = {}
    for rule in ("attachments", "n_cameras"):
        code, out, _ = run(capsys, "cameras", "--source", path, "--decode-total", rule, "--format", "json")
        assert code == 0
        counts[rule] = len(json.loads(out))
    assert counts == {"attachments": 9_216, "n_cameras": 10_448}
    code, out, _ = run(capsys, "density", "--cameras", path, "--areas", "nyc-borough", "--format", "json",
                       "--decode-total", "n_cameras")
    assert code == 0
    data = json.loads(out)
    assert data["settings"]["decode_total"] == "n_cameras"
    assert 10_000 < sum(r["cameras"] or 0 for r in data["rows"]) <= 10_448  # the old rule was used


def test_network_graphml_loads_in_osmnx(capsys, tmp_path) -> None:
    path = tmp_path / "helsinki.graphml"
    code, _, err = run(capsys, "network", "--format", "graphml", "--out", str(path))
    assert code == 0
    assert "wrote" in err
    G = ox.load_graphml(path)
    assert G.number_of_nodes() > 2000
    assert G.graph["crs"] == "EPSG:4326"


def test_network_graphml_needs_out(capsys) -> None:
    code, _, err = run(capsys, "network", "--format", "graphml")
    assert code == 2
    assert "--out" in err


def _camera_rows(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "camera_id": [f"c{i}" for i in range(n)], "lon": 24.8 + rng.random(n) * 0.3,
        "lat": 60.1 + rng.random(n) * 0.2, "kind": rng.choice(["ptz", "dome", "fixed"], n),
        "mount": rng.choice(["street", "building"], n), "height_m": rng.choice([3.5, np.nan], n),
        "observed": "2024-05-01",
    })


def _peak_of_writing(tmp_path, rows: int, fmt: str) -> int:
    """Peak memory traced while ``exposure cameras`` selects and writes ``rows`` cameras (read beforehand)."""
    src, out = tmp_path / f"cams{rows}.csv", tmp_path / f"cams{rows}.{fmt}"
    _camera_rows(rows).to_csv(src, index=False)
    loaded = load_cameras(src)
    tracemalloc.start()
    try:
        with patch("exposure.cli.data.load_camera_file", return_value=loaded):
            assert main(["cameras", "--source", str(src), "--format", fmt, "--out", str(out)]) == 0
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    data = json.loads(out.read_text(encoding="utf-8"))
    assert len(data if fmt == "json" else data["features"]) == rows
    return peak


@pytest.mark.parametrize("fmt", ["json", "geojson"])
def test_cameras_are_written_as_they_are_made_not_held_whole(tmp_path, fmt) -> None:
    # a million cameras held as one list of dicts, its JSON-safe copy and its text took over 2 GiB: written a
    # chunk of rows at a time, three times the rows take little more memory than once
    _peak_of_writing(tmp_path, 10, fmt)  # the command's modules are imported on its first run
    small, large = _peak_of_writing(tmp_path, 5_000, fmt), _peak_of_writing(tmp_path, 15_000, fmt)
    assert large < 1.5 * small, (small, large)
