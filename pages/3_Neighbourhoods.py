"""Neighbourhoods: where cameras concentrate, per km², per km of street and per 1,000 residents."""

from __future__ import annotations

import functools
import json

import geopandas as gpd
import streamlit as st

from app import busy, cache
from app.compare import compare_panel
from app.legend import legend
from app.page_state import PageState, address, int_between, memory, one_of
from app.sidebar import sidebar
from app.state import active, counted_caption, outside_notice
from app.text import md
from exposure._errors import ExposureError
from exposure.areas import (
    DENSITY_TOOLTIP,
    MEASURES,
    area_scope,
    areas_in_scope,
    dataset_bounds,
    density_by_area,
    density_layer,
    density_legend,
    density_png,
    density_to_csv,
    density_to_geojson,
    effective_cameras_problem,
    measure_column,
    named_areas,
    osm_place_areas,
    rank_areas,
    ranking_table,
    read_areas,
    usable_measure,
)
from exposure.layers import deck, fit_view
from exposure.nyc import NYC_AREA_LABELS, NYC_AREA_SETS
from exposure.style import capitalised

SOURCES = {
    "h3": "Hexagons (H3)",
    "osm": "OSM neighbourhood points (Voronoi cells)",
    **NYC_AREA_LABELS,
    "upload": "Upload GeoJSON",
}
SOURCE_HELP = {
    "h3": "Equal-size hexagons; comparable with each other, unrelated to any real district.",
    "osm": "Cells around the extract's OpenStreetMap suburb/neighbourhood points; not official boundaries.",
    **{k: f"{v[:1].upper()}{v[1:]}." for k, v in NYC_AREA_SETS.items()},
    "upload": "Your own polygons, e.g. official districts with a population column.",
}
#: The area set behind each choice of the page (the hexagons' resolution is chosen beside it).
SET_OF = {"h3": "h3:RES", "osm": "osm-places", **{k: k for k in NYC_AREA_SETS}}
MEASURE_HELP = {
    "per_km2": "",
    "per_street_km": "walkable streets, each counted once",
    "per_1000_residents": "needs areas with a population column",
    "effective": "ground within 120 m of street-furniture cameras, in cameras' worth (Amnesty)",
    "effective_per_km2": "the same per km² of area",
    "effective_per_1000_residents": "the same per 1,000 residents",
}


def _geojson_text(table: gpd.GeoDataFrame) -> str:
    return json.dumps(density_to_geojson(table), ensure_ascii=False)


