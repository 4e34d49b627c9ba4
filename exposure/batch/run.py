"""A batch run on Dask: pairs or tracks cut into chunks, sent to the workers, their rows gathered and saved."""

from __future__ import annotations

import contextlib
import math
import os
import shutil
import sys
import time
import types
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import BatchError
from exposure.batch import parts
from exposure.batch.output import output_format, summarise, write_rows
from exposure.batch.tasks import (
    TRACK_FILE_COLUMNS,
    BatchRequest,
    prepare_worker,
    route_chunk,
    route_row_columns,
    track_chunk,
)
from exposure.datasets import Dataset

__all__ = ["LOCAL_WORKER_CONFIG", "BatchResult", "local_client", "run_batch"]

#: Dask settings of the local workers: nothing a task holds is written to disk.
LOCAL_WORKER_CONFIG: dict[str, Any] = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
}


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


@dataclass
class _Job:
    """What a run does: its items in chunks, each chunk's part, and what every worker holds once."""

    items: pd.DataFrame  # pairs (with their place in the file, pair_pos) sorted by origin, or a "track" column
    routing: bool
    spans: list[tuple[int, int]]
    names: list[str]
    folder: Path | None
    request: BatchRequest
    shared: Any  # the dataset (pairs) or the camera table (tracks)

    def chunk(self, i: int) -> pd.DataFrame | list[str]:
        lo, hi = self.spans[i]
        return self.items.iloc[lo:hi] if self.routing else self.items["track"].iloc[lo:hi].tolist()

    def written(self) -> set[int]:
        """The chunks whose part an earlier run of the same request left in the parts folder."""
        if self.folder is None:
            return set()
        return {i for i, name in enumerate(self.names) if (self.folder / name).is_file()}

    def columns(self) -> list[str]:
        own = route_row_columns(self.items) if self.routing else list(TRACK_FILE_COLUMNS)
        return [*own, "coordinates"]


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


