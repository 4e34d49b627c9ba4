"""Text on printed pages: wrapped to a width measured in its own font, stacked down or up, kept inside the page."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # matplotlib is imported only when a page is laid out
    from matplotlib.backend_bases import RendererBase
    from matplotlib.figure import Figure
    from matplotlib.text import Text
    from matplotlib.transforms import Bbox

__all__ = ["A4_INCHES", "MARGIN_IN", "Page", "keep_inside"]

#: An A4 sheet, portrait, in inches (210 × 297 mm).
A4_INCHES = (8.27, 11.69)
#: Blank paper kept around every printed page, in inches (10 mm): printers leave 4–6 mm unprinted.
MARGIN_IN = 0.4
#: The share of a line's width that wrapped text fills: renderers set the same text a little apart.
_SLACK = 0.98


class Page:
    """A figure seen as a printed page: text wrapped to the space between its margins and stacked without overlap.

    Positions are fractions of the figure (matplotlib's figure coordinates);
    widths are measured by the figure's own renderer in the text's own font,
    so a wrapped line never runs past the margin.

    Parameters
    ----------
    fig
        The figure (no pyplot state); an Agg canvas is attached to measure text.
    margin_in
        Blank paper on every side, in inches.
    """

    def __init__(self, fig: Figure, *, margin_in: float = MARGIN_IN) -> None:
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: PLC0415 - matplotlib only for a page

        self.fig = fig
        if not isinstance(fig.canvas, FigureCanvasAgg):
            FigureCanvasAgg(fig)
        self.renderer: RendererBase = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        self.width_in, self.height_in = (float(v) for v in fig.get_size_inches())
        self.margin_in = float(margin_in)
        self.left = self.margin_in / self.width_in
        self.right = 1.0 - self.left
        self.bottom = self.margin_in / self.height_in
        self.top = 1.0 - self.bottom

    def wrap(self, text: str, *, fontsize: float, width: float | None = None, **font: Any) -> str:
        """``text`` with line breaks so that no line is wider than ``width`` (a fraction of the page's width).

        Words are kept whole unless one alone is wider than the line; the text's
        own line breaks stay. Default width: from margin to margin.
        """
        from matplotlib.font_manager import FontProperties  # noqa: PLC0415
        from matplotlib.textpath import text_to_path  # noqa: PLC0415

        props = FontProperties(size=fontsize, weight=font.get("fontweight", "normal"),
                               family=font.get("family", font.get("fontfamily")))
        # in points, from the font's own outlines: a PDF sets text so, while Agg's hinting at screen
        # resolutions makes lines a few per cent narrower than they print
        limit = (self.right - self.left if width is None else width) * self.width_in * 72.0 * _SLACK

        def fits(line: str) -> bool:
            w, _, _ = text_to_path.get_text_width_height_descent(line, props, ismath=False)
            return bool(w <= limit)

        out: list[str] = []
        for paragraph in str(text).split("\n"):
            line = ""
            for word in paragraph.split(" "):
                candidate = f"{line} {word}" if line else word
                if fits(candidate):
                    line = candidate
                    continue
                if line:
                    out.append(line)
                rest = word
                while not fits(rest) and len(rest) > 1:  # a word longer than the line: cut it
                    cut = max(k for k in range(1, len(rest) + 1) if fits(rest[:k]) or k == 1)
                    out.append(rest[:cut])
                    rest = rest[cut:]
                line = rest
            out.append(line)
        return "\n".join(out)

    def down(self, y: float, text: str, *, fontsize: float, x: float | None = None, width: float | None = None,
             **kwargs: Any) -> tuple[Text, float]:
        """Write wrapped ``text`` with its top at ``y``; return it and the ``y`` of its bottom."""
        return self._put(y, text, fontsize=fontsize, x=x, width=width, va="top", **kwargs)

    def up(self, y: float, text: str, *, fontsize: float, x: float | None = None, width: float | None = None,
           **kwargs: Any) -> tuple[Text, float]:
        """Write wrapped ``text`` with its bottom at ``y``; return it and the ``y`` of its top."""
        return self._put(y, text, fontsize=fontsize, x=x, width=width, va="bottom", **kwargs)

    def _put(self, y: float, text: str, *, fontsize: float, x: float | None, width: float | None, va: str,
             **kwargs: Any) -> tuple[Text, float]:
        x = self.left if x is None else x
        room = self.right - x if width is None else width
        wrapped = self.wrap(text, fontsize=fontsize, width=room, **kwargs)
        artist = self.fig.text(x, y, wrapped, fontsize=fontsize, va=va, ha="left", **kwargs)
        box = self.box(artist)
        return artist, (box.y0 if va == "top" else box.y1)

    def box(self, artist: Any) -> Bbox:
        """Where an artist is drawn, in fractions of the figure."""
        return artist.get_window_extent(self.renderer).transformed(self.fig.transFigure.inverted())  # type: ignore[no-any-return]

    def line_height(self, fontsize: float, linespacing: float = 1.2) -> float:
        """The height of one line of text at ``fontsize`` points, a fraction of the page's height."""
        return fontsize * linespacing / 72.0 / self.height_in


def keep_inside(text: Text, box: Bbox, renderer: RendererBase) -> bool:
    """Move a text drawn in data coordinates so that it lies inside ``box`` (display pixels).

    Returns False, leaving the text where it is, when it is larger than the box.
    """
    from matplotlib.transforms import offset_copy  # noqa: PLC0415

    extent = text.get_window_extent(renderer)
    if extent.width > box.width or extent.height > box.height:
        return False
    dx = max(box.x0 - extent.x0, 0.0) + min(box.x1 - extent.x1, 0.0)
    dy = max(box.y0 - extent.y0, 0.0) + min(box.y1 - extent.y1, 0.0)
    if dx or dy:
        fig = text.get_figure()
        assert fig is not None
        # in inches, so that the shift holds at any resolution the page is drawn at
        text.set_transform(offset_copy(text.get_transform(), fig=fig, x=dx / fig.dpi, y=dy / fig.dpi,  # type: ignore[arg-type]
                                       units="inches"))
    return True
