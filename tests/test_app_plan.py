"""The Protest plan page: plans gathering points to a site, avoids areas, loads plans and points, offers files."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages import open_page, visit


@pytest.fixture
def page() -> AppTest:
    at = open_page("7_Protest_plan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plan_three(at: AppTest) -> AppTest:
    at.text_input(key="pp_site").set_value("Senaatintori").run()
    at.text_area(key="pp_gathering").set_value("Rautatientori\nNarinkkatori\nMarket | 60.1674,24.9518").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frame(at: AppTest, column: str):
    """The first table with this column (AppTest does not find tables by key)."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def table(at: AppTest):
    return frame(at, "Avoids everything asked")


def downloads(at: AppTest) -> list[str]:
    return [b.label for b in at.get("download_button")]


def test_page_asks_for_a_site_first(page: AppTest) -> None:
    assert any("Choose the site" in i.value for i in page.info)
    assert "policy **default**" in " ".join(c.value for c in page.caption)


def test_three_gathering_points_to_a_square(page: AppTest) -> None:
    at = plan_three(page)
    rows = table(at)
    assert rows["Route"].tolist()[:3] == ["Rautatientori → Senaatintori", "Narinkkatori → Senaatintori",
                                          "Market → Senaatintori"]
    assert rows["Route"].iloc[3] == "All ways in (3)"
    assert rows["FRT cameras"].iloc[3] <= rows["FRT cameras"].iloc[:3].sum()
    assert (rows["Avoids everything asked"] == "yes").all()
    assert "3 route(s) planned" in at.success[0].value
    assert downloads(at) == ["GPX (phones)", "KML", "GeoJSON", "Plan file (JSON, to load again or pass on)"]
    at.button(key="pp_cards_make").click().run()
    assert "Route cards (PDF, one page per route)" in downloads(at)
    assert len(frame(at, "Walk from the site (m)")) > 0


def test_an_avoided_area_and_an_impossible_request(page: AppTest) -> None:
    at = plan_three(page)
    before = table(at)["Length (m)"].iloc[0]
    at.text_input(key="pp_avoid_centre").set_value("60.1700,24.9450").run()
    at.text_input(key="pp_avoid_name").set_value("HQ").run()
    at.button(key="pp_avoid_add").click().run()
    assert not at.exception
    assert table(at)["Length (m)"].iloc[0] > before  # Rautatientori's way in now goes round HQ
    assert "HQ" in at.multiselect(key="pp_areas_keep_1").options
    # a ring round the site: nothing can reach it, so the page says so and offers the least-bad routes
    at.text_input(key="pp_avoid_centre").set_value("Senaatintori").run()
    at.number_input(key="pp_avoid_radius").set_value(60).run()
    at.text_input(key="pp_avoid_name").set_value("Kettle").run()
    at.button(key="pp_avoid_add").click().run()
    assert not at.exception
    assert "No route avoids everything you asked" in at.error[0].value
    assert "enters the avoided area 'Kettle'" in at.error[0].value
    assert (table(at)["Avoids everything asked"].iloc[:3] == "NO (least bad)").all()


def test_no_frt_cameras_and_via_points(page: AppTest) -> None:
    at = page
    at.text_input(key="pp_site").set_value("Senaatintori").run()
    at.text_area(key="pp_gathering").set_value("Kauppatori").run()
    at.text_area(key="pp_via").set_value("Esplanadi").run()
    at.text_area(key="pp_dispersal").set_value("Kappeli").run()
    at.checkbox(key="pp_no_frt").check().run()
    assert not at.exception
    rows = table(at)
    assert rows["Route"].tolist()[:2] == ["Kauppatori → Senaatintori via Esplanadi", "Senaatintori → Kappeli"]
    assert len(frame(at, "Leg")) == 2


