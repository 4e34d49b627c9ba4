"""Streamlit entry: the navigation between the pages, each named as the README names it, and the shared sidebar."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.restarted import restart_notice
from app.sidebar import shared_sidebar

PAGES = Path(__file__).resolve().parent / "pages"

st.set_page_config(page_title="Surveillance exposure map", page_icon="📷", layout="wide")
page = st.navigation([
    st.Page(PAGES / "1_Overview.py", title="Overview", icon="📷", default=True),
    st.Page(PAGES / "2_Route_planner.py", title="Route planner", icon="🚶"),
    st.Page(PAGES / "3_Neighbourhoods.py", title="Neighbourhoods", icon="🗺️"),
    st.Page(PAGES / "4_Camera_data.py", title="Camera data", icon="📋"),
    st.Page(PAGES / "5_Who_is_watched.py", title="Who is watched", icon="👁️"),
    st.Page(PAGES / "6_Build_a_dataset.py", title="Build a dataset", icon="🧱"),
    st.Page(PAGES / "7_Protest_plan.py", title="Protest plan", icon="🪧"),
    st.Page(PAGES / "8_Many_trips.py", title="Many trips", icon="🧮"),
])
with shared_sidebar():  # drawn once here; every page reads its choice with app.sidebar.sidebar()
    restart_notice()  # once, when make serve's process that held this browser's session restarted
    page.run()
