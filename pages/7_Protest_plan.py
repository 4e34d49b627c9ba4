"""Protest plan: gathering points to a site and back out, via points, places to avoid, route cards."""

from __future__ import annotations

import contextlib
import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st

from app import busy, cache, plan_cache
from app.legend import legend, route_legend
from app.map_clicks import forget_click, map_click
from app.maps import camera_map_layers, map_cameras, remembered, tiered_cameras
from app.page_state import PageState, memory
from app.sidebar import sidebar
from app.state import active, counted_caption, counted_key, uploaded_source
from app.text import md
from exposure import settings
from exposure._errors import ExposureError
from exposure.cards import plan_cards_pdf
from exposure.export import plan_to_geojson, plan_to_gpx, plan_to_kml
from exposure.layers import PLAN_ROLE_COLOURS, deck, fit_view, picked_point_layer, plan_layers, plan_view
from exposure.places import Place
from exposure.planning import (
    KEEP_ORDER,
    KEEP_ORDER_LABELS,
    Avoidance,
    AvoidArea,
    Plan,
    PlanPoint,
    PlanRequest,
    PlanTables,
    PointFailure,
    area_around,
    area_from_vertices,
    areas_from_geojson,
    keep_order,
    make_plan,
    plan_tables,
    point_from_text,
    point_to_text,
    points_from_text,
    read_plan,
    read_points,
)
from exposure.style import (
    AVOID_COLOUR,
    OBJECTIVE_LABELS,
    PICK_COLOUR,
    SHORTEST_COLOUR,
    TIER_COLOURS,
    route_colour,
)

st.set_page_config(page_title="Protest plan · Surveillance exposure map", page_icon="🪧", layout="wide")
choice = sidebar()
ds, ctx = active(choice)

try:
    PRESETS = cache.presets(choice.dataset)
except ExposureError as err:  # a broken presets file leaves the page usable without them
    st.error(md(str(err)))
    PRESETS = pd.DataFrame(columns=["name", "lat", "lon", "note"])
# ★ protest sites first, then the dataset's places (made once per dataset); without presets when their file is broken
PLACE_OPTIONS = cache.search_options(choice.dataset)
LISTS = {"gathering": "pp_gathering", "via": "pp_via", "dispersal": "pp_dispersal"}

#: What a plan is made of: kept for the session across reloads (and page changes), in memory only.
STATE = PageState("pp", [
    memory("pp_site", ""), memory("pp_gathering", ""), memory("pp_via", ""), memory("pp_dispersal", ""),
    memory("pp_areas", []), memory("pp_corners", []), memory("pp_avoid_cameras", []), memory("pp_no_frt", False),
    memory("pp_objective", "fewest-cameras"), memory("pp_detour", 50), memory("pp_regroup", 300),
    memory("pp_avoid_radius", 100), memory("pp_show_shortest", False), memory("pp_keep_order", list(KEEP_ORDER)),
]).restore()
for key, default in (("pp_seen_uploads", set()), ("pp_messages", [])):
    st.session_state.setdefault(key, default)


# --- points as text: a name, "lat,lon", or "name | lat,lon" -----------------------------------------


def option_text(option: str) -> str:
    """What a picked search option means: a ★ preset is its name and coordinates, a place its name."""
    if option.startswith("★ "):
        row = PRESETS[PRESETS["name"] == option[2:]].iloc[0]
        return point_to_text(PlanPoint(name=str(row["name"]), lon=float(row["lon"]), lat=float(row["lat"])))
    return option


def add_line(key: str, line: str) -> None:
    current = st.session_state[key].rstrip("\n")
    st.session_state[key] = f"{current}\n{line}" if current else line


def picked(target: str) -> None:
    option = st.session_state.get(f"pp_{target}_pick")
    if not option:
        return
    if target == "site":
        st.session_state["pp_site"] = option_text(option)
    else:
        add_line(LISTS[target], option_text(option))
    st.session_state[f"pp_{target}_pick"] = None


def lines(key: str) -> list[str]:
    return [line.strip() for line in st.session_state[key].splitlines() if line.strip()]


# --- loading a saved plan (before the widgets it fills are drawn) ---------------------------------


