"""Tests of the group's verdicts in every figure: the store a figure counts, laid over the dataset or cameras in use."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exposure import settings
from exposure._errors import ReviewError
from exposure.datasets import counts_summary, load_dataset
from exposure.review.counting import NO_STORE, counted_store, reviewed_cameras, reviewed_dataset
from exposure.review.store import ReviewStore, default_store_path


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache folder of its own, where the dataset's default store lives, and no store set in the settings."""
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(settings, "review_store", None)
    return tmp_path / "cache"


def confirm(store: ReviewStore, camera_id: str, *names: str, **fields: object) -> None:
    for name in names:
        store.confirm(camera_id, reviewer=name, how="survey", **fields)


def test_the_store_a_figure_counts(cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert counted_store(dataset="helsinki") is None  # no store yet: a figure never makes one
    assert not default_store_path("helsinki").exists()
    mine = ReviewStore(default_store_path("helsinki"))
    assert counted_store(dataset="helsinki").path == mine.path
    assert counted_store(dataset="helsinki + cams.csv").path == mine.path
    assert counted_store(NO_STORE, dataset="helsinki") is None
    assert counted_store(" None ", dataset="helsinki") is None
    assert counted_store(mine) is mine
    assert counted_store() is None  # a camera file alone has no dataset store
    other = ReviewStore(tmp_path / "other.gpkg")
    assert counted_store(str(other.path), dataset="helsinki").path == other.path
    monkeypatch.setattr(settings, "review_store", other.path)
    assert counted_store().path == other.path
    assert counted_store(dataset="helsinki").path == other.path
    with pytest.raises(ReviewError, match=r"review store .*nothere\.gpkg not found; give --store the file the review "
                                          r"command wrote, or --store none"):
        counted_store(tmp_path / "nothere.gpkg", dataset="helsinki")
    foreign = tmp_path / "notes.gpkg"
    foreign.write_text("my notes")
    with pytest.raises(ReviewError, match="not a SQLite database"):
        counted_store(foreign)
    assert foreign.read_text() == "my notes"


def test_without_reviews_the_dataset_is_the_same(cache: Path, helsinki) -> None:
    assert reviewed_dataset(helsinki) is helsinki
    ReviewStore(default_store_path("helsinki"))  # empty
    assert reviewed_dataset(helsinki) is helsinki
    assert reviewed_cameras(helsinki.cameras, dataset="helsinki") is helsinki.cameras


def test_every_figure_counts_the_groups_verdicts(cache: Path, helsinki) -> None:
    store = ReviewStore(default_store_path("helsinki"))
    ids = helsinki.cameras["camera_id"].tolist()
    confirm(store, ids[0], "Ana", "Ben", "Cleo")
    confirm(store, ids[1], "Ana")
    for name in ("Ana", "Ben"):
        store.dispute(ids[2], reviewer=name, how="survey")
    ds = reviewed_dataset(helsinki)
    assert ds is not helsinki
    assert len(ds.cameras) == 220  # the one found gone leaves every count
    assert ids[2] not in set(ds.cameras["camera_id"])
    ctx = ds.context(verification="group")
    assert ctx.settings["verification_words"] == "verified by your group"
    assert ctx.settings["reviews"] == {"store": str(store.path), "reviewed": 2, "verified_by_group": 1,
                                       "gone": 1, "added": 0}
    assert counts_summary(ds, ctx)["cameras_counted"] == 1
    assert ctx.camera_ids[ctx.exposure.counted].tolist() == [ids[0]]
    # the same reviews give the same dataset: its coverage is not worked out again
    assert reviewed_dataset(helsinki) is ds
    assert reviewed_dataset(helsinki, NO_STORE) is helsinki
    table = reviewed_cameras(helsinki.cameras, dataset="helsinki")
    assert table["verified_by"].eq("group").sum() == 2
    assert len(table) == 220


def test_a_review_that_adds_or_turns_a_camera_takes_effect_at_once(cache: Path, helsinki) -> None:
    # per-kind: a PTZ's direction gives it a sector (the DORI models take a PTZ to pan, a disc whatever its direction)
    store = ReviewStore(default_store_path("helsinki"))
    confirm(store, helsinki.cameras.at[0, "camera_id"], "Ana")
    first = reviewed_dataset(helsinki, store)
    before = first.context(verification="group", coverage_model="per-kind").exposure.in_view_any_m.copy()
    assert before.sum() == 0  # nothing verified by the group yet
    lon, lat = float(helsinki.cameras.at[10, "lon"]), float(helsinki.cameras.at[10, "lat"])
    camera, _ = store.add_camera(lon + 0.0003, lat, reviewer="Ana", how="survey", kind="ptz")
    confirm(store, camera.camera_id, "Ben", "Cleo")
    second = reviewed_dataset(helsinki, store)
    assert second is not first
    assert camera.camera_id in set(second.cameras["camera_id"])
    added = second.context(verification="group", coverage_model="per-kind")
    assert added.camera_ids[added.exposure.counted].tolist() == [camera.camera_id]
    assert added.exposure.in_view_any_m.sum() > 0
    # turning it (a majority gives a new direction) changes what it sees
    for name in ("Ana", "Ben"):
        store.confirm(camera.camera_id, reviewer=name, how="survey", direction_deg=90.0, fov_deg=60.0)
    turned = reviewed_dataset(helsinki, store)
    assert turned is not second
    now = turned.context(verification="group", coverage_model="per-kind")
    assert not np.array_equal(now.exposure.in_view_any_m, added.exposure.in_view_any_m)
    assert float(turned.cameras.set_index("camera_id").at[camera.camera_id, "direction_deg"]) == 90.0


def test_cameras_from_a_file_count_a_store_given_by_name(tmp_path: Path, cache: Path, helsinki) -> None:
    store = ReviewStore(tmp_path / "group.gpkg")
    camera_id = helsinki.cameras.at[4, "camera_id"]
    confirm(store, camera_id, "Ana", "Ben", "Cleo")
    assert reviewed_cameras(helsinki.cameras) is helsinki.cameras  # no dataset, no store given
    table = reviewed_cameras(helsinki.cameras, store.path)
    assert table.set_index("camera_id").at[camera_id, "verified_by"] == "group"
    assert table.set_index("camera_id").at[camera_id, "verification"] == "verified"
