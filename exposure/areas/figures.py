"""Printable density maps: a choropleth with basemap, named top areas, legend with units, sources (matplotlib)."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np

from exposure._errors import AreaError
from exposure._page import A4_INCHES, Page
from exposure.areas.density import DENSITY_COLUMNS, areas_without_camera_data
from exposure.crs import WGS84
from exposure.network import NetworkIndex

if TYPE_CHECKING:  # matplotlib is imported only when a figure is made: importing the package stays light
    from matplotlib.axes import Axes
    from matplotlib.colors import Normalize
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

__all__ = ["PRINT_DPI", "SOURCE_CREDITS", "density_figure", "density_png"]

#: The resolution of the printed map (an A4 page of 2,481 × 3,507 pixels).
PRINT_DPI = 300


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
    top: int = 5, made: date | None = None, bounds: Sequence[float] | None = None,
) -> Figure:
    """A choropleth of one column, ready to print: basemap, named top areas, legend with units, scale, sources.

    The page is A4 (210 × 297 mm at :data:`PRINT_DPI`), every text wrapped
    inside a 10 mm margin; the map carries a scale bar, and each of the
    highest areas is named with its rank ("3. Kluuvi"), beside its area with
    a leader line where the names would cover each other.

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
    bounds
        ``(min_lon, min_lat, max_lon, max_lat)`` the map is framed to (e.g.
        where the cameras are, when the areas cover a whole city); default
        every area.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (no pyplot state), A4 at :data:`PRINT_DPI`.

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
    # the highest areas, named on the map and ranked
    order = [i for i in np.argsort(-np.where(shown, values, -np.inf), kind="stable")[:top]
             if shown[i] and values[i] > 0]

    fig = MplFigure(figsize=A4_INCHES, dpi=PRINT_DPI)
    page = Page(fig)
    heading = fig.suptitle(page.wrap(title, fontsize=14), fontsize=14, x=page.left, y=page.top, ha="left", va="top")
    map_top = page.box(heading).y0 - 0.015

    # beneath the map, from the foot of the page up: sources, what was counted, the highest areas, the greys
    _, y = page.up(page.bottom, _sources_line(gdf, basemap=streets is not None or bool(basemap),
                                              made=made or date.today()), fontsize=6.5)
    _, y = page.up(y + 0.006, caption if caption is not None else _caption(gdf), fontsize=6.5)
    highest = None
    if order:
        highest, y = page.up(y + 0.008, "Highest: " + "; ".join(
            f"{rank}. {wgs['name'].iloc[i]} ({values[i]:,.1f})" for rank, i in enumerate(order, start=1)),
            fontsize=7.5)
        y += page.line_height(7.5)  # a line to spare, should a name find no room on the map
    handles = _grey_handles(wgs, values)
    if handles:  # beneath the map, where it hides no area
        key = fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(page.left, y + 0.006), fontsize=7,
                         frameon=False, borderaxespad=0)
        y = page.box(key).y1
    ax = fig.add_axes((page.left, y + 0.015, _MAP_RIGHT - page.left, map_top - y - 0.015))
    _draw_basemap(ax, basemap)
    norm = Normalize(vmin=0.0, vmax=float(values[shown].max()) if shown.any() and values[shown].max() > 0 else 1.0)
    _draw_areas(ax, wgs, values, norm=norm)
    _draw_streets(ax, streets)
    west, south, east, north = (bounds if bounds is not None else wgs.total_bounds if len(wgs)
                                else (0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / math.cos(math.radians((south + north) / 2)) if len(wgs) else 1)
    ax.set_axis_off()
    ax.apply_aspect()  # where the map really is, so that label boxes are measured where they will be drawn
    frame = page.box(ax)
    cax = fig.add_axes((_MAP_RIGHT + 0.03, frame.y0 + 0.1 * frame.height, 0.022, 0.8 * frame.height))
    fig.colorbar(cm.ScalarMappable(norm=norm, cmap=_CMAP), cax=cax).set_label(label[:1].upper() + label[1:],
                                                                              fontsize=10)
    bar = _scale_bar(ax, (west, south, east, north))
    unnamed = _name_top_areas(ax, wgs, order, avoid=[bar.get_window_extent(page.renderer)])
    if unnamed and highest is not None:
        highest.set_text(page.wrap(highest.get_text().replace("\n", " ") + " (not named on the map for want of "
                                   f"room: {', '.join(map(str, unnamed))})", fontsize=7.5))
    return fig


#: The right edge of the map, a fraction of the page's width: the colour bar and its title beside it.
_MAP_RIGHT = 0.8


def _scale_bar(ax: Axes, bounds: tuple[float, float, float, float]) -> AnchoredSizeBar:
    """A scale bar about a fifth of the map's width, in round metres or kilometres, at its lower left."""
    from matplotlib import patheffects  # noqa: PLC0415 - matplotlib only when a figure is made
    from matplotlib.patches import Rectangle  # noqa: PLC0415
    from matplotlib.text import Text  # noqa: PLC0415
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar  # noqa: PLC0415

    west, south, east, north = bounds
    metres_per_degree = 111_320.0 * math.cos(math.radians((south + north) / 2))
    width_m = max((east - west) * metres_per_degree, 1.0)
    length = max((v for v in _SCALE_LENGTHS_M if v <= width_m / 5), default=_SCALE_LENGTHS_M[0])
    text = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(ax.transData, length / metres_per_degree, text, loc="lower left", pad=0.6,
                          borderpad=0.8, sep=3, frameon=False, size_vertical=0, fontproperties={"size": 7.5})
    for rect in bar.size_bar.findobj(Rectangle):
        rect.set_gid("scale bar")  # the bar itself, for readers of the figure
        rect.set_linewidth(2.5)
    for label in bar.txt_label.findobj(Text):
        label.set_path_effects([patheffects.withStroke(linewidth=2.5, foreground="white")])
    ax.add_artist(bar)
    return bar


#: Lengths a scale bar may have, in metres.
_SCALE_LENGTHS_M = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000)


