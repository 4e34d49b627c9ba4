"""Tests of review records: the vocabulary a review may use, and the ids that make merging idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from exposure._errors import ReviewError
from exposure.review.records import (
    ADDED_PREFIX,
    check_camera_id,
    check_position,
    make_review,
    merge_id,
    new_camera_id,
    reviewer_key,
    utc_text,
    warning_id,
)


def test_a_review_keeps_what_the_reviewer_said_and_nothing_else() -> None:
    review = make_review(" osm:node/1 ", reviewer=" Ana ", how="Survey", kind="DOME", camera_mount="street_lamp",
                         direction_deg=360, note=" on the lamp ")
    assert (review.camera_id, review.reviewer, review.how, review.kind) == ("osm:node/1", "Ana", "survey", "dome")
    assert (review.mount, review.camera_mount, review.direction_deg) == ("street", "street_lamp", 0.0)
    assert review.operator is None
    assert review.fov_deg is None
    assert review.note == "on the lamp"
    assert review.exists
    assert review.withdrawn_utc is None


def test_a_nan_direction_says_nothing() -> None:
    assert make_review("c", reviewer="Ana", how="photo", direction_deg=float("nan")).direction_deg is None


@pytest.mark.parametrize(("fields", "match"), [
    ({"kind": "bullet"}, "kind 'bullet' is not valid; use one of ptz, dome, fixed, unknown"),
    ({"how": "guess"}, r"how \(how the reviewer knows\) 'guess' is not valid"),
    ({"direction_deg": 400}, r"direction 400 is outside \[0, 360\]"),
    ({"direction_deg": "north"}, "direction 'north' is not a number of degrees"),
    ({"fov_deg": 0}, "field of view 0 is not valid"),
    ({"operator": "police"}, "operator 'police' is not valid; use one of public, private, unknown"),
    ({"surveillance": "secret"}, "surveillance 'secret' is not valid; use one of outdoor, public, indoor"),
    ({"camera_mount": "tree"}, "camera:mount 'tree' is not valid; use one of pole, street_lamp"),
    ({"mount": "building", "camera_mount": "pole"}, "mount 'building' and camera:mount 'pole' disagree"),
    ({"reviewer": ""}, "reviewer name '' is not usable"),
    ({"reviewer": "Ana\nBo"}, r"reviewer name 'Ana\\nBo' is not usable; give a name of one line"),
    ({"reviewer": "x" * 81}, "reviewer name has 81 characters, more than 80"),
    ({"reviewer": "Ana\x07"}, "reviewer name holds control characters"),
    ({"note": "x" * 2001}, "note has 2,001 characters, more than 2,000"),
    ({"exists": False, "kind": "dome"}, "does not exist cannot also give kind"),
    ({"exists": "no"}, "exists must be True or False"),
    ({"review_id": "not-a-uuid"}, "badly formed"),
])
def test_a_bad_value_is_refused_naming_it(fields: dict[str, object], match: str) -> None:
    arguments: dict[str, object] = {"reviewer": "Ana", "how": "survey", **fields}
    with pytest.raises((ReviewError, ValueError), match=match):
        make_review("osm:node/1", **arguments)  # type: ignore[arg-type]


def test_a_camera_id_must_be_one_short_line() -> None:
    assert check_camera_id(" decode:abc:0 ") == "decode:abc:0"
    for bad in ("", "a\nb", "x" * 201):
        with pytest.raises(ReviewError, match="camera id"):
            check_camera_id(bad)


def test_positions_are_checked_in_range() -> None:
    assert check_position("24.9", 60) == (24.9, 60.0)
    with pytest.raises(ReviewError, match=r"longitude 181 is missing or outside \[-180, 180\]"):
        check_position(181, 0)


def test_times_are_utc_text_that_sorts_in_time_order() -> None:
    helsinki = timezone(timedelta(hours=3))
    assert utc_text(datetime(2024, 5, 1, 15, 0, tzinfo=helsinki)) == "2024-05-01T12:00:00.000000Z"
    assert utc_text(datetime(2024, 5, 1, 12, 0)) == "2024-05-01T12:00:00.000000Z"  # naive is UTC
    moments = [datetime(2024, 1, 1, tzinfo=UTC) + timedelta(seconds=s) for s in (0.5, 9, 10, 3600 * 30)]
    texts = [utc_text(m) for m in moments]
    assert texts == sorted(texts)


def test_ids_of_added_cameras_are_new_and_those_of_warnings_and_merges_derive_from_content() -> None:
    assert new_camera_id().startswith(ADDED_PREFIX)
    assert new_camera_id() != new_camera_id()
    assert merge_id("a", "b") == merge_id("b", "a") != merge_id("a", "c")
    assert warning_id("duplicate", "a", "b") == warning_id("duplicate", "a", "b") != warning_id("duplicate", "b", "a")


def test_reviewer_names_compare_without_case_or_spaces() -> None:
    assert reviewer_key(" Ana ") == reviewer_key("ANA") == "ana"
    assert reviewer_key("Ana") != reviewer_key("Anna")
