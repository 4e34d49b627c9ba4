"""How much of a walk lies in view of cameras: metres, seconds and cameras met, track by track."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyproj
import shapely

from exposure.audit._lines import measurable, projected
from exposure.audit.gaps import Gap, Gaps, fill_gaps
from exposure.audit.tracks import Piece, Track, read_track
from exposure.cameras import CameraExtent, FrtPolicy, describe_policies, select_cameras, verification_policy
from exposure.counted import Counting, counting
from exposure.coverage import camera_viewsheds, candidate_pairs, largest_range_m, union_length
from exposure.viewsheds import visible_intervals

if TYPE_CHECKING:
    from collections.abc import Iterable

    from exposure.buildings import Buildings
    from exposure.coverage_models import CoverageModel
    from exposure.network import NetworkIndex

__all__ = ["PER_CAMERA_COLUMNS", "TRACK_COLUMNS", "Audit", "audit_track"]

#: Columns of :attr:`Audit.per_camera`, in this order.
PER_CAMERA_COLUMNS: tuple[str, ...] = (
    "camera_id",
    "frt_capable",
    "frt_tier",
    "kind",
    "metres_in_view",
    "seconds_in_view",
)

#: Columns of :attr:`Audit.tracks`, in this order.
TRACK_COLUMNS: tuple[str, ...] = (
    "track",
    "name",
    "segments",
    "length_m",
    "cameras",
    "frt_cameras",
    "metres_in_view",
    "metres_in_view_any",
    "share_in_view",
    "seconds_in_view",
    "seconds_total",
    "unknown_m",
)


@dataclass(frozen=True, eq=False)
class Audit:
    """How much of a track lies within view of cameras.

    ``cameras``/``camera_ids`` are the counted cameras whose view the track
    enters, in the order the walk meets them; ``frt_cameras``/``frt_camera_ids``
    those the FRT policy deems capable. ``metres_in_view`` is the length of the
    track within view of at least one FRT-capable camera (each metre once,
    however many cameras see it, but twice when the walk passes twice);
    ``metres_in_view_any`` the same for any counted camera. ``seconds_in_view``
    is the time spent within view of an FRT-capable camera, including time spent
    standing there, from timestamps interpolated linearly by distance; None when
    the track has no timestamps.

    A file of several tracks or segments is measured piece by piece, never
    across the gap between two pieces: the figures above are totals (lengths,
    metres and seconds summed over the pieces, each camera counted once however
    many pieces it sees); ``tracks`` has one row per track
    (:data:`TRACK_COLUMNS`; ``segments`` says how many unbroken lines it has),
    and ``notes`` says which pieces were too short to measure.

    ``counting`` says what a count of 0 means here: nothing counted under the
    policies, a true zero, or a walk outside where the camera data looked
    (:func:`exposure.counted.counting`); ``settings["counting"]`` holds its JSON.
    """

    length_m: float
    cameras: int
    frt_cameras: int
    camera_ids: tuple[str, ...]
    frt_camera_ids: tuple[str, ...]
    metres_in_view: float
    metres_in_view_any: float
    share_in_view: float
    seconds_in_view: float | None
    seconds_total: float | None
    per_camera: pd.DataFrame
    settings: dict[str, Any]
    tracks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(TRACK_COLUMNS)))
    notes: tuple[str, ...] = ()
    counting: Counting | None = None
    unknown_m: float = 0.0
    gaps: tuple[Gap, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON form: metres to 0.1 m, seconds to 0.1 s, no NaN."""
        rows = []
        for record in self.per_camera.to_dict(orient="records"):
            seconds = record["seconds_in_view"]
            rows.append({
                "camera_id": str(record["camera_id"]),
                "frt_capable": bool(record["frt_capable"]),
                "frt_tier": str(record["frt_tier"]),
                "kind": str(record["kind"]),
                "metres_in_view": round(float(record["metres_in_view"]), 1),
                "seconds_in_view": None if _missing(seconds) else round(float(seconds), 1),
            })
        return {
            "length_m": round(self.length_m, 1),
            "cameras": self.cameras,
            "frt_cameras": self.frt_cameras,
            "camera_ids": list(self.camera_ids),
            "frt_camera_ids": list(self.frt_camera_ids),
            "metres_in_view": round(self.metres_in_view, 1),
            "metres_in_view_any": round(self.metres_in_view_any, 1),
            "share_in_view": round(self.share_in_view, 4),
            "seconds_in_view": None if self.seconds_in_view is None else round(self.seconds_in_view, 1),
            "seconds_total": None if self.seconds_total is None else round(self.seconds_total, 1),
            "per_camera": rows,
            "settings": self.settings,
            "tracks": [_track_row(r) for r in self.tracks.to_dict(orient="records")],
            "notes": list(self.notes),
            "unknown_m": round(self.unknown_m, 1),
            "gaps": [g.to_dict() for g in self.gaps],
        }


