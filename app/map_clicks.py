"""Maps one clicks to choose a place: each click read once, shown on the map, and the map never left dimmed.

While a pydeck chart holds a selection, Streamlit draws every object that is not
selected at 40 % opacity: after one click on a street point, the routes, cameras
and basemap all fade, and stay faded until the same point is clicked again. Python
cannot clear a chart's selection, so a page reads the click here, keeps the point,
and draws its map under a fresh key (a chart with no selection), with the point
shown as a ring (:func:`exposure.layers.picked_point_layer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import streamlit as st

__all__ = ["MapClick", "forget_click", "map_click"]


@dataclass(frozen=True)
class MapClick:
    """What a clickable map draws this run.

    Attributes
    ----------
    key
        The widget key to draw the chart under.
    point
        ``(lat, lon)`` of the street point clicked last, until it is used (:func:`forget_click`) or another is
        clicked; None when there is none.
    """

    key: str
    point: tuple[float, float] | None


def _clicked(event: Any) -> tuple[float, float] | None:
    """The first object with a position in a chart's selection, as ``(lat, lon)``."""
    try:
        objects = event["selection"]["objects"]
    except (KeyError, TypeError):
        return None
    for picked in objects.values():
        for o in picked:
            if isinstance(o, dict) and "lon" in o and "lat" in o:
                return float(o["lat"]), float(o["lon"])
    return None


def map_click(name: str) -> MapClick:
    """Call before drawing map ``name``: the key to draw it under, and the point clicked on it.

    A click on the chart drawn last run is taken here (the point kept under
    ``<name>_picked``) and the chart's key moves on, so that the chart drawn now holds
    no selection and nothing on it is dimmed.
    """
    turn = int(st.session_state.get(f"{name}_turn", 0))
    key = f"{name}_{turn}"
    point = _clicked(st.session_state.get(key))
    if point is not None:
        st.session_state[f"{name}_picked"] = point
        turn += 1
        st.session_state[f"{name}_turn"] = turn
        key = f"{name}_{turn}"
    return MapClick(key, st.session_state.get(f"{name}_picked"))


def forget_click(name: str) -> None:
    """The point clicked on map ``name`` was used (or dismissed): no longer show it."""
    st.session_state.pop(f"{name}_picked", None)
