"""Real-browser tests: every page in Debian's Chromium, a route computed through the UI, and no
request to any host but the app's own."""

from __future__ import annotations

import contextlib
import time
import urllib.request

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.browser.ui import (
    ARTIFACTS,
    PAGES,
    foreign,
    route_table,
    running_app,
    table_cells,
    type_place,
    upload_and_use,
    wait_for_app,
)


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_draws_and_stays_on_this_machine(page, app_url, name) -> None:
    path, has_map = PAGES[name]
    page.goto(f"{app_url}/{path}")
    wait_for_app(page)
    if has_map:
        page.wait_for_selector("canvas", timeout=60_000)
    page.wait_for_selector("h1", timeout=60_000)
    time.sleep(1.5)  # let deck.gl finish drawing, so the screenshot shows the map
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert not page.locator("[data-testid='stException']").count(), f"{name} shows a traceback"
    assert foreign(page.requests, app_url) == []


def test_route_through_the_ui(page, app_url) -> None:
    page.goto(f"{app_url}/Route_planner")
    wait_for_app(page)
    # a trip whose fewest-camera route differs from the shortest under the default coverage model
    for label, value in (("Origin", "Narinkkatori"), ("Destination", "Kauppatori")):
        box = page.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")
        wait_for_app(page)
    page.wait_for_selector("[data-testid='stTable']", timeout=120_000)
    page.wait_for_selector("canvas", timeout=60_000)
    time.sleep(1.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "route_planner_route.png"), full_page=True)
    assert page.get_by_text("fewer FRT camera").count() > 0
    assert "origin=Narinkkatori" in page.url
    assert foreign(page.requests, app_url) == []


def test_clicking_a_street_point_sets_the_origin(page, app_url) -> None:
    page.goto(f"{app_url}/Route_planner")
    wait_for_app(page)
    page.wait_for_selector("canvas", timeout=60_000)
    time.sleep(2)
    box = page.locator("canvas").first.bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    # hover until the tooltip says a street point is under the cursor, then click it
    hit = False
    for dx in range(-60, 61, 12):
        for dy in range(-60, 61, 12):
            page.mouse.move(cx + dx, cy + dy)
            time.sleep(0.3)
            tip = page.locator(".deck-tooltip")
            if tip.count() and "Street point" in (tip.first.inner_text() or ""):
                page.mouse.down()
                page.mouse.up()
                hit = True
                break
        if hit:
            break
    assert hit, "no street point found under the cursor near the map's centre"
    page.get_by_text("Clicked street point").wait_for(timeout=60_000)
    page.get_by_role("button", name="Set as origin").click()
    # the button's callback fills the box on the next run: wait for the value, not for idleness
    page.wait_for_function(
        "() => (document.querySelector(\"input[aria-label='Origin']\") || {}).value", timeout=60_000)
    lat, lon = (float(v) for v in page.locator("input[aria-label='Origin']").input_value().split(","))
    assert 60.16 < lat < 60.18
    assert 24.93 < lon < 24.96
    assert foreign(page.requests, app_url) == []


def test_navigation_names_every_page_as_the_readme_does(page) -> None:
    # a fresh server whose first visitor opens a page's own address, not the overview
    with running_app() as url:
        page.goto(f"{url}/Camera_data")
        wait_for_app(page)
        page.wait_for_selector("h1:has-text('Camera data')", timeout=60_000)
        check_navigation(page)
        page.goto(url)
        wait_for_app(page)
        check_navigation(page)


def check_navigation(page) -> None:
    nav = page.locator("[data-testid='stSidebarNav']")
    nav.wait_for(timeout=60_000)
    names = [n.strip() for n in nav.inner_text().splitlines() if any(c.isalpha() for c in n)]  # not the icons
    assert names == ["Overview", "Route planner", "Neighbourhoods", "Camera data", "Who is watched",
                     "Build a dataset", "Protest plan", "Many trips"]
    page.get_by_role("link", name="Neighbourhoods").click()
    page.wait_for_url("**/Neighbourhoods**", timeout=60_000)
    wait_for_app(page)
    page.wait_for_selector("h1:has-text('Neighbourhoods')", timeout=60_000)


