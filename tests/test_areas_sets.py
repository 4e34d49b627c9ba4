"""Area sets: H3 cover and its limit, hexagons named after places, OSM place cells, named sets, dataset bounds."""

from __future__ import annotations

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure._errors import AreaError
from exposure.areas.density import density_by_area
from exposure.areas.sets import area_scope, areas_in_scope, dataset_bounds, h3_areas, h3_cell_estimate, named_areas
from exposure.datasets import load_dataset
from tests.areas_common import helsinki_table


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def table(helsinki):
    return helsinki_table(helsinki)


@pytest.mark.parametrize("resolution", [7, 8, 9, 10])
def test_h3_cells_cover_the_bounds(resolution: int) -> None:
    bounds = (24.9352, 60.1641, 24.9534, 60.1791)
    cells = h3_areas(bounds, resolution=resolution)
    box = shapely.box(*bounds)
    union = cells.geometry.union_all()
    assert union.buffer(1e-9).covers(box)
    assert cells["area_id"].is_unique
    assert all(g.intersects(box) for g in cells.geometry)  # no cell beyond the box
    assert list(cells.columns) == ["area_id", "name", "geometry"]
    assert cells["name"].str.startswith("hex ").all()
    assert cells.crs.to_epsg() == 4326
    assert f"resolution {resolution}" in cells.attrs["note"]


@pytest.mark.parametrize("resolution", [-1, 16, 9.5])
def test_h3_bad_resolution_is_an_error(resolution) -> None:
    with pytest.raises(AreaError, match="resolution"):
        h3_areas((24.9, 60.1, 25.0, 60.2), resolution=resolution)


def test_h3_bad_bounds_are_an_error() -> None:
    with pytest.raises(AreaError, match="not a WGS84 box"):
        h3_areas((25.0, 60.2, 24.9, 60.1))


@pytest.fixture
def no_polyfill(monkeypatch):
    """Fail at once, instead of filling the machine's memory, if a hexagon fill is asked for."""

    def refuse(*args, **kwargs):
        raise AssertionError("h3 was asked to fill the box with hexagons")

    monkeypatch.setattr(h3, "h3shape_to_cells", refuse)


@pytest.mark.usefixtures("no_polyfill")
def test_h3_over_a_box_spanning_continents_is_refused_before_any_hexagon() -> None:
    # the streets of Helsinki and the cameras of New York in one box
    with pytest.raises(AreaError, match=r"about [\d,]+ H3 hexagons at resolution 9, over the limit of 20,000 "
                                        r"\(exposure\.settings\.max_h3_cells\); use resolution \d or coarser") as info:
        h3_areas((-74.04, 40.57, 24.96, 60.18), resolution=9)
    assert "74.04° W to 24.96° E" in str(info.value)


@settings(max_examples=40, deadline=None)
@given(lon=st.floats(-170, 160), lat=st.floats(-70, 60), w=st.floats(0.001, 10), h=st.floats(0.001, 10),
       res=st.integers(0, 11))
def test_the_estimate_bounds_the_hexagons_made(lon, lat, w, h, res) -> None:
    bounds = (lon, lat, lon + w, lat + h)
    estimate = h3_cell_estimate(bounds, res)
    if estimate > 5_000:
        return  # too many to make in a test
    # the cells made are those with a centre in the box padded by two hexagon edges, as the limit counts them;
    # hexagons differ in size by up to about 2x over the globe
    pad_lat = 2 * h3.average_hexagon_edge_length(res, unit="m") / 111_320.0
    pad_lon = pad_lat / np.cos(np.radians(lat + h / 2))
    padded = h3_cell_estimate((lon - pad_lon, lat - pad_lat, lon + w + pad_lon, lat + h + pad_lat), res)
    assert len(h3_areas(bounds, resolution=res)) <= 2.5 * padded + 12


def test_a_thin_strip_is_not_refused_for_the_padding_of_its_search() -> None:
    # found by hypothesis: 0.001° wide and 7° tall at resolution 10 takes about 12,000 hexagons, under the limit,
    # but the limit was checked on the box padded by two hexagon edges each side (about 20,600 "needed")
    bounds = (0.0, 27.0, 0.001, 34.0)
    estimate = h3_cell_estimate(bounds, 10)
    assert estimate < exposure_settings.max_h3_cells
    cells = h3_areas(bounds, resolution=10)
    assert 0.8 * estimate <= len(cells) <= 1.25 * estimate


@settings(max_examples=30, deadline=None)
@given(lon=st.floats(-170, 160), lat=st.floats(-70, 60), w=st.floats(1e-5, 3), h=st.floats(1e-5, 3),
       res=st.integers(0, 10))
