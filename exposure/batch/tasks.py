"""The work of one chunk of a batch, on a worker: what every pair is asked, and its route or audit rows."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from exposure import _search, settings
from exposure._errors import ExposureError
from exposure.audit import audit_track, read_track
from exposure.datasets import Dataset
from exposure.places import Place, resolve_place
from exposure.routing import routes

__all__ = [
    "ROUTE_COLUMNS",
    "TRACK_FILE_COLUMNS",
    "BatchRequest",
    "prepare_worker",
    "route_chunk",
    "route_row_columns",
    "track_chunk",
]

#: Columns of a route batch's output, one row per route (the documented ``route`` JSON fields,
#: plus the pair they answer and an ``error`` for a pair that could not be routed); the pairs
#: file's other columns follow them.
ROUTE_COLUMNS = (
    "pair_id", "origin", "destination", "origin_lon", "origin_lat", "destination_lon", "destination_lat",
    "label", "objective", "length_m", "walk_min", "cameras", "frt_cameras", "camera_ids", "frt_camera_ids",
    "metres_in_view", "metres_in_view_any", "share_in_view", "optimal", "notes", "error",
)
#: Columns of a track batch's output, one row per track file (the documented ``audit`` JSON fields;
#: not :data:`exposure.audit.TRACK_COLUMNS`, which has one row per track inside one file).
TRACK_FILE_COLUMNS = (
    "track", "length_m", "cameras", "frt_cameras", "camera_ids", "frt_camera_ids", "metres_in_view",
    "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total", "error",
)
_INTEGER_COLUMNS = ("cameras", "frt_cameras")
_FLOAT_COLUMNS = ("origin_lon", "origin_lat", "destination_lon", "destination_lat", "length_m", "walk_min",
                  "metres_in_view", "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total")
_TEXT_COLUMNS = ("label", "objective", "error", "track", "pair_id", "origin", "destination")
# how each pair is carried through a chunk, beside the user's own columns
_PAIR_KEYS = ("pair_id", "origin", "destination", "pair_pos")


@dataclass(frozen=True)
class BatchRequest:
    """What every pair (or track) of a batch is asked: the same options a single ``route``/``audit`` takes."""

    objective: str = "fewest-cameras"
    max_detour: float = settings.max_detour
    alternatives: int = 0
    frt_policy: str = "default"
    verification: str = "default"
    radius_m: float | None = None
    time_limit_s: float | None = None
    coverage_model: str | None = None
    level: str | None = None

    def key(self) -> str:
        """A short hash of the request, so that resumed parts are never mixed with another request's."""
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()[:12]


class _Places:
    """A worker's place resolver for one chunk: each text resolved once, its failure remembered too."""

    def __init__(self, ds: Dataset) -> None:
        self.ds = ds
        self.tree = ds.node_tree
        self.found: dict[str, Place | ExposureError] = {}

    def __call__(self, text: str) -> Place:
        if text not in self.found:
            try:
                self.found[text] = resolve_place(text, self.ds.index, self.ds.places, tree=self.tree)
            except ExposureError as err:
                self.found[text] = err
        hit = self.found[text]
        if isinstance(hit, ExposureError):
            raise hit
        return hit


def route_row_columns(pairs: pd.DataFrame) -> list[str]:
    """The columns of the route rows of these pairs: :data:`ROUTE_COLUMNS`, then the pairs' own other columns."""
    return [*ROUTE_COLUMNS, *(c for c in pairs.columns if c not in _PAIR_KEYS and c not in ROUTE_COLUMNS)]