def load_plan(data: bytes, name: str) -> None:
    request = read_plan(data, name=name)
    st.session_state["pp_site"] = point_to_text(request.site)
    for role, key in LISTS.items():
        st.session_state[key] = "\n".join(point_to_text(p) for p in getattr(request, role))
    st.session_state["pp_areas"] = list(request.avoid.areas)
    known = set(ds.cameras["camera_id"].astype(str))
    st.session_state["pp_avoid_cameras"] = [c for c in request.avoid.cameras if c in known]
    st.session_state["pp_no_frt"] = request.avoid.no_frt_cameras
    st.session_state["pp_objective"] = request.objective
    st.session_state["pp_detour"] = min(100, round(100 * request.max_detour / 5) * 5)
    st.session_state["pp_regroup"] = min(800, int(request.regroup_radius_m))
    st.session_state["pp_keep_order"] = list(request.keep_order)
    note = f"Loaded {name}."
    if request.dataset and request.dataset != choice.dataset:
        note += f" It was made on the dataset {request.dataset}; the sidebar's dataset is {choice.dataset}."
    missing = [c for c in request.avoid.cameras if c not in known]
    if missing:
        note += f" Cameras not in this dataset were left out: {', '.join(missing)}."
    st.session_state["pp_messages"].append(("info", note))


def once(upload: Any) -> bool:
    """True the first time an uploaded file is seen (uploads stay in the widget across reruns)."""
    tag = (upload.name, hashlib.sha256(upload.getvalue()).hexdigest())
    if tag in st.session_state["pp_seen_uploads"]:
        return False
    st.session_state["pp_seen_uploads"].add(tag)
    return True


def points_uploaded() -> None:
    """Add an uploaded file's points to the gathering points (a callback: it runs before the widgets)."""
    upload = st.session_state.get("pp_points_upload")
    refusal = busy.upload_refusal("pp_points_upload", upload)
    if refusal is not None:
        st.session_state["pp_messages"].append(("refused", refusal))
        return
    if upload is None or not once(upload):
        return
    try:
        loaded = read_points(upload.name, data=upload.getvalue())
    except ExposureError as err:
        st.session_state["pp_messages"].append(("error", str(err)))
        return
    for point in loaded.points:
        add_line("pp_gathering", point_to_text(point))
    for row, reason in loaded.rejected:
        st.session_state["pp_messages"].append(("warning", f"{upload.name}: row {row} left out: {reason}"))


st.title("Protest plan")
st.caption(counted_caption(ctx))
st.write("How people reach a protest site and leave it past the fewest face-recognition-capable cameras: "
         "several gathering points, marches through via points, a way out, places and cameras to avoid, regroup "
         "points, and route cards to print. Everything is computed on this machine; the plan lives in this app's "
         "memory for your session (a reload keeps it) and in the files you download, nowhere else.")

with st.expander("Load a saved plan (JSON)"):
    saved = st.file_uploader("Plan file", type=["json"], key="pp_load",
                             help="A plan downloaded from this page (or written by `exposure plan`).")
    if busy.upload_allowed("pp_load", saved) and saved is not None and once(saved):
        try:
            load_plan(saved.getvalue(), saved.name)
        except ExposureError as err:
            st.error(md(str(err)))

# --- the request ----------------------------------------------------------------------------------

left, right = st.columns(2)
with left:
    st.selectbox("Find the site (names and protest sites ★)", PLACE_OPTIONS, index=None, key="pp_site_pick",
                 filter_mode="contains", on_change=picked, args=("site",), placeholder="Type to search…")
    st.text_input("Site", key="pp_site", placeholder="a name, lat,lon, or name | lat,lon")
    st.selectbox("Add a gathering point", PLACE_OPTIONS, index=None, key="pp_gathering_pick", on_change=picked,
                 filter_mode="contains",
                 args=("gathering",), placeholder="Type to search…")
    st.text_area("Gathering points", key="pp_gathering", height=120,
                 placeholder="one per line: a name, lat,lon, or name | lat,lon",
                 help="Each gathering point gets the shortest route and the objective's route to the site "
                      "(through the via points, in order).")
    st.file_uploader("Upload gathering points (CSV name,lat,lon or GeoJSON points)", type=["csv", "geojson", "json"],
                     key="pp_points_upload", on_change=points_uploaded)
with right:
    st.selectbox("Add a via point", PLACE_OPTIONS, index=None, key="pp_via_pick", on_change=picked,
                 filter_mode="contains",
                 args=("via",), placeholder="Type to search…")
    st.text_area("Via points (in order)", key="pp_via", height=80,
                 placeholder="e.g. a landmark the march passes", help="Every march goes gathering point → via "
                 "points in this order → site; each leg is optimised on its own.")
    st.selectbox("Add a dispersal point", PLACE_OPTIONS, index=None, key="pp_dispersal_pick", on_change=picked,
                 filter_mode="contains",
                 args=("dispersal",), placeholder="Type to search…")
    st.text_area("Dispersal points (the way out)", key="pp_dispersal", height=80,
                 placeholder="where people go after the protest")