def _track_row(record: dict[str, Any]) -> dict[str, Any]:
    def seconds(v: Any) -> float | None:
        return None if _missing(v) else round(float(v), 1)

    return {
        "track": int(record["track"]), "name": str(record["name"]), "segments": int(record["segments"]),
        "length_m": round(float(record["length_m"]), 1), "cameras": int(record["cameras"]),
        "frt_cameras": int(record["frt_cameras"]), "metres_in_view": round(float(record["metres_in_view"]), 1),
        "metres_in_view_any": round(float(record["metres_in_view_any"]), 1),
        "share_in_view": round(float(record["share_in_view"]), 4),
        "seconds_in_view": seconds(record["seconds_in_view"]), "seconds_total": seconds(record["seconds_total"]),
        "unknown_m": round(float(record["unknown_m"]), 1),
    }


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))

def audit_track(
    track: Track | str | Path | Sequence[tuple[float, float]] | Mapping[str, Any],
    cameras: pd.DataFrame,
    *,
    frt_policy: str | Path | FrtPolicy = "default",
    verification: str | Iterable[str] = "default",
    radius_m: float | None = None,
    coverage_model: str | Path | CoverageModel | None = None,
    level: str | None = None,
    buildings: Buildings | None = None,
    extent: CameraExtent | None = None,
    streets: NetworkIndex | None = None,
    max_gap_m: float | None = None,
) -> Audit:
    """Measure how much of a walked track lies within view of counted cameras.

    The view of each camera (its viewshed under the coverage model at the level:
    its disc or sector, cut by the buildings where the model uses walls) is
    clipped exactly along the track's segments, not only tested at the recorded points.

    Parameters
    ----------
    track
        The track, or anything :func:`read_track` accepts (a plain list is
        **(lat, lon)** points).
    cameras
        Camera table (see :data:`exposure.cameras.CAMERA_COLUMNS`).
    frt_policy
        Which cameras count as FRT-capable (see :func:`exposure.cameras.frt_policy`).
    verification
        Which verification statuses are counted (see
        :func:`exposure.cameras.verification_policy`).
    radius_m
        Uniform disc radius overriding the coverage model (no walls).
    coverage_model
        What a camera sees (:func:`exposure.coverage_models.coverage_model`); the
        default (``exposure.settings.coverage_model``, ``dori-typical``) honours a
        camera's own range (CCTV-Exposure's ``radius``).
    level
        ``identify`` (default), ``recognise`` or ``observe``.
    buildings
        The obstacles cutting the views where the model uses walls (a dataset's
        ``buildings_as_obstacles``); None: no building data, which the settings say.
    extent
        Where the camera data looked (e.g. :func:`exposure.cameras.load_extent`);
        a walk outside it has no camera data, which its ``counting`` says.
    streets
        The dataset's street network (``Dataset.index``): a gap between recorded
        points that its streets cover is filled with the shortest walk on them
        (:func:`exposure.audit.fill_gaps`); without it every gap stays unknown.
    max_gap_m
        The longest stretch between two recorded points taken as walked straight
        (default ``settings.track_gap_m``); a longer one is a gap.

    Returns
    -------
    Audit
        Length, cameras met, metres and seconds in view, per-camera figures and
        the settings behind them. A gap left unknown counts in ``length_m`` (as
        the straight line) and in ``unknown_m``, never in the cameras met or in
        view: ``share_in_view`` is of the known length.
    """
    if not isinstance(track, Track):
        track = read_track(track)
    found_gaps = fill_gaps(track, max_gap_m=max_gap_m, streets=streets)
    track = found_gaps.track
    reach_m = largest_range_m(cameras, radius_m=radius_m, coverage_model=coverage_model, level=level)
    selected = select_cameras(_within_reach(cameras, track.coordinates, reach_m=reach_m), frt_policy=frt_policy,
                              verification=verification)
    axis = _Axis.of(track, found_gaps.unknown)
    crs, xy, pieces, piece_of, step, cum, unknown = (axis.crs, axis.xy, axis.pieces, axis.piece_of, axis.step,
                                                     axis.cum, axis.unknown)
    notes = list(axis.notes)
    moving = np.flatnonzero((step > 0) & ~unknown)
    seg_a, seg_b = xy[moving], xy[moving + 1]
    near = buildings.around(track.coordinates, reach_m) if buildings is not None else None
    views, used = camera_viewsheds(selected, crs, radius_m=radius_m, coverage_model=coverage_model, level=level,
                                   buildings=near)
    s, c, t0, t1 = visible_intervals(seg_a, seg_b, views, pairs=candidate_pairs(seg_a, seg_b, views.geometry))
    point = moving[s]
    start = cum[point] + t0 * step[point]
    end = cum[point] + t1 * step[point]

    n_cams = len(selected)
    frt = selected["frt_capable"].to_numpy(dtype=bool)
    per_m = union_length(*_by_camera(c, start, end), n_groups=n_cams)

    secs = None
    seconds_total = None
    per_s = np.full(n_cams, np.nan)
    t_start = t_end = np.zeros(0)
    if track.times is not None:
        secs, seconds_total = _walking_seconds(track.times, pieces)
        t_start, t_end = _seconds_at(start, cum, secs, side="first"), _seconds_at(end, cum, secs, side="last")
        per_s = union_length(*_by_camera(c, t_start, t_end), n_groups=n_cams)

    def measure(pick: np.ndarray) -> dict[str, Any]:
        """Figures over the intervals picked (one track, or all of them)."""
        zeros = np.zeros(int(pick.sum()), dtype=np.int64)
        frt_pick = frt[c[pick]]
        met = set(c[pick].tolist())
        seen_s = None
        if secs is not None:
            seen_s = float(union_length(zeros[frt_pick], t_start[pick][frt_pick], t_end[pick][frt_pick],
                                        n_groups=1)[0])
        return {
            "cameras": len(met), "frt_cameras": sum(1 for k in met if frt[k]),
            "metres_in_view": float(union_length(zeros[frt_pick], start[pick][frt_pick], end[pick][frt_pick],
                                                 n_groups=1)[0]),
            "metres_in_view_any": float(union_length(zeros, start[pick], end[pick], n_groups=1)[0]),
            "seconds_in_view": seen_s,
        }

    total = measure(np.ones(len(c), dtype=bool))

    seen = _in_order_met(c, start)
    ids = selected["camera_id"].astype(str).to_numpy()
    seen_frt = seen[frt[seen]]
    per_camera = pd.DataFrame({
        "camera_id": ids[seen],
        "frt_capable": frt[seen],
        "frt_tier": selected["frt_tier"].astype(str).to_numpy()[seen],
        "kind": selected["kind"].astype(str).to_numpy()[seen],
        "metres_in_view": per_m[seen],
        "seconds_in_view": per_s[seen],
    }, columns=list(PER_CAMERA_COLUMNS))
    per_camera = per_camera.sort_values("metres_in_view", ascending=False, kind="stable").reset_index(drop=True)

    tracks = _per_track(pieces, piece_of, step, point, secs, measure, unknown=unknown,
                        measurable=[measurable(track.coordinates[span]) for _, span in pieces])
    length = float(cum[-1])
    unknown_m = float(step[unknown].sum())
    notes += _gap_notes(found_gaps, unknown_m=unknown_m, length_m=length)
    policies = describe_policies(frt_policy, verification)
    count = _walk_counting(track, cameras, frt_policy, verification, found=len(seen_frt), policies=policies,
                           extent=extent)
    return Audit(
        length_m=length,
        cameras=len(seen),
        frt_cameras=len(seen_frt),
        camera_ids=tuple(ids[seen]),
        frt_camera_ids=tuple(ids[seen_frt]),
        metres_in_view=total["metres_in_view"],
        metres_in_view_any=total["metres_in_view_any"],
        share_in_view=total["metres_in_view"] / (length - unknown_m) if length - unknown_m > 0 else 0.0,
        seconds_in_view=total["seconds_in_view"],
        seconds_total=seconds_total,
        per_camera=per_camera,
        settings={
            "policies": policies,
            "coverage": used,
            "counting": count.to_dict(),
        },
        tracks=tracks,
        notes=tuple(notes),
        counting=count,
        unknown_m=unknown_m,
        gaps=found_gaps.gaps,
    )


