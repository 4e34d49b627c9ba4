"""Plausibility warnings on added and corrected cameras: likely duplicates, far from streets, facing a wall, bursts.

DeFlock's users upload cameras straight to OpenStreetMap and now fight fake ones
(deflock #142, RFC #146 asks for duplicate checks within 15-25 m and
plausibility warnings). Here every warning is shown before a camera is saved
and recorded with it, and a report lists them over the whole store; a warning
never blocks: the group decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyproj
import shapely
from scipy.spatial import cKDTree

from exposure import settings
from exposure.crs import WGS84, local_crs
from exposure.network import NetworkIndex
from exposure.review.agreement import overlay_reviews
from exposure.review.records import ReviewWarning, check_position, reviewer_key, utc_text
from exposure.review.store import ReviewStore

__all__ = [
    "REPORT_COLUMNS",
    "WARNING_CODES",
    "StreetLines",
    "basemap_buildings",
    "check_camera",
    "plausibility_report",
    "street_lines",
]

#: The checks, by the code recorded with each warning.
WARNING_CODES: dict[str, str] = {
    "duplicate": "another camera of the same kind within settings.review_duplicate_m (15 m): a likely duplicate",
    "far_from_street": "farther than settings.review_street_max_m (50 m) from any street",
    "into_wall": "its direction points into the wall of the building it hangs on",
    "burst": "its reviewer added settings.review_burst_count cameras within settings.review_burst_minutes",
}
#: Columns of a plausibility report.
REPORT_COLUMNS: tuple[str, ...] = ("code", "camera_id", "other_id", "reviewer", "message")


@dataclass(frozen=True)
class StreetLines:
    """Street centre lines in a metric CRS with a spatial index: build once per dataset, reuse for every check."""

    crs: str
    lines: np.ndarray
    tree: shapely.STRtree

    def distance_m(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Distance from each point to the nearest street, in metres (inf without streets)."""
        x, y = pyproj.Transformer.from_crs(WGS84, self.crs, always_xy=True).transform(lon, lat)
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        out = np.full(len(points), np.inf)
        if len(self.lines) and len(points):
            (which, _), distance = self.tree.query_nearest(points, return_distance=True, all_matches=False)
            out[which] = distance
        return out


def street_lines(streets: NetworkIndex | Sequence[np.ndarray]) -> StreetLines:
    """Street lines from a dataset's :class:`~exposure.network.NetworkIndex` or from lon/lat polylines.

    Parameters
    ----------
    streets
        The network's array form (each street once, in its metric CRS), or
        polylines as ``(n, 2)`` arrays of lon/lat (measured in the local UTM zone).
    """
    if isinstance(streets, NetworkIndex):
        lines = [shapely.linestrings(streets.edge_xy(int(i))) for i in streets.street_edges
                 if streets.geom_start[i + 1] - streets.geom_start[i] >= 2]
        crs = streets.crs
    else:
        polylines = [np.asarray(p, dtype=float).reshape(-1, 2) for p in streets]
        polylines = [p for p in polylines if len(p) >= 2]
        every = np.concatenate(polylines) if polylines else np.zeros((1, 2))
        crs = local_crs(float(every[:, 0].mean()), float(every[:, 1].mean())).to_string()
        to_xy = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
        lines = [shapely.linestrings(np.column_stack(to_xy.transform(p[:, 0], p[:, 1]))) for p in polylines]
    array = np.asarray(lines, dtype=object)
    return StreetLines(crs=crs, lines=array, tree=shapely.STRtree(array))


def basemap_buildings(basemap: Mapping[str, Sequence[Sequence[Sequence[float]]]]) -> list[Any]:
    """Building outlines (shapely polygons in lon/lat) from a dataset's basemap, for the check on walls.

    Parameters
    ----------
    basemap
        A dataset's ``basemap`` (``{"building": [ring, …], …}``, each ring a list of ``[lon, lat]``).

    Returns
    -------
    list
        One polygon per ring of three or more corners.
    """
    rings = [np.asarray(ring, dtype=float) for ring in basemap.get("building", [])]
    return [shapely.polygons(ring) for ring in rings if ring.ndim == 2 and len(ring) >= 4]