with st.expander("Places and cameras to avoid", expanded=bool(st.session_state["pp_areas"])):
    st.caption("Hard constraints: no route enters an avoided area or a street an avoided camera sees. When no "
               "route can keep to them, the page says so and shows the least-bad route with what it breaks.")
    a1, a2, a3 = st.columns([3, 1, 2])
    centre = a1.text_input("Avoid the area around", key="pp_avoid_centre", placeholder="a name or lat,lon")
    radius = a2.number_input("Radius (m)", 10, 2000, step=10, key="pp_avoid_radius")
    area_name = a3.text_input("Call it", key="pp_avoid_name", placeholder="e.g. police station")
    if st.button("Add this area", key="pp_avoid_add", disabled=not centre.strip()):
        try:
            place = ds.resolve(centre)
            st.session_state["pp_areas"].append(area_around(place.lat, place.lon, float(radius),
                                                            name=area_name.strip() or None))
        except ExposureError as err:
            st.error(md(str(err)))
    areas_file = st.file_uploader("Upload areas to avoid (GeoJSON polygons)", type=["geojson", "json"],
                                  key="pp_avoid_upload")
    if busy.upload_allowed("pp_avoid_upload", areas_file) and areas_file is not None and once(areas_file):
        try:
            st.session_state["pp_areas"].extend(areas_from_geojson(areas_file.getvalue(), where=areas_file.name))
        except (ExposureError, ValueError) as err:
            st.error(md(str(err)))
    corners: list[tuple[float, float]] = st.session_state["pp_corners"]
    if corners:
        c1, c2, c3 = st.columns([2, 1, 1])
        c1.write(f"Drawing an area: {len(corners)} corner(s) clicked on the map.")
        if c2.button("Close the area", key="pp_corners_close", disabled=len(corners) < 3):
            try:
                st.session_state["pp_areas"].append(area_from_vertices(corners, name=area_name.strip() or None))
                st.session_state["pp_corners"] = []
            except ExposureError as err:
                st.error(md(str(err)))
        if c3.button("Forget the corners", key="pp_corners_clear"):
            st.session_state["pp_corners"] = []
    areas: list[AvoidArea] = st.session_state["pp_areas"]
    if areas:
        still = st.multiselect("Areas avoided (remove one to stop avoiding it)", list(range(len(areas))),
                               default=list(range(len(areas))), format_func=lambda i: areas[i].name,
                               key=f"pp_areas_keep_{len(areas)}")
        if len(still) < len(areas):
            st.session_state["pp_areas"] = [areas[i] for i in still]
            st.rerun()
    st.multiselect("Cameras to avoid", sorted(ds.cameras["camera_id"].astype(str)), key="pp_avoid_cameras",
                   help="Camera ids from the map's tooltips or the Camera data page.")
    st.checkbox("No FRT-capable camera at all", key="pp_no_frt",
                help="No route passes a street any camera the FRT policy counts as capable sees.")
    st.multiselect("Keep order: when no route can keep everything, keep first", list(KEEP_ORDER),
                   format_func=lambda k: KEEP_ORDER_LABELS[k], key="pp_keep_order",
                   help="In the order picked, first kept first; those left out follow in this order: avoided areas, "
                        "avoided cameras, no FRT cameras (then the fewest), the maximum detour. The least-bad route "
                        "says what it relaxed and by how much. (The plan file's keep_order, and --keep-order of "
                        "`exposure plan`.)")

o1, o2, o3 = st.columns(3)
objective = o1.radio("Objective", list(OBJECTIVE_LABELS), format_func=lambda o: OBJECTIVE_LABELS[o].capitalize(),
                     key="pp_objective")
detour = o2.slider("Maximum detour (% longer than the shortest)", 0, 100, step=5, key="pp_detour")
regroup_m = o3.slider("Regroup points within (m walk of the site; 0: none)", 0, 800, step=50, key="pp_regroup")

# kept before the plan is worked out: a reload may come before that ends
STATE.remember()

for kind, text in st.session_state["pp_messages"]:
    if kind == "refused":  # written by app.busy, names already escaped
        st.warning(text)
    else:
        {"info": st.info, "warning": st.warning}.get(kind, st.error)(md(text))
st.session_state["pp_messages"] = []


