"""Checks of printed pages: every text drawn inside the paper's margin, nothing written over the map."""

from __future__ import annotations

from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

#: The least blank paper around anything printed, in inches (5 mm: what printers leave unprinted, and a little).
MARGIN_IN = 0.2
#: The resolution pages are drawn at to measure them: a printer's (at a screen's, hinting widens small text).
PRINT_DPI = 300


def drawn_texts(fig: Figure) -> list[tuple[Text, Bbox]]:
    """Every visible, non-empty text of a figure with where it is drawn (display pixels), after a full draw.

    The figure is drawn at :data:`PRINT_DPI`. A text clipped by its axes counts only for the part inside them;
    the labels of axes switched off are not drawn.
    """
    fig.set_dpi(PRINT_DPI)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    hidden = {id(t) for ax in fig.axes if not ax.axison for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text)}
    out = []
    for text in fig.findobj(Text):
        if not text.get_visible() or not text.get_text().strip() or text.figure is None or id(text) in hidden:
            continue
        box = text.get_window_extent(renderer)
        clip = text.get_clip_box() if text.get_clip_on() else None
        if clip is not None:
            box = Bbox.intersection(box, clip)
            if box is None:
                continue
        out.append((text, box))
    return out


def off_the_page(fig: Figure, *, margin_in: float = MARGIN_IN) -> list[tuple[str, Any]]:
    """The texts (and where) that reach into the margin of the page or beyond it."""
    drawn = drawn_texts(fig)
    width, height = fig.get_size_inches() * fig.dpi
    m = margin_in * fig.dpi
    return [(t.get_text(), b.bounds) for t, b in drawn
            if b.x0 < m - 0.5 or b.y0 < m - 0.5 or b.x1 > width - m + 0.5 or b.y1 > height - m + 0.5]


def over_the_map(fig: Figure, ax: Any) -> list[str]:
    """The page's own texts (not the map's) drawn over the map's frame."""
    drawn = drawn_texts(fig)
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    return [t.get_text() for t, b in drawn if t.axes is None and b.overlaps(frame)]
