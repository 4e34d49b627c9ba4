"""Route cards as printed pages: an A4 page per route (map, turn by turn, figures, caveats), a plan's overview first."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from exposure import settings
from exposure._page import A4_INCHES, Page
from exposure.cards.directions import Step, turn_by_turn
from exposure.cards.maps import CardMap, CardRoute, draw_card_map
from exposure.export import route_description
from exposure.routing import proof_words
from exposure.style import rgb_fractions, route_colour

if TYPE_CHECKING:
    import pandas as pd

    from exposure.datasets import Dataset
    from exposure.network import NetworkIndex
    from exposure.planning import Plan

__all__ = [
    "CAVEATS",
    "data_date",
    "plan_card_figures",
    "plan_cards_pdf",
    "route_card_figures",
    "route_cards_pdf",
]

#: What every card says about its figures.
CAVEATS = (
    "Only cameras mapped in the dataset are counted; there are cameras nobody has mapped, and mapped ones "
    "may be gone or moved.",
    "What a camera sees is a model (a disc, or a sector when its direction is known), not a measurement.",
    "Which cameras can recognise faces is a policy (see 'Counted'), not a fact about any one camera.",
    "Walk the route beforehand if you can: streets close, crowds and police change what is possible.",
)


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


def _footer(page: Page, *, counted: str, when: str | None, number: str) -> float:
    """What was counted, the data date and the caveats at the foot of the page; the page number. Returns its top."""
    page.fig.text(page.right, page.bottom, number, fontsize=6, ha="right", va="bottom", color="#666666")
    lines = [f"Counted: {counted}", f"Data: {when or 'date unknown'}. Walking speed "
             f"{settings.walk_speed_m_per_min:g} m/min.", *(f"• {c}" for c in CAVEATS)]
    _, top = page.up(page.bottom + page.line_height(6, 1.6), "\n".join(lines), fontsize=6.2, color="#333333",
                     linespacing=1.35)
    return top


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


def _count_notice(used: dict[str, Any]) -> str:
    """What a count of 0 means when it is not a plain count: nothing counted, no camera data, a true zero."""
    said = used.get("counting") or {}
    return str(said.get("notice") or "") if said.get("case") != "counted" else ""


def _step_lines(steps: Sequence[Step]) -> list[str]:
    out = []
    for i, step in enumerate(steps, start=1):
        if step.distance_m > 0:
            out.append(f"{i:>2}. {step.instruction} — {step.distance_m:,.0f} m")
        else:
            out.append(f"{i:>2}. {step.instruction} ({step.at_m:,.0f} m in all)")
    return out


def _turn_by_turn(page: Page, steps: Sequence[Step], *, top: float, bottom: float) -> None:
    """The steps in two columns between ``top`` and ``bottom``, each wrapped to its column; what does not fit is cut.

    A long list is set smaller before any step is cut, and a cut list ends
    with how many steps are left out ("follow the map").
    """
    _, top = page.down(top, "Turn by turn", fontsize=9, fontweight="bold")
    top -= 0.004
    gap = 0.02
    width = (page.right - page.left - gap) / 2
    lines = _step_lines(steps)
    for size in (7.0, 6.4, 5.8):
        rows = max(int((top - bottom) / page.line_height(size, 1.3)) - 1, 1)
        wrapped = [page.wrap(line, fontsize=size, width=width).replace("\n", "\n     ") for line in lines]
        if sum(w.count("\n") + 1 for w in wrapped) <= 2 * rows:
            break
    shown: list[str] = []
    used = 0
    for n, text in enumerate(wrapped):
        height = text.count("\n") + 1
        if used + height > 2 * rows - (0 if n == len(wrapped) - 1 else 1):  # room for the line saying what is cut
            shown.append(f"… {len(wrapped) - n} more steps: follow the map")
            break
        if used < rows < used + height:  # a step does not break across the columns
            shown.extend([""] * (rows - used))
            used = rows
        shown.extend(text.split("\n"))
        used += height
    for col in range(2):
        column = shown[col * rows:(col + 1) * rows]
        if column:
            page.fig.text(page.left + col * (width + gap), top, "\n".join(column), fontsize=size, va="top",
                          linespacing=1.3)


#: Height of the map between the header and the turn-by-turn list, as a fraction of the page: at most, at least.
_MAP_BOTTOM, _MAP_LEAST = 0.47, 0.22


def _route_figure(base: CardMap, item: CardRoute, *, used: dict[str, Any], when: str | None,
                  cameras: pd.DataFrame | None, areas: Sequence[Any], number: str) -> Figure:
    fig = Figure(figsize=A4_INCHES)
    page = Page(fig)
    route = item.route
    _, y = page.down(page.top, item.title, fontsize=13, fontweight="bold")
    label = route.label[:1].upper() + route.label[1:]  # str.capitalize would turn "FRT" into "Frt"
    _, y = page.down(y - 0.006, f"{label}: {route_description(route, policy=used.get('frt_policy'))}",
                     fontsize=8.5)
    if route.optimal is False:  # how far from the fewest cameras it may be, printed with it
        _, y = page.down(y - 0.005, f"This route is {proof_words(route)}.", fontsize=7.5, color=(0.7, 0.05, 0.1))
    if item.breaks:
        _, y = page.down(y - 0.005, "NO ROUTE AVOIDS EVERYTHING ASKED. This least-bad route "
                         + "; ".join(item.breaks), fontsize=7.5, color=(0.7, 0.05, 0.1))
    bottom = _footer(page, counted=_counted(used), when=when, number=number)
    cams = ", ".join(route.frt_camera_ids[:12]) + (" …" if len(route.frt_camera_ids) > 12 else "")
    notice = _count_notice(used)
    _, bottom = page.up(bottom + 0.006, f"FRT cameras on the way ({route.frt_cameras}): {cams or 'none'}"
                        + (f". {notice}" if notice else ""), fontsize=6.2,
                        color=(0.7, 0.05, 0.1) if notice else "#333333")
    map_top = y - 0.012
    map_bottom = min(_MAP_BOTTOM, map_top - _MAP_LEAST)
    ax = fig.add_axes((page.left, map_bottom, page.right - page.left, map_top - map_bottom))
    draw_card_map(ax, base, [item], areas=areas, cameras=cameras)
    destination = item.stops[-1][0] if item.stops else None
    _turn_by_turn(page, turn_by_turn(base.index, route, destination=destination), top=map_bottom - 0.015,
                  bottom=bottom + 0.008)
    return fig


def _route_figures(base: CardMap, items: Sequence[CardRoute], *, used: dict[str, Any], when: str | None,
                   cameras: pd.DataFrame | None, areas: Sequence[Any], first: int = 1,
                   pages: int | None = None) -> Iterator[Figure]:
    total = pages if pages is not None else len(items)
    for i, item in enumerate(items, start=first):
        yield _route_figure(base, item, used=used, when=when, cameras=cameras, areas=areas, number=f"{i} / {total}")


def route_card_figures(
    items: Sequence[CardRoute], *, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]],
    settings_used: dict[str, Any], when: str | None = None, cameras: pd.DataFrame | None = None,
    areas: Sequence[Any] = (),
) -> list[Figure]:
    """The pages of :func:`route_cards_pdf` as matplotlib figures (A4, no pyplot state), e.g. to check or reuse."""
    return list(_route_figures(CardMap(index, basemap), items, used=settings_used, when=when, cameras=cameras,
                               areas=areas))


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
    Every text is wrapped to the page, inside a 10 mm margin
    (:data:`exposure._page.MARGIN_IN`).

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
    figures = _route_figures(CardMap(index, basemap), items, used=settings_used, when=when, cameras=cameras,
                             areas=areas)
    return _pdf(figures, title=title)


def _pdf(figures: Iterator[Figure], *, title: str) -> bytes:
    """The figures as the pages of one PDF, each made only when its page is written."""
    buffer = io.BytesIO()
    with PdfPages(buffer, metadata={"Title": title, "Creator": "exposure"}) as pdf:
        for fig in figures:
            pdf.savefig(fig)
    return buffer.getvalue()


def _overview_figure(plan: Plan, base: CardMap, items: Sequence[CardRoute], *, when: str | None,
                     cameras: pd.DataFrame | None, number: str) -> Figure:
    """A plan's first page: every route on one map, the points, one line per route and the totals."""
    fig = Figure(figsize=A4_INCHES)
    page = Page(fig)
    _, y = page.down(page.top, f"Protest plan: {plan.request.site.name}", fontsize=14, fontweight="bold")
    avoid = plan.request.avoid
    asked = [f"areas: {', '.join(a.name for a in avoid.areas)}" if avoid.areas else "",
             f"cameras: {', '.join(avoid.cameras)}" if avoid.cameras else "",
             "no FRT camera at all" if avoid.no_frt_cameras else ""]
    asked_text = "; ".join(a for a in asked if a) or "nothing"
    _, y = page.down(y - 0.006, f"Objective: {plan.request.objective}; at most {100 * plan.request.max_detour:.0f} % "
                     f"longer than the shortest. Avoiding {asked_text}.", fontsize=8)
    bottom = _footer(page, counted=_counted(plan.settings), when=when, number=number) + 0.01
    map_top = y - 0.012
    map_bottom = min(0.5, map_top - _MAP_LEAST)
    ax = fig.add_axes((page.left, map_bottom, page.right - page.left, map_top - map_bottom))
    regroup = [(f"R{g.rank}", g.lon, g.lat, "regroup") for g in plan.regroup]
    draw_card_map(ax, base, [_overview_item(it) for it in items], areas=avoid.areas, cameras=cameras,
              extra_points=regroup, labels=False)
    lines: list[tuple[Sequence[int] | None, str, str]] = []
    for item, journey in zip(items, plan.journeys, strict=True):
        r = journey.route
        flag = "" if journey.feasible else " — LEAST BAD: breaks what was asked"
        lines.append((item.colour, f"{journey.name}: {r.length_m:,.0f} m, {r.walk_min:.0f} min, {r.frt_cameras} FRT "
                                   f"cameras, {r.metres_in_view:,.0f} m in view{flag}", "normal"))
    for t in plan.totals():
        if t["kind"] != "shortest":
            lines.append((None, f"{t['journey'][:1].upper()}{t['journey'][1:]} ({t['routes']} routes): "
                                f"{t['length_m']:,.0f} m, {t['walk_min']:.0f} min walked in all, {t['frt_cameras']} "
                                f"distinct FRT cameras, {t['metres_in_view']:,.0f} m in view", "bold"))
    notice = _count_notice(plan.settings)
    if notice:
        lines.append((None, notice, "notice"))
    if plan.regroup:
        lines.append((None, "Regroup points: " + "; ".join(
            f"R{g.rank} {g.name} ({g.distance_m:,.0f} m, {g.frt_cameras} FRT cameras)" for g in plan.regroup),
            "normal"))
    _listing(page, lines, top=map_bottom - 0.015, bottom=bottom)
    return fig


