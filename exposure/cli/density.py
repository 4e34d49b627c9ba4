"""The ``density`` and ``watched`` commands: cameras per area, and who lives where the cameras are."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from exposure import datasets
from exposure._errors import ExposureError
from exposure.areas import density_by_area, density_to_csv, density_to_geojson, named_areas, read_areas
from exposure.cameras import CameraExtent, describe_policies, load_extent, select_cameras
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.counted import Counting, counting
from exposure.review import reviewed_cameras, reviewed_dataset
from exposure.watched import watched_report

__all__ = ["density", "watched"]

_AREA_FILE_SUFFIXES = {".geojson", ".json", ".gpkg", ".shp"}


def density(args: argparse.Namespace) -> None:
    """``exposure density``: cameras per km², per km of street and per 1,000 residents, per area."""
    if args.cameras and args.dataset is None:
        # no street network: street columns are NaN, and nothing but the camera file is read
        selected, settings_used, extent, in_file = _file_cameras(args)
        table = _file_density(args, selected, settings_used, args.areas, extent=extent)
        count = _counting(table, cameras=in_file, counted=len(selected), frt=int(selected["frt_capable"].sum()))
    else:
        table, count = _dataset_density(args)
    table.attrs["settings"] = {**table.attrs["settings"], "counting": count.to_dict()}
    if count.case == "nothing-counted":  # every area's 0 then says nothing about the cameras there
        say(f"note: {count.notice}")
    if args.format == "csv":
        emit(density_to_csv(table), args.out)
    elif args.format == "geojson":
        emit(density_to_geojson(table), args.out)
    else:
        records = density_to_geojson(table)
        emit({"settings": table.attrs["settings"], "areas": args.areas, "note": table.attrs.get("note", ""),
              "effective": table.attrs.get("effective", ""), "extent": table.attrs.get("extent", ""),
              "no_camera_data": table.attrs.get("no_camera_data", 0),
              "rows": [f["properties"] for f in records["features"]]}, args.out)


def _counting(table: gpd.GeoDataFrame, *, cameras: int, counted: int, frt: int) -> Counting:
    """Whether the areas' counts mean anything at all: nothing counted under the policies (see exposure.counted).

    Areas outside where the camera data looked are already told apart, area by area (``camera_data``).
    """
    found = int(np.nanmax(table["frt_cameras"].to_numpy(dtype=float))) if len(table) and table[
        "frt_cameras"].notna().any() else 0
    return counting(cameras=cameras, counted=counted, frt=frt, found=found, settings=table.attrs["settings"],
                    what="these areas")


def _dataset_density(args: argparse.Namespace) -> tuple[gpd.GeoDataFrame, Counting]:
    """Density over a dataset's streets, of its cameras or of ``--cameras``."""
    ds = datasets.load_dataset(args.dataset or "helsinki", progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras, extent=load_extent(loaded))
    ds = reviewed_dataset(ds, args.store)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification,
                     coverage_model=args.coverage_model, level=args.level)
    # cameras are counted per area, not by what they see: the coverage model plays no part (Amnesty's
    # effective cameras are its 120 m discs without walls, whatever --coverage-model says)
    settings_used = {k: v for k, v in ctx.settings.items() if k != "coverage"}
    areas = _read_density_areas(args, lambda: named_areas(args.areas, ds))
    table = density_by_area(areas, ds.cameras, counted=ctx.exposure.counted, frt=ctx.exposure.frt,
                            index=ds.index, settings=settings_used, extent=ds.extent)
    return table, _counting(table, cameras=len(ds.cameras), counted=int(ctx.exposure.counted.sum()),
                            frt=int(ctx.exposure.frt.sum()))


def _read_density_areas(args: argparse.Namespace, named: Callable[[], gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """The areas of ``--areas``: a file of polygons (its dropped features said on stderr), else ``named()``."""
    if Path(args.areas).suffix.lower() in _AREA_FILE_SUFFIXES or Path(args.areas).is_file():
        areas = read_areas(args.areas, id_column=args.id_column, name_column=args.name_column)
        for rec in areas.attrs.get("rejected", []):
            say(f"{args.areas}: feature {rec['feature']}: {rec['reason']}")
        return areas
    return named()


def _file_cameras(args: argparse.Namespace) -> tuple[pd.DataFrame, dict[str, Any], CameraExtent, int]:
    """The cameras of ``--cameras`` under the policies, what was counted, where it looked, how many the file holds.

    The cameras come with ``frt_capable``.
    """
    loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
    selected = select_cameras(reviewed_cameras(loaded.cameras, args.store), frt_policy=args.frt_policy,
                              verification=args.verification)
    settings_used = {**describe_policies(args.frt_policy, args.verification), "cameras": args.cameras}
    if loaded.cameras["source"].eq("decode").any():
        settings_used["decode_total"] = args.decode_total
    return selected, settings_used, load_extent(loaded), len(loaded.cameras)


def _file_density(args: argparse.Namespace, selected: pd.DataFrame, settings_used: dict[str, Any], areas_spec: str,
                  *, extent: CameraExtent | None = None) -> gpd.GeoDataFrame:
    """Density of a camera file alone: policies applied to the file, H3 cells over its cameras."""
    lon, lat = selected["lon"].to_numpy(dtype=float), selected["lat"].to_numpy(dtype=float)
    bounds = (lon.min(), lat.min(), lon.max(), lat.max()) if len(selected) else None
    if bounds is None and areas_spec.strip().lower().startswith("h3:"):
        msg = f"{args.cameras}: no camera is counted, so there is no box to cover with H3 cells"
        raise ExposureError(msg)
    if areas_spec == args.areas:
        areas = _read_density_areas(args, lambda: named_areas(areas_spec, bounds=bounds) if bounds is not None
                                    else named_areas(areas_spec))
    else:
        areas = named_areas(areas_spec)
    return density_by_area(areas, selected, counted=np.ones(len(selected), dtype=bool),
                           frt=selected["frt_capable"].to_numpy(dtype=bool), settings=settings_used, extent=extent)


def watched(args: argparse.Namespace) -> None:
    """``exposure watched``: camera density against the non-white share per NYC area, and Amnesty's model."""
    loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
    settings_used = {**describe_policies(args.frt_policy, args.verification), "cameras": args.cameras}
    if loaded.cameras["source"].eq("decode").any():
        settings_used["decode_total"] = args.decode_total
    # the same steps as the Who is watched page: select, count per area, correlate, fit Amnesty's model
    report = watched_report(reviewed_cameras(loaded.cameras, args.store), areas=args.areas, measure=args.measure,
                            min_population=args.min_population, frt_policy=args.frt_policy,
                            verification=args.verification, settings=settings_used, extent=load_extent(loaded),
                            model=args.format != "csv")
    emit(report.result.rows_to_csv() if args.format == "csv" else report.to_dict(), args.out)
