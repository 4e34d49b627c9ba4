"""The ``batch`` command: routes of many pairs, or audits of many walks, on a Dask cluster."""

from __future__ import annotations

import argparse

import pandas as pd

from exposure import datasets, settings
from exposure._errors import ExposureError
from exposure.batch import (
    BatchRequest,
    BatchResult,
    pairs_from_points,
    read_od_points,
    read_pairs,
    run_batch,
    track_files,
)
from exposure.cameras import describe_policies, select_cameras
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.counted import Counting, counting
from exposure.review import reviewed_cameras, reviewed_dataset

__all__ = ["batch"]


def batch(args: argparse.Namespace) -> None:
    """``exposure batch``: one row per route (or track) in a file, and a JSON summary on stdout."""
    request = BatchRequest(objective=args.objective, max_detour=args.max_detour, alternatives=args.alternatives,
                           frt_policy=args.frt_policy, verification=args.verification, radius_m=args.radius_m,
                           # named, so that the summary's settings say which and every worker counts the same
                           coverage_model=args.coverage_model or settings.coverage_model,
                           level=args.level or settings.coverage_level)
    if args.destinations and not args.origins:
        msg = "--destinations goes with --origins"
        raise ExposureError(msg)
    result, cameras = _audit_tracks(args, request) if args.tracks else _route_pairs(args, request)
    say(f"wrote {args.out}: {len(result.rows):,} rows")
    count = _counting(cameras, request, result.rows)
    if count.case == "nothing-counted":  # every row's 0 then says nothing about the cameras there
        say(f"note: {count.notice}")
    emit({**result.summary, "out": str(args.out), "chunks": result.chunks, "chunks_resumed": result.chunks_resumed,
          "workers": result.workers, "settings": {**request.__dict__, "dataset": args.dataset,
                                                  "counting": count.to_dict()}}, None)


def _counting(cameras: pd.DataFrame, request: BatchRequest, rows: pd.DataFrame) -> Counting:
    """Whether anything is counted at all under the request's policies (see :func:`exposure.counted.counting`)."""
    counted = select_cameras(cameras, frt_policy=request.frt_policy, verification=request.verification)
    found = int(rows["frt_cameras"].max()) if "frt_cameras" in rows and rows["frt_cameras"].notna().any() else 0
    return counting(cameras=len(cameras), counted=len(counted), frt=int(counted["frt_capable"].sum()), found=found,
                    settings=describe_policies(request.frt_policy, request.verification), what="these routes")


def _audit_tracks(args: argparse.Namespace, request: BatchRequest) -> tuple[BatchResult, pd.DataFrame]:
    if args.cameras:
        ds, cameras = None, reviewed_cameras(load_camera_file(args.cameras, decode_total=args.decode_total).cameras,
                                             args.store)
    else:
        ds = reviewed_dataset(datasets.load_dataset(args.dataset, progress=progress), args.store)
        cameras = ds.cameras
    result = run_batch(ds, tracks=track_files(args.tracks), cameras=cameras if args.cameras else None,
                       request=request, out=args.out, resume=args.resume, scheduler=args.scheduler,
                       workers=args.workers, chunk_size=args.chunk_size, progress=progress)
    return result, cameras


def _route_pairs(args: argparse.Namespace, request: BatchRequest) -> tuple[BatchResult, pd.DataFrame]:
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    pairs = read_pairs(args.pairs) if args.pairs else _pairs_from_points(args, ds)
    result = run_batch(ds, pairs=pairs, request=request, out=args.out, resume=args.resume, scheduler=args.scheduler,
                       workers=args.workers, chunk_size=args.chunk_size, progress=progress)
    return result, ds.cameras


def _pairs_from_points(args: argparse.Namespace, ds: datasets.Dataset) -> pd.DataFrame:
    """The pairs of ``--origins`` and ``--destinations`` (each origin's ``--nearest`` K, or all)."""
    if not args.destinations:
        msg = "--origins needs --destinations"
        raise ExposureError(msg)

    def where(text: str) -> tuple[float, float]:
        place = ds.resolve(text)
        return place.lon, place.lat

    return pairs_from_points(read_od_points(args.origins), read_od_points(args.destinations), nearest=args.nearest,
                             resolve=where)
