"""Exposure in bulk on Dask: many origin-destination pairs, or many recorded walks, one row per route."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import shutil
import sys
import time
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import BatchError, ExposureError
from exposure._parse import check_csv_columns, check_size, csv_error_detail, first_line, limit_message
from exposure.places import parse_lat_lon

if TYPE_CHECKING:
    from exposure.datasets import Dataset

__all__ = [
    "ROUTE_COLUMNS",
    "TRACK_COLUMNS",
    "BatchRequest",
    "BatchResult",
    "local_client",
    "pairs_from_points",
    "prepare_worker",
    "read_pairs",
    "read_points",
    "route_chunk",
    "rows_to_bytes",
    "run_batch",
    "track_chunk",
    "track_files",
    "write_rows",
]

#: Columns of a route batch's output, one row per route (the documented ``route`` JSON fields,
#: plus the pair they answer and an ``error`` for a pair that could not be routed).
ROUTE_COLUMNS = (
    "pair_id", "origin", "destination", "origin_lon", "origin_lat", "destination_lon", "destination_lat",
    "label", "objective", "length_m", "walk_min", "cameras", "frt_cameras", "camera_ids", "frt_camera_ids",
    "metres_in_view", "metres_in_view_any", "share_in_view", "optimal", "notes", "error",
)
#: Columns of a track batch's output, one row per track file (the documented ``audit`` JSON fields).
TRACK_COLUMNS = (
    "track", "length_m", "cameras", "frt_cameras", "camera_ids", "frt_camera_ids", "metres_in_view",
    "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total", "error",
)
_ORIGIN_NAMES = ("origin", "from", "start", "o")
_DESTINATION_NAMES = ("destination", "to", "end", "d")
_ID_NAMES = ("id", "pair_id", "name")
_TRACK_SUFFIXES = (".gpx", ".geojson", ".json")


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

    def key(self) -> str:
        """A short hash of the request, so that resumed parts are never mixed with another request's."""
        return hashlib.sha256(json.dumps(self.__dict__, sort_keys=True).encode()).hexdigest()[:12]


@dataclass
class BatchResult:
    """A finished batch: the rows, where they were written, and figures for the summary.

    ``seconds`` is the whole job; ``setup_s`` the part spent sending the dataset
    and building each worker's routing context, before any pair was routed.
    """

    rows: pd.DataFrame
    out: Path | None
    chunks: int
    chunks_resumed: int
    seconds: float
    workers: int
    setup_s: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


# --- reading pairs ------------------------------------------------------------------------------


def _read_table(path: Path, *, what: str, data: bytes | None = None) -> pd.DataFrame:
    """A CSV or Parquet file of at most ``settings.max_pairs_file_mb`` and ``settings.max_batch_pairs`` rows."""
    if data is None and not path.is_file():
        msg = f"{what} file not found: {path}"
        raise BatchError(msg)
    size = len(data) if data is not None else path.stat().st_size
    check_size(size, where=f"{what} file {path}", setting="max_pairs_file_mb", what="it", error=BatchError)
    source: Any = path if data is None else io.BytesIO(data)
    parquet = path.suffix.lower() in {".parquet", ".pq"}
    if not parquet:
        if data is None:
            with path.open("rb") as handle:
                head = handle.read(1 << 20)
        else:
            head = data[: 1 << 20]
        check_csv_columns(head, where=f"{what} file {path}", error=BatchError)
    try:
        if parquet:
            table = pd.read_parquet(source)
        else:
            table = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig",
                                nrows=settings.max_batch_pairs + 1)
    except pd.errors.ParserError as err:
        msg = f"{what} file {path} cannot be read as CSV ({csv_error_detail(err)}); check the quoting on that line"
        raise BatchError(msg) from err
    except (OSError, ValueError, UnicodeDecodeError) as err:
        msg = f"{what} file {path} cannot be read as CSV or Parquet: {first_line(err)}"
        raise BatchError(msg) from err
    if len(table) > settings.max_batch_pairs:
        msg = limit_message(f"{what} file {path} has more than {settings.max_batch_pairs:,} rows", "max_batch_pairs",
                            "split it into several jobs")
        raise BatchError(msg)
    return table