@dataclass(frozen=True, eq=False)
class _Axis:
    """One axis of metres walked for the whole file: no step across the gap between two pieces."""

    crs: pyproj.CRS
    xy: np.ndarray
    pieces: list[tuple[Piece, slice]]
    piece_of: np.ndarray
    step: np.ndarray
    cum: np.ndarray
    unknown: np.ndarray
    notes: tuple[str, ...]

    @classmethod
    def of(cls, track: Track, unknown: np.ndarray) -> _Axis:
        """The axis of a track whose stretches ``unknown`` marks (a gap nobody knows the way through)."""
        crs, xy = projected(track.coordinates)
        pieces = track.split()
        piece_of = np.zeros(len(xy), dtype=np.int64)
        notes = []
        for k, (piece, span) in enumerate(pieces):
            piece_of[span] = k
            if not measurable(track.coordinates[span]):
                n = span.stop - span.start
                notes.append(f"{_piece_name(piece, pieces)}: {n} point{'' if n == 1 else 's'}, no line to measure; "
                             "left out")
        step = np.hypot(*np.diff(xy, axis=0).T)
        step[piece_of[:-1] != piece_of[1:]] = 0.0
        cum = np.concatenate([[0.0], np.cumsum(step)])  # metres walked at each point
        # an unknown stretch counts in the length, never in view
        return cls(crs=crs, xy=xy, pieces=pieces, piece_of=piece_of, step=step, cum=cum, unknown=unknown & (step > 0),
                   notes=tuple(notes))


