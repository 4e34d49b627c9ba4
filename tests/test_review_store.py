"""Tests of the review store: a GeoPackage others can open, atomic writes, refusal of foreign files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pyogrio
import pytest

from exposure import settings
from exposure._errors import ReviewError
from exposure.review.records import ADDED_COLUMNS, REVIEW_COLUMNS, ReviewWarning, make_review
from exposure.review.store import ReviewStore, default_store_path, open_store

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(tmp_path / "group.gpkg")


def test_a_new_store_is_a_geopackage_whose_cameras_layer_gdal_reads(store: ReviewStore) -> None:
    camera, _ = store.add_camera(24.9384, 60.1699, reviewer="Ana", how="survey", kind="dome")
    con = sqlite3.connect(store.path)
    try:
        assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"gpkg_spatial_ref_sys", "gpkg_contents", "gpkg_geometry_columns", "cameras", "reviews"} <= tables
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()
    layers = dict(pyogrio.list_layers(store.path))
    assert layers["cameras"] == "Point"
    info = pyogrio.read_info(store.path, layer="cameras")
    assert info["crs"] == "EPSG:4326"
    assert info["driver"] == "GPKG"
    frame = pyogrio.read_dataframe(store.path, layer="cameras")
    assert frame["camera_id"].tolist() == [camera.camera_id]
    assert (frame.geometry.x[0], frame.geometry.y[0]) == (24.9384, 60.1699)


def test_the_default_store_is_one_per_dataset_in_the_cache_folder(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    monkeypatch.setattr(settings, "review_store", None)
    assert default_store_path("helsinki") == tmp_path / "reviews" / "helsinki.gpkg"
    assert default_store_path("helsinki + my cameras.csv") == tmp_path / "reviews" / "helsinki.gpkg"
    assert default_store_path("../../etc/x y") == tmp_path / "reviews" / "etc_x_y.gpkg"
    store = open_store(dataset="helsinki")
    assert store.path == tmp_path / "reviews" / "helsinki.gpkg"
    assert store.path.is_file()


def test_the_review_store_setting_names_the_store_every_dataset_uses(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "review_store", tmp_path / "shared.gpkg")
    assert default_store_path("helsinki") == tmp_path / "shared.gpkg"
    assert open_store(dataset="anything").path == tmp_path / "shared.gpkg"


def test_open_store_without_create_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ReviewError, match=r"missing\.gpkg not found"):
        open_store(tmp_path / "missing.gpkg", create=False)
    assert not (tmp_path / "missing.gpkg").exists()


def test_reviews_round_trip_with_every_field(store: ReviewStore) -> None:
    camera, first = store.add_camera(24.94, 60.17, reviewer=" Ana ", how="survey", kind="dome",
                                     camera_mount="pole", operator="public", direction_deg=450 - 90,
                                     fov_deg=90, surveillance="public", note="on the corner")
    assert first.reviewer == "Ana"
    assert first.mount == "street"  # from camera:mount pole
    assert first.direction_deg == 0.0  # 360 is north
    second = store.confirm(camera.camera_id, reviewer="Bo", how="photo", direction_deg=10)
    third = store.dispute("osm:node/7", reviewer="Cy", how="imagery", note="gone since 2023")
    table = store.reviews()
    assert list(table.columns) == list(REVIEW_COLUMNS)
    assert table["review_id"].tolist() == [first.review_id, second.review_id, third.review_id]
    assert table["exists"].tolist() == [True, True, False]
    assert table.loc[0, "kind"] == "dome"
    assert table.loc[0, "camera_mount"] == "pole"
    assert table.loc[1, "direction_deg"] == 10.0
    assert pd.isna(table.loc[2, "direction_deg"])
    assert store.review(third.review_id) == third
    assert store.reviews(camera_id="osm:node/7")["review_id"].tolist() == [third.review_id]
    assert store.reviews(reviewer="ana")["review_id"].tolist() == [first.review_id]
    added = store.added_cameras()
    assert list(added.columns) == list(ADDED_COLUMNS)
    assert added.loc[0, "added_by"] == "Ana"
    assert store.info()["reviews"] == 3


def test_a_bad_review_is_refused_and_nothing_is_written(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match="kind 'bullet' is not valid; use one of ptz, dome, fixed, unknown"):
        store.add_review("osm:node/1", reviewer="Ana", how="survey", kind="bullet")
    assert store.reviews().empty


def test_a_bad_position_is_refused(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match=r"latitude 95 is missing or outside \[-90, 90\]"):
        store.add_camera(24.9, 95, reviewer="Ana", how="survey")
    with pytest.raises(ReviewError, match="is not two numbers"):
        store.add_camera("east", 60, reviewer="Ana", how="survey")  # type: ignore[arg-type]
    assert store.added_cameras().empty


def test_a_review_of_an_added_camera_this_store_lacks_is_refused(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match=r"is not in review store .*merge the store of the reviewer who added it"):
        store.confirm("review:00000000-0000-4000-8000-000000000000", reviewer="Ana", how="survey")


def test_a_reviewer_withdraws_their_own_review_which_stays_as_history(store: ReviewStore) -> None:
    review = store.confirm("osm:node/1", reviewer="Ana", how="survey")
    with pytest.raises(ReviewError, match="is Ana's; only its reviewer can withdraw it"):
        store.withdraw(review.review_id, reviewer="Bo")
    withdrawn = store.withdraw(review.review_id, reviewer=" ANA")
    assert withdrawn.withdrawn_utc is not None
    with pytest.raises(ReviewError, match="was already withdrawn at"):
        store.withdraw(review.review_id, reviewer="Ana")
    with pytest.raises(ReviewError, match="is not in review store"):
        store.withdraw("not-an-id", reviewer="Ana")
    assert store.reviews(active_only=True).empty
    history = store.reviews()
    assert history["review_id"].tolist() == [review.review_id]
    assert history.loc[0, "withdrawn_utc"] == withdrawn.withdrawn_utc


def test_warnings_are_recorded_with_the_review_and_never_twice(store: ReviewStore) -> None:
    warning = ReviewWarning(code="far_from_street", message="72 m from the nearest street")
    camera, review = store.add_camera(24.9, 60.1, reviewer="Ana", how="survey", warnings=[warning])
    recorded = store.warnings()
    assert recorded["camera_id"].tolist() == [camera.camera_id]
    assert recorded.loc[0, "review_id"] == review.review_id
    assert recorded.loc[0, "reviewer"] == "Ana"
    again = ReviewWarning(code="far_from_street", message="72 m", camera_id=camera.camera_id)
    assert store.record_warnings([again]) == 0
    assert len(store.warnings()) == 1


def test_merged_cameras_count_as_the_camera_of_the_table_else_the_first_added(store: ReviewStore) -> None:
    early, _ = store.add_camera(24.9, 60.1, reviewer="Ana", how="survey")
    late, _ = store.add_camera(24.9, 60.1, reviewer="Bo", how="survey")
    later, _ = store.add_camera(24.9, 60.1, reviewer="Cy", how="survey")
    assert store.record_merge(late.camera_id, early.camera_id, reviewer="Ana")
    assert not store.record_merge(early.camera_id, late.camera_id, reviewer="Bo")  # the same merge
    assert store.canonical_ids() == {late.camera_id: early.camera_id}
    store.record_merge(later.camera_id, "osm:node/5", reviewer="Cy")
    store.record_merge(later.camera_id, late.camera_id, reviewer="Cy")
    assert store.canonical_ids() == dict.fromkeys((early.camera_id, late.camera_id, later.camera_id), "osm:node/5")
    with pytest.raises(ReviewError, match="cannot be merged with itself"):
        store.record_merge("osm:node/5", "osm:node/5", reviewer="Cy")


def test_import_records_is_idempotent_and_takes_over_withdrawals(store: ReviewStore, tmp_path: Path) -> None:
    other = ReviewStore(tmp_path / "other.gpkg")
    other.add_camera(24.9, 60.1, reviewer="Ana", how="survey", kind="ptz")
    review = other.confirm("osm:node/2", reviewer="Ana", how="survey")
    first = store.import_records(cameras=other.added_cameras(), reviews=other.reviews())
    assert (first.cameras, first.reviews, first.withdrawals) == (1, 2, 0)
    other.withdraw(review.review_id, reviewer="Ana")
    second = store.import_records(cameras=other.added_cameras(), reviews=other.reviews())
    assert (second.cameras, second.reviews, second.withdrawals) == (0, 0, 1)
    third = store.import_records(cameras=other.added_cameras(), reviews=other.reviews())
    assert (third.cameras, third.reviews, third.withdrawals) == (0, 0, 0)
    assert store.reviews().equals(other.reviews())
    assert store.added_cameras().equals(other.added_cameras())


def test_a_review_withdrawn_here_stays_withdrawn_when_an_older_copy_comes_in(store: ReviewStore,
                                                                            tmp_path: Path) -> None:
    review = store.confirm("osm:node/2", reviewer="Ana", how="survey")
    older_copy = store.reviews()
    store.withdraw(review.review_id, reviewer="Ana")
    counts = store.import_records(reviews=older_copy)
    assert (counts.reviews, counts.withdrawals) == (0, 0)
    assert store.reviews(active_only=True).empty


def test_an_import_clash_keeps_this_stores_record_and_says_so(store: ReviewStore) -> None:
    mine = store.confirm("osm:node/1", reviewer="Ana", how="survey")
    forged = make_review("osm:node/2", reviewer="Eve", how="survey", review_id=mine.review_id)
    counts = store.import_records(reviews=pd.DataFrame([asdict(forged)]))
    assert counts.reviews == 0
    assert len(counts.clashes) == 1
    assert mine.review_id in counts.clashes[0]
    assert store.review(mine.review_id) == mine


def test_a_bad_record_in_an_import_adds_nothing(store: ReviewStore) -> None:
    good = asdict(make_review("osm:node/1", reviewer="Ana", how="survey"))
    bad = {**asdict(make_review("osm:node/2", reviewer="Bo", how="survey")), "kind": "bullet"}
    with pytest.raises(ReviewError, match="kind 'bullet' is not valid"):
        store.import_records(reviews=pd.DataFrame([good, bad]))
    assert store.reviews().empty


# --------------------------------------------------------------------------- two processes, kill -9

WRITER = """
import os
import sys
from dataclasses import asdict
import pandas as pd
from exposure.review.records import make_review
from exposure.review.store import ReviewStore

