"""Build a dataset: any city from a place name, box or point (online via OpenStreetMap) or a PBF extract."""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any

import streamlit as st

from app import busy, cache
from app.page_state import PageState, session
from app.sidebar import choose_dataset, sidebar
from app.text import md
from exposure import online
from exposure._errors import DatasetError, ExposureError
from exposure._memfile import uploaded_file

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

    from exposure.datasets import Dataset

#: Choices of where a dataset comes from, and the builder's name for each: offline first, as the product is.
HOW: dict[str, str] = {
    "OSM extract .osm.pbf (offline)": "pbf",
    "Place name (online)": "place",
    "Bounding box (online)": "bbox",
    "Point and radius (online)": "point",
}
#: Session-state key of the last dataset built here (its summary), shown until the next build.
BUILT = "bd_built"


def suggested_name(text: str) -> str:
    """A dataset name from what the user typed: ``"Kallio, Helsinki"`` → ``kallio-helsinki``."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:40].strip("-")
    return slug or "my-city"


def _in_memory(upload: UploadedFile, stack: ExitStack) -> Path:
    return stack.enter_context(uploaded_file(upload.getvalue(), upload.name))


def build(how: str, inputs: dict[str, Any], *, name: str, progress: online.Progress) -> Dataset:
    """Run the chosen builder; uploads are files in memory for the build's length, never on disk."""
    with ExitStack() as stack:
        cameras = None
        if inputs["cameras"] is not None:
            cameras = _in_memory(inputs["cameras"], stack)
        if how == "pbf":
            if inputs["pbf_upload"] is not None:
                pbf = _in_memory(inputs["pbf_upload"], stack)
            elif inputs["pbf_path"].strip():
                pbf = Path(inputs["pbf_path"].strip())
            else:
                msg = "upload an .osm.pbf extract or give its path on this machine"
                raise DatasetError(msg)
            return online.build_from_pbf(pbf, name=name, cameras=cameras, progress=progress)
        if how == "place":
            area = online.Area("place", place=inputs["place"])
        elif how == "bbox":
            area = online.Area("bbox", bbox=online.parse_bbox(inputs["bbox"]))
        else:
            area = online.Area("point", point=online.parse_point(inputs["point"]), dist_m=inputs["dist_m"])
        return online.build_online(area, name=name, names=inputs["names"], cameras=cameras, progress=progress)


st.set_page_config(page_title="Build a dataset · Surveillance exposure map", page_icon="🧱", layout="wide")
sidebar()
#: What the user typed holds while they visit other pages (uploads and the build's summary are not kept).
STATE = PageState("bd", [
    session("bd_how", next(iter(HOW))), session("bd_place", ""), session("bd_bbox", ""), session("bd_point", ""),
    session("bd_dist_m", 1500.0), session("bd_pbf_path", ""), session("bd_names", True), session("bd_name", ""),
]).restore()

st.title("Build a dataset")
st.write("Any city's walking network, mapped cameras and place names, saved on this machine under a name "
         "that every page (sidebar → Dataset) and the command line (`--dataset NAME`) can then use.")

how = HOW[st.radio("Build from", list(HOW), key="bd_how", horizontal=True)]
inputs: dict[str, Any] = {"place": "", "bbox": "", "point": "", "dist_m": 1500.0, "names": True,
                          "pbf_upload": None, "pbf_path": ""}
if how == "place":
    inputs["place"] = st.text_input("Place", key="bd_place", placeholder="Kallio, Helsinki",
                                    help="A place with a boundary in OpenStreetMap: a district, town or city. "
                                         "Add the city and country when the name is common.")
    typed = inputs["place"]
elif how == "bbox":
    inputs["bbox"] = st.text_input("Bounding box: west, south, east, north (degrees)", key="bd_bbox",
                                   placeholder="24.940,60.169,24.945,60.172")
    typed = ""
