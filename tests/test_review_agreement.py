"""Tests of agreement among reviewers (Decode Surveillance's rules) and its overlay on a camera table."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure import settings
from exposure.cameras import CAMERA_COLUMNS, cameras_from_osm_elements, select_cameras
from exposure.review.agreement import (
    VERDICT_COLUMNS,
    agreement_label,
    changed_camera_ids,
    direction_majority,
    existence_verdict,
    group_verified,
    overlay_reviews,
    overlay_verdicts,
    store_verdicts,
    value_majority,
    verdicts,
)
from exposure.review.records import REVIEW_COLUMNS, make_review
from exposure.review.store import ReviewStore

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def review_table(*reviews: dict[str, object]) -> pd.DataFrame:
    made = []
    for n, fields in enumerate(reviews):
        arguments: dict[str, object] = {"how": "survey", "when": at(n), **fields}
        camera = str(arguments.pop("camera_id", "osm:node/1"))
        withdrawn = arguments.pop("withdrawn", False)
        record = asdict(make_review(camera, **arguments))  # type: ignore[arg-type]
        record["withdrawn_utc"] = "2024-06-01T00:00:00.000000Z" if withdrawn else None
        made.append(record)
    return pd.DataFrame(made, columns=list(REVIEW_COLUMNS))


@pytest.mark.parametrize(("counts", "label"), [
    ((3,), "Unanimous"), ((5,), "Unanimous"), ((1,), "1 review"), ((2,), "2 reviews"), ((2, 1), "2 vs 1"),
    ((1, 2), "2 vs 1"), ((1, 1, 1), "All disagree"), ((1, 1), "All disagree"), ((2, 2), "2 vs 2"),
    ((3, 1, 0), "3 vs 1"), ((2, 1, 1), "2 vs 1 vs 1"), ((), "no review"),
])
def test_agreement_labels_are_decodes_words(counts: tuple[int, ...], label: str) -> None:
    assert agreement_label(counts) == label


def test_the_unanimity_threshold_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "review_verified_min", 2)
    assert agreement_label((2,)) == "Unanimous"
    assert existence_verdict(2, 0) == ("verified", "Unanimous")
    assert existence_verdict(2, 0, verified_min=3) == ("unverified", "2 reviews")


@pytest.mark.parametrize(("yes", "no", "status", "label"), [
    (3, 0, "verified", "Unanimous"),
    (4, 0, "verified", "Unanimous"),
    (2, 1, "unverified", "2 vs 1"),
    (3, 1, "unverified", "3 vs 1"),
    (1, 0, "unverified", "1 review"),
    (2, 0, "unverified", "2 reviews"),
    (1, 1, "disputed", "All disagree"),
    (2, 2, "disputed", "2 vs 2"),
    (1, 2, "gone", "2 vs 1"),
    (0, 3, "gone", "Unanimous"),
    (0, 1, "gone", "1 review"),
])
def test_existence_gives_the_status_as_decode_defined_it(yes: int, no: int, status: str, label: str) -> None:
    assert existence_verdict(yes, no) == (status, label)


def test_fields_go_by_majority_whatever_the_order() -> None:
    assert value_majority(["dome", "dome", "ptz"]) == ("dome", "2 vs 1")
    assert value_majority(["dome", "ptz", "fixed"]) == (None, "All disagree")
    assert value_majority(["dome", "dome", "ptz", "ptz"]) == (None, "2 vs 2")
    assert value_majority([]) == (None, "no review")


@given(st.lists(st.sampled_from(["ptz", "dome", "fixed", "unknown"]), max_size=7), st.randoms())
def test_a_field_majority_does_not_depend_on_the_order_of_reviews(values: list[str], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert value_majority(shuffled) == value_majority(values)


def test_directions_agree_within_the_tolerance_across_north() -> None:
    direction, label = direction_majority([350.0, 10.0, 5.0])
    assert label == "Unanimous"
    assert direction == pytest.approx(1.7, abs=0.1)
    assert direction_majority([0.0, 90.0, 180.0]) == (None, "All disagree")
    direction, label = direction_majority([90.0, 100.0, 270.0])
    assert (direction, label) == (95.0, "2 vs 1")
    assert direction_majority([90.0, 100.0], tolerance_deg=5.0) == (None, "All disagree")


@given(st.lists(st.floats(0, 359.9), max_size=6), st.randoms())
def test_a_direction_majority_does_not_depend_on_the_order_of_reviews(values: list[float], rnd: object) -> None:
    shuffled = list(values)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert direction_majority(shuffled) == direction_majority(values)


def test_each_reviewer_counts_once_with_their_latest_review() -> None:
    table = review_table(
        {"reviewer": "Ana", "exists": False},
        {"reviewer": "ana ", "kind": "dome"},  # Ana changed her mind: the camera is there
        {"reviewer": "Bo", "kind": "ptz"},
        {"reviewer": "Bo", "direction_deg": 90},  # Bo's later review adds a direction, keeps his kind
        {"reviewer": "Cy", "kind": "dome", "direction_deg": 100},
        {"reviewer": "Di", "exists": False, "withdrawn": True},  # withdrawn: does not count
    )
    row = verdicts(table).iloc[0]
    assert list(verdicts(table).columns) == list(VERDICT_COLUMNS)
    assert (row["status"], row["agreement"], row["reviewers"]) == ("verified", "Unanimous", 3)
    assert (row["kind"], row["kind_agreement"]) == ("dome", "2 vs 1")
    assert (row["direction_deg"], row["direction_agreement"]) == (95.0, "2 reviews")
    assert row["observed"] == "2024-05-01"
    assert not row["imagery_only"]


def test_fields_come_only_from_reviewers_who_saw_the_camera() -> None:
    table = review_table(
        {"reviewer": "Ana", "kind": "dome"},
        {"reviewer": "Ana", "exists": False},
        {"reviewer": "Bo", "kind": "ptz"},
        {"reviewer": "Cy", "exists": False},
    )
    row = verdicts(table).iloc[0]
    assert (row["status"], row["agreement"]) == ("gone", "2 vs 1")
    assert (row["kind"], row["kind_agreement"]) == ("ptz", "1 review")
    assert row["operator"] is None
    assert row["mount"] is None


def test_merged_cameras_count_their_reviews_together_and_imagery_is_marked() -> None:
    table = review_table(
        {"camera_id": "review:a", "reviewer": "Ana", "how": "imagery"},
        {"camera_id": "review:b", "reviewer": "Bo", "how": "imagery"},
        {"camera_id": "review:b", "reviewer": "Cy", "how": "imagery"},
    )
    assert verdicts(table)["camera_id"].tolist() == ["review:a", "review:b"]
    merged = verdicts(table, aliases={"review:b": "review:a"})
    assert merged["camera_id"].tolist() == ["review:a"]
    assert (merged.loc[0, "status"], merged.loc[0, "imagery_only"]) == ("verified", True)
    assert merged.loc[0, "last_survey_utc"] is None


def test_no_review_that_counts_gives_no_verdict() -> None:
    assert verdicts(review_table()).empty
    assert verdicts(review_table({"reviewer": "Ana", "withdrawn": True})).empty


# --------------------------------------------------------------------------- overlay

def camera_table() -> pd.DataFrame:
    elements = [
        ("node/1", 24.9400, 60.1700, {"man_made": "surveillance", "camera:type": "fixed", "camera:mount": "wall"}),
        ("node/2", 24.9410, 60.1700, {"man_made": "surveillance", "check_date": "2023-01-01"}),
        ("node/3", 24.9420, 60.1700, {"man_made": "surveillance"}),
        ("node/4", 24.9430, 60.1700, {"man_made": "surveillance", "check_date": "2023-01-01"}),
        ("node/5", 24.9440, 60.1700, {"man_made": "surveillance"}),
    ]
    return cameras_from_osm_elements(elements, source="test").cameras


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(tmp_path / "group.gpkg")


def test_the_overlay_sets_what_the_group_found(store: ReviewStore) -> None:
    for name in ("Ana", "Bo", "Cy"):  # node/1 verified by three, all saying it is a dome
        store.confirm("osm:node/1", reviewer=name, how="survey", kind="dome")
    store.confirm("osm:node/2", reviewer="Ana", how="survey")  # source-verified, one confirmation: stays
    store.confirm("osm:node/4", reviewer="Ana", how="survey")  # source-verified, one dissent: 1 vs 1
    store.dispute("osm:node/4", reviewer="Bo", how="survey")
    store.dispute("osm:node/5", reviewer="Ana", how="survey")  # gone
    store.dispute("osm:node/5", reviewer="Bo", how="photo")
    camera, _ = store.add_camera(24.95, 60.17, reviewer="Ana", how="survey", kind="ptz", direction_deg=45)
    store.confirm(camera.camera_id, reviewer="Bo", how="survey")
    store.confirm("decode:elsewhere:0", reviewer="Ana", how="imagery")
    overlay = overlay_reviews(camera_table(), store)
    table = overlay.cameras.set_index("camera_id")
    assert list(overlay.cameras.columns) == [*CAMERA_COLUMNS, "verified_by"]
    assert tuple(table.loc["osm:node/1", ["verification", "agreement", "reports", "kind", "verified_by"]]) == (
        "verified", "Unanimous", 3, "dome", "group")
    assert table.loc["osm:node/1", "frt_tier"] == "high"  # a dome now: the FRT tier follows the new kind
    assert tuple(table.loc["osm:node/2", ["verification", "verified_by", "kind", "mount"]]) == (
        "verified", "source", "unknown", "unknown")  # a confirmation that says nothing of the kind keeps it
    assert table.loc["osm:node/2", "observed"] == store.reviews(camera_id="osm:node/2").loc[0, "reviewed_utc"][:10]
    assert tuple(table.loc["osm:node/3", ["verification", "verified_by"]]) == ("unverified", "source")
    assert tuple(table.loc["osm:node/4", ["verification", "agreement", "verified_by"]]) == (
        "disputed", "All disagree", "group")
    assert "osm:node/5" not in table.index
    assert overlay.gone["camera_id"].tolist() == ["osm:node/5"]
    assert overlay.gone.loc[0, "agreement"] == "2 reviews"
    added = table.loc[camera.camera_id]
    assert tuple(added[["source", "kind", "direction_deg", "verification", "agreement", "frt_tier"]]) == (
        "review", "ptz", 45.0, "unverified", "2 reviews", "high")
    assert overlay.unmatched["camera_id"].tolist() == ["decode:elsewhere:0"]
    assert group_verified(overlay.cameras).sum() == 1
    summary = overlay.summary()
    assert summary["verified_by_group"] == 1
    assert summary["gone"] == 1
    assert summary["added"] == 1
    assert summary["statuses_by_group"] == {"verified": 1, "unverified": 1, "disputed": 1}


def test_the_overlay_is_the_same_applied_twice(store: ReviewStore) -> None:
    store.confirm("osm:node/3", reviewer="Ana", how="survey", direction_deg=200)
    store.add_camera(24.95, 60.17, reviewer="Ana", how="survey")
    once = overlay_reviews(camera_table(), store)
    twice = overlay_reviews(once.cameras, store)
    pd.testing.assert_frame_equal(once.cameras, twice.cameras)
    assert changed_camera_ids(once.cameras, twice.cameras) == []


def test_every_figure_can_count_the_cameras_the_group_verified(store: ReviewStore) -> None:
    for name in ("Ana", "Bo", "Cy"):
        store.confirm("osm:node/3", reviewer=name, how="survey")
    table = overlay_reviews(camera_table(), store).cameras
    counted = select_cameras(table, verification="verified")
    assert set(counted["camera_id"]) == {"osm:node/2", "osm:node/3", "osm:node/4"}
    assert set(counted.loc[group_verified(counted), "camera_id"]) == {"osm:node/3"}
    assert not group_verified(camera_table()).any()  # a table no group reviewed


def test_an_added_camera_whose_reviews_are_all_withdrawn_is_left_out(store: ReviewStore) -> None:
    camera, review = store.add_camera(24.95, 60.17, reviewer="Ana", how="survey")
    store.withdraw(review.review_id, reviewer="Ana")
    overlay = overlay_reviews(camera_table(), store)
    assert camera.camera_id not in set(overlay.cameras["camera_id"])
    assert overlay.withdrawn == (camera.camera_id,)


def test_an_added_camera_merged_into_a_mapped_one_adds_its_reviews_there(store: ReviewStore) -> None:
    camera, _ = store.add_camera(24.9420, 60.1700, reviewer="Ana", how="survey", kind="dome")
    store.confirm("osm:node/3", reviewer="Bo", how="survey", kind="dome")
    store.confirm("osm:node/3", reviewer="Cy", how="survey")
    store.record_merge(camera.camera_id, "osm:node/3", reviewer="Bo")
    overlay = overlay_reviews(camera_table(), store)
    assert camera.camera_id not in set(overlay.cameras["camera_id"])
    row = overlay.cameras.set_index("camera_id").loc["osm:node/3"]
    assert tuple(row[["verification", "kind", "reports"]]) == ("verified", "dome", 3)
    assert store_verdicts(store)["camera_id"].tolist() == ["osm:node/3"]


def test_an_empty_store_changes_nothing_but_says_where_the_status_came_from(store: ReviewStore) -> None:
    before = camera_table()
    overlay = overlay_reviews(before, store)
    pd.testing.assert_frame_equal(overlay.cameras.drop(columns="verified_by"), before)
    assert set(overlay.cameras["verified_by"]) == {"source"}
    assert overlay.gone.empty
    assert overlay.verdicts.empty


def test_changed_cameras_are_those_whose_coverage_changes(store: ReviewStore) -> None:
    before = overlay_reviews(camera_table(), store).cameras
    store.confirm("osm:node/1", reviewer="Ana", how="survey", direction_deg=90)
    store.dispute("osm:node/5", reviewer="Ana", how="survey")
    camera, _ = store.add_camera(24.95, 60.17, reviewer="Ana", how="survey")
    after = overlay_reviews(camera_table(), store).cameras
    assert changed_camera_ids(before, after) == sorted(["osm:node/1", "osm:node/5", camera.camera_id])


def test_verdicts_take_their_thresholds_as_arguments() -> None:
    table = review_table({"reviewer": "Ana"}, {"reviewer": "Bo"})
    assert verdicts(table).loc[0, "status"] == "unverified"
    assert verdicts(table, verified_min=2).loc[0, "status"] == "verified"
    mixed = review_table({"reviewer": "Ana"}, {"reviewer": "Bo"}, {"reviewer": "Cy", "exists": False})
    assert verdicts(mixed, majority_share=0.7).loc[0, "status"] == "disputed"


def test_the_overlay_of_plain_verdicts_needs_no_store() -> None:
    table = review_table(*({"reviewer": n, "camera_id": "osm:node/3"} for n in ("Ana", "Bo", "Cy")))
    added = pd.DataFrame(columns=["camera_id", "lon", "lat", "added_by", "added_utc", "note"])
    overlay = overlay_verdicts(camera_table(), verdicts(table), added)
    assert overlay.cameras.set_index("camera_id").loc["osm:node/3", "verification"] == "verified"
    assert np.array_equal(group_verified(overlay.cameras), overlay.cameras["camera_id"].eq("osm:node/3").to_numpy())
