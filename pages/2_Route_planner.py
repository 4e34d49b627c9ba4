"""Route planner: walking routes past the fewest FRT-capable cameras, their trade-offs, and audits."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pandas as pd
import pyarrow as pa
import pydeck as pdk
import shapely
import streamlit as st

from app import busy, cache, keep, plan_cache
from app.answers import RouteAnswer
from app.legend import legend, route_legend
from app.map_clicks import forget_click, map_click
from app.maps import camera_map_layers, camera_records, map_cameras, remembered
from app.page_state import KeptFile, PageState, address, int_between, memory, one_of
from app.sidebar import sidebar
from app.state import active, counted_caption, counted_key, outside_notice, uploaded_source
from app.text import md
from app.views import viewsheds_caption, viewsheds_layer
from exposure import settings
from exposure._errors import ExposureError
from exposure.audit import audit_tables, audit_track, read_track_bytes
from exposure.cards import CardRoute, route_cards_pdf
from exposure.counted import Counting, counting
from exposure.export import audit_to_json, audit_tracks_csv, routes_to_geojson, routes_to_gpx, routes_to_kml
from exposure.layers import LayerJSON, camera_points_layer, deck, fit_view, picked_point_layer, route_layer, route_lines
from exposure.places import PRESET_MARK, Place, normalise_name, preset_label
from exposure.planning import TrackComparison, walk_alternatives
from exposure.routing import OBJECTIVES, Route, compare_with_shortest, proof_words, routes
from exposure.style import (
    COMPARISON_COLOUR,
    OBJECTIVE_CHOICES,
    OBJECTIVE_LABELS,
    PICK_COLOUR,
    PLACE_RING,
    POINT_COLOURS,
    TIER_COLOURS,
    hex_colour,
    route_colour,
    route_colours,
)

st.set_page_config(page_title="Route planner · Surveillance exposure map", page_icon="🚶", layout="wide")
choice = sidebar()
ds, ctx = active(choice)

MODES = ["Plan a route", "Audit a recorded walk"]

#: Named gathering points and protest sites (★), then the dataset's own place names: one list to search.
PLACE_OPTIONS = cache.search_options(choice.dataset)


def as_option(text: str | None) -> str | None:
    """A place as the search box shows it: a preset by its ★ label, anything else as typed."""
    text = (text or "").strip()
    if not text:
        return None
    named = ds.presets[ds.presets["name"].astype(str).map(normalise_name)
                       == normalise_name(text.removeprefix(PRESET_MARK))]
    return preset_label(str(named["name"].iloc[0])) if len(named) else text


#: The page's choices go into the address (a link shows the same route, in either mode); the audited track is
#: kept in this app's memory (never in a link), so that another page or a reload does not lose it.
STATE = PageState("rp", [
    address("rp_origin", None, param="origin", parse=as_option),
    address("rp_destination", None, param="destination", parse=as_option),
    address("rp_objective", "fewest-cameras", param="objective", parse=one_of(list(OBJECTIVES))),
    address("rp_detour", 50, param="detour", parse=int_between(0, 100)),
    address("rp_alternatives", 2, param="alternatives", parse=lambda text: min(5, max(0, int(text)))),
    address("rp_mode", MODES[0], param="mode", parse=lambda text: MODES[1] if text == "audit" else MODES[0],
            show=lambda mode: "audit" if mode == MODES[1] else None),
    memory("rp_track", upload=True),
]).restore()


#: Session state: what was set from the map, so the whole page runs again (not only the map's part) and says so.
CLICK_SET = "rp_click_set"


def set_from_click(target: str, value: str) -> None:
    """Set the origin or destination to the street point clicked; the whole page's run says so."""
    STATE[f"rp_{target}"] = value
    st.session_state[CLICK_SET] = f"{target.capitalize()} set to {value}"
    forget_click("rp_map")


def route_kind(route: Route) -> str:
    """What a route in the table is, in words."""
    if route.objective == "shortest":
        return "the shortest route"
    if route.objective == "alternatives":
        return f"trade-off: the shortest route with at most {route.frt_cameras} FRT camera(s)"
    return {"fewest-cameras": "the fewest FRT cameras within the detour",
            "least-time-in-view": "the fewest metres in view of FRT cameras within the detour"}.get(
        route.objective, route.objective)


