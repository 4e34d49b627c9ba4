"""The group's review store in the dashboard: its handle (one per process), the reviewer's name, and map clicks.

The store is the group's, shared on purpose by every session of an instance
(unlike uploads and plans): :func:`counted_store` opens it once per process and
every page's figures count it (:mod:`app.state`); :func:`writable_store` makes it
at the first review. The reviewer's name is the session's own, kept across pages
and reloads, never in a link. A click on a map picks a camera (its reviews) or,
when adding, a point of :func:`click_layer`'s grid (a new camera there).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pydeck as pdk
import pyproj
import streamlit as st

from app import cache
from app.page_state import PageState, memory
from exposure import settings
from exposure.crs import WGS84
from exposure.datasets import Dataset
from exposure.review import (
    ReviewStore,
    StreetLines,
    basemap_buildings,
    default_store_path,
    reviewed_dataset,
    street_lines,
)

__all__ = [
    "CLICK_CELLS_MAX",
    "CLICK_LAYER",
    "CLICK_SPACING_M",
    "REVIEWER",
    "Pick",
    "buildings",
    "click_layer",
    "click_layers",
    "counted_store",
    "map_key",
    "picked",
    "reviewed",
    "saved",
    "store_path",
    "store_version",
    "streets",
    "writable_store",
]

#: The reviewer's name: the session's own, kept across pages and reloads in this app's memory, never in a link.
REVIEWER = PageState("rv", [memory("rv_name", "")])
#: Id of the map layer a click on which adds a camera.
CLICK_LAYER = "rv_click"
#: Spacing of the points a click on the map picks to add a camera, in metres (the form then takes the exact place).
CLICK_SPACING_M = 10.0
#: Most such points on a map: a larger dataset gets them around the last camera clicked.
CLICK_CELLS_MAX = 20_000
# session-state key: how many reviews this session saved (each gives the maps a fresh selection)
_SAVES = "rv_saves"


def store_path(dataset: str) -> Path:
    """The review store of a dataset: ``settings.review_store``, else the dataset's own in the cache folder."""
    return default_store_path(dataset)


@st.cache_resource(show_spinner=False, max_entries=16)
def _opened(path: str, inode: int, device: int) -> ReviewStore:
    """The store at ``path``, checked once per process (and again when the file there is replaced)."""
    del inode, device  # part of the key only: another file at the same path is opened afresh
    return ReviewStore(path, create=False)


def _open(path: Path) -> ReviewStore:
    found = path.stat()
    return _opened(str(path), found.st_ino, found.st_dev)


def counted_store(dataset: str) -> ReviewStore | None:
    """The store whose reviews every figure of ``dataset`` counts, or None before the group's first review.

    Raises
    ------
    ReviewError
        When the file there is not a review store (it is left as it is).
    """
    path = store_path(dataset)
    return _open(path) if path.is_file() else None


def writable_store(dataset: str) -> ReviewStore:
    """The store a review of ``dataset`` goes into, made at the first review."""
    path = store_path(dataset)
    if not path.is_file():
        ReviewStore(path, create=True)
    return _open(path)


def store_version(store: ReviewStore) -> tuple[Any, ...]:
    """What the store's verdicts depend on, read cheaply: the same tuple, the same verdicts.

    Records are never deleted and a review changes only when it is withdrawn, so
    how many cameras, reviews, withdrawals and merges it holds says which state it
    is in; the file's inode tells a store put in its place, and the thresholds of
    agreement are settings.
    """
    info = store.info()
    return (str(store.path), store.path.stat().st_ino, info["added_cameras"], info["reviews"],
            info["withdrawn_reviews"], info["merges"], settings.review_verified_min, settings.review_majority_share,
            settings.review_direction_tolerance_deg)


def reviewed(ds: Dataset, store: ReviewStore, *, version: tuple[Any, ...]) -> Dataset:
    """:func:`exposure.review.reviewed_dataset` of a dataset every session shares, worked out once per store state.

    Laying hundreds of verdicts over a camera table takes a noticeable part of a
    second: every session's runs reuse it until a review changes the store.
    """
    return _reviewed(id(ds), version, ds, store)


@st.cache_resource(show_spinner="Counting your group's reviews…", max_entries=8)
def _reviewed(ds_id: int, version: tuple[Any, ...], _ds: Dataset, _store: ReviewStore) -> Dataset:
    # keyed by the dataset's identity (one built again is another; the overlay made keeps it alive, so its id
    # is never another's while cached) and the store's state; Streamlit hashes neither object (the underscores)
    del ds_id, version
    return reviewed_dataset(_ds, _store)


@st.cache_resource(show_spinner="Indexing the streets for the plausibility checks…", max_entries=4)
def streets(dataset: str) -> StreetLines:
    """The dataset's streets for the plausibility checks (the same whatever cameras are counted)."""
    return street_lines(cache.dataset(dataset).index)


@st.cache_resource(show_spinner=False, max_entries=4)
def buildings(dataset: str) -> list[Any]:
    """The dataset's building outlines, for the check on a direction into a wall."""
    return basemap_buildings(cache.dataset(dataset).basemap)


@dataclass(frozen=True)
class Pick:
    """What a click on a map picked: a camera (its id), or a place to add one."""

    lon: float
    lat: float
    camera_id: str | None = None