def test_load_a_saved_plan_and_upload_points(page: AppTest, tmp_path) -> None:
    saved = {"schema": "exposure-plan", "schema_version": 1, "request": {
        "dataset": "helsinki", "site": {"name": "Senate Square", "lat": 60.16936, "lon": 24.95213},
        "gathering": [{"name": "Station", "lat": 60.17077, "lon": 24.94264}],
        "dispersal": [], "via": [], "objective": "least-time-in-view", "max_detour": 0.3, "regroup_radius_m": 0,
        "avoid": {"areas": {"type": "FeatureCollection", "features": []}, "cameras": ["osm:node/316412602"],
                  "no_frt_cameras": False}}}
    at = page
    at.file_uploader(key="pp_load").upload("plan.json", json.dumps(saved).encode(), "application/json").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="pp_site").value.startswith("Senate Square | 60.16936")
    assert at.radio(key="pp_objective").value == "least-time-in-view"
    assert at.slider(key="pp_detour").value == 30
    assert at.multiselect(key="pp_avoid_cameras").value == ["osm:node/316412602"]
    assert table(at)["Route"].iloc[0] == "Station → Senate Square"
    assert any("Loaded plan.json" in i.value for i in at.info)
    csv = b"name,lat,lon\nKauppatori,60.16741,24.95176\nBroken,x,1\n"
    at.file_uploader(key="pp_points_upload").upload("points.csv", csv, "text/csv").run()
    assert not at.exception
    assert at.text_area(key="pp_gathering").value.splitlines()[-1].startswith("Kauppatori | 60.16741")
    assert any("row 3 left out" in w.value for w in at.warning)
    assert len(table(at)) == 3  # two ways in and their total


def test_a_bad_plan_file_and_an_unknown_place_are_messages(page: AppTest) -> None:
    at = page
    at.file_uploader(key="pp_load").upload("plan.json", b'{"schema": "other"}', "application/json").run()
    assert not at.exception
    assert "not a plan file" in at.error[0].value
    at.text_input(key="pp_site").set_value("Senaatintori").run()
    at.text_area(key="pp_gathering").set_value("Senaattori").run()
    assert not at.exception
    assert any("Gathering point 1 'Senaattori'" in e.value and "Close matches" in e.value for e in at.error)


def test_a_preset_picked_is_its_name_and_place(page: AppTest) -> None:
    at = page
    at.selectbox(key="pp_site_pick").set_value("★ Senaatintori (Senate Square)").run()
    assert at.text_input(key="pp_site").value == "Senaatintori (Senate Square) | 60.169360,24.952130"
    at.selectbox(key="pp_gathering_pick").set_value("★ Kauppatori (Market Square)").run()
    assert not at.exception, [e.value for e in at.exception]
    assert table(at)["Route"].iloc[0] == "Kauppatori (Market Square) → Senaatintori (Senate Square)"


