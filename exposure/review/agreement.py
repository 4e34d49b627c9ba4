"""Agreement among reviewers as Decode Surveillance defined it, and its overlay on a camera table.

Decode Surveillance NYC had three volunteers count each intersection and
published their agreement: *Unanimous*, *2 vs 1* or *All disagree*. A group's
reviews are read the same way. Each reviewer counts once per camera (their
latest review that is not withdrawn). Reviewers agree first on whether the camera
exists; then, among those who saw it, field by field (kind, mount, operator,
direction, field of view, what it watches) by majority:

- at least ``settings.review_verified_min`` reviewers (3), all saying it
  exists: **verified** ("Unanimous");
- a majority saying it exists with dissent, or fewer than that many all
  agreeing: **unverified** ("2 vs 1", "1 review", "2 reviews");
- no majority: **disputed** ("All disagree" when no two agree, else "2 vs 2");
- a majority saying it does not exist: **gone**, left out of every count but
  kept in the store with its history.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure.cameras import FrtPolicy, apply_frt_policy
from exposure.cameras import frt_policy as resolve_frt_policy
from exposure.policies import VERIFIED_BY
from exposure.review.records import REVIEW_FIELDS, reviewer_key
from exposure.review.store import ReviewStore

__all__ = [
    "REVIEW_STATUSES",
    "VERDICT_COLUMNS",
    "VERIFIED_BY",
    "ReviewOverlay",
    "agreement_label",
    "changed_camera_ids",
    "direction_majority",
    "existence_verdict",
    "group_verified",
    "overlay_reviews",
    "overlay_verdicts",
    "store_verdicts",
    "value_majority",
    "verdicts",
]

#: What a group's reviews make of a camera: the camera schema's verification statuses, and gone.
REVIEW_STATUSES: tuple[str, ...] = ("verified", "unverified", "disputed", "gone")
#: Columns of a table of verdicts, one row per camera reviewed.
VERDICT_COLUMNS: tuple[str, ...] = (
    "camera_id", "status", "agreement", "reviewers", "exists_yes", "exists_no",
    "kind", "kind_agreement", "mount", "mount_agreement", "camera_mount", "operator", "operator_agreement",
    "direction_deg", "direction_agreement", "fov_deg", "surveillance",
    "observed", "last_reviewed_utc", "last_survey_utc", "imagery_only",
)
# the fields decided by a majority of the reviewers who gave them, with their agreement column (or none)
_CHOICE_FIELDS = {"kind": "kind_agreement", "mount": "mount_agreement", "camera_mount": None,
                  "operator": "operator_agreement", "surveillance": None}


def agreement_label(counts: Iterable[int], *, verified_min: int | None = None) -> str:
    """Decode's words for how reviewers' answers split.

    Parameters
    ----------
    counts
        How many reviewers gave each distinct answer.
    verified_min
        Reviewers who, all agreeing, are "Unanimous"; default ``settings.review_verified_min``.

    Returns
    -------
    str
        "Unanimous"; "1 review" or "2 reviews" (all agreeing, too few); "All
        disagree" (no two agree); else the split, largest first: "2 vs 1", "2 vs 2".
    """
    least = settings.review_verified_min if verified_min is None else verified_min
    split = sorted((int(c) for c in counts if c > 0), reverse=True)
    if not split:
        return "no review"
    if len(split) == 1:
        n = split[0]
        return "Unanimous" if n >= least else ("1 review" if n == 1 else f"{n} reviews")
    if split[0] == 1:
        return "All disagree"
    return " vs ".join(str(c) for c in split)


def existence_verdict(yes: int, no: int, *, verified_min: int | None = None,
                      majority_share: float | None = None) -> tuple[str, str]:
    """The status and agreement of a camera from how many reviewers say it exists and how many say not.

    Returns
    -------
    tuple of str
        One of :data:`REVIEW_STATUSES`, and :func:`agreement_label` of the split.
    """
    least = settings.review_verified_min if verified_min is None else verified_min
    share = settings.review_majority_share if majority_share is None else majority_share
    n = yes + no
    label = agreement_label((yes, no), verified_min=least)
    if n == 0:
        return "unverified", label
    if no > share * n:
        return "gone", label
    if yes > share * n:
        return ("verified" if no == 0 and yes >= least else "unverified"), label
    return "disputed", label


def value_majority(values: Sequence[Any], *, verified_min: int | None = None,
                   majority_share: float | None = None) -> tuple[Any, str]:
    """The value most reviewers gave, when more than the majority share gave it, and the agreement.

    Returns
    -------
    tuple
        The value (None without a majority or without values) and :func:`agreement_label`.
    """
    share = settings.review_majority_share if majority_share is None else majority_share
    counts = Counter(values)
    label = agreement_label(counts.values(), verified_min=verified_min)
    if not counts:
        return None, label
    # the answer depends on the values only, never on their order
    value, top = min(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return (value if top > share * len(values) else None), label


def direction_majority(
    values: Sequence[float], *, tolerance_deg: float | None = None, verified_min: int | None = None,
    majority_share: float | None = None,
) -> tuple[float | None, str]:
    """The direction most reviewers agree on (within a tolerance), its mean, and the agreement.

    Two directions agree when they differ by at most ``tolerance_deg``
    (default ``settings.review_direction_tolerance_deg``) either way round the
    compass. The largest group of directions agreeing with one of them is the
    majority when it holds more than the majority share; the direction is its
    circular mean, rounded to a tenth of a degree.
    """
    tolerance = settings.review_direction_tolerance_deg if tolerance_deg is None else tolerance_deg
    share = settings.review_majority_share if majority_share is None else majority_share
    angles = np.sort(np.asarray([v % 360.0 for v in values], dtype=float))
    n = len(angles)
    if n == 0:
        return None, agreement_label((), verified_min=verified_min)
    gap = np.abs(angles[:, None] - angles[None, :]) % 360.0
    agree = np.minimum(gap, 360.0 - gap) <= tolerance + 1e-9
    support = agree.sum(axis=1)
    best = int(np.argmax(support))  # the first of the best, in sorted order
    top = int(support[best])
    members = angles[agree[best]]
    label = "All disagree" if top == 1 and n > 1 else agreement_label((top, n - top), verified_min=verified_min)
    if top <= share * n:
        return None, label
    radians = np.deg2rad(members)
    mean = math.degrees(math.atan2(float(np.sin(radians).sum()), float(np.cos(radians).sum()))) % 360.0
    return round(mean, 1) % 360.0, label


def verdicts(reviews: pd.DataFrame, *, aliases: Mapping[str, str] | None = None, verified_min: int | None = None,
             majority_share: float | None = None, tolerance_deg: float | None = None) -> pd.DataFrame:
    """What a group's reviews make of each camera (pure: no store, no camera table).

    Parameters
    ----------
    reviews
        Reviews (:data:`exposure.review.records.REVIEW_COLUMNS`), withdrawn ones
        included (they are left out here).
    aliases
        Camera ids merged into another (:meth:`ReviewStore.canonical_ids`): their
        reviews count for that one.
    verified_min, majority_share, tolerance_deg
        The thresholds; default the ``settings.review_*`` values.

    Returns
    -------
    pandas.DataFrame
        One row per camera with a review that counts (:data:`VERDICT_COLUMNS`),
        sorted by ``camera_id``. Fields no majority gave are None (NaN for
        degrees); ``observed`` is the date of the latest review, ``last_survey_utc``
        the time of the latest one not from imagery; ``imagery_only`` is True when
        every review that counts comes from imagery.
    """
    active = reviews[reviews["withdrawn_utc"].isna()] if len(reviews) else reviews
    per_camera: dict[str, dict[str, list[dict[str, Any]]]] = {}
    ordered = active.sort_values(["reviewed_utc", "review_id"]) if len(active) else active
    for record in ordered.to_dict(orient="records"):
        camera = (aliases or {}).get(record["camera_id"], record["camera_id"])
        per_camera.setdefault(camera, {}).setdefault(reviewer_key(record["reviewer"]), []).append(record)
    rows = [_camera_verdict(camera, by_reviewer, tolerance_deg=tolerance_deg, verified_min=verified_min,
                            majority_share=majority_share)
            for camera, by_reviewer in sorted(per_camera.items())]
    table = pd.DataFrame(rows, columns=list(VERDICT_COLUMNS), dtype=object)
    table = table.astype({"reviewers": "int64", "exists_yes": "int64", "exists_no": "int64", "direction_deg": float,
                          "fov_deg": float, "imagery_only": bool})
    for column in (*_CHOICE_FIELDS, "last_survey_utc"):  # None where no majority gave one, as documented
        table[column] = table[column].where(table[column].notna(), None)
    return table


def _camera_verdict(camera: str, by_reviewer: Mapping[str, list[dict[str, Any]]], *, tolerance_deg: float | None,
                    verified_min: int | None, majority_share: float | None) -> dict[str, Any]:
    said: dict[str, list[Any]] = {name: [] for name in REVIEW_FIELDS}
    yes = no = 0
    for records in by_reviewer.values():
        if not records[-1]["exists"]:
            no += 1
            continue
        yes += 1
        since = max((i + 1 for i, r in enumerate(records) if not r["exists"]), default=0)
        for name in REVIEW_FIELDS:  # each reviewer's latest word on each field since they last said "not there"
            given = [r[name] for r in records[since:] if r[name] is not None and not _is_nan(r[name])]
            if given:
                said[name].append(given[-1])
    status, label = existence_verdict(yes, no, verified_min=verified_min, majority_share=majority_share)
    row: dict[str, Any] = {"camera_id": camera, "status": status, "agreement": label, "reviewers": yes + no,
                           "exists_yes": yes, "exists_no": no}
    for name, agreement_column in _CHOICE_FIELDS.items():
        row[name], value_label = value_majority(said[name], verified_min=verified_min, majority_share=majority_share)
        if agreement_column is not None:
            row[agreement_column] = value_label
    direction, row["direction_agreement"] = direction_majority(
        said["direction_deg"], tolerance_deg=tolerance_deg, verified_min=verified_min, majority_share=majority_share)
    row["direction_deg"] = np.nan if direction is None else direction
    row["fov_deg"] = float(np.median(said["fov_deg"])) if said["fov_deg"] else np.nan
    every = [r for records in by_reviewer.values() for r in records]
    row["last_reviewed_utc"] = max(r["reviewed_utc"] for r in every)
    row["observed"] = row["last_reviewed_utc"][:10]
    surveyed = [r["reviewed_utc"] for r in every if r["how"] != "imagery"]
    row["last_survey_utc"] = max(surveyed) if surveyed else None
    row["imagery_only"] = not surveyed
    return row


def _is_nan(value: Any) -> bool:
    return isinstance(value, float) and math.isnan(value)


def store_verdicts(store: ReviewStore, **thresholds: Any) -> pd.DataFrame:
    """:func:`verdicts` of every review in a store, merged cameras counted as one."""
    return verdicts(store.reviews(), aliases=store.canonical_ids(), **thresholds)


@dataclass(frozen=True)
class ReviewOverlay:
    """A camera table with a group's verdicts laid over it.

    Attributes
    ----------
    cameras
        The table in :data:`exposure.cameras.CAMERA_COLUMNS` plus ``verified_by``
        (:data:`VERIFIED_BY`): cameras found gone left out, cameras the group added
        appended (``source`` "review"), reviewed cameras' ``verification``,
        ``agreement``, ``reports``, ``observed`` and agreed fields set.
    gone
        The cameras a majority found gone, as they were (same columns), with the
        group's ``agreement``: kept for the report, left out of every count.
    verdicts
        :data:`VERDICT_COLUMNS` of every camera reviewed.
    unmatched
        The verdicts of camera ids neither in the table nor added in the store
        (reviews of another camera set).
    withdrawn
        Added cameras none of whose reviews still counts; left out.
    """

    cameras: pd.DataFrame
    gone: pd.DataFrame
    verdicts: pd.DataFrame
    unmatched: pd.DataFrame
    withdrawn: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """Counts for captions and JSON: cameras, verified by the group, each status, gone, added."""
        table = self.cameras
        by_group = table["verified_by"].eq("group")
        return {
            "cameras": len(table),
            "reviewed": int(by_group.sum()),
            "verified_by_group": int(group_verified(table).sum()),
            "statuses_by_group": {s: int((by_group & table["verification"].eq(s)).sum()) for s in REVIEW_STATUSES[:3]},
            "gone": len(self.gone),
            "added": int(table["source"].eq("review").sum()),
            "unmatched_reviews": len(self.unmatched),
            "withdrawn_added": len(self.withdrawn),
        }


def group_verified(cameras: pd.DataFrame) -> np.ndarray:
    """Which cameras of an overlaid table the group verified (its reviews, not the source, say verified)."""
    if "verified_by" not in cameras.columns:
        return np.zeros(len(cameras), dtype=bool)
    return (cameras["verification"].eq("verified") & cameras["verified_by"].eq("group")).to_numpy(dtype=bool)


def overlay_reviews(cameras: pd.DataFrame, store: ReviewStore, *,
                    frt_policy: str | Path | FrtPolicy = "default", **thresholds: Any) -> ReviewOverlay:
    """Lay a store's verdicts over a camera table (see :func:`overlay_verdicts`)."""
    return overlay_verdicts(cameras, store_verdicts(store, **thresholds), store.added_cameras(),
                            merged=store.canonical_ids(), frt_policy=frt_policy)


