"""Options of the coverage-model commands (viewsheds, models, compare-models) and of every command that counts.

Kept apart from :mod:`exposure.cli.viewsheds` and :mod:`exposure.cli.models`, which
run them, so that ``--help`` and usage errors answer without loading the engine.
The model and level given are checked when the command runs, against the engine's
own lists (:mod:`exposure.coverage_models`).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

__all__ = ["add_compare_models", "add_coverage_options", "add_models", "add_viewsheds"]

#: The built-in models compared by default, today's first (the one each trip's best route is compared with).
COMPARED_MODELS = "per-kind,amnesty,kamerafrei,dori-low,dori-typical,dori-high"

AddCommon = Callable[..., None]


def add_coverage_options(p: argparse.ArgumentParser) -> None:
    """``--coverage-model`` and ``--level``: what a camera sees, for every command that counts cameras."""
    p.add_argument("--coverage-model", default=None, metavar="MODEL",
                   help="what each camera sees: a built-in model (per-kind, amnesty, kamerafrei, dori-low, "
                        "dori-typical, dori-high; `exposure models` lists them) or a CSV file of one model; walls "
                        "cut the views where the model says so [dori-typical]")
    p.add_argument("--level", default=None, metavar="LEVEL",
                   help="count the cameras that can identify (IEC 62676-4's 250 px/m), recognise (125) or observe "
                        "(62.5) you [identify]")


def add_viewsheds(sub: Any, *, common: AddCommon) -> None:
    """Add the ``viewsheds`` command: one polygon or row per camera, what it sees under a model."""
    v = sub.add_parser(
        "viewsheds", help="what each camera sees under a coverage model: one polygon or row per camera",
        description="Each camera's viewshed under a coverage model and level: its disc or sector cut by the "
                    "dataset's buildings where the model uses walls. GeoJSON: one polygon per camera (WGS84); CSV: "
                    "one row per camera. Both give camera_id, model, level, walls, range_m, street_m_in_view (each "
                    "street once, whatever its directions) and blocked_share (what walls hide of what the same "
                    "camera would see without them).")
    v.add_argument("--cameras", default=None, help="use this camera file instead of the dataset's cameras")
    v.add_argument("--format", default="geojson", choices=["geojson", "csv"],
                   help="geojson: a polygon per camera with its figures; csv: a row per camera [geojson]")
    common(v)


def add_models(sub: Any) -> None:
    """Add the ``models`` command: the coverage models, their ranges per kind and level, and their sources."""
    m = sub.add_parser(
        "models", help="the coverage models: ranges per camera kind and level, walls, and where each number comes "
                       "from",
        description="The built-in coverage models (or the models of a CSV file): per model, kind and level the "
                    "range of a camera whose direction is unknown (a disc) and the cone where it is known, whether "
                    "walls cut the views, whether a camera's own range wins, and each number's source.")
    m.add_argument("--file", default=None, metavar="CSV", help="a coverage model file [the built-in models]")
    m.add_argument("--format", default="json", choices=["json", "csv"], help="json or csv, one row per model, kind "
                                                                             "and level [json]")
    m.add_argument("--out", default=None, help="write the result to this file instead of stdout")


def add_compare_models(sub: Any, *, common: AddCommon) -> None:
    """Add the ``compare-models`` command: the same seeded random trips under several coverage models."""
    c = sub.add_parser(
        "compare-models", help="what the coverage model changes: the same random trips under several models",
        description="Runs the same seeded random trips under several coverage models and prints, per model: street "
                    "metres in view (summed over cameras, and of any camera), the share walls block, FRT cameras on "
                    "the shortest and on the fewest-camera route (median), the share of trips that reach zero FRT "
                    "cameras within the detour and their median detour, and how many trips get another best route "
                    "than under the first model. It says how many trips, their length band and the seed, so that "
                    "a figure can be cited and reproduced.")
    c.add_argument("--models", default=COMPARED_MODELS, metavar="LIST",
                   help=f"comma list of models (names or CSV files); the first is the reference [{COMPARED_MODELS}]")
    c.add_argument("--trips", type=int, default=200, metavar="N", help="random trips [200]")
    c.add_argument("--min-m", type=float, default=500.0, metavar="M",
                   help="shortest walk of a trip, in metres along the streets [500]")
    c.add_argument("--max-m", type=float, default=1500.0, metavar="M",
                   help="longest walk of a trip, in metres along the streets [1500]")
    c.add_argument("--seed", type=int, default=0, help="seed of the random trips [0]")
    c.add_argument("--max-detour", type=float, default=None,
                   help="the fewest-camera route's detour bound over the shortest, as a fraction [0.5]")
    c.add_argument("--level", default=None, metavar="LEVEL",
                   help="the level counted under every model: identify, recognise or observe [identify]")
    c.add_argument("--cameras", default=None, help="use this camera file instead of the dataset's cameras")
    c.add_argument("--format", default="json", choices=["json", "csv", "md"],
                   help="json: rows and settings; csv: one row per model; md: a Markdown table [json]")
    common(c, radius=False, coverage=False)