def _column(table: pd.DataFrame, names: Sequence[str]) -> str | None:
    lower = {str(c).strip().lower(): c for c in table.columns}
    return next((lower[n] for n in names if n in lower), None)


def _points(table: pd.DataFrame, prefix_names: Sequence[str], *, path: Path, what: str) -> pd.Series:
    """One place text per row: a column of names or ``lat,lon``, or two columns ``<prefix>_lat``/``_lon``."""
    col = _column(table, prefix_names)
    if col is not None:
        return table[col].astype(str).str.strip()
    for prefix in prefix_names:
        lat = _column(table, (f"{prefix}_lat", f"{prefix}_latitude"))
        lon = _column(table, (f"{prefix}_lon", f"{prefix}_lng", f"{prefix}_longitude"))
        if lat is not None and lon is not None:
            return table[lat].astype(str).str.strip() + "," + table[lon].astype(str).str.strip()
    msg = (f"{path}: no {what} column; give a column {prefix_names[0]!r} (a place name or 'lat,lon') or two "
           f"columns {prefix_names[0]}_lat and {prefix_names[0]}_lon")
    raise BatchError(msg)


def read_pairs(path: str | Path, *, data: bytes | None = None) -> pd.DataFrame:
    """Origin-destination pairs from a CSV or Parquet file (or its ``data``, read from memory).

    Columns: ``origin`` and ``destination`` (a place name of the dataset or
    ``lat,lon``), or ``origin_lat``/``origin_lon`` and ``destination_lat``/
    ``destination_lon``; optional ``id``. Returns ``pair_id``, ``origin``,
    ``destination`` (texts); a row with an empty place is kept, and fails on its own.
    With ``data``, ``path`` is only the file's name (for its suffix and messages):
    an upload is never written to disk.
    """
    path = Path(path)
    table = _read_table(path, what="pairs", data=data)
    if table.empty:
        msg = f"pairs file {path} has no rows"
        raise BatchError(msg)
    origin = _points(table, _ORIGIN_NAMES, path=path, what="origin")
    destination = _points(table, _DESTINATION_NAMES, path=path, what="destination")
    ident = _column(table, _ID_NAMES)
    ids = table[ident].astype(str) if ident is not None else pd.Series([str(i + 1) for i in range(len(table))])
    return pd.DataFrame({"pair_id": ids.to_numpy(), "origin": origin.to_numpy(),
                         "destination": destination.to_numpy()})


def read_points(path: str | Path) -> pd.DataFrame:
    """Named points from CSV/Parquet: ``name`` (optional) and ``place`` or ``lat``/``lon``; ``point_id``, ``place``."""
    path = Path(path)
    table = _read_table(path, what="points")
    if table.empty:
        msg = f"points file {path} has no rows"
        raise BatchError(msg)
    place = _column(table, ("place", "point", "location"))
    if place is not None:
        texts = table[place].astype(str).str.strip()
    else:
        lat, lon = _column(table, ("lat", "latitude", "y")), _column(table, ("lon", "lng", "longitude", "x"))
        if lat is None or lon is None:
            msg = f"{path}: give a column 'place' (a name or 'lat,lon') or two columns 'lat' and 'lon'"
            raise BatchError(msg)
        texts = table[lat].astype(str).str.strip() + "," + table[lon].astype(str).str.strip()
    ident = _column(table, ("name", "id", "point_id"))
    ids = table[ident].astype(str) if ident is not None else pd.Series([str(i + 1) for i in range(len(table))])
    return pd.DataFrame({"point_id": ids.to_numpy(), "place": texts.to_numpy()})


def _lonlat(text: str) -> tuple[float, float] | None:
    try:
        point = parse_lat_lon(text)
    except ExposureError:
        return None
    return None if point is None else (point[1], point[0])


