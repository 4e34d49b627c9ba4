"""The ``viewsheds`` command: what each camera sees under a coverage model, one polygon or row per camera."""

from __future__ import annotations

import argparse

from exposure import datasets
from exposure._tables import neutralise_formulas
from exposure.cli._common import emit, load_camera_file, progress
from exposure.coverage import viewshed_features, viewshed_table
from exposure.review import reviewed_dataset

__all__ = ["viewsheds"]


def viewsheds(args: argparse.Namespace) -> None:
    """``exposure viewsheds``: each camera's viewshed as GeoJSON polygons or CSV rows, with the counting policies.

    Besides the figures of :func:`exposure.coverage.viewshed_table`, each camera
    says whether it is counted (``counted``: passes the verification policy) and
    FRT-capable (``frt_capable``) under the policies given, so that a map can draw
    the counted cameras' views only.
    """
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    chosen = {"radius_m": args.radius_m, "coverage_model": args.coverage_model, "level": args.level}
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, **chosen)
    cov = ds.coverage(**chosen)
    views = ds.viewsheds(**chosen)
    if args.format == "csv":
        table = viewshed_table(ds.index, ds.cameras, views, settings=cov.settings)
        table["counted"] = ctx.exposure.counted
        table["frt_capable"] = ctx.exposure.frt
        emit(neutralise_formulas(table).to_csv(index=False), args.out)
        return
    collection = viewshed_features(ds.index, ds.cameras, views, settings=cov.settings)
    collection["settings"] = ctx.settings  # the policies beside the coverage, as every figure says
    for feature, counted, frt in zip(collection["features"], ctx.exposure.counted, ctx.exposure.frt, strict=True):
        feature["properties"].update(counted=bool(counted), frt_capable=bool(frt))
    emit(collection, args.out)
