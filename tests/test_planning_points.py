"""Tests of exposure.planning.points: named points read from CSV and GeoJSON files."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure._errors import PlaceError, PlanError
from exposure.planning.points import PlanPoint, read_points
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


# --- points as text: a name, "lat,lon", or "name | lat,lon" -------------------------------------------


@pytest.fixture(scope="module")
def helsinki():
    from exposure.datasets import load_dataset

    return load_dataset("helsinki")


def test_a_point_as_text_is_a_place_or_a_named_place(helsinki) -> None:
    from exposure.planning.points import point_from_text

    met = point_from_text("Meeting point | 60.17,24.94", helsinki.resolve)
    assert (met.name, met.lat, met.lon) == ("Meeting point", 60.17, 24.94)
    assert met.node is None  # a named point keeps its coordinates only; a plan snaps it again
    square = point_from_text("  Kauppatori ", helsinki.resolve)
    assert square == PlanPoint.from_place(helsinki.resolve("Kauppatori"))
    assert square.node is not None
    named = point_from_text("Market | Kauppatori", helsinki.resolve)
    assert (named.name, named.lat, named.lon) == ("Market", square.lat, square.lon)
    unnamed = point_from_text(" | 60.17,24.94", helsinki.resolve)
    assert unnamed.name == "60.17000, 24.94000"
    star = point_from_text("★ Narinkkatori (Kamppi)", helsinki.resolve)
    assert star.name == "Narinkkatori (Kamppi)"
    with pytest.raises(PlaceError, match=r"no place called 'Senaattori'.*Close matches"):
        point_from_text("Here | Senaattori", helsinki.resolve)


def test_a_point_written_as_text_reads_back(helsinki) -> None:
    from exposure.planning.points import point_from_text, point_to_text

    point = PlanPoint(name="Gate | north", lon=24.9401234, lat=60.1712346)
    text = point_to_text(point)
    assert text == "Gate | north | 60.171235,24.940123"
    back = point_from_text(text, helsinki.resolve)
    assert back.name == "Gate | north"
    assert (back.lat, back.lon) == pytest.approx((point.lat, point.lon), abs=1e-6)


@given(name=st.text(max_size=30), lat=st.floats(-89.9, 89.9), lon=st.floats(-179.9, 179.9))
@settings(max_examples=200, deadline=None)
def test_any_point_as_text_reads_back_with_any_resolver(name: str, lat: float, lon: float) -> None:
    from exposure.places import Place, parse_lat_lon
    from exposure.planning.points import point_from_text, point_to_text

    def resolve(text: str) -> Place:
        found = parse_lat_lon(text)
        assert found is not None, text
        return Place(query=text, name=text, lon=found[1], lat=found[0], node=0, snap_m=0.0)

    back = point_from_text(point_to_text(PlanPoint(name=name, lon=lon, lat=lat)), resolve)
    assert (back.lat, back.lon) == pytest.approx((lat, lon), abs=1e-6)
    assert back.name == (name.strip() or f"{back.lat:.6f},{back.lon:.6f}")
