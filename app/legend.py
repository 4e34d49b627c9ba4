"""Map legends drawn beside pydeck maps (deck.gl draws none of its own)."""

from __future__ import annotations

import html

import streamlit as st


def legend(entries: list[tuple[list[int], str]], *, title: str) -> None:
    """Draw a legend: a title, then one coloured swatch and its text per class."""
    swatches = " ".join(
        "<span style='white-space:nowrap;margin-right:0.9em'>"
        f"<span style='display:inline-block;width:1.1em;height:0.9em;vertical-align:middle;border:1px solid #666;"
        f"background:rgba({colour[0]},{colour[1]},{colour[2]},{(colour[3] if len(colour) > 3 else 255) / 255:.2f})'>"
        f"</span> {html.escape(text, quote=False)}</span>"
        for colour, text in entries
    )
    st.markdown(f"<div style='font-size:0.85rem'><b>{html.escape(title, quote=False)}</b><br/>{swatches}</div>",
                unsafe_allow_html=True)