def resolved(text: str) -> Place:
    """A point's place, resolved once per session (a rerun that keeps the point does not look it up again)."""
    return remembered(("pp_place", choice.dataset, text), lambda: ds.resolve(text))


def request_from_widgets() -> tuple[PlanRequest, tuple[PointFailure, ...]] | None:
    """The plan asked for, and the gathering and dispersal points that cannot be found (the others are planned)."""
    if not st.session_state["pp_site"].strip():
        return None
    if not (lines("pp_gathering") or lines("pp_dispersal")):
        return None
    errors = []

    def resolve(text: str, what: str) -> PlanPoint | None:
        try:
            return point_from_text(text, resolved)
        except ExposureError as err:
            errors.append(f"{what} '{text}': {err}")
            return None

    # the site and the via points are on every way in: without one of them nothing can be planned
    site = resolve(st.session_state["pp_site"], "Site")
    via = [resolve(t, f"Via point {i}") for i, t in enumerate(lines("pp_via"), 1)]
    if errors or site is None:
        for e in errors:
            st.error(md(e))
        return None
    gathering, missing_in = points_from_text(lines("pp_gathering"), resolved, role="gathering")
    dispersal, missing_out = points_from_text(lines("pp_dispersal"), resolved, role="dispersal")
    return PlanRequest(
        site=site, gathering=gathering, via=tuple(p for p in via if p), dispersal=dispersal,
        avoid=Avoidance(areas=tuple(st.session_state["pp_areas"]),
                        cameras=tuple(st.session_state.get("pp_avoid_cameras", [])),
                        no_frt_cameras=bool(st.session_state.get("pp_no_frt", False))),
        objective=objective, max_detour=detour / 100, regroup_radius_m=float(regroup_m), dataset=choice.dataset,
        keep_order=keep_order(st.session_state.get("pp_keep_order") or None),
        coverage_model=choice.coverage_model, level=choice.level,
    ), missing_in + missing_out


def compute(request: PlanRequest,
            failures: tuple[PointFailure, ...]) -> tuple[Plan, PlanTables, pd.DataFrame] | None:
    """The plan asked for, its tables and summary, worked out once (a rerun asking the same shows them again)."""
    key = (choice, uploaded_source(), counted_key(ds), json.dumps(request.to_dict(), sort_keys=True),
           json.dumps([f.to_dict() for f in failures]))
    memo = st.session_state.setdefault("pp_plans", {})
    if key not in memo:
        points = len(request.gathering) + len(request.dispersal)
        # a plan of many points is many exact searches, each up to the time limit: a heavy job
        heavy = busy.heavy_job("plan") if points > settings.heavy_plan_points else contextlib.nullcontext()
        with heavy, st.spinner("Planning every route (the exact solver can take a few seconds)…"):
            try:
                plan = make_plan(ctx, request, cameras=ds.cameras, time_limit_s=settings.interactive_time_limit_s,
                                 failures=failures, extent=ds.extent,
                                 views=ds.viewsheds(radius_m=choice.radius_m, coverage_model=choice.coverage_model,
                                                    level=choice.level))
            except ExposureError as err:
                st.error(md(str(err)))
                return None
        memo.clear()  # one plan at a time: nothing about it outlives the session's latest request
        tables = plan_tables(plan)
        memo[key] = (plan, tables, tables.summary())
    return memo[key]  # type: ignore[no-any-return]


# --- the map: routes, points, areas; a click adds a point --------------------------------------------

#: What a street point clicked on the map can become, and how the toast says it was used.
CLICK_ACTIONS = (("site", "Site"), ("gathering", "Gathering point"), ("via", "Via point"),
                 ("dispersal", "Dispersal point"), ("corner", "Corner of an area to avoid"),
                 ("avoid", "Avoid around here"))
CLICK_DONE = {"site": "Site set to {p}", "gathering": "Gathering point {p} added", "via": "Via point {p} added",
              "dispersal": "Dispersal point {p} added", "corner": "Corner {p} added to the area being drawn",
              "avoid": "Avoiding the area around {p}"}


def click_to(action: str, lat: float, lon: float) -> None:
    text = f"{lat:.6f},{lon:.6f}"
    if action == "site":
        st.session_state["pp_site"] = text
    elif action in LISTS:
        add_line(LISTS[action], text)
    elif action == "corner":
        st.session_state["pp_corners"] = [*st.session_state["pp_corners"], (lat, lon)]
    elif action == "avoid":
        st.session_state["pp_areas"] = [*st.session_state["pp_areas"],
                                        area_around(lat, lon, float(st.session_state.get("pp_avoid_radius", 100)))]
    forget_click("pp_map")
    st.toast(CLICK_DONE[action].format(p=text), icon="📍")