def _listing(page: Page, lines: Sequence[tuple[Sequence[int] | None, str, str]], *, top: float,
             bottom: float) -> None:
    """Lines beneath the overview map, a colour swatch before each route's; what does not fit is said, not cut off."""
    y = top
    indent = 0.035
    for n, (colour, text, weight) in enumerate(lines):
        # a notice that a count of 0 is not a plain count stands out in red
        font = {"color": (0.7, 0.05, 0.1)} if weight == "notice" else {"fontweight": weight}
        artist, below = page.down(y, text, fontsize=7, x=page.left + indent, **font)
        reserve = 0.0 if n == len(lines) - 1 else page.line_height(7, 1.5)
        if below - reserve < bottom:
            artist.remove()
            page.down(y, f"… {len(lines) - n} more lines: each route has its own page", fontsize=7,
                      x=page.left + indent, fontstyle="italic")
            return
        if colour is not None:
            page.fig.add_artist(_swatch(page.fig, page.left, y - page.line_height(7, 1.2) / 2, colour))
        y = below - 0.004


def plan_card_figures(plan: Plan, *, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]],
                      when: str | None = None, cameras: pd.DataFrame | None = None) -> list[Figure]:
    """The pages of :func:`plan_cards_pdf` as matplotlib figures (A4, no pyplot state)."""
    return list(_plan_figures(plan, CardMap(index, basemap), when=when, cameras=cameras))


