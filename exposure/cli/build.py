"""The ``build`` command: a named dataset from an OSM extract offline, or from a place, box or point online."""

from __future__ import annotations

import argparse

from exposure import online
from exposure._errors import ExposureError
from exposure.cli._common import emit, progress, report_rejected, say

__all__ = ["build_dataset"]


def build_dataset(args: argparse.Namespace) -> None:
    """``exposure build``: build and save a dataset, then print its summary as JSON."""
    if args.dist_m is not None and not args.point:
        msg = "--dist-m only applies to --point LAT,LON"
        raise ExposureError(msg)
    if args.pbf:
        say(f"Building {args.name} offline from {args.pbf}")
        ds = online.build_from_pbf(args.pbf, name=args.name, cameras=args.cameras, progress=progress)
    else:
        area = _area(args)
        online.check_dataset_name(args.name)
        say(f"note: {online.PRIVACY_NOTICE} Offline instead: exposure build --name {args.name} --pbf FILE.osm.pbf")
        ds = online.build_online(area, name=args.name, names=args.names, cameras=args.cameras, progress=progress)
    report_rejected(ds.rejected, ds.source)
    emit({**ds.summary(), "saved": ds.info.get("saved")}, None)


def _area(args: argparse.Namespace) -> online.Area:
    """What to download: a named place, a box, or the box ``--dist-m`` around a point."""
    if args.place:
        return online.Area("place", place=args.place)
    if args.bbox:
        return online.Area("bbox", bbox=online.parse_bbox(args.bbox))
    return online.Area("point", point=online.parse_point(args.point),
                       dist_m=1500.0 if args.dist_m is None else args.dist_m)
