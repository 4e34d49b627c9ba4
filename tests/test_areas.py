"""Areas and density: H3 cover, independent recounts, km² and street km, population maths, readers, exports."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import h3
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from exposure import settings as exposure_settings
from exposure.areas import (
    DENSITY_COLUMNS,
    DENSITY_TOOLTIP,
    EFFECTIVE_RADIUS_M,
    AreaError,
    dataset_bounds,
    density_by_area,
    density_layer,
    density_png,
    density_to_csv,
    density_to_geojson,
    h3_areas,
    h3_cell_estimate,
    named_areas,
    read_areas,
)
from exposure.cli import main
from exposure.datasets import load_dataset
from exposure.network import local_crs
from tests.hostile import one_line, outcome


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def cameras_at(points: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"camera_id": [str(i) for i in range(len(points))],
                         "lon": [p[0] for p in points], "lat": [p[1] for p in points]})


def square_km(lon: float, lat: float, side_m: float = 1000.0) -> shapely.Polygon:
    """A square of side_m built in UTM and converted to WGS84."""
    crs = local_crs(lon, lat)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = to_xy.transform(lon, lat)
    sq = shapely.box(x, y, x + side_m, y + side_m).segmentize(50)
    return shapely.transform(sq, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def poly_feature(props: dict, geom: shapely.Geometry) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


# --------------------------------------------------------------------------- H3


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


def test_the_limit_can_be_raised(monkeypatch) -> None:
    bounds = (24.90, 60.15, 24.99, 60.19)
    monkeypatch.setattr(exposure_settings, "max_h3_cells", 10)
    with pytest.raises(AreaError, match="max_h3_cells"):
        h3_areas(bounds, resolution=9)
    monkeypatch.setattr(exposure_settings, "max_h3_cells", 20_000)
    assert len(h3_areas(bounds, resolution=9)) > 10


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


def test_dataset_bounds_are_the_streets_not_far_cameras(helsinki) -> None:
    far = pd.concat([helsinki.cameras, helsinki.cameras.head(1).assign(lon=-73.95, lat=40.65)], ignore_index=True)
    mixed = helsinki.with_cameras(far, helsinki.rejected, source="mixed.csv")
    assert dataset_bounds(mixed) == dataset_bounds(helsinki)
    west, south, east, north = dataset_bounds(helsinki)
    assert 24.9 < west < east < 25.0
    assert 60.1 < south < north < 60.2


# --------------------------------------------------------------------------- counts and areas


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


# --------------------------------------------------------------------------- effective cameras (Amnesty)


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


# --------------------------------------------------------------------------- named sets


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


# --------------------------------------------------------------------------- reading files


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


# --------------------------------------------------------------------------- exports


@pytest.fixture(scope="module")
def table(helsinki):
    ctx = helsinki.context()
    return density_by_area(named_areas("h3:9", helsinki), helsinki.cameras, counted=ctx.exposure.counted,
                           frt=ctx.exposure.frt, index=helsinki.index, settings=ctx.settings)


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


def test_png_export(table) -> None:
    png = density_png(table, column="cameras_per_km2", title="Cameras per km²")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    with pytest.raises(AreaError, match="no column 'bogus'"):
        density_png(table, column="bogus", title="x")


def test_the_png_is_a_figure_a_journalist_can_print(helsinki, table) -> None:
    from datetime import date

    from matplotlib.collections import LineCollection, PolyCollection

    from exposure.areas import density_figure

    fig = density_figure(table, column="cameras_per_km2", title="Cameras per km² — helsinki", label="cameras per km²",
                         streets=helsinki.index, basemap=helsinki.basemap, made=date(2024, 5, 1))
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    everything = " ".join(texts)
    (ax, cax) = fig.axes
    assert cax.get_ylabel() == "Cameras per km²"  # a readable legend title with its units, not the column
    assert fig._suptitle.get_text() == "Cameras per km² — helsinki"
    # the basemap: the dataset's streets over the areas, its buildings, parks and water beneath
    assert any(isinstance(c, LineCollection) and len(c.get_segments()) > 1000 for c in ax.collections)
    assert any(isinstance(c, PolyCollection) and c.get_zorder() == 0 for c in ax.collections)
    # the top areas named on the map, after real places (no hexagon ids), and listed with their values
    top = table.sort_values("cameras_per_km2", ascending=False)["name"].head(5).tolist()
    assert all(not name.startswith("hex ") for name in top)
    on_map = [t.get_text() for t in ax.texts]
    assert on_map[0] == f"1. {top[0]}"
    assert "Highest: 1. " + top[0] in everything
    # what was counted, the sources with the OpenStreetMap credit, and the date
    assert "FRT policy default (capable tiers: high, medium)" in everything
    assert "verification disputed, unverified, verified" in everything
    assert "Cameras: OpenStreetMap contributors (ODbL)" in everything
    assert "© OpenStreetMap contributors" in everything
    assert "Made 2024-05-01" in everything
    assert "H3 hexagons at resolution 9" in everything


def test_the_png_keeps_no_data_apart(shared_data) -> None:
    from exposure.areas import density_figure
    from exposure.cameras import load_cameras, load_extent

    load = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    nta = density_by_area(named_areas("nyc-nta"), load.cameras, extent=load_extent(load))
    fig = density_figure(nta, column="cameras_per_km2", title="t", label="cameras per km²")
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels == ["no camera data (193 areas): outside where the camera source looked"]
    assert "Amnesty International, Decode Surveillance NYC" in " ".join(t.get_text() for t in fig.texts)


def test_hexagons_are_named_after_the_places_in_or_near_them(helsinki, table) -> None:
    names = table["name"].tolist()
    assert not any(n.startswith("hex ") for n in names)
    assert len(set(names)) > len(names) / 3
    assert "Kluuvi" in names or "near Kluuvi" in names
    assert table["area_id"].str.match(r"^[0-9a-f]{15}$").all()  # the id stays the id


def test_density_layer_tooltips_are_text() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["a"], "name": ["<img src=x onerror=alert(1)>"]},
                             geometry=[square_km(24.9, 60.1)], crs=4326)
    layer = density_layer(density_by_area(areas, cameras_at([])), "cameras_per_km2")
    assert layer.type == "PolygonLayer"
    row = layer.data[0]
    assert row["tooltip"].startswith("<img src=x onerror=alert(1)>\ncameras_per_km2: 0.00\n")  # as written…
    assert DENSITY_TOOLTIP["text"] == "{tooltip}"  # …and shown as text, never as HTML
    assert "html" not in DENSITY_TOOLTIP
    assert len(row["colour"]) == 4
    assert row["polygon"][0][0] == row["polygon"][0][-1]


# --------------------------------------------------------------------------- command line


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


# --------------------------------------------------------------------------- no camera data


def two_squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_id": ["in", "out"], "name": ["Looked at", "Never looked at"]},
                            geometry=[square_km(24.94, 60.17), square_km(24.98, 60.17)], crs="EPSG:4326")


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


def test_no_data_is_its_own_grey_class_on_the_map_with_a_legend_entry() -> None:
    from exposure.areas import NO_DATA_COLOUR, UNDEFINED_COLOUR, density_legend
    from exposure.cameras import CameraExtent

    areas = pd.concat([two_squares(), two_squares().iloc[[0]].assign(area_id="none", name="Empty",
                                                                        geometry=[square_km(24.90, 60.17)])])
    areas = gpd.GeoDataFrame(areas, crs="EPSG:4326").assign(population=[1000.0, 1000.0, 0.0])
    extent = CameraExtent(shapely.box(24.89, 60.16, 24.955, 60.19), "a box")
    table = density_by_area(areas, cameras_at([(24.945, 60.174)]), extent=extent)
    layer = density_layer(table, "cameras_per_1000_residents", label="cameras per 1,000 residents")
    colours = {d["name"]: d["colour"] for d in layer.data}
    assert colours["Never looked at"] == NO_DATA_COLOUR
    assert colours["Empty"] == UNDEFINED_COLOUR  # looked at, but nobody lives there
    assert colours["Looked at"] not in (NO_DATA_COLOUR, UNDEFINED_COLOUR)
    assert {d["name"]: d["value"] for d in layer.data}["Never looked at"] == "no camera data"
    legend = density_legend(table, "cameras_per_1000_residents", label="cameras per 1,000 residents")
    texts = [text for _, text in legend]
    assert texts[0].startswith("0.00 (fewest)")
    assert texts[-3].endswith("cameras per 1,000 residents (most)")
    assert legend[-2] == (NO_DATA_COLOUR, "no camera data: outside the camera source's coverage (1 area)")
    assert legend[-1][0] == UNDEFINED_COLOUR


# --------------------------------------------------------------------------- hostile input (issue 12)


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


def test_areas_off_the_globe_are_refused_by_density() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["x"], "name": ["x"]},
                             geometry=[shapely.box(240, 160, 250, 170)], crs="EPSG:4326")
    with pytest.raises(AreaError, match=r"coordinates that are not longitude within ±180"):
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