def place_box(label: str, key: str) -> str | None:
    """One place input: search names and ★ protest sites as you type, or type lat,lon and press Enter."""
    current = st.session_state.get(key)
    options = PLACE_OPTIONS if current is None or current in PLACE_OPTIONS else [current, *PLACE_OPTIONS]
    value = st.selectbox(label, options, index=None, key=key, accept_new_options=True,
                         filter_mode="contains",  # "contains" keeps the order given: the ★ sites first
                         placeholder="Search a name or ★ protest site, or type lat,lon",
                         help="Type to search the dataset's OpenStreetMap names and the ★ protest sites; or type "
                              "latitude,longitude (e.g. 60.1699,24.9384) and press Enter; or click a street point "
                              "on the map below.")
    return None if value is None else str(value).strip() or None


st.title("Route planner")
st.caption(counted_caption(ctx))
outside_notice(ds, choice.dataset, consequence="no route here passes them")
mode = st.radio("What do you want to do?", MODES, horizontal=True, key="rp_mode")


def base_layers(*, radius_px: int = 3, views: LayerJSON | None = None) -> list[pdk.Layer | LayerJSON]:
    """The basemap, ``views`` (viewsheds, not clickable) and the cameras in use: written as map JSON once."""
    return [*cache.base_layers(choice.dataset), *([views] if views is not None else []),
            *camera_map_layers(ds, choice, radius_px=radius_px)]


def answer(o: Place, d: Place, *, objective: str, detour: int, alternatives: int) -> RouteAnswer:
    """The routes of a request and what the page shows of them (the search, the table, the map's lines, files)."""
    with st.spinner("Finding routes (the exact solver can take a few seconds in dense areas)…"):
        found = routes(ctx, o.node, d.node, objective=objective, max_detour=detour / 100, alternatives=alternatives,
                       time_limit_s=settings.interactive_time_limit_s)
    shortest = found[0]
    table = pd.DataFrame([{
        "Route": r.label,
        "What it is": route_kind(r),
        "Length (m)": f"{r.length_m:,.0f}",
        "Walk (min)": f"{r.walk_min:.1f}",
        "FRT cameras": r.frt_cameras,
        "All cameras": r.cameras,
        "In view of FRT cameras (m)": f"{r.metres_in_view:,.0f}",
        "In view (%)": f"{100 * r.share_in_view:.1f}",
        "Compared with the shortest": compare_with_shortest(r, shortest),
        # unproven: the proven lower bound and the gap, in cameras ("at least 3 FRT cameras, this route has 4")
        "Proven optimal": "yes" if r.optimal else (proof_words(r, limit_s=settings.interactive_time_limit_s) or "—"),
    } for r in found])
    count = routes_counting(found)
    colours = route_colours([r.objective for r in found])  # as the route cards and the KML draw them
    paths: list[dict[str, object]] = [
        {"path": r.coordinates, "colour": list(colours[i]), "name": r.label,
         "label": f"{r.label}: {r.length_m:,.0f} m, {r.frt_cameras} FRT cameras"} for i, r in enumerate(found)]
    used = {**ctx.settings, "objective": objective, "max_detour": detour / 100, "counting": count.to_dict()}
    passed = {cid for r in found for cid in r.camera_ids}
    # what each camera the routes pass sees, under the sidebar's coverage model and level (in the answer's key)
    views = viewsheds_layer(ds, choice, only=passed) if passed else None
    return RouteAnswer(o, d, found, table, count, colours, paths, passed, profile_chart(found, colours), used, views)


def place(text: str) -> Place:
    """A place typed or picked, resolved once per session (a rerun that keeps it does not look it up again)."""
    return remembered(("rp_place", choice.dataset, text), lambda: ds.resolve(text))


