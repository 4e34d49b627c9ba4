"""Every page runs in Streamlit's AppTest without an exception, and shows what it counted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages import open_page, visit

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted(p.name for p in (ROOT / "pages").glob("[!_]*.py"))


@pytest.fixture
def per_kind(monkeypatch):
    """Today's coverage model (per-kind discs, no walls) in force: these tests assert the figures it gives.

    The sidebar starts at ``settings.coverage_model`` (a session's first run), so the pages count under it;
    the app's caches are emptied before and after, so that no figure of another model is reused.
    """
    import streamlit as st

    from exposure import settings

    monkeypatch.setattr(settings, "coverage_model", "per-kind")
    st.cache_resource.clear()
    yield
    st.cache_resource.clear()


def test_the_entry_runs() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("page", PAGES)
def test_page_runs(page: str) -> None:
    at = open_page(page, timeout=60).run()  # as a browser opens the page's own address
    assert not at.exception, [e.value for e in at.exception]


def test_overview_figures_and_policy_switch() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cameras counted"] == "221"
    assert "policy **default**" in " ".join(c.value for c in at.caption)
    at.sidebar.selectbox(key="side_frt_policy").set_value("strict-ptz-dome").run()
    assert not at.exception
    strict = {m.label: m.value for m in at.metric}
    assert int(strict["FRT-capable"]) < 221
    assert "policy **strict-ptz-dome**" in " ".join(c.value for c in at.caption)


def test_uniform_radius_changes_share() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    before = {m.label: m.value for m in at.metric}["Street length in view of FRT cameras"]
    at.sidebar.checkbox(key="side_uniform").check().run()
    at.sidebar.number_input(key="side_radius").set_value(10.0).run()
    after = {m.label: m.value for m in at.metric}["Street length in view of FRT cameras"]
    assert float(after.rstrip(" %")) < float(before.rstrip(" %"))
    assert "uniform 10 m discs" in " ".join(c.value for c in at.caption)


def planner() -> AppTest:
    return open_page("2_Route_planner.py")


def test_route_planner_by_name_shows_the_comparison(per_kind) -> None:
    at = planner().run()
    at.selectbox(key="rp_origin").set_value("Rautatientori").run()
    at.selectbox(key="rp_destination").set_value("Kauppatori").run()
    assert not at.exception
    table = at.table[0].value
    assert table["Route"].iloc[0] == "shortest"
    assert (table["FRT cameras"] <= table["FRT cameras"].iloc[0]).all()
    assert {"Length (m)", "Walk (min)", "In view of FRT cameras (m)", "Proven optimal"} <= set(table.columns)
    assert "fewer FRT camera" in at.success[0].value
    assert at.query_params["origin"] == ["Rautatientori"] or at.query_params["origin"] == "Rautatientori"


def test_route_planner_picks_a_protest_site_preset_and_changes_objective() -> None:
    at = planner().run()
    at.selectbox(key="rp_origin").set_value("Rautatientori").run()
    at.selectbox(key="rp_destination").set_value("★ Senaatintori (Senate Square)").run()
    assert at.selectbox(key="rp_destination").value == "★ Senaatintori (Senate Square)"
    at.radio(key="rp_objective").set_value("least-time-in-view").run()
    assert not at.exception
    assert len(at.table[0].value) >= 1


def test_the_banner_follows_the_objective_chosen() -> None:
    """With "least time in view" the banner praises the route least in view, not the one past fewest cameras."""
    from exposure.datasets import load_dataset
    from exposure.routing import compare_with_shortest, routes

    ds = load_dataset("helsinki")
    found = routes(ds.context(), ds.resolve("Narinkkatori").node, ds.resolve("Senaatintori").node,
                   objective="least-time-in-view", max_detour=0.5, alternatives=2)
    shortest, least = found[0], found[1]
    fewest = min(found, key=lambda r: (r.frt_cameras, r.length_m))
    assert least.objective == "least-time-in-view"
    assert fewest.metres_in_view > least.metres_in_view  # the pair shows the difference
    at = open_page("2_Route_planner.py", origin="Narinkkatori", destination="Senaatintori",
                   objective="least-time-in-view").run()
    assert not at.exception, [e.value for e in at.exception]
    (banner,) = at.success
    assert banner.value == f"**Least time in view**: {compare_with_shortest(least, shortest)}."
    assert f"{shortest.metres_in_view - least.metres_in_view:,.0f} m less in view" in banner.value
    at.radio(key="rp_objective").set_value("fewest-cameras").run()
    assert at.success[0].value.startswith("**Fewest cameras**: ")
    at.radio(key="rp_objective").set_value("shortest").run()
    assert not at.success  # nothing was looked for beyond the shortest: no "already passes the fewest"
    assert any("Choose another objective" in i.value for i in at.info)


def test_the_route_legend_picks_the_routes_drawn_bright_and_leaves_the_others_faint(per_kind) -> None:
    # today's per-kind discs give this trip a route besides the shortest (under dori-typical both are one)
    at = open_page("2_Route_planner.py", origin="Rautatientori", destination="Kauppatori").run()
    assert not at.exception, [e.value for e in at.exception]
    labels = list(at.table[0].value["Route"])
    (pills,) = [w for w in at.get("button_group") if w.key.startswith("rp_legend_")]
    assert pills.options == labels  # in the table's order, each pill in its route's colour

    def drawn(page: AppTest) -> dict[str, tuple[int, bool]]:
        spec = json.loads(page.get("deck_gl_json_chart")[0].proto.json)
        (layer,) = [x for x in spec["layers"] if x.get("id") == "routes"]
        lines = [d for d in layer["data"] if not d["casing"]]
        return {d["tooltip"].split(":")[0]: (d["colour"][3], any(c["casing"] and c["tooltip"] == d["tooltip"]
                                                                 for c in layer["data"])) for d in lines}

    assert drawn(at) == dict.fromkeys(labels, (255, True))
    pills.set_value([1]).run()  # the objective's route alone
    shown = drawn(at)
    assert shown[labels[1]] == (255, True)
    assert all(shown[label] == (70, False) for label in labels if label != labels[1])


def test_a_preset_keeps_its_name_in_the_box_the_title_and_the_link() -> None:
    at = planner().run()
    at.selectbox(key="rp_origin").set_value("★ Narinkkatori (Kamppi)").run()
    at.selectbox(key="rp_destination").set_value("Kauppatori").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="rp_origin").value == "★ Narinkkatori (Kamppi)"  # not 60.169340,24.936280
    assert at.subheader[0].value == "Narinkkatori (Kamppi) → Kauppatori"
    origin = at.query_params["origin"]
    assert (origin[0] if isinstance(origin, list) else origin) == "★ Narinkkatori (Kamppi)"
    # the link, and the label typed as shown (with or without the ★), find the same place
    for typed in ("★ Narinkkatori (Kamppi)", "Narinkkatori (Kamppi)"):
        shared = planner()
        shared.query_params.update(origin=typed, destination="Kauppatori")
        shared.run()
        assert not shared.exception, [e.value for e in shared.exception]
        assert shared.selectbox(key="rp_origin").value == "★ Narinkkatori (Kamppi)"
        assert shared.subheader[0].value == "Narinkkatori (Kamppi) → Kauppatori"


def test_route_planner_says_how_far_from_optimal_a_route_not_proven_may_be(monkeypatch) -> None:
    from exposure import settings

    # no time at all on a 1.4 km trip (tests/test_routing.py's nodes 50 → 1227): the search cannot prove it
    monkeypatch.setattr(settings, "interactive_time_limit_s", 0.0)
    at = planner()
    at.query_params.update(origin="60.1694636,24.937189", destination="60.1749693,24.9469156")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.table[0].value
    said = [v for v in table["Proven optimal"] if v.startswith("not proven")]
    assert said, table["Proven optimal"].tolist()
    assert all(v.startswith("not proven (0 s limit): ") and "FRT camera" in v for v in said)
    assert any("at least" in v and "this route has" in v and "(gap " in v for v in said), said


def test_one_place_box_takes_lat_lon_too() -> None:
    at = planner().run()
    assert [s.key for s in at.selectbox if s.key and s.key.startswith("rp_")] == ["rp_origin", "rp_destination"]
    assert not [t for t in at.text_input if t.key and t.key.startswith("rp_")]
    # AppTest cannot type a new option into a select box (the browser test does): a link carries one
    at = planner()
    at.query_params.update(origin="60.17077,24.94264", destination="Kauppatori (Market Square)")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="rp_origin").value == "60.17077,24.94264"
    assert at.subheader[0].value == "60.17077, 24.94264 → Kauppatori (Market Square)"


def test_route_planner_restores_state_from_the_url() -> None:
    at = planner()
    at.query_params["origin"] = "Senaatintori"
    at.query_params["destination"] = "Narinkkatori"
    at.query_params["objective"] = "shortest"
    at.query_params["detour"] = "30"
    at.run()
    assert not at.exception
    assert at.selectbox(key="rp_origin").value == "Senaatintori"
    assert at.slider(key="rp_detour").value == 30
    assert at.table[0].value["Route"].iloc[0] == "shortest"


def test_route_planner_unknown_place_is_a_message_not_a_traceback() -> None:
    at = planner()  # typed text that is not a name reaches the page as a link would bring it
    at.query_params.update(origin="Senaattori", destination="Kauppatori")
    at.run()
    assert not at.exception
    assert "Close matches" in at.error[0].value


def test_route_planner_audit_mode_runs() -> None:
    at = planner().run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    assert not at.exception


def test_route_planner_audit_says_when_a_walk_is_outside_the_dataset(shared_data) -> None:
    at = planner().run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    walk = (shared_data / "jyvaskyla" / "walk1.gpx").read_bytes()
    at.file_uploader(key="rp_track").upload("walk1.gpx", walk, "application/gpx+xml").run()
    assert not at.exception
    assert "outside helsinki's streets: no route comparison is possible there" in " ".join(i.value for i in at.info)
    assert {m.label: m.value for m in at.metric}["FRT-capable cameras"] == "0"
    # Helsinki's cameras say nothing about a walk in Jyväskylä: no data, not zero cameras
    assert "No camera data covers this walk" in " ".join(w.value for w in at.warning)


def test_route_planner_audit_with_the_cameras_of_the_place_gives_one_answer(shared_data) -> None:
    # upload the Jyväskylä cameras, use them on every page, audit walk1 on the Route planner
    from exposure.cameras import load_cameras, load_extent

    load = load_cameras(shared_data / "jyvaskyla" / "cameras.csv")
    at = planner()
    at.session_state["uploaded_cameras"] = {"cameras": load.cameras, "rejected": load.rejected,
                                            "source": "cameras.csv", "extent": load_extent(load), "memo": {}}
    at.run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    walk = (shared_data / "jyvaskyla" / "walk1.gpx").read_bytes()
    at.file_uploader(key="rp_track").upload("walk1.gpx", walk, "application/gpx+xml").run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert int(metrics["FRT-capable cameras"]) > 0
    said = " ".join(x.value for x in [*at.info, *at.warning])
    assert "none of its cameras are counted" not in said
    assert "No camera data" not in said
    assert "no route comparison is possible there" in said
    (cameras,) = [d.value for d in at.dataframe if "Camera" in d.value.columns]
    assert len(cameras) >= int(metrics["FRT-capable cameras"])  # every camera met, FRT-capable or not
    assert "camera_id" not in cameras.columns


def test_route_planner_says_when_no_camera_is_counted() -> None:
    at = planner()
    at.query_params.update(origin="Rautatientori", destination="Kauppatori")
    at.run()
    at.sidebar.selectbox(key="side_verification").set_value("verified").run()
    assert not at.exception, [e.value for e in at.exception]
    assert (at.table[0].value["FRT cameras"] == 0).all()
    assert "0 of 221 cameras are counted: none is verified" in " ".join(w.value for w in at.warning)
    assert not at.success  # never "the shortest already passes the fewest" when nothing is counted


def test_route_planner_audit_says_what_the_walk_could_have_avoided(per_kind) -> None:
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import shortest_route

    ds = load_dataset("helsinki")
    ctx = ds.context()
    walked = shortest_route(ctx, ds.resolve("Narinkkatori").node, ds.resolve("Senaatintori").node)
    at = planner().run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    at.file_uploader(key="rp_track").upload("walk.gpx", routes_to_gpx([walked]).encode(),
                                             "application/gpx+xml").run()
    assert not at.exception, [e.value for e in at.exception]
    assert "What could I have avoided?" in [h.value for h in at.subheader]
    said = " ".join(m.value for m in at.markdown)
    assert f"**Your walk**: {walked.frt_cameras} FRT cameras" in said
    assert "your walk: your walk" not in said.lower()
    assert "fewer FRT cameras were possible" in said or "1 fewer FRT camera was possible" in said
    assert "FRT policy" in " ".join(c.value for c in at.caption)


def test_route_planner_offers_kml_and_route_cards() -> None:
    at = planner().run()
    at.selectbox(key="rp_origin").set_value("Rautatientori").run()
    at.selectbox(key="rp_destination").set_value("Kauppatori").run()
    labels = [b.label for b in at.get("download_button")]
    assert "Download KML" in labels
    at.button(key="rp_cards_make").click().run()
    assert not at.exception
    assert "Download route cards (PDF)" in [b.label for b in at.get("download_button")]


def test_sidebar_choices_hold_on_every_page_and_go_into_the_address() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    at.sidebar.selectbox(key="side_verification").set_value("verified").run()
    at.sidebar.selectbox(key="side_frt_policy").set_value("all").run()
    at.sidebar.checkbox(key="side_uniform").check().run()
    at.sidebar.number_input(key="side_radius").set_value(40.0).run()
    for page, title in (("3_Neighbourhoods.py", "Neighbourhoods"), ("2_Route_planner.py", "Route planner"),
                        ("1_Overview.py", "Surveillance exposure map")):
        visit(at, page)  # the navigation clears the address: the sidebar writes its choices back
        assert not at.exception, [e.value for e in at.exception]
        assert at.title[0].value == title
        assert at.sidebar.selectbox(key="side_verification").value == "verified", page
        assert at.sidebar.selectbox(key="side_frt_policy").value == "all", page
        assert at.sidebar.checkbox(key="side_uniform").value is True, page
        assert at.sidebar.number_input(key="side_radius").value == 40.0, page
        assert "uniform 40 m discs" in " ".join(c.value for c in at.caption), page
        address = {k: at.query_params[k] for k in ("dataset", "frt_policy", "verification", "radius_m")}
        assert {k: v[0] if isinstance(v, list) else v for k, v in address.items()} == {
            "dataset": "helsinki", "frt_policy": "all", "verification": "verified", "radius_m": "40"}, page
    at.sidebar.checkbox(key="side_uniform").uncheck().run()
    assert "radius_m" not in at.query_params


def test_sidebar_choices_are_read_from_the_address() -> None:
    at = open_page("3_Neighbourhoods.py", timeout=60, dataset="helsinki", frt_policy="strict-ptz-dome",
                   verification="majority", radius_m="120").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="side_frt_policy").value == "strict-ptz-dome"
    assert at.sidebar.selectbox(key="side_verification").value == "majority"
    assert at.sidebar.number_input(key="side_radius").value == 120.0
    assert "policy **strict-ptz-dome**" in " ".join(c.value for c in at.caption)


def test_an_address_with_an_unknown_dataset_says_so() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60)
    at.query_params.update(dataset="kallio-not-built", radius_m="9000")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.sidebar.selectbox(key="side_dataset").value == "helsinki"
    notes = " ".join(w.value for w in at.sidebar.warning)
    assert "kallio-not-built" in notes
    assert "Build a dataset" in notes
    assert "9000" in notes
    assert at.sidebar.checkbox(key="side_uniform").value is False


def test_the_audited_track_holds_while_another_page_is_visited() -> None:
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import shortest_route

    ds = load_dataset("helsinki")
    walked = shortest_route(ds.context(), ds.resolve("Narinkkatori").node, ds.resolve("Senaatintori").node)
    at = planner().run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    at.file_uploader(key="rp_track").upload("walk.gpx", routes_to_gpx([walked]).encode(), "application/gpx+xml")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    audited = {m.label: m.value for m in at.metric}
    assert audited["Length"].endswith(" m")
    visit(at, "4_Camera_data.py")
    assert at.title[0].value == "Camera data"
    visit(at, "2_Route_planner.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="rp_mode").value == "Audit a recorded walk"
    assert {m.label: m.value for m in at.metric} == audited
    assert "Auditing **walk.gpx**, uploaded before" in " ".join(c.value for c in at.caption)
    # a track removed from the uploader is forgotten
    at.file_uploader(key="rp_track").upload("walk.gpx", routes_to_gpx([walked]).encode(), "application/gpx+xml")
    at.run()
    at.file_uploader(key="rp_track").clear().run()
    assert not at.metric


def test_route_planner_audits_its_own_gpx_track_by_track(per_kind) -> None:
    """The planner's GPX holds one track per route: the audit totals them, never joining them."""
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import routes

    ds = load_dataset("helsinki")
    found = routes(ds.context(), ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node)
    at = planner().run()
    at.radio(key="rp_mode").set_value("Audit a recorded walk").run()
    at.file_uploader(key="rp_track").upload("routes.gpx", routes_to_gpx(found).encode(), "application/gpx+xml")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    length = {m.label: m.value for m in at.metric}["Length"]
    assert abs(int(length.removesuffix(" m").replace(",", "")) - sum(r.length_m for r in found)) < 10
    (tracks,) = [d.value for d in at.dataframe if "Track" in d.value.columns]
    assert tracks["Track"].tolist() == ["1", "2", "total"]
    assert tracks["Name"].tolist()[:2] == [r.label for r in found]
    paths = [layer for layer in json.loads(at.get("deck_gl_json_chart")[0].proto.json)["layers"]
             if layer.get("@@type") == "PathLayer" and any("track" in str(d.get("tooltip", "")) for d in layer["data"])]
    assert len(paths[0]["data"]) == 2  # one line per route, none across the gap


def test_route_map_frames_the_routes_and_the_table_reads_well(per_kind) -> None:
    at = planner()
    at.query_params.update(origin="Rautatientori", destination="Kauppatori", alternatives="2")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    table = at.table[0].value
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    view = spec["initialViewState"]
    paths = [layer for layer in spec["layers"] if layer.get("@@type") == "PathLayer"
             and any("FRT cameras" in str(d.get("tooltip", "")) for d in layer["data"])]
    points = np.array([c for d in paths[0]["data"] for c in d["path"]])

    def mercator_y(lat: np.ndarray) -> np.ndarray:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    # every route point lies inside a 700 x 560 px map (the narrowest it is drawn) at the view chosen;
    # deck.gl draws the world 512 px wide at zoom 0
    scale = 512 * 2 ** view["zoom"] / (2 * np.pi)
    x_px = np.radians(points[:, 0] - view["longitude"]) * scale
    y_px = (mercator_y(points[:, 1]) - mercator_y(np.array(view["latitude"]))) * scale
    assert (np.abs(x_px) <= 350).all()
    assert (np.abs(y_px) <= 280).all()
    assert view["zoom"] > 14.5  # closer than the old fixed view of the whole extract
    # the comparison is words, not "+0 min"
    assert not table["Compared with the shortest"].str.contains(r"\(\+0 min\)").any()
    assert table["What it is"].iloc[0] == "the shortest route"
    # alternatives=2 is 2 routes beyond the shortest and the objective's route, each said to be a trade-off
    kinds = table["What it is"].tolist()
    assert kinds[1] == "the fewest FRT cameras within the detour"
    assert len(kinds) == 4
    assert all(k.startswith("trade-off: the shortest route with at most") for k in kinds[2:])
    assert "you asked for 2 trade-off route(s) beyond the shortest and the objective's route; 2 exist" in " ".join(
        c.value for c in at.caption)


@pytest.mark.parametrize(("page", "consequence"), [
    ("1_Overview.py", "no street of it is in their view"),
    ("2_Route_planner.py", "no route here passes them"),
    ("3_Neighbourhoods.py", "the areas here count them where they are"),
])
def test_cameras_of_another_city_are_a_notice_on_every_page(shared_data, page: str, consequence: str) -> None:
    from exposure.cameras import load_cameras, load_extent

    load = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    at = open_page(page)
    at.session_state["uploaded_cameras"] = {"cameras": load.cameras, "rejected": load.rejected,
                                            "source": "brooklyn.csv", "extent": load_extent(load), "memo": {}}
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(i.value for i in at.info)
    assert ("9,216 of the uploaded cameras from **brooklyn.csv** (9,216) lie outside the streets of "
            "**helsinki**") in notes
    assert consequence in notes
