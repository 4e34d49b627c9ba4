"""Above capacity a page says it is busy and waits its turn, boundedly; heavy jobs and uploads are limited."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import pytest

from app.busy import BUSY, REFUSED, Gate, HeavySlots, heavy_slots, page_slots
from exposure import settings
from tests.app_pages import open_page

ROUTE = {"origin": "Rautatientori", "destination": "Kauppatori"}


def test_the_gate_serves_in_turn_and_gives_up_after_its_wait() -> None:
    gate = Gate(1)
    assert gate.try_acquire()
    assert not gate.try_acquire()
    order: list[str] = []
    ticks: list[tuple[int, float]] = []

    def waiter(name: str) -> None:
        if gate.acquire(timeout_s=10, tick=lambda ahead, waited: ticks.append((ahead, waited)), tick_s=0.05):
            order.append(name)
            time.sleep(0.05)
            gate.release()

    first = threading.Thread(target=waiter, args=("first",))
    first.start()
    time.sleep(0.2)  # the first is in the queue before the second
    second = threading.Thread(target=waiter, args=("second",))
    second.start()
    time.sleep(0.2)
    assert gate.waiting == 2
    assert not gate.try_acquire()  # nobody jumps the queue
    gate.release()
    first.join(5)
    second.join(5)
    assert order == ["first", "second"]
    assert ticks
    assert ticks[0][0] >= 1  # the waiting page is told how many are ahead
    assert gate.busy == 0

    assert gate.try_acquire()
    started = time.monotonic()
    assert gate.acquire(timeout_s=0.3, tick_s=0.05) is False  # bounded: it says no
    assert 0.25 <= time.monotonic() - started < 3
    assert gate.waiting == 0


def test_a_wait_stopped_by_a_new_run_leaves_the_queue() -> None:
    gate = Gate(1)
    gate.try_acquire()

    def stop(ahead: int, waited: float) -> None:
        raise RuntimeError("the page's run was stopped")

    with pytest.raises(RuntimeError):
        gate.acquire(timeout_s=5, tick=stop, tick_s=0.01)
    assert gate.waiting == 0
    gate.release()
    assert gate.try_acquire()


def test_heavy_slots_are_shared_by_processes_and_freed_when_one_dies(tmp_path) -> None:
    folder = tmp_path / "jobs"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, pathlib, sys, time\n"
        f"p = pathlib.Path({str(folder)!r}); p.mkdir(parents=True, exist_ok=True)\n"
        "f = (p / 'slot-0.lock').open('ab'); fcntl.flock(f, fcntl.LOCK_EX)\n"
        "print('held', flush=True); time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        slots = HeavySlots(folder, 2)
        assert slots.held() == 1
        mine = slots.try_acquire()
        assert mine is not None
        assert slots.try_acquire() is None  # both taken: one by the other process, one here
        mine.close()
        assert slots.held() == 1
    finally:
        holder.kill()
        holder.wait()
    assert HeavySlots(folder, 1).try_acquire() is not None  # the dead process's slot is free again


def alerts(at) -> str:
    return " ".join(str(a.value) for a in [*at.warning, *at.info, *at.error])


def test_a_request_that_waits_too_long_is_refused_naming_its_limit(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_request_wait_s", 1.0)
    slots = page_slots()
    taken = 0
    while slots.try_acquire():
        taken += 1
    try:
        at = open_page("2_Route_planner.py", timeout=120, **ROUTE).run()
    finally:
        for _ in range(taken):
            slots.release()
    assert not at.exception, [e.value for e in at.exception]
    said = alerts(at)
    assert REFUSED in said
    assert "max_concurrent_requests" in said
    assert "max_request_wait_s" in said
    assert not at.table  # no answer, and no error either


def test_a_request_that_waits_gets_its_answer_when_a_slot_frees(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_request_wait_s", 60.0)
    slots = page_slots()
    taken = 0
    while slots.try_acquire():
        taken += 1
    release = threading.Timer(1.5, lambda: [slots.release() for _ in range(taken)])
    release.start()
    try:
        at = open_page("2_Route_planner.py", timeout=120, **ROUTE).run()
    finally:
        release.join()
    assert not at.exception, [e.value for e in at.exception]
    assert at.table
    said = alerts(at)
    assert REFUSED not in said
    assert BUSY not in said  # the notice went once the answer came


def cards(at):
    at.button(key="rp_cards_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_heavy_jobs_beyond_the_instances_limit_wait_then_are_refused(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "max_heavy_jobs", 1)
    monkeypatch.setattr(settings, "max_heavy_wait_s", 1.0)
    at = open_page("2_Route_planner.py", timeout=120, **ROUTE).run()
    held = heavy_slots().try_acquire()  # another process's route cards
    assert held is not None
    try:
        cards(at)
    finally:
        held.close()
    said = alerts(at)
    assert REFUSED in said
    assert "max_heavy_jobs" in said
    assert "rp_pdf" not in [b.key for b in at.get("download_button")]
    assert "rp_pdf" in [b.key for b in cards(at).get("download_button")]  # once the slot is free


def test_a_browser_may_run_only_so_many_heavy_jobs(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "max_session_heavy_jobs", 0)
    at = cards(open_page("2_Route_planner.py", timeout=120, **ROUTE).run())
    said = alerts(at)
    assert REFUSED in said
    assert "max_session_heavy_jobs" in said


def test_a_sessions_uploads_are_limited_naming_the_limit(monkeypatch) -> None:
    from exposure.datasets import load_dataset
    from exposure.export import routes_to_gpx
    from exposure.routing import routes

    ds = load_dataset("helsinki")
    gpx = routes_to_gpx(routes(ds.context(), ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node))
    monkeypatch.setattr(settings, "max_session_upload_mb", len(gpx) / 2e6)
    at = open_page("2_Route_planner.py", timeout=120, mode="audit").run()
    at.file_uploader(key="rp_track").upload("walk.gpx", gpx.encode(), "application/gpx+xml")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    said = alerts(at)
    assert REFUSED in said
    assert "max_session_upload_mb" in said
    assert not at.metric  # not audited
    monkeypatch.setattr(settings, "max_session_upload_mb", 250.0)
    at.run()
    assert at.metric


def test_a_batch_and_a_long_plan_are_heavy_jobs(monkeypatch, tmp_path) -> None:
    from exposure.datasets import load_dataset

    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "max_heavy_jobs", 1)
    monkeypatch.setattr(settings, "max_heavy_wait_s", 0.5)
    held = heavy_slots().try_acquire()  # the instance's one heavy job runs elsewhere
    assert held is not None
    try:
        at = open_page("8_Many_trips.py", timeout=180).run()
        at.file_uploader(key="mt_pairs").set_value(
            ("pairs.csv", b"origin,destination\nRautatientori,Kauppatori\n", "text/csv")).run()
        at.button(key="mt_run").click().run()
        assert not at.exception, [e.value for e in at.exception]
        assert REFUSED in alerts(at)
        assert "max_heavy_jobs" in alerts(at)
        assert not at.metric  # not routed

        ds = load_dataset("helsinki")
        lonlat = ds.index.node_lonlat
        points = "\n".join(f"{lat:.6f},{lon:.6f}" for lon, lat in lonlat[:: len(lonlat) // 8][:8])
        assert len(points.splitlines()) > settings.heavy_plan_points
        at = open_page("7_Protest_plan.py", timeout=180).run()
        at.text_input(key="pp_site").set_value("Senaatintori")
        at.text_area(key="pp_gathering").set_value(points).run()
        assert not at.exception, [e.value for e in at.exception]
        assert "max_heavy_jobs" in alerts(at)
        assert not at.dataframe
        at.text_area(key="pp_gathering").set_value("\n".join(points.splitlines()[:2])).run()  # a short plan is not
        assert at.dataframe
    finally:
        held.close()


def test_a_dataset_build_is_a_heavy_job(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "max_heavy_jobs", 1)
    monkeypatch.setattr(settings, "max_heavy_wait_s", 0.5)
    at = open_page("6_Build_a_dataset.py", timeout=120).run()
    at.text_input(key="bd_pbf_path").set_value(str(tmp_path / "some.osm.pbf")).run()
    at.text_input(key="bd_name").set_value("held").run()
    held = heavy_slots().try_acquire()
    assert held is not None
    try:
        at.button(key="bd_build").click().run()
    finally:
        held.close()
    assert not at.exception, [e.value for e in at.exception]
    assert "max_heavy_jobs" in alerts(at)
    assert not at.success  # nothing built, and no error about the missing file either: it never started
    assert not at.error


def _slots_through_a_heavy_job() -> None:
    import streamlit as st

    from app import busy

    with busy.gate("an answer"):
        before = busy.page_slots().busy
        with busy.heavy_job("test job"):
            during = busy.page_slots().busy
        after = busy.page_slots().busy
    st.write(f"{before},{during},{after},{busy.page_slots().busy}")


def test_a_heavy_job_hands_its_pages_answer_slot_back_while_it_runs(monkeypatch, tmp_path) -> None:
    from streamlit.testing.v1 import AppTest

    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    at = AppTest.from_function(_slots_through_a_heavy_job, default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    before, during, after, end = (int(x) for x in at.markdown[0].value.split(","))
    assert (during, after, end) == (before - 1, before, before - 1)  # others answered while the job ran



def all_slots_taken_while(run):
    """``run()`` while every answer slot of this process is taken (by others)."""
    slots = page_slots()
    taken = 0
    while slots.try_acquire():
        taken += 1
    try:
        return run()
    finally:
        for _ in range(taken):
            slots.release()


def test_neighbourhoods_waits_its_turn_and_bounds_uploads(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_request_wait_s", 1.0)
    at = all_slots_taken_while(lambda: open_page("3_Neighbourhoods.py", timeout=120).run())
    assert not at.exception, [e.value for e in at.exception]
    said = alerts(at)
    assert REFUSED in said
    assert "max_concurrent_requests" in said
    assert not at.get("deck_gl_json_chart")  # no answer drawn, and no error either
    assert at.run().get("deck_gl_json_chart")  # a slot free: counted

    monkeypatch.setattr(settings, "max_session_upload_mb", 1e-5)  # 10 bytes
    at.radio(key="nb_source").set_value("upload").run()
    polygon = {"type": "Polygon", "coordinates": [[[24.94, 60.16], [24.95, 60.16], [24.95, 60.17], [24.94, 60.16]]]}
    areas = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "A"},
                                                        "geometry": polygon}]}
    at.file_uploader(key="nb_upload").set_value(
        ("areas.geojson", json.dumps(areas).encode(), "application/geo+json")).run()
    assert not at.exception, [e.value for e in at.exception]
    said = alerts(at)
    assert REFUSED in said
    assert "max_session_upload_mb" in said
    assert not at.get("deck_gl_json_chart")  # not counted


def test_who_is_watched_waits_its_turn(monkeypatch, shared_data) -> None:
    monkeypatch.setattr(settings, "max_request_wait_s", 1.0)
    at = open_page("5_Who_is_watched.py", timeout=120).run()
    at.radio(key="ww_source").set_value("path").run()
    decode = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    at = all_slots_taken_while(at.text_input(key="ww_path").set_value(str(decode)).run)
    assert not at.exception, [e.value for e in at.exception]
    said = alerts(at)
    assert REFUSED in said
    assert "max_concurrent_requests" in said
    assert not at.metric  # no answer, and no error either
    assert at.run().metric  # a slot free: compared
