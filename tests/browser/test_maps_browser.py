"""Real-browser tests of the route maps (issue 18, item 5): routes side by side that a coloured legend picks, a click
on a street point shown and confirmed, the map never left dimmed after it, and the Protest plan map framed to the plan.

Colours are read from screenshots of the map as the browser drew it.
"""

from __future__ import annotations

import io
import time

import numpy as np

from exposure.style import PICK_COLOUR, ROUTE_COLOURS
from tests.browser.ui import ARTIFACTS, foreign, route_table, wait_for_app

MAP = "[data-testid='stDeckGlJsonChart']"
FEWEST = ROUTE_COLOURS[0]  # the fewest-cameras route (the first route that is not the shortest)
# counted as before coverage models (per-kind discs), where this trip has three routes besides the shortest to draw:
# these tests are about how routes are drawn, not about what a camera sees
ROUTE = "Route_planner?origin=Rautatientori&destination=Kauppatori&coverage_model=per-kind"


def map_pixels(pg) -> np.ndarray:
    """The map as drawn (RGB), once deck.gl has finished drawing; retried while a rerun swaps the chart."""
    from PIL import Image

    wait_for_app(pg)
    time.sleep(2)
    for _ in range(20):
        try:
            shot = pg.locator(MAP).first.screenshot(timeout=5_000)
            return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)
        except Exception:  # the chart was being replaced: take it again
            time.sleep(1)
    raise AssertionError("the map could not be photographed")


def count(pixels: np.ndarray, colour: tuple[int, int, int], *, tolerance: int = 20) -> int:
    """How many pixels are drawn in ``colour`` (as is, not faded)."""
    return int((np.abs(pixels - np.array(colour)).max(axis=2) < tolerance).sum())


def point_at_a_street(pg) -> tuple[float, float]:
    """Move the pointer over the map until its tooltip names a street point; where it is."""
    box = pg.locator(f"{MAP} canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx in range(-120, 121, 10):
        for dy in range(-100, 101, 10):
            pg.mouse.move(cx + dx, cy + dy)
            time.sleep(0.2)
            tip = pg.locator(".deck-tooltip")
            if tip.count() and "Street point" in (tip.first.inner_text() or ""):
                return cx + dx, cy + dy
    raise AssertionError("no street point found under the pointer near the map's centre")


def around(pg, x: float, y: float, *, r: int = 14) -> np.ndarray:
    """The pixels around a point of the page (RGB)."""
    from PIL import Image

    shot = pg.screenshot(clip={"x": x - r, "y": y - r, "width": 2 * r, "height": 2 * r})
    return np.asarray(Image.open(io.BytesIO(shot)).convert("RGB")).astype(int)


def test_a_click_on_the_route_map_is_shown_confirmed_and_leaves_the_map_bright(page, app_url) -> None:
    page.goto(f"{app_url}/{ROUTE}")
    wait_for_app(page)
    route_table(page)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
    drawn = map_pixels(page)
    bright = count(drawn, FEWEST)
    # routes of about the same length show about as much of themselves: none lies under another
    # (the fewest-camera route was mostly under alternative 2, a third of its length showing)
    shows = [count(drawn, c) for c in ROUTE_COLOURS[:3]]
    assert min(shows) > 0.6 * max(shows), shows
    x, y = point_at_a_street(page)
    assert count(around(page, x, y), PICK_COLOUR) > 10  # a dot shows where a click lands
    page.mouse.down()
    page.mouse.up()
    page.get_by_text("Clicked street point").wait_for(timeout=60_000)
    clicked = map_pixels(page)
    # Streamlit fades everything not selected while a chart holds a selection: the map must not keep one
    assert count(clicked, FEWEST) > 0.9 * bright
    assert count(clicked, PICK_COLOUR) > 20  # the point clicked is ringed
    assert not page.locator("[data-stale='true']").count()
    page.get_by_role("button", name="Set as origin").click()
    page.locator("[data-testid='stToast']").filter(has_text="Origin set to").wait_for(timeout=60_000)
    page.wait_for_function(
        "() => /^60\\.\\d+,24\\.\\d+$/.test((document.querySelector(\"input[aria-label='Origin']\") || {}).value)",
        timeout=60_000)
    route_table(page)
    after = map_pixels(page)
    assert count(after, FEWEST) > 300  # the new routes, bright
    assert count(after, PICK_COLOUR) < 5  # the point was used: no ring left
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(MAP).first.screenshot(path=str(ARTIFACTS / "route_planner_map.png"))
    assert foreign(page.requests, app_url) == []


def test_the_route_legend_wears_the_route_colours_and_hides_a_route(page, app_url) -> None:
    page.goto(f"{app_url}/{ROUTE}")
    wait_for_app(page)
    labels = route_table(page)[::10]  # the first cell of each row: the route's name
    pills = page.locator("[data-testid='stButtonGroup'] button")
    assert pills.all_inner_texts() == labels
    colour = pills.filter(has_text="fewest cameras").evaluate("b => getComputedStyle(b).borderLeftColor")
    assert colour == f"rgb({FEWEST[0]}, {FEWEST[1]}, {FEWEST[2]})"  # the route's colour on the map and the card
    bright = count(map_pixels(page), FEWEST)
    pills.filter(has_text="fewest cameras").click()
    assert count(map_pixels(page), FEWEST) < 0.2 * bright  # left out: faint
    pills.filter(has_text="fewest cameras").click()
    assert count(map_pixels(page), FEWEST) > 0.9 * bright
    assert foreign(page.requests, app_url) == []


def test_the_plan_map_is_framed_to_the_plan_says_what_its_marks_are_and_stays_bright(page, app_url) -> None:
    page.goto(f"{app_url}/Protest_plan")
    wait_for_app(page)
    site = page.get_by_label("Site", exact=True)
    site.fill("Senaatintori")
    site.press("Enter")
    wait_for_app(page)
    gathering = page.get_by_label("Gathering points", exact=True)
    gathering.fill("Rautatientori\nNarinkkatori\nMarket | 60.1674,24.9518")
    gathering.press("Control+Enter")
    page.get_by_text("3 route(s) planned, each avoiding everything asked.").wait_for(timeout=120_000)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
    drawn = map_pixels(page)
    journeys = [count(drawn, c) for c in ROUTE_COLOURS[:3]]
    assert min(journeys) > 100, journeys  # every journey shows: framed to the plan, none under another
    legend = page.locator("div:has(> b:text-is('On the map'))").first.inner_text()
    for words in ("site point", "gathering point", "regroup point", "camera, high FRT tier", "camera, medium FRT tier"):
        assert words in legend, words
    point_at_a_street(page)
    page.mouse.down()
    page.mouse.up()
    page.get_by_text("Clicked street point").wait_for(timeout=60_000)
    clicked = map_pixels(page)
    assert all(count(clicked, c) > 0.9 * j for c, j in zip(ROUTE_COLOURS[:3], journeys, strict=True))  # not dimmed
    assert count(clicked, PICK_COLOUR) > 20
    page.get_by_role("button", name="Dismiss").click()
    page.get_by_text("Clicked street point").wait_for(state="detached", timeout=60_000)
    assert count(map_pixels(page), PICK_COLOUR) < 5
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.locator(MAP).first.screenshot(path=str(ARTIFACTS / "protest_plan_map.png"))
    assert foreign(page.requests, app_url) == []
