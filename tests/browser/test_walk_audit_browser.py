"""Real-browser test of the newcomer's walk (issue 18, item 3): upload the Jyväskylä cameras, use them on every page and
audit walk1 on the Route planner; the page gives one answer, the engine's, and never says the cameras are missing."""

from __future__ import annotations

import pytest

from tests.browser.ui import foreign, upload_and_use, wait_for_app
from tests.conftest import SHARED_DATA

JYVASKYLA = SHARED_DATA / "jyvaskyla"


def metric(pg, label: str) -> str:
    """The value a metric shows under its label."""
    for text in pg.locator("[data-testid='stMetric']").all_inner_texts():
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if lines and lines[0] == label:
            return lines[-1]
    raise AssertionError(f"no metric labelled {label!r}")


def test_the_jyvaskyla_walk_audited_with_its_own_cameras_gives_the_engines_answer(page, app_url) -> None:
    if not (JYVASKYLA / "cameras.csv").is_file():
        pytest.skip(f"the Jyväskylä test data is not here ({JYVASKYLA}): ../shared is absent")
    from exposure.audit import audit_track, read_track
    from exposure.cameras import load_cameras

    expected = audit_track(read_track(JYVASKYLA / "walk1.gpx"), load_cameras(JYVASKYLA / "cameras.csv").cameras)
    upload_and_use(page, app_url, JYVASKYLA / "cameras.csv")
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name="Route planner").click()
    page.wait_for_selector("h1:has-text('Route planner')", timeout=60_000)
    wait_for_app(page)
    page.locator("[data-testid='stRadio'] label").filter(has_text="Audit a recorded walk").first.click()
    wait_for_app(page)
    track = page.locator("[data-testid='stFileUploader'] input[type='file']").first
    track.set_input_files(str(JYVASKYLA / "walk1.gpx"))
    page.get_by_text("FRT-capable cameras").first.wait_for(timeout=120_000)
    wait_for_app(page)
    assert metric(page, "FRT-capable cameras") == str(expected.frt_cameras)
    assert metric(page, "In view of FRT cameras").startswith(f"{expected.metres_in_view:,.0f} m")
    text = page.locator("[data-testid='stMain']").inner_text()
    assert "No camera data" not in text
    assert "none of its cameras are counted" not in text
    assert "no route comparison is possible there" in text  # Jyväskylä lies outside Helsinki's streets
    assert expected.frt_cameras > 0
    assert foreign(page.requests, app_url) == []