def profile_chart(found: list[Route], colours: list[tuple[int, int, int]]) -> dict[str, object]:
    """Metres in view along each route, each in its colour on the map: a Vega-Lite chart, made once per answer.

    Its data go in as Arrow bytes already written, which Streamlit passes on as they are.
    """
    walked, seen, names = [], [], []
    for r in found:
        # exposure_profile's distance_m and cumulative_in_view_m, read straight from the arrays (no frame per route)
        edges = np.asarray(r.edges, dtype=np.int64)
        walked.append(np.cumsum(ctx.index.length_m[edges]))
        seen.append(np.cumsum(ctx.exposure.in_view_m[edges]))
        names += [r.label] * len(edges)
    table = pa.table({"distance_m": np.concatenate(walked), "cumulative_in_view_m": np.concatenate(seen),
                      "route": pa.array(names, pa.string())})
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return {
        "datasets": {"profile": sink.getvalue().to_pybytes()},
        "data": {"name": "profile"},
        "mark": {"type": "line"},
        "encoding": {
            "x": {"field": "distance_m", "type": "quantitative", "title": "distance walked (m)"},
            "y": {"field": "cumulative_in_view_m", "type": "quantitative",
                  "title": "metres in view of FRT cameras so far"},
            "color": {"field": "route", "type": "nominal", "title": "route",
                      "scale": {"domain": [r.label for r in found], "range": [hex_colour(c) for c in colours]}},
        },
    }


def plan() -> None:
    if said := st.session_state.pop(CLICK_SET, None):
        # a toast, as the boxes are far above the map; said in the page's run (a map's part that reruns the page
        # would lose a toast it gave)
        st.toast(said, icon="📍")
    left, right = st.columns(2)
    with left:
        origin = place_box("Origin", "rp_origin")
    with right:
        destination = place_box("Destination", "rp_destination")
    c1, c2, c3 = st.columns(3)
    objective = c1.radio("Objective", list(OBJECTIVE_CHOICES), format_func=OBJECTIVE_CHOICES.get,
                         key="rp_objective",
                         help="Fewest distinct FRT-capable cameras (exact), or fewest metres within their view; "
                              "both within the maximum detour.")
    detour = c2.slider("Maximum detour (% longer than the shortest)", 0, 100, key="rp_detour", step=5)
    alternatives = c3.number_input("Alternatives (trade-off routes)", 0, 5, key="rp_alternatives",
                                   help="How many more routes to show beyond the shortest and the objective's "
                                        "route: each the shortest route with at most its number of FRT "
                                        "cameras, between the two.")

    if not origin or not destination:
        st.info("Choose where you start and where you are going: search a name, pick a ★ protest site, "
                "type lat,lon, or click a street on the map below and set it as origin or destination.")
        click_map([])
        return
    with busy.gate("Your routes are worked out as soon as the server is free."):
        asked = routes_asked(origin, destination, objective=objective, detour=detour, alternatives=int(alternatives))
        if asked is None:
            click_map([])
        else:
            show(*asked, objective=objective, detour=detour, alternatives=int(alternatives))


def routes_asked(origin: str, destination: str, *, objective: str, detour: int,
                 alternatives: int) -> tuple[RouteAnswer, tuple[object, ...]] | None:
    """The answer to the request and its key, worked out once (a rerun asking the same shows it again).

    None after saying why there is none (a place not found, no route).
    """
    try:
        o, d = place(origin), place(destination)
        key = (choice, uploaded_source(), counted_key(ds), o.node, d.node, objective, detour, alternatives)
        memo = st.session_state.setdefault("rp_routes", {})
        if key not in memo:
            made = answer(o, d, objective=objective, detour=detour, alternatives=alternatives)
            memo.clear()  # one answer at a time: nothing about a request outlives the session's latest
            memo[key] = made
    except ExposureError as err:
        st.error(md(str(err)))
        return None
    return memo[key], key


