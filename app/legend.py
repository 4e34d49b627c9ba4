"""Map legends drawn beside pydeck maps (deck.gl draws none of its own), and a legend that picks the routes shown."""

from __future__ import annotations

import hashlib
import html
from collections.abc import Sequence
from typing import Literal

import streamlit as st

__all__ = ["Shape", "legend", "route_legend"]

#: How a legend's swatch is drawn: a filled box (areas), a small dot (cameras), a big dot (named places), a ring
#: (a point just clicked), a line (routes).
Shape = Literal["box", "dot", "mark", "ring", "line"]

_SHAPES: dict[str, str] = {
    "box": "width:1.1em;height:0.9em;border:1px solid #666;background:{c}",
    "dot": "width:0.65em;height:0.65em;border-radius:50%;border:1px solid #fff;box-shadow:0 0 0 1px #aaa;"
           "background:{c}",
    "mark": "width:0.95em;height:0.95em;border-radius:50%;border:2px solid #282828;background:{c}",
    "ring": "width:0.8em;height:0.8em;border-radius:50%;border:3px solid {c};background:#fff",
    "line": "width:1.6em;height:0.35em;border:1px solid #fff;box-shadow:0 0 0 1px #bbb;background:{c}",
}


def _css_colour(colour: Sequence[int]) -> str:
    return f"rgba({colour[0]},{colour[1]},{colour[2]},{(colour[3] if len(colour) > 3 else 255) / 255:.2f})"


def legend(entries: Sequence[tuple[Sequence[int], str] | tuple[Sequence[int], str, Shape]], *, title: str) -> None:
    """Draw a legend: a title, then one coloured swatch and its text per class.

    Each entry is ``(colour, text)`` or ``(colour, text, shape)`` (:data:`Shape`; a box by default), the colour
    RGB or RGBA as the map draws it.
    """
    swatches = " ".join(
        "<span style='white-space:nowrap;margin-right:0.9em'>"
        f"<span style='display:inline-block;vertical-align:middle;"
        f"{_SHAPES[entry[2] if len(entry) > 2 else 'box'].format(c=_css_colour(entry[0]))}'>"  # type: ignore[misc]
        f"</span> {html.escape(entry[1], quote=False)}</span>"
        for entry in entries
    )
    st.markdown(f"<div style='font-size:0.85rem'><b>{html.escape(title, quote=False)}</b><br/>{swatches}</div>",
                unsafe_allow_html=True)


def route_legend(labels: Sequence[str], colours: Sequence[Sequence[int]], *, key: str,
                 title: str = "Routes on the map (click one to hide or show it)") -> set[int]:
    """The routes' legend, one pill per route in its colour: the routes picked are drawn, the others faint.

    Parameters
    ----------
    labels
        Each route's name, in the order of the map's routes.
    colours
        Each route's colour (RGB), as the map, the route cards and the files draw it.
    key
        The widget's key stem: the legend of another set of routes is a widget of its own
        (a digest of the labels is added), so that a choice never names a route that is not there.
    title
        The legend's label.

    Returns
    -------
    set of int
        The places (in ``labels``) of the routes picked; every route until one is left out.
    """
    digest = hashlib.sha256("\x1f".join(labels).encode()).hexdigest()[:8]
    widget = f"{key}_{digest}"
    # each pill takes its route's colour: a coloured bar on its left, filled when the route is shown
    rules = []
    for i, colour in enumerate(colours, start=1):
        c = _css_colour(colour)
        rules.append(f".st-key-{widget} button:nth-of-type({i}) {{border-left: 0.9em solid {c} !important;}}")
        rules.append(f".st-key-{widget} button[kind='pillsActive']:nth-of-type({i}) "
                     f"{{box-shadow: inset 0 -0.25em 0 {c};}}")
    st.html("<style>" + "\n".join(rules) + "</style>")
    picked = st.pills(title, list(range(len(labels))), selection_mode="multi", default=list(range(len(labels))),
                      format_func=lambda i: labels[i], key=widget)
    return set(picked)