def choose(pg, label: str, option: str, *, sidebar: bool = True) -> None:
    """Pick an option of a selectbox by its label, and wait for the app to run with it."""
    scope = pg.locator("[data-testid='stSidebar']") if sidebar else pg
    scope.locator("[data-testid='stSelectbox']").filter(has_text=label).click()
    pg.get_by_role("option", name=option, exact=True).click()
    wait_for_app(pg)


def chosen(pg, label: str) -> str:
    """The value a sidebar selectbox shows."""
    return pg.locator(f"[data-testid='stSidebar'] input[aria-label='{label}']").input_value()


def sidebar_state(pg) -> tuple[str, str, str, bool, str]:
    radius = pg.locator("[data-testid='stSidebar']").get_by_label("Radius (m)")
    return (chosen(pg, "Dataset"), chosen(pg, "FRT-capability policy"), chosen(pg, "Verification"),
            pg.locator("[data-testid='stSidebar']").get_by_role("checkbox").is_checked(), radius.input_value())


def set_sidebar(pg, *, frt_policy: str, verification: str, radius: str) -> None:
    choose(pg, "FRT-capability policy", frt_policy)
    choose(pg, "Verification", verification)
    pg.locator("[data-testid='stSidebar']").get_by_text("One radius for every camera").click()
    wait_for_app(pg)
    box = pg.locator("[data-testid='stSidebar']").get_by_label("Radius (m)")
    box.fill(radius)
    box.press("Enter")
    # the address follows the choices once the rerun they caused has finished
    pg.wait_for_function(f"() => location.search.includes('radius_m={radius}')", timeout=60_000)
    wait_for_app(pg)


def test_sidebar_choices_hold_across_pages_back_and_reload(page, app_url) -> None:
    page.goto(f"{app_url}/Camera_data")
    wait_for_app(page)
    set_sidebar(page, frt_policy="all", verification="verified", radius="40")
    expected = ("helsinki", "all", "verified", True, "40.00")
    assert sidebar_state(page) == expected
    page.get_by_role("link", name="Neighbourhoods").click()
    page.wait_for_selector("h1:has-text('Neighbourhoods')", timeout=60_000)
    wait_for_app(page)
    assert sidebar_state(page) == expected
    page.get_by_text("uniform 40 m discs").first.wait_for(timeout=60_000)
    # Streamlit records a page switch as two steps (the page, then its address with the choices):
    # Back may first land on the same page; either way nothing is reset
    for _ in range(3):
        page.go_back()
        time.sleep(1.5)
        wait_for_app(page)
        page.wait_for_selector("h1", timeout=60_000)  # a loaded machine redraws the page after the step back
        assert sidebar_state(page) == expected
        if page.locator("h1:has-text('Camera data')").count():
            break
        with contextlib.suppress(PlaywrightTimeout):  # the step back may still be on its way
            page.wait_for_selector("h1:has-text('Camera data')", timeout=5_000)
            break
    page.wait_for_selector("h1:has-text('Camera data')", timeout=60_000)
    page.reload()
    wait_for_app(page)
    page.wait_for_selector("h1:has-text('Camera data')", timeout=60_000)
    assert sidebar_state(page) == expected
    assert foreign(page.requests, app_url) == []


def test_a_shared_route_link_counts_the_same_cameras(browser, page, app_url) -> None:
    page.goto(f"{app_url}/Route_planner?origin=Rautatientori&destination=Kauppatori")
    wait_for_app(page)
    first = route_table(page)
    set_sidebar(page, frt_policy="strict-ptz-dome", verification="verified", radius="40")
    table = route_table(page)
    assert table != first  # the settings change the figures, so the link must carry them
    link = page.url
    for part in ("dataset=helsinki", "frt_policy=strict-ptz-dome", "verification=verified", "radius_m=40",
                 "origin=Rautatientori", "destination=Kauppatori"):
        assert part in link, link
    other = browser.new_context(viewport={"width": 1400, "height": 2400})
    try:
        elsewhere = other.new_page()
        elsewhere.goto(link)
        wait_for_app(elsewhere)
        assert route_table(elsewhere) == table
        assert sidebar_state(elsewhere) == ("helsinki", "strict-ptz-dome", "verified", True, "40.00")
    finally:
        other.close()
    assert foreign(page.requests, app_url) == []