def check_camera(
    lon: float, lat: float, *, kind: str | None = None, direction_deg: float | None = None, camera_id: str = "",
    cameras: pd.DataFrame | None = None, streets: StreetLines | NetworkIndex | Sequence[np.ndarray] | None = None,
    buildings: Iterable[Any] | None = None, reviewer: str | None = None, added: pd.DataFrame | None = None,
    when: datetime | None = None,
) -> list[ReviewWarning]:
    """Warnings about a camera before it is saved (added, or its kind or direction corrected).

    Parameters
    ----------
    lon, lat
        Where it is.
    kind, direction_deg
        What the reviewer says it is and where it looks.
    camera_id
        Its id when it is already known (a correction), so it is not its own duplicate.
    cameras
        The camera table in use, with the group's cameras (an overlay's ``cameras``).
    streets
        The dataset's streets (:func:`street_lines`, a ``NetworkIndex``, or lon/lat polylines).
    buildings
        Building outlines as shapely polygons in lon/lat (optional).
    reviewer, added, when
        Who adds it, the cameras the store holds (:meth:`ReviewStore.added_cameras`)
        and when (default now): for the check on many cameras added in a short time.

    Returns
    -------
    list of ReviewWarning
        The warnings (none when it looks plausible); pass them to
        :meth:`ReviewStore.add_camera` or :meth:`ReviewStore.add_review` to record them.
    """
    lon_f, lat_f = check_position(lon, lat)
    probe = pd.DataFrame({"camera_id": [camera_id], "lon": [lon_f], "lat": [lat_f], "kind": [kind or "unknown"],
                          "direction_deg": [np.nan if direction_deg is None else float(direction_deg)]})
    out = _duplicates(probe, cameras if cameras is not None else probe.iloc[:0])
    if streets is not None:
        out += _far_from_streets(probe, streets)
    if buildings is not None:
        out += _into_walls(probe, buildings)
    if reviewer is not None and added is not None:
        stamp = utc_text(when)
        history = pd.concat([added[["camera_id", "added_by", "added_utc"]], pd.DataFrame(
            {"camera_id": [camera_id or "(new)"], "added_by": [reviewer], "added_utc": [stamp]})], ignore_index=True)
        out += [w for w in _bursts(history) if w.camera_id == (camera_id or "(new)")]
    if not camera_id:
        # the new camera's id is given when it is saved: the store fills it in
        out = [ReviewWarning(w.code, w.message, "", w.other_id, w.review_id, w.reviewer) for w in out]
    return out


def plausibility_report(
    store: ReviewStore, cameras: pd.DataFrame | None = None, *,
    streets: StreetLines | NetworkIndex | Sequence[np.ndarray] | None = None, buildings: Iterable[Any] | None = None,
    record: bool = True,
) -> pd.DataFrame:
    """Warnings over a whole store: its added cameras, and the cameras whose direction the group set.

    Parameters
    ----------
    store
        The review store.
    cameras
        The camera table in use (before the group's reviews are laid over it);
        None checks the added cameras among themselves.
    streets, buildings
        As in :func:`check_camera`; a check without them is left out.
    record
        Record the warnings in the store (a warning recorded already is not repeated).

    Returns
    -------
    pandas.DataFrame
        One row per warning (:data:`REPORT_COLUMNS`), by code then camera.
    """
    base = cameras if cameras is not None else pd.DataFrame(columns=["camera_id", "lon", "lat", "source", "kind",
                                                                     "mount", "operator", "direction_deg"])
    overlay = overlay_reviews(_with_schema(base), store)
    table = overlay.cameras
    added = store.added_cameras()
    added_ids = set(added["camera_id"])
    is_added = table["camera_id"].isin(added_ids).to_numpy()
    directed = table["camera_id"].isin(
        overlay.verdicts.loc[overlay.verdicts["direction_deg"].notna(), "camera_id"]).to_numpy()
    checked = table[is_added | directed].reset_index(drop=True)
    found = _duplicates(table[is_added].reset_index(drop=True), table, added_utc=added.set_index("camera_id")[
        "added_utc"].to_dict())
    if streets is not None:
        found += _far_from_streets(table[is_added].reset_index(drop=True), streets)
    if buildings is not None:
        found += _into_walls(checked, buildings)
    live = added[added["camera_id"].isin(set(table["camera_id"]))]
    found += _bursts(live)
    if record and found:
        store.record_warnings(found)
    rows = [(w.code, w.camera_id, w.other_id, w.reviewer, w.message) for w in found]
    report = pd.DataFrame(rows, columns=list(REPORT_COLUMNS), dtype=object)
    return report.sort_values(["code", "camera_id", "other_id"]).reset_index(drop=True)


def _with_schema(cameras: pd.DataFrame) -> pd.DataFrame:
    """A minimal camera table (enough for an overlay) from whatever columns a caller has."""
    defaults: dict[str, Any] = {"source": "", "kind": "unknown", "mount": "unknown", "operator": "unknown",
                                "direction_deg": np.nan, "fov_deg": np.nan, "height_m": np.nan,
                                "verification": "unverified", "agreement": "", "reports": 0, "observed": None,
                                "frt_tier": "medium"}
    out = cameras.copy()
    for column, value in defaults.items():
        if column not in out.columns:
            out[column] = value
    return out


def _metres(lon: np.ndarray, lat: np.ndarray, crs: pyproj.CRS | str) -> np.ndarray:
    x, y = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True).transform(lon, lat)
    return np.column_stack([np.asarray(x, dtype=float), np.asarray(y, dtype=float)])