def test_the_estimate_counts_the_hexagons_made_within_their_spread_in_size(lon, lat, w, h, res) -> None:
    bounds = (lon, lat, lon + w, lat + h)
    estimate = h3_cell_estimate(bounds, res)
    if estimate > 5_000:
        return  # too many to make in a test
    # hexagons differ in size by up to about 2x over the globe
    assert estimate / 2.5 - 3 <= len(h3_areas(bounds, resolution=res)) <= 2.5 * estimate + 3


def test_the_limit_can_be_raised(monkeypatch) -> None:
    bounds = (24.90, 60.15, 24.99, 60.19)
    monkeypatch.setattr(exposure_settings, "max_h3_cells", 10)
    with pytest.raises(AreaError, match="max_h3_cells"):
        h3_areas(bounds, resolution=9)
    monkeypatch.setattr(exposure_settings, "max_h3_cells", 20_000)
    assert len(h3_areas(bounds, resolution=9)) > 10


def test_dataset_bounds_are_the_streets_not_far_cameras(helsinki) -> None:
    far = pd.concat([helsinki.cameras, helsinki.cameras.head(1).assign(lon=-73.95, lat=40.65)], ignore_index=True)
    mixed = helsinki.with_cameras(far, helsinki.rejected, source="mixed.csv")
    assert dataset_bounds(mixed) == dataset_bounds(helsinki)
    west, south, east, north = dataset_bounds(helsinki)
    assert 24.9 < west < east < 25.0
    assert 60.1 < south < north < 60.2


def test_named_osm_places_are_honest_voronoi_cells(helsinki) -> None:
    areas = named_areas("osm-places", helsinki)
    assert {"Kluuvi", "Kaartinkaupunki", "Kaisaniemi", "Keskusta"} <= set(areas["name"])
    assert "not official boundaries" in areas.attrs["note"]
    assert "Voronoi" in areas.attrs["note"]
    box = shapely.box(*dataset_bounds(helsinki))
    # cells tile the box: no overlap, no gap
    assert areas.to_crs(3067).area.sum() == pytest.approx(gpd.GeoSeries([box], crs=4326).to_crs(3067).area[0],
                                                          rel=1e-6)
    table = density_by_area(areas, helsinki.cameras, index=helsinki.index)
    assert table["cameras"].sum() == len(helsinki.cameras)
    assert table.attrs["note"] == areas.attrs["note"]


@pytest.mark.parametrize(("name", "match"), [("nta", "unknown area set 'nta'.*h3:RES.*osm-places"),
                                             ("h3:x", "whole number"), ("h3:16", "0 to 15")])
def test_named_areas_errors_list_the_choices(helsinki, name: str, match: str) -> None:
    with pytest.raises(AreaError, match=match):
        named_areas(name, helsinki)


def test_hexagons_are_named_after_the_places_in_or_near_them(helsinki, table) -> None:
    names = table["name"].tolist()
    assert not any(n.startswith("hex ") for n in names)
    assert len(set(names)) > len(names) / 3
    assert "Kluuvi" in names or "near Kluuvi" in names
    assert table["area_id"].str.match(r"^[0-9a-f]{15}$").all()  # the id stays the id


def test_the_scope_of_a_datasets_own_cameras_is_its_streets(helsinki) -> None:
    scope = area_scope(helsinki)
    assert scope.on_streets
    assert scope.bounds == dataset_bounds(helsinki)
    assert set(scope.sets) == {"h3:RES", "osm-places"}  # no New York set over Helsinki
    assert "per_street_km" in scope.measures
    areas = areas_in_scope("h3:9", scope, helsinki)
    assert areas["area_id"].tolist() == named_areas("h3:9", helsinki)["area_id"].tolist()
    with pytest.raises(AreaError, match="does not cover the streets of helsinki; choose one of h3:RES, osm-places"):
        areas_in_scope("nyc-nta", scope, helsinki)


def test_another_citys_cameras_are_scoped_where_they_are(helsinki, shared_data) -> None:
    from exposure.cameras import load_cameras

    load = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    mixed = helsinki.with_cameras(load.cameras, load.rejected, source="brooklyn.csv", extent=load.extent)
    scope = area_scope(mixed)
    assert not scope.on_streets
    west, south, east, north = scope.bounds
    assert -74.05 < west < east < -73.85
    assert 40.57 < south < north < 40.74
    assert scope.extent.boroughs == ("Brooklyn",)
    assert {"h3:RES", "nyc-nta", "nyc-cd", "nyc-council", "nyc-precinct", "nyc-borough"} == set(scope.sets)
    assert "per_street_km" not in scope.measures
    assert "brooklyn.csv" in scope.where
    hexagons = areas_in_scope("h3:8", scope, mixed)
    assert hexagons["name"].str.startswith("in ").mean() > 0.6  # named after New York's neighbourhoods
    assert len(areas_in_scope("nyc-cd", scope, mixed)) == 71
