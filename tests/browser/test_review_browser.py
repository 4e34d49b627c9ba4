"""Real-browser test of verifying a camera as a group (issue 19): one reviewer adds it by clicking the map, two
more confirm it from their own sessions, and the route planner then counts it as verified by the group.

The app runs with a review store of its own in a temporary folder (``EXPOSURE_REVIEW_STORE``), never the cache
folder's.
"""

from __future__ import annotations

import time

import numpy as np

from tests.browser.ui import ARTIFACTS, foreign, route_table, running_app, wait_for_app

#: The Overview map's zoom (``exposure.layers.deck``'s default) and height in pixels.
ZOOM, MAP_HEIGHT = 14.5, 620


def world_px(lon: float, lat: float) -> np.ndarray:
    """Web-mercator pixels at zoom 0 (deck.gl draws the world 512 px wide)."""
    return np.array([512 * (lon + 180) / 360,
                     512 * (0.5 - np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi))])


def on_screen(pg, lon: float, lat: float, centre: tuple[float, float]) -> tuple[float, float]:
    """Where a point is drawn on the Overview map, in page pixels."""
    box = pg.locator("[data-testid='stDeckGlJsonChart'] canvas").first.bounding_box()
    x, y = (world_px(lon, lat) - world_px(*centre)) * 2 ** ZOOM
    return box["x"] + box["width"] / 2 + float(x), box["y"] + box["height"] / 2 + float(y)


def click_where(pg, x: float, y: float, tooltip: str) -> None:
    """Hover around a pixel until the map's tooltip says ``tooltip``, then click there."""
    for dx, dy in [(0, 0), *((dx, dy) for r in (2, 4, 6) for dx in (-r, 0, r) for dy in (-r, 0, r) if dx or dy)]:
        pg.mouse.move(x + dx, y + dy)
        time.sleep(0.3)
        tip = pg.locator(".deck-tooltip")
        if tip.count() and tooltip in (tip.first.inner_text() or ""):
            pg.mouse.down()
            pg.mouse.up()
            wait_for_app(pg)
            return
    msg = f"nothing saying {tooltip!r} under the cursor near ({x:.0f}, {y:.0f})"
    raise AssertionError(msg)


def overview(pg, url: str) -> None:
    pg.goto(url)
    wait_for_app(pg)
    pg.wait_for_selector("[data-testid='stDeckGlJsonChart'] canvas", timeout=60_000)
    time.sleep(2)  # deck.gl draws its layers after the canvas appears


def sign(pg, name: str) -> None:
    box = pg.get_by_label("Your name as a reviewer", exact=True)
    box.fill(name)
    box.press("Enter")
    wait_for_app(pg)


def the_spot() -> tuple[str, tuple[float, float], tuple[float, float]]:
    """A point of the shortest walk from Rautatientori to Kauppatori clear of every mapped camera; the map centre."""
    from exposure.datasets import load_dataset
    from exposure.routing import shortest_route

    ds = load_dataset("helsinki")
    route = shortest_route(ds.context(), ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node)
    points = np.asarray(route.coordinates)[len(route.coordinates) // 4: 3 * len(route.coordinates) // 4]
    scale = np.array([np.cos(np.radians(60.17)) * 111_320, 110_574])
    cams = ds.cameras[["lon", "lat"]].to_numpy(float)
    nearest = np.array([np.min(np.hypot(*((cams - p) * scale).T)) for p in points])
    best = points[int(np.argmax(nearest))]
    assert nearest.max() > 20, "no point of the route is clear of the mapped cameras"
    centre = ds.index.node_lonlat.mean(axis=0)
    return ds.name, (float(best[0]), float(best[1])), (float(centre[0]), float(centre[1]))


def session(browser, requests: list[str]):
    """A browser session of its own (another reviewer), whose requests are listed in ``requests``."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 2400})
    pg = ctx.new_page()
    pg.on("request", lambda r: requests.append(r.url))
    return ctx, pg


def add_by_click(pg, url: str, *, at: tuple[float, float], centre: tuple[float, float]) -> None:
    """Reviewer A switches on adding, clicks the map there, gives the camera's kind and adds it."""
    overview(pg, url)
    pg.get_by_text("Add a camera: click where it is", exact=True).click()
    wait_for_app(pg)
    time.sleep(2)  # the click points are drawn
    click_where(pg, *on_screen(pg, *at, centre), "Click to add a camera here")
    pg.get_by_text("Add a camera here.").wait_for(timeout=60_000)
    sign(pg, "Ana")
    pg.get_by_label("Kind", exact=True).click()
    pg.get_by_role("option", name="dome", exact=True).click()
    wait_for_app(pg)
    pg.screenshot(path=str(ARTIFACTS / "review_form.png"), full_page=True)
    pg.get_by_role("button", name="Add this camera").click()
    pg.get_by_text("Added camera review:").wait_for(timeout=60_000)
    pg.screenshot(path=str(ARTIFACTS / "review_added.png"), full_page=True)


def confirm_by_click(pg, url: str, camera: dict, *, name: str, centre: tuple[float, float]) -> None:
    """Another reviewer clicks the camera on the map, gives their name and confirms it."""
    overview(pg, url)
    click_where(pg, *on_screen(pg, camera["lon"], camera["lat"], centre), camera["camera_id"])
    pg.get_by_text(f"Camera {camera['camera_id']}").wait_for(timeout=60_000)
    sign(pg, name)
    pg.get_by_role("button", name="Confirm it").click()
    pg.get_by_text("Saved your review").wait_for(timeout=60_000)


def test_a_camera_added_by_a_click_and_confirmed_by_two_more_reviewers_counts_as_verified(browser, tmp_path) -> None:
    from exposure.review import ReviewStore

    store = tmp_path / "group.gpkg"
    _, (lon, lat), centre = the_spot()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    with running_app(env={"EXPOSURE_REVIEW_STORE": str(store)}) as url:
        ctx, pg = session(browser, requests)
        add_by_click(pg, url, at=(lon, lat), centre=centre)
        ctx.close()
        (added,) = ReviewStore(store, create=False).added_cameras().to_dict(orient="records")
        assert added["added_by"] == "Ana"
        assert abs(added["lon"] - lon) < 2e-4
        assert abs(added["lat"] - lat) < 2e-4

        for name in ("Ben", "Cleo"):  # each in a session of their own
            ctx, pg = session(browser, requests)
            confirm_by_click(pg, url, added, name=name, centre=centre)
            ctx.close()
        reviews = ReviewStore(store, create=False).reviews(camera_id=added["camera_id"])
        assert sorted(reviews["reviewer"]) == ["Ana", "Ben", "Cleo"]

        # anyone then sees it counted as verified by the group on the route planner
        ctx, pg = session(browser, requests)
        pg.goto(f"{url}/Route_planner?verification=group&origin=Rautatientori&destination=Kauppatori")
        wait_for_app(pg)
        cells = route_table(pg)
        columns = [h for h in pg.locator("[data-testid='stTable'] th").all_inner_texts() if h.strip()]
        assert cells[columns.index("FRT cameras")] == "1", (columns, cells)  # the shortest route's
        pg.get_by_text("1 verified by your group", exact=False).first.wait_for(timeout=60_000)
        pg.screenshot(path=str(ARTIFACTS / "review_verified_route.png"), full_page=True)
        ctx.close()
    assert foreign(requests, url) == []
