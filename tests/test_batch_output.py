"""Tests of exposure.batch.output: a batch's rows as GeoParquet, CSV and GeoJSON, and its summary."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import pandas as pd
import pytest

from exposure._errors import BatchError
from exposure.batch import output_format, rows_to_bytes, summarise, write_rows

ROWS = pd.DataFrame({
    "pair_id": ["a", "a", "b"], "label": ["shortest", "fewest cameras", None], "frt_cameras": [4, 1, None],
    "optimal": [True, True, None], "error": [None, None, "no place called 'x'"], "note": ["=SUM(A1)", "ok", "x"],
    "coordinates": [[[24.94, 60.17], [24.95, 60.168]], [[24.94, 60.17], [24.945, 60.169]], None],
})


def test_rows_as_geoparquet_csv_and_geojson():
    table = gpd.read_parquet(io.BytesIO(rows_to_bytes(ROWS, "parquet")))
    assert table.crs.to_epsg() == 4326
    assert table.geometry.geom_type.tolist()[:2] == ["LineString", "LineString"]
    assert table.geometry.iloc[2] is None
    csv = pd.read_csv(io.BytesIO(rows_to_bytes(ROWS, "csv")), dtype=str, keep_default_na=False)
    assert csv["geometry_wkt"].iloc[0].startswith("LINESTRING")
    assert csv["geometry_wkt"].iloc[2] == ""
    assert csv["note"].iloc[0] == "'=SUM(A1)"  # never run as a formula
    features = json.loads(rows_to_bytes(ROWS, "geojson"))["features"]
    assert [f["properties"]["pair_id"] for f in features] == ["a", "a", "b"]
    with pytest.raises(BatchError, match="unknown batch output format 'xlsx'"):
        rows_to_bytes(ROWS, "xlsx")


def test_the_output_format_comes_from_the_suffix(tmp_path):
    assert [output_format(f"r{s}") for s in (".parquet", ".PQ", ".csv", ".geojson", ".json")] == [
        "parquet", "parquet", "csv", "geojson", "geojson"]
    with pytest.raises(BatchError, match=r"cannot write r\.xlsx: give a \.parquet"):
        output_format("r.xlsx")
    out = tmp_path / "deep" / "routes.csv"
    write_rows(ROWS, out)
    assert len(pd.read_csv(out)) == 3
    assert sorted(p.name for p in out.parent.iterdir()) == ["routes.csv"]


def test_the_summary_counts_pairs_routes_and_cameras_avoided():
    summary = summarise(ROWS, seconds=2.0)
    assert summary["pairs"] == 2
    assert summary["routes"] == 2
    assert summary["pairs_with_errors"] == 1
    assert summary["frt_cameras_shortest_median"] == 4.0
    assert summary["frt_cameras_best_median"] == 1.0
    assert summary["frt_cameras_avoided_mean"] == 3.0
    assert summary["pairs_per_second"] == 1.0
    tracks = summarise(ROWS.assign(frt_cameras=[2, 4, None]), seconds=1.0, routes=False)
    assert tracks == {"tracks": 3, "errors": 1, "frt_cameras_median": 3.0, "seconds": 1.0}
