"""Printable route cards: one PDF page per route with its map, turn-by-turn list, figures and caveats."""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure

from exposure import settings
from exposure.export import route_description
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

    from exposure.datasets import Dataset
    from exposure.network import NetworkIndex
    from exposure.planning import Plan
    from exposure.routing import Route

__all__ = ["CAVEATS", "CardRoute", "Step", "data_date", "plan_cards_pdf", "route_cards_pdf", "turn_by_turn"]

#: What every card says about its figures.
CAVEATS = (
    "Only cameras mapped in the dataset are counted; there are cameras nobody has mapped, and mapped ones "
    "may be gone or moved.",
    "What a camera sees is a model (a disc, or a sector when its direction is known), not a measurement.",
    "Which cameras can recognise faces is a policy (see 'Counted'), not a fact about any one camera.",
    "Walk the route beforehand if you can: streets close, crowds and police change what is possible.",
)
_A4 = (8.27, 11.69)


@dataclass(frozen=True)
class Step:
    """One instruction of a turn-by-turn list: what to do, onto which street, for how many metres."""

    instruction: str
    street: str
    distance_m: float
    at_m: float


def _bearing(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.atan2(b[0] - a[0], b[1] - a[1])) % 360.0


def _end_bearings(xy: np.ndarray) -> tuple[float, float]:
    """Bearing leaving the first vertex and arriving at the last, skipping repeated points."""
    steps = np.hypot(*np.diff(xy, axis=0).T)
    moving = np.flatnonzero(steps > 1e-6)
    if len(moving) == 0:
        return 0.0, 0.0
    first, last = moving[0], moving[-1]
    return _bearing(xy[first], xy[first + 1]), _bearing(xy[last], xy[last + 1])


def _turn(delta: float) -> str:
    side = "right" if delta > 0 else "left"
    size = abs(delta)
    if size < 25:
        return "Continue"
    if size < 60:
        return f"Bear {side}"
    if size < 135:
        return f"Turn {side}"
    if size < 165:
        return f"Sharp {side}"
    return "Turn around"


_COMPASS = ("north", "north-east", "east", "south-east", "south", "south-west", "west", "north-west")


_UNNAMED = "an unnamed path"


