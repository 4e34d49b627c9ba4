"""Real-browser test: a stranger's camera file whose names are HTML and Markdown shows them as text, runs no
script and makes no request, on the Camera data page, the Overview's tooltip and the route planner."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.browser.ui import (
    ARTIFACTS,
    foreign,
    type_place,
    upload_and_use,
    wait_for_app,
)

XSS = "<img src=x onerror=alert(1)>"
BEACON = "![b](http://evil.invalid/beacon.png)"


def hostile_cameras(folder: Path) -> Path:
    """A grid of dome cameras over central Helsinki, every id and source HTML or a Markdown image."""
    rows = ["id,lat,lon,kind,source"]
    for i in range(16):
        for j in range(16):
            lat, lon = 60.1645 + 0.00092 * i, 24.9355 + 0.00112 * j
            name = XSS if (i + j) % 2 == 0 else BEACON
            rows.append(f'"{name} {i}-{j}",{lat:.6f},{lon:.6f},dome,"{XSS}"')
    path = folder / f"{XSS}.csv"  # the file's name is hostile too
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def hover_tooltip(pg, needle: str) -> str:
    """Move over the first map until its tooltip holds ``needle``; return the tooltip's text."""
    pg.wait_for_selector("canvas", timeout=60_000)
    time.sleep(2)
    box = pg.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx in range(-80, 81, 9):
        for dy in range(-80, 81, 9):
            pg.mouse.move(cx + dx, cy + dy)
            time.sleep(0.15)
            tip = pg.locator(".deck-tooltip")
            if tip.count() and needle in (tip.first.inner_text() or ""):
                assert tip.first.locator("img").count() == 0  # text, not an element
                return tip.first.inner_text()
    pytest.fail(f"no tooltip with {needle!r} near the map's centre")


def no_script_ran(pg, dialogs: list[str], url: str) -> None:
    assert dialogs == []  # alert(1) never fired
    assert pg.locator("img[src='x']").count() == 0
    assert pg.locator("img[src*='evil.invalid']").count() == 0
    assert pg.locator("a[href*='evil.invalid']").count() == 0  # not even a link to click
    assert not [u for u in pg.requests if u.endswith("/x")]  # <img src=x> would fetch it
    assert foreign(pg.requests, url) == []


def test_html_and_markdown_in_a_camera_file_are_shown_as_text(page, app_url, tmp_path) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    upload_and_use(page, app_url, hostile_cameras(tmp_path))

    # Camera data: the file's name in the headings, the ids in the table and the tooltips
    page.get_by_text(f"What was read from {XSS}.csv").wait_for(timeout=60_000)
    assert f"Every row of {XSS}.csv was read: 256 cameras." in page.inner_text("body")
    tip = hover_tooltip(page, "onerror")
    assert XSS in tip
    no_script_ran(page, dialogs, app_url)

    # Overview: the tooltip of a camera
    page.get_by_role("link", name="Overview").click()
    page.wait_for_selector("h1:has-text('Surveillance exposure map')", timeout=60_000)
    wait_for_app(page)
    assert f"uploaded cameras from {XSS}.csv" in page.inner_text("body")
    tip = hover_tooltip(page, "onerror")
    assert XSS in tip
    assert f"source: {XSS}" in tip
    no_script_ran(page, dialogs, app_url)

    # Route planner: the cameras a route passes are listed by id, and drawn with their tooltips
    page.get_by_role("link", name="Route planner").click()
    page.wait_for_selector("h1:has-text('Route planner')", timeout=60_000)
    wait_for_app(page)
    type_place(page, "Origin", "Rautatientori")
    type_place(page, "Destination", "Kauppatori")
    page.wait_for_selector("[data-testid='stTable']", timeout=120_000)
    page.get_by_text("Cameras each route passes").click()
    wait_for_app(page)
    listed = page.locator("[data-testid='stExpander']").inner_text()
    assert XSS in listed
    assert BEACON in listed.replace("\u2060", "")  # the Markdown image is shown as its text (an invisible joiner)
    time.sleep(1.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hostile_names_route_planner.png"), full_page=True)
    no_script_ran(page, dialogs, app_url)
