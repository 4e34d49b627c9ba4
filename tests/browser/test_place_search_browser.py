"""The place search in a real browser: what a person typing a square's name is offered first."""

from __future__ import annotations

import pytest

from tests.browser.ui import wait_for_app


def offered(pg, label: str, text: str) -> list[str]:
    """The suggestions a place box lists, in order, once ``text`` is typed into it."""
    box = pg.get_by_label(label, exact=True)
    box.click()
    box.fill(text)
    options = pg.get_by_role("option")
    options.first.wait_for(timeout=60_000)
    names = [n.strip() for n in options.all_inner_texts()]
    box.press("Escape")
    return [n for n in names if not n.startswith("Add: ")]  # the text as typed, offered as it is


@pytest.mark.parametrize(("path", "label"), [("Route_planner", "Origin"),
                                             ("Protest_plan", "Find the site (names and protest sites ★)")])
def test_protest_sites_come_before_bus_stops(page, app_url, path: str, label: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    names = offered(page, label, "Rautat")
    assert names[0] == "★ Rautatientori (Railway Square)", names[:5]
    platform = ["laituri" in n for n in names]
    assert platform == sorted(platform), names  # no platform before a place
    # the bus station's 13 platforms are still found, in the order of their numbers
    assert offered(page, label, "Rautatientori, lait")[:3] == [
        "Rautatientori, laituri 1", "Rautatientori, laituri 2", "Rautatientori, laituri 3"]
