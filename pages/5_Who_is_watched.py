"""Who is watched: camera density against the share of non-white residents, New York City neighbourhoods."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd
import streamlit as st

from app import busy
from app.legend import legend
from app.page_state import PageState, address, int_between, memory, one_of
from app.sidebar import sidebar
from app.state import (
    counted_caption,
    loaded_waiting,
    try_active,
    uploaded_cameras,
    uploaded_source,
    use_loaded,
)
from app.text import md
from exposure._errors import ExposureError
from exposure.areas import DENSITY_TOOLTIP, MEASURES, AreaError, density_layer, density_legend, measure_column
from exposure.cameras import CameraExtent, CameraLoad, describe_policies, load_cameras, load_cameras_bytes, load_extent
from exposure.layers import deck
from exposure.nyc import NYC_AREA_LABELS, NYC_AREA_SETS, in_nyc, package_data_dir
from exposure.style import capitalised
from exposure.watched import (
    REPORT_MEASURES,
    AmnestyModel,
    WatchedReport,
    WatchedResult,
    correlation_table,
    model_table,
    ranked_areas_table,
    watched_report,
)

SOURCES = {"session": "The session's cameras", "upload": "Upload a Decode CSV", "path": "A file on this computer"}
MEASURE_HELP = ("Effective cameras (Amnesty International): the ground within 120 m of cameras on street furniture, "
                "overlaps counted once, in units of one camera's 120 m disc. Cameras on buildings do not count.")
#: Area of a scatter point, in square pixels, and the room kept between the data and the axes (more than its radius).
POINT_AREA_PX, AXIS_PADDING_PX = 55, 8
DECODE_HELP = ("Amnesty International's Decode Surveillance NYC counts_per_intersections.csv (or any camera file "
               "the Camera data page reads).")


@st.cache_data(show_spinner="Reading the camera file…", max_entries=4)
def _load_path(path: str, mtime: float) -> CameraLoad:  # mtime: re-read when the file changes
    return load_cameras(Path(path).expanduser())


@st.cache_data(show_spinner="Reading the uploaded cameras…", max_entries=4)
def _load_bytes(name: str, digest: str, data: bytes) -> CameraLoad:  # digest keys the cache cheaply
    return load_cameras_bytes(data, name=name)


def _policy_caption(source: str, frt_policy: str, verification: str) -> str:
    s = describe_policies(frt_policy, verification)
    return (f"Counted: cameras from **{md(source)}**; FRT policy **{s['frt_policy']}** (capable tiers: "
            f"{', '.join(s['frt_capable_tiers'])}); verification statuses **{', '.join(s['verification'])}**.")


def _scatter(result: WatchedResult) -> alt.LayerChart:
    kept = result.included.assign(nonwhite_pct=lambda t: 100 * t["nonwhite_share"])
    # the axes stand a point's width off the data, so that a point at 0 % or at 0 is drawn whole
    points = alt.Chart(kept).mark_circle(size=POINT_AREA_PX, opacity=0.75).encode(
        x=alt.X("nonwhite_pct:Q", title="Non-white residents (%)",
                scale=alt.Scale(domain=[0, 100], nice=False, padding=AXIS_PADDING_PX)),
        y=alt.Y("measure:Q", title=capitalised(result.label), scale=alt.Scale(padding=AXIS_PADDING_PX)),
        color=alt.Color("group:N", title=capitalised(result.group or "group")),
        tooltip=[alt.Tooltip("name:N", title="Area"), alt.Tooltip("measure:Q", title=result.label, format=".1f"),
                 alt.Tooltip("nonwhite_pct:Q", title="Non-white %", format=".0f"),
                 alt.Tooltip("population:Q", title="Residents", format=",.0f")],
    )
    if result.fit is None:
        return alt.LayerChart(layer=[points])
    xs = np.array([result.fit.share_min, result.fit.share_max])
    line = alt.Chart(pd.DataFrame({"nonwhite_pct": 100 * xs, "measure": result.fit.predict(xs)})).mark_line(
        color="#333333", strokeDash=[6, 3]).encode(x="nonwhite_pct:Q", y="measure:Q")
    return alt.LayerChart(layer=[points, line])


def _amnesty_section(model: AmnestyModel, *, said: tuple[str, ...]) -> None:
    """Amnesty's binomial model per borough, with how it differs from Amnesty's own study."""
    st.subheader("Amnesty's model, on our areas")
    st.markdown(f"Is an area *surveilled* — more than {model.threshold_per_1000:g} effective cameras per 1,000 "
                "residents — more often where more of its residents are Black or Hispanic? A logistic regression per "
                "borough on the share of Black and Hispanic residents among Black, Hispanic and white residents, at "
                "New York's 2020 Neighborhood Tabulation Areas (the finest areas this project has census figures "
                "for).")
    st.dataframe(model_table(model), hide_index=True, key="ww_amnesty")
    for f in model.fits:
        st.caption(f.sentence() + ".")
    fresh = [c for c in model.caveats if c not in said]  # the cameras' own caveats are listed below already
    st.warning("**Not the same study as Amnesty's.**\n\n" + "\n".join(f"- {md(c)}" for c in fresh))


st.set_page_config(page_title="Who is watched · Surveillance exposure map", page_icon="📷", layout="wide")
choice = sidebar()
#: The choices go into the address (a link shows the same figures); the camera source, an uploaded file and a path
#: on this computer are kept in this app's memory only (a local path is never in a link).
STATE = PageState("ww", [
    memory("ww_source", "session"),
    address("ww_areas", next(iter(NYC_AREA_SETS)), param="areas", parse=one_of(NYC_AREA_SETS)),
    address("ww_measure", next(iter(REPORT_MEASURES)), param="measure", parse=one_of(REPORT_MEASURES)),
    address("ww_frt", False, param="frt", parse=lambda text: text == "yes", show=lambda on: "yes" if on else None),
    address("ww_min_population", 500, param="min_population", parse=int_between(0, 100_000)),
    memory("ww_upload", upload=True),
    memory("ww_path", ""),
]).restore()

st.title("Who is watched")
st.caption("Do New York neighbourhoods with more non-white residents have more cameras? Camera density set "
           "against the share of non-white residents, area by area, with the uncertainty and the caveats.")

try:
    package_data_dir()
except AreaError as err:
    st.warning(f"**New York's neighbourhoods and their census figures are not available here**: {md(err)}. This "
               "page needs them; every other page works without them.")
    st.stop()

c1, c2, c3 = st.columns(3)
source = c1.radio("Cameras", list(SOURCES), format_func=SOURCES.__getitem__, key="ww_source")
area_set = c2.selectbox("Areas", list(NYC_AREA_SETS), format_func=lambda k: NYC_AREA_LABELS.get(k, k), key="ww_areas",
                        help="\n\n".join(f"**{NYC_AREA_LABELS.get(k, k)}**: {v}" for k, v in NYC_AREA_SETS.items()))
measure_key = c2.selectbox("Measure", list(REPORT_MEASURES), format_func=lambda m: capitalised(MEASURES[m][2]),
                           key="ww_measure", help=MEASURE_HELP)
frt_only = c3.toggle("FRT-capable cameras only", key="ww_frt",
                     help="Only the cameras the sidebar's FRT policy rates high or medium.")
min_population = c3.number_input("Leave out areas with fewer residents than", 0, 100_000, step=100,
                                  key="ww_min_population", help="Parks, cemeteries and airports have almost no "
                                  "residents; their rates per resident and their non-white share mean little.")

cameras: pd.DataFrame | None = None
counted: np.ndarray | None = None  # None with frt: the report selects the cameras with the sidebar's policies
frt: np.ndarray | None = None
caption = ""
camera_file = ""  # the file read on this page, named in a warning when none of its cameras is in the city
report: WatchedReport | None = None
extent: CameraExtent | None = None
waiting = loaded_waiting()
try:
    if source == "session":
        found = try_active(choice)  # None: the dataset cannot be loaded, and the page said why
        if found is not None:
            ds, ctx = found
            in_use = uploaded_cameras()
            inside = in_nyc(ds.cameras["lon"], ds.cameras["lat"])
            if waiting is not None:
                n_nyc = int(in_nyc(waiting["cameras"]["lon"], waiting["cameras"]["lat"]).sum())
                counts = f"**{md(uploaded_source())}**" if in_use else f"the cameras of **{md(ds.name)}**"
                st.info(f"A file you read on the *Camera data* page is waiting: **{md(waiting['source'])}**, "
                        f"{len(waiting['cameras']):,} cameras, {n_nyc:,} of them in New York City. It is not in use "
                        f"yet: this page counts {counts}.")
                st.button(f"Use {md(waiting['source'])} on every page", key="ww_use_loaded", on_click=use_loaded,
                          type="primary")
            if not inside.any():
                where = (f"uploaded cameras from **{md(uploaded_source())}**" if in_use
                         else f"cameras of dataset **{md(ds.name)}**")
                st.info(f"The {where} are not in New York City. "
                        + ("Use the waiting file above, or choose" if waiting is not None else "Choose")
                        + " *Upload a Decode CSV* or *A file on this computer* above and give Amnesty's Decode "
                        "Surveillance NYC `counts_per_intersections.csv`.")
            else:
                cameras, counted, frt = ds.cameras, ctx.exposure.counted, ctx.exposure.frt
                # an upload covers where its file looked, whatever the dataset's streets; the dataset's own, its box
                extent = in_use[1] if in_use is not None else ds.extent
                caption = counted_caption(ctx)
    else:
        load: CameraLoad | None = None
        if source == "upload":
            c1.file_uploader("Decode CSV", type=["csv"], key="ww_upload", help=DECODE_HELP)
            upload = STATE.upload("ww_upload")  # the file in the uploader, or the one kept from before
            if not busy.upload_allowed("ww_upload", upload):
                upload = None
            elif upload is None:
                st.info("Upload Amnesty's Decode Surveillance NYC `counts_per_intersections.csv`.")
            else:
                if st.session_state.get("ww_upload") is None:
                    c1.caption(f"Counting **{md(upload.name)}**, uploaded before; upload another file to count "
                               "that one.")
                data = upload.getvalue()
                load = _load_bytes(upload.name, hashlib.sha256(data).hexdigest(), data)
        else:
            text = c1.text_input("Path of the camera file", key="ww_path", help=DECODE_HELP,
                                 placeholder="~/Downloads/counts_per_intersections.csv").strip()
            if not text:
                st.info("Give the path of a local copy of Amnesty's Decode Surveillance NYC "
                        "`counts_per_intersections.csv`.")
            else:
                path = Path(text).expanduser()
                load = _load_path(str(path), path.stat().st_mtime if path.is_file() else 0.0)
        if load is not None:
            if len(load.rejected):
                st.warning(f"{md(load.source)}: {len(load.rejected)} row(s) rejected or corrected; the Camera data "
                           "page lists them.")
            cameras, extent, camera_file = load.cameras, load_extent(load), load.source
            caption = _policy_caption(load.source, choice.frt_policy, choice.verification)
    if cameras is not None:
        with busy.gate("Your comparison is worked out as soon as the server is free."):
            report = watched_report(
                cameras, areas=area_set, measure=measure_column(measure_key, frt_only=frt_only)[0],
                min_population=float(min_population), counted=counted, frt=frt, frt_policy=choice.frt_policy,
                verification=choice.verification, extent=extent)
        if camera_file and not report.camera_counts["in_nyc"]:
            st.warning(f"None of the cameras in {md(camera_file)} is in New York City.")
except ExposureError as err:
    st.error(md(str(err)))
    report = None

if report is not None:
    result, model, table, tally = report.result, report.model, report.table, report.camera_counts
    # the cameras every figure below rests on
    t1, t2, t3, t4 = st.columns(4)
    t1.metric("Cameras counted", f"{tally['counted']:,}", help=f"of {tally['cameras']:,} in the camera data, "
              "under the sidebar's verification policy")
    t2.metric("FRT-capable", f"{tally['frt_capable']:,}", help="of those counted, under the sidebar's FRT policy")
    t3.metric("In New York City", f"{tally['in_nyc']:,}", help="counted cameras inside the box around the five "
              "boroughs")
    t4.metric("Areas with camera data", f"{tally['areas_with_camera_data']:,} of {tally['areas']:,}",
              help=f"where the camera source looked: {md(table.attrs.get('extent', ''))}")
    city = result.citywide
    m1, m2, m3, m4 = st.columns(4)
    # "citywide" only when every borough is compared; a Brooklyn-only file gives Brooklyn's figure
    m1.metric(f"Spearman rho ({city.group})", "n/a" if city.rho is None else f"{city.rho:+.2f}")
    m2.metric("95 % interval", "n/a" if city.ci_low is None or city.ci_high is None
              else f"{city.ci_low:+.2f} to {city.ci_high:+.2f}")
    m3.metric("p-value", "n/a" if city.p_value is None else
              (f"{city.p_value:.2g}" if city.p_value >= 0.001 else "< 0.001"))
    m4.metric("Areas compared", f"{city.n}", help=f"{len(result.rows) - city.n} left out: "
              + ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in result.excluded.items() if v))
    st.markdown(f"**{city.sentence(label=result.label)}.**")
    if result.by_group:
        st.dataframe(correlation_table(result), hide_index=True, key="ww_groups")
    if model is not None:
        _amnesty_section(model, said=result.caveats)

    left, right = st.columns(2)
    with left:
        shown = table.copy()
        shown["geometry"] = shown.geometry.simplify(0.0001, preserve_topology=True)  # ~10 m: lighter map
        lon, lat = (float(v) for v in shown.geometry.union_all().centroid.coords[0])
        st.pydeck_chart(deck([density_layer(shown, result.measure, label=result.label)], lon=lon, lat=lat, zoom=9.5,
                             tooltip=DENSITY_TOOLTIP), height=480, key="ww_map")
        legend(density_legend(shown, result.measure, label=result.label), title=capitalised(result.label))
        st.caption("No map tiles are fetched.")
    with right:
        st.altair_chart(_scatter(result), width="stretch", key="ww_scatter")
        if result.fit is not None:
            st.caption(f"Dashed line: least-squares fit, {result.fit.slope / 10:+.2f} {result.label} per 10 "
                       f"percentage points of non-white share (R² {result.fit.r2:.2f}).")
    st.info("**Read this before quoting the figures.**\n\n" + "\n".join(f"- {md(c)}" for c in result.caveats))
    st.caption(caption)
    st.caption(md(table.attrs.get("note", "")))

    st.subheader(f"Areas ranked by {result.label}")
    st.dataframe(ranked_areas_table(result), hide_index=True, key="ww_table")
    stem = f"who-is-watched-{area_set}-{result.measure}"
    d1, d2 = st.columns(2)
    d1.download_button("Download CSV", result.rows_to_csv(), file_name=f"{stem}.csv", mime="text/csv", key="ww_csv",
                       on_click="ignore")
    d2.download_button("Download JSON", functools.partial(lambda r: json.dumps(r.to_dict(), ensure_ascii=False,
                                                                               indent=1), report),
                       file_name=f"{stem}.json", mime="application/json", key="ww_json", on_click="ignore")
