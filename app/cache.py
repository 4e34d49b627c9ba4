"""Caching wrappers: one dataset, routing context and map layers per choice, shared read-only across sessions."""

from __future__ import annotations

import gc
from pathlib import Path
from typing import TypeVar

import numpy as np
import pandas as pd
import streamlit as st

from exposure import settings
from exposure._errors import ExposureError
from exposure.cameras import apply_frt_policy, frt_policy
from exposure.datasets import Dataset, available_datasets, load_dataset
from exposure.layers import (
    LayerJSON,
    basemap_layers,
    camera_layers,
    camera_points,
    camera_points_by_id,
    camera_points_layer,
    layer_json,
    street_layer,
    street_points_layer,
    viewshed_layer,
)
from exposure.places import read_presets
from exposure.places import search_options as place_search_options
from exposure.routing import RoutingContext
from exposure.viewsheds import viewshed_polygons

T = TypeVar("T")

__all__ = [
    "base_layers",
    "camera_layers_json",
    "camera_records",
    "choices",
    "context",
    "dataset",
    "forget_datasets",
    "map_cameras",
    "presets",
    "search_options",
    "settled",
    "street_points",
    "tiered_cameras",
    "unsaved",
    "viewshed_layer_json",
    "viewshed_outlines",
]


@st.cache_resource(show_spinner=False)
def unsaved() -> dict[str, Dataset]:
    """Datasets built here that the cache folder could not take (read-only, or full): usable until the app stops."""
    return {}


def choices() -> dict[str, str]:
    """Every dataset the sidebar offers, with a description: named, saved on this machine, built here unsaved."""
    out = available_datasets()
    for name, ds in unsaved().items():
        why = ds.info.get("save_note", "the cache folder is not writable")
        out.setdefault(name, f"{ds.description} Not saved ({why}): gone when the app stops.")
    return out


def settled(made: T) -> T:
    """``made``, once everything alive now is out of the garbage collector's sight for good.

    Streamlit collects garbage after every page run (``runner.postScriptGC``), and a full
    collection walks every object alive: with the libraries, a dataset and its routing
    context loaded that is over 200,000 objects and a quarter of a second of one core, on
    every request, during which no other session of the process runs. What is alive once a
    dataset or a context is made lives as long as the process: frozen (``gc.freeze``), it is
    never walked again, and a collection walks only what the requests made since. (Objects
    are still freed as soon as nothing refers to them; only cycles among the frozen stay.)
    """
    gc.collect()
    gc.freeze()
    return made


@st.cache_resource(show_spinner="Loading the street network and cameras…")
def dataset(name: str) -> Dataset:
    """The dataset, built once per process (then read from the disk cache)."""
    return settled(unsaved().get(name) or load_dataset(name))


@st.cache_resource(show_spinner="Working out which cameras see which streets…")
def context(name: str, frt_policy: str, verification: str, radius_m: float | None, coverage_model: str | None = None,
            level: str | None = None) -> RoutingContext:
    """Routing context for a dataset and a choice of policies and coverage; never mutated by a request.

    ``coverage_model`` and ``level`` None are the defaults in force; ``radius_m`` overrides them.
    """
    return settled(dataset(name).context(frt_policy_spec=frt_policy, verification=verification, radius_m=radius_m,
                                         coverage_model=coverage_model, level=level))


@st.cache_resource(show_spinner="Drawing what each camera sees…", max_entries=16)
def viewshed_outlines(cameras_key: str, _ds: Dataset, radius_m: float | None, coverage_model: str | None,
                      level: str | None) -> np.ndarray:
    """Each camera's viewshed as a WGS84 polygon, worked out once per camera table, model and level (read only).

    ``cameras_key`` names the cameras (:func:`app.state.counted_key`): the dataset's own,
    with the group's reviews laid over them or not, shared by every session (cameras a
    session uploaded are kept in that session only: :func:`app.views.viewshed_outlines`).
    The viewsheds themselves are memoised on the dataset and kept on disk with it
    (:meth:`exposure.datasets.Dataset.viewsheds`); this keeps their outlines.
    """
    views = _ds.viewsheds(radius_m=radius_m, coverage_model=coverage_model, level=level)
    return viewshed_polygons(views, crs=_ds.index.crs)


@st.cache_resource(show_spinner=False, max_entries=16)
def viewshed_layer_json(cameras_key: str, frt_policy_spec: str, radius_m: float | None, coverage_model: str | None,
                        level: str | None, _ds: Dataset) -> LayerJSON:
    """Every camera's viewshed in its FRT tier's colour, as map JSON written once per choice (the Overview's layer).

    Once per camera table, FRT policy (the colours), coverage model and level
    (:func:`exposure.layers.viewshed_layer`); shared by every session counting these cameras.
    """
    outlines = viewshed_outlines(cameras_key, _ds, radius_m, coverage_model, level)
    cameras = tiered_cameras(cameras_key, frt_policy_spec, _ds.cameras)
    return layer_json(viewshed_layer(outlines, cameras["frt_tier"].astype(str).to_numpy(),
                                     cameras["camera_id"].astype(str).to_numpy()))