def show(shown: RouteAnswer, key: tuple[object, ...], *, objective: str, detour: int, alternatives: int) -> None:
    """The answer: the verdict, the table, the map, the chart, the files and the link."""
    o, d, found = shown.origin, shown.destination, shown.found
    st.subheader(f"{md(o.name)} → {md(d.name)}")
    say_verdict(found, shown.count, detour=detour, objective=objective)
    # a static table wraps its text: the comparison is never cut off at the map's edge
    st.table(shown.table, hide_index=True)
    extra = sum(1 for r in found if r.objective == "alternatives")
    if alternatives:
        st.caption(f"Alternatives: you asked for {alternatives} trade-off route(s) beyond the shortest and the "
                   f"objective's route; {extra} exist{'s' if extra == 1 else ''} between them within a {detour} % "
                   "detour, each the shortest route with at most its number of FRT cameras.")
    for r in found:
        for note in r.notes:
            st.caption(f"{r.label.capitalize()}: {md(note)}.")

    click_map(shown.paths, passed=shown.passed, views=shown.views, ends=(o, d))

    st.subheader("Exposure along the way")
    st.vega_lite_chart(shown.profile, width="stretch", key="rp_profile")
    with st.expander("Cameras each route passes"):
        for r in found:
            st.markdown(f"**{md(r.label)}** — {r.frt_cameras} FRT-capable of {r.cameras}: "
                        + (", ".join(md(c) for c in r.frt_camera_ids) or "none"))
    take_along(shown, key)
    st.caption("Share this route with this link: origin, destination and options are in it (and not your "
               "session's `s=` key, which the page address also holds). "
               f"Walking speed {settings.walk_speed_m_per_min:g} m/min.")
    st.code(keep.shareable(st.context.url, st.query_params.to_dict()), language=None, wrap_lines=True)


@st.fragment
def take_along(shown: RouteAnswer, key: tuple[object, ...]) -> None:
    """The files to download; the route cards button reruns only this part of the page."""
    o, d, found, colours = shown.origin, shown.destination, shown.found, shown.colours
    d1, d2, d3, d4 = st.columns([1, 1, 1, 2])
    used = shown.used
    # each file is written when its button is pressed, not on every run; pressing one runs nothing again
    d1.download_button("Download GPX (phones)", lambda: routes_to_gpx(found, settings=used), file_name="routes.gpx",
                       mime="application/gpx+xml", key="rp_gpx", on_click="ignore")
    d2.download_button("Download GeoJSON", lambda: json.dumps(routes_to_geojson(found, settings=used)),
                       file_name="routes.geojson", mime="application/geo+json", key="rp_geojson", on_click="ignore")
    d3.download_button("Download KML", lambda: routes_to_kml(found, name=f"{o.name} → {d.name}"),
                       file_name="routes.kml", mime="application/vnd.google-earth.kml+xml", key="rp_kml",
                       on_click="ignore")
    cards = st.session_state.setdefault("rp_cards", {})
    if key not in cards and d4.button("Make route cards (PDF)", key="rp_cards_make"):
        with busy.heavy_job("route cards"), st.spinner("Drawing one page per route…"):
            cards.clear()
            stops = ((o.name, o.lon, o.lat), (d.name, d.lon, d.lat))
            cards[key] = route_cards_pdf(
                [CardRoute(title=f"{o.name} → {d.name}", route=r, colour=colours[i],
                           stops=stops) for i, r in enumerate(found)],
                index=ds.index, basemap=ds.basemap, settings_used=shown.used, cameras=ds.cameras,
                when=plan_cache.data_date(choice.dataset))
    if key in cards:
        d4.download_button("Download route cards (PDF)", cards[key], file_name="route-cards.pdf",
                           mime="application/pdf", key="rp_pdf", on_click="ignore")


#: What each objective minimises first (then the length): the route the banner speaks of is the least of it.
BANNER_MEASURE: dict[str, tuple[str, str, Callable[[Route], str]]] = {
    "fewest-cameras": ("frt_cameras", "passes the fewest FRT-capable cameras", lambda r: f"{r.frt_cameras}"),
    "least-time-in-view": ("metres_in_view", "spends the least time in view of FRT-capable cameras",
                           lambda r: f"{r.metres_in_view:,.0f} m in view"),
}


