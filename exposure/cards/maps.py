"""The map of a route card: the dataset's own basemap, the routes, their stops, cameras and areas, scale and north."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from matplotlib.collections import LineCollection, PolyCollection

from exposure._page import keep_inside
from exposure.style import (
    AVOID_COLOUR,
    BASEMAP_COLOURS,
    POINT_COLOURS,
    STREET_COLOUR,
    TIER_COLOURS,
    hex_colour,
    rgb_fractions,
    route_colour,
)

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

    from exposure.network import NetworkIndex
    from exposure.routing import Route

__all__ = ["CardMap", "CardRoute", "draw_card_map"]


@dataclass(frozen=True)
class CardRoute:
    """A route to print and how: its title, colour, named stops and what it breaks (if anything).

    Give ``colour`` as the page's map draws the route (:func:`exposure.style.route_colours`), so that
    the card and the screen agree.
    """

    title: str
    route: Route
    colour: tuple[int, int, int] = route_colour(0)
    stops: tuple[tuple[str, float, float], ...] = ()  # (name, lon, lat), start first
    breaks: tuple[str, ...] = ()


class CardMap:
    """Projects WGS84 to the network's metres and draws the dataset's own basemap.

    Parameters
    ----------
    index
        The walking network: its metres and its streets.
    basemap
        The dataset's water, park and building rings (``Dataset.basemap``).
    """

    def __init__(self, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]]) -> None:
        self.index = index
        self.basemap = basemap
        self.to_xy = pyproj.Transformer.from_crs("EPSG:4326", index.crs, always_xy=True)
        self._rings: dict[str, list[np.ndarray]] = {}

    def xy(self, coords: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        """WGS84 ``(lon, lat)`` pairs in the network's metres."""
        arr = np.asarray(coords, dtype=float).reshape(-1, 2)
        x, y = self.to_xy.transform(arr[:, 0], arr[:, 1])
        return np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    def rings(self, kind: str) -> list[np.ndarray]:
        """The basemap's rings of a kind (``water``, ``park``, ``building``) in metres, projected once."""
        if kind not in self._rings:
            self._rings[kind] = [self.xy(r) for r in self.basemap.get(kind) or []]
        return self._rings[kind]

    def draw(self, ax: Axes, box: tuple[float, float, float, float]) -> None:
        """Water, parks, buildings, streets and the longest streets' names inside ``box`` (metres)."""
        x0, y0, x1, y1 = box
        for kind in ("water", "park", "building"):
            rings = [r for r in self.rings(kind)
                     if r[:, 0].max() >= x0 and r[:, 0].min() <= x1 and r[:, 1].max() >= y0 and r[:, 1].min() <= y1]
            if rings:
                ax.add_collection(PolyCollection(rings, facecolors=hex_colour(BASEMAP_COLOURS[kind]),
                                                 edgecolors="none", zorder=1))
        idx = self.index
        streets = idx.street_edges
        starts, ends = idx.geom_start[streets], idx.geom_start[streets + 1]
        lines = []
        for s, e in zip(starts, ends, strict=True):
            seg = idx.xy[s:e]
            if seg[:, 0].max() >= x0 and seg[:, 0].min() <= x1 and seg[:, 1].max() >= y0 and seg[:, 1].min() <= y1:
                lines.append(seg)
        ax.add_collection(LineCollection(lines, colors=hex_colour(STREET_COLOUR), linewidths=0.5, zorder=2))
        named = [(idx.edge_names[int(e)], idx.edge_xy(int(e))) for e in streets if idx.edge_names[int(e)]]
        shown: set[str] = set()
        for name, seg in sorted(named, key=lambda t: -float(np.hypot(*np.diff(t[1], axis=0).T).sum())):
            if name in shown:
                continue
            mid = seg[len(seg) // 2]
            if x0 < mid[0] < x1 and y0 < mid[1] < y1 and len(shown) < 40:
                a = seg[max(0, len(seg) // 2 - 1)]
                b = seg[min(len(seg) - 1, len(seg) // 2 + 1)]
                angle = math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))
                angle = angle - 180 if angle > 90 else angle + 180 if angle < -90 else angle
                ax.text(mid[0], mid[1], name, fontsize=4.5, color="#555555", rotation=angle, ha="center",
                        va="center", zorder=3, clip_on=True, rotation_mode="anchor")
                shown.add(name)


def _box(points: np.ndarray, aspect: float, *, margin_m: float = 80.0) -> tuple[float, float, float, float]:
    """A box around the points with the axes' width/height ratio."""
    (x0, y0), (x1, y1) = points.min(axis=0) - margin_m, points.max(axis=0) + margin_m
    w, h = x1 - x0, y1 - y0
    if w / h < aspect:
        grow = (h * aspect - w) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (w / aspect - h) / 2
        y0, y1 = y0 - grow, y1 + grow
    return x0, y0, x1, y1


def _scale_bar(ax: Axes, box: tuple[float, float, float, float]) -> None:
    x0, y0, x1, y1 = box
    width = x1 - x0
    length = next(v for v in (2000, 1000, 500, 200, 100, 50, 20) if v <= width / 4) if width >= 80 else 10
    bx, by = x0 + 0.04 * width, y0 + 0.04 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="black", linewidth=2, zorder=8, solid_capstyle="butt")
    ax.text(bx + length / 2, by + 0.015 * (y1 - y0), f"{length:g} m", ha="center", va="bottom", fontsize=7,
            zorder=8)
    ax.annotate("N", xy=(x1 - 0.05 * width, y1 - 0.04 * (y1 - y0)),
                xytext=(x1 - 0.05 * width, y1 - 0.12 * (y1 - y0)), ha="center", fontsize=8, zorder=8,
                arrowprops={"arrowstyle": "->", "linewidth": 1.2})


def draw_card_map(ax: Axes, base: CardMap, items: Sequence[CardRoute], *, areas: Sequence[Any] = (),
              cameras: pd.DataFrame | None = None, extra_points: Sequence[tuple[str, float, float, str]] = (),
              labels: bool = True) -> None:
    """Draw routes on a card's map, framed to them: basemap, areas to avoid, FRT cameras passed, stops, scale.

    Parameters
    ----------
    ax
        The map's axes; the frame keeps their width-to-height ratio.
    base
        The projection and basemap.
    items
        The routes, drawn in their colours, with their stops (A, 1, 2 …, B).
    areas
        Areas to avoid, hatched and named.
    cameras
        The camera table: the FRT cameras the routes pass are marked.
    extra_points
        ``(name, lon, lat, role)`` more points to mark (regroup points).
    labels
        Name the stops beside their marks. Names near the frame are moved onto the map.
    """
    pts = [base.xy(item.route.coordinates) for item in items if item.route.coordinates]
    pts += [base.xy([(lon, lat)]) for item in items for _, lon, lat in item.stops]
    pts += [base.xy([(lon, lat)]) for _, lon, lat, _ in extra_points]
    allpts = np.concatenate(pts) if pts else base.index.node_xy
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()  # type: ignore[union-attr]
    box = _box(allpts, (bbox.width * fig_w) / (bbox.height * fig_h))
    base.draw(ax, box)
    inside: list[Any] = []  # names that must stay on the map
    for area in areas:
        for poly in shapely.get_parts(area.geometry):
            ring = base.xy(shapely.get_coordinates(poly.exterior))
            ax.fill(ring[:, 0], ring[:, 1], facecolor=(*rgb_fractions(AVOID_COLOUR), 0.15),
                    edgecolor=rgb_fractions(AVOID_COLOUR),
                    hatch="////", linewidth=1, zorder=4)
            centre = ring.mean(axis=0)
            inside.append(ax.text(centre[0], centre[1], f"AVOID\n{area.name}", color=(0.6, 0.05, 0.1), fontsize=6.5,
                                  ha="center", va="center", zorder=9, fontweight="bold"))
    if cameras is not None and len(cameras):
        seen = {c for item in items for c in item.route.frt_camera_ids}
        hit = cameras[cameras["camera_id"].astype(str).isin(seen)]
        if len(hit):
            cxy = base.xy(hit[["lon", "lat"]].to_numpy(float))
            ax.scatter(cxy[:, 0], cxy[:, 1], s=14, c=hex_colour(TIER_COLOURS["high"]), marker="s",
                       edgecolors="white", linewidths=0.5, zorder=7, label="FRT camera the route passes")
    for item in items:
        line = base.xy(item.route.coordinates)
        if len(line):
            ax.plot(line[:, 0], line[:, 1], color="white", linewidth=5.5, zorder=5, solid_capstyle="round")
            ax.plot(line[:, 0], line[:, 1], color=rgb_fractions(item.colour), linewidth=3.2, zorder=6,
                    solid_capstyle="round", solid_joinstyle="round")
        for k, (name, lon, lat) in enumerate(item.stops):
            (x, y), = base.xy([(lon, lat)])
            last = k == len(item.stops) - 1
            mark = "B" if last else ("A" if k == 0 else str(k))
            role = "start" if k == 0 else ("end" if last else "via")
            ax.scatter([x], [y], s=150, c=hex_colour(POINT_COLOURS[role]),
                       edgecolors="white", linewidths=1.2, zorder=10)
            ax.text(x, y, mark, color="white", fontsize=7, ha="center", va="center", zorder=11, fontweight="bold")
            if labels:
                inside.append(ax.text(x, y - 18, name, fontsize=6.5, ha="center", va="top", zorder=11,
                                      bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none",
                                            "alpha": 0.8}))
    for name, lon, lat, role in extra_points:
        (x, y), = base.xy([(lon, lat)])
        ax.scatter([x], [y], s=60, marker="^" if role == "regroup" else "o",
                   c=hex_colour(POINT_COLOURS.get(role, POINT_COLOURS["regroup"])), edgecolors="black",
                   linewidths=0.6, zorder=10)
        inside.append(ax.text(x + 10, y + 6, name, fontsize=5.5, zorder=11))
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, box)
    ax.text(box[2] - 5, box[1] + 5, "Map data © OpenStreetMap contributors (ODbL)", fontsize=5, ha="right",
            va="bottom", zorder=9, color="#444444")
    _keep_on_the_map(ax, inside)


def _keep_on_the_map(ax: Axes, texts: Sequence[Any]) -> None:
    """Move names near the map's edge back onto it; one that cannot fit is left clipped by the frame."""
    fig = ax.get_figure()
    if fig is None or not texts:
        return
    ax.apply_aspect()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    for text in texts:
        if not keep_inside(text, frame, renderer):
            text.set_clip_on(True)
