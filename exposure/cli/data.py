"""The ``cameras`` and ``network`` commands: a dataset's or a file's cameras, and a dataset's walking network."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from exposure import datasets
from exposure._errors import ExposureError
from exposure._tables import neutralise_formulas
from exposure.cameras import cameras_to_csv, select_cameras, write_cameras_geojson, write_cameras_json
from exposure.cli._common import emit, load_camera_file, local_camera_file, progress, report_rejected, say
from exposure.network import graph_to_geojson, save_graphml
from exposure.review import reviewed_cameras, reviewed_dataset
from exposure.sources.decode import decode_summary

__all__ = ["cameras", "network"]


def cameras(args: argparse.Namespace) -> None:
    """``exposure cameras``: cameras under the policies as CSV, GeoJSON or JSON, or a Decode file's summary."""
    if args.summary:
        _decode_summary(args)
        return
    if args.source:
        found = reviewed_cameras(load_camera_file(args.source, decode_total=args.decode_total).cameras, args.store)
    else:
        ds = datasets.load_dataset(args.dataset, progress=progress)
        report_rejected(ds.rejected, ds.source)
        found = reviewed_dataset(ds, args.store).cameras
    selected = select_cameras(found, frt_policy=args.frt_policy, verification=args.verification)
    del found  # a million rows: keep only the selection
    writers: dict[str, Callable[[TextIO], object]] = {
        "csv": lambda out: cameras_to_csv(selected, out),
        "geojson": lambda out: write_cameras_geojson(selected, out),
        "json": lambda out: write_cameras_json(selected, out),
    }
    _stream(writers[args.format], args.out)


def _stream(write: Callable[[TextIO], object], out: str | None) -> None:
    """Write a result as it is made, to ``out`` or stdout (a million cameras' JSON is not held in memory whole)."""
    if out is None:
        write(sys.stdout)
        sys.stdout.flush()
        return
    with Path(out).open("w", encoding="utf-8", newline="") as handle:
        write(handle)
    say(f"wrote {out}")


def _decode_summary(args: argparse.Namespace) -> None:
    if not args.source:
        msg = "--summary needs --source: a Decode Surveillance counts_per_intersections.csv (or decode-nyc)"
        raise ExposureError(msg)
    if args.format == "geojson":
        msg = "--summary gives a table per borough; use --format csv or --format json"
        raise ExposureError(msg)
    table = decode_summary(local_camera_file(args.source), total=args.decode_total, verification=args.verification)
    if table.attrs["rejected_rows"]:
        say(f"{args.source}: {table.attrs['rejected_rows']} row(s) rejected; `exposure cameras --source` lists them")
    if args.format == "csv":
        emit(neutralise_formulas(table).to_csv(index=False, lineterminator="\n"), args.out)
    else:
        emit({"source": args.source, "decode_total": args.decode_total, "method": table.attrs["method"],
              "verification": table.attrs["verification"], "rows": table.to_dict(orient="records")}, args.out)


def network(args: argparse.Namespace) -> None:
    """``exposure network``: the walking network as osmnx-compatible GraphML or GeoJSON lines."""
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.format == "graphml":
        if not args.out:
            msg = "--format graphml needs --out FILE.graphml"
            raise ExposureError(msg)
        save_graphml(ds.G, args.out)
        say(f"wrote {Path(args.out)} ({ds.G.number_of_nodes():,} nodes, {ds.G.number_of_edges():,} edges)")
    else:
        emit(graph_to_geojson(ds.G), args.out)
