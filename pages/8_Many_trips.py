"""Many trips: route a file of origin-destination pairs on a local Dask cluster and download every route."""

from __future__ import annotations

import hashlib
import os

import pandas as pd
import streamlit as st

from app import busy
from app.page_state import PageState, memory
from app.sidebar import sidebar
from app.state import active, counted_caption, counted_key, uploaded_source
from app.text import md
from exposure import settings
from exposure._errors import ExposureError
from exposure.batch import BatchRequest, read_pairs, rows_to_bytes, run_batch

st.set_page_config(page_title="Many trips · Surveillance exposure map", page_icon="📷", layout="wide")
choice = sidebar()
ds, ctx = active(choice)

st.title("Many trips")
st.caption("How many FRT-capable cameras does each of many walks pass, and how many could it avoid? Upload a "
           "file of origin-destination pairs; every pair is routed as the Route planner would, on worker "
           "processes of this machine (a local Dask cluster), and you download one row per route. The pairs "
           "and the routes stay in this app's memory for your session (a reload keeps them); nothing is written "
           "to disk.")

OBJECTIVES = {"fewest-cameras": "Fewest FRT cameras", "least-time-in-view": "Least time in view",
              "shortest": "Shortest only"}
RESULT = "mt_result"
cores = os.cpu_count() or 1
#: The pairs file, the choices and the routes: kept in this app's memory for the session (another page, a reload),
#: never in a link.
STATE = PageState("mt", [
    memory("mt_pairs", upload=True),
    memory("mt_objective", "fewest-cameras"),
    memory("mt_detour", 50),
    memory("mt_alternatives", 0),
    memory("mt_workers", min(2, cores)),
    memory(RESULT),
]).restore()

st.file_uploader(
    "Pairs (CSV or Parquet)", type=["csv", "parquet"], key="mt_pairs",
    help="Columns origin and destination (a place name of the dataset or 'lat,lon'), or origin_lat, origin_lon, "
         "destination_lat, destination_lon; an optional id column names each pair.")
uploaded = STATE.upload("mt_pairs")
if not busy.upload_allowed("mt_pairs", uploaded):
    uploaded = None
c1, c2, c3, c4 = st.columns(4)
objective = c1.radio("Objective", list(OBJECTIVES), format_func=OBJECTIVES.get, key="mt_objective")
detour = c2.slider("Maximum detour (% longer than the shortest)", 0, 100, step=5, key="mt_detour")
alternatives = c3.number_input("Alternatives per pair", 0, 3, key="mt_alternatives",
                               help="More routes per pair from the trade-off set between length and FRT cameras.")
workers = c4.number_input("Worker processes", 1, cores, key="mt_workers",
                          help=f"This machine has {cores} core(s); each worker routes pairs in parallel.")

if uploaded is None:
    st.info("Upload a pairs file to begin. Example:\n\n```\nid,origin,destination\nhome-school,Rautatientori,"
            "Kauppatori\nblock-7,\"60.1699,24.9384\",Senaatintori\n```")
    st.stop()

data = uploaded.getvalue()
try:
    pairs = read_pairs(uploaded.name, data=data)
except ExposureError as err:
    st.error(md(str(err)))
    st.stop()
if len(pairs) > settings.max_batch_pairs_dashboard:
    st.error(f"{md(uploaded.name)} has {len(pairs):,} pairs; the dashboard routes at most "
             f"{settings.max_batch_pairs_dashboard:,} at a time (settings.max_batch_pairs_dashboard). Split the "
             "file, or run `python -m exposure batch --pairs FILE --out routes.parquet`, which takes up to "
             f"{settings.max_batch_pairs:,} (settings.max_batch_pairs).")
    st.stop()
st.write(f"**{len(pairs):,} pairs** in {md(uploaded.name)}.")
if st.session_state.get("mt_pairs") is None:
    st.caption(f"**{md(uploaded.name)}** was uploaded before; upload another file to route that one.")
st.dataframe(pairs.head(10), hide_index=True, key="mt_preview")

