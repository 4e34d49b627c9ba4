"""Caching wrappers for the protest planner: what is read once per dataset, not per plan."""

from __future__ import annotations

import streamlit as st

from app import cache
from exposure.cards import data_date as _data_date


@st.cache_data(show_spinner="Reading when the map data was last edited…")
def data_date(name: str) -> str | None:
    """The dataset's data date for route cards (scans its extract once per process)."""
    return _data_date(cache.dataset(name))
