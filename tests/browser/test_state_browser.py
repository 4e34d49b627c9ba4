"""Real-browser tests: what a page holds (a planned route, an audited track, many trips' routes) survives a visit to
another page and a reload, and a first visitor to a page's own address gets the whole app (issues 16 and 18)."""

from __future__ import annotations

from pathlib import Path

from tests.browser.ui import (
    foreign,
    route_table,
    running_app,
    type_place,
    wait_for_app,
)

PAIRS = ("id,origin,destination\n"
         "a,Rautatientori,Kauppatori\n"
         "b,Senaatintori,Rautatientori\n"
         "c,Atlantis,Kauppatori\n")


def go_to(pg, name: str, heading: str) -> None:
    """Another page through the navigation, as a user clicks it."""
    pg.locator("[data-testid='stSidebarNav']").get_by_role("link", name=name).click()
    pg.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    wait_for_app(pg)


def reload(pg, heading: str) -> None:
    pg.reload()
    wait_for_app(pg)
    pg.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
    wait_for_app(pg)


def metric(pg, label: str) -> str:
    """The value a metric shows, once it is drawn."""
    box = pg.locator("[data-testid='stMetric']").filter(has_text=label).first
    box.wait_for(timeout=120_000)
    return box.locator("[data-testid='stMetricValue']").inner_text().strip()


def walk_gpx(path: Path) -> Path:
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import shortest_route

    ds = load_dataset("helsinki")
    walked = shortest_route(ds.context(), ds.resolve("Narinkkatori").node, ds.resolve("Senaatintori").node)
    path.write_text(routes_to_gpx([walked]), encoding="utf-8")
    return path


def test_a_planned_route_survives_a_reload_in_audit_mode(page, app_url) -> None:
    page.goto(f"{app_url}/Route_planner")
    wait_for_app(page)
    type_place(page, "Origin", "Rautatientori")
    type_place(page, "Destination", "Kauppatori")
    planned = route_table(page)
    page.get_by_text("Audit a recorded walk", exact=True).click()
    wait_for_app(page)
    go_to(page, "Overview", "Surveillance exposure map")
    go_to(page, "Route planner", "Route planner")  # the navigation cleared the address; the page writes it again
    reload(page, "Route planner")
    page.get_by_text("Plan a route", exact=True).click()
    wait_for_app(page)
    assert route_table(page) == planned
    assert "origin=Rautatientori" in page.url
    assert foreign(page.requests, app_url) == []


def test_an_audited_track_survives_other_pages_and_a_reload(page, app_url, tmp_path) -> None:
    page.goto(f"{app_url}/Route_planner?mode=audit")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(
        str(walk_gpx(tmp_path / "my-walk.gpx")))
    length = metric(page, "Length")
    assert length.endswith(" m")
    go_to(page, "Overview", "Surveillance exposure map")
    go_to(page, "Route planner", "Route planner")
    assert metric(page, "Length") == length  # the track was kept while another page ran
    page.get_by_text("Auditing my-walk.gpx, uploaded before").wait_for(timeout=60_000)
    reload(page, "Route planner")
    assert metric(page, "Length") == length
    assert "my-walk" not in page.url
    assert foreign(page.requests, app_url) == []


def test_many_trips_keeps_its_file_and_routes_across_pages_and_a_reload(page, app_url, tmp_path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text(PAIRS, encoding="utf-8")
    page.goto(f"{app_url}/Many_trips")
    wait_for_app(page)
    page.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(pairs))
    page.get_by_text("3 pairs").first.wait_for(timeout=60_000)
    wait_for_app(page)
    workers = page.get_by_label("Worker processes", exact=True)
    workers.fill("1")
    workers.press("Enter")
    wait_for_app(page)
    page.get_by_role("button", name="Route every pair").click()
    assert metric(page, "Pairs routed") == "2 of 3"
    best = metric(page, "Median FRT cameras, best walk")

    go_to(page, "Protest plan", "Protest plan")
    go_to(page, "Many trips", "Many trips")
    assert metric(page, "Pairs routed") == "2 of 3"
    assert metric(page, "Median FRT cameras, best walk") == best
    page.get_by_text("pairs.csv was uploaded before").wait_for(timeout=60_000)

    reload(page, "Many trips")
    assert metric(page, "Pairs routed") == "2 of 3"
    assert page.get_by_label("Worker processes", exact=True).input_value() == "1"
    assert "s=" in page.url  # found again by the session's key, never by the file's content
    assert "pairs.csv" not in page.url
    assert foreign(page.requests, app_url) == []


def test_a_first_visitor_to_a_page_address_gets_the_whole_app(page) -> None:
    # a fresh server whose very first visitor opens a shared route link, not the overview
    with running_app() as url:
        page.goto(f"{url}/Route_planner?origin=Rautatientori&destination=Kauppatori&frt_policy=all")
        wait_for_app(page)
        route_table(page)
        nav = page.locator("[data-testid='stSidebarNav']")
        names = [n.strip() for n in nav.inner_text().splitlines() if any(c.isalpha() for c in n)]
        assert names == ["Overview", "Route planner", "Neighbourhoods", "Camera data", "Who is watched",
                         "Build a dataset", "Protest plan", "Many trips"]
        policy = page.locator("[data-testid='stSidebar'] input[aria-label='FRT-capability policy']")
        assert policy.input_value() == "all"
        assert page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").count() == 5  # drawn once
        assert "origin=Rautatientori" in page.url
        assert foreign(page.requests, url) == []