@st.cache_data(show_spinner="Reading the extract's place points…")
def _osm_areas(source: str, bounds: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    return osm_place_areas(source, bounds)


st.set_page_config(page_title="Neighbourhoods · Surveillance exposure map", page_icon="📷", layout="wide")
choice = sidebar()
#: The page's choices go into the address (a link shows the same map); an uploaded area file is kept in this
#: app's memory (never in a link), so that another page or a reload does not lose it.
STATE = PageState("nb", [
    address("nb_source", "h3", param="areas", parse=one_of(SOURCES)),
    address("nb_measure", "per_km2", param="measure", parse=one_of(MEASURES)),
    address("nb_cameras", "counted", param="cameras", parse=one_of(["counted", "frt"])),
    address("nb_resolution", 9, param="h3", parse=int_between(7, 10)),
    memory("nb_upload", upload=True),
]).restore()
ds, ctx = active(choice)

st.title("Neighbourhoods")
st.caption("Where cameras concentrate. Compare areas per km², per km of walkable street or per 1,000 "
           "residents; download the table and map to publish.")

scope = area_scope(ds)  # where the cameras in use are: the dataset's streets, or another city's ground
offered = [k for k in SOURCES if k == "upload" or SET_OF[k] in scope.sets]
# a choice kept from other cameras (New York's areas, per km of street) that these cannot use: the first offered
if STATE["nb_source"] not in offered:
    STATE["nb_source"] = offered[0]
if STATE["nb_measure"] not in scope.measures:
    STATE["nb_measure"] = scope.measures[0]
c1, c2, c3 = st.columns(3)
source = c1.radio("Areas", offered, format_func=SOURCES.__getitem__, captions=[SOURCE_HELP[k] for k in offered],
                  key="nb_source")
measure = c2.radio("Measure", list(scope.measures), format_func=lambda m: capitalised(MEASURES[m][2]),
                   captions=[MEASURE_HELP.get(m, "") for m in scope.measures], key="nb_measure")
which = c3.radio("Which cameras", ["counted", "frt"], key="nb_cameras",
                 format_func={"counted": "All counted cameras", "frt": "FRT-capable only"}.__getitem__,
                 help="Counted: the cameras whose verification status the sidebar counts. FRT-capable: those "
                      "of them the FRT policy rates high or medium.")

outside_notice(ds, choice.dataset, consequence=(
    "the areas here count them where they are, without those streets" if not scope.on_streets
    else "no area on this page counts them"))

areas: gpd.GeoDataFrame | None = None
try:
    if source == "h3":
        resolution = c1.slider("H3 resolution", 7, 10, key="nb_resolution",
                               help="7: about 5 km² a hexagon · 8: 0.6 km² · 9: 0.08 km² · 10: 0.012 km² "
                                    "(at Helsinki's latitude)")
        areas = areas_in_scope(f"h3:{int(resolution)}", scope, ds)
    elif source == "osm":
        areas = _osm_areas(ds.source, dataset_bounds(ds))
    elif source != "upload":
        areas = named_areas(source)
    else:
        c1.file_uploader("GeoJSON of polygons", type=["geojson", "json"], key="nb_upload",
                         help="Columns are guessed: id/area_id/code, name/NAME/nimi, "
                              "population/pop/asukkaat. Coordinates are reprojected to WGS84.")
        upload = STATE.upload("nb_upload")  # the file in the uploader, or the one kept from before
        if not busy.upload_allowed("nb_upload", upload):
            upload = None
        elif upload is None:
            st.info("Upload a GeoJSON FeatureCollection of polygons to count cameras per area.")
        else:
            if st.session_state.get("nb_upload") is None:
                c1.caption(f"Counting the areas of **{md(upload.name)}**, uploaded before; upload another file "
                           "to count those.")
            areas = read_areas(upload.getvalue(), source_name=upload.name)
            rejected = areas.attrs.get("rejected", [])
            if rejected:
                st.warning(f"{md(upload.name)}: {len(rejected)} feature(s) left out or repaired:\n\n"
                           + "\n".join(f"- feature {r['feature']}: {md(r['reason'])}" for r in rejected[:20]))
    table = None
    if areas is not None:
        with busy.gate("Your areas are counted as soon as the server is free."):
            table = density_by_area(
                areas, ds.cameras, counted=ctx.exposure.counted, frt=ctx.exposure.frt,
                index=ds.index if scope.on_streets else None, settings=ctx.settings, extent=scope.extent)
except ExposureError as err:
    st.error(md(str(err)))
    table = None

if table is not None:
    measure, why = usable_measure(table, measure)
    if why:
        st.info(f"{why} Upload polygons with a population column to use this measure.")
    if measure.startswith("effective"):
        st.info(f"**Effective cameras.** {md(table.attrs.get('effective', ''))}")
        problem = effective_cameras_problem(table)
        if problem:
            st.warning(problem)
    column, label = measure_column(measure, frt_only=which == "frt")

    # framed to the cameras in use: the dataset's areas, or where another city's cameras are (not its every area)
    frame = tuple(table.total_bounds) if scope.on_streets else scope.bounds
    west, south, east, north = frame
    lon, lat, zoom = fit_view([west, east], [south, north], height_px=560)
    shown = table
    if not scope.on_streets:  # a city's boundaries to the metre weigh megabytes on the page; ~10 m is plenty
        shown = table.copy()
        shown["geometry"] = shown.geometry.simplify(0.0001, preserve_topology=True)
    base = cache.base_layers(choice.dataset) if scope.on_streets else []
    st.pydeck_chart(
        deck([*base, density_layer(shown, column, label=label)], lon=lon, lat=lat, zoom=zoom,
             tooltip=DENSITY_TOOLTIP),
        height=560, key="nb_map",
    )
    legend(density_legend(table, column, label=label), title=label[:1].upper() + label[1:])
    no_data = int(table.attrs.get("no_camera_data", 0))
    if no_data:
        st.warning(f"**{no_data:,} of {len(table):,} areas have no camera data**: they lie mostly outside where the "
                   f"camera source looked ({md(table.attrs.get('extent', ''))}) and hold none of its cameras. They "
                   "are dark grey on the map, at the end of the table with empty camera figures, empty in the CSV "
                   "and GeoJSON, and left out of the ranking: no data is not the same as few cameras.")
    if scope.on_streets:
        st.caption("The basemap is the dataset's own walking network; no map tiles are fetched.")
    else:
        st.caption(f"The areas cover {md(scope.where)}. No map tiles are fetched, and there is no basemap: the "
                   "dataset's streets are elsewhere.")
    st.caption(counted_caption(ctx))
    st.info(f"**What the areas are.** {md(table.attrs.get('note', ''))}")
    if source in ("h3", "osm") and scope.on_streets:
        st.caption("Rates for areas at the edge of the extract are less reliable: streets and cameras beyond "
                   "the extract's box are missing, and cells there hold little street.")

    st.subheader(f"Areas ranked by {label}")
    ranked_areas = rank_areas(table, column)
    st.dataframe(ranking_table(ranked_areas, column), hide_index=True, key="nb_table")

    stem = f"camera-density-{ds.name}-{table.attrs.get('source', 'areas').replace(':', '')}"
    d1, d2, d3 = st.columns(3)
    d1.download_button("Download CSV", density_to_csv(ranked_areas), file_name=f"{stem}.csv", mime="text/csv",
                       key="nb_csv", on_click="ignore")
    d2.download_button("Download GeoJSON", functools.partial(_geojson_text, ranked_areas),
                       file_name=f"{stem}.geojson", mime="application/geo+json", key="nb_geojson",
                       on_click="ignore")
    d3.download_button("Download PNG map (to print)",
                       functools.partial(density_png, table, column=column, label=label,
                                         streets=ds.index if scope.on_streets else None,
                                         basemap=ds.basemap if scope.on_streets else None, bounds=frame,
                                         title=f"{label[0].upper()}{label[1:]} — {ds.name}"),
                       file_name=f"{stem}-{column}.png", mime="image/png", key="nb_png", on_click="ignore",
                       help="A4 map with the dataset's streets, the top areas named, the legend with units, what "
                            "was counted, the data sources and the date.")

if scope.on_streets:  # the study routes walks on the dataset's streets
    compare_panel(ds, choice, prefix="nb")
