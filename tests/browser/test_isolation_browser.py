"""Real browsers behind make serve's proxy: one session never sees another's uploads, plan, typed places or results.

Two browser contexts (two people) are held to the same app process by its cookie, so that
everything one keeps in that process's memory and caches sits beside the other's. Each
uploads a camera file, plans a protest and asks for a route with random markers of its
own (camera ids, a gathering point's name, the coordinates typed); then each opens every
page. Every byte the app sent either browser (its websocket frames) and every page's text
are searched for the other's markers. Needs nginx and Chromium (``.ci/run`` installs both).
"""

from __future__ import annotations

import importlib.util
import random
import secrets
import sys
from pathlib import Path

import pytest

from serve.nginx import WORKER_COOKIE, find_nginx
from tests.browser.ui import type_place, upload_and_use, wait_for_app

LOAD = Path(__file__).resolve().parents[2] / "bench" / "load.py"
#: Every page by its link in the navigation, and the heading it shows.
NAVIGATION = [("Overview", "Surveillance exposure map"), ("Route planner", "Route planner"),
              ("Neighbourhoods", "Neighbourhoods"), ("Camera data", "Camera data"),
              ("Who is watched", "Who is watched"), ("Build a dataset", "Build a dataset"),
              ("Protest plan", "Protest plan"), ("Many trips", "Many trips")]

pytestmark = [pytest.mark.serve, pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed "
                                                    "(make serve's proxy; .ci/run installs it)")]


def load_module():
    spec = importlib.util.spec_from_file_location("load", LOAD)
    module = importlib.util.module_from_spec(spec)
    sys.modules["load"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from exposure.datasets import load_dataset

    load_dataset("helsinki")  # on disk before the processes start, as make serve prepares it
    with load_module().running_proxy(2, run_folder=tmp_path_factory.mktemp("serve-isolation")) as proxy:
        yield proxy


class Person:
    """One browser context and the markers only it ever types or uploads."""

    def __init__(self, browser, served, cookie: str, seed: int) -> None:
        rng = random.Random(seed)
        tag = secrets.token_hex(5)
        self.camera = f"cam{tag}"
        self.gathering = f"Gather{tag}"
        # a street point of central Helsinki typed to six decimals: its text (latitude first, a comma and no
        # space) is nowhere in any map, whose coordinates are longitude first
        self.typed = f"60.{rng.randrange(169000, 171000)},24.{rng.randrange(940000, 950000)}"
        self.context = browser.new_context(viewport={"width": 1400, "height": 2400})
        self.context.add_cookies([{"name": WORKER_COOKIE, "value": cookie, "url": served.url}])
        self.page = self.context.new_page()
        self.received: list[bytes] = []

        def frames(ws) -> None:
            ws.on("framereceived", lambda payload: self.received.append(
                payload if isinstance(payload, bytes) else payload.encode()))

        self.page.on("websocket", frames)

    def markers(self) -> list[str]:
        return [self.camera, self.gathering, self.typed]

    def go(self, link: str, heading: str) -> None:
        """Open another page by its link in the navigation: the same session, as a person moves about."""
        self.page.get_by_role("link", name=link).click()
        self.page.wait_for_selector(f"h1:has-text('{heading}')", timeout=60_000)
        wait_for_app(self.page)

    def work(self, url: str, folder: Path) -> None:
        """Upload cameras, plan a protest and ask for a route, each carrying this person's markers (one session)."""
        pg = self.page
        cameras = folder / f"{self.camera}.csv"
        cameras.write_text(f"camera_id,lat,lon,kind\n{self.camera},60.1700,24.9420,ptz\n", encoding="utf-8")
        upload_and_use(pg, url, cameras)

        self.go("Protest plan", "Protest plan")
        site = pg.get_by_label("Site", exact=True)
        site.fill("Senaatintori")
        site.press("Enter")
        wait_for_app(pg)
        gathering = pg.get_by_label("Gathering points", exact=True)
        gathering.fill(f"{self.gathering} | 60.1674,24.9518")
        gathering.press("Control+Enter")
        wait_for_app(pg)
        pg.get_by_text("1 route(s) planned").wait_for(timeout=120_000)

        self.go("Route planner", "Route planner")
        type_place(pg, "Origin", self.typed)
        type_place(pg, "Destination", "Kauppatori")
        pg.wait_for_selector("[data-testid='stTable'] td", timeout=120_000)
        wait_for_app(pg)

    def visit_every_page(self) -> str:
        """Open every page by the navigation (the same session); the text they showed."""
        text = []
        for link, heading in NAVIGATION:
            self.go(link, heading)
            text.append(self.page.inner_text("body"))
        return "\n".join(text)

    def saw(self, markers: list[str], text: str) -> list[str]:
        """Which of ``markers`` reached this browser: in a page's text or in anything the app sent it."""
        sent = b"".join(self.received)
        return [m for m in markers if m in text or m.encode() in sent]


def test_one_session_never_sees_anothers_uploads_plan_places_or_results(browser, served, tmp_path) -> None:
    cookie = served.workers()[0]["cookie"]  # both people on one process: its memory and caches hold both
    alice, bob = Person(browser, served, cookie, 1), Person(browser, served, cookie, 2)
    try:
        alice.work(served.url, tmp_path)
        bob.work(served.url, tmp_path)
        seen_by_alice = alice.visit_every_page()
        seen_by_bob = bob.visit_every_page()
        held = {c["value"] for p in (alice, bob) for c in p.context.cookies(served.url) if c["name"] == WORKER_COOKIE}
        assert held == {cookie}  # both still on the one process
        # each saw its own markers (the search can find them) and never the other's
        assert alice.saw(alice.markers(), seen_by_alice) == alice.markers()
        assert bob.saw(bob.markers(), seen_by_bob) == bob.markers()
        assert alice.saw(bob.markers(), seen_by_alice) == []
        assert bob.saw(alice.markers(), seen_by_bob) == []
    finally:
        alice.context.close()
        bob.context.close()
