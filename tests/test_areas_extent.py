"""Tests of exposure.areas.extent: an area has camera data only where most of its ground was looked at."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

import exposure.areas.extent as extent_module
from exposure._errors import AreaError
from exposure.areas.density import density_by_area
from exposure.areas.extent import COVERED_SHARE, covered_areas
from exposure.areas.sets import h3_areas
from exposure.cameras import CameraExtent, load_cameras, load_extent
from exposure.crs import local_crs
from exposure.nyc import nyc_areas
from tests.areas_common import square_km, two_squares


def _share_in(areas: gpd.GeoDataFrame, ground: shapely.Geometry) -> np.ndarray:
    crs = local_crs(-73.95, 40.65) if ground.centroid.x < 0 else local_crs(24.94, 60.17)
    metric = areas.to_crs(crs)
    inside = gpd.GeoSeries([ground], crs=4326).to_crs(crs).iloc[0]
    return np.array([g.intersection(inside).area / g.area for g in metric.geometry])


def test_a_box_covers_the_areas_mostly_inside_it() -> None:
    west, east = square_km(24.94, 60.17), square_km(24.96, 60.17)
    areas = gpd.GeoDataFrame({"area_id": ["a", "b"], "name": ["A", "B"]}, geometry=[west, east], crs=4326)
    # a box over all of A and a third of B: B lies mostly where nobody looked
    a_west = west.bounds[0]
    b_west, _, b_east, _ = east.bounds
    box = shapely.box(a_west - 0.001, 60.16, b_west + (b_east - b_west) / 3, 60.19)
    shares = _share_in(areas, box)
    assert shares[0] == pytest.approx(1.0)
    assert 0.2 < shares[1] < COVERED_SHARE
    assert covered_areas(areas, CameraExtent(box, "a box")).tolist() == [True, False]
    wider = shapely.box(a_west - 0.001, 60.16, b_west + 2 * (b_east - b_west) / 3, 60.19)
    assert covered_areas(areas, CameraExtent(wider, "a wider box")).tolist() == [True, True]


def test_points_looked_at_cover_the_areas_holding_them() -> None:
    looked = CameraExtent(shapely.multipoints([(24.945, 60.174)]), "one intersection")
    assert covered_areas(two_squares(), looked).tolist() == [True, False]
    assert covered_areas(two_squares(), None).tolist() == [True, True]


def test_an_area_holding_a_camera_of_the_source_has_data_mostly_outside_or_not() -> None:
    west, east = square_km(24.94, 60.17), square_km(24.96, 60.17)
    areas = gpd.GeoDataFrame({"area_id": ["a", "b"], "name": ["A", "B"]}, geometry=[west, east], crs=4326)
    b_west, b_south, b_east, _ = east.bounds
    box = shapely.box(west.bounds[0] - 0.001, 60.16, b_west + (b_east - b_west) / 3, 60.19)
    camera_in_b = np.array([[b_west + 0.001, b_south + 0.001]])
    assert covered_areas(areas, CameraExtent(box, "a box"), found=camera_in_b).tolist() == [True, True]
    # a borough counted whole says where the source looked: a camera across its line changes nothing
    named = areas.assign(borough=["Brooklyn", "Queens"])
    brooklyn = CameraExtent(shapely.multipoints([(24.945, 60.174)]), "Brooklyn", boroughs=("Brooklyn",))
    assert covered_areas(named, brooklyn, found=camera_in_b).tolist() == [True, False]


def test_without_new_yorks_boundaries_a_borough_file_falls_back_on_its_points(monkeypatch) -> None:
    def missing(name: str):
        raise AreaError("councilcount is not installed")

    monkeypatch.setattr(extent_module, "nyc_areas", missing)
    looked = CameraExtent(shapely.multipoints([(24.945, 60.174)]), "one intersection", boroughs=("Brooklyn",))
    assert covered_areas(two_squares(), looked).tolist() == [True, False]


def test_hexagons_mostly_outside_brooklyn_have_no_data_not_zero_cameras(shared_data) -> None:
    # at resolution 7 the hexagons at Brooklyn's edge are mostly water or Queens: coloured 0, they said
    # "no cameras" where the volunteers never looked
    load = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    extent = load_extent(load)
    assert extent.boroughs == ("Brooklyn",)
    hexagons = h3_areas(extent.geometry.bounds, resolution=7)
    table = density_by_area(hexagons, load.cameras, extent=extent)
    brooklyn = nyc_areas("nyc-borough").set_index("name").loc["Brooklyn", "geometry"]
    share = _share_in(hexagons, brooklyn)
    covered = table["camera_data"].to_numpy(dtype=bool)
    holds_a_camera = table["cameras"].fillna(0).to_numpy() > 0
    assert covered.tolist() == ((share >= COVERED_SHARE) | holds_a_camera).tolist()
    assert 0 < covered.sum() < len(table)
    assert table.loc[~covered, "cameras"].isna().all()  # no data, not 0
    assert not (table.loc[covered, "cameras"] == 0).to_numpy()[share[covered] < COVERED_SHARE].any()
    assert table["cameras"].sum() == len(load.cameras)  # every camera counted, in a hexagon that has data
