"""Real-browser test: uploaded cameras and a plan survive a page reload; the link to share leaves the key out."""

from __future__ import annotations

import time
from pathlib import Path

from tests.browser.ui import (
    ARTIFACTS,
    foreign,
    route_table,
    type_place,
    upload_and_use,
    wait_for_app,
)


def test_uploads_and_a_plan_survive_a_reload(page, app_url, tmp_path: Path) -> None:
    cameras = tmp_path / "my-cameras.csv"
    cameras.write_text("id,lat,lon,kind\nmine-1,60.1700,24.9420,ptz\nmine-2,60.1690,24.9450,dome\n",
                       encoding="utf-8")
    upload_and_use(page, app_url, cameras)
    assert "s=" in page.url
    page.reload()
    wait_for_app(page)
    page.get_by_role("button", name="Back to the dataset's cameras").wait_for(timeout=60_000)
    assert "uploaded cameras from my-cameras.csv" in page.inner_text("body")

    # the other pages count them too, after the reload
    page.get_by_role("link", name="Overview").click()
    page.wait_for_selector("h1:has-text('Surveillance exposure map')", timeout=60_000)
    wait_for_app(page)
    page.get_by_text("uploaded cameras from my-cameras.csv").first.wait_for(timeout=60_000)

    # a plan, then a reload
    page.get_by_role("link", name="Protest plan").click()
    page.wait_for_selector("h1:has-text('Protest plan')", timeout=60_000)
    wait_for_app(page)
    site = page.get_by_label("Site", exact=True)
    site.fill("Senaatintori")
    site.press("Enter")
    wait_for_app(page)
    gathering = page.get_by_label("Gathering points", exact=True)
    gathering.fill("Rautatientori\nMarket | 60.1674,24.9518")
    gathering.press("Control+Enter")
    wait_for_app(page)
    page.get_by_text("2 route(s) planned").wait_for(timeout=120_000)
    page.reload()
    wait_for_app(page)
    page.get_by_text("2 route(s) planned").wait_for(timeout=120_000)
    page.wait_for_function(  # the box is filled once the restored run has drawn it
        "() => (document.querySelector(\"input[aria-label='Site']\") || {}).value === 'Senaatintori'", timeout=60_000)
    assert "Market | 60.1674,24.9518" in page.get_by_label("Gathering points", exact=True).input_value()
    time.sleep(1)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plan_after_reload.png"), full_page=True)

    # the route planner's link to share has the route, not the session's key
    page.get_by_role("link", name="Route planner").click()
    page.wait_for_selector("h1:has-text('Route planner')", timeout=60_000)
    wait_for_app(page)
    type_place(page, "Origin", "Rautatientori")
    type_place(page, "Destination", "Kauppatori")
    route_table(page)
    assert "s=" in page.url
    link = page.locator("[data-testid='stCode']").last.inner_text().strip()
    assert link.startswith(f"{app_url}/Route_planner?")
    assert "origin=Rautatientori" in link
    assert "s=" not in link.replace("dataset=", "").replace("destination=", "").replace("alternatives=", "")
    assert foreign(page.requests, app_url) == []