def test_a_broken_presets_file_is_a_message_not_a_crash(tmp_path, monkeypatch) -> None:
    from exposure import settings

    (tmp_path / "helsinki.csv").write_text("title,where\nA,B\n")
    monkeypatch.setattr(settings, "presets_folder", tmp_path)
    at = open_page("7_Protest_plan.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("lacks the column(s) name, lat, lon" in e.value for e in at.error)
    assert not [o for o in at.selectbox(key="pp_site_pick").options if o.startswith("★")]


def test_a_misspelt_gathering_point_is_flagged_and_the_others_are_planned(page: AppTest) -> None:
    at = page
    at.text_input(key="pp_site").set_value("Senaatintori").run()
    at.text_area(key="pp_gathering").set_value("Rautatientori\nRautatientoro\nNarinkkatori").run()
    assert not at.exception, [e.value for e in at.exception]
    assert table(at)["Route"].tolist()[:2] == ["Rautatientori → Senaatintori", "Narinkkatori → Senaatintori"]
    assert any(e.value.startswith("Gathering point 2 'Rautatientoro': ") for e in at.error)
    assert frame(at, "Not planned because")["Point"].tolist() == ["2. Rautatientoro"]


def test_the_avoided_area_is_kept_first_and_the_keep_order_is_a_control(page: AppTest) -> None:
    at = page
    at.text_input(key="pp_site").set_value("Senaatintori (Senate Square)").run()
    at.text_area(key="pp_gathering").set_value("Rautatientori (Railway Square)").run()
    at.text_area(key="pp_via").set_value("Esplanadi park").run()
    at.text_input(key="pp_avoid_centre").set_value("60.1700,24.9450").run()
    at.number_input(key="pp_avoid_radius").set_value(80).run()
    at.button(key="pp_avoid_add").click().run()
    at.checkbox(key="pp_no_frt").check().run()
    assert not at.exception, [e.value for e in at.exception]
    said = at.error[0].value
    assert "relaxes no FRT cameras (then the fewest)" in said
    assert "enters the avoided area" not in said
    assert at.multiselect(key="pp_keep_order").value == ["avoided-areas", "avoided-cameras", "no-frt-cameras",
                                                         "max-detour"]
    at.multiselect(key="pp_keep_order").set_value(["no-frt-cameras", "avoided-areas"]).run()
    assert not at.exception, [e.value for e in at.exception]
    assert table(at)["Avoids everything asked"].iloc[0] == "NO (least bad)"


def test_a_saved_keep_order_comes_back(page: AppTest) -> None:
    saved = {"schema": "exposure-plan", "schema_version": 2, "request": {
        "dataset": "helsinki", "site": {"name": "Senate Square", "lat": 60.16936, "lon": 24.95213},
        "gathering": [{"name": "Station", "lat": 60.17077, "lon": 24.94264}], "keep_order": ["max-detour"]}}
    at = page
    at.file_uploader(key="pp_load").upload("plan.json", json.dumps(saved).encode(), "application/json").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="pp_keep_order").value == ["max-detour", "avoided-areas", "avoided-cameras",
                                                         "no-frt-cameras"]


def test_the_plan_holds_while_another_page_is_visited(page: AppTest) -> None:
    at = plan_three(page)
    at.slider(key="pp_detour").set_value(30).run()
    rows = table(at)
    visit(at, "3_Neighbourhoods.py")
    assert at.title[0].value == "Neighbourhoods"
    visit(at, "7_Protest_plan.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.text_input(key="pp_site").value == "Senaatintori"
    assert at.slider(key="pp_detour").value == 30
    assert table(at).equals(rows)


def test_the_map_is_framed_to_the_plan_and_its_points_routes_and_cameras_have_a_legend(page: AppTest) -> None:
    before = json.loads(page.get("deck_gl_json_chart")[0].proto.json)["initialViewState"]
    at = plan_three(page)
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = spec["initialViewState"]
    assert view["zoom"] > before["zoom"]  # closer than the whole dataset: the plan fills the map
    scale = 512 * 2 ** view["zoom"] / 360  # pixels per degree of longitude
    marks = next(layer for layer in spec["layers"] if any("site point" in str(d.get("tooltip")) for d in
                                                         layer.get("data", [])[:1]))
    for d in marks["data"]:  # every point of the plan on the map (700 px wide at the narrowest)
        assert abs(d["lon"] - view["longitude"]) * scale < 350, d["tooltip"]
    said = " ".join(m.value for m in at.markdown)
    for words in ("site point", "gathering point", "regroup point", "camera, high FRT tier", "camera, medium FRT tier",
                  "street point clicked"):
        assert words in said, words
    (pills,) = [w for w in at.get("button_group") if w.key.startswith("pp_legend_")]
    assert pills.options == ["Rautatientori → Senaatintori", "Narinkkatori → Senaatintori", "Market → Senaatintori"]
    pills.set_value([2]).run()
    routes = next(layer for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
                  if layer.get("id") == "routes")
    assert [d["colour"][3] for d in routes["data"] if not d["casing"]] == [70, 70, 255]
