"""Tests of exposure.planning.avoid: areas to avoid, drawn, around a point or read from GeoJSON."""

from __future__ import annotations

import json
import math

import numpy as np
import pyproj
import pytest
import shapely

from exposure._errors import PlanError
from exposure.planning.avoid import AvoidArea, area_around, area_from_vertices, areas_from_geojson


def test_areas_from_geojson(tmp_path):
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Square"},
         "geometry": {"type": "Polygon", "coordinates": [[[24.95, 60.169], [24.953, 60.169], [24.953, 60.170],
                                                          [24.95, 60.170], [24.95, 60.169]]]}},
        {"type": "Feature", "properties": {"radius_m": 75}, "geometry": {"type": "Point",
                                                                          "coordinates": [24.94, 60.17]}},
        # a bow tie: invalid, repaired rather than refused
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[24.93, 60.16], [24.94, 60.17], [24.94, 60.16], [24.93, 60.17], [24.93, 60.16]]]}},
    ]}
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps(geo))
    areas = areas_from_geojson(path)
    assert [a.name for a in areas] == ["Square", "area 2", "area 3"]
    assert areas[1].radius_m == 75.0
    assert all(a.geometry.is_valid and a.geometry.area > 0 for a in areas)
    with pytest.raises(PlanError, match=r"feature 1: a Point needs a numeric radius_m"):
        areas_from_geojson({"type": "Point", "coordinates": [24.9, 60.1]})
    with pytest.raises(PlanError, match="GeoJSON is longitude first"):
        areas_from_geojson({"type": "Polygon", "coordinates": [[[60.1, 24.9], [60.2, 24.9], [60.2, 124.9],
                                                                 [60.1, 24.9]]]})
    path.write_text("nope")
    with pytest.raises(PlanError, match="not a GeoJSON file"):
        areas_from_geojson(path)


def test_area_helpers_check_their_input():
    with pytest.raises(PlanError, match="positive number of metres"):
        area_around(60.17, 24.94, 0.0)
    with pytest.raises(PlanError, match="at least three distinct corners"):
        area_from_vertices([(60.17, 24.94), (60.17, 24.94), (60.171, 24.94)])
    with pytest.raises(PlanError, match="lie on one line"):
        area_from_vertices([(60.17, 24.94), (60.171, 24.94), (60.172, 24.94)])
    circle = area_around(60.17, 24.94, 100.0)
    assert isinstance(circle, AvoidArea)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True)
    xy = shapely.transform(circle.geometry, lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1])))
    assert xy.area == pytest.approx(math.pi * 100.0**2, rel=0.01)


@pytest.mark.parametrize(("radius", "match"), [
    (1e300, r"an area to avoid of radius 1e\+300 m, over the limit of 10000 m "
            r"\(exposure\.settings\.max_avoid_radius_m\)"),
    (float("inf"), r"must be a positive number of metres, got inf"),
    ("12", None),
    (10**400, r"must be a positive number of metres|over the limit"),
])
def test_areas_to_avoid_of_any_radius(radius: object, match: str | None) -> None:
    if match is None:
        assert area_around(60.17, 24.94, radius).radius_m == 12.0  # type: ignore[arg-type]
        return
    with pytest.raises(PlanError, match=match):
        area_around(60.17, 24.94, radius)  # type: ignore[arg-type]
    with pytest.raises(PlanError, match=r"feature 1"):
        areas_from_geojson({"type": "Feature", "properties": {"radius_m": radius},
                            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}})


def test_areas_to_avoid_from_uploaded_bytes() -> None:
    data = json.dumps({"type": "Polygon", "coordinates": [[[24.94, 60.17], [24.95, 60.17], [24.95, 60.175],
                                                           [24.94, 60.17]]]}).encode()
    assert len(areas_from_geojson(data, where="up.geojson")) == 1
    with pytest.raises(PlanError, match=r"up\.geojson: not a GeoJSON file \(arrays and objects nested"):
        areas_from_geojson(b"[" * 10_000 + b"]" * 10_000, where="up.geojson")
    with pytest.raises(PlanError, match=r"spans 360°, over the limit of 20°"):
        areas_from_geojson({"type": "Polygon", "coordinates": [[[-180, -80], [180, -80], [180, 80], [-180, -80]]]})


def test_file_of_areas_size_limits(monkeypatch, tmp_path) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_plan_file_mb", 0.0001)
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps({"type": "Point", "coordinates": [24.9, 60.1]}) * 10)
    with pytest.raises(PlanError, match=r"over the limit of 0\.0001 MB"):
        areas_from_geojson(path)