#: Session-state flag: a click on the map set a point, so the whole page runs again (not only the map's part).
CLICK_SET = "pp_click_set"


def clicked(action: str, lat: float, lon: float) -> None:
    click_to(action, lat, lon)
    st.session_state[CLICK_SET] = True


@st.fragment
def plan_map(plan: Plan | None) -> None:
    """The map, framed to the plan: its routes side by side under a legend that picks them; a click adds a point.

    Showing the shortest routes, a legend's pill or a click on a street point reruns only this part.
    """
    if st.session_state.pop(CLICK_SET, False):  # a click set a point: the boxes above show it
        st.rerun()
    show_shortest = plan is not None and st.checkbox("Show the shortest routes too", key="pp_show_shortest")
    click = map_click("pp_map")
    shown = None if plan is None or not plan.journeys else route_legend(
        [j.name for j in plan.journeys], [route_colour(i) for i in range(len(plan.journeys))], key="pp_legend",
        title="Routes on the map (click one to hide or show it)")
    layers = [*cache.base_layers(choice.dataset), *camera_map_layers(ds, choice, radius_px=3),
              *plan_layers(tiered_cameras(ds, choice), plan=plan, areas=st.session_state["pp_areas"],
                           corners=st.session_state["pp_corners"], show_shortest=show_shortest, all_cameras=False,
                           points=map_cameras(ds, choice), shown=shown),
              cache.street_points(choice.dataset, layer_id="pp_nodes",
                                  tooltip="Street point: click, then choose what it is")]
    if click.point is not None:
        layers.append(picked_point_layer(click.point[1], click.point[0], tooltip="The street point clicked"))
    if plan is not None and plan.journeys:
        lon, lat, zoom = plan_view(plan, areas=st.session_state["pp_areas"], height_px=600)
    else:
        lon, lat, zoom = whole_view()
    st.pydeck_chart(deck(layers, lon=lon, lat=lat, zoom=zoom), height=600,
                    on_select="rerun", selection_mode="single-object", key=click.key)
    if click.point is not None:
        lat_c, lon_c = click.point
        st.write(f"Clicked street point: {lat_c:.6f},{lon_c:.6f} (the ring on the map) — use it as:")
        cols = st.columns(len(CLICK_ACTIONS) + 1)
        for col, (action, label) in zip(cols, CLICK_ACTIONS, strict=False):
            col.button(label, key=f"pp_click_{action}", on_click=clicked, args=(action, lat_c, lon_c))
        cols[-1].button("Dismiss", key="pp_click_dismiss", on_click=forget_click, args=("pp_map",))
    plan_legend(plan, show_shortest=show_shortest)


def plan_legend(plan: Plan | None, *, show_shortest: bool) -> None:
    """What the map's points, cameras and areas are (the routes have their own legend above the map)."""
    roles = sorted({role for role, _ in plan.points()} if plan is not None else set(),
                   key=list(PLAN_ROLE_COLOURS).index)
    entries: list[Any] = [(PLAN_ROLE_COLOURS[r], f"{r} point", "mark") for r in roles]
    if plan is not None and show_shortest:
        entries.append((SHORTEST_COLOUR, "shortest route", "line"))
    entries += [(TIER_COLOURS[t], f"camera, {t} FRT tier", "dot") for t in ("high", "medium", "low")]
    if st.session_state["pp_areas"] or st.session_state["pp_corners"]:
        entries.append(([*AVOID_COLOUR, 90], "area avoided", "box"))
    entries.append((PICK_COLOUR, "street point clicked", "ring"))
    legend(entries, title="On the map")
    st.caption("Larger dots: FRT cameras a route passes; places are ringed in dark grey, cameras in white. Point at "
               "a street: a dot shows where a click lands. The basemap is drawn from the dataset itself; no tiles are "
               "fetched.")


def whole_view() -> tuple[float, float, float]:
    """The view that frames the whole dataset's streets (once per dataset and session)."""
    return remembered(("pp_view", choice.dataset), lambda: fit_view(
        ds.index.node_lonlat[:, 0], ds.index.node_lonlat[:, 1], height_px=600))


