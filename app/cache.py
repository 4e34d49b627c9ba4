"""Caching wrappers: one dataset and routing context per choice, shared read-only across sessions."""

from __future__ import annotations

import numpy as np
import pydeck as pdk
import streamlit as st

from exposure.datasets import Dataset, available_datasets, load_dataset
from exposure.layers import basemap_layers, street_layer
from exposure.routing import RoutingContext
from exposure.viewsheds import viewshed_polygons


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


@st.cache_resource(show_spinner="Loading the street network and cameras…")
def dataset(name: str) -> Dataset:
    """The dataset, built once per process (then read from the disk cache)."""
    return unsaved().get(name) or load_dataset(name)


@st.cache_resource(show_spinner="Working out which cameras see which streets…")
def context(name: str, frt_policy: str, verification: str, radius_m: float | None, coverage_model: str | None = None,
            level: str | None = None) -> RoutingContext:
    """Routing context for a dataset and a choice of policies and coverage; never mutated by a request.

    ``coverage_model`` and ``level`` None are the defaults in force; ``radius_m`` overrides them.
    """
    return dataset(name).context(frt_policy_spec=frt_policy, verification=verification, radius_m=radius_m,
                                 coverage_model=coverage_model, level=level)


@st.cache_resource(show_spinner="Drawing what each camera sees…", max_entries=16)
def viewshed_outlines(key: str, _ds: Dataset, radius_m: float | None, coverage_model: str | None,
                      level: str | None) -> np.ndarray:
    """Each camera's viewshed as a WGS84 polygon, worked out once per camera table, model and level.

    ``key`` names the cameras (:func:`app.state.counted_key`): the dataset's own are
    shared by every session, an upload or a review overlay has a key of its own.
    The viewsheds themselves are memoised on the dataset and kept on disk with it
    (:meth:`exposure.datasets.Dataset.viewsheds`); this keeps their outlines.
    """
    views = _ds.viewsheds(radius_m=radius_m, coverage_model=coverage_model, level=level)
    return viewshed_polygons(views, crs=_ds.index.crs)


@st.cache_resource(show_spinner=False)
def base_layers(name: str) -> list[pdk.Layer]:
    """The dataset's own basemap (water, parks, buildings) and streets, built once per dataset.

    Uploaded cameras keep the dataset's streets, so the name is the whole key.
    Every page draws these on each rerun; they are only read, never changed.
    """
    ds = dataset(name)
    return [*basemap_layers(ds.basemap), street_layer(ds.index)]
