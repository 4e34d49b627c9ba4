"""Text from files, datasets and page addresses, made safe to show in Streamlit's Markdown.

Streamlit renders Markdown in every message, caption, heading, button label and
help text. A name read from a stranger's file or from a link someone was sent
could otherwise carry an image that loads from another server the moment the
page shows it (``![x](http://…)``: a request that says who opened the file), a
link, a formula, or HTML. Every piece of such text goes through :func:`md`
before it is put into Markdown; the page's own words around it keep their
formatting.
"""

from __future__ import annotations

import re

__all__ = ["WORD_JOINER", "md"]

# Backslash-escaped, these lose their meaning: [ ] make links and images (and Streamlit's :colour[...]),
# $ formulas, \ the escapes themselves, and < before a letter, / ! or ? starts HTML or an autolink
# ("fewer than < 500" stays as written). A line break would start a new block.
_SPECIAL = re.compile(r"[\\\[\]$]|<(?=[A-Za-z/!?])")
_LINE_BREAK = re.compile(r"[\r\n]+")
# A bare address (http://…, www.…) becomes a link after the escapes are read, so an invisible word
# joiner goes between its scheme and its colon, or after its www: shown the same, never a link.
_BARE_ADDRESS = re.compile(r"(?i)(?<=https)(?=:)|(?<=http)(?=:)|(?<=ftp)(?=:)|(?<=www)(?=\.)")
WORD_JOINER = "\u2060"


def md(text: object) -> str:
    r"""``text`` as Markdown that shows it as written: no link, image, HTML or formula, on one line.

    Examples
    --------
    >>> md("![x](http://example.org/beacon.png)")
    '!\\[x\\](http\u2060://example.org/beacon.png)'
    """
    escaped = _SPECIAL.sub(lambda m: "\\" + m.group(0), _LINE_BREAK.sub(" ", str(text)))
    return _BARE_ADDRESS.sub(WORD_JOINER, escaped)