def _plan_figures(plan: Plan, base: CardMap, *, when: str | None, cameras: pd.DataFrame | None) -> Iterator[Figure]:
    items = [CardRoute(title=j.name, route=j.route, colour=route_colour(i),
                       stops=tuple((s.name, s.lon, s.lat) for s in j.stops), breaks=j.breaks)
             for i, j in enumerate(plan.journeys)]
    pages = len(items) + 1
    yield _overview_figure(plan, base, items, when=when, cameras=cameras, number=f"1 / {pages}")
    yield from _route_figures(base, items, used=plan.settings, when=when, cameras=cameras,
                              areas=plan.request.avoid.areas, first=2, pages=pages)


def plan_cards_pdf(plan: Plan, *, index: NetworkIndex, basemap: dict[str, list[list[list[float]]]],
                   when: str | None = None, cameras: pd.DataFrame | None = None) -> bytes:
    """A plan's cards: an overview page (every route, the points, the table), then one page per route."""
    return _pdf(_plan_figures(plan, CardMap(index, basemap), when=when, cameras=cameras),
                title=f"Protest plan: {plan.request.site.name}")


def _overview_item(item: CardRoute) -> CardRoute:
    """The item with only its first stop marked (the overview marks each gathering point once)."""
    return CardRoute(title=item.title, route=item.route, colour=item.colour, stops=item.stops[:1] + item.stops[-1:],
                     breaks=item.breaks)


def _swatch(fig: Figure, x: float, y: float, colour: Sequence[int]) -> Any:
    from matplotlib.lines import Line2D  # noqa: PLC0415

    return Line2D([x, x + 0.022], [y, y], transform=fig.transFigure, color=rgb_fractions(colour), linewidth=3)