def _street_labels(index: NetworkIndex, edges: Sequence[int]) -> list[tuple[str, str]]:
    """Per edge: ("street", name), or for an unnamed path the street it runs along or ("cross", name).

    Sidewalks and crossings are mapped as unnamed footways in many cities; a list
    of "unnamed path" steps would be useless on a card, so a path within 25 m of
    a named street and parallel to it counts as that street, and a short one
    across it as crossing it.
    """
    edges_arr = np.asarray(edges, dtype=np.int64)
    labels = [("street", index.edge_names[int(e)]) for e in edges_arr]
    unnamed = [i for i, (_, name) in enumerate(labels) if not name]
    if not unnamed:
        return labels
    pts = np.concatenate([index.edge_xy(int(e)) for e in edges_arr])
    (x0, y0), (x1, y1) = pts.min(axis=0) - 40.0, pts.max(axis=0) + 40.0
    starts = index.geom_start[:-1]
    xs, ys = index.xy[:, 0], index.xy[:, 1]
    near = np.flatnonzero((np.minimum.reduceat(xs, starts) <= x1) & (np.maximum.reduceat(xs, starts) >= x0)
                          & (np.minimum.reduceat(ys, starts) <= y1) & (np.maximum.reduceat(ys, starts) >= y0))
    near = np.array([e for e in near if index.edge_names[int(e)]], dtype=np.int64)
    lines = [shapely.LineString(index.edge_xy(int(e))) for e in near]
    tree = shapely.STRtree(lines) if lines else None
    for i in unnamed:
        xy = index.edge_xy(int(edges_arr[i]))
        label = ("street", _UNNAMED)
        if tree is not None:
            mid = shapely.Point(xy[len(xy) // 2] if len(xy) > 2 else xy.mean(axis=0))
            hit = tree.query_nearest(mid, max_distance=25.0)
            if len(hit):
                street_edge = int(near[hit[0]])
                name = index.edge_names[street_edge]
                a, _ = _end_bearings(xy)
                b, _ = _end_bearings(index.edge_xy(street_edge))
                off = abs((a - b + 90.0) % 180.0 - 90.0)  # 0 parallel, 90 across
                if off < 35:
                    label = ("street", name)
                elif float(index.length_m[int(edges_arr[i])]) < 40:
                    label = ("cross", name)
        labels[i] = label
    return labels


def turn_by_turn(index: NetworkIndex, route: Route, *, destination: str | None = None) -> list[Step]:
    """Turn-by-turn steps by street name, with distances, from a route's edges.

    Consecutive edges of one street are one step; a turn is the change of
    bearing where two steps meet (bear, turn, sharp, turn around). A sidewalk
    counts as its street; a crossing, or an unnamed link under 20 m, is folded
    into the step before, and the next step says which streets it crosses
    ("Cross Eerikinkatu, then turn left onto ...").

    Parameters
    ----------
    index
        The network the route's edges belong to.
    route
        The route.
    destination
        Named in the last step ("Arrive at ...").
    """
    if not route.edges:
        return []
    labels = _street_labels(index, route.edges)
    lengths = index.length_m[list(route.edges)]
    # groups of consecutive edges: [street, edge positions, streets crossed on the way into it]
    groups: list[tuple[str, list[int], list[str]]] = []
    crossed: list[str] = []
    for i, (kind, name) in enumerate(labels):
        foldable = kind == "cross" or (name == _UNNAMED and lengths[i] < 20.0 and 0 < i < len(labels) - 1)
        if groups and foldable:
            groups[-1][1].append(i)
            if kind == "cross" and name not in crossed:
                crossed.append(name)
            continue
        street = name if kind == "street" else _UNNAMED
        if groups and groups[-1][0] == street:
            groups[-1][1].append(i)
            crossed = [c for c in crossed if c != street]
            continue
        groups.append((street, [i], [c for c in crossed if c != street]))
        crossed = []
    steps: list[Step] = []
    at = 0.0
    for k, (street, members, across) in enumerate(groups):
        start_bearing, _ = _end_bearings(index.edge_xy(route.edges[members[0]]))
        if k == 0:
            heading = _COMPASS[int(((start_bearing + 22.5) % 360) // 45)]
            instruction = f"Start {heading} on {street}"
        else:
            _, arrive = _end_bearings(index.edge_xy(route.edges[groups[k - 1][1][-1]]))
            delta = (start_bearing - arrive + 540.0) % 360.0 - 180.0
            turn = _turn(delta)
            instruction = f"{turn} onto {street}"
            if across:
                instruction = f"Cross {' and '.join(across)}, then {turn.lower()} onto {street}"
        d = float(lengths[members].sum())
        steps.append(Step(instruction=instruction, street=street, distance_m=d, at_m=at))
        at += d
    end = f"Arrive at {destination}" if destination else "Arrive"
    if crossed:
        end = f"Cross {' and '.join(crossed)}, then arrive" + (f" at {destination}" if destination else "")
    steps.append(Step(instruction=end, street="", distance_m=0.0, at_m=at))
    return steps


def data_date(dataset: Dataset) -> str | None:
    """When the dataset's map data was last edited: the newest object in its OpenStreetMap extract.

    Read from the extract's objects (a few seconds for a city extract), or from
    ``dataset.info["data_date"]`` when a builder recorded it; None when unknown.
    """
    if dataset.info.get("data_date"):
        return str(dataset.info["data_date"])
    path = Path(dataset.source)
    if not path.is_file() or not path.name.endswith((".pbf", ".osm", ".osm.bz2", ".osm.gz")):
        return None
    import osmium  # noqa: PLC0415 - heavy C extension, only needed here

    newest: list[Any] = []

    class Newest(osmium.SimpleHandler):  # type: ignore[misc]
        def _seen(self, obj: Any) -> None:
            stamp = obj.timestamp
            if stamp is not None and (not newest or stamp > newest[0]):
                newest[:] = [stamp]

        node = way = _seen

    try:
        Newest().apply_file(str(path), locations=False)
    except RuntimeError:
        return None
    return f"OpenStreetMap extract, last edit {newest[0]:%Y-%m-%d}" if newest else None


# --------------------------------------------------------------------------- drawing


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


class _Map:
    """Projects WGS84 to the network's metres and draws the dataset's own basemap."""

    def __init__(self, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]]) -> None:
        self.index = index
        self.basemap = basemap
        self.to_xy = pyproj.Transformer.from_crs("EPSG:4326", index.crs, always_xy=True)
        self._rings: dict[str, list[np.ndarray]] = {}

    def xy(self, coords: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
        arr = np.asarray(coords, dtype=float).reshape(-1, 2)
        x, y = self.to_xy.transform(arr[:, 0], arr[:, 1])
        return np.column_stack([np.asarray(x, float), np.asarray(y, float)])

    def rings(self, kind: str) -> list[np.ndarray]:
        if kind not in self._rings:
            self._rings[kind] = [self.xy(r) for r in self.basemap.get(kind) or []]
        return self._rings[kind]

    def draw(self, ax: Axes, box: tuple[float, float, float, float]) -> None:
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


def _draw_map(ax: Axes, base: _Map, items: Sequence[CardRoute], *, areas: Sequence[Any] = (),
              cameras: pd.DataFrame | None = None, extra_points: Sequence[tuple[str, float, float, str]] = (),
              labels: bool = True) -> None:
    pts = [base.xy(item.route.coordinates) for item in items if item.route.coordinates]
    pts += [base.xy([(lon, lat)]) for item in items for _, lon, lat in item.stops]
    pts += [base.xy([(lon, lat)]) for _, lon, lat, _ in extra_points]
    allpts = np.concatenate(pts) if pts else base.index.node_xy
    bbox = ax.get_position()
    fig_w, fig_h = ax.figure.get_size_inches()  # type: ignore[union-attr]
    box = _box(allpts, (bbox.width * fig_w) / (bbox.height * fig_h))
    base.draw(ax, box)
    for area in areas:
        for poly in shapely.get_parts(area.geometry):
            ring = base.xy(shapely.get_coordinates(poly.exterior))
            ax.fill(ring[:, 0], ring[:, 1], facecolor=(*rgb_fractions(AVOID_COLOUR), 0.15),
                    edgecolor=rgb_fractions(AVOID_COLOUR),
                    hatch="////", linewidth=1, zorder=4)
            centre = ring.mean(axis=0)
            ax.text(centre[0], centre[1], f"AVOID\n{area.name}", color=(0.6, 0.05, 0.1), fontsize=6.5,
                    ha="center", va="center", zorder=9, fontweight="bold")
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
                ax.text(x, y - 18, name, fontsize=6.5, ha="center", va="top", zorder=11,
                        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none", "alpha": 0.8})
    for name, lon, lat, role in extra_points:
        (x, y), = base.xy([(lon, lat)])
        ax.scatter([x], [y], s=60, marker="^" if role == "regroup" else "o",
                   c=hex_colour(POINT_COLOURS.get(role, POINT_COLOURS["regroup"])), edgecolors="black",
                   linewidths=0.6, zorder=10)
        ax.text(x + 10, y + 6, name, fontsize=5.5, zorder=11)
    ax.set_xlim(box[0], box[2])
    ax.set_ylim(box[1], box[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    _scale_bar(ax, box)
    ax.text(box[2] - 5, box[1] + 5, "Map data © OpenStreetMap contributors (ODbL)", fontsize=5, ha="right",
            va="bottom", zorder=9, color="#444444")


def _footer(fig: Figure, *, counted: str, when: str | None, page: str) -> None:
    lines = [f"Counted: {counted}", f"Data: {when or 'date unknown'}. Walking speed "
             f"{settings.walk_speed_m_per_min:g} m/min."]
    lines += [f"• {c}" for c in CAVEATS]
    fig.text(0.06, 0.105, "\n".join(lines), fontsize=6.2, va="top", ha="left", wrap=True, color="#333333",
             linespacing=1.35)
    fig.text(0.94, 0.015, page, fontsize=6, ha="right", color="#666666")


def _counted(used: dict[str, Any]) -> str:
    cov = used.get("coverage") or {}
    if "radius_m" in cov:
        model = f"every camera a {cov['radius_m']:g} m disc"
    elif cov:
        model = "per-kind radii " + ", ".join(f"{k} {v:g} m" for k, v in cov.get("radius_m_by_kind", {}).items())
    else:
        model = "coverage model not stated"
    tiers = ", ".join(used.get("frt_capable_tiers") or [])
    verification = ", ".join(used.get("verification") or [])
    return (f"FRT policy {used.get('frt_policy', '?')} (capable tiers: {tiers}); verification statuses "
            f"{verification}; {model}; dataset {used.get('dataset', '?')}.")


def _steps_text(steps: Sequence[Step], *, most: int) -> list[str]:
    out = []
    for i, step in enumerate(steps, start=1):
        if step.distance_m > 0:
            out.append(f"{i:>2}. {step.instruction} — {step.distance_m:,.0f} m")
        else:
            out.append(f"{i:>2}. {step.instruction} ({step.at_m:,.0f} m in all)")
    if len(out) > most:
        out = [*out[: most - 1], f"… {len(out) - most + 1} more steps: follow the map"]
    return out


def _route_page(pdf: PdfPages, base: _Map, item: CardRoute, *, used: dict[str, Any], when: str | None,
                cameras: pd.DataFrame | None, areas: Sequence[Any], page: str) -> None:
    fig = Figure(figsize=_A4)
    route = item.route
    fig.text(0.06, 0.965, item.title, fontsize=13, fontweight="bold", va="top")
    fig.text(0.06, 0.94, f"{route.label.capitalize()}: {route_description(route, policy=used.get('frt_policy'))}",
             fontsize=8.5, va="top")
    if item.breaks:
        fig.text(0.06, 0.922, "NO ROUTE AVOIDS EVERYTHING ASKED. This least-bad route " + "; ".join(item.breaks),
                 fontsize=7.5, va="top", color=(0.7, 0.05, 0.1), wrap=True)
    ax = fig.add_axes((0.06, 0.47, 0.88, 0.43))
    _draw_map(ax, base, [item], areas=areas, cameras=cameras)
    destination = item.stops[-1][0] if item.stops else None
    steps = turn_by_turn(base.index, route, destination=destination)
    lines = _steps_text(steps, most=56)
    fig.text(0.06, 0.455, "Turn by turn", fontsize=9, fontweight="bold", va="top")
    per_col = 28
    size = 7.0 if len(lines) <= per_col else 6.4
    for col in range((len(lines) + per_col - 1) // per_col):
        fig.text(0.06 + 0.45 * col, 0.437, "\n".join(lines[col * per_col : (col + 1) * per_col]), fontsize=size,
                 va="top", family="DejaVu Sans", linespacing=1.3)
    cams = ", ".join(route.frt_camera_ids[:12]) + (" …" if len(route.frt_camera_ids) > 12 else "")
    fig.text(0.06, 0.128, f"FRT cameras on the way ({route.frt_cameras}): {cams or 'none'}", fontsize=6.2,
             va="top", color="#333333", wrap=True)
    _footer(fig, counted=_counted(used), when=when, page=page)
    pdf.savefig(fig)


def route_cards_pdf(
    items: Sequence[CardRoute], *, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]],
    settings_used: dict[str, Any], when: str | None = None, cameras: pd.DataFrame | None = None,
    areas: Sequence[Any] = (), title: str = "Route cards",
) -> bytes:
    """Route cards as a PDF: one A4 page per route.

    Each page has the route's map (drawn from the dataset's own streets,
    buildings, water and parks; stops marked A, 1, 2…, B; the FRT cameras it
    passes; areas to avoid hatched), a turn-by-turn list by street name with
    distances, the figures, the data date, what was counted and the caveats.

    Parameters
    ----------
    items
        The routes with their titles, colours and stops.
    index
        The network the routes belong to.
    basemap
        The dataset's basemap rings (``Dataset.basemap``).
    settings_used
        The policies and coverage model behind the figures.
    when
        The data date (see :func:`data_date`).
    cameras
        The camera table, to mark the FRT cameras a route passes.
    areas
        Areas to avoid (:class:`~exposure.planning.AvoidArea`) to draw.
    title
        The PDF's title.
    """
    base = _Map(index, basemap)
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "exposure"}) as pdf:
        for i, item in enumerate(items, start=1):
            _route_page(pdf, base, item, used=settings_used, when=when, cameras=cameras, areas=areas,
                        page=f"{i} / {len(items)}")
    return buffer.getvalue()


def plan_cards_pdf(plan: Plan, *, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]],
                   when: str | None = None, cameras: pd.DataFrame | None = None) -> bytes:
    """A plan's cards: an overview page (every route, the points, the table), then one page per route."""
    base = _Map(index, basemap)
    items = [CardRoute(title=j.name, route=j.route, colour=route_colour(i),
                       stops=tuple((s.name, s.lon, s.lat) for s in j.stops), breaks=j.breaks)
             for i, j in enumerate(plan.journeys)]
    areas = plan.request.avoid.areas
    n_pages = len(items) + 1
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": f"Protest plan: {plan.request.site.name}", "Creator": "exposure"}) as pdf:
        fig = Figure(figsize=_A4)
        fig.text(0.06, 0.965, f"Protest plan: {plan.request.site.name}", fontsize=14, fontweight="bold", va="top")
        avoid = plan.request.avoid
        asked = [f"areas: {', '.join(a.name for a in avoid.areas)}" if avoid.areas else "",
                 f"cameras: {', '.join(avoid.cameras)}" if avoid.cameras else "",
                 "no FRT camera at all" if avoid.no_frt_cameras else ""]
        asked_text = "; ".join(a for a in asked if a) or "nothing"
        fig.text(0.06, 0.94, f"Objective: {plan.request.objective}; at most {100 * plan.request.max_detour:.0f} % "
                 f"longer than the shortest. Avoiding {asked_text}.", fontsize=8, va="top", wrap=True)
        ax = fig.add_axes((0.06, 0.5, 0.88, 0.42))
        regroup = [(f"R{g.rank}", g.lon, g.lat, "regroup") for g in plan.regroup]
        _draw_map(ax, base, [_overview_item(it) for it in items], areas=areas, cameras=cameras,
                  extra_points=regroup, labels=False)
        rows = []
        for item, journey in zip(items, plan.journeys, strict=True):
            r = journey.route
            flag = "" if journey.feasible else "  LEAST BAD: breaks what was asked"
            rows.append((item.colour, f"{journey.name}: {r.length_m:,.0f} m, {r.walk_min:.0f} min, "
                                      f"{r.frt_cameras} FRT cameras, {r.metres_in_view:,.0f} m in view{flag}"))
        y = 0.485
        for colour, text in rows[:22]:
            fig.add_artist(_swatch(fig, 0.06, y, colour))
            fig.text(0.09, y, text, fontsize=7, va="center")
            y -= 0.017
        for t in plan.totals():
            if t["kind"] == "shortest":
                continue
            fig.text(0.06, y, f"{t['journey'].capitalize()} ({t['routes']} routes): {t['length_m']:,.0f} m, "
                     f"{t['walk_min']:.0f} min walked in all, {t['frt_cameras']} distinct FRT cameras, "
                     f"{t['metres_in_view']:,.0f} m in view", fontsize=7, va="center", fontweight="bold")
            y -= 0.017
        if plan.regroup:
            text = "; ".join(f"R{g.rank} {g.name} ({g.distance_m:,.0f} m, {g.frt_cameras} FRT cameras)"
                             for g in plan.regroup)
            fig.text(0.06, y - 0.005, f"Regroup points: {text}", fontsize=6.5, va="top", wrap=True)
        _footer(fig, counted=_counted(plan.settings), when=when, page=f"1 / {n_pages}")
        pdf.savefig(fig)
        for i, item in enumerate(items, start=2):
            _route_page(pdf, base, item, used=plan.settings, when=when, cameras=cameras, areas=areas,
                        page=f"{i} / {n_pages}")
    return buffer.getvalue()


def _overview_item(item: CardRoute) -> CardRoute:
    """The item with only its first stop marked (the overview marks each gathering point once)."""
    return CardRoute(title=item.title, route=item.route, colour=item.colour, stops=item.stops[:1] + item.stops[-1:],
                     breaks=item.breaks)


def _swatch(fig: Figure, x: float, y: float, colour: Sequence[int]) -> Any:
    from matplotlib.lines import Line2D  # noqa: PLC0415

    return Line2D([x, x + 0.022], [y, y], transform=fig.transFigure, color=rgb_fractions(colour), linewidth=3)
