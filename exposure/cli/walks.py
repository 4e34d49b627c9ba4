"""The ``route`` and ``audit`` commands: walks to make, and walks already made."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from exposure import datasets, settings
from exposure._errors import ExposureError
from exposure._tables import json_safe
from exposure.audit import Audit, Track, audit_track, read_track, walk_alternatives
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.export import audit_per_camera_csv, audit_to_json, audit_tracks_csv, routes_to_geojson, routes_to_gpx
from exposure.review import reviewed_cameras, reviewed_dataset
from exposure.routing import routes

__all__ = ["audit", "route"]


def route(args: argparse.Namespace) -> None:
    """``exposure route``: the shortest route, the objective's and its trade-offs, as JSON, GeoJSON or GPX."""
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    origin, destination = ds.resolve(args.origin), ds.resolve(args.destination)
    found = routes(ctx, origin.node, destination.node, objective=args.objective,
                   max_detour=args.max_detour, alternatives=args.alternatives)
    used = {**ctx.settings, "objective": args.objective, "max_detour": args.max_detour,
            "walk_speed_m_per_min": settings.walk_speed_m_per_min}
    if args.format == "gpx":
        emit(routes_to_gpx(found), args.out)
    elif args.format == "geojson":
        emit(routes_to_geojson(found, settings=used), args.out)
    else:
        emit({"origin": origin.to_dict(), "destination": destination.to_dict(), "settings": used,
              "routes": [r.to_dict() for r in found]}, args.out)


def audit(args: argparse.Namespace) -> None:
    """``exposure audit``: metres and seconds a recorded walk spent in view, per camera and per track."""
    ds = None
    if args.cameras:
        cameras = reviewed_cameras(load_camera_file(args.cameras, decode_total=args.decode_total).cameras, args.store)
    else:
        ds = reviewed_dataset(datasets.load_dataset(args.dataset, progress=progress), args.store)
        cameras = ds.cameras
    track = read_track(args.track)
    result = audit_track(track, cameras, frt_policy=args.frt_policy, verification=args.verification,
                         radius_m=args.radius_m)
    if args.format == "csv":
        emit(audit_tracks_csv(result) if args.table == "tracks" else audit_per_camera_csv(result), args.out)
    else:
        out = audit_to_json(result)
        if args.compare:
            out["compare"] = _compare_walks(args, ds, cameras, result, track)
        emit(out, args.out)
    for note in result.notes:
        say(f"{args.track}: {note}")


def _compare_walks(args: argparse.Namespace, ds: datasets.Dataset | None, cameras: pd.DataFrame, result: Audit,
                   track: Track) -> list[Any]:
    """Each track beside the fewest-camera route between its ends, counted as the audit counted."""
    if ds is None:
        ds = datasets.load_dataset(args.dataset, progress=progress).with_cameras(cameras, cameras.iloc[:0],
                                                                                 source=args.cameras)
    if not ds.covers(track.coordinates[:, 0], track.coordinates[:, 1]).any():
        msg = f"--compare: {args.track} lies outside dataset {args.dataset!r}; give --dataset for where it was walked"
        raise ExposureError(msg)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    return [json_safe(c.to_dict()) for c in walk_alternatives(ctx, result, track)]
