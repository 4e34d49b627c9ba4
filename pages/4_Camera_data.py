"""Camera data: upload a camera file, see which rows were rejected, inspect, review and download the cameras."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import streamlit as st

from app import cache
from app.page_state import PageState, session
from app.review_panel import add_toggle, group_reviews, review_panel
from app.reviews import click_layers, map_key
from app.sidebar import sidebar
from app.state import (
    active,
    clear_uploaded,
    counted_caption,
    forget_loaded,
    loaded_file,
    loaded_waiting,
    set_loaded,
    uploaded_source,
    use_loaded,
)
from app.text import md
from exposure import settings
from exposure._errors import ExposureError
from exposure._tables import neutralise_formulas
from exposure.cameras import (
    FRT_CAPABLE_TIERS,
    FRT_TIERS,
    KINDS,
    MOUNTS,
    OPERATORS,
    VERIFICATIONS,
    CameraLoad,
    apply_frt_policy,
    cameras_to_csv,
    cameras_to_geojson,
    frt_policy,
    load_cameras,
    load_cameras_bytes,
    load_extent,
)
from exposure.downloads import DECODE_NYC_URL, DOWNLOAD_NOTICE, fetch_camera_file
from exposure.layers import camera_layers, deck, fit_view
from exposure.policies import passes_verification
from exposure.sources.decode import DECODE_METHOD
from exposure.style import TIER_CAPTION

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

#: Session-state key of the last failed attempt, so a bad file is not re-read on every rerun.
FAILED = "cam_failed"

#: Format override choices shown to the user, and what load_cameras is told.
FORMATS: dict[str, str | None] = {
    "auto": None,
    "osm": "osm",
    "decode": "decode",
    "cctv-exposure": "cctv-exposure",
    "csv": "csv",
    "geojson": "geojson",
}
FORMAT_HELP = (
    "auto detects the format from the file name and content: OpenStreetMap (.osm, .xml, .pbf, "
    "Overpass JSON), Amnesty's Decode Surveillance counts_per_intersections.csv, CCTV-Exposure's "
    "camera CSV, GeoJSON points, or any CSV with lat and lon columns. Choose a format only when "
    "auto guesses wrong."
)


def load_upload(name: str, data: bytes, fmt: str | None) -> CameraLoad:
    """Read an uploaded file from memory under its own name, so reports and errors name it."""
    return load_cameras_bytes(data, name=name, format=fmt)


def dropped_rows(rejected: pd.DataFrame) -> int:
    """How many input rows were dropped (a problem ending in "camera kept" only ignored a value)."""
    dropped = rejected[~rejected["reason"].astype(str).str.endswith("camera kept")]
    return int(dropped[["file", "row"]].drop_duplicates().shape[0])


def _read_upload(uploaded: UploadedFile, fmt_label: str) -> None:
    stamp = (uploaded.file_id, uploaded.name, uploaded.size, fmt_label)
    loaded = loaded_file()
    if loaded is not None and loaded["stamp"] == stamp:
        return
    failed = st.session_state.get(FAILED)
    if failed is not None and failed[0] == stamp:
        st.error(md(failed[1]))
        return
    limit_mb = settings.max_camera_file_mb
    if uploaded.size > limit_mb * 1e6:
        msg = (
            f"{uploaded.name} is {uploaded.size / 1e6:.1f} MB, over the {limit_mb:g} MB limit for camera "
            "files; cut it to your area (for example with osmium extract) and upload it again."
        )
    else:
        try:
            with st.spinner(f"Reading {md(uploaded.name)}…"):
                load = load_upload(uploaded.name, uploaded.getvalue(), FORMATS[fmt_label])
        except ExposureError as err:
            msg = str(err)
        else:
            set_loaded({
                "cameras": load.cameras, "rejected": load.rejected, "source": load.source, "stamp": stamp,
                "extent": load_extent(load),
            })
            st.session_state.pop(FAILED, None)
            return
    # A file that cannot be read replaces the one shown before: its report would be misleading here.
    forget_loaded()
    st.session_state[FAILED] = (stamp, msg)
    st.error(md(msg))


def _download_decode() -> None:
    """Download Amnesty's Decode Surveillance NYC file (the user pressed the button), cached."""
    try:
        with st.spinner("Downloading Amnesty's Decode Surveillance NYC counts…"):
            path = fetch_camera_file(DECODE_NYC_URL)
            load = load_cameras(path, format="decode")
    except ExposureError as err:
        st.session_state[FAILED] = (("decode-nyc",), str(err))
        forget_loaded()
        return
    set_loaded({"cameras": load.cameras, "rejected": load.rejected, "source": "Decode Surveillance NYC (Amnesty)",
                "stamp": ("decode-nyc",), "extent": load_extent(load)})
    st.session_state.pop(FAILED, None)


