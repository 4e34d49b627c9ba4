"""Density: independent recounts, km² and street km, effective cameras, population maths, no camera data, exports."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely

from exposure._errors import AreaError
from exposure.areas.density import (
    DENSITY_COLUMNS,
    EFFECTIVE_RADIUS_M,
    MEASURES,
    density_by_area,
    density_to_csv,
    density_to_geojson,
    measure_column,
)
from exposure.areas.sets import dataset_bounds, h3_areas, named_areas
from exposure.cli import main
from exposure.crs import local_crs
from exposure.datasets import load_dataset
from tests.areas_common import cameras_at, feature_collection, helsinki_table, poly_feature, square_km, two_squares


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def table(helsinki):
    return helsinki_table(helsinki)


def test_density_counts_equal_an_independent_recount(helsinki) -> None:
    areas = h3_areas(dataset_bounds(helsinki), resolution=10)
    ctx = helsinki.context(frt_policy_spec="strict-ptz-dome", verification="default")
    table = density_by_area(areas, helsinki.cameras, counted=ctx.exposure.counted, frt=ctx.exposure.frt)
    pts = [shapely.Point(x, y) for x, y in zip(helsinki.cameras["lon"], helsinki.cameras["lat"], strict=True)]
    for row, poly in zip(table.itertuples(), areas.geometry, strict=True):
        inside = np.array([poly.contains(p) for p in pts])
        assert row.cameras == int((inside & ctx.exposure.counted).sum())
        assert row.frt_cameras == int((inside & ctx.exposure.counted & ctx.exposure.frt).sum())
    assert table["cameras"].sum() == int(ctx.exposure.counted.sum())
    assert 0 < table["frt_cameras"].sum() < table["cameras"].sum()  # strict policy: fewer FRT cameras
    assert list(table.columns) == [*DENSITY_COLUMNS, "geometry"]


def test_counted_mask_leaves_cameras_out() -> None:
    area = square_km(24.94, 60.17)
    c = area.centroid
    cams = cameras_at([(c.x, c.y), (c.x, c.y), (c.x, c.y)])
    areas = gpd.GeoDataFrame({"area_id": ["a"], "name": ["A"]}, geometry=[area], crs=4326)
    table = density_by_area(areas, cams, counted=[True, False, True], frt=[True, True, False])
    assert table.loc[0, "cameras"] == 2
    assert table.loc[0, "frt_cameras"] == 1  # the uncounted FRT camera is not an FRT camera here
    with pytest.raises(AreaError, match="2 values for 3 camera rows"):
        density_by_area(areas, cams, counted=[True, False])


def test_area_km2_of_a_known_square() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["sq"], "name": ["one km²"]}, geometry=[square_km(24.94, 60.17)], crs=4326)
    table = density_by_area(areas, cameras_at([(24.945, 60.173)]))
    assert table.loc[0, "area_km2"] == pytest.approx(1.0, rel=1e-3)
    assert table.loc[0, "cameras_per_km2"] == pytest.approx(1.0, rel=1e-3)
    assert np.isnan(table.loc[0, "street_km"])  # no network given
    assert np.isnan(table.loc[0, "cameras_per_1000_residents"])


def test_area_km2_does_not_depend_on_the_input_crs() -> None:
    sq = square_km(24.94, 60.17, side_m=500)
    wgs = gpd.GeoDataFrame({"area_id": ["sq"], "name": ["q"]}, geometry=[sq], crs=4326)
    table = density_by_area(wgs.to_crs(3067), cameras_at([]))  # ETRS-TM35FIN
    assert table.loc[0, "area_km2"] == pytest.approx(0.25, rel=1e-3)
    assert table.crs.to_epsg() == 4326


def test_street_km_counts_each_street_once(helsinki) -> None:
    areas = named_areas("h3:9", helsinki)
    table = density_by_area(areas, helsinki.cameras, index=helsinki.index)
    total_km = float(helsinki.index.length_m.sum()) / 2000.0  # both directions stored
    assert table["street_km"].sum() == pytest.approx(total_km, rel=0.01)
    assert (table["street_km"] >= 0).all()
    with_street = table["street_km"] > 0
    expected = table.loc[with_street, "cameras"] / table.loc[with_street, "street_km"]
    assert np.allclose(table.loc[with_street, "cameras_per_street_km"], expected)
    assert table.loc[~with_street, "cameras_per_street_km"].isna().all()


def street_cameras_at(points: list[tuple[float, float]], mounts: list[str] | None = None) -> pd.DataFrame:
    cams = cameras_at(points)
    cams["mount"] = mounts if mounts is not None else ["street"] * len(points)
    return cams


def metres_east(lon: float, lat: float, dx: float, dy: float = 0.0) -> tuple[float, float]:
    crs = local_crs(lon, lat)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = to_xy.transform(lon, lat)
    return to_ll.transform(x + dx, y + dy)


def lens_union_discs(d: float, r: float = EFFECTIVE_RADIUS_M) -> float:
    """Two discs of radius r whose centres are d apart: the area of their union in units of one disc."""
    lens = 2 * r * r * np.arccos(d / (2 * r)) - d / 2 * np.sqrt(4 * r * r - d * d) if d < 2 * r else 0.0
    return (2 * np.pi * r * r - lens) / (np.pi * r * r)


@pytest.mark.parametrize("d", [0.0, 30.0, 100.0, 200.0, 300.0])
def test_effective_cameras_of_two_discs_match_the_circle_geometry(d: float) -> None:
    area = square_km(24.94, 60.17, side_m=2000)
    c = area.centroid
    cams = street_cameras_at([(c.x, c.y), metres_east(c.x, c.y, d)])
    table = density_by_area(gpd.GeoDataFrame({"area_id": ["a"], "name": ["A"]}, geometry=[area], crs=4326), cams)
    # polygon discs, divided by the polygon's own area: within 0.1 % of true circles
    assert table.loc[0, "effective_cameras"] == pytest.approx(lens_union_discs(d) if d else 1.0, rel=1e-3)
    assert table.loc[0, "street_cameras"] == 2
    assert table.loc[0, "effective_cameras_per_km2"] == pytest.approx(table.loc[0, "effective_cameras"] / 4.0,
                                                                      rel=1e-3)


def test_effective_cameras_count_only_street_furniture_and_reach_across_edges() -> None:
    lon0, lat0 = 24.94, 60.17

    def square(x0: float) -> shapely.Polygon:
        """A 1 km square whose south-west corner is x0 metres east of (lon0, lat0)."""
        ring = shapely.box(x0, 0.0, x0 + 1000.0, 1000.0).segmentize(50).exterior.coords
        return shapely.Polygon([metres_east(lon0, lat0, x, y) for x, y in ring])

    areas = gpd.GeoDataFrame({"area_id": ["w", "e"], "name": ["W", "E"], "population": [5000.0, 0.0]},
                             geometry=[square(0.0), square(1000.0)], crs=4326)
    # a street camera in the middle of W (a whole disc), one on the shared edge (half a disc each side),
    # and a building camera in the middle of E, which does not count
    points = [metres_east(lon0, lat0, x, 500.0) for x in (500.0, 1000.0, 1500.0)]
    cams = street_cameras_at(points, ["street", "street", "building"])
    table = density_by_area(areas, cams, counted=[True, True, True], frt=[True, False, True]).set_index("area_id")
    assert table.loc["w", "effective_cameras"] == pytest.approx(1.5, rel=2e-3)
    assert table.loc["e", "effective_cameras"] == pytest.approx(0.5, rel=2e-3)
    assert table.loc["w", "frt_effective_cameras"] == pytest.approx(1.0, rel=2e-3)  # only the FRT street camera
    assert table.loc["e", "frt_effective_cameras"] == 0.0
    assert table.loc["w", "effective_cameras_per_1000_residents"] == pytest.approx(1.5 / 5.0, rel=2e-3)
    assert np.isnan(table.loc["e", "effective_cameras_per_1000_residents"])  # nobody lives there
    # a camera counts in the area it stands in; one exactly on the shared edge stands in neither,
    # while its disc watches both
    assert table["street_cameras"].tolist() == [1, 0]
    assert table["cameras"].tolist() == [1, 1]
    uncounted = density_by_area(areas, cams, counted=[False, True, True], frt=[True, True, True])
    assert uncounted.set_index("area_id").loc["w", "effective_cameras"] == pytest.approx(0.5, rel=2e-3)
    assert "120 m" in table.attrs["effective"]


def test_effective_cameras_need_a_mount_column() -> None:
    area = square_km(24.94, 60.17)
    table = density_by_area(gpd.GeoDataFrame({"area_id": ["a"], "name": ["A"]}, geometry=[area], crs=4326),
                            cameras_at([(area.centroid.x, area.centroid.y)]))
    assert table.loc[0, "cameras"] == 1
    assert np.isnan(table.loc[0, "effective_cameras"])
    assert np.isnan(table.loc[0, "street_cameras"])


def test_population_per_1000_maths() -> None:
    a, b, c = square_km(24.93, 60.16, 400), square_km(24.95, 60.16, 400), square_km(24.97, 60.16, 400)
    areas = gpd.GeoDataFrame({"area_id": ["a", "b", "c"], "name": ["A", "B", "C"],
                              "population": [2500.0, 0.0, np.nan]}, geometry=[a, b, c], crs=4326)
    cams = cameras_at([(p.centroid.x, p.centroid.y) for p in (a, a, a, a, a, b, c)])
    table = density_by_area(areas, cams, counted=np.ones(7, bool), frt=[True, False, False, False, False, True, True])
    assert list(table["cameras"]) == [5, 1, 1]
    assert table.loc[0, "cameras_per_1000_residents"] == pytest.approx(2.0)  # 5 / 2500 * 1000
    assert table.loc[0, "frt_cameras_per_1000_residents"] == pytest.approx(0.4)
    assert np.isnan(table.loc[1, "cameras_per_1000_residents"])  # nobody lives there: undefined, not inf
    assert np.isnan(table.loc[2, "cameras_per_1000_residents"])


def test_missing_columns_are_errors() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["a"]}, geometry=[square_km(24.9, 60.1)], crs=4326)
    with pytest.raises(AreaError, match="'name'"):
        density_by_area(areas, cameras_at([]))
    areas["name"] = "A"
    with pytest.raises(AreaError, match="lon/lat"):
        density_by_area(areas, pd.DataFrame({"x": [1]}))


def test_areas_off_the_globe_are_refused_by_density() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["x"], "name": ["x"]},
                             geometry=[shapely.box(240, 160, 250, 170)], crs="EPSG:4326")
    with pytest.raises(AreaError, match=r"coordinates that are not longitude within ±180"):
        density_by_area(areas, cameras_at([(24.94, 60.17)]))


def test_csv_export_parses(table) -> None:
    parsed = pd.read_csv(io.StringIO(density_to_csv(table)))
    assert list(parsed.columns) == list(DENSITY_COLUMNS)
    assert len(parsed) == len(table)
    assert parsed["cameras"].sum() == table["cameras"].sum()


def test_csv_export_defuses_formulas() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["=1+1"], "name": ["@SUM(A1)"]}, geometry=[square_km(24.9, 60.1)], crs=4326)
    parsed = pd.read_csv(io.StringIO(density_to_csv(density_by_area(areas, cameras_at([])))))
    assert parsed.loc[0, "area_id"] == "'=1+1"
    assert parsed.loc[0, "name"] == "'@SUM(A1)"


def test_geojson_export_parses(table) -> None:
    fc = json.loads(json.dumps(density_to_geojson(table), allow_nan=False))
    assert fc["type"] == "FeatureCollection"
    assert len(fc["features"]) == len(table)
    assert fc["settings"]["frt_policy"] == "default"
    props = fc["features"][0]["properties"]
    assert set(DENSITY_COLUMNS) <= set(props)
    assert props["population"] is None
    assert fc["features"][0]["geometry"]["type"] == "Polygon"
    assert gpd.read_file(io.StringIO(json.dumps(fc))).shape[0] == len(table)


def test_areas_outside_the_extent_have_no_data_not_zero_cameras() -> None:
    from exposure.cameras import CameraExtent

    cams = cameras_at([(24.945, 60.174)]).assign(mount="street")
    looked = CameraExtent(shapely.multipoints([(24.945, 60.174), (24.946, 60.175)]), "two intersections")
    table = density_by_area(two_squares(), cams, extent=looked)
    inside, outside = table.iloc[0], table.iloc[1]
    assert bool(inside["camera_data"])
    assert not bool(outside["camera_data"])
    assert inside["cameras"] == 1
    for column in ("cameras", "frt_cameras", "cameras_per_km2", "street_cameras", "effective_cameras",
                   "effective_cameras_per_km2"):
        assert np.isnan(outside[column]), column
    assert outside["area_km2"] > 0.9  # what does not depend on the cameras stays
    assert table.attrs["extent"] == "two intersections"
    assert table.attrs["no_camera_data"] == 1
    csv = pd.read_csv(io.StringIO(density_to_csv(table)), keep_default_na=False)
    assert csv.loc[1, "cameras"] == ""  # an empty cell, not 0
    assert csv.loc[0, "cameras"] == "1"  # a whole number, not 1.0
    props = [f["properties"] for f in density_to_geojson(table)["features"]]
    assert (props[0]["cameras"], props[1]["cameras"]) == (1, None)
    assert (props[0]["camera_data"], props[1]["camera_data"]) == (True, False)
    assert density_to_geojson(table)["extent"] == "two intersections"


def test_a_borough_counted_whole_covers_its_areas() -> None:
    from exposure.cameras import CameraExtent

    areas = two_squares().assign(borough=["Brooklyn", "Queens"])
    extent = CameraExtent(shapely.Point(0, 0), "Brooklyn's intersections", boroughs=("Brooklyn",))
    table = density_by_area(areas, cameras_at([(24.945, 60.174)]), extent=extent)
    assert table["camera_data"].tolist() == [True, False]
    assert table["cameras"].iloc[0] == 1


def test_a_box_extent_covers_what_it_touches() -> None:
    from exposure.cameras import CameraExtent

    extent = CameraExtent(shapely.box(24.93, 60.16, 24.955, 60.19), "a box")
    assert density_by_area(two_squares(), cameras_at([]), extent=extent)["camera_data"].tolist() == [True, False]
    nothing = CameraExtent(shapely.Polygon(), "nowhere")
    assert not density_by_area(two_squares(), cameras_at([]), extent=nothing)["camera_data"].any()


def test_cli_density_csv(capsys) -> None:
    code = main(["density", "--areas", "h3:9"])
    out, err = capsys.readouterr()
    assert code == 0, err
    rows = pd.read_csv(io.StringIO(out))
    header = ["area_id", "name", "area_km2", "cameras", "frt_cameras", "cameras_per_km2", "street_km",
              "cameras_per_street_km", "population", "cameras_per_1000_residents"]
    assert set(header) <= set(rows.columns)
    assert len(rows) == len(named_areas("h3:9"))
    assert rows["cameras"].sum() == 221


def test_cli_density_geojson_file_and_errors(capsys, tmp_path) -> None:
    areas = tmp_path / "areas.geojson"
    areas.write_text(json.dumps(feature_collection([
        poly_feature({"id": "centre", "name": "Centre", "population": 1000}, square_km(24.935, 60.164, 1500))])))
    code = main(["density", "--areas", str(areas), "--format", "json", "--frt-policy", "strict-ptz-dome"])
    out, err = capsys.readouterr()
    assert code == 0, err
    result = json.loads(out)
    assert result["settings"]["frt_policy"] == "strict-ptz-dome"
    (row,) = result["rows"]
    assert row["cameras_per_1000_residents"] == pytest.approx(row["cameras"])
    code = main(["density", "--areas", "districts"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "unknown area set 'districts'" in err
    assert "Traceback" not in err


def test_a_measure_names_its_column_and_words() -> None:
    assert measure_column("per_km2") == ("cameras_per_km2", "cameras per km²")
    assert measure_column("per_km2", frt_only=True) == ("frt_cameras_per_km2", "FRT-capable cameras per km²")
    assert measure_column("effective_per_1000_residents", frt_only=True) == (
        "frt_effective_cameras_per_1000_residents", "FRT-capable effective cameras (Amnesty) per 1,000 residents")
    for measure, (column, frt_column, _) in MEASURES.items():
        assert {measure_column(measure)[0], measure_column(measure, frt_only=True)[0]} <= set(DENSITY_COLUMNS)
        assert (column, frt_column) == (measure_column(measure)[0], measure_column(measure, frt_only=True)[0])
    with pytest.raises(AreaError, match=r"unknown measure 'per_mile'; choose one of per_km2, per_street_km"):
        measure_column("per_mile")
