"""Protest-plan benchmark: a whole plan against planning each pair on its own (see bench/README.md).

    .venv/bin/python bench/bench_planning.py                  # Helsinki (the embedded extract)
    .venv/bin/python bench/bench_planning.py --city 40000     # a seeded synthetic city of ~40k nodes
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from exposure import settings
from exposure.planning import Avoidance, PlanPoint, PlanRequest, area_around, make_plan
from exposure.routing import RoutingContext, routes


def context(city: int, seed: int) -> tuple[RoutingContext, Any, str]:
    if city:
        from city import synthetic_city  # noqa: PLC0415

        from exposure.cameras import FRT_CAPABLE_TIERS  # noqa: PLC0415
        from exposure.coverage import edge_coverage, edge_exposure  # noqa: PLC0415
        from exposure.network import index_graph  # noqa: PLC0415

        G, cams = synthetic_city(n_nodes=city, n_cameras=city // 5, seed=seed)
        index = index_graph(G)
        ex = edge_exposure(edge_coverage(index, cams), counted=np.ones(len(cams), bool),
                           frt=cams["frt_tier"].isin(FRT_CAPABLE_TIERS).to_numpy())
        return (RoutingContext(index=index, exposure=ex, camera_ids=cams["camera_id"].to_numpy(), settings={}),
                cams, f"synthetic city, {index.n_nodes} nodes (not a real place)")
    from exposure.datasets import load_dataset  # noqa: PLC0415

    ds = load_dataset("helsinki")
    return ds.context(), ds.cameras, "helsinki"


def point(ctx: RoutingContext, node: int) -> PlanPoint:
    lon, lat = ctx.index.node_lonlat[node]
    return PlanPoint(name=f"node {node}", lon=float(lon), lat=float(lat))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--city", type=int, default=0, help="nodes of a synthetic city instead of Helsinki")
    parser.add_argument("--points", type=int, nargs="+", default=[3, 10], help="gathering points per plan")
    parser.add_argument("--plans", type=int, default=5, help="plans per size (each with other points)")
    parser.add_argument("--radius-m", type=float, default=1200.0, help="gathering points within this walk")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    ctx, cameras, name = context(args.city, args.seed)
    rng = np.random.default_rng(args.seed)
    routes(ctx, 0, int(ctx.index.edge_v[0]))  # load the compiled kernels outside any timing
    results: dict[str, Any] = {"dataset": name, "config": vars(args),
                               "plan_time_limit_s": settings.plan_time_limit_s, "sizes": {}}
    for k in args.points:
        plan_ms, pair_ms, avoid_ms, proven = [], [], [], []
        for _ in range(args.plans):
            site = int(rng.integers(ctx.index.n_nodes))
            dist, _ = ctx.length_distances(site, limit=args.radius_m, reverse=True)
            near = np.flatnonzero(np.isfinite(dist) & (dist > 200))
            nodes = [int(n) for n in rng.choice(near, min(k, len(near)), replace=False)]
            request = PlanRequest(site=point(ctx, site), gathering=tuple(point(ctx, n) for n in nodes))
            t = time.perf_counter()
            plan = make_plan(ctx, request, cameras=cameras)
            plan_ms.append(1000 * (time.perf_counter() - t))
            proven.append(all(j.route.optimal is not False for j in plan.journeys))
            t = time.perf_counter()
            for n in nodes:
                routes(ctx, n, site)
            pair_ms.append(1000 * (time.perf_counter() - t))
            lon, lat = ctx.index.node_lonlat[nodes[0]]
            avoid = Avoidance(areas=(area_around(float(lat), float(lon), 80.0),), no_frt_cameras=False)
            t = time.perf_counter()
            make_plan(ctx, PlanRequest(site=request.site, gathering=request.gathering[1:] or request.gathering,
                                       avoid=avoid), cameras=cameras)
            avoid_ms.append(1000 * (time.perf_counter() - t))
        results["sizes"][str(k)] = {
            "plan_median_ms": round(statistics.median(plan_ms), 1), "plan_max_ms": round(max(plan_ms), 1),
            "pairwise_median_ms": round(statistics.median(pair_ms), 1),
            "ratio_plan_to_pairwise": round(statistics.median(plan_ms) / max(statistics.median(pair_ms), 1e-9), 2),
            "with_avoided_area_median_ms": round(statistics.median(avoid_ms), 1),
            "all_proven_share": sum(proven) / len(proven),
        }
        print(f"… {k} points: {results['sizes'][str(k)]}", file=sys.stderr)
    text = json.dumps(results, indent=2)
    print(text)
    out = Path(args.out) if args.out else Path(__file__).resolve().parent / "results" / "planning.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text + "\n")


if __name__ == "__main__":
    main()