def _walk_counting(track: Track, cameras: pd.DataFrame, frt_policy: str | Path | FrtPolicy,
                   verification: str | Iterable[str], *, found: int, policies: dict[str, Any],
                   extent: CameraExtent | None) -> Counting:
    """What the walk's count of FRT cameras means (see :func:`exposure.counted.counting`)."""
    lines = [track.coordinates[span] for _, span in track.split() if measurable(track.coordinates[span])]
    n_counted, n_frt = _table_counts(cameras, frt_policy, verification, found=found)
    return counting(cameras=len(cameras), counted=n_counted, frt=n_frt, found=found, settings=policies,
                    extent=extent, where=shapely.MultiLineString(lines), what="this walk")


def _table_counts(cameras: pd.DataFrame, frt_policy: str | Path | FrtPolicy, verification: str | Iterable[str], *,
                  found: int) -> tuple[int, int | None]:
    """How many cameras of the table are counted, and (only when the walk met none) deemed FRT-capable.

    The FRT policy is applied to the whole table only when it can tell a true zero
    from nothing counted: over a city's table that takes a second, and a walk that
    met an FRT camera already shows that some are counted.
    """
    statuses = verification_policy(verification)
    counted = cameras["verification"].isin(statuses).to_numpy(dtype=bool) if len(cameras) else np.zeros(0, bool)
    frt = None
    if found == 0 and counted.any():
        frt = int(select_cameras(cameras[counted], frt_policy=frt_policy, verification=statuses)["frt_capable"].sum())
    return int(counted.sum()), frt


