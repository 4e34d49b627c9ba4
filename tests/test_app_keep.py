"""A session's uploads and plan survive a reload: kept in memory under a random key, bounded, expiring."""

from __future__ import annotations

import threading

import pandas as pd
import pytest

from app import keep
from app.keep import TOKEN, SessionStore, shareable
from app.state import LOADED, UPLOADED
from tests.app_pages import open_page, query, reload

CSV = b"id,lat,lon,kind\nmine-1,60.1700,24.9420,ptz\nmine-2,60.1690,24.9450,dome\n"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_key_keeps_its_values_and_nothing_else_sees_them() -> None:
    store = SessionStore()
    a, b = store.new_token(), store.new_token()
    assert a != b
    assert len(a) >= 24
    store.put(a, "plan", {"site": "Senaatintori"})
    assert store.get(a) == {"plan": {"site": "Senaatintori"}}
    assert store.get(b) is None
    store.drop(a, "plan")
    assert store.get(a) is None  # an entry that keeps nothing is gone
    assert len(store) == 0


def test_entries_expire_after_their_last_use() -> None:
    clock = Clock()
    store = SessionStore(keep_for_s=60, clock=clock)
    store.put("k" * 24, "plan", 1)
    clock.now += 50
    assert store.get("k" * 24) == {"plan": 1}  # a use keeps it another 60 s
    clock.now += 50
    assert store.get("k" * 24) == {"plan": 1}
    clock.now += 61
    assert store.get("k" * 24) is None
    assert len(store) == 0


def test_the_least_recently_used_go_first_past_the_bounds() -> None:
    store = SessionStore(max_sessions=3)
    for i in range(3):
        store.put(f"t{i}", "plan", i)
    store.get("t0")  # used: now the most recent
    store.put("t3", "plan", 3)
    assert store.get("t1") is None
    assert {t for t in ("t0", "t2", "t3") if store.get(t) is not None} == {"t0", "t2", "t3"}


def test_memory_is_bounded_by_what_the_frames_hold() -> None:
    frame = pd.DataFrame({"camera_id": [f"cam-{i}" for i in range(20_000)], "lon": 24.9, "lat": 60.1})
    size = int(frame.memory_usage(deep=True).sum())
    store = SessionStore(max_bytes=2.5 * size)
    for i in range(4):
        store.put(f"t{i}", "uploaded", {"cameras": frame})
    assert store.bytes <= 2.5 * size
    assert store.get("t0") is None
    assert store.get("t1") is None
    assert store.get("t3") is not None


def test_sessions_in_threads_never_see_each_others_values() -> None:
    store = SessionStore(max_sessions=1000)
    seen: list[bool] = []

    def session(i: int) -> None:
        mine = store.new_token()
        for j in range(200):
            store.put(mine, "plan", (i, j))
            seen.append(store.get(mine) == {"plan": (i, j)})

    threads = [threading.Thread(target=session, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 1600
    assert all(seen)
    assert len(store) == 8


def test_a_shared_link_leaves_the_key_out() -> None:
    params = {"origin": "Rautatientori", TOKEN: "secret-key-0123456789abc", "dataset": "helsinki"}
    assert shareable("http://127.0.0.1:8501/Route_planner", params) == (
        "http://127.0.0.1:8501/Route_planner?origin=Rautatientori&dataset=helsinki")
    assert shareable(None, {"origin": "★ Senaatintori"}) == "?origin=%E2%98%85+Senaatintori"
    assert shareable("http://x/", {TOKEN: "k"}) == "http://x/"


# --------------------------------------------------------------------------- the app, reloaded


def test_uploaded_cameras_survive_a_reload() -> None:
    at = open_page("4_Camera_data.py").run()
    assert query(at, TOKEN) is None  # nothing to keep yet, so no key
    at.file_uploader(key="cam_file").set_value(("mine.csv", CSV, "text/csv")).run()
    at.button(key="cam_use").click().run()
    assert not at.exception, [e.value for e in at.exception]
    token = query(at, TOKEN)
    assert token
    again = reload(at, "4_Camera_data.py")
    assert not again.exception, [e.value for e in again.exception]
    assert "uploaded cameras from **mine.csv**" in " ".join(c.value for c in again.caption)
    assert {m.label: m.value for m in again.metric}["Cameras loaded"] == "2"  # the report is back too
    overview = reload(again, "1_Overview.py")
    assert {m.label: m.value for m in overview.metric}["Cameras counted"] == "2"
    assert query(overview, TOKEN) == token
    camera_data = reload(overview, "4_Camera_data.py")
    camera_data.button(key="cam_reset").click().run()
    kept = keep.store().get(token)["cameras"]
    assert kept[LOADED]["source"] == "mine.csv"  # the file read is still kept…
    assert kept[UPLOADED] is None  # …but no longer in use
    assert "the dataset's cameras" in " ".join(c.value for c in reload(camera_data, "1_Overview.py").caption)


def test_a_plan_survives_a_reload() -> None:
    at = open_page("7_Protest_plan.py").run()
    assert query(at, TOKEN) is None
    at.text_input(key="pp_site").set_value("Senaatintori").run()
    at.text_area(key="pp_gathering").set_value("Rautatientori\nMarket | 60.1674,24.9518").run()
    at.slider(key="pp_detour").set_value(30).run()
    rows = next(d.value for d in at.dataframe if "Avoids everything asked" in d.value.columns)
    assert query(at, TOKEN)
    again = reload(at, "7_Protest_plan.py")
    assert not again.exception, [e.value for e in again.exception]
    assert again.text_input(key="pp_site").value == "Senaatintori"
    assert again.slider(key="pp_detour").value == 30
    shown = next(d.value for d in again.dataframe if "Avoids everything asked" in d.value.columns)
    pd.testing.assert_frame_equal(shown, rows)


def test_an_expired_key_is_said_and_dropped(monkeypatch) -> None:
    at = open_page("1_Overview.py", **{TOKEN: "a" * 24}).run()  # kept by no one: expired, or the app restarted
    assert not at.exception
    assert any("no longer kept" in i.value for i in at.sidebar.info)
    assert query(at, TOKEN) is None


@pytest.mark.parametrize("asked", ["short", "../../etc/passwd", "x" * 200])
def test_a_key_of_the_wrong_form_is_never_looked_up(asked: str) -> None:
    at = open_page("1_Overview.py", **{TOKEN: asked}).run()
    assert not at.exception
    assert query(at, TOKEN) is None
