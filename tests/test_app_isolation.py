"""One session never sees another's uploads, plan, typed places or results: two sessions in one app process.

Every session of a process shares its caches (datasets, layers written once, the store of
what sessions keep across reloads); here two sessions work one after the other in the same
process, each with random markers of its own, and everything each is then sent on every
page is searched for the other's. ``tests/browser/test_isolation_browser.py`` checks the same
with two real browsers through ``make serve``'s proxy.
"""

from __future__ import annotations

import random
import secrets

from streamlit.testing.v1 import AppTest

from tests.app_pages import open_page, query, visit

PAGES = ["1_Overview.py", "2_Route_planner.py", "3_Neighbourhoods.py", "4_Camera_data.py", "5_Who_is_watched.py",
         "6_Build_a_dataset.py", "7_Protest_plan.py", "8_Many_trips.py"]


def sent(at: AppTest) -> str:
    """Everything the last run sent the browser (each element's message, maps and tables included), as text."""
    parts: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    parts.append(repr(dict(at.query_params)))
    return "\n".join(parts)


class Person:
    """One session and the markers only it ever uploads or types."""

    def __init__(self, seed: int) -> None:
        rng = random.Random(seed)
        tag = secrets.token_hex(5)
        self.camera = f"cam{tag}"
        self.gathering = f"Gather{tag}"
        # a street point of central Helsinki typed to six decimals, latitude first: no map writes it that way
        self.typed = f"60.{rng.randrange(169000, 171000)},24.{rng.randrange(940000, 950000)}"
        self.at = open_page("4_Camera_data.py")

    def markers(self) -> list[str]:
        return [self.camera, self.gathering, self.typed]

    def work(self) -> None:
        """Upload cameras, plan a protest and ask for a route, each carrying this person's markers."""
        at = self.at.run()
        at.file_uploader(key="cam_file").set_value(
            (f"{self.camera}.csv", f"camera_id,lat,lon,kind\n{self.camera},60.1700,24.9420,ptz\n".encode(),
             "text/csv")).run()
        at.button(key="cam_use").click().run()
        at = visit(at, "7_Protest_plan.py")
        at.text_input(key="pp_site").set_value("Senaatintori").run()
        at.text_area(key="pp_gathering").set_value(f"{self.gathering} | 60.1674,24.9518").run()
        assert "1 route(s) planned" in " ".join(s.value for s in at.success)
        # the place typed as a link gives it (AppTest's selectbox takes only the options listed)
        at.query_params.clear()
        at.query_params.update(origin=self.typed, destination="Kauppatori")
        at = at.switch_page("pages/2_Route_planner.py").run()
        assert at.selectbox(key="rp_origin").value == self.typed
        assert not at.exception, [e.value for e in at.exception]
        assert at.table, "no routes"

    def every_page(self) -> str:
        """Every page opened by the navigation in this session: what each sent."""
        seen = []
        for page in PAGES:
            at = visit(self.at, page)
            assert not at.exception, (page, [e.value for e in at.exception])
            seen.append(sent(at))
        return "\n".join(seen)


def test_one_session_never_sees_anothers_uploads_plan_places_or_results() -> None:
    alice, bob = Person(1), Person(2)
    alice.work()
    bob.work()
    seen_by_alice, seen_by_bob = alice.every_page(), bob.every_page()
    # each saw its own markers (the search can find them) and never the other's
    assert [m for m in alice.markers() if m in seen_by_alice] == alice.markers()
    assert [m for m in bob.markers() if m in seen_by_bob] == bob.markers()
    assert [m for m in bob.markers() if m in seen_by_alice] == []
    assert [m for m in alice.markers() if m in seen_by_bob] == []
    # each keeps what it has under a key of its own, which the other never learns
    assert query(alice.at, "s") != query(bob.at, "s")
    assert query(alice.at, "s") not in seen_by_bob


def test_a_newcomer_sees_nothing_a_session_before_it_left() -> None:
    alice = Person(3)
    alice.work()
    newcomer = open_page("2_Route_planner.py").run()  # a new browser on the same process, with a bare address
    seen = sent(newcomer) + "\n".join(sent(visit(newcomer, page)) for page in PAGES)
    assert [m for m in alice.markers() if m in seen] == []
    assert query(newcomer, "s") is None  # nothing kept for it: no key of anyone's