#: The colour map of the printed choropleth (light yellow to dark red, as the screen's ramp).
_CMAP = "YlOrRd"


def _draw_basemap(ax: Axes, basemap: Mapping[str, list[list[list[float]]]] | None) -> None:
    """The dataset's water, parks and buildings, beneath the areas."""
    from matplotlib.collections import PolyCollection  # noqa: PLC0415 - matplotlib only when a figure is made

    for kind, colour in (("water", "#c6ddf0"), ("park", "#d9ead0"), ("building", "#e4e1dc")):
        rings = [np.asarray(r)[:, :2] for r in (basemap or {}).get(kind, []) if len(r) > 2]
        if rings:
            ax.add_collection(PolyCollection(rings, facecolors=colour, edgecolors="none", zorder=0))


def _draw_areas(ax: Axes, wgs: gpd.GeoDataFrame, values: np.ndarray, *, norm: Normalize) -> None:
    """The areas coloured by value; no camera data and undefined values in their own greys (:func:`_grey_handles`)."""
    no_data = areas_without_camera_data(wgs)
    shown = np.isfinite(values) & ~no_data
    if shown.any():
        wgs[shown].assign(_v=values[shown]).plot(ax=ax, column="_v", cmap=_CMAP, norm=norm, alpha=0.78,
                                                 edgecolor="#555555", linewidth=0.4, zorder=1)
    if no_data.any():
        wgs[no_data].plot(ax=ax, facecolor="#9a9a9a", edgecolor="#555555", hatch="///", linewidth=0.4, alpha=0.8,
                          zorder=1)
    undefined = ~np.isfinite(values) & ~no_data
    if undefined.any():
        wgs[undefined].plot(ax=ax, facecolor="#ececec", edgecolor="#555555", linewidth=0.4, zorder=1)


def _grey_handles(wgs: gpd.GeoDataFrame, values: np.ndarray) -> list[Patch]:
    """Legend entries of the greys :func:`_draw_areas` uses, for the areas that take them."""
    from matplotlib.patches import Patch  # noqa: PLC0415 - matplotlib only when a figure is made

    no_data = areas_without_camera_data(wgs)
    handles = []
    if no_data.any():
        handles.append(Patch(facecolor="#9a9a9a", edgecolor="#555555", hatch="///",
                             label=f"no camera data ({int(no_data.sum())} area{'' if no_data.sum() == 1 else 's'}): "
                                   "outside where the camera source looked"))
    if (~np.isfinite(values) & ~no_data).any():
        handles.append(Patch(facecolor="#ececec", edgecolor="#555555", label="not defined (no residents or street)"))
    return handles


