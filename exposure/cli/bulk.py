"""The ``batch`` command: routes of many pairs, or audits of many walks, on a Dask cluster."""

from __future__ import annotations

import argparse

import pandas as pd

from exposure import datasets
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
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.review import reviewed_cameras, reviewed_dataset

__all__ = ["batch"]


def batch(args: argparse.Namespace) -> None:
    """``exposure batch``: one row per route (or track) in a file, and a JSON summary on stdout."""
    request = BatchRequest(objective=args.objective, max_detour=args.max_detour, alternatives=args.alternatives,
                           frt_policy=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    if args.destinations and not args.origins:
        msg = "--destinations goes with --origins"
        raise ExposureError(msg)
    result = _audit_tracks(args, request) if args.tracks else _route_pairs(args, request)
    say(f"wrote {args.out}: {len(result.rows):,} rows")
    emit({**result.summary, "out": str(args.out), "chunks": result.chunks, "chunks_resumed": result.chunks_resumed,
          "workers": result.workers, "settings": {**request.__dict__, "dataset": args.dataset}}, None)


def _audit_tracks(args: argparse.Namespace, request: BatchRequest) -> BatchResult:
    cameras = (reviewed_cameras(load_camera_file(args.cameras, decode_total=args.decode_total).cameras, args.store)
               if args.cameras else None)
    ds = None if cameras is not None else reviewed_dataset(datasets.load_dataset(args.dataset, progress=progress),
                                                           args.store)
    return run_batch(ds, tracks=track_files(args.tracks), cameras=cameras, request=request, out=args.out,
                     resume=args.resume, scheduler=args.scheduler, workers=args.workers, chunk_size=args.chunk_size,
                     progress=progress)


def _route_pairs(args: argparse.Namespace, request: BatchRequest) -> BatchResult:
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    pairs = read_pairs(args.pairs) if args.pairs else _pairs_from_points(args, ds)
    return run_batch(ds, pairs=pairs, request=request, out=args.out, resume=args.resume, scheduler=args.scheduler,
                     workers=args.workers, chunk_size=args.chunk_size, progress=progress)


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
