"""The ``route`` and ``audit`` commands: walks to make, and walks already made."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd
import shapely

from exposure import datasets, settings
from exposure._tables import json_safe
from exposure.audit import Audit, Track, audit_track, read_track, walk_alternatives
from exposure.cameras import load_extent
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.counted import counting
from exposure.export import audit_per_camera_csv, audit_to_json, audit_tracks_csv, routes_to_geojson, routes_to_gpx
from exposure.review import reviewed_cameras, reviewed_dataset
from exposure.routing import proof_words, routes

__all__ = ["audit", "route"]


def route(args: argparse.Namespace) -> None:
    """``exposure route``: the shortest route, the objective's and its trade-offs, as JSON, GeoJSON or GPX."""
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m,
                     coverage_model=args.coverage_model, level=args.level)
    origin, destination = ds.resolve(args.origin), ds.resolve(args.destination)
    found = routes(ctx, origin.node, destination.node, objective=args.objective,
                   max_detour=args.max_detour, alternatives=args.alternatives)
    count = counting(cameras=len(ds.cameras), counted=int(ctx.exposure.counted.sum()),
                     frt=int(ctx.exposure.frt.sum()), found=max(r.frt_cameras for r in found), settings=ctx.settings,
                     extent=ds.extent, where=shapely.MultiLineString([r.coordinates for r in found]),
                     what="these routes")
    if count.notice:
        say(f"note: {count.notice}")
    for r in found:
        if r.optimal is False:  # how far from optimal it may be, in words, beside the JSON's lower_bound_frt and gap
            say(f"note: {r.label}: {proof_words(r)}")
    used = {**ctx.settings, "objective": args.objective, "max_detour": args.max_detour,
            "walk_speed_m_per_min": settings.walk_speed_m_per_min, "counting": count.to_dict()}
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
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        cameras, extent = reviewed_cameras(loaded.cameras, args.store), load_extent(loaded)
    else:
        ds = reviewed_dataset(datasets.load_dataset(args.dataset or "helsinki", progress=progress), args.store)
        cameras, extent = ds.cameras, ds.extent
    # the streets fill the gaps of a sparse track: the dataset's, or with --cameras the one --dataset names
    streets = ds if ds is not None else (datasets.load_dataset(args.dataset, progress=progress) if args.dataset
                                         else None)
    track = read_track(args.track)
    result = audit_track(track, cameras, frt_policy=args.frt_policy, verification=args.verification,
                         radius_m=args.radius_m, extent=extent, streets=None if streets is None else streets.index,
                         # what a camera sees: the model and level asked, cut by the dataset's buildings if any
                         coverage_model=args.coverage_model, level=args.level,
                         buildings=None if streets is None else streets.buildings_as_obstacles)
    if result.counting is not None and result.counting.notice:
        say(f"note: {result.counting.notice}")
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
        ds = datasets.load_dataset(args.dataset or "helsinki", progress=progress).with_cameras(
            cameras, cameras.iloc[:0], source=args.cameras)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m,
                     coverage_model=args.coverage_model, level=args.level)
    compared = walk_alternatives(ctx, result, track)
    for c in compared:
        if c.comparison is None:  # the audit stands; only the comparison is not possible
            say(f"{args.track}: track {c.track} not compared: {c.reason}")
    return [json_safe(c.to_dict()) for c in compared]