def test_another_citys_cameras_leave_the_server_answering(page, app_url, shared_data) -> None:
    """The first user's path: Brooklyn's Decode file on Helsinki's streets, then Neighbourhoods at H3 9."""
    upload_and_use(page, app_url, shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    page.get_by_role("link", name="Neighbourhoods").click()
    page.wait_for_selector("h1:has-text('Neighbourhoods')", timeout=60_000)
    page.get_by_text("lie outside the streets of").first.wait_for(timeout=60_000)
    table_cells(page)  # the ranked hexagons are drawn
    with urllib.request.urlopen(f"{app_url}/_stcore/health", timeout=5) as r:
        assert r.status == 200
    text = page.inner_text("body")
    assert "9,216 of the uploaded cameras" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "neighbourhoods_other_city.png"), full_page=True)
    assert not page.locator("[data-testid='stException']").count()
    assert foreign(page.requests, app_url) == []


def test_boroughs_without_camera_data_are_grey_and_said_so(page, app_url, shared_data) -> None:
    upload_and_use(page, app_url, shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    page.get_by_role("link", name="Who is watched").click()
    page.wait_for_selector("h1:has-text('Who is watched')", timeout=60_000)
    page.get_by_text("no camera data: outside the camera source's coverage (193 areas)").wait_for(timeout=120_000)
    page.wait_for_selector("canvas", timeout=60_000)
    wait_for_app(page)
    text = page.inner_text("body")
    assert "193 area(s) left out: outside where the camera source looked" in text
    assert "69 of 262" in text  # areas with camera data, beside the camera totals
    # the legend's grey swatch is the colour the map gives those areas
    swatch = page.locator("span[style*='rgba(120, 120, 120']")
    assert swatch.count() == 1
    time.sleep(1.5)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "who_is_watched_brooklyn.png"), full_page=True)
    assert not page.locator("[data-testid='stException']").count()
    assert foreign(page.requests, app_url) == []


def test_a_protest_site_keeps_its_name_from_search_to_shared_link(browser, page, app_url) -> None:
    page.goto(f"{app_url}/Route_planner")
    wait_for_app(page)
    type_place(page, "Origin", "Narink", pick="★ Narinkkatori (Kamppi)")
    type_place(page, "Destination", "60.16741,24.95176")  # lat,lon typed into the same kind of box
    heading = page.locator("h3:has-text('→')")
    heading.wait_for(timeout=120_000)
    assert heading.inner_text().strip() == "Narinkkatori (Kamppi) → 60.16741, 24.95176"
    assert page.get_by_label("Origin", exact=True).input_value() == "★ Narinkkatori (Kamppi)"
    assert "origin=%E2%98%85+Narinkkatori+%28Kamppi%29" in page.url
    assert not page.locator("input[aria-label='Origin'][value^='60.']").count()  # never bare coordinates
    link = page.url
    other = browser.new_context(viewport={"width": 1400, "height": 2400})
    try:
        elsewhere = other.new_page()
        elsewhere.goto(link)
        wait_for_app(elsewhere)
        shared = elsewhere.locator("h3:has-text('→')")
        shared.wait_for(timeout=120_000)
        assert shared.inner_text().strip() == "Narinkkatori (Kamppi) → 60.16741, 24.95176"
        assert elsewhere.get_by_label("Origin", exact=True).input_value() == "★ Narinkkatori (Kamppi)"
    finally:
        other.close()
    # the label typed as shown, and Enter, finds the site too
    type_place(page, "Origin", "★ Senaatintori (Senate Square)")
    page.locator("h3:has-text('Senaatintori (Senate Square) →')").wait_for(timeout=120_000)
    assert not page.locator("[data-testid='stAlert']:has-text('no place called')").count()
    assert foreign(page.requests, app_url) == []