def _gap_notes(found: Gaps, *, unknown_m: float, length_m: float) -> list[str]:
    """What the gaps between recorded points did to the figures: filled on the streets, or unknown."""
    notes = []
    limit = f"{found.max_gap_m:,.0f} m"
    filled = [g for g in found.gaps if g.filled]
    if filled:
        which = ", ".join(f"{g.straight_m:,.0f} m after point {g.after_point} (walked {g.filled_m:,.0f} m)"
                          for g in filled)
        notes.append(f"{len(filled)} gap{'s' if len(filled) > 1 else ''} longer than {limit} between recorded "
                     f"points filled with the shortest walk on the dataset's streets: {which}")
    open_gaps = [g for g in found.gaps if not g.filled]
    if open_gaps:
        which = ", ".join(f"{g.straight_m:,.0f} m after point {g.after_point}" for g in open_gaps)
        share = 100 * unknown_m / length_m if length_m > 0 else 0.0
        where = "off the dataset's streets" if found.streets else "with no street network given to fill them"
        notes.append(f"{len(open_gaps)} gap{'s' if len(open_gaps) > 1 else ''} longer than {limit} between recorded "
                     f"points {where} ({which}): {unknown_m:,.0f} m of the walk ({share:.0f} %) is unknown, kept out "
                     "of the cameras met and the share in view")
    return notes


def _in_order_met(camera: np.ndarray, start: np.ndarray) -> np.ndarray:
    """The cameras of the intervals in the order the walk first meets them (ties by camera row)."""
    first_seen: dict[int, float] = {}
    for cam, m in zip(camera.tolist(), start.tolist(), strict=True):
        first_seen[cam] = min(m, first_seen.get(cam, math.inf))
    return np.array(sorted(first_seen, key=lambda k: (first_seen[k], k)), dtype=np.int64)


def _piece_name(piece: Piece, pieces: list[tuple[Piece, slice]]) -> str:
    """"track 2" or "track 2, segment 3" (when that track has several), with the track's name."""
    several = sum(1 for p, _ in pieces if p.track == piece.track) > 1
    name = f" ({piece.name})" if piece.name else ""
    return f"track {piece.track}{name}" + (f", segment {piece.segment}" if several else "")


def _walking_seconds(times: np.ndarray, pieces: list[tuple[Piece, slice]]) -> tuple[np.ndarray, float]:
    """Seconds at each point on one clock that stops between pieces, and the seconds recorded in all."""
    raw = times.astype(np.int64).astype(float)
    secs = np.zeros(len(raw))
    offset = 0.0
    for _, span in pieces:
        if span.stop > span.start:
            rel = raw[span] - raw[span.start]
            secs[span] = offset + rel
            offset += float(rel[-1])
    return secs, offset