@st.fragment
def downloads(plan: Plan) -> None:
    """The files to take along; the route cards button reruns only this part of the page."""
    st.subheader("Take it along")
    d1, d2, d3, d4 = st.columns(4)
    # each file is written when its button is pressed, not on every run; pressing one runs nothing again
    d1.download_button("GPX (phones)", lambda: plan_to_gpx(plan), file_name="plan.gpx", mime="application/gpx+xml",
                       key="pp_gpx", on_click="ignore")
    d2.download_button("KML", lambda: plan_to_kml(plan), file_name="plan.kml",
                       mime="application/vnd.google-earth.kml+xml", key="pp_kml", on_click="ignore")
    d3.download_button("GeoJSON", lambda: json.dumps(plan_to_geojson(plan), ensure_ascii=False),
                       file_name="plan.geojson", mime="application/geo+json", key="pp_geojson", on_click="ignore")
    d4.download_button("Plan file (JSON, to load again or pass on)",
                       lambda: json.dumps(plan.to_dict(), ensure_ascii=False, indent=1), file_name="plan.json",
                       mime="application/json", key="pp_json", on_click="ignore")
    cards = st.session_state.setdefault("pp_cards", {})
    tag = id(plan)
    if tag not in cards and st.button("Make printable route cards (PDF)", key="pp_cards_make"):
        with busy.heavy_job("route cards"), st.spinner("Drawing one page per route…"):
            cards.clear()
            cards[tag] = plan_cards_pdf(plan, index=ds.index, basemap=ds.basemap,
                                        when=plan_cache.data_date(choice.dataset), cameras=ds.cameras)
    if tag in cards:
        st.download_button("Route cards (PDF, one page per route)", cards[tag], file_name="route-cards.pdf",
                           mime="application/pdf", key="pp_pdf", on_click="ignore")
    st.caption("GPX holds one named track per route and waypoints for the site, gathering, via, dispersal and "
               "regroup points. Nothing about this plan is stored anywhere but in the files you download.")


def flag(failure: PointFailure) -> None:
    """Say which point is left out of the plan, and why; the others are planned."""
    said = failure.describe()
    st.error(md(f"{said[:1].upper()}{said[1:]}: left out of the plan; the other points are planned."))


def show_plan(plan: Plan, tables: PlanTables, summary: pd.DataFrame) -> None:
    """The plan: what it could not do, its tables, the map, the regroup points and the files."""
    for failure in plan.failures:  # flag the one point; the others are planned below
        flag(failure)
    if plan.counting is not None and plan.counting.zero_means_nothing:
        st.warning(md(plan.counting.notice))
    for note in plan.notes:
        st.warning(md(note))
    broken = [j for j in plan.journeys if not j.feasible]
    if broken:
        relaxed = ", ".join(dict.fromkeys(KEEP_ORDER_LABELS[r] for j in broken for r in j.relaxed))
        st.error("No route avoids everything you asked for " + ", ".join(md(j.name) for j in broken) +
                 f". Keeping first what comes first in the keep order, the least-bad route relaxes {relaxed}: " +
                 " ".join(f"{md(b)}." for j in broken for b in j.breaks))
    elif plan.journeys:
        st.success(f"{len(plan.journeys)} route(s) planned, each avoiding everything asked.")
    if not tables.failures.empty:
        st.dataframe(tables.failures, hide_index=True, key="pp_failures")
    st.dataframe(summary, hide_index=True, key="pp_table", width="stretch")
    if not tables.legs.empty:
        with st.expander("Leg by leg"):
            st.dataframe(tables.legs, hide_index=True, key="pp_legs")
    plan_map(plan)
    if plan.regroup:
        st.subheader("Regroup points")
        st.caption(f"Street points within {regroup_m} m walk of the site, fewest FRT cameras first, then nearest.")
        st.dataframe(tables.regroup, hide_index=True, key="pp_regroup_table")
    downloads(plan)


def answer() -> None:
    """The plan asked for, worked out in its turn (the page says so when the server is busy), or why there is none."""
    asked = request_from_widgets()
    if asked is not None and (asked[0].gathering or asked[0].dispersal):
        with busy.gate("Your plan is worked out as soon as the server is free."):
            made = compute(*asked)
            if made is not None:
                show_plan(*made)
                return
    if asked is not None:
        for failure in asked[1]:
            flag(failure)
    elif not st.session_state["pp_site"].strip():
        st.info("Choose the site and at least one gathering point (or dispersal point): search a name, pick a ★ "
                "protest site, type lat,lon, upload a file of points, or click a street on the map.")
    plan_map(None)  # the map alone joins layers written once: no turn to wait for


answer()