store = ReviewStore(sys.argv[1])
name = sys.argv[2]
BATCH = 2000
n = 0
while True:
    n += 1
    if n % 4 == 0:
        tag = f"{name}-{os.getpid()}-batch-{n}"
        batch = pd.DataFrame([asdict(make_review(f"osm:node/{k}", reviewer=name, how="survey", note=tag))
                              for k in range(BATCH)])
        print("begin", tag, flush=True)
        store.import_records(reviews=batch)
        print("batch", tag, flush=True)
    else:
        review = store.confirm(f"osm:node/{n}", reviewer=name, how="survey")
        print("review", review.review_id, flush=True)
"""


def _writer(path: Path, name: str, out: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with out.open("ab") as handle:
        return subprocess.Popen([sys.executable, "-c", WRITER, str(path), name], stdout=handle,
                                stderr=subprocess.PIPE, env=env)


def _wait_for_text(out: Path, text: str, count: int, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if out.is_file() and out.read_text().count(text) >= count:
            return
        if proc.poll() is not None:
            pytest.fail(f"writer ended early: {proc.stderr.read().decode() if proc.stderr else ''}")
        time.sleep(0.02)
    pytest.fail("writer wrote too little within a minute")


def test_two_processes_writing_at_once_killed_mid_write_lose_no_committed_review(store: ReviewStore,
                                                                                  tmp_path: Path) -> None:
    outputs = {name: tmp_path / f"{name}.out" for name in ("Ana", "Bo")}
    steady = _writer(store.path, "Bo", outputs["Bo"])
    try:
        for round_number in range(4):
            killed = _writer(store.path, "Ana", outputs["Ana"])
            begun = outputs["Ana"].read_text().count("begin") if outputs["Ana"].is_file() else 0
            _wait_for_text(outputs["Ana"], "begin", begun + 1, killed)
            time.sleep(0.02 * round_number)
            os.kill(killed.pid, signal.SIGKILL)  # while it writes a batch: inside its transaction, or just before
            killed.wait()
        _wait_for_text(outputs["Bo"], "batch", 3, steady)
    finally:
        steady.send_signal(signal.SIGKILL)
        steady.wait()
    reopened = ReviewStore(store.path)  # a killed writer's log is recovered, not refused
    con = sqlite3.connect(reopened.path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        con.close()
    table = reopened.reviews()
    stored = set(table["review_id"])
    batches = table["note"].value_counts()
    for name, out in outputs.items():
        committed = [line.split() for line in out.read_text().splitlines() if line.strip()]
        committed = [(what, value) for what, value in committed if what != "begin"]
        singles = [value for what, value in committed if what == "review"]
        assert singles, f"{name} committed nothing"
        assert set(singles) <= stored, f"{name} lost committed reviews"
        for tag in (value for what, value in committed if what == "batch"):
            assert batches.get(tag) == 2000, f"{name}'s batch {tag} is not whole"
    # a batch a writer was killed inside is all there (committed, not yet printed) or not at all
    assert set(batches[batches.index != ""].to_numpy()) <= {2000}
    assert (table["reviewer"] == "Bo").any()