request = BatchRequest(objective=objective, max_detour=detour / 100, alternatives=int(alternatives),
                       frt_policy=choice.frt_policy, verification=choice.verification, radius_m=choice.radius_m,
                       coverage_model=choice.coverage_model, level=choice.level,
                       time_limit_s=settings.interactive_time_limit_s)
key = hashlib.sha256(data).hexdigest() + request.key() + str((choice, uploaded_source(), counted_key(ds)))
if st.button("Route every pair", key="mt_run", type="primary"):
    # a batch starts worker processes and may run for minutes: one of the instance's few heavy jobs
    with busy.heavy_job("batch"):
        status = st.status(f"Routing {len(pairs):,} pairs on {int(workers)} worker process(es)…", expanded=True)
        try:
            result = run_batch(ds, pairs=pairs, request=request, workers=int(workers),
                               chunk_size=max(1, min(200, len(pairs) // (4 * int(workers)) or 1)),
                               progress=status.write)
        except ExposureError as err:
            status.update(label="Stopped", state="error")
            st.error(md(str(err)))
            st.stop()
    status.update(label=f"Done in {result.seconds:,.1f} s", state="complete", expanded=False)
    STATE[RESULT] = {"key": key, "rows": result.rows, "summary": result.summary}

found = STATE[RESULT]
if found is None or found["key"] != key:
    st.stop()
rows: pd.DataFrame = found["rows"]
summary = found["summary"]
m1, m2, m3, m4 = st.columns(4)
m1.metric("Pairs routed", f"{summary['pairs'] - summary['pairs_with_errors']:,} of {summary['pairs']:,}")
m2.metric("Median FRT cameras, shortest walk", f"{summary['frt_cameras_shortest_median'] or 0:g}")
m3.metric("Median FRT cameras, best walk", f"{summary['frt_cameras_best_median'] or 0:g}")
m4.metric("FRT cameras avoided, mean per pair", f"{summary['frt_cameras_avoided_mean'] or 0:g}")
label = OBJECTIVES[objective]
st.caption(counted_caption(ctx) + f" Objective: {label[0].lower() + label[1:]}; detour at most {detour} %.")
if summary["not_proven"]:
    st.warning(f"{summary['not_proven']} route(s) reached the {settings.interactive_time_limit_s:g} s limit before "
               "they were proven optimal (column optimal); the command line has a longer limit.")

ok = rows[rows["error"].isna()]
shortest = ok[ok["label"] == "shortest"].set_index("pair_id")["frt_cameras"]
best = ok[ok["label"] != "shortest"].groupby("pair_id")["frt_cameras"].min().reindex(shortest.index)
avoided = (shortest - best.fillna(shortest)).astype(int)
if len(avoided):
    st.subheader("FRT cameras avoided per pair")
    # every whole number from 0 (or the lowest) to the highest: an empty bin is a bar of 0, not a gap closed up
    counts = avoided.value_counts().reindex(range(min(0, int(avoided.min())), int(avoided.max()) + 1), fill_value=0)
    chart = pd.DataFrame({"pairs": counts.to_numpy()}, index=pd.Index(counts.index, name="cameras avoided"))
    st.bar_chart(chart, x_label="FRT cameras avoided (shortest walk minus best walk)", y_label="pairs")
errors = rows[rows["error"].notna()]
if len(errors):
    st.warning(f"{len(errors):,} pair(s) could not be routed; their rows carry the reason.")
    st.dataframe(errors[["pair_id", "origin", "destination", "error"]], hide_index=True, key="mt_errors")
st.subheader("Routes")
st.dataframe(rows.drop(columns=["coordinates"], errors="ignore"), hide_index=True, key="mt_rows")
d1, d2 = st.columns(2)
# each file is written when its button is pressed, not on every run (thousands of routes take a while)
d1.download_button("GeoParquet (one row per route, WGS84 lines)", lambda: rows_to_bytes(rows, "parquet"),
                   file_name="routes.parquet", mime="application/vnd.apache.parquet", key="mt_parquet",
                   on_click="ignore")
d2.download_button("CSV (geometry as WKT)", lambda: rows_to_bytes(rows, "csv"), file_name="routes.csv",
                   mime="text/csv", key="mt_csv", on_click="ignore")