def _forget_removed_file() -> None:
    # Runs only when the user removes the file from the uploader, not when they come back to
    # the page (the uploader is then empty too, but the loaded file should stay).
    if st.session_state.get("cam_file") is None:
        forget_loaded()
        st.session_state.pop(FAILED, None)


def _report(loaded: dict[str, Any]) -> None:
    cameras: pd.DataFrame = loaded["cameras"]
    rejected: pd.DataFrame = loaded["rejected"]
    source = str(loaded["source"])
    n_dropped = dropped_rows(rejected)
    n_ignored = int(rejected["reason"].astype(str).str.endswith("camera kept").sum())

    st.subheader(f"What was read from {md(source)}")
    c1, c2, c3 = st.columns(3)
    c1.metric("Cameras loaded", f"{len(cameras):,}")
    c2.metric("Rows rejected", f"{n_dropped:,}")
    c3.metric("Values ignored", f"{n_ignored:,}",
              help="An optional value (direction, height, date…) could not be read; the camera is kept without it.")
    if n_dropped:
        rows = "1 row was" if n_dropped == 1 else f"{n_dropped:,} rows were"
        kept = "the other camera is" if len(cameras) == 1 else f"the other {len(cameras):,} cameras are"
        st.warning(f"{rows} rejected; {kept} kept. "
                   "The table below says which rows and why.")
    else:
        st.success(f"Every row of {md(source)} was read: {len(cameras):,} cameras.")
    if n_ignored:
        st.info(f"{n_ignored:,} optional values could not be read and were left out; those cameras are kept.")
    decode = cameras["source"].astype(str).eq("decode").to_numpy()
    if decode.any():
        street = decode & cameras["mount"].astype(str).eq("street").to_numpy()
        dome = street & cameras["kind"].astype(str).eq("dome").to_numpy()
        st.info(f"**How the Decode Surveillance counts combine.** {DECODE_METHOD} Here: {int(decode.sum()):,} "
                f"cameras, {int(street.sum()):,} of them on street furniture ({int(dome.sum()):,} dome). The median "
                "of each intersection's total count, which Amnesty does not publish and which sums higher, is "
                "still available from the command line (`--decode-total n_cameras`).")
    if len(rejected):
        st.dataframe(rejected.astype({"value": str}), hide_index=True, key="cam_rejected_table")
        st.download_button("Download the report (CSV)", neutralise_formulas(rejected).to_csv(index=False),
                           file_name=f"{Path(source).stem}_rejected_rows.csv", mime="text/csv",
                           key="cam_rejected_csv", on_click="ignore")


def _choices(label: str, vocabulary: tuple[str, ...], values: pd.Series, *, key: str) -> list[str]:
    extra = sorted(set(values.astype(str)) - set(vocabulary))
    return st.multiselect(label, [*vocabulary, *extra], key=key, placeholder="All")


st.set_page_config(page_title="Camera data · Surveillance exposure map", page_icon="📷", layout="wide")
choice = sidebar()
ds, ctx = active(choice)
#: The format and the filters hold while the user visits other pages (the files read are kept by app.state).
STATE = PageState("cam", [session("cam_format", "auto"), *(session(key, []) for key in (
    "cam_kind", "cam_mount", "cam_operator", "cam_verification", "cam_tier"))]).restore()

st.title("Camera data")
st.write("Upload your own camera map, check what could not be read, and use it on every page; "
         "or look through the cameras the dataset already has.")

# ---------------------------------------------------------------- upload
st.header("Upload a camera file")
uploaded = st.file_uploader(
    "Camera file: CSV, GeoJSON, JSON, OSM XML or PBF", type=["csv", "geojson", "json", "osm", "xml", "pbf"],
    key="cam_file", on_change=_forget_removed_file,
    help=f"Up to {settings.max_camera_file_mb:g} MB. The file stays in this session; nobody else sees it.",
)
fmt_label = st.selectbox("File format", list(FORMATS), key="cam_format", help=FORMAT_HELP)
if uploaded is not None:
    _read_upload(uploaded, fmt_label)
with st.expander("Or download Amnesty's Decode Surveillance NYC counts"):
    st.warning(DOWNLOAD_NOTICE.format(host=DECODE_NYC_URL.split("/")[2]))
    st.button("Download and load the Decode Surveillance file", key="cam_decode", on_click=_download_decode,
              help="25,536 cameras counted by volunteers at 43,406 New York intersections (CC BY-NC-ND 4.0).")
    failed = st.session_state.get(FAILED)
    if failed is not None and failed[0] == ("decode-nyc",):
        st.error(md(failed[1]))

loaded = loaded_file()
if loaded is not None:
    _report(loaded)
    if loaded_waiting() is not None:  # once they are in use, the button would only say so again
        st.button("Use these cameras on every page", key="cam_use", on_click=use_loaded, type="primary",
                  help="Every page then counts these cameras on the streets of the chosen dataset.")
    else:
        st.success(f"These cameras ({md(loaded['source'])}) are in use on every page.")