def _duplicates(checked: pd.DataFrame, cameras: pd.DataFrame, *,
                added_utc: dict[str, str] | None = None) -> list[ReviewWarning]:
    """Each checked camera's nearest other camera of the same kind within ``review_duplicate_m``.

    Of two added cameras, only the one added later is flagged: it is the likely copy.
    """
    if checked.empty or cameras.empty:
        return []
    lon = np.concatenate([checked["lon"].to_numpy(float), cameras["lon"].to_numpy(float)])
    lat = np.concatenate([checked["lat"].to_numpy(float), cameras["lat"].to_numpy(float)])
    xy = _metres(lon, lat, local_crs(float(lon.mean()), float(lat.mean())))
    mine, theirs = xy[: len(checked)], xy[len(checked):]
    tree = cKDTree(theirs)
    kinds = cameras["kind"].astype(str).to_numpy()
    ids = cameras["camera_id"].astype(str).to_numpy()
    when = added_utc or {}
    out = []
    for row, point in zip(checked.itertuples(index=False), mine, strict=True):
        near = [j for j in tree.query_ball_point(point, settings.review_duplicate_m)
                if ids[j] != row.camera_id and kinds[j] == str(row.kind)
                and not (ids[j] in when and row.camera_id in when and when[ids[j]] > when[row.camera_id])]
        if not near:
            continue
        distance = np.hypot(*(theirs[near] - point).T)
        j = near[int(np.argmin(distance))]
        out.append(ReviewWarning(
            "duplicate", f"likely duplicate: camera {ids[j]} of the same kind ({kinds[j]}) is "
                         f"{distance.min():.0f} m away (within {settings.review_duplicate_m:g} m); merge them if "
                         "they are one camera", camera_id=row.camera_id, other_id=ids[j]))
    return out


def _far_from_streets(checked: pd.DataFrame, streets: StreetLines | NetworkIndex | Sequence[np.ndarray]
                      ) -> list[ReviewWarning]:
    if checked.empty:
        return []
    lines = streets if isinstance(streets, StreetLines) else street_lines(streets)
    distance = lines.distance_m(checked["lon"].to_numpy(float), checked["lat"].to_numpy(float))
    limit = settings.review_street_max_m
    return [ReviewWarning("far_from_street",
                          ("no street to measure from" if not np.isfinite(d) else f"{d:.0f} m from the nearest street")
                          + f" (more than {limit:g} m); check its position", camera_id=camera_id)
            for camera_id, d in zip(checked["camera_id"], distance, strict=True) if d > limit]


def _into_walls(checked: pd.DataFrame, buildings: Iterable[Any]) -> list[ReviewWarning]:
    """Cameras near a building whose direction leads deeper into it: they would film the wall they hang on."""
    with_direction = checked[checked["direction_deg"].notna()].reset_index(drop=True)
    outlines = np.asarray([g for g in buildings if g is not None and not shapely.is_empty(g)], dtype=object)
    if with_direction.empty or not len(outlines):
        return []
    lon, lat = with_direction["lon"].to_numpy(float), with_direction["lat"].to_numpy(float)
    crs = local_crs(float(lon.mean()), float(lat.mean()))
    to_xy = pyproj.Transformer.from_crs(WGS84, crs, always_xy=True)
    polygons = shapely.transform(outlines, lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1])))
    tree = shapely.STRtree(polygons)
    xy = _metres(lon, lat, crs)
    angle = np.deg2rad(with_direction["direction_deg"].to_numpy(float))
    ahead = xy + settings.review_wall_probe_m * np.column_stack([np.sin(angle), np.cos(angle)])
    near = settings.review_wall_near_m
    out = []
    for i, row in enumerate(with_direction.itertuples(index=False)):
        here, there = shapely.points(xy[i]), shapely.points(ahead[i])
        for k in tree.query(here, predicate="dwithin", distance=near):
            polygon = polygons[k]
            depth_here, depth_there = _depth(polygon, here), _depth(polygon, there)
            if depth_there > 0 and depth_there > max(depth_here, 0.0) + 0.5:
                out.append(ReviewWarning(
                    "into_wall", f"its direction ({row.direction_deg:.0f}°) points into the building it hangs on; "
                                 "check the direction (it looks away from the wall)", camera_id=row.camera_id))
                break
    return out


def _depth(polygon: Any, point: Any) -> float:
    """How far a point lies inside a polygon, in metres; negative outside."""
    distance = float(shapely.distance(shapely.boundary(polygon), point))
    return distance if shapely.contains(polygon, point) else -distance


def _bursts(added: pd.DataFrame) -> list[ReviewWarning]:
    """Cameras one reviewer added while adding ``review_burst_count`` within ``review_burst_minutes``."""
    if added.empty:
        return []
    count, window = settings.review_burst_count, pd.Timedelta(minutes=settings.review_burst_minutes)
    out = []
    keys = added["added_by"].map(reviewer_key)
    for _, group in added.groupby(keys.to_numpy(), sort=True):
        ordered = group.sort_values(["added_utc", "camera_id"])
        times = pd.to_datetime(ordered["added_utc"].str.replace("Z", "", regex=False)).to_numpy()
        first = np.searchsorted(times, times - window.to_timedelta64(), side="right")
        within = np.arange(len(times)) - first + 1
        for row, n in zip(ordered.itertuples(index=False), within, strict=True):
            if n >= count:
                out.append(ReviewWarning(
                    "burst", f"{row.added_by} added {n} cameras within {settings.review_burst_minutes:g} minutes; "
                             "check them before they count", camera_id=row.camera_id, reviewer=row.added_by))
    return out
