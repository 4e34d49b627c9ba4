"""The ``models`` and ``compare-models`` commands: the coverage models, and what choosing one changes."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from exposure import datasets
from exposure._tables import neutralise_formulas
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.compare_models import compare_models as run_comparison
from exposure.coverage_models import LEVELS, read_coverage_models
from exposure.review import reviewed_dataset

__all__ = ["compare_models", "models"]


def models(args: argparse.Namespace) -> None:
    """``exposure models``: every model's ranges per kind and level, walls, whether it honours a camera's range."""
    found = read_coverage_models(args.file) if args.file else read_coverage_models()
    rows: list[dict[str, Any]] = []
    for model in found.values():
        for (kind, level), rule in sorted(model.rules.items(), key=lambda kv: (kv[0][0], LEVELS.index(kv[0][1]))):
            rows.append({"model": model.name, "description": model.description, "kind": kind, "level": level,
                         "range_m": rule.range_m, "cone_range_m": rule.cone_range_m,
                         "cone_fov_deg": rule.cone_fov_deg, "walls": model.walls,
                         "honours_camera_range": model.honours_camera_range, "h_pixels": rule.h_pixels,
                         "hfov_deg": rule.hfov_deg, "source": rule.source})
    if args.format == "csv":
        emit(neutralise_formulas(pd.DataFrame(rows)).to_csv(index=False), args.out)
    else:
        emit({"models": rows}, args.out)


def compare_models(args: argparse.Namespace) -> None:
    """``exposure compare-models``: the same seeded random trips under several models, one row per model."""
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if args.cameras:
        loaded = load_camera_file(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ds = reviewed_dataset(ds, args.store)
    names = [m.strip() for m in args.models.split(",") if m.strip()]
    found = run_comparison(ds, models=names, level=args.level, trips=args.trips, min_m=args.min_m,
                           max_m=args.max_m, seed=args.seed, max_detour=args.max_detour,
                           frt_policy=args.frt_policy, verification=args.verification, progress=progress)
    s = found.settings
    say(f"{s['trips']} trips of {s['length_band_m'][0]:g}-{s['length_band_m'][1]:g} m along the streets, seed "
        f"{s['seed']}, level {s['level']}")
    if args.format == "csv":
        emit(found.rows.to_csv(index=False), args.out)
    elif args.format == "md":
        emit(found.to_markdown(), args.out)
    else:
        emit(found.to_dict(), args.out)