if uploaded_source() is not None:
    st.button("Back to the dataset's cameras", key="cam_reset", on_click=clear_uploaded)
st.caption(counted_caption(ctx))

# ---------------------------------------------------------------- inspect
if loaded is not None and uploaded_source() != str(loaded["source"]):
    shown: pd.DataFrame = loaded["cameras"]
    shown_name = str(loaded["source"])
    st.header(f"Inspect the cameras from {md(shown_name)}")
    st.caption("Loaded here only: the other pages count them once you press "
               "“Use these cameras on every page”.")
elif uploaded_source() is not None:  # the cameras in use, with your group's reviews laid over them
    shown = ds.cameras
    shown_name = str(uploaded_source())
    st.header(f"Inspect the cameras from {md(shown_name)}")
else:
    shown = ds.cameras
    shown_name = choice.dataset
    st.header(f"Inspect the cameras of {md(choice.dataset)}")

cameras = apply_frt_policy(shown, frt_policy(choice.frt_policy))
f1, f2, f3, f4, f5 = st.columns(5)
with f1:
    kinds = _choices("Kind", KINDS, cameras["kind"], key="cam_kind")
with f2:
    mounts = _choices("Mount", MOUNTS, cameras["mount"], key="cam_mount")
with f3:
    operators = _choices("Operator", OPERATORS, cameras["operator"], key="cam_operator")
with f4:
    verifications = _choices("Verification", VERIFICATIONS, cameras["verification"], key="cam_verification")
with f5:
    tiers = _choices("FRT tier", FRT_TIERS, cameras["frt_tier"], key="cam_tier")

keep = np.ones(len(cameras), dtype=bool)
for column, wanted in (("kind", kinds), ("mount", mounts), ("operator", operators),
                       ("verification", verifications), ("frt_tier", tiers)):
    if wanted:
        keep &= cameras[column].astype(str).isin(wanted).to_numpy()
filtered = cameras[keep].reset_index(drop=True)

counted = filtered["frt_tier"].isin(FRT_CAPABLE_TIERS) & passes_verification(filtered, choice.verification)
m1, m2 = st.columns(2)
m1.metric("Cameras shown", f"{len(filtered):,}", help=f"of {len(cameras):,} in {md(shown_name)}")
m2.metric("Counted as FRT-capable", f"{int(counted.sum()):,}",
          help=f"under FRT policy {choice.frt_policy} and verification {choice.verification}")

inside = pd.Series(ds.covers(cameras["lon"], cameras["lat"]), index=cameras.index)
if len(cameras) and not inside.any():
    st.info(f"These cameras are outside the streets of {md(choice.dataset)}; routes won't see them. "
            "Choose the dataset that covers them in the sidebar.")
elif not inside.all():
    st.info(f"{int((~inside).sum()):,} of these {len(cameras):,} cameras are outside the streets of "
            f"{md(choice.dataset)}; routes won't see them.")

if len(filtered):
    lon, lat, zoom = fit_view(filtered["lon"], filtered["lat"], height_px=560)
else:
    lon, lat, zoom = fit_view(ds.index.node_lonlat[:, 0], ds.index.node_lonlat[:, 1], height_px=560)
# the cameras in use can be reviewed on the map (a file only loaded here is not in use: nobody counts its reviews)
reviewing = shown is ds.cameras
adding = add_toggle("cam") if reviewing else False
key = map_key("cam_map")
clicks, centre = click_layers(choice.dataset, adding=adding, key=key, prefix="cam")
if centre is not None:
    lon, lat = centre
layers = [*cache.base_layers(choice.dataset), *clicks, *camera_layers(filtered)]
event = st.pydeck_chart(deck(layers, lon=lon, lat=lat, zoom=zoom), height=560, key=key,
                        on_select="rerun", selection_mode="single-object")
st.caption(f"{TIER_CAPTION}. The basemap is the dataset's own "
           "walking network; no map tiles are fetched.")
if reviewing:
    review_panel(event, ds, dataset=choice.dataset, prefix="cam")
else:
    st.caption("Reviews are of the cameras in use: press “Use these cameras on every page” to review these.")

st.dataframe(filtered, hide_index=True, key="cam_table")
stem = Path(shown_name).stem.replace(" ", "_") or "cameras"
d1, d2 = st.columns(2)
d1.download_button("Download these cameras (CSV)", cameras_to_csv(filtered) or "",
                   file_name=f"{stem}_cameras.csv", mime="text/csv", key="cam_csv", on_click="ignore")
d2.download_button("Download these cameras (GeoJSON)", json.dumps(cameras_to_geojson(filtered)),
                   file_name=f"{stem}_cameras.geojson", mime="application/geo+json", key="cam_geojson",
                   on_click="ignore")

# ---------------------------------------------------------------- the group's reviews
st.header("Your group's reviews")
group_reviews(choice.dataset, prefix="cam")
