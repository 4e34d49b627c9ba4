"""Pool reviews without a server: export a reviewer's reviews as one file, merge stores, join cameras added twice."""

from __future__ import annotations

import contextlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyproj
from scipy.spatial import cKDTree

from exposure import settings
from exposure._errors import ReviewError
from exposure.crs import WGS84, local_crs
from exposure.review._file import link_into_place
from exposure.review.agreement import store_verdicts
from exposure.review.records import ADDED_PREFIX, check_camera_id, reviewer_key
from exposure.review.store import ImportCounts, ReviewStore

__all__ = [
    "CANDIDATE_COLUMNS",
    "MergeReport",
    "duplicate_candidates",
    "export_reviews",
    "merge_cameras",
    "merge_store",
]

#: Columns of a table of cameras added separately that may be one camera.
CANDIDATE_COLUMNS: tuple[str, ...] = ("first_id", "second_id", "distance_m", "kind", "first_added_by",
                                      "second_added_by")


@dataclass(frozen=True)
class MergeReport:
    """What a merge brought in.

    Attributes
    ----------
    source
        The store merged in.
    counts
        New records of each kind, withdrawals taken over, clashes kept out.
    candidates
        Cameras the two stores added separately within
        ``settings.review_same_camera_m`` with the same kind
        (:data:`CANDIDATE_COLUMNS`): offer them as one (:func:`merge_cameras`).
    """

    source: str
    counts: ImportCounts
    candidates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CANDIDATE_COLUMNS)))

    def summary(self) -> dict[str, Any]:
        """The report as plain values, for JSON and captions."""
        return {"source": self.source, "new_cameras": self.counts.cameras, "new_reviews": self.counts.reviews,
                "withdrawals": self.counts.withdrawals, "new_warnings": self.counts.warnings,
                "new_merges": self.counts.merges, "clashes": list(self.counts.clashes),
                "candidates": self.candidates.to_dict(orient="records")}


def export_reviews(store: ReviewStore, path: str | Path, *, reviewer: str | None = None,
                   overwrite: bool = False) -> Path:
    """Write a reviewer's reviews (or all of a store) as one file another store can merge.

    The file is a review store of its own (a GeoPackage): the reviewer's reviews,
    withdrawn ones included; the added cameras they reviewed; the warnings about
    those; the merges the reviewer made. It is written beside ``path`` and moved
    into place whole.

    Parameters
    ----------
    store
        The store to export from.
    path
        The file to write (``.gpkg``).
    reviewer
        Whose reviews; None exports everything.
    overwrite
        Replace an existing review store at ``path``; any other file there is never replaced.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ReviewError
        When ``path`` exists (and ``overwrite`` is not set, or it is not a review
        store), or the reviewer has no review in the store.
    """
    target = Path(path).expanduser()
    if target.exists():
        if not overwrite:
            msg = f"{target} exists already; give a new file name, or overwrite=True to replace a review store"
            raise ReviewError(msg)
        ReviewStore(target, create=False)  # refuses, and keeps, anything but a review store
    reviews = store.reviews(reviewer=reviewer)
    if reviewer is not None and reviews.empty:
        msg = f"reviewer {reviewer!r} has no review in review store {store.path}; check the name"
        raise ReviewError(msg)
    added = store.added_cameras()
    warnings = store.warnings()
    merges = store.merges()
    if reviewer is not None:
        added = added[added["camera_id"].isin(set(reviews["camera_id"]))]
        mine = merges["merged_by"].map(reviewer_key) == reviewer_key(reviewer)
        merges = merges[mine]
        about = set(added["camera_id"]) | set(reviews["camera_id"])
        warnings = warnings[warnings["review_id"].isin(set(reviews["review_id"]))
                            | (warnings["review_id"].eq("") & warnings["camera_id"].isin(about))]
    tmp = target.parent / f".{target.name}-{uuid.uuid4().hex}.export.gpkg"
    try:
        ReviewStore(tmp).import_records(cameras=added, reviews=reviews, warnings=warnings, merges=merges)
        if overwrite:
            os.replace(tmp, target)
        elif not link_into_place(tmp, target):
            msg = f"{target} was made by another process meanwhile; give a new file name"
            raise ReviewError(msg)
    except OSError as err:
        msg = f"reviews cannot be written to {target} ({err.strerror or err}); check the folder and free space"
        raise ReviewError(msg) from err
    finally:
        for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
            with contextlib.suppress(OSError):
                leftover.unlink(missing_ok=True)
    return target