def route_chunk(ds: Dataset, pairs: pd.DataFrame, request: BatchRequest) -> pd.DataFrame:
    """Route every pair of a chunk as ``python -m exposure route`` would, one row per route.

    A pair that cannot be routed (an unknown place, a point off the map, no
    route) gives one row with its ``error`` instead of failing the chunk. The
    context and the KD-tree over the street nodes are built once per worker
    (memoised on the dataset the worker holds). Columns of ``pairs`` beyond
    ``pair_id``, ``origin`` and ``destination`` are carried on to each of the pair's rows.
    """
    ctx = ds.context(frt_policy_spec=request.frt_policy, verification=request.verification,
                     radius_m=request.radius_m, coverage_model=request.coverage_model, level=request.level)
    place = _Places(ds)
    columns = route_row_columns(pairs)
    extra = columns[len(ROUTE_COLUMNS):]
    rows: list[dict[str, Any]] = []
    for pair in pairs.to_dict(orient="records"):
        own = {"pair_pos": pair.get("pair_pos"), "pair_id": pair["pair_id"], "origin": pair["origin"],
               "destination": pair["destination"], **{c: pair[c] for c in extra}}
        try:
            o, d = place(str(pair["origin"])), place(str(pair["destination"]))
            found = routes(ctx, o.node, d.node, objective=request.objective, max_detour=request.max_detour,
                           alternatives=request.alternatives, time_limit_s=request.time_limit_s)
        except (ExposureError, ValueError) as err:
            rows.append({**own, "error": str(err)})
            continue
        for r in found:
            rec = r.to_dict()
            rows.append({
                **own, "origin_lon": o.lon, "origin_lat": o.lat, "destination_lon": d.lon, "destination_lat": d.lat,
                **{k: rec[k] for k in ROUTE_COLUMNS if k in rec}, "error": None,
                "coordinates": rec["geometry"]["coordinates"],
            })
    table = _frame(rows, columns)
    table["pair_pos"] = [r.get("pair_pos") for r in rows]
    return table


def prepare_worker(ds: Dataset, request: BatchRequest) -> float:
    """Build a worker's routing context and node tree once, before its first chunk; the seconds it took."""
    started = time.perf_counter()
    ds.context(frt_policy_spec=request.frt_policy, verification=request.verification, radius_m=request.radius_m,
               coverage_model=request.coverage_model, level=request.level)
    _ = ds.node_tree
    _search.warm_up()
    return time.perf_counter() - started


def track_chunk(cameras: pd.DataFrame, files: Sequence[str], request: BatchRequest) -> pd.DataFrame:
    """Audit each track file of a chunk as ``python -m exposure audit`` would, one row per file."""
    rows: list[dict[str, Any]] = []
    for name in files:
        try:
            track = read_track(name)
            result = audit_track(track, cameras, frt_policy=request.frt_policy, verification=request.verification,
                                 radius_m=request.radius_m, coverage_model=request.coverage_model,
                                 level=request.level)
        except (ExposureError, ValueError) as err:
            rows.append({"track": name, "error": str(err)})
            continue
        rec = result.to_dict()
        rows.append({"track": name, **{k: rec.get(k) for k in TRACK_FILE_COLUMNS if k in rec}, "error": None,
                     "coordinates": np.asarray(track.coordinates).tolist()})
    return _frame(rows, TRACK_FILE_COLUMNS)


def _frame(rows: list[dict[str, Any]], columns: Sequence[str]) -> pd.DataFrame:
    table = pd.DataFrame(rows, columns=[*columns, "coordinates"])
    for col in ("camera_ids", "frt_camera_ids", "notes"):
        if col in table:
            # lists as JSON text: a column Parquet, CSV and spreadsheets all read the same way
            table[col] = [json.dumps(list(v)) if isinstance(v, (list, tuple)) else None for v in table[col]]
    # a failed pair has no figures: empty cells of the right type, not NaN floats or 0
    for col in _INTEGER_COLUMNS:
        if col in table:
            table[col] = table[col].astype("Int64")
    for col in _FLOAT_COLUMNS:
        if col in table:
            table[col] = table[col].astype("Float64")
    if "optimal" in table:
        table["optimal"] = table["optimal"].astype("boolean")
    for col in _TEXT_COLUMNS:
        if col in table:
            table[col] = table[col].astype("string")
    return table
