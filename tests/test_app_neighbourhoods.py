"""The Neighbourhoods page: runs, switches measure, resolution and area set, ranks areas, offers downloads."""

from __future__ import annotations

import json
from pathlib import Path

import h3
import pytest
from streamlit.testing.v1 import AppTest

from exposure import settings
from exposure.areas import density_by_area, read_areas
from exposure.datasets import load_dataset
from tests.app_pages import open_page, query, reload, visit

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "3_Neighbourhoods.py")


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def ranked(at: AppTest):
    (table,) = at.dataframe
    return table.value


def test_page_runs_and_ranks_hexagons(page: AppTest) -> None:
    table = ranked(page)
    assert table.columns[:3].tolist() == ["Area", "Area id", "Cameras per km²"]
    assert not table["Area"].str.contains("hex ").any()  # named after places, not a repeat of the id
    assert (table["Area"] != table["Area id"]).all()
    assert "Street (km)" in table.columns
    # hexagons mostly beyond the extract's box, holding no camera, have no camera data: ranked last, no figure
    no_data = ~table["Camera data (the source looked here)"]
    assert no_data.any()
    assert table["Cameras per km²"].isna().tolist() == no_data.tolist()
    assert no_data.tolist() == sorted(no_data.tolist())
    assert table["Cameras per km²"].dropna().is_monotonic_decreasing
    assert table["Cameras (count)"].sum() == 221
    captions = " ".join(c.value for c in page.caption)
    assert "policy **default**" in captions
    assert "no map tiles" in captions
    assert any("H3 hexagons at resolution 9" in i.value for i in page.info)
    assert not page.error


def test_measure_and_resolution_switch(page: AppTest) -> None:
    rows_9 = len(ranked(page))
    page.slider(key="nb_resolution").set_value(10).run()
    assert not page.exception
    assert len(ranked(page)) > rows_9
    page.radio(key="nb_measure").set_value("per_street_km").run()
    assert not page.exception
    table = ranked(page)
    assert table.columns[2] == "Cameras per km of street"
    assert table["Cameras per km of street"].dropna().is_monotonic_decreasing
    page.radio(key="nb_cameras").set_value("frt").run()
    assert ranked(page).columns[2] == "FRT-capable cameras per km of street"


def test_per_resident_without_population_is_explained(page: AppTest) -> None:
    page.radio(key="nb_measure").set_value("per_1000_residents").run()
    assert not page.exception
    assert any("no population figures" in i.value for i in page.info)
    assert ranked(page).columns[2] == "Cameras per km²"


def test_effective_cameras_measure(page: AppTest) -> None:
    page.radio(key="nb_measure").set_value("effective").run()
    assert not page.exception
    table = ranked(page)
    assert table.columns[2] == "Effective cameras (Amnesty)"
    assert table["Effective cameras (Amnesty)"].dropna().is_monotonic_decreasing
    assert table["Effective cameras (Amnesty)"].isna().tolist() == (~table["Camera data (the source looked here)"]
                                                                     ).tolist()
    # Helsinki maps 4 cameras on street furniture: their discs, overlaps once, are at most 4 cameras' worth
    assert table["Street-furniture cameras (count)"].sum() == 4
    assert 0 < table["Effective cameras (Amnesty)"].sum() <= 4 + 1e-9
    assert any("Effective cameras." in i.value and "120 m" in i.value for i in page.info)
    page.radio(key="nb_measure").set_value("effective_per_km2").run()
    assert ranked(page).columns[2] == "Effective cameras (Amnesty) per km²"
    page.radio(key="nb_cameras").set_value("frt").run()
    assert ranked(page).columns[2] == "FRT-capable effective cameras (Amnesty) per km²"
    page.radio(key="nb_measure").set_value("effective_per_1000_residents").run()
    assert any("no population figures" in i.value for i in page.info)  # hexagons have no residents
    assert not page.error


def test_osm_derived_areas_say_what_they_are(page: AppTest) -> None:
    page.radio(key="nb_source").set_value("osm").run()
    assert not page.exception
    table = ranked(page)
    assert {"Kluuvi", "Kaartinkaupunki", "Keskusta"} <= set(table["Area"])
    assert any("not official boundaries" in i.value for i in page.info)