def merge_store(target: ReviewStore, source: str | Path | ReviewStore) -> MergeReport:
    """Merge another store (or an exported file) into this one: idempotent, nothing lost.

    Records are matched by their ids: merging the same file twice changes
    nothing; reviews that disagree are different reviews and are all kept (the
    agreement weighs them); a review withdrawn in either store is withdrawn.

    Parameters
    ----------
    target
        The store merged into.
    source
        The store or file merged in (refused, and left as it is, when it is not a review store).

    Returns
    -------
    MergeReport
        What came in, and the cameras the two stores added separately that may be one.
    """
    other = source if isinstance(source, ReviewStore) else ReviewStore(source, create=False)
    before = set(target.added_cameras()["camera_id"])
    if other.path.resolve() == target.path.resolve():
        return MergeReport(source=str(other.path), counts=ImportCounts())
    theirs = other.added_cameras()
    counts = target.import_records(cameras=theirs, reviews=other.reviews(), warnings=other.warnings(),
                                   merges=other.merges())
    incoming = set(theirs["camera_id"]) - before
    pairs = duplicate_candidates(target)
    separate = (pairs["first_id"].isin(before) & pairs["second_id"].isin(incoming)) | (
        pairs["first_id"].isin(incoming) & pairs["second_id"].isin(before))
    return MergeReport(source=str(other.path), counts=counts, candidates=pairs[separate].reset_index(drop=True))


def duplicate_candidates(store: ReviewStore, *, within_m: float | None = None) -> pd.DataFrame:
    """Pairs of added cameras within a few metres of each other with the same kind: perhaps one camera.

    Parameters
    ----------
    store
        The store.
    within_m
        Greatest distance; default ``settings.review_same_camera_m``.

    Returns
    -------
    pandas.DataFrame
        :data:`CANDIDATE_COLUMNS`, nearest first; cameras merged already, or none
        of whose reviews counts, are left out. ``kind`` is the kind the reviews
        agree on ("unknown" when they do not).
    """
    limit = settings.review_same_camera_m if within_m is None else within_m
    added = store.added_cameras()
    merged = store.canonical_ids()
    verdicts = store_verdicts(store).set_index("camera_id")
    live = added[added["camera_id"].isin(verdicts.index) & ~added["camera_id"].isin(merged)].reset_index(drop=True)
    if len(live) < 2:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    lon, lat = live["lon"].to_numpy(float), live["lat"].to_numpy(float)
    crs = local_crs(float(lon.mean()), float(lat.mean()))
    x, y = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    xy = np.column_stack([x, y])
    kinds = [str(k) if k is not None else "unknown" for k in verdicts.loc[live["camera_id"], "kind"]]
    rows = []
    for i, j in sorted(cKDTree(xy).query_pairs(limit)):
        if kinds[i] != kinds[j]:
            continue
        first, second = sorted((i, j), key=lambda k: (live.at[k, "added_utc"], live.at[k, "camera_id"]))
        rows.append((live.at[first, "camera_id"], live.at[second, "camera_id"],
                     round(float(np.hypot(*(xy[i] - xy[j]))), 1), kinds[i], live.at[first, "added_by"],
                     live.at[second, "added_by"]))
    table = pd.DataFrame(rows, columns=list(CANDIDATE_COLUMNS))
    return table.sort_values(["distance_m", "first_id", "second_id"]).reset_index(drop=True)


def merge_cameras(store: ReviewStore, first_id: str, second_id: str, *, reviewer: str,
                  when: datetime | None = None) -> str:
    """Count two cameras as one, when a reviewer says they are: every review of either counts for it.

    Nothing is deleted: the merge is recorded (and travels with merges of the
    store), and can be seen in :meth:`ReviewStore.merges`. The camera kept is the
    one of the camera table in use when one of the two is (an ``osm:`` camera,
    say), else the one added first, so that stores merged in any order agree.

    Parameters
    ----------
    store
        The store.
    first_id, second_id
        The two cameras; at least one must be a camera the group added (two mapped
        cameras are one only by an edit of their source).
    reviewer
        Who says so.
    when
        When; default now.

    Returns
    -------
    str
        The id the two now count as.
    """
    ids = (check_camera_id(first_id), check_camera_id(second_id))
    known = set(store.added_cameras()["camera_id"])
    for camera_id in ids:
        if camera_id.startswith(ADDED_PREFIX) and camera_id not in known:
            msg = f"camera {camera_id} is not in review store {store.path}; merge the store that added it first"
            raise ReviewError(msg)
    if not any(camera_id.startswith(ADDED_PREFIX) for camera_id in ids):
        msg = (f"cameras {ids[0]} and {ids[1]} both come from the camera table; only a camera the group added can be "
               "merged into another (correct the source to join mapped cameras)")
        raise ReviewError(msg)
    store.record_merge(*ids, reviewer=reviewer, when=when)
    canonical = store.canonical_ids()
    return canonical.get(ids[0], ids[0])