def pairs_from_points(origins: pd.DataFrame, destinations: pd.DataFrame, *, nearest: int | None = None,
                      resolve: Callable[[str], tuple[float, float]] | None = None) -> pd.DataFrame:
    """Every origin with every destination, or with its ``nearest`` destinations in a straight line.

    ``resolve`` turns a place text into (lon, lat) for the nearest choice (a
    dataset's place resolver); ``lat,lon`` texts need none.
    """
    if nearest is not None and nearest < 1:
        msg = f"--nearest must be at least 1, got {nearest}"
        raise BatchError(msg)
    n_pairs = len(origins) * (len(destinations) if nearest is None else min(nearest, len(destinations)))
    if n_pairs > settings.max_batch_pairs:
        msg = limit_message(f"{len(origins):,} origins and {len(destinations):,} destinations make {n_pairs:,} pairs",
                            "max_batch_pairs", "give --nearest K, or fewer points")
        raise BatchError(msg)
    if nearest is None or nearest >= len(destinations):
        o = np.repeat(np.arange(len(origins)), len(destinations))
        d = np.tile(np.arange(len(destinations)), len(origins))
    else:
        def where(texts: Iterable[str]) -> np.ndarray:
            out = []
            for t in texts:
                ll = _lonlat(t)
                if ll is None:
                    if resolve is None:
                        msg = f"place {t!r} is not 'lat,lon'; nearest destinations need coordinates or a dataset"
                        raise BatchError(msg)
                    ll = resolve(t)
                out.append(ll)
            return np.asarray(out, dtype=float).reshape(-1, 2)

        o_ll, d_ll = where(origins["place"]), where(destinations["place"])
        scale = math.cos(math.radians(float(np.nanmean(o_ll[:, 1])) if len(o_ll) else 0.0))
        from scipy.spatial import cKDTree  # noqa: PLC0415 - only needed for --nearest

        # a tree over the destinations: time and memory grow with the points, not with their product
        tree = cKDTree(np.column_stack([d_ll[:, 0] * scale, d_ll[:, 1]]))
        _, found = tree.query(np.column_stack([o_ll[:, 0] * scale, o_ll[:, 1]]), k=nearest)
        order = np.asarray(found, dtype=np.int64).reshape(len(o_ll), nearest)
        o = np.repeat(np.arange(len(origins)), nearest)
        d = order.ravel()
    oid, did = origins["point_id"].to_numpy()[o], destinations["point_id"].to_numpy()[d]
    return pd.DataFrame({"pair_id": [f"{a} → {b}" for a, b in zip(oid, did, strict=True)],
                         "origin": origins["place"].to_numpy()[o], "destination": destinations["place"].to_numpy()[d]})


def track_files(folder: str | Path) -> list[Path]:
    """The GPX and GeoJSON files in a folder (not its subfolders), sorted."""
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"tracks folder not found: {folder}"
        raise BatchError(msg)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in _TRACK_SUFFIXES)
    if not files:
        msg = f"no .gpx, .geojson or .json track in {folder}"
        raise BatchError(msg)
    return files


# --- the work of one chunk (runs on a worker) ---------------------------------------------------


def _error_row(pair: Any, err: Exception) -> dict[str, Any]:
    return {"pair_id": pair.pair_id, "origin": pair.origin, "destination": pair.destination, "error": str(err),
            "pair_pos": getattr(pair, "pair_pos", None)}


def route_chunk(ds: Dataset, pairs: pd.DataFrame, request: BatchRequest) -> pd.DataFrame:
    """Route every pair of a chunk as ``python -m exposure route`` would, one row per route.

    A pair that cannot be routed (an unknown place, a point off the map, no
    route) gives one row with its ``error`` instead of failing the chunk. The
    context and the KD-tree over the street nodes are built once per worker
    (memoised on the dataset the worker holds).
    """
    from exposure.places import resolve_place  # noqa: PLC0415
    from exposure.routing import routes  # noqa: PLC0415

    ctx = ds.context(frt_policy_spec=request.frt_policy, verification=request.verification,
                     radius_m=request.radius_m)
    tree = ds.node_tree
    resolved: dict[str, Any] = {}

    def place(text: str) -> Any:
        if text not in resolved:
            try:
                resolved[text] = resolve_place(text, ds.index, ds.places, tree=tree)
            except ExposureError as err:
                resolved[text] = err
        hit = resolved[text]
        if isinstance(hit, ExposureError):
            raise hit
        return hit

    rows: list[dict[str, Any]] = []
    for pair in pairs.itertuples(index=False):
        try:
            o, d = place(str(pair.origin)), place(str(pair.destination))
            found = routes(ctx, o.node, d.node, objective=request.objective, max_detour=request.max_detour,
                           alternatives=request.alternatives, time_limit_s=request.time_limit_s)
        except (ExposureError, ValueError) as err:
            rows.append(_error_row(pair, err))
            continue
        for r in found:
            rec = r.to_dict()
            rows.append({
                "pair_pos": getattr(pair, "pair_pos", None),
                "pair_id": pair.pair_id, "origin": pair.origin, "destination": pair.destination,
                "origin_lon": o.lon, "origin_lat": o.lat, "destination_lon": d.lon, "destination_lat": d.lat,
                **{k: rec[k] for k in ROUTE_COLUMNS if k in rec}, "error": None,
                "coordinates": rec["geometry"]["coordinates"],
            })
    table = _frame(rows, ROUTE_COLUMNS)
    table["pair_pos"] = [r.get("pair_pos") for r in rows]
    return table


