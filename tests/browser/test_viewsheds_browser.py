"""Real-browser tests of viewsheds and coverage models (issue 17): the sidebar's model changes what the route planner
counts, says so in its captions and keeps it in the address through a reload; the Overview draws every camera's
viewshed when asked, and nothing is fetched from another host."""

from __future__ import annotations

import numpy as np

from tests.browser.test_maps_browser import MAP, map_pixels
from tests.browser.ui import foreign, route_table, wait_for_app

ROUTE = "Route_planner?origin=Rautatientori&destination=Kauppatori"  # under the default coverage model


def counted_caption(pg) -> str:
    """The caption that says which cameras a page's figures counted."""
    return pg.locator("[data-testid='stCaptionContainer']").filter(has_text="Counted:").first.inner_text()


def choose_in_sidebar(pg, label: str, option: str) -> None:
    """Open one of the sidebar's select boxes and pick an option, as a user does."""
    pg.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").filter(has_text=label).first.click()
    pg.get_by_role("option").filter(has_text=option).first.click()
    wait_for_app(pg)


def new_route_table(pg, before: list[str], *, tries: int = 240) -> list[str]:
    """The route table once it differs from ``before`` (the page recounts after a choice)."""
    for _ in range(tries):
        cells = route_table(pg)
        if cells != before:
            return cells
        pg.wait_for_timeout(250)
    raise AssertionError("the route table did not change")


def test_the_coverage_model_changes_what_routes_count_and_holds_in_the_address(page, app_url) -> None:
    page.goto(f"{app_url}/{ROUTE}")
    wait_for_app(page)
    walls = route_table(page)
    caption = counted_caption(page)
    # the default counts what a camera can identify, its views cut by the dataset's buildings
    assert "dori-typical" in caption
    assert "cut by the walls of" in caption
    assert page.get_by_text("Shaded areas: what each camera sees").count() == 1  # the passed cameras' viewsheds
    assert "coverage_model=dori-typical" in page.url

    choose_in_sidebar(page, "Coverage model", "per-kind")
    page.wait_for_function("() => location.search.includes('coverage_model=per-kind')", timeout=60_000)
    discs = new_route_table(page, walls)
    assert "per-kind" in counted_caption(page)
    # the shortest route is the same walk, counted again: its length holds, what it passes does not
    assert discs[2] == walls[2]
    assert discs[4:6] != walls[4:6]

    page.reload()
    wait_for_app(page)
    assert route_table(page) == discs
    assert "per-kind" in counted_caption(page)
    assert "coverage_model=per-kind" in page.url
    assert foreign(page.requests, app_url) == []


def test_the_overview_draws_every_cameras_viewshed_when_asked(page, app_url) -> None:
    page.goto(app_url)  # the Overview is the main page
    wait_for_app(page)
    page.wait_for_selector(f"{MAP} canvas", timeout=60_000)
    before = map_pixels(page)
    assert page.get_by_text("Shaded areas: what each camera sees").count() == 0
    page.locator("[data-testid='stCheckbox'], [data-testid='stToggle']").filter(
        has_text="Show what each camera sees (viewsheds)").first.locator("label").click()
    wait_for_app(page)
    page.get_by_text("Shaded areas: what each camera sees").wait_for(timeout=60_000)
    after = map_pixels(page)
    assert after.shape == before.shape
    changed = float((np.abs(after - before).max(axis=2) > 8).mean())
    assert changed > 0.01, f"only {changed:.2%} of the map changed when the viewsheds were drawn"
    assert foreign(page.requests, app_url) == []