def say_verdict(found: list[Route], count: Counting, *, detour: int, objective: str) -> None:
    """The banner over the table: the best route by the objective chosen against the shortest.

    Never a verdict on a count that says nothing; with "shortest only", no comparison was asked for.
    """
    shortest = found[0]
    say_counting(count, first=True)
    if count.zero_means_nothing:  # 0 cameras here says nothing about the cameras on the way: no verdict
        return
    if objective not in BANNER_MEASURE:
        st.info(f"The shortest route passes {shortest.frt_cameras} FRT-capable camera(s), "
                f"{shortest.metres_in_view:,.0f} m of it in their view. Choose another objective to look for a "
                "route past fewer.")
    else:
        field, what, amount = BANNER_MEASURE[objective]
        best = min(found, key=lambda r: (getattr(r, field), r.length_m))
        if best.edges == shortest.edges:
            st.success(f"The shortest route already {what} found within a {detour} % detour: {amount(shortest)}.")
        else:
            named = "" if best.label == OBJECTIVE_LABELS[objective] else f", the {OBJECTIVE_LABELS[objective]} found"
            st.success(f"**{best.label.capitalize()}**{named}: {compare_with_shortest(best, shortest)}.")
    say_counting(count, first=False)


def routes_counting(found: list[Route]) -> Counting:
    """What the routes' counts of FRT cameras mean (nothing counted, no data, a true zero)."""
    return counting(cameras=len(ds.cameras), counted=int(ctx.exposure.counted.sum()),
                    frt=int(ctx.exposure.frt.sum()), found=max(r.frt_cameras for r in found), settings=ctx.settings,
                    extent=ds.extent, where=shapely.MultiLineString([r.coordinates for r in found]),
                    what="these routes")


@st.fragment
def click_map(paths: list[dict[str, object]], *, passed: set[str] | None = None, views: LayerJSON | None = None,
              ends: tuple[Place, Place] | None = None) -> None:
    """The map: routes side by side under a legend that picks those shown, and street points to click.

    ``views``, the viewsheds of the cameras the routes pass, are drawn under the cameras and the routes.

    A click on a street point or a legend's pill reruns only this part, until a point is set as origin or
    destination.
    """
    if st.session_state.get(CLICK_SET):  # a place was set from the map: the whole page runs, the boxes show it
        st.rerun()
    click = map_click("rp_map")
    layers = base_layers(views=views)
    if paths:
        shown = route_legend([str(p["name"]) for p in paths], [p["colour"] for p in paths],  # type: ignore[misc]
                             key="rp_legend")
        # the routes picked over those left out, each keeping its place beside the others
        layers.append(route_lines([{**p, "shown": i in shown} for i, p in enumerate(paths)]))
    if passed:
        layers.append(camera_points_layer(passed_cameras(passed), radius_px=7))
    layers.append(cache.street_points(choice.dataset, layer_id="rp_nodes",
                                      tooltip="Street point: click, then set it as origin or destination"))
    if ends is not None:
        marks = [{"lon": p.lon, "lat": p.lat, "colour": [*POINT_COLOURS[c], 255]}
                 for p, c in zip(ends, ("start", "end"), strict=True)]
        layers.append(pdk.Layer("ScatterplotLayer", data=marks, id="rp_ends", get_position=["lon", "lat"],
                                get_fill_color="colour", get_radius=9, radius_units="'pixels'", stroked=True,
                                get_line_color=list(PLACE_RING), line_width_min_pixels=2))
    if click.point is not None:
        layers.append(picked_point_layer(click.point[1], click.point[0], tooltip="The street point clicked"))
    if paths:  # the routes, their cameras and both ends, with a margin
        spots = [c for path in paths for c in path["path"]]  # type: ignore[attr-defined]
        spots += [[c["lon"], c["lat"]] for c in passed_cameras(passed or set())]
        lon, lat, zoom = fit_view([p[0] for p in spots], [p[1] for p in spots], height_px=560)
    else:
        lon, lat, zoom = whole_view()
    st.pydeck_chart(deck(layers, lon=lon, lat=lat, zoom=zoom), height=560,
                    on_select="rerun", selection_mode="single-object", key=click.key)
    if views is not None:
        st.caption(viewsheds_caption(ctx))
    if click.point is not None:
        point = f"{click.point[0]:.6f},{click.point[1]:.6f}"
        c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
        c1.write(f"Clicked street point: {point} (the ring on the map)")
        c2.button("Set as origin", key="rp_click_origin", on_click=set_from_click, args=("origin", point))
        c3.button("Set as destination", key="rp_click_destination", on_click=set_from_click,
                  args=("destination", point))
        c4.button("Dismiss", key="rp_click_dismiss", on_click=forget_click, args=("rp_map",))
    legend([(POINT_COLOURS["start"], "start", "mark"), (POINT_COLOURS["end"], "end", "mark"),
            (PICK_COLOUR, "street point clicked", "ring"),
            *[(TIER_COLOURS[t], f"camera, {t} FRT tier", "dot") for t in ("high", "medium", "low")]],
           title="On the map")
    st.caption("Larger dots are cameras a route passes. Point at a street: a dot shows where a click lands; click "
               "it, then set it as origin or destination.")