def prepare_worker(ds: Dataset, request: BatchRequest) -> float:
    """Build a worker's routing context and node tree once, before its first chunk; the seconds it took."""
    from exposure import _search  # noqa: PLC0415

    started = time.perf_counter()
    ds.context(frt_policy_spec=request.frt_policy, verification=request.verification, radius_m=request.radius_m)
    _ = ds.node_tree
    _search.warm_up()
    return time.perf_counter() - started


def track_chunk(cameras: pd.DataFrame, files: Sequence[str], request: BatchRequest) -> pd.DataFrame:
    """Audit each track file of a chunk as ``python -m exposure audit`` would, one row per file."""
    from exposure.audit import audit_track, read_track  # noqa: PLC0415

    rows: list[dict[str, Any]] = []
    for name in files:
        try:
            track = read_track(name)
            result = audit_track(track, cameras, frt_policy=request.frt_policy, verification=request.verification,
                                 radius_m=request.radius_m)
        except (ExposureError, ValueError) as err:
            rows.append({"track": name, "error": str(err)})
            continue
        rec = result.to_dict()
        rows.append({"track": name, **{k: rec.get(k) for k in TRACK_COLUMNS if k in rec}, "error": None,
                     "coordinates": np.asarray(track.coordinates).tolist()})
    return _frame(rows, TRACK_COLUMNS)


_INTEGER_COLUMNS = ("cameras", "frt_cameras")
_FLOAT_COLUMNS = ("origin_lon", "origin_lat", "destination_lon", "destination_lat", "length_m", "walk_min",
                  "metres_in_view", "metres_in_view_any", "share_in_view", "seconds_in_view", "seconds_total")


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
    for col in ("label", "objective", "error", "track", "pair_id", "origin", "destination"):
        if col in table:
            table[col] = table[col].astype("string")
    return table


# --- the driver ------------------------------------------------------------------------------------


def _chunks(n: int, size: int) -> list[tuple[int, int]]:
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def _part_name(index: int, ids: Sequence[str], request_key: str) -> str:
    digest = hashlib.sha256(("\x1f".join(map(str, ids)) + request_key).encode()).hexdigest()[:10]
    return f"chunk-{index:06d}-{digest}.parquet"


def _write_part(table: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(path)  # a part is there whole or not at all: a resumed run trusts what it finds


@dataclass
class _Progress:
    total: int
    say: Callable[[str], None]
    done: int = 0
    started: float = field(default_factory=time.perf_counter)
    last: float = 0.0

    def step(self) -> None:
        self.done += 1
        now = time.perf_counter()
        if now - self.last < 2.0 and self.done < self.total:
            return
        self.last = now
        elapsed = now - self.started
        rate = self.done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - self.done) / rate if rate > 0 else math.inf
        eta_txt = f", about {eta:,.0f} s to go" if math.isfinite(eta) and self.done < self.total else ""
        self.say(f"{self.done:,}/{self.total:,} chunks done ({rate:,.2f} per second){eta_txt}")


def _client(scheduler: str | None, workers: int | None) -> tuple[Any, int]:
    """A Dask client: to a running scheduler, or to a LocalCluster on this machine (127.0.0.1, no dashboard)."""
    try:
        from distributed import Client  # noqa: PLC0415
    except ImportError as err:  # pragma: no cover - a pinned dependency
        msg = "bulk work needs dask.distributed: pip install -r requirements.txt"
        raise BatchError(msg) from err
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as err:
            msg = f"cannot reach the Dask scheduler at {scheduler!r} ({err}); start it with `dask scheduler`"
            raise BatchError(msg) from err
        return client, len(client.scheduler_info(n_workers=-1)["workers"])
    client = local_client(workers)
    return client, len(client.scheduler_info(n_workers=-1)["workers"])


