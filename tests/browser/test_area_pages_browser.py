"""Real-browser test of the Neighbourhoods page's state (issue 18, item 7): its choices and an uploaded area file
survive a visit to another page and a reload; the choices are in the address, the file never is."""

from __future__ import annotations

import json

from tests.browser.ui import foreign, new_table_rows, table_cells, table_rows, wait_for_app

DISTRICTS = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"nimi": "Westside", "asukkaat": 2000},
     "geometry": {"type": "Polygon", "coordinates": [[[24.935, 60.164], [24.944, 60.164], [24.944, 60.18],
                                                      [24.935, 60.18], [24.935, 60.164]]]}},
    {"type": "Feature", "properties": {"nimi": "Eastside", "asukkaat": 1000},
     "geometry": {"type": "Polygon", "coordinates": [[[24.944, 60.164], [24.954, 60.164], [24.954, 60.18],
                                                      [24.944, 60.18], [24.944, 60.164]]]}},
]}


def go_to(pg, name: str, heading: str) -> None:
    """Another page through the navigation, as a user clicks it."""
    pg.locator("[data-testid='stSidebarNav']").get_by_role("link", name=name).click()
    pg.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    wait_for_app(pg)


def checked(pg, label: str) -> bool:
    return pg.get_by_role("radio", name=label, exact=True).is_checked()


def choose(pg, label: str) -> None:
    pg.locator("[data-testid='stRadio'] label").filter(has_text=label).first.click()
    wait_for_app(pg)


def test_neighbourhoods_choices_and_upload_hold_across_pages_and_a_reload(page, app_url, tmp_path) -> None:
    page.goto(f"{app_url}/Neighbourhoods")
    wait_for_app(page)
    first = table_rows(page)
    choose(page, "Cameras per km of street")
    choose(page, "FRT-capable only")
    page.wait_for_function("() => location.search.includes('cameras=frt')", timeout=60_000)
    ranked = "h3:has-text('Areas ranked by FRT-capable cameras per km of street')"
    page.wait_for_selector(ranked, timeout=60_000)  # the table of this choice, not the run before's
    shown = new_table_rows(page, first)
    go_to(page, "Overview", "Surveillance exposure map")
    go_to(page, "Neighbourhoods", "Neighbourhoods")
    assert checked(page, "Cameras per km of street")
    assert checked(page, "FRT-capable only")
    assert table_rows(page) == shown
    page.reload()
    wait_for_app(page)
    page.wait_for_selector(ranked, timeout=60_000)
    assert checked(page, "FRT-capable only")
    assert table_rows(page) == shown
    assert "measure=per_street_km" in page.url

    areas = tmp_path / "districts.geojson"
    areas.write_text(json.dumps(DISTRICTS), encoding="utf-8")
    choose(page, "Upload GeoJSON")
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(areas))
    page.get_by_text("Westside", exact=True).first.wait_for(state="attached", timeout=120_000)
    go_to(page, "Route planner", "Route planner")
    go_to(page, "Neighbourhoods", "Neighbourhoods")
    assert checked(page, "Upload GeoJSON")
    page.get_by_text("districts.geojson, uploaded before").wait_for(timeout=60_000)
    assert {"Westside", "Eastside"} <= set(table_cells(page))
    page.reload()
    wait_for_app(page)
    assert {"Westside", "Eastside"} <= set(table_cells(page))
    assert "districts" not in page.url
    assert "s=" in page.url  # found again by the session's key, never by the file's content
    assert foreign(page.requests, app_url) == []