def test_upload_source_waits_for_a_file(page: AppTest) -> None:
    page.radio(key="nb_source").set_value("upload").run()
    assert not page.exception
    assert any("Upload a GeoJSON" in i.value for i in page.info)
    assert not page.dataframe


def test_upload_path_engine(tmp_path) -> None:
    """What the page does with an upload (AppTest cannot fill a file_uploader)."""
    fc = {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"nimi": "Keskusta", "asukkaat": 2000},
        "geometry": {"type": "Polygon", "coordinates": [[[24.935, 60.164], [24.954, 60.164], [24.954, 60.18],
                                                         [24.935, 60.18], [24.935, 60.164]]]}}]}
    ds = load_dataset("helsinki")
    ctx = ds.context()
    areas = read_areas(json.dumps(fc).encode(), source_name="upload.geojson")
    table = density_by_area(areas, ds.cameras, counted=ctx.exposure.counted, frt=ctx.exposure.frt, index=ds.index)
    assert table.loc[0, "name"] == "Keskusta"
    assert table.loc[0, "cameras"] == 221
    assert table.loc[0, "cameras_per_1000_residents"] == pytest.approx(221 / 2)


DISTRICTS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"nimi": "West", "asukkaat": 2000},
     "geometry": {"type": "Polygon", "coordinates": [[[24.935, 60.164], [24.944, 60.164], [24.944, 60.18],
                                                      [24.935, 60.18], [24.935, 60.164]]]}},
    {"type": "Feature", "properties": {"nimi": "East", "asukkaat": 1000},
     "geometry": {"type": "Polygon", "coordinates": [[[24.944, 60.164], [24.954, 60.164], [24.954, 60.18],
                                                      [24.944, 60.18], [24.944, 60.164]]]}},
    {"type": "Feature", "properties": {"nimi": "A point"},
     "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}},
]}


def test_upload_through_the_page(page: AppTest) -> None:
    page.radio(key="nb_source").set_value("upload").run()
    if not hasattr(page.file_uploader(key="nb_upload"), "set_value"):  # pragma: no cover - older Streamlit
        pytest.skip("this Streamlit's AppTest cannot fill a file_uploader; test_upload_path_engine covers it")
    page.file_uploader(key="nb_upload").set_value(
        ("districts.geojson", json.dumps(DISTRICTS).encode(), "application/geo+json")).run()
    assert not page.exception
    assert any("feature 3: a Point, not a polygon" in w.value for w in page.warning)
    page.radio(key="nb_measure").set_value("per_1000_residents").run()
    table = ranked(page)
    assert set(table["Area"]) == {"West", "East"}
    assert "Cameras per 1,000 residents" in table.columns
    assert "Residents (count)" in table.columns
    assert table["Cameras (count)"].sum() == 221


def test_unreadable_upload_is_an_error_not_a_traceback(page: AppTest) -> None:
    page.radio(key="nb_source").set_value("upload").run()
    if not hasattr(page.file_uploader(key="nb_upload"), "set_value"):  # pragma: no cover - older Streamlit
        pytest.skip("this Streamlit's AppTest cannot fill a file_uploader")
    page.file_uploader(key="nb_upload").set_value(("bad.geojson", b"{oops", "application/geo+json")).run()
    assert not page.exception
    assert any("bad.geojson: cannot read areas" in e.value for e in page.error)


@pytest.fixture
def bounded_polyfill(monkeypatch):
    """Fail at once, instead of filling the machine's memory, if hexagons are asked for over more than a city."""
    fill = h3.h3shape_to_cells

    def guarded(shape, res):
        lats, lons = zip(*shape.outer, strict=True)
        if max(lons) - min(lons) > 2 or max(lats) - min(lats) > 2:
            raise AssertionError(f"hexagons asked for over {min(lons):.1f}..{max(lons):.1f} degrees of longitude")
        return fill(shape, res)

    monkeypatch.setattr(h3, "h3shape_to_cells", guarded)