def passed_cameras(passed: set[str]) -> list[dict[str, object]]:
    """The cameras a route passes, as the map draws them (picked from the cameras made ready once)."""
    by_id = camera_records(ds, choice)
    return [by_id[c] for c in sorted(passed) if c in by_id]


def whole_view() -> tuple[float, float, float]:
    """The view that frames the whole dataset's streets (once per dataset and session)."""
    return remembered(("rp_view", choice.dataset), lambda: fit_view(
        ds.index.node_lonlat[:, 0], ds.index.node_lonlat[:, 1], height_px=560))


def say_counting(count: Counting | None, *, first: bool) -> None:
    """What a count of 0 means: first a warning when it says nothing (nothing counted, no data), then other notices."""
    if count is None or not count.notice:
        return
    if first and count.zero_means_nothing:
        st.warning(md(count.notice))
    elif not first and not count.zero_means_nothing:
        st.caption(md(count.notice))


def say_compared(compared: list[TrackComparison]) -> None:
    """Each walk beside its fewest-camera route, in one sentence, or why it was not compared."""
    for c in compared:
        head = f"Track {c.track}" + (f" ({c.name})" if c.name else "") if len(compared) > 1 else "Your walk"
        if c.comparison is None:
            st.write(f"**{md(head)}**: not compared — {md(c.reason)}.")
            continue
        st.write(f"**{md(head)}**" + md(c.comparison.sentence(head).removeprefix(head)) + ".")


def uploaded_track() -> KeptFile | None:
    """The track in the uploader, or the one kept from before (another page, a reload); None when there is none."""
    st.file_uploader("Track", type=["gpx", "geojson", "json"], key="rp_track")
    uploaded = STATE.upload("rp_track")
    if not busy.upload_allowed("rp_track", uploaded) or uploaded is None:
        return None
    if st.session_state.get("rp_track") is None:
        st.caption(f"Auditing **{md(uploaded.name)}**, uploaded before; upload another track to audit that one.")
    if uploaded.size > settings.max_camera_file_mb * 1e6:
        st.error(f"{md(uploaded.name)} is {uploaded.size / 1e6:.1f} MB; the limit is "
                 f"{settings.max_camera_file_mb:g} MB.")
        return None
    return uploaded


def audit() -> None:
    st.write("Upload a walk you recorded (GPX from a phone or watch, or a GeoJSON line) to see how long "
             "cameras saw it. Nothing leaves this machine.")
    uploaded = uploaded_track()
    if uploaded is None:
        return
    with busy.gate("Your walk is measured as soon as the server is free."):
        audit_of(uploaded)