def _draw_streets(ax: Axes, streets: NetworkIndex | None) -> None:
    """The dataset's walking network over the areas."""
    from matplotlib.collections import LineCollection  # noqa: PLC0415 - matplotlib only when a figure is made

    if streets is not None and len(streets.street_edges):
        pieces = np.split(streets.lonlat, streets.geom_start[1:-1])
        lines = [pieces[i] for i in streets.street_edges]
        ax.add_collection(LineCollection(lines, colors="#6f6f6f", linewidths=0.35, alpha=0.7, zorder=2))


#: Where a name may sit around its area's point, in points: on it, then above, below, beside, and farther out.
_NAME_OFFSETS = ((0, 0), (0, 11), (0, -11), (14, 0), (-14, 0), (12, 11), (-12, 11), (12, -11), (-12, -11),
                 (0, 22), (0, -22), (26, 0), (-26, 0), (0, 34), (0, -34), (24, 24), (-24, 24), (24, -24), (-24, -24))


def _name_top_areas(ax: Axes, wgs: gpd.GeoDataFrame, order: list[int], *, avoid: list[Any]) -> list[int]:
    """Name the highest areas on the map, ranked ("3. Kluuvi"), each where it covers no other name.

    A name that would cover another, or leave the map, moves beside its area's
    point with a leader line; a smaller type is tried before a name goes. Returns
    the ranks of the names that found no room (the list beneath the map names them).
    """
    from matplotlib import patheffects  # noqa: PLC0415 - matplotlib only when a figure is made

    fig = ax.get_figure()
    assert fig is not None
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    outline = [patheffects.withStroke(linewidth=2.5, foreground="white")]
    placed = list(avoid)
    unnamed = []
    for rank, i in enumerate(order, start=1):
        point = wgs.geometry.iloc[i].representative_point()
        text = f"{rank}. {wgs['name'].iloc[i]}"
        tag = _place_name(ax, (point.x, point.y), text, frame=frame, placed=placed, outline=outline)
        if tag is None:
            unnamed.append(rank)
        else:
            placed.append(tag.get_window_extent(renderer))
    return unnamed


def _place_name(ax: Axes, xy: tuple[float, float], text: str, *, frame: Any, placed: list[Any],
                outline: list[Any]) -> Any:
    """The first spot (of :data:`_NAME_OFFSETS`, then in smaller type) where ``text`` fits on the map alone."""
    renderer = ax.get_figure().canvas.get_renderer()  # type: ignore[union-attr]
    for size in (7.5, 6.5):
        for dx, dy in _NAME_OFFSETS:
            ha = "center" if dx == 0 else ("left" if dx > 0 else "right")
            va = "center" if dy == 0 else ("bottom" if dy > 0 else "top")
            leader = {"arrowstyle": "-", "linewidth": 0.6, "color": "#333333", "shrinkA": 0, "shrinkB": 2}
            tag = ax.annotate(text, xy=xy, xytext=(dx, dy), textcoords="offset points", fontsize=size, ha=ha, va=va,
                              zorder=4, path_effects=outline, arrowprops=leader if (dx or dy) else None)
            box = tag.get_window_extent(renderer)
            inside = frame.x0 <= box.x0 and box.x1 <= frame.x1 and frame.y0 <= box.y0 and box.y1 <= frame.y1
            if inside and not any(box.overlaps(other) for other in placed):
                return tag
            tag.remove()
    return None


def density_png(gdf: gpd.GeoDataFrame, *, column: str, title: str, **options: Any) -> bytes:
    """:func:`density_figure` as PNG bytes (the same options), ready to print or publish."""
    buf = io.BytesIO()
    density_figure(gdf, column=column, title=title, **options).savefig(buf, format="png")
    return buf.getvalue()