def _presets_file(name: str) -> tuple[str, int | None]:
    """The dataset's presets file and when it last changed (None: there is none)."""
    path = Path(settings.presets_folder) / f"{name}.csv"
    try:
        return str(path), path.stat().st_mtime_ns
    except OSError:
        return str(path), None


def presets(name: str) -> pd.DataFrame:
    """The dataset's named gathering points and protest sites, read again only when their file changes (read only)."""
    return _presets(name, *_presets_file(name))


def search_options(name: str) -> list[str]:
    """What a place search offers on this dataset, ★ protest sites first (:func:`exposure.places.search_options`).

    Made once per dataset and presets file (sorting the names takes a while); without the
    presets when their file cannot be read (the page says why).
    """
    return _search_options(name, *_presets_file(name))


@st.cache_resource(show_spinner=False, max_entries=16)
def _search_options(name: str, path: str, stamp: int | None) -> list[str]:
    try:
        table = _presets(name, path, stamp)
    except ExposureError:
        table = None
    return place_search_options(table, dataset(name).places)


@st.cache_resource(show_spinner=False, max_entries=16)
def _presets(name: str, path: str, stamp: int | None) -> pd.DataFrame:
    del path, stamp  # in the key only: a file edited, or another folder, is read again
    return read_presets(name)


@st.cache_resource(show_spinner=False)
def base_layers(name: str) -> list[LayerJSON]:
    """The dataset's own basemap (water, parks, buildings) and streets, built and written as JSON once per dataset.

    Uploaded cameras keep the dataset's streets, so the name is the whole key.
    Every page draws these on each run as they are: a map joins their JSON in.
    """
    ds = dataset(name)
    return [layer_json(layer) for layer in (*basemap_layers(ds.basemap), street_layer(ds.index))]


@st.cache_resource(show_spinner=False)
def street_points(name: str, *, layer_id: str, tooltip: str) -> LayerJSON:
    """Every street point of the dataset as an invisible dot to click on, written as JSON once per dataset."""
    return layer_json(street_points_layer(dataset(name).index.node_lonlat, layer_id=layer_id, tooltip=tooltip))


# The cameras a map draws, under a key naming their content (app.state.counted_key: the dataset's own cameras, or
# them with the group's reviews laid over, shared on purpose): every session counting the same cameras shares
# what is made of them. A parameter whose name starts with "_" is not part of Streamlit's key.


@st.cache_resource(show_spinner=False, max_entries=32)
def tiered_cameras(cameras_key: str, frt_policy_spec: str, _cameras: pd.DataFrame) -> pd.DataFrame:
    """The cameras with their FRT tier under a policy, once per camera table and policy (read only)."""
    return apply_frt_policy(_cameras, frt_policy(frt_policy_spec))


@st.cache_resource(show_spinner=False, max_entries=32)
def map_cameras(cameras_key: str, frt_policy_spec: str, _cameras: pd.DataFrame) -> pd.DataFrame:
    """The cameras as maps draw them (:func:`exposure.layers.camera_points`; read only)."""
    return camera_points(tiered_cameras(cameras_key, frt_policy_spec, _cameras))


@st.cache_resource(show_spinner=False, max_entries=32)
def camera_records(cameras_key: str, frt_policy_spec: str, _cameras: pd.DataFrame) -> dict[str, dict[str, object]]:
    """The cameras as maps draw them, one record by camera id (read only)."""
    return camera_points_by_id(map_cameras(cameras_key, frt_policy_spec, _cameras))


@st.cache_resource(show_spinner=False, max_entries=64)
def camera_layers_json(cameras_key: str, frt_policy_spec: str, verification: str, radius_m: float | None,
                       _cameras: pd.DataFrame, *, radius_px: int | None = None) -> list[LayerJSON]:
    """The cameras as map layers written once per camera table, policy, verification and coverage.

    ``radius_px`` draws every camera as one dot of that size (the planners' small dots);
    None draws them as the Overview does (a density layer beneath them when there are many).
    The key names every choice a camera map may depend on, so that a later choice that
    changes the dots is never served a stale layer.
    """
    del verification, radius_m  # in the key only
    if radius_px is None:
        layers = camera_layers(tiered_cameras(cameras_key, frt_policy_spec, _cameras))
    else:
        layers = [camera_points_layer(map_cameras(cameras_key, frt_policy_spec, _cameras), radius_px=radius_px)]
    return [layer_json(layer) for layer in layers]


def forget_datasets() -> None:
    """Forget every dataset and what was made from them (after a dataset was built again under its name)."""
    for cached in (dataset, context, viewshed_outlines, viewshed_layer_json, _presets, _search_options, base_layers,
                   street_points, tiered_cameras, map_cameras, camera_records, camera_layers_json):
        cached.clear()