def overlay_verdicts(cameras: pd.DataFrame, verdict_table: pd.DataFrame, added: pd.DataFrame, *,
                     merged: Mapping[str, str] | None = None,
                     frt_policy: str | Path | FrtPolicy = "default") -> ReviewOverlay:
    """Lay verdicts over a camera table, so that every figure can count what the group verified.

    A reviewed camera takes the group's status, unless the group only confirmed
    it (fewer reviewers than make it verified, none dissenting) and its source
    already verified it: then the source's verification stands. Fields a
    majority agreed on replace the table's (kind, mount, operator, direction,
    field of view); the FRT tier of a changed camera is set again with
    ``frt_policy``. Applying it to a table it was applied to changes nothing.

    Parameters
    ----------
    cameras
        The camera table in use.
    verdict_table
        :func:`verdicts` of the group's reviews.
    added
        The cameras the group added (:meth:`ReviewStore.added_cameras`).
    merged
        Camera ids merged into another (:meth:`ReviewStore.canonical_ids`): not appended.
    frt_policy
        The FRT policy of the table (see :func:`exposure.cameras.frt_policy`).

    Returns
    -------
    ReviewOverlay
        The overlaid table, the cameras found gone, the verdicts, and what matched nothing.
    """
    policy = resolve_frt_policy(frt_policy)
    table = cameras.reset_index(drop=True).copy()
    if "verified_by" not in table.columns:
        table["verified_by"] = "source"
    by_id = verdict_table.set_index("camera_id", drop=False) if len(verdict_table) else verdict_table
    known = set(table["camera_id"])
    hit = table["camera_id"].isin(by_id.index).to_numpy() if len(by_id) else np.zeros(len(table), dtype=bool)
    changed = np.zeros(len(table), dtype=bool)
    for position in np.flatnonzero(hit):
        changed[position] = _apply(table, int(position), by_id.loc[table.at[position, "camera_id"]])
    status = table["camera_id"].map(by_id["status"]) if len(by_id) else pd.Series([None] * len(table))
    is_gone = status.eq("gone").to_numpy(dtype=bool)
    gone = table[is_gone].reset_index(drop=True)
    kept = table[~is_gone].reset_index(drop=True)
    if changed[~is_gone].any():
        again = changed[~is_gone]
        kept.loc[again, "frt_tier"] = apply_frt_policy(kept.loc[again], policy)["frt_tier"].to_numpy()
    new_rows, withdrawn = _added_rows(added, by_id, known=known, merged=merged or {})
    appended = [r for r in new_rows if r["verification"] != "gone"]
    gone_added = [r for r in new_rows if r["verification"] == "gone"]
    if appended:
        extra = apply_frt_policy(pd.DataFrame(appended, columns=list(kept.columns)), policy)
        kept = pd.concat([kept, extra], ignore_index=True) if len(kept) else extra
    if gone_added:
        gone = pd.concat([gone, pd.DataFrame(gone_added, columns=list(gone.columns))], ignore_index=True)
    reachable = known | set(added["camera_id"]) | set(merged or {})
    unmatched = verdict_table[~verdict_table["camera_id"].isin(reachable)].reset_index(drop=True)
    return ReviewOverlay(cameras=kept, gone=gone, verdicts=verdict_table, unmatched=unmatched,
                         withdrawn=tuple(withdrawn))


