"""A click on a map is read once, kept until used, and the map drawn again under a fresh key (never left dimmed)."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def clickable_map() -> None:
    import streamlit as st

    from app.map_clicks import forget_click, map_click

    click = map_click("m")
    st.session_state["drawn"] = (click.key, click.point)
    if st.session_state.pop("use_it", False):
        forget_click("m")


def selection(lon: float, lat: float) -> dict:
    """What a pydeck chart holds after a click on a point (Streamlit's selection state)."""
    return {"selection": {"indices": {"nodes": [3]}, "objects": {"nodes": [{"lon": lon, "lat": lat, "tooltip": "x"}]}}}


def test_a_click_is_kept_and_the_map_moves_to_a_fresh_key() -> None:
    at = AppTest.from_function(clickable_map).run()
    assert at.session_state["drawn"] == ("m_0", None)
    at.session_state["m_0"] = selection(24.94, 60.17)  # the chart drawn as m_0 was clicked
    at.run()
    assert at.session_state["drawn"] == ("m_1", (60.17, 24.94))  # a chart with no selection: nothing faded
    at.run()
    assert at.session_state["drawn"] == ("m_1", (60.17, 24.94))  # kept until used
    at.session_state["m_1"] = selection(24.95, 60.16)
    at.run()
    assert at.session_state["drawn"] == ("m_2", (60.16, 24.95))  # another click replaces it
    at.session_state["use_it"] = True
    at.run()
    at.run()
    assert at.session_state["drawn"] == ("m_2", None)


def test_a_selection_without_a_position_is_no_click() -> None:
    at = AppTest.from_function(clickable_map).run()
    at.session_state["m_0"] = {"selection": {"indices": {}, "objects": {}}}
    at.run()
    assert at.session_state["drawn"] == ("m_0", None)
    at.session_state["m_0"] = {"selection": {"indices": {"areas": [0]}, "objects": {"areas": [{"name": "A"}]}}}
    at.run()
    assert at.session_state["drawn"] == ("m_0", None)