elif how == "point":
    c1, c2 = st.columns([2, 1])
    inputs["point"] = c1.text_input("Centre: latitude, longitude", key="bd_point", placeholder="60.1699,24.9384")
    inputs["dist_m"] = float(c2.number_input("Half-width of the box (m)", 100.0, 20_000.0, step=100.0,
                                             key="bd_dist_m"))
    typed = ""
else:
    inputs["pbf_upload"] = st.file_uploader(
        "OSM extract", type=["pbf", "osm"], key="bd_pbf_upload",
        help="Download one once for your region from download.geofabrik.de or extract.bbbike.org.",
    )
    inputs["pbf_path"] = st.text_input("…or its path on this machine", key="bd_pbf_path",
                                       placeholder="/home/me/Downloads/helsinki.osm.pbf")
    typed = Path(inputs["pbf_upload"].name if inputs["pbf_upload"] else inputs["pbf_path"]).name.split(".")[0]

with st.expander("Options"):
    inputs["cameras"] = st.file_uploader(
        "Camera file instead of OpenStreetMap's cameras (optional)",
        type=["csv", "geojson", "json", "osm", "xml", "pbf"], key="bd_cameras",
        help="Any format the Camera data page reads. Online builds then skip downloading cameras.",
    )
    if how != "pbf":
        inputs["names"] = st.checkbox("Also download names of squares, stations and landmarks", key="bd_names",
                                      help="Street names always come with the network; this adds one more "
                                           "Overpass query.")

suggested = suggested_name(typed)
name = st.text_input("Save as", key="bd_name", placeholder=suggested,
                     help="Letters, digits, '-', '_' or '.'. Empty: the suggestion shown.").strip() or suggested
if name in cache.choices():
    st.caption(f"A dataset called **{md(name)}** exists; building replaces it.")

if how == "pbf":
    st.info("Offline: the extract is read on this machine and nothing is sent anywhere.", icon="🔒")
else:
    st.warning(online.PRIVACY_NOTICE, icon="🌐")

if st.button("Build", key="bd_build", type="primary"):
    st.session_state.pop(BUILT, None)
    replacing = name in cache.choices()
    try:
        # a build reads a whole extract or downloads a city: one of the instance's few heavy jobs at a time
        with busy.heavy_job("dataset build"), st.status(f"Building {md(name)}…", expanded=True) as status:
            ds = build(how, inputs, name=name, progress=lambda message: status.write(md(message)))
            status.update(label=f"Built {md(name)}", state="complete", expanded=False)
    except ExposureError as err:
        st.error(md(str(err)))
    else:
        if replacing:
            # the app keeps loaded datasets, and what it made of them, by name: drop the old one's
            cache.forget_datasets()
        if "saved" in ds.info:
            cache.unsaved().pop(ds.name, None)
        else:  # the cache folder would not take it: keep it in memory for every session until the app stops
            cache.unsaved()[ds.name] = ds
        st.session_state[BUILT] = {**ds.summary(), "save_note": ds.info.get("save_note")}
        choose_dataset(ds.name)  # built to be used: every page now counts it
        st.rerun()  # so that the sidebar lists and shows the new dataset straight away

built = st.session_state.get(BUILT)
if built is not None:
    st.success(
        f"Built **{md(built['name'])}**: {built['nodes']:,} street nodes, {built['street_km']:,} km of street, "
        f"{built['cameras']:,} cameras. Every page now uses it (sidebar → **Dataset**, where you can switch back)"
        + ("." if built.get("save_note") else f", and it works as `--dataset {md(built['name'])}` on the command line.")
    )
    if built.get("save_note"):
        st.warning(f"**Not saved**: {md(built['save_note'])}. Every page can use it until the app stops; the command "
                   "line cannot.")
    if built["rejected_camera_rows"]:
        st.caption(f"{built['rejected_camera_rows']:,} camera row(s) were rejected or corrected; see the "
                   "Camera data page with this dataset chosen.")
    st.caption(md(built["description"]))