def brooklyn_in_use(shared_data) -> AppTest:
    """The first user's path: the Brooklyn file on Camera data, used on every page, then Neighbourhoods."""
    data = (shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv").read_bytes()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page(str(ROOT / "pages" / "4_Camera_data.py")).run()
    at.file_uploader(key="cam_file").set_value(("brooklyn.csv", data, "text/csv")).run()
    at.button(key="cam_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def view_of(at: AppTest) -> dict:
    return json.loads(at.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]


@pytest.mark.usefixtures("bounded_polyfill")
def test_cameras_of_another_city_are_counted_where_they_are_not_in_a_box_spanning_continents(shared_data) -> None:
    at = brooklyn_in_use(shared_data)
    assert at.title[0].value == "Neighbourhoods"
    assert at.slider(key="nb_resolution").value == 9
    notice = " ".join(i.value for i in at.info)
    assert ("9,216 of the uploaded cameras from **brooklyn.csv** (9,216) lie outside the streets of "
            "**helsinki**, so the areas here count them where they are") in notice
    # every area set the product has in New York, offline; no OSM cells of Helsinki's extract, nothing per street
    assert {"Hexagons (H3)", "Neighbourhoods (2020 NTAs)", "Community districts", "Council districts",
            "Police precincts", "Boroughs", "Upload GeoJSON"} == set(at.radio(key="nb_source").options)
    assert "Cameras per km of street" not in at.radio(key="nb_measure").options
    table = ranked(at)
    assert 1000 < len(table) < 5000  # Brooklyn's hexagons, not Helsinki's 33, nor the Atlantic's
    assert table["Cameras (count)"].sum() == 9216
    covered = table["Camera data (the source looked here)"]
    assert 0 < (~covered).sum() < covered.sum()  # the water and Queens around Brooklyn: no data
    # named after the neighbourhood they lie in (a hexagon over the water has only its id)
    assert table.loc[covered, "Area"].str.startswith("in ").mean() > 0.95
    view = view_of(at)  # the map is framed to the cameras in use
    assert -74.05 < view["longitude"] < -73.85
    assert 40.57 < view["latitude"] < 40.74
    assert view["zoom"] > 9


def test_new_york_areas_count_another_citys_cameras_with_their_residents(shared_data) -> None:
    at = brooklyn_in_use(shared_data)
    at.radio(key="nb_source").set_value("nyc-nta").run()
    assert not at.exception, [e.value for e in at.exception]
    table = ranked(at)
    assert len(table) == 262
    assert int(table["Camera data (the source looked here)"].sum()) == 69  # Brooklyn's NTAs; the rest no data
    assert table["Cameras (count)"].sum() == 9216
    assert any("193 of 262 areas have no camera data" in w.value for w in at.warning)
    at.radio(key="nb_measure").set_value("per_1000_residents").run()
    assert ranked(at).columns[2] == "Cameras per 1,000 residents"
    assert not at.info or not any("no population figures" in i.value for i in at.info)
    view = view_of(at)  # Brooklyn, not the five boroughs
    assert -74.05 < view["longitude"] < -73.85
    at.radio(key="nb_source").set_value("nyc-precinct").run()
    assert not at.exception, [e.value for e in at.exception]
    assert ranked(at)["Area"].str.startswith("Precinct ").all()


@pytest.mark.usefixtures("bounded_polyfill")
def test_big_hexagons_at_brooklyns_edge_are_no_data_not_zero(shared_data) -> None:
    at = brooklyn_in_use(shared_data)
    at.slider(key="nb_resolution").set_value(7).run()
    assert not at.exception, [e.value for e in at.exception]
    table = ranked(at)
    no_data = ~table["Camera data (the source looked here)"]
    assert no_data.any()
    assert table.loc[no_data, "Cameras (count)"].isna().all()
    assert table["Cameras (count)"].sum() == 9216
    # what is left at 0 lies mostly in Brooklyn, where the volunteers looked
    assert (table["Cameras (count)"] == 0).sum() <= 2


def test_a_limit_is_a_message_naming_it(page: AppTest, monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_h3_cells", 50)
    page.slider(key="nb_resolution").set_value(10).run()
    assert not page.exception
    assert any("exposure.settings.max_h3_cells" in e.value for e in page.error)


def test_measures_are_named_as_written(page: AppTest) -> None:
    options = page.radio(key="nb_measure").options
    assert "Effective cameras (Amnesty)" in options  # str.capitalize made it "(amnesty)"
    assert not any("(amnesty)" in o for o in options)


def test_choices_hold_across_another_page_and_a_reload() -> None:
    at = open_page("3_Neighbourhoods.py", timeout=60).run()
    at.slider(key="nb_resolution").set_value(8).run()
    at.radio(key="nb_measure").set_value("per_street_km").run()
    at.radio(key="nb_cameras").set_value("frt").run()
    assert not at.exception, [e.value for e in at.exception]
    shown = ranked(at)
    visit(at, "1_Overview.py")
    visit(at, "3_Neighbourhoods.py")
    assert not at.exception, [e.value for e in at.exception]
    chosen = {k: getattr(at, w)(key=k).value for k, w in (
        ("nb_source", "radio"), ("nb_resolution", "slider"), ("nb_measure", "radio"), ("nb_cameras", "radio"))}
    assert chosen == {"nb_source": "h3", "nb_resolution": 8, "nb_measure": "per_street_km", "nb_cameras": "frt"}
    assert ranked(at).equals(shown)
    assert {k: query(at, k) for k in ("areas", "measure", "cameras", "h3")} == {
        "areas": "h3", "measure": "per_street_km", "cameras": "frt", "h3": "8"}
    again = reload(at, "3_Neighbourhoods.py")
    assert not again.exception, [e.value for e in again.exception]
    assert again.slider(key="nb_resolution").value == 8
    assert again.radio(key="nb_measure").value == "per_street_km"
    assert again.radio(key="nb_cameras").value == "frt"
    assert ranked(again).equals(shown)


def test_a_link_with_choices_it_cannot_read_opens_the_defaults() -> None:
    at = open_page("3_Neighbourhoods.py", timeout=60, areas="atlantis", measure="nope", h3="fine", cameras="x").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="nb_source").value == "h3"
    assert at.radio(key="nb_measure").value == "per_km2"
    assert at.radio(key="nb_cameras").value == "counted"
    assert at.slider(key="nb_resolution").value == 9
    beyond = open_page("3_Neighbourhoods.py", timeout=60, h3="99").run()
    assert beyond.slider(key="nb_resolution").value == 10  # brought within 7..10


def test_an_uploaded_area_file_holds_across_another_page_and_a_reload() -> None:
    at = open_page("3_Neighbourhoods.py", timeout=60).run()
    at.radio(key="nb_source").set_value("upload").run()
    at.file_uploader(key="nb_upload").set_value(
        ("districts.geojson", json.dumps(DISTRICTS).encode(), "application/geo+json")).run()
    assert set(ranked(at)["Area"]) == {"West", "East"}
    visit(at, "2_Route_planner.py")
    visit(at, "3_Neighbourhoods.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="nb_source").value == "upload"
    assert set(ranked(at)["Area"]) == {"West", "East"}
    assert "**districts.geojson**, uploaded before" in " ".join(c.value for c in at.caption)
    again = reload(at, "3_Neighbourhoods.py")
    assert set(ranked(again)["Area"]) == {"West", "East"}
    assert "districts" not in " ".join(str(query(again, k)) for k in again.query_params)
    # a file removed from the uploader is forgotten
    again.file_uploader(key="nb_upload").set_value(
        ("districts.geojson", json.dumps(DISTRICTS).encode(), "application/geo+json")).run()
    again.file_uploader(key="nb_upload").clear().run()
    assert not again.dataframe


def test_new_york_areas_kept_from_other_cameras_give_way_to_the_first_offered(shared_data) -> None:
    at = brooklyn_in_use(shared_data)
    at.radio(key="nb_source").set_value("nyc-nta").run()
    at.radio(key="nb_measure").set_value("per_1000_residents").run()
    visit(at, "4_Camera_data.py")
    at.button(key="cam_reset").click().run()  # back to Helsinki's own cameras: no New York area set offered
    visit(at, "3_Neighbourhoods.py")
    assert not at.exception, [e.value for e in at.exception]
    assert "nyc-nta" not in at.radio(key="nb_source").options
    assert at.radio(key="nb_source").value == "h3"
    assert at.radio(key="nb_measure").value == "per_1000_residents"  # still a measure these areas have
    assert query(at, "areas") == "h3"
