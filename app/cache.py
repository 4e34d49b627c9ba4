"""Caching wrappers: one dataset and routing context per choice, shared read-only across sessions."""

from __future__ import annotations

import pydeck as pdk
import streamlit as st

from exposure.datasets import Dataset, available_datasets, load_dataset
from exposure.layers import basemap_layers, street_layer
from exposure.routing import RoutingContext


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
def context(name: str, frt_policy: str, verification: str, radius_m: float | None) -> RoutingContext:
    """Routing context for a dataset and a choice of policies; never mutated by a request."""
    return dataset(name).context(frt_policy_spec=frt_policy, verification=verification, radius_m=radius_m)


@st.cache_resource(show_spinner=False)
def base_layers(name: str) -> list[pdk.Layer]:
    """The dataset's own basemap (water, parks, buildings) and streets, built once per dataset.

    Uploaded cameras keep the dataset's streets, so the name is the whole key.
    Every page draws these on each rerun; they are only read, never changed.
    """
    ds = dataset(name)
    return [*basemap_layers(ds.basemap), street_layer(ds.index)]