def _quiet(_message: str) -> None:
    """No progress report."""


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
        :func:`read_pairs` or :func:`pairs_from_points` output; columns beyond
        ``pair_id``, ``origin`` and ``destination`` are carried on to the rows.
    tracks
        Track files to audit instead of pairs.
    cameras
        The cameras tracks are audited against (default: the dataset's).
    request
        The options every pair is routed with; a coverage model or level left
        out is the default in force here (``settings.coverage_model``, ``coverage_level``).
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
    progress
        Called with a line of progress now and then.
    """
    request = request or BatchRequest()
    if request.radius_m is None and (request.coverage_model is None or request.level is None):
        # the default in force here, named: workers elsewhere (another machine's scheduler) count the same
        request = replace(request, coverage_model=request.coverage_model or settings.coverage_model,
                          level=request.level or settings.coverage_level)
    say = progress or _quiet
    job = _plan(dataset, pairs=pairs, tracks=tracks, cameras=cameras, request=request, out=out,
                chunk_size=chunk_size, resume=resume)
    done = job.written()
    todo = [i for i in range(len(job.names)) if i not in done]
    if done:
        say(f"resuming: {len(done):,} of {len(job.names):,} chunks already written in {job.folder}")
    started = time.perf_counter()
    results: dict[int, pd.DataFrame] = {}
    n_workers, setup_s = 0, 0.0
    if todo:
        say_chunks = f"{len(todo):,} chunks of up to {chunk_size}"
        results, n_workers, setup_s = _compute(job, todo, client=client, scheduler=scheduler, workers=workers,
                                               meter=_Progress(len(todo), say), what=say_chunks)
    rows = _gather(job, results)
    seconds = time.perf_counter() - started
    result = BatchResult(rows=rows, out=Path(out) if out else None, chunks=len(job.names), chunks_resumed=len(done),
                         seconds=seconds, workers=n_workers, setup_s=setup_s,
                         summary=summarise(rows, seconds=seconds, routes=job.routing))
    if out is not None:
        write_rows(rows, Path(out))
        if job.folder is not None:
            shutil.rmtree(job.folder, ignore_errors=True)
    return result


def _plan(dataset: Dataset | None, *, pairs: pd.DataFrame | None, tracks: Sequence[Path] | None,
          cameras: pd.DataFrame | None, request: BatchRequest, out: str | Path | None, chunk_size: int,
          resume: bool) -> _Job:
    """The chunks of a run, checked before any worker starts, and its parts folder made (or found, to resume)."""
    if (pairs is None) == (tracks is None):
        msg = "give pairs to route or tracks to audit (one of them)"
        raise BatchError(msg)
    if chunk_size < 1:
        msg = f"chunk size must be at least 1, got {chunk_size}"
        raise BatchError(msg)
    if out is not None:
        output_format(out)
    if pairs is not None:
        items, ids, shared = _pair_items(dataset, pairs)
    else:
        assert tracks is not None
        items, ids, shared = _track_items(dataset, tracks, cameras)
    spans = parts.chunk_spans(len(items), chunk_size)
    names = [parts.part_name(i, ids[lo:hi], request.key()) for i, (lo, hi) in enumerate(spans)]
    return _Job(items=items, routing=pairs is not None, spans=spans, names=names,
                folder=_parts_folder(out, resume=resume), request=request, shared=shared)


def _pair_items(dataset: Dataset | None, pairs: pd.DataFrame) -> tuple[pd.DataFrame, list[str], Dataset]:
    if dataset is None:
        msg = "routing pairs needs a dataset"
        raise BatchError(msg)
    # chunks of pairs that share origins: each worker resolves and caches a place once
    items = pairs.assign(pair_pos=np.arange(len(pairs))).sort_values("origin", kind="stable")
    items = items.reset_index(drop=True)
    return items, items["pair_id"].astype(str).tolist(), dataset


def _track_items(dataset: Dataset | None, tracks: Sequence[Path],
                 cameras: pd.DataFrame | None) -> tuple[pd.DataFrame, list[str], pd.DataFrame]:
    cams = cameras if cameras is not None else (dataset.cameras if dataset is not None else None)
    if cams is None:
        msg = "auditing tracks needs cameras: a dataset or a camera file"
        raise BatchError(msg)
    items = pd.DataFrame({"track": [str(t) for t in tracks]})
    return items, items["track"].tolist(), cams


def _parts_folder(out: str | Path | None, *, resume: bool) -> Path | None:
    folder = parts.parts_folder(out)
    if folder is not None:
        if folder.exists() and not resume:
            msg = (f"{folder} holds parts of an earlier run; add --resume to continue it, or delete the folder "
                   "to start again")
            raise BatchError(msg)
        folder.mkdir(parents=True, exist_ok=True)
    return folder


def _compute(job: _Job, todo: list[int], *, client: Any, scheduler: str | None, workers: int | None,
             meter: _Progress, what: str) -> tuple[dict[int, pd.DataFrame], int, float]:
    """Run the chunks ``todo`` on the client (or on a cluster made for them, closed after).

    The rows of each chunk, or none of them when they went to parts; the
    number of workers; the seconds spent preparing the workers.
    """
    own_client = client is None
    if own_client:
        client = _client(scheduler, workers)
    n_workers = _worker_count(client)
    try:
        meter.say(f"{what} on {n_workers} Dask worker(s)")
        results, setup_s = _run_chunks(client, job, todo, meter)
    finally:
        if own_client:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    return results, n_workers, setup_s


def _run_chunks(client: Any, job: _Job, todo: list[int], meter: _Progress) -> tuple[dict[int, pd.DataFrame], float]:
    from distributed import as_completed  # noqa: PLC0415 - distributed is slow to import; only a run needs it

    started = time.perf_counter()
    # once to each worker, without its memo or graph: tasks refer to it, they never carry it
    shared = client.scatter(job.shared, broadcast=True, hash=False)
    if job.routing:
        _prepare_workers(client, shared, job.request, meter.say)
    setup_s = time.perf_counter() - started
    fn: Callable[..., pd.DataFrame] = route_chunk if job.routing else track_chunk
    meter.started = time.perf_counter()
    futures = {client.submit(fn, shared, job.chunk(i), job.request, pure=False, key=f"exposure-{job.names[i]}"): i
               for i in todo}
    out: dict[int, pd.DataFrame] = {}
    for fut in as_completed(futures):  # type: ignore[no-untyped-call]  # distributed has no type hints
        i = futures[fut]
        table = fut.result()
        if job.folder is not None:
            parts.write_part(table, job.folder / job.names[i])
        else:
            out[i] = table
        fut.release()
        meter.step()
    return out, setup_s


def _prepare_workers(client: Any, shared: Any, request: BatchRequest, say: Callable[[str], None]) -> None:
    """Build the routing context on every worker before the first chunk, so that setup is timed on its own."""
    from distributed import wait  # noqa: PLC0415 - distributed is slow to import; only a run needs it

    workers = list(client.scheduler_info(n_workers=-1)["workers"])
    say(f"preparing the street network and cameras on {len(workers)} worker(s)")
    ready = [client.submit(prepare_worker, shared, request, workers=[w], allow_other_workers=False, pure=False)
             for w in workers]
    wait(ready)  # type: ignore[no-untyped-call]  # distributed has no type hints
    for fut in ready:
        fut.result()  # a worker that cannot build the context says why here


def _gather(job: _Job, results: dict[int, pd.DataFrame]) -> pd.DataFrame:
    """Every chunk's rows, computed now or read back from its part, in the order of the pairs file."""
    tables = []
    for i, name in enumerate(job.names):
        if i in results:
            tables.append(results[i])
        elif job.folder is not None and (job.folder / name).is_file():
            tables.append(pd.read_parquet(job.folder / name))
    if not tables:
        return pd.DataFrame(columns=job.columns())
    rows = pd.concat(tables, ignore_index=True)
    if "pair_pos" in rows:  # back in the order of the pairs file, routes of a pair in their order
        rows = rows.sort_values("pair_pos", kind="stable").drop(columns="pair_pos").reset_index(drop=True)
    return rows


def _worker_count(client: Any) -> int:
    return len(client.scheduler_info(n_workers=-1)["workers"])


def _client(scheduler: str | None, workers: int | None) -> Any:
    """A Dask client: to a running scheduler, or to a LocalCluster on this machine (127.0.0.1, no dashboard)."""
    try:
        from distributed import Client  # noqa: PLC0415 - distributed is slow to import; only a run needs it
    except ImportError as err:  # pragma: no cover - a pinned dependency
        msg = "bulk work needs dask.distributed: pip install -r requirements.txt"
        raise BatchError(msg) from err
    if not scheduler:
        return local_client(workers)
    try:
        return Client(scheduler, timeout="20s")  # type: ignore[no-untyped-call]  # distributed has no type hints
    except (OSError, TimeoutError) as err:
        msg = f"cannot reach the Dask scheduler at {scheduler!r} ({err}); start it with `dask scheduler`"
        raise BatchError(msg) from err


def local_client(workers: int | None = None, *, processes: bool = True) -> Any:
    """A ``distributed.Client`` on a new LocalCluster of this machine: one single-threaded worker process per core.

    Every port listens on the loopback interface only, with no dashboard. A
    worker never spills to disk (pairs and routes say where people go): short of
    memory it pauses, as Dask does at 80 %. Close the client and its ``cluster``
    when done.
    """
    # dask and distributed are slow to import; reading pairs and writing rows never needs them
    import dask  # noqa: PLC0415
    from distributed import Client, LocalCluster  # noqa: PLC0415

    n = workers or os.cpu_count() or 1
    with _plain_main(), dask.config.set(LOCAL_WORKER_CONFIG):
        # the diagnostics port is picked free, on loopback, so that two clusters never collide
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=40)  # type: ignore[no-untyped-call]
    return Client(cluster)  # type: ignore[no-untyped-call]  # distributed has no type hints


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
