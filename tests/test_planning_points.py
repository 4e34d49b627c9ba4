"""Tests of exposure.planning.points: named points read from CSV and GeoJSON files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure._errors import PlanError
from exposure.planning.points import read_points
from tests.hostile import one_line, outcome


def test_read_points_from_csv_and_geojson(tmp_path):
    csv_path = tmp_path / "points.csv"
    csv_path.write_text("Name;Latitude;Longitude\nSquare;60.17;24.94\nBad;abc;24.9\n;60.168;24.95\n")
    loaded = read_points(csv_path)
    assert [p.name for p in loaded.points] == ["Square", "60.16800, 24.95000"]
    assert loaded.rejected[0][0] == 3
    assert "must be numbers" in loaded.rejected[0][1]
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}, "properties": {"name": "A"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[24.9, 60.1], [24.8, 60.1]]},
         "properties": {}}]}
    loaded = read_points("points.geojson", data=json.dumps(geo).encode())
    assert [(p.name, p.lon, p.lat) for p in loaded.points] == [("A", 24.94, 60.17)]
    assert loaded.rejected == ((2, "a LineString, not a Point"),)
    with pytest.raises(PlanError, match="no latitude column"):
        read_points("p.csv", data=b"name,x\nA,24.9\n")
    with pytest.raises(PlanError, match="no usable point"):
        read_points("p.csv", data=b"name,lat,lon\nA,,\n")


def test_points_file_size_limits(monkeypatch) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_plan_points", 2)
    with pytest.raises(PlanError, match=r"p\.csv: 3 points or more, over the limit of 2"):
        read_points("p.csv", data=b"name,lat,lon\n" + b"A,60.17,24.94\n" * 3)


@given(st.lists(st.lists(st.sampled_from(["60.17", "24.94", "", "x", "1e400", "nan", "-91", "G", '"', "\n", ";",
                                          "=SUM(A1)", "<b>"]), max_size=4), max_size=6),
       st.sampled_from(["name,lat,lon", "lat;lon", "Latitude\tLongitude", "x,y", "place"]))
@settings(max_examples=200, deadline=None)
def test_any_points_file_reads_or_is_one_plan_error(rows: list[list[str]], header: str) -> None:
    data = (header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode()
    loaded, message = outcome(lambda: read_points("pts.csv", data=data), PlanError)
    assert one_line(message)
    if loaded is not None:
        assert all(-90 <= p.lat <= 90 and -180 <= p.lon <= 180 for p in loaded.points)
