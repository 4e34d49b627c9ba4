"""Printable density maps: a choropleth with basemap, named top areas, legend with units, sources (matplotlib)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from exposure._errors import AreaError
from exposure.areas.density import DENSITY_COLUMNS, areas_without_camera_data
from exposure.crs import WGS84
from exposure.network import NetworkIndex

if TYPE_CHECKING:  # matplotlib is imported only when a figure is made: importing the package stays light
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

__all__ = ["SOURCE_CREDITS", "density_figure", "density_png"]


def _caption(gdf: gpd.GeoDataFrame) -> str:
    s = gdf.attrs.get("settings") or {}
    parts = []
    if "dataset" in s:
        parts.append(f"dataset {s['dataset']}")
    if "frt_policy" in s:
        parts.append(f"FRT policy {s['frt_policy']} (capable tiers: {', '.join(s.get('frt_capable_tiers', []))})")
    if "verification" in s:
        parts.append(f"verification {', '.join(s['verification'])}")
    counted = "Counted: " + ("; ".join(parts) if parts else "every camera in the table")
    note = gdf.attrs.get("note")
    return f"{counted}. {note}" if note else f"{counted}."



#: Who to credit for the cameras of each ``source`` value, on published figures.
SOURCE_CREDITS: dict[str, str] = {
    "osm": "OpenStreetMap contributors (ODbL)",
    "decode": "Amnesty International, Decode Surveillance NYC (volunteer counts)",
    "cctv-exposure": "Lahtinen et al. 2021, CCTV-Exposure (CC BY-NC 4.0)",
}


def _sources_line(gdf: gpd.GeoDataFrame, *, basemap: bool, made: date) -> str:
    settings = gdf.attrs.get("settings") or {}
    sources = [SOURCE_CREDITS.get(s, f"{s} file") for s in gdf.attrs.get("camera_sources", [])]
    if settings.get("cameras"):
        sources.append(f"file {Path(str(settings['cameras'])).name}")
    cameras = "; ".join(dict.fromkeys(sources)) or "the camera table given"
    streets = " Streets and basemap: © OpenStreetMap contributors (ODbL)." if basemap else ""
    areas = str(gdf.attrs.get("source", "")) or "areas given"
    return f"Cameras: {cameras}.{streets} Areas: {areas}. Made {made.isoformat()} with exposure."


def density_figure(
    gdf: gpd.GeoDataFrame, *, column: str, title: str, label: str | None = None, caption: str | None = None,
    streets: NetworkIndex | None = None, basemap: Mapping[str, list[list[list[float]]]] | None = None,
    top: int = 5, made: date | None = None,
) -> Figure:
    """A choropleth of one column, ready to print: basemap, named top areas, legend with units, sources.

    Parameters
    ----------
    gdf
        Output of :func:`density_by_area`.
    column
        The column to colour by.
    title
        Title drawn above the map.
    label
        What the column measures, with its units (``"cameras per km²"``): the
        legend's title. Default: the column's name made readable.
    caption
        What was counted; default the policies and what the areas are.
    streets
        The dataset's walking network, drawn over the areas as the basemap.
    basemap
        The dataset's water, parks and buildings (``Dataset.basemap``), drawn beneath.
    top
        How many of the highest areas are named on the map (ranked 1, 2, …).
    made
        The date printed with the sources; default today.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (no pyplot state).

    Raises
    ------
    AreaError
        When ``column`` is not in the table.
    """
    from matplotlib import cm  # noqa: PLC0415 - matplotlib only when a figure is made
    from matplotlib.colors import Normalize  # noqa: PLC0415
    from matplotlib.figure import Figure as MplFigure  # noqa: PLC0415 - no pyplot: no global backend state

    if column not in gdf.columns:
        msg = f"no column {column!r} to map; choose one of {', '.join(c for c in DENSITY_COLUMNS if c in gdf)}"
        raise AreaError(msg)
    label = label or column.replace("_", " ").replace("per km2", "per km²")
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    values = wgs[column].astype(float).to_numpy()
    shown = np.isfinite(values) & ~areas_without_camera_data(wgs)

    fig = MplFigure(figsize=(8.27, 10.2), dpi=150)  # A4 portrait
    ax = fig.add_axes((0.04, 0.25, 0.78, 0.68))
    cax = fig.add_axes((0.85, 0.35, 0.025, 0.46))
    _draw_basemap(ax, basemap)
    norm = Normalize(vmin=0.0, vmax=float(values[shown].max()) if shown.any() and values[shown].max() > 0 else 1.0)
    handles = _draw_areas(ax, wgs, values, norm=norm)
    _draw_streets(ax, streets)
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=_CMAP), cax=cax).set_label(label[:1].upper() + label[1:],
                                                                              fontsize=10)
    west, south, east, north = wgs.total_bounds if len(wgs) else (0.0, 0.0, 1.0, 1.0)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)) if len(wgs) else 1)
    ax.apply_aspect()  # where the map really is, so that label boxes are measured where they will be drawn
    # the highest areas, named on the map and ranked
    order = [i for i in np.argsort(-np.where(shown, values, -np.inf), kind="stable")[:top]
             if shown[i] and values[i] > 0]
    _name_top_areas(fig, ax, wgs, order)
    if order:
        fig.text(0.04, 0.172, "Highest: " + "; ".join(
            f"{rank}. {wgs['name'].iloc[i]} ({values[i]:,.1f})" for rank, i in enumerate(order, start=1)),
            fontsize=7.5, wrap=True, va="top")
    if handles:  # beneath the map, where it hides no area
        fig.legend(handles=handles, loc="upper left", bbox_to_anchor=(0.04, 0.245), fontsize=7, frameon=False)
    ax.set_axis_off()
    fig.suptitle(title, fontsize=14, y=0.975)
    text = caption if caption is not None else _caption(gdf)
    fig.text(0.04, 0.115, text, fontsize=6.5, wrap=True, va="top")
    fig.text(0.04, 0.03, _sources_line(gdf, basemap=streets is not None or bool(basemap),
                                       made=made or date.today()), fontsize=6.5, wrap=True, va="bottom")
    return fig


#: The colour map of the printed choropleth (light yellow to dark red, as the screen's ramp).
_CMAP = "YlOrRd"


def _draw_basemap(ax: Axes, basemap: Mapping[str, list[list[list[float]]]] | None) -> None:
    """The dataset's water, parks and buildings, beneath the areas."""
    from matplotlib.collections import PolyCollection  # noqa: PLC0415 - matplotlib only when a figure is made

    for kind, colour in (("water", "#c6ddf0"), ("park", "#d9ead0"), ("building", "#e4e1dc")):
        rings = [np.asarray(r)[:, :2] for r in (basemap or {}).get(kind, []) if len(r) > 2]
        if rings:
            ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors="none", zorder=0))