def picked(event: Any) -> Pick | None:
    """The camera or the place a map's selection holds (``st.pydeck_chart`` with ``on_select``), if any."""
    selection = (event or {}).get("selection") or {}
    objects: dict[str, list[Any]] = selection.get("objects") or {}
    for layer, found in objects.items():
        for obj in found:
            if not isinstance(obj, dict) or "lon" not in obj or "lat" not in obj:
                continue  # a hexagon of a density layer, a route: nothing to review
            try:
                lon, lat = float(obj["lon"]), float(obj["lat"])
            except (TypeError, ValueError):
                continue
            if layer == CLICK_LAYER:
                return Pick(lon, lat)
            if obj.get("camera_id") is not None:
                return Pick(lon, lat, str(obj["camera_id"]))
    return None


def map_key(name: str) -> str:
    """The widget key of a map whose clicks pick cameras to review: another after each review saved.

    A map's selection holds the index of what was clicked in its layer; once a
    review has changed the cameras, that index may be another camera's. A fresh
    key after each save starts the map with nothing selected.
    """
    saves = int(st.session_state.get(_SAVES, 0))
    return name if not saves else f"{name}_{saves}"


def saved() -> None:
    """Say that this session saved a review: the maps start again with nothing selected (:func:`map_key`)."""
    st.session_state[_SAVES] = int(st.session_state.get(_SAVES, 0)) + 1


def click_layers(dataset: str, *, adding: bool, key: str, prefix: str) -> tuple[list[pdk.Layer],
                                                                            tuple[float, float] | None]:
    """The click layer of a map in adding mode (none otherwise), and where to centre the map when it covers a window.

    A dataset too large for points everywhere gets them around the last camera
    clicked on the map ``key`` (remembered for the session): clicking a camera
    elsewhere moves them there. A click on the points themselves never moves them,
    so that what was clicked stays where it was.
    """
    if not adding:
        return [], None
    last = picked(st.session_state.get(key))
    remembered = f"{prefix}_rv_near"
    if last is not None and last.camera_id is not None:
        st.session_state[remembered] = (last.lon, last.lat)
    layer, centre = click_layer(dataset, near=st.session_state.get(remembered))
    return [layer], centre


def click_layer(dataset: str, *, near: tuple[float, float] | None = None,
                ) -> tuple[pdk.Layer, tuple[float, float] | None]:
    """The layer a click on which picks a place to add a camera, and its centre when it covers only part of the map.

    Parameters
    ----------
    dataset
        The dataset's name: the points cover its streets' box, every
        :data:`CLICK_SPACING_M`; past :data:`CLICK_CELLS_MAX` points, a square around
        ``near`` (default the middle).
    near
        Lon and lat of the last place clicked.

    Returns
    -------
    tuple
        The layer (drawn under the cameras, so that a click on a camera picks the
        camera), and the lon/lat the map should centre on when the points cover only
        a window of the dataset (None when they cover all of it).
    """
    xy = cache.dataset(dataset).index.node_xy
    (west, south), (east, north) = xy.min(axis=0), xy.max(axis=0)
    whole = math.ceil((east - west) / CLICK_SPACING_M + 1) * math.ceil((north - south) / CLICK_SPACING_M + 1)
    if whole <= CLICK_CELLS_MAX:
        return _click_layer(dataset, (float(west), float(south), float(east), float(north))), None
    crs = cache.dataset(dataset).index.crs
    if near is None:
        x, y = (west + east) / 2, (south + north) / 2
    else:
        x, y = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform(*near)
    half = CLICK_SPACING_M * (math.sqrt(CLICK_CELLS_MAX) - 1) / 2
    # snapped to the grid, so that nearby clicks share one window (and its cached layer)
    x = float(np.clip(round(x / CLICK_SPACING_M) * CLICK_SPACING_M, west + half, max(west + half, east - half)))
    y = float(np.clip(round(y / CLICK_SPACING_M) * CLICK_SPACING_M, south + half, max(south + half, north - half)))
    lon, lat = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform(x, y)
    return _click_layer(dataset, (x - half, y - half, x + half, y + half)), (float(lon), float(lat))


@st.cache_resource(show_spinner=False, max_entries=8)
def _click_layer(dataset: str, box: tuple[float, float, float, float]) -> pdk.Layer:
    """Points every :data:`CLICK_SPACING_M` over ``box`` (the dataset's metric CRS), nearly invisible, pickable."""
    crs = cache.dataset(dataset).index.crs
    west, south, east, north = box
    xs = np.arange(west, east + CLICK_SPACING_M / 2, CLICK_SPACING_M)
    ys = np.arange(south, north + CLICK_SPACING_M / 2, CLICK_SPACING_M)
    gx, gy = np.meshgrid(xs, ys)
    lon, lat = pyproj.Transformer.from_crs(crs, WGS84, always_xy=True).transform(gx.ravel(), gy.ravel())
    # 6 decimals: about 0.1 m, finer than the spacing; the form then takes the exact place
    points = pd.DataFrame({"lon": np.round(lon, 6), "lat": np.round(lat, 6)}).assign(
        tooltip="Click to add a camera here")
    return pdk.Layer(
        "ScatterplotLayer", id=CLICK_LAYER, data=points, get_position=["lon", "lat"],
        # discs that overlap a little cover the whole box; alpha 1, not 0: deck.gl does not pick what is invisible
        get_radius=CLICK_SPACING_M * 0.75, radius_units="'meters'", get_fill_color=[0, 0, 0, 1], pickable=True,
        auto_highlight=True, highlight_color=[30, 110, 230, 110],
    )
