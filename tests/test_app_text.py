"""Text from files and links is shown as written: no link, image, HTML or formula reaches Streamlit's Markdown."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from app.text import WORD_JOINER, md
from tests.app_pages import open_page

ROOT = Path(__file__).resolve().parent.parent
#: What a stranger's file could hold: an image that loads from their server, a link, HTML, a formula.
BEACON = "![x](http://evil.invalid/beacon.png)"
XSS = "<img src=x onerror=alert(1)>"
HOSTILE_NAME = "[look](http://evil.invalid) $x$ <b>bold</b>.csv"


def unescape(text: str) -> str:
    return re.sub(r"\\([\\\[\]$<])", r"\1", text).replace(WORD_JOINER, "")


@given(st.text())
def test_md_escapes_every_special_character_and_keeps_the_text(text: str) -> None:
    shown = md(text)
    assert "\n" not in shown
    assert "\r" not in shown
    assert not re.search(r"(?<!\\)(?:\\\\)*[\[\]$]", shown)  # every bracket and dollar escaped
    assert not re.search(r"(?<!\\)(?:\\\\)*<[A-Za-z/!?]", shown)  # no tag, comment or autolink can start
    assert not re.search(r"(?i)(?:https?|ftp):|www\.", shown)  # no bare address becomes a link
    assert unescape(shown) == re.sub(r"[\r\n]+", " ", text).replace(WORD_JOINER, "")


def test_md_examples() -> None:
    assert md(BEACON) == f"!\\[x\\](http{WORD_JOINER}://evil.invalid/beacon.png)"
    assert md("www.evil.invalid") == f"www{WORD_JOINER}.evil.invalid"
    assert md(XSS) == r"\<img src=x onerror=alert(1)>"
    assert md("fewer than < 500 residents") == "fewer than < 500 residents"
    assert md("Narinkkatori (Kamppi)") == "Narinkkatori (Kamppi)"
    assert md("a\n# heading") == "a # heading"


def markdown_texts(at: AppTest) -> list[str]:
    """Every piece of text the page hands to Streamlit's Markdown: bodies, labels and help."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success"):
        out += [str(e.value) for e in at.get(kind)]
    for element in (*at.button, *at.metric):
        out += [str(element.label), str(getattr(element, "help", "") or "")]
    return out


def assert_nothing_live(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    for text in markdown_texts(at):
        assert not re.search(r"(?<!\\)\]\(", text), text  # no link or image
        assert not re.search(r"(?<!\\)<(img src=x|b>bold)", text), text  # no HTML from the file
        assert not re.search(r"(?<!\\)\$x(?<!\\)\$", text), text  # no formula


def test_a_strangers_camera_file_shows_as_text_on_every_page(monkeypatch) -> None:
    data = (f"id,lat,lon,kind,source\n\"{BEACON}\",60.1699,24.9410,dome,\"{XSS}\"\n"
            f"\"{XSS}\",60.1690,24.9450,ptz,x\nbad,abc,24.94,dome,\"{BEACON}\"\n").encode()
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    at.switch_page(str(ROOT / "pages" / "4_Camera_data.py")).run()
    at.file_uploader(key="cam_file").set_value((HOSTILE_NAME, data, "text/csv")).run()
    assert_nothing_live(at)
    assert any("look" in t for t in markdown_texts(at))  # the name is shown, as text
    at.button(key="cam_use").click().run()
    assert_nothing_live(at)
    for page in ("1_Overview.py", "3_Neighbourhoods.py", "5_Who_is_watched.py", "7_Protest_plan.py"):
        at.switch_page(str(ROOT / "pages" / page)).run()
        assert_nothing_live(at)
    at.query_params["origin"] = "60.1699,24.9410"  # by the first hostile camera
    at.query_params["destination"] = "Kauppatori"
    at.switch_page(str(ROOT / "pages" / "2_Route_planner.py")).run()
    assert at.table, "no route was computed"
    assert_nothing_live(at)
    assert any(md(XSS) in t for t in markdown_texts(at))  # the camera this route passes, named as text


def test_a_link_with_a_hostile_place_shows_it_as_text() -> None:
    at = open_page("2_Route_planner.py", origin=BEACON, destination="Kauppatori", dataset=f"{XSS}{BEACON}").run()
    assert_nothing_live(at)
    assert [e.value for e in at.error]  # the unknown place is reported…
    assert all(BEACON not in e.value for e in at.error)  # …as text
    assert any(md(XSS) in w.value for w in at.sidebar.warning)  # and so is the unknown dataset
