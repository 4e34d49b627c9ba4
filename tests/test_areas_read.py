"""Reading areas: guessed columns, reprojection, bad features reported, hostile files refused before GDAL."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._errors import AreaError
from exposure.areas.density import density_by_area
from exposure.areas.read import read_areas
from exposure.areas.sets import h3_areas
from tests.areas_common import cameras_at, feature_collection, poly_feature, square_km
from tests.hostile import one_line, outcome


def test_read_areas_guesses_columns_and_reprojects(tmp_path) -> None:
    sq = gpd.GeoDataFrame({"code": ["K1", "K2"], "nimi": ["Kluuvi", "Kamppi"], "asukkaat": [500, 10_000]},
                          geometry=[square_km(24.94, 60.17, 300), square_km(24.93, 60.165, 300)], crs=4326)
    path = tmp_path / "districts.geojson"
    sq.to_crs(3067).to_file(path, driver="GeoJSON")
    areas = read_areas(path)
    assert list(areas["area_id"]) == ["K1", "K2"]
    assert list(areas["name"]) == ["Kluuvi", "Kamppi"]
    assert list(areas["population"]) == [500.0, 10_000.0]
    assert areas.crs.to_epsg() == 4326
    assert areas.geometry.iloc[0].hausdorff_distance(sq.geometry.iloc[0]) < 1e-7
    assert areas.attrs["rejected"] == []


def test_read_areas_from_bytes_and_mapping_report_bad_features() -> None:
    good = square_km(24.94, 60.17, 300)
    bowtie = shapely.Polygon([(24.90, 60.10), (24.91, 60.11), (24.91, 60.10), (24.90, 60.11)])
    fc = feature_collection([
        poly_feature({"id": "a", "name": "A", "pop": "1200"}, good),
        {"type": "Feature", "properties": {"id": "b", "name": "B", "pop": "5"},
         "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}},
        poly_feature({"id": "c", "name": "C", "pop": "many"}, bowtie),
    ])
    for obj in (fc, json.dumps(fc).encode(), io.BytesIO(json.dumps(fc).encode())):
        areas = read_areas(obj)
        assert list(areas["area_id"]) == ["a", "c"]
        reasons = [(r["feature"], r["reason"]) for r in areas.attrs["rejected"]]
        assert [f for f, _ in reasons] == [2, 3, 3]
        assert "Point, not a polygon" in reasons[0][1]
        assert "Self-intersection" in reasons[1][1]
        assert "repaired with make_valid" in reasons[1][1]
        assert "population 'many' in pop is not a count" in reasons[2][1]
        assert areas.geometry.is_valid.all()
        assert areas.loc[0, "population"] == 1200.0
        assert np.isnan(areas.loc[1, "population"])


def test_read_areas_explicit_columns(tmp_path) -> None:
    fc = feature_collection([poly_feature({"kood": "x1", "label2": "Somewhere"}, square_km(24.9, 60.1, 100))])
    areas = read_areas(fc, id_column="kood", name_column="label2")
    assert areas.loc[0, "area_id"] == "x1"
    assert areas.loc[0, "name"] == "Somewhere"
    with pytest.raises(AreaError, match=r"upload\.geojson: no id column 'nope'; the file's columns are kood"):
        read_areas(fc, id_column="nope", source_name="upload.geojson")


def test_read_areas_without_columns_numbers_the_features() -> None:
    fc = feature_collection([poly_feature({}, square_km(24.9, 60.1, 100)), poly_feature({}, square_km(24.92, 60.1))])
    areas = read_areas(fc)
    assert list(areas["area_id"]) == ["1", "2"]
    assert list(areas["name"]) == ["1", "2"]


def test_read_areas_errors_name_the_file(tmp_path) -> None:
    missing = tmp_path / "nowhere.geojson"
    with pytest.raises(AreaError, match=r"nowhere\.geojson: no such file"):
        read_areas(missing)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(AreaError, match=r"broken\.geojson: cannot read areas"):
        read_areas(broken)
    points = tmp_path / "points.geojson"
    points.write_text(json.dumps(feature_collection([
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [24.9, 60.1]}}])))
    with pytest.raises(AreaError, match=r"points\.geojson: none of the 1 features is a usable polygon .*feature 1"):
        read_areas(points)
    dupes = feature_collection([poly_feature({"id": "a"}, square_km(24.9, 60.1, 100)),
                                poly_feature({"id": "a"}, square_km(24.92, 60.1, 100))])
    with pytest.raises(AreaError, match="area ids repeat in column id: a"):
        read_areas(dupes, source_name="dupes.geojson")
    with pytest.raises(AreaError, match="not a GeoJSON FeatureCollection"):
        read_areas({"type": "Feature"})


def test_too_many_areas_are_refused_by_name(monkeypatch) -> None:
    monkeypatch.setattr(exposure_settings, "max_areas", 3)
    polygons = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": str(i)},
         "geometry": {"type": "Polygon", "coordinates": [[[i, 0], [i + 1, 0], [i + 1, 1], [i, 0]]]}}
        for i in range(4)]}
    with pytest.raises(AreaError, match=r"GeoJSON data: 4 areas, over the limit of 3 .*exposure\.settings\.max_areas"):
        read_areas(polygons)
    cells = h3_areas((24.93, 60.16, 24.95, 60.18), resolution=9)
    with pytest.raises(AreaError, match=r"h3:9: \d+ areas, over the limit of 3"):
        density_by_area(cells, pd.DataFrame({"lon": [24.94], "lat": [60.17]}))


def _polygon_feature(ring: list, name: str = "a") -> dict:
    return {"type": "Feature", "properties": {"name": name}, "geometry": {"type": "Polygon", "coordinates": [ring]}}


GOOD_RING = [[24.94, 60.17], [24.95, 60.17], [24.95, 60.175], [24.94, 60.17]]


@pytest.mark.parametrize(("ring", "reason"), [
    ([[24.94, 60.17], [24.95, 60.17], [24.95, 60.175]], "cannot be read"),  # unclosed
    ([[24.94, 60.17], [24.95, float("nan")], [24.95, 60.175], [24.94, 60.17]], "not longitude within"),
    ([[240, 160], [250, 160], [250, 170], [240, 160]], "not longitude within"),
    ([[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]], "spans 360° of longitude or latitude, over the "
                                                                     "limit of 20°"),
])
def test_bad_polygons_are_left_out_with_a_reason(ring: list, reason: str) -> None:
    data = json.dumps(feature_collection([_polygon_feature(ring, "bad"), _polygon_feature(GOOD_RING, "good")]))
    areas = read_areas(data.replace("NaN", "NaN").encode(), source_name="up.geojson")
    assert areas["name"].tolist() == ["good"]
    assert [r["feature"] for r in areas.attrs["rejected"]] == [1]
    assert reason in areas.attrs["rejected"][0]["reason"]


def test_a_whole_world_polygon_is_not_an_area_of_zero_km2() -> None:
    world = feature_collection([_polygon_feature([[-180, -90], [180, -90], [180, 90], [-180, 90], [-180, -90]])])
    with pytest.raises(AreaError, match=r"none of the 1 features is a usable polygon .*spans 360°.*"
                                        r"exposure\.settings\.max_area_span_deg"):
        read_areas(world)
    areas = gpd.GeoDataFrame({"area_id": ["w"], "name": ["world"]},
                             geometry=[shapely.box(-180, -90, 180, 90)], crs="EPSG:4326")
    with pytest.raises(AreaError, match=r"the areas span 360° of longitude or latitude, over the limit of 20°"):
        density_by_area(areas, cameras_at([(24.94, 60.17)]))


def test_mixed_empty_parts_are_dropped() -> None:
    data = feature_collection([{"type": "Feature", "properties": {"name": "m"}, "geometry": {
        "type": "MultiPolygon", "coordinates": [[], [GOOD_RING]]}}])
    areas = read_areas(data)
    assert len(shapely.get_parts(areas.geometry.iloc[0])) == 1
    table = density_by_area(areas, cameras_at([(24.945, 60.171)]))
    assert table["cameras"].tolist() == [1.0]
    assert table["area_km2"].iloc[0] > 0.1


def test_deep_or_large_areas_files_are_refused_before_gdal(tmp_path, monkeypatch) -> None:
    with pytest.raises(AreaError, match=r"deep\.geojson: cannot read areas \(arrays and objects nested 30,000 "
                                        r"levels deep, over the limit of 64"):
        read_areas(b"[" * 30_000 + b"]" * 30_000, source_name="deep.geojson")
    path = tmp_path / "big.geojson"
    path.write_text(json.dumps(feature_collection([_polygon_feature(GOOD_RING)] * 50)))
    monkeypatch.setattr(exposure_settings, "max_areas_file_mb", 0.001)
    with pytest.raises(AreaError, match=r"big\.geojson: the areas file is 0\.0 MB, over the limit of 0\.001 MB "
                                        r"\(exposure\.settings\.max_areas_file_mb\)"):
        read_areas(path)
    with pytest.raises(AreaError, match=r"over the limit of 0\.001 MB"):
        read_areas(io.BytesIO(path.read_bytes()), source_name="upload.geojson")


_COORD = st.one_of(st.floats(min_value=-200, max_value=200), st.just(float("nan")), st.just(float("inf")),
                   st.just(1e300), st.sampled_from([24.94, 24.95, 60.17, 60.175]))


@given(st.lists(st.lists(st.lists(_COORD, min_size=2, max_size=2), max_size=6), min_size=1, max_size=3))
@settings(max_examples=150, deadline=None)
def test_any_polygons_read_or_are_one_area_error(rings: list) -> None:
    features = [_polygon_feature(ring, f"f{i}") for i, ring in enumerate(rings)]
    text = json.dumps(feature_collection(features)).encode()
    areas, message = outcome(lambda: read_areas(text, source_name="fuzz.geojson"), AreaError)
    assert one_line(message)
    if areas is not None:
        table = density_by_area(areas, cameras_at([(24.945, 60.171)]))
        assert (table["area_km2"] > 0).all()
        assert np.isfinite(table["area_km2"]).all()


def test_xml_areas_with_entities_are_refused_before_gdal(tmp_path) -> None:
    kml = ('<?xml version="1.0"?><!DOCTYPE kml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<kml xmlns="http://www.opengis.net/kml/2.2"><Placemark><name>&x;</name><Polygon><outerBoundaryIs>'
           "<LinearRing><coordinates>24.94,60.17 24.95,60.17 24.95,60.175 24.94,60.17</coordinates></LinearRing>"
           "</outerBoundaryIs></Polygon></Placemark></kml>")
    path = tmp_path / "areas.kml"
    path.write_text(kml)
    with pytest.raises(AreaError, match=r"areas\.kml: declares a document type or entities"):
        read_areas(path)
    with pytest.raises(AreaError, match=r"up\.kml: declares a document type or entities"):
        read_areas(kml.encode(), source_name="up.kml")
