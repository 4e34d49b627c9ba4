"""Tests of pooling reviews: export, merge (idempotent, into Decode's labels), and cameras added twice."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._errors import ReviewError
from exposure.review.agreement import store_verdicts
from exposure.review.merge import (
    CANDIDATE_COLUMNS,
    duplicate_candidates,
    export_reviews,
    merge_cameras,
    merge_store,
)
from exposure.review.store import ReviewStore

T0 = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
REVIEWERS = ("Ana", "Bo", "Cy")


@contextlib.contextmanager
def scratch() -> Iterator[Path]:
    """A folder for stores made in a property test: in memory when the system has one (no disk syncs)."""
    base = "/dev/shm" if Path("/dev/shm").is_dir() else None
    with tempfile.TemporaryDirectory(dir=base) as folder:
        yield Path(folder)


def everything(store: ReviewStore) -> tuple[pd.DataFrame, ...]:
    return store.reviews(), store.added_cameras(), store.warnings(), store.merges()


# --------------------------------------------------------------------------- Decode's rules, written out for three

#: (reviewers saying it exists, saying not) → (status, agreement), as Decode Surveillance labelled three volunteers.
DECODE_EXISTENCE = {
    (3, 0): ("verified", "Unanimous"), (2, 1): ("unverified", "2 vs 1"), (1, 2): ("gone", "2 vs 1"),
    (0, 3): ("gone", "Unanimous"), (2, 0): ("unverified", "2 reviews"), (1, 1): ("disputed", "All disagree"),
    (0, 2): ("gone", "2 reviews"), (1, 0): ("unverified", "1 review"), (0, 1): ("gone", "1 review"),
}


def decode_kind(kinds: list[str]) -> tuple[str | None, str]:
    """The kind three volunteers agree on, and the agreement, for up to three answers."""
    counts = sorted(((kinds.count(k), k) for k in set(kinds)), reverse=True)
    if not counts:
        return None, "no review"
    if len(counts) == 1:
        n = counts[0][0]
        return counts[0][1], "Unanimous" if n == 3 else ("1 review" if n == 1 else f"{n} reviews")
    if counts[0][0] == 1:
        return None, "All disagree"
    return counts[0][1], "2 vs 1"


# what one reviewer does with one camera: nothing, or a final word (exists + kind or not), perhaps after a
# withdrawn review and a change of mind
ACTION = st.one_of(
    st.none(),
    st.fixed_dictionaries({
        "exists": st.booleans(),
        "kind": st.sampled_from([None, "ptz", "dome", "fixed"]),
        "changed_mind": st.booleans(),
        "withdrawn_first": st.booleans(),
        "how": st.sampled_from(["survey", "photo", "imagery"]),
    }),
)


def act(store: ReviewStore, camera: str, reviewer: str, action: dict[str, object], clock: list[int]) -> None:
    def tick() -> datetime:
        clock[0] += 1
        return T0 + timedelta(seconds=clock[0])

    how = str(action["how"])
    if action["withdrawn_first"]:
        early = store.add_review(camera, reviewer=reviewer, how=how, exists=True, kind="ptz", when=tick())
        store.withdraw(early.review_id, reviewer=reviewer, when=tick())
    if action["changed_mind"]:
        store.add_review(camera, reviewer=reviewer, how=how, exists=not action["exists"], when=tick())
    kind = action["kind"] if action["exists"] else None
    store.add_review(camera, reviewer=reviewer, how=how, exists=bool(action["exists"]), kind=kind, when=tick())


@settings(max_examples=40, suppress_health_check=[HealthCheck.too_slow])
@given(plan=st.lists(st.tuples(ACTION, ACTION, ACTION), min_size=1, max_size=4),
       order=st.permutations(range(3)), bo_pulls_ana=st.booleans())
def test_three_reviewer_stores_merge_into_decodes_labels_and_merging_twice_changes_nothing(
        plan: list[tuple[dict[str, object] | None, ...]], order: list[int], bo_pulls_ana: bool) -> None:
    with scratch() as folder:
        stores = [ReviewStore(folder / f"{name}.gpkg") for name in REVIEWERS]
        clock = [0]
        for number, actions in enumerate(plan):
            for reviewer, store, action in zip(REVIEWERS, stores, actions, strict=True):
                if action is not None:
                    act(store, f"osm:node/{number}", reviewer, action, clock)
        if bo_pulls_ana:  # Bo merged Ana's store before sending his: the same records reach the group twice
            merge_store(stores[1], stores[0])
        group = ReviewStore(folder / "group.gpkg")
        for i in order:
            merge_store(group, stores[i])
        merged = store_verdicts(group)
        verdicts = merged.set_index("camera_id")
        for number, actions in enumerate(plan):
            camera = f"osm:node/{number}"
            finals = [a for a in actions if a is not None]
            if not finals:
                assert camera not in verdicts.index
                continue
            yes = sum(bool(a["exists"]) for a in finals)
            row = verdicts.loc[camera]
            assert (row["status"], row["agreement"]) == DECODE_EXISTENCE[(yes, len(finals) - yes)]
            kind, label = decode_kind([str(a["kind"]) for a in finals if a["exists"] and a["kind"] is not None])
            assert (row["kind"], row["kind_agreement"]) == (kind, label)
            assert row["imagery_only"] == all(a["how"] == "imagery" for a in finals)
        before = everything(group)
        for i in reversed(order):
            again = merge_store(group, stores[i])
            assert again.counts.reviews == again.counts.cameras == again.counts.withdrawals == 0
        for a, b in zip(before, everything(group), strict=True):
            pd.testing.assert_frame_equal(a, b)
        pd.testing.assert_frame_equal(store_verdicts(group), merged)
        other_order = ReviewStore(folder / "other.gpkg")
        for i in reversed(order):
            merge_store(other_order, stores[i])
        pd.testing.assert_frame_equal(store_verdicts(other_order), merged)


# --------------------------------------------------------------------------- export and merge

@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    return ReviewStore(tmp_path / "mine.gpkg")


def test_a_reviewers_export_holds_their_reviews_and_the_cameras_they_reviewed(store: ReviewStore,
                                                                               tmp_path: Path) -> None:
    theirs, _ = store.add_camera(24.9, 60.1, reviewer="Bo", how="survey", kind="dome")
    other, _ = store.add_camera(24.8, 60.1, reviewer="Bo", how="survey")
    mine = store.confirm(theirs.camera_id, reviewer="Ana", how="photo")
    withdrawn = store.dispute("osm:node/1", reviewer="ana", how="survey")
    store.withdraw(withdrawn.review_id, reviewer="Ana")
    path = export_reviews(store, tmp_path / "ana.gpkg", reviewer="Ana")
    exported = ReviewStore(path, create=False)
    assert set(exported.reviews()["review_id"]) == {mine.review_id, withdrawn.review_id}
    assert exported.reviews(active_only=True)["review_id"].tolist() == [mine.review_id]
    assert exported.added_cameras()["camera_id"].tolist() == [theirs.camera_id]
    assert other.camera_id not in set(exported.added_cameras()["camera_id"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ana.gpkg", "mine.gpkg"]


def test_an_export_never_replaces_a_file_unless_told_and_never_a_foreign_one(store: ReviewStore,
                                                                           tmp_path: Path) -> None:
    store.confirm("osm:node/1", reviewer="Ana", how="survey")
    path = export_reviews(store, tmp_path / "out.gpkg")
    with pytest.raises(ReviewError, match="exists already; give a new file name"):
        export_reviews(store, path)
    store.confirm("osm:node/2", reviewer="Ana", how="survey")
    export_reviews(store, path, overwrite=True)
    assert len(ReviewStore(path).reviews()) == 2
    foreign = tmp_path / "notes.gpkg"
    foreign.write_text("my notes")
    with pytest.raises(ReviewError, match="is not a SQLite database or GeoPackage"):
        export_reviews(store, foreign, overwrite=True)
    assert foreign.read_text() == "my notes"
    with pytest.raises(ReviewError, match="reviewer 'Zed' has no review"):
        export_reviews(store, tmp_path / "zed.gpkg", reviewer="Zed")


def test_merging_a_foreign_file_is_refused_and_adds_nothing(store: ReviewStore, tmp_path: Path) -> None:
    foreign = tmp_path / "x.gpkg"
    foreign.write_bytes(b"not a store")
    with pytest.raises(ReviewError, match=f"review store {foreign} is not a SQLite database"):
        merge_store(store, foreign)
    with pytest.raises(ReviewError, match="not found"):
        merge_store(store, tmp_path / "missing.gpkg")
    assert not (tmp_path / "missing.gpkg").exists()
    assert store.reviews().empty


def test_conflicting_reviews_are_kept_as_separate_reviews(store: ReviewStore, tmp_path: Path) -> None:
    laptop = ReviewStore(tmp_path / "laptop.gpkg")
    store.confirm("osm:node/1", reviewer="Ana", how="survey", kind="dome", when=T0)
    laptop.dispute("osm:node/1", reviewer="Ana", how="survey", when=T0 + timedelta(hours=1))
    report = merge_store(store, laptop)
    assert report.counts.reviews == 1
    assert len(store.reviews(camera_id="osm:node/1")) == 2
    verdict = store_verdicts(store).iloc[0]
    assert (verdict["status"], verdict["reviewers"]) == ("gone", 1)  # Ana counts once, by her latest word
    assert merge_store(store, store).counts == merge_store(store, store.path).counts


def test_cameras_two_stores_added_separately_are_offered_as_one(store: ReviewStore, tmp_path: Path) -> None:
    laptop = ReviewStore(tmp_path / "laptop.gpkg")
    mine, _ = store.add_camera(24.94000, 60.17000, reviewer="Ana", how="survey", kind="dome", when=T0)
    theirs, _ = laptop.add_camera(24.94003, 60.17001, reviewer="Bo", how="survey", kind="dome",
                                  when=T0 + timedelta(minutes=5))
    laptop.add_camera(24.94004, 60.17000, reviewer="Bo", how="survey", kind="ptz")  # another kind
    laptop.add_camera(24.95, 60.17, reviewer="Bo", how="survey", kind="dome")  # far away
    report = merge_store(store, laptop)
    assert list(report.candidates.columns) == list(CANDIDATE_COLUMNS)
    assert report.candidates[["first_id", "second_id", "kind", "first_added_by", "second_added_by"]].to_numpy(
    ).tolist() == [[mine.camera_id, theirs.camera_id, "dome", "Ana", "Bo"]]
    assert 1 < report.candidates.loc[0, "distance_m"] < 3
    assert report.summary()["candidates"][0]["second_id"] == theirs.camera_id
    kept = merge_cameras(store, theirs.camera_id, mine.camera_id, reviewer="Ana")
    assert kept == mine.camera_id  # the one added first
    assert duplicate_candidates(store).empty
    verdict = store_verdicts(store).set_index("camera_id").loc[mine.camera_id]
    assert verdict["reviewers"] == 2
    assert theirs.camera_id not in set(store_verdicts(store)["camera_id"])
    # the merge travels: Bo's laptop, merging the group's store, counts them as one too
    merge_store(laptop, store)
    assert laptop.canonical_ids() == {theirs.camera_id: mine.camera_id}


def test_only_a_camera_the_group_added_can_be_merged(store: ReviewStore) -> None:
    with pytest.raises(ReviewError, match="both come from the camera table"):
        merge_cameras(store, "osm:node/1", "osm:node/2", reviewer="Ana")
    with pytest.raises(ReviewError, match="is not in review store"):
        merge_cameras(store, "review:00000000-0000-4000-8000-000000000000", "osm:node/2", reviewer="Ana")
    camera, _ = store.add_camera(24.9, 60.1, reviewer="Ana", how="survey")
    assert merge_cameras(store, camera.camera_id, "osm:node/2", reviewer="Ana") == "osm:node/2"