def local_client(workers: int | None = None, *, processes: bool = True) -> Any:
    """A ``distributed.Client`` on a new LocalCluster of this machine: one single-threaded worker process per core.

    Every port listens on the loopback interface only, with no dashboard. A
    worker never spills to disk (pairs and routes say where people go): short of
    memory it pauses, as Dask does at 80 %. Close the client and its ``cluster``
    when done.
    """
    import os  # noqa: PLC0415

    import dask  # noqa: PLC0415
    from distributed import Client, LocalCluster  # noqa: PLC0415

    n = workers or os.cpu_count() or 1
    with _plain_main(), dask.config.set(LOCAL_WORKER_CONFIG):
        # the diagnostics port is picked free, on loopback, so that two clusters never collide
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=40)
    return Client(cluster)


#: Dask settings of the local workers: nothing a task holds is written to disk.
LOCAL_WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
}


@contextlib.contextmanager
def _plain_main() -> Iterator[None]:
    """Start worker processes without running the caller's ``__main__`` again in each of them.

    Python starts a worker process by importing the parent's main script; a
    dashboard page or a notebook run as ``__main__`` would then run once more in
    every worker. The tasks only need this package, so the workers get an empty main.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def run_batch(
    dataset: Dataset | None, *, pairs: pd.DataFrame | None = None, tracks: Sequence[Path] | None = None,
    cameras: pd.DataFrame | None = None, request: BatchRequest | None = None, out: str | Path | None = None,
    resume: bool = False, scheduler: str | None = None, workers: int | None = None, chunk_size: int = 200,
    client: Any = None, progress: Callable[[str], None] | None = None,
) -> BatchResult:
    """Route many pairs, or audit many tracks, on a Dask cluster; one row per route (or track).

    The dataset (or the camera table, for tracks) is sent to each worker once
    and every task names it, so no task carries the network; each worker builds
    the routing context once. Pairs are sorted by origin and cut into chunks of
    ``chunk_size``; each finished chunk is written as a part beside ``out``
    (``<out>.parts/``), so a run stopped half-way and started again with
    ``resume`` skips the chunks already written. The result is the same as
    routing each pair alone with :func:`exposure.routing.routes`.

    Parameters
    ----------
    dataset
        The street network and cameras (not needed for tracks when ``cameras`` is given).
    pairs
        :func:`read_pairs` or :func:`pairs_from_points` output.
    tracks
        Track files to audit instead of pairs.
    cameras
        The cameras tracks are audited against (default: the dataset's).
    request
        The options every pair is routed with.
    out
        A ``.parquet`` (GeoParquet) or ``.csv`` file for all the rows; its parts
        folder holds the finished chunks while the job runs.
    resume
        Keep the parts an earlier run of the same request wrote and skip their chunks.
    scheduler
        Address of a running ``dask.distributed`` scheduler; default a
        ``LocalCluster`` on this machine with ``workers`` processes (default: every core).
    chunk_size
        Pairs (or tracks) per task.
    client
        An existing ``distributed.Client`` to use instead (it is not closed).
    """
    request = request or BatchRequest()
    say = progress or (lambda _m: None)
    if (pairs is None) == (tracks is None):
        msg = "give pairs to route or tracks to audit (one of them)"
        raise BatchError(msg)
    if chunk_size < 1:
        msg = f"chunk size must be at least 1, got {chunk_size}"
        raise BatchError(msg)
    if out is not None and Path(out).suffix.lower() not in _FORMAT_OF_SUFFIX:
        msg = f"cannot write {out}: give a .parquet (GeoParquet), .csv or .geojson file"
        raise BatchError(msg)
    if pairs is not None:
        if dataset is None:
            msg = "routing pairs needs a dataset"
            raise BatchError(msg)
        # chunks of pairs that share origins: each worker resolves and caches a place once
        items = pairs.assign(pair_pos=np.arange(len(pairs))).sort_values("origin", kind="stable")
        items = items.reset_index(drop=True)
        ids = items["pair_id"].astype(str).tolist()
    else:
        assert tracks is not None
        cams = cameras if cameras is not None else (dataset.cameras if dataset is not None else None)
        if cams is None:
            msg = "auditing tracks needs cameras: a dataset or a camera file"
            raise BatchError(msg)
        items = pd.DataFrame({"track": [str(t) for t in tracks]})
        ids = items["track"].tolist()
    spans = _chunks(len(items), chunk_size)
    names = [_part_name(i, ids[lo:hi], request.key()) for i, (lo, hi) in enumerate(spans)]
    parts = _parts_folder(out)
    if parts is not None:
        if parts.exists() and not resume:
            msg = (f"{parts} holds parts of an earlier run; add --resume to continue it, or delete the folder "
                   "to start again")
            raise BatchError(msg)
        parts.mkdir(parents=True, exist_ok=True)
    done = {n for n in names if parts is not None and (parts / n).is_file()}
    todo = [i for i, n in enumerate(names) if n not in done]
    if done:
        say(f"resuming: {len(done):,} of {len(names):,} chunks already written in {parts}")
    started = time.perf_counter()
    results: dict[int, pd.DataFrame] = {}
    own_client = client is None
    n_workers = 0
    setup = [0.0]
    if todo:
        if own_client:
            client, n_workers = _client(scheduler, workers)
        else:
            n_workers = len(client.scheduler_info(n_workers=-1)["workers"])
        try:
            say(f"{len(todo):,} chunks of up to {chunk_size} on {n_workers} Dask worker(s)")
            results = _run_chunks(client, dataset, items, spans, todo, names, parts, pairs is not None, cameras,
                                  request, _Progress(len(todo), say), setup)
        finally:
            if own_client:
                cluster = getattr(client, "cluster", None)
                client.close()
                if cluster is not None:
                    cluster.close()
    tables = []
    for i, name in enumerate(names):
        if i in results:
            tables.append(results[i])
        elif parts is not None and (parts / name).is_file():
            tables.append(pd.read_parquet(parts / name))
    columns = [*(ROUTE_COLUMNS if pairs is not None else TRACK_COLUMNS), "coordinates"]
    rows = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame(columns=[*columns, "pair_pos"])
    if "pair_pos" in rows:  # back in the order of the pairs file, routes of a pair in their order
        rows = rows.sort_values("pair_pos", kind="stable").drop(columns="pair_pos").reset_index(drop=True)
    seconds = time.perf_counter() - started
    result = BatchResult(rows=rows, out=Path(out) if out else None, chunks=len(names), chunks_resumed=len(done),
                         seconds=seconds, workers=n_workers, setup_s=setup[0],
                         summary=summarise(rows, seconds=seconds, routes=pairs is not None))
    if out is not None:
        write_rows(rows, Path(out))
        if parts is not None:
            shutil.rmtree(parts, ignore_errors=True)
    return result


def _parts_folder(out: str | Path | None) -> Path | None:
    return None if out is None else Path(out).with_name(Path(out).name + ".parts")


def _run_chunks(client: Any, dataset: Dataset | None, items: pd.DataFrame, spans: list[tuple[int, int]],
                todo: list[int], names: list[str], parts: Path | None, routing: bool, cameras: pd.DataFrame | None,
                request: BatchRequest, meter: _Progress, setup: list[float]) -> dict[int, pd.DataFrame]:
    from distributed import as_completed, wait  # noqa: PLC0415

    started = time.perf_counter()
    if routing:
        assert dataset is not None
        # once to each worker, without its memo or graph: tasks refer to it, they never carry it
        shared = client.scatter(dataset, broadcast=True, hash=False)
        workers = list(client.scheduler_info(n_workers=-1)["workers"])
        meter.say(f"preparing the street network and cameras on {len(workers)} worker(s)")
        ready = [client.submit(prepare_worker, shared, request, workers=[w], allow_other_workers=False, pure=False)
                 for w in workers]
        wait(ready)
        for fut in ready:
            fut.result()  # a worker that cannot build the context says why here
        fn: Callable[..., pd.DataFrame] = route_chunk
    else:
        shared = client.scatter(cameras if cameras is not None else dataset.cameras,  # type: ignore[union-attr]
                                broadcast=True, hash=False)
        fn = track_chunk
    setup[0] = time.perf_counter() - started
    meter.started = time.perf_counter()
    futures = {}
    for i in todo:
        lo, hi = spans[i]
        chunk = items.iloc[lo:hi] if routing else items["track"].iloc[lo:hi].tolist()
        futures[client.submit(fn, shared, chunk, request, pure=False, key=f"exposure-{names[i]}")] = i
    out: dict[int, pd.DataFrame] = {}
    for fut in as_completed(futures):
        i = futures[fut]
        table = fut.result()
        if parts is not None:
            _write_part(table, parts / names[i])
        else:
            out[i] = table
        fut.release()
        meter.step()
    return out


def summarise(rows: pd.DataFrame, *, seconds: float, routes: bool = True) -> dict[str, Any]:
    """Headline figures of a batch: pairs, routes, errors, cameras on the shortest and the best route."""
    if not routes:
        ok = rows[rows["error"].isna()] if "error" in rows else rows
        return {"tracks": len(rows), "errors": int(rows["error"].notna().sum()) if "error" in rows else 0,
                "frt_cameras_median": float(ok["frt_cameras"].median()) if len(ok) else None,
                "seconds": round(seconds, 2)}
    errors = rows[rows["error"].notna()]
    ok = rows[rows["error"].isna()]
    shortest = ok[ok["label"] == "shortest"].set_index("pair_id")["frt_cameras"]
    best = ok[ok["label"] != "shortest"].groupby("pair_id")["frt_cameras"].min()
    best = best.reindex(shortest.index).fillna(shortest)
    avoided = (shortest - best).astype(float)
    pairs = rows["pair_id"].nunique()
    return {
        "pairs": int(pairs), "routes": len(ok), "pairs_with_errors": int(errors["pair_id"].nunique()),
        "frt_cameras_shortest_median": float(shortest.median()) if len(shortest) else None,
        "frt_cameras_best_median": float(best.median()) if len(best) else None,
        "frt_cameras_avoided_mean": round(float(avoided.mean()), 2) if len(avoided) else None,
        "not_proven": int((ok["optimal"] == False).sum()),  # noqa: E712 - a column of True/False/None
        "seconds": round(seconds, 2), "pairs_per_second": round(pairs / seconds, 2) if seconds > 0 else None,
    }


def rows_to_bytes(rows: pd.DataFrame, fmt: str) -> bytes:
    """A batch's rows as a file's bytes: ``parquet`` (GeoParquet, WGS84 LineStrings), ``csv`` or ``geojson``.

    CSV carries the geometry as WKT in ``geometry_wkt``, and text cells a
    spreadsheet would run as a formula are neutralised.
    """
    import geopandas as gpd  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    geometry = [shapely.LineString(c) if isinstance(c, (list, np.ndarray)) and len(c) >= 2 else None
                for c in rows.get("coordinates", pd.Series([None] * len(rows)))]
    table = gpd.GeoDataFrame(rows.drop(columns=["coordinates"], errors="ignore"), geometry=geometry,
                             crs="EPSG:4326")
    if fmt == "parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if fmt == "csv":
        from exposure._tables import neutralise_formulas  # noqa: PLC0415

        frame = pd.DataFrame(table.drop(columns="geometry"))
        frame["geometry_wkt"] = [g.wkt if g is not None else "" for g in table.geometry]
        return neutralise_formulas(frame).to_csv(index=False).encode("utf-8")
    if fmt == "geojson":
        return table.to_json(na="null", show_bbox=False, drop_id=True).encode("utf-8")
    msg = f"unknown batch output format {fmt!r}; use parquet, csv or geojson"
    raise BatchError(msg)


_FORMAT_OF_SUFFIX = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".geojson": "geojson",
                     ".json": "geojson"}


def write_rows(rows: pd.DataFrame, out: Path) -> None:
    """Write a batch's rows to ``out``, in the format its suffix names (see :func:`rows_to_bytes`)."""
    fmt = _FORMAT_OF_SUFFIX.get(out.suffix.lower())
    if fmt is None:
        msg = f"cannot write {out}: give a .parquet (GeoParquet), .csv or .geojson file"
        raise BatchError(msg)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(rows_to_bytes(rows, fmt))
    tmp.replace(out)