def _apply(table: pd.DataFrame, position: int, verdict: pd.Series) -> bool:
    """Set one reviewed camera's row from its verdict; True when a field the FRT tier reads changed."""
    source_verified = table.at[position, "verification"] == "verified" and table.at[position, "verified_by"] == "source"
    only_confirmed = verdict["status"] == "unverified" and verdict["exists_no"] == 0
    if not (source_verified and only_confirmed):
        table.at[position, "verification"] = verdict["status"]
        table.at[position, "agreement"] = verdict["agreement"]
        table.at[position, "verified_by"] = "group"
    table.at[position, "reports"] = int(verdict["reviewers"])
    table.at[position, "observed"] = verdict["observed"]
    before = tuple(table.loc[position, ["kind", "mount", "operator"]])
    for name in ("kind", "mount", "operator"):
        if _given(verdict[name]):
            table.at[position, name] = verdict[name]
    for name in ("direction_deg", "fov_deg"):
        if not pd.isna(verdict[name]):
            table.at[position, name] = float(verdict[name])
    return tuple(table.loc[position, ["kind", "mount", "operator"]]) != before


def _given(value: Any) -> bool:
    """Whether a verdict's field holds a value (a table holds None as None or NaN)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def _or_unknown(value: Any) -> str:
    return str(value) if _given(value) else "unknown"


def _added_rows(added: pd.DataFrame, by_id: pd.DataFrame, *, known: set[str],
                merged: Mapping[str, str]) -> tuple[list[dict[str, Any]], list[str]]:
    rows, withdrawn = [], []
    for camera in added.to_dict(orient="records"):
        camera_id = camera["camera_id"]
        if camera_id in known or camera_id in merged:
            continue
        if camera_id not in by_id.index:
            withdrawn.append(camera_id)
            continue
        verdict = by_id.loc[camera_id]
        rows.append({
            "camera_id": camera_id, "lon": float(camera["lon"]), "lat": float(camera["lat"]), "source": "review",
            "kind": _or_unknown(verdict["kind"]), "mount": _or_unknown(verdict["mount"]),
            "operator": _or_unknown(verdict["operator"]), "direction_deg": float(verdict["direction_deg"]),
            "fov_deg": float(verdict["fov_deg"]), "height_m": np.nan, "verification": verdict["status"],
            "agreement": verdict["agreement"], "reports": int(verdict["reviewers"]), "observed": verdict["observed"],
            "frt_tier": "medium", "verified_by": "group",
        })
    return rows, withdrawn


def changed_camera_ids(before: pd.DataFrame, after: pd.DataFrame) -> list[str]:
    """Cameras whose coverage must be rebuilt: added, dropped, moved, or with another kind, mount or direction.

    Parameters
    ----------
    before, after
        Two camera tables (e.g. an overlay before and after a review).

    Returns
    -------
    list of str
        The ids, sorted.
    """
    columns = [c for c in ("lon", "lat", "kind", "mount", "operator", "direction_deg", "fov_deg", "frt_tier",
                           "verification") if c in before.columns and c in after.columns]
    old = before.set_index("camera_id")[columns]
    new = after.set_index("camera_id")[columns]
    ids = set(old.index) ^ set(new.index)
    both = old.index.intersection(new.index)
    if len(both):
        a, b = old.loc[both], new.loc[both]
        differs = ~((a == b) | (a.isna() & b.isna())).all(axis=1)
        ids |= set(both[differs.to_numpy()])
    return sorted(ids)