def _draw_areas(ax: Axes, wgs: gpd.GeoDataFrame, values: np.ndarray, *, norm: Normalize) -> list[Patch]:
    """The areas coloured by value; no camera data and undefined values in their own greys, with legend entries."""
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib only when a figure is made

    no_data = areas_without_camera_data(wgs)
    shown = np.isfinite(values) & ~no_data
    if shown.any():
        wgs[shown].assign(_v=values[shown]).plot(ax=ax, column="_v", cmap=_CMAP, norm=norm, alpha=0.78,
                                                 edgecolor="#555555", linewidth=0.4, zorder=1)
    handles = []
    if no_data.any():
        wgs[no_data].plot(ax=ax, facecolor="#9a9a9a", edgecolor="#555555", hatch="///", linewidth=0.4, alpha=0.8,
                          zorder=1)
        handles.append(Patch(facecolor="#9a9a9a", edgecolor="#555555", hatch="///",
                             label=f"no camera data ({int(no_data.sum())} area{'' if no_data.sum() == 1 else 's'}): "
                                   "outside where the camera source looked"))
    undefined = ~np.isfinite(values) & ~no_data
    if undefined.any():
        wgs[undefined].plot(ax=ax, facecolor="#ececec", edgecolor="#555555", linewidth=0.4, zorder=1)
        handles.append(Patch(facecolor="#ececec", edgecolor="#555555", label="not defined (no residents or street)"))
    return handles


def _draw_streets(ax: Axes, streets: NetworkIndex | None) -> None:
    """The dataset's walking network over the areas."""
    from matplotlib.collections import LineCollection  # noqa: PLC0415 - matplotlib only when a figure is made

    if streets is not None and len(streets.street_edges):
        pieces = np.split(streets.lonlat, streets.geom_start[1:-1])
        lines = [pieces[i] for i in streets.street_edges]
        ax.add_collection(LineCollection(lines, colors="#6f6f6f", linewidths=0.35, alpha=0.7, zorder=2))


def _name_top_areas(fig: Figure, ax: Axes, wgs: gpd.GeoDataFrame, order: list[int]) -> None:
    """Name the highest areas on the map, ranked; a name that would cover another shrinks to its rank, or goes."""
    from matplotlib import patheffects  # noqa: PLC0415 - matplotlib only when a figure is made
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415

    outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    renderer = FigureCanvasAgg(fig).get_renderer()  # type: ignore[no-untyped-call]
    placed: list[Any] = []
    for rank, i in enumerate(order, start=1):
        point = wgs.geometry.iloc[i].representative_point()
        tag = ax.text(point.x, point.y, f"{rank}. {wgs['name'].iloc[i]}", fontsize=7.5, ha="center",
                      va="center", zorder=4, path_effects=outline)
        box = tag.get_window_extent(renderer)
        if any(box.overlaps(other) for other in placed):  # a name over another: its rank only, named below
            tag.set_text(str(rank))
            box = tag.get_window_extent(renderer)
            if any(box.overlaps(other) for other in placed):  # even that: named below only
                tag.remove()
                continue
        placed.append(box)


def density_png(gdf: gpd.GeoDataFrame, *, column: str, title: str, **options: Any) -> bytes:
    """:func:`density_figure` as PNG bytes (the same options), ready to print or publish."""
    buf = io.BytesIO()
    density_figure(gdf, column=column, title=title, **options).savefig(buf, format="png")
    return buf.getvalue()