def audit_of(uploaded: KeptFile) -> None:
    """The audit of an uploaded walk: its figures, what it could have avoided, its map and tables."""
    try:
        track = read_track_bytes(uploaded.getvalue(), name=uploaded.name)
        # the cameras in use count wherever their file looked, not only on this dataset's streets
        result = audit_track(track, ds.cameras, frt_policy=choice.frt_policy, verification=choice.verification,
                             radius_m=choice.radius_m, coverage_model=choice.coverage_model, level=choice.level,
                             buildings=ds.buildings_as_obstacles, streets=ds.index,
                             extent=ds.camera_extent if ds.camera_extent is not None else ds.extent)
    except ExposureError as err:
        st.error(md(str(err)))
        return
    inside = bool(ds.covers(track.coordinates[:, 0], track.coordinates[:, 1]).any())
    say_counting(result.counting, first=True)
    if not inside:
        st.info(f"This walk lies outside {md(choice.dataset)}'s streets: no route comparison is possible there. "
                "Its cameras are counted all the same. To compare, choose the dataset that covers it in the "
                "sidebar (or build one on the Build a dataset page).")
    several = len(result.tracks) > 1
    if several:
        st.caption(f"{len(result.tracks)} tracks: each is measured on its own, never across the gap to the next; "
                   "the figures below are their totals, with each camera counted once.")
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Length", f"{result.length_m:,.0f} m")
    c2.metric("FRT-capable cameras", f"{result.frt_cameras}", help=f"of {result.cameras} counted cameras")
    c3.metric("In view of FRT cameras", f"{result.metres_in_view:,.0f} m ({100 * result.share_in_view:.0f} %)",
              help=(f"of the {result.length_m - result.unknown_m:,.0f} m known; {result.unknown_m:,.0f} m of the walk "
                    "lies in gaps between recorded points nobody knows the way through") if result.unknown_m else
              None)
    if result.seconds_in_view is not None:
        c4.metric("Time in view", f"{result.seconds_in_view / 60:.1f} min",
                  help=f"of {(result.seconds_total or 0) / 60:.1f} min recorded")
    else:
        c4.metric("Time in view", "—", help="the track has no timestamps")
    for note in result.notes:
        st.caption(f"{md(note[:1].upper() + note[1:])}.")
    say_counting(result.counting, first=False)
    compared = []
    if inside:
        with st.spinner("Finding the fewest-camera route between each walk's start and end…"):
            compared = walk_alternatives(ctx, result, track, time_limit_s=settings.interactive_time_limit_s)
        st.subheader("What could I have avoided?")
        say_compared(compared)
        st.caption("The fewest-camera route runs between the same start and end, at most as long as the walk or "
                   f"{settings.max_detour:.0%} longer than the shortest route, whichever allows more; the thin dark "
                   "line on the map. " + counted_caption(ctx))
    cameras = map_cameras(ds, choice)
    layers = base_layers()
    hit = cameras[cameras["camera_id"].isin(set(result.camera_ids))]
    layers.append(camera_points_layer(hit, radius_px=7))
    better = [c.comparison.route for c in compared if c.comparison is not None]
    if better:
        layers.append(route_layer([
            {"path": [list(xy) for xy in r.coordinates], "colour": list(COMPARISON_COLOUR),
             "label": f"fewest-camera route: {r.length_m:,.0f} m, {r.frt_cameras} FRT cameras"} for r in better],
            width_px=3.0, layer_id="rp_better"))
    # each unbroken line on its own: nothing is drawn across the gap between two tracks or segments
    pieces = [(piece, track.coordinates[span]) for piece, span in track.split() if span.stop - span.start >= 2]
    layers.append(route_layer([
        {"path": [[round(float(x), 7), round(float(y), 7)] for x, y in coords],
         "colour": list(route_colour(piece.track - 1)),
         "label": f"track {piece.track}" + (f" ({piece.name})" if piece.name else "")}
        for piece, coords in pieces], layer_id="rp_track"))
    lon, lat, zoom = fit_view(np.concatenate([track.coordinates[:, 0], hit["lon"].to_numpy(dtype=float)]),
                              np.concatenate([track.coordinates[:, 1], hit["lat"].to_numpy(dtype=float)]),
                              height_px=520)
    st.pydeck_chart(deck(layers, lon=lon, lat=lat, zoom=zoom), height=520, key="rp_audit_map")
    tables = audit_tables(result)
    if several:
        st.subheader("Track by track")
        st.dataframe(tables.tracks, hide_index=True, key="rp_audit_tracks")
        st.download_button("Download the track table (CSV)", audit_tracks_csv(result), file_name="audit-tracks.csv",
                           mime="text/csv", key="rp_audit_tracks_csv", on_click="ignore")
    st.dataframe(tables.cameras, hide_index=True, key="rp_audit_table")
    st.download_button("Download audit (JSON)", json.dumps(audit_to_json(result), indent=2),
                       file_name="audit.json", mime="application/json", key="rp_audit_json", on_click="ignore")


if mode == "Plan a route":
    plan()
else:
    audit()

