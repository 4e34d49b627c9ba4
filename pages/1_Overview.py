"""Overview: the dataset's cameras on a map drawn from the dataset itself, with headline figures; review them there."""

from __future__ import annotations

import streamlit as st

from app import cache
from app.maps import camera_map_layers
from app.review_panel import add_toggle, review_panel
from app.reviews import click_layers, map_key
from app.sidebar import sidebar
from app.state import active, counted_caption, outside_notice
from app.text import md
from app.views import viewsheds_caption, viewsheds_layer
from exposure.datasets import counts_summary
from exposure.layers import deck
from exposure.style import TIER_CAPTION

st.set_page_config(page_title="Overview · Surveillance exposure map", page_icon="📷", layout="wide")
choice = sidebar()
ds, ctx = active(choice)
figures = counts_summary(ds, ctx)

st.title("Surveillance exposure map")
st.caption(md(ds.description))
outside_notice(ds, choice.dataset, consequence="no street of it is in their view: they add nothing to the street "
                                                "length in view, though the camera counts below include them")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Cameras counted", f"{figures['cameras_counted']:,}")
c2.metric("FRT-capable", f"{figures['frt_cameras']:,}")
c3.metric("Verified", f"{figures['verified']:,}")
c4.metric("Street length in view of FRT cameras", f"{100 * float(figures['share_of_street_in_view']):.1f} %")
st.caption(counted_caption(ctx))

lon, lat = ds.index.node_lonlat.mean(axis=0)
# review: a click picks a camera (its reviews) or, when adding, the place of a new one (points under the cameras)
adding, key = add_toggle("ov"), map_key("overview_map")
clicks, centre = click_layers(choice.dataset, adding=adding, key=key, prefix="ov")
lon, lat = centre or (lon, lat)
show_views = st.toggle("Show what each camera sees (viewsheds)", key="ov_views",
                       help="Each camera's viewshed under the coverage model and level chosen in the sidebar: its "
                            "disc or sector out to its range, cut by building walls where the model uses them.")
# the basemap, the viewsheds and the cameras under this choice are written as map JSON once, shared by every session
views = [viewsheds_layer(ds, choice)] if show_views else []
layers = [*cache.base_layers(choice.dataset), *views, *clicks, *camera_map_layers(ds, choice)]
event = st.pydeck_chart(deck(layers, lon=float(lon), lat=float(lat)), height=620, key=key,
                        on_select="rerun", selection_mode="single-object")
st.caption(f"{TIER_CAPTION} (with many cameras, hexagons shade how many "
           "fall in each 100 m cell). The basemap — streets, buildings, water, parks — is drawn from the "
           "dataset's own OpenStreetMap data; no map tiles are fetched.")
if show_views:
    st.caption(viewsheds_caption(ctx))
review_panel(event, ds, dataset=choice.dataset, prefix="ov")
