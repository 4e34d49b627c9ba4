"""What the coverage model changes: the same seeded random trips under several models, as figures one can cite.

Per model: street metres in view (summed over cameras, each street once per
camera, and of any counted camera, each metre once), the share of the cameras'
discs and sectors that walls hide, the FRT cameras on the shortest and on the
fewest-camera route (medians), the share of trips whose fewest-camera route
within the detour meets no FRT camera and the median detour it takes (the measure
TRAMES published for ALPRs; beside it, the share whose shortest route already
meets none), and how many trips get another best route than under the first
model. The trips are drawn from a seeded generator and said (how many, their
length band, the seed), so that a figure can be reproduced.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import ExposureError
from exposure.coverage_models import coverage_model
from exposure.routing import RoutingContext, fewest_cameras_route, shortest_route
from exposure.viewsheds import compute_viewsheds, street_metres_in_view

if TYPE_CHECKING:
    from exposure.coverage_models import CoverageModel
    from exposure.datasets import Dataset

__all__ = ["COMPARED_MODELS", "COMPARISON_COLUMNS", "ModelComparison", "compare_models", "random_trips"]

#: The built-in models compared by default; the first is the reference each trip's best route is compared with.
COMPARED_MODELS: tuple[str, ...] = ("per-kind", "amnesty", "kamerafrei", "dori-low", "dori-typical", "dori-high")

#: Columns of :attr:`ModelComparison.rows`, in this order.
COMPARISON_COLUMNS: tuple[str, ...] = (
    "model", "level", "walls", "street_m_in_view_summed", "street_m_in_view", "blocked_share",
    "frt_cameras_shortest_median", "frt_cameras_fewest_median", "zero_frt_on_shortest_share", "zero_frt_share",
    "zero_frt_detour_median",
    "different_best_route", "not_proven_optimal",
)

#: Each search of a comparison stops after this many seconds (its route then says it is not proven optimal).
_SEARCH_LIMIT_S = 5.0


@dataclass(frozen=True)
class ModelComparison:
    """The comparison: one row per model (:data:`COMPARISON_COLUMNS`), the trips, and what was compared how.

    ``trips`` has one row per trip (``origin``, ``destination`` street nodes and the
    shortest walk ``shortest_m``) and, per model, ``frt_shortest:<model>``,
    ``frt_fewest:<model>`` and ``detour:<model>`` (the fewest-camera route's
    length over the shortest's, minus one).
    """

    rows: pd.DataFrame
    trips: pd.DataFrame
    settings: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the settings (trips, band, seed, level, policies) and one row per model."""
        return {"settings": self.settings, "models": self.rows.to_dict(orient="records")}

    def to_markdown(self) -> str:
        """The table as Markdown, with a line saying the trips, their band and the seed."""
        head = ("| model | walls | street m in view (summed over cameras) | of any camera | blocked by walls | "
                "FRT cameras, shortest (median) | FRT cameras, fewest (median) | shortest already at 0 FRT | trips "
                "reaching 0 FRT | their median detour | other best route |")
        lines = [head, "|" + "---|" * 11]
        for r in self.rows.to_dict(orient="records"):
            detour = "–" if r["zero_frt_detour_median"] is None or np.isnan(r["zero_frt_detour_median"]) else \
                f"+{100 * r['zero_frt_detour_median']:.1f} %"
            lines.append(
                f"| {r['model']} | {'yes' if r['walls'] else 'no'} | {r['street_m_in_view_summed']:,.0f} | "
                f"{r['street_m_in_view']:,.0f} | {100 * r['blocked_share']:.0f} % | "
                f"{r['frt_cameras_shortest_median']:g} | {r['frt_cameras_fewest_median']:g} | "
                f"{100 * r['zero_frt_on_shortest_share']:.1f} % | {100 * r['zero_frt_share']:.1f} % | {detour} | "
                f"{r['different_best_route']} |")
        s = self.settings
        lines.append("")
        lines.append(f"{s['trips']} trips of {s['length_band_m'][0]:g}–{s['length_band_m'][1]:g} m along the "
                     f"streets, seed {s['seed']}, level {s['level']}, detour at most +{100 * s['max_detour']:g} %, "
                     f"dataset {s['dataset']}; other best route: against {s['reference_model']}.")
        return "\n".join(lines) + "\n"


def random_trips(ctx: RoutingContext, *, n: int, min_m: float, max_m: float, seed: int) -> pd.DataFrame:
    """``n`` seeded random trips whose shortest walk is between ``min_m`` and ``max_m`` metres.

    An origin is drawn among the street nodes, then a destination among the
    nodes its shortest walk reaches within the band; origins that reach none are
    drawn again, up to 50 times ``n`` draws.

    Raises
    ------
    ExposureError
        When no trip of that length exists in the dataset, or the band is empty.
    """
    if not (0 <= min_m < max_m) or n < 1:
        msg = f"trips need 0 <= min_m < max_m and n >= 1, got min_m={min_m:g}, max_m={max_m:g}, n={n}"
        raise ExposureError(msg)
    rng = np.random.default_rng(seed)
    nodes = ctx.index.n_nodes
    found: list[tuple[int, int, float]] = []
    for _ in range(50 * n):
        if len(found) == n:
            break
        origin = int(rng.integers(nodes))
        dist, _ = ctx.length_distances(origin, limit=max_m)
        inside = np.flatnonzero((dist >= min_m) & (dist <= max_m))
        if len(inside):
            destination = int(rng.choice(inside))
            found.append((origin, destination, float(dist[destination])))
    if not found:
        msg = (f"no walk of {min_m:g}–{max_m:g} m in this dataset; choose another length band (--min-m, --max-m)")
        raise ExposureError(msg)
    return pd.DataFrame(found, columns=["origin", "destination", "shortest_m"])


def _street_figures(dataset: Dataset, ctx: RoutingContext, *, model: CoverageModel | str | Path,
                    level: str) -> dict[str, Any]:
    """Street metres in view (summed over cameras and of any counted camera) and the share walls block."""
    views = dataset.viewsheds(coverage_model=model, level=level)
    seen = street_metres_in_view(dataset.index, views)
    whole = street_metres_in_view(dataset.index, compute_viewsheds(views.geometry, None)) if views.walls_used \
        else seen
    streets = dataset.index.street_edges
    return {
        "walls": bool(views.walls_used),
        "street_m_in_view_summed": round(float(seen.sum()), 1),
        "street_m_in_view": round(float(ctx.exposure.in_view_any_m[streets].sum()), 1),
        "blocked_share": round(1.0 - float(seen.sum()) / float(whole.sum()), 4) if whole.sum() > 0 else 0.0,
    }


def _median(values: Sequence[float]) -> float | None:
    return float(np.median(values)) if len(values) else None


def compare_models(
    dataset: Dataset, *, models: Sequence[str | Path | CoverageModel] = COMPARED_MODELS, level: str | None = None,
    trips: int = 200, min_m: float = 500.0, max_m: float = 1500.0, seed: int = 0, max_detour: float | None = None,
    frt_policy: str | Path = "default", verification: str = "default", time_limit_s: float = _SEARCH_LIMIT_S,
    progress: Callable[[str], None] | None = None,
) -> ModelComparison:
    """Run the same seeded random trips under several coverage models and compare what each counts.

    Parameters
    ----------
    dataset
        The dataset (its streets, cameras and buildings).
    models
        The coverage models, by name, file or value; the first is the reference
        of ``different_best_route``.
    level
        The level counted under every model (default ``settings.coverage_level``).
    trips, min_m, max_m, seed
        How many random trips, the band of their shortest walk in metres, and the
        seed that draws them (:func:`random_trips`).
    max_detour
        The fewest-camera route's detour bound (default ``settings.max_detour``).
    frt_policy, verification
        The policies counted, as for every figure.
    time_limit_s
        Each search's time limit; a route past it says so (``not_proven_optimal``).
    progress
        Called with a short message per model.
    """
    if not models:
        msg = "compare at least one coverage model"
        raise ExposureError(msg)
    detour = settings.max_detour if max_detour is None else float(max_detour)
    level = level or settings.coverage_level
    resolved = [coverage_model(m) for m in models]
    first_ctx = dataset.context(frt_policy_spec=frt_policy, verification=verification, coverage_model=resolved[0],
                                level=level)
    table = random_trips(first_ctx, n=trips, min_m=min_m, max_m=max_m, seed=seed)
    pairs = list(zip(table["origin"].tolist(), table["destination"].tolist(), strict=True))
    rows, reference = [], None
    for model in resolved:
        started = time.perf_counter()
        ctx = dataset.context(frt_policy_spec=frt_policy, verification=verification, coverage_model=model,
                              level=level)
        shortest = [shortest_route(ctx, o, d) for o, d in pairs]
        fewest = [fewest_cameras_route(ctx, o, d, max_detour=detour, time_limit_s=time_limit_s) for o, d in pairs]
        table[f"frt_shortest:{model.name}"] = [r.frt_cameras for r in shortest]
        table[f"frt_fewest:{model.name}"] = [r.frt_cameras for r in fewest]
        table[f"detour:{model.name}"] = [f.length_m / s.length_m - 1.0 for f, s in zip(fewest, shortest, strict=True)]
        best = [f.edges for f in fewest]
        reference = best if reference is None else reference
        zero = [f.length_m / s.length_m - 1.0 for f, s in zip(fewest, shortest, strict=True) if f.frt_cameras == 0]
        rows.append({
            "model": model.name, "level": level, **_street_figures(dataset, ctx, model=model, level=level),
            "frt_cameras_shortest_median": float(np.median([r.frt_cameras for r in shortest])),
            "frt_cameras_fewest_median": float(np.median([r.frt_cameras for r in fewest])),
            "zero_frt_on_shortest_share": round(sum(r.frt_cameras == 0 for r in shortest) / len(pairs), 4),
            "zero_frt_share": round(len(zero) / len(pairs), 4),
            "zero_frt_detour_median": None if not zero else round(float(np.median(zero)), 4),
            "different_best_route": sum(a != b for a, b in zip(best, reference, strict=True)),
            "not_proven_optimal": sum(f.optimal is False for f in fewest),
        })
        if progress is not None:
            progress(f"{model.name}: {len(pairs)} trips in {time.perf_counter() - started:.1f} s")
    used = {
        "dataset": dataset.name, "trips": len(pairs), "trips_asked": trips, "length_band_m": [min_m, max_m],
        "seed": seed, "level": level, "max_detour": detour, "reference_model": resolved[0].name,
        "search_time_limit_s": time_limit_s,
        "policies": {k: v for k, v in first_ctx.settings.items() if k not in ("coverage", "dataset")},
        "coverage": {m.name: dataset.coverage(coverage_model=m, level=level).settings for m in resolved},
    }
    return ModelComparison(rows=pd.DataFrame(rows, columns=list(COMPARISON_COLUMNS)), trips=table, settings=used)