def _per_track(pieces: list[tuple[Piece, slice]], piece_of: np.ndarray, step: np.ndarray, point: np.ndarray,
               secs: np.ndarray | None, measure: Any, *, measurable: list[bool], unknown: np.ndarray) -> pd.DataFrame:
    """One row per track of the file that has a line to measure (its segments measured one by one)."""
    track_of_piece = np.array([p.track for p, _ in pieces])
    track_of_point = track_of_piece[piece_of]
    pieces_of: dict[int, list[int]] = {}
    for k, (p, _) in enumerate(pieces):
        pieces_of.setdefault(p.track, []).append(k)
    rows = []
    for number in sorted(pieces_of):
        mine = pieces_of[number]
        if not any(measurable[k] for k in mine):
            continue
        pick = track_of_point[point] == number
        length = float(step[track_of_point[:-1] == number].sum())
        unknown_m = float(step[(track_of_point[:-1] == number) & unknown].sum())
        figures = measure(pick)
        seconds_total = None
        if secs is not None:
            seconds_total = float(sum(secs[pieces[k][1]][-1] - secs[pieces[k][1]][0] for k in mine))
        rows.append({
            "track": number, "name": pieces[mine[0]][0].name, "segments": len(mine), "length_m": length,
            "cameras": figures["cameras"], "frt_cameras": figures["frt_cameras"],
            "metres_in_view": figures["metres_in_view"], "metres_in_view_any": figures["metres_in_view_any"],
            "share_in_view": figures["metres_in_view"] / (length - unknown_m) if length - unknown_m > 0 else 0.0,
            "seconds_in_view": figures["seconds_in_view"], "seconds_total": seconds_total, "unknown_m": unknown_m,
        })
    return pd.DataFrame(rows, columns=list(TRACK_COLUMNS))


def _within_reach(cameras: pd.DataFrame, coordinates: np.ndarray, *, reach_m: float) -> pd.DataFrame:
    """The cameras inside the track's box widened by ``reach_m``: no other camera can see the track.

    A city's camera table can hold hundreds of thousands of rows; policies and the
    projection then run on the few near the walk only.
    """
    if cameras.empty:
        return cameras
    lon, lat = coordinates[:, 0], coordinates[:, 1]
    margin_lat = 1.01 * reach_m / 110_574.0 + 1e-6
    widest = min(89.0, float(np.abs(lat).max()) + margin_lat)
    margin_lon = 1.01 * reach_m / (111_320.0 * math.cos(math.radians(widest))) + 1e-6
    c_lon, c_lat = cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float)
    near = ((c_lon >= lon.min() - margin_lon) & (c_lon <= lon.max() + margin_lon)
            & (c_lat >= lat.min() - margin_lat) & (c_lat <= lat.max() + margin_lat))
    return cameras[near]


def _by_camera(camera: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, ...]:
    """Intervals sorted by camera, as :func:`union_length` wants its groups."""
    order = np.argsort(camera, kind="stable")
    return camera[order], start[order], end[order]


def _seconds_at(metres: np.ndarray, cum: np.ndarray, secs: np.ndarray, *, side: str) -> np.ndarray:
    """Seconds since the start when the walker was ``metres`` along the track.

    Between points time runs linearly with distance. Where the walker stood still
    (several points at one distance), ``side="first"`` gives the arrival and
    ``"last"`` the departure, so that an interval in view includes the time spent
    standing at its ends: standing inside a camera's view is time in view.
    """
    where = np.unique(cum)
    arrive = secs[np.searchsorted(cum, where, side="left")]
    leave = secs[np.searchsorted(cum, where, side="right") - 1]
    k = np.clip(np.searchsorted(where, metres, side="left"), 1, len(where) - 1)
    lo, hi = where[k - 1], where[k]
    frac = np.clip((metres - lo) / (hi - lo), 0.0, 1.0)
    between = leave[k - 1] + frac * (arrive[k] - leave[k - 1])
    tol = 1e-9 * max(float(cum[-1]), 1.0)
    at_lo = np.abs(metres - lo) <= tol
    at_hi = np.abs(metres - hi) <= tol
    if side == "first":
        return np.where(at_lo, arrive[k - 1], np.where(at_hi, arrive[k], between))
    return np.where(at_hi, leave[k], np.where(at_lo, leave[k - 1], between))
