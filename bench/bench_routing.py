"""Routing benchmark on a seeded synthetic city (see bench/README.md).

    .venv/bin/python bench/bench_routing.py --quick
    .venv/bin/python bench/bench_routing.py --nodes 90000 --cameras 20000 --queries 30
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import resource
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import networkx as nx
import osmnx as ox
import scipy
from city import synthetic_city

from exposure import settings
from exposure.cameras import FRT_CAPABLE_TIERS
from exposure.coverage import coverage_settings, edge_coverage, edge_exposure
from exposure.network import index_graph
from exposure.routing import (
    RoutingContext,
    _detour_subgraph,
    alternative_routes,
    fewest_cameras_route,
    least_in_view_route,
    shortest_route,
)

BAND_M = (1600.0, 2400.0)
TARGETS = {
    "least_time_in_view_median_ms_max": 50.0,
    "least_time_in_view_speedup_min": 10.0,
    "fewest_cameras_median_ms_max": 1000.0,
    "coverage_build_s_max": 2.0,
}


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def stats_ms(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000.0
    if len(ms) == 0:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": round(float(np.median(ms)), 2),
        "p95_ms": round(float(np.percentile(ms, 95)), 2),
        "mean_ms": round(float(ms.mean()), 2),
        "max_ms": round(float(ms.max()), 2),
        "min_ms": round(float(ms.min()), 2),
    }


def pick_queries(ctx: RoutingContext, n: int, rng: np.random.Generator) -> list[tuple[int, int, float]]:
    """Origin/destination node indices whose shortest walk is within ``BAND_M``."""
    out: list[tuple[int, int, float]] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 50 * n + 100:
            msg = f"found only {len(out)} origin/destination pairs 1.6-2.4 km apart: is the city too small?"
            raise RuntimeError(msg)
        o = int(rng.integers(ctx.index.n_nodes))
        dist, _ = ctx.length_distances(o, limit=BAND_M[1])
        band = np.flatnonzero((dist >= BAND_M[0]) & (dist <= BAND_M[1]))
        if len(band) == 0:
            continue
        d = int(rng.choice(band))
        out.append((o, d, float(dist[d])))
    return out


def profile_top(fn: Any, *args: Any, top: int = 15, **kwargs: Any) -> list[dict[str, Any]]:
    """Run once under cProfile; the ``top`` functions by cumulative time."""
    prof = cProfile.Profile()
    prof.enable()
    fn(*args, **kwargs)
    prof.disable()
    st = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (file, line, name), (_cc, ncalls, tottime, cumtime, _callers) in st.stats.items():  # type: ignore[attr-defined]
        where = f"{Path(file).name}:{line}({name})" if line else name
        rows.append({"function": where, "ncalls": ncalls, "tottime_s": round(tottime, 4),
                     "cumtime_s": round(cumtime, 4)})
    rows.sort(key=lambda r: -r["cumtime_s"])
    return rows[:top]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nodes", type=int, default=None, help="approximate node count (default 90000)")
    p.add_argument("--cameras", type=int, default=None, help="camera count (default 20000)")
    p.add_argument("--queries", type=int, default=None, help="origin/destination pairs (default 30)")
    p.add_argument("--alt-queries", type=int, default=None, help="queries also run as alternatives n=3 (default 5)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="smoke run: 10000 nodes, 2000 cameras, 10 queries")
    p.add_argument("--no-profile", action="store_true", help="skip the cProfile of the slowest queries")
    p.add_argument("--out", type=Path, default=None,
                   help="JSON output (default bench/results/routing.json, or routing-quick.json with --quick)")
    args = p.parse_args(argv)
    if args.quick:
        defaults = {"nodes": 10_000, "cameras": 2_000, "queries": 10, "alt_queries": 3}
    else:
        defaults = {"nodes": 90_000, "cameras": 20_000, "queries": 30, "alt_queries": 5}
    for name, value in defaults.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.alt_queries = min(args.alt_queries, args.queries)
    if args.out is None:
        name = "routing-quick.json" if args.quick else "routing.json"
        args.out = Path(__file__).resolve().parent / "results" / name

    def log(msg: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)

    # --- build ------------------------------------------------------------------------------
    log(f"synthetic city: {args.nodes} nodes, {args.cameras} cameras, seed {args.seed}")
    (G, cameras), city_s = timed(synthetic_city, n_nodes=args.nodes, n_cameras=args.cameras, seed=args.seed)
    index, index_s = timed(index_graph, G)
    log(f"index_graph {index_s:.2f} s: {index.n_nodes} nodes, {index.n_edges} edges")
    coverage, coverage_s = timed(edge_coverage, index, cameras)
    log(f"edge_coverage {coverage_s:.2f} s: {len(coverage.edge)} visible pieces")
    counted = np.ones(len(cameras), dtype=bool)  # verification "default": every status counts
    frt = cameras["frt_tier"].isin(FRT_CAPABLE_TIERS).to_numpy(dtype=bool)
    exposure, exposure_s = timed(edge_exposure, coverage, counted=counted, frt=frt)
    ctx_settings = {"frt_policy": "default", "verification": "default", "coverage": coverage_settings()}
    ctx, ctx_s = timed(RoutingContext, index, exposure, cameras["camera_id"].astype(str).to_numpy(), ctx_settings)
    log(f"edge_exposure {exposure_s:.2f} s, RoutingContext {ctx_s:.2f} s")
    rss_after_build = peak_rss_mib()

    # --- queries ----------------------------------------------------------------------------
    rng = np.random.default_rng(args.seed + 1)
    queries = pick_queries(ctx, args.queries + 1, rng)
    warm, queries = queries[0], queries[1:]
    # warm-up (imports, HiGHS start-up, caches): not timed
    shortest_route(ctx, warm[0], warm[1])
    least_in_view_route(ctx, warm[0], warm[1])
    fewest_cameras_route(ctx, warm[0], warm[1])

    names = ("shortest", "least-time-in-view", "fewest-cameras", "alternatives")
    times: dict[str, list[float]] = {k: [] for k in names}
    per_query: list[dict[str, Any]] = []
    for qi, (o, d, dist) in enumerate(queries):
        rec: dict[str, Any] = {"origin": int(index.node_ids[o]), "destination": int(index.node_ids[d]),
                               "shortest_m": round(dist, 1)}
        r_s, t = timed(shortest_route, ctx, o, d)
        times["shortest"].append(t)
        r_v, t = timed(least_in_view_route, ctx, o, d)
        times["least-time-in-view"].append(t)
        r_f, t = timed(fewest_cameras_route, ctx, o, d)
        times["fewest-cameras"].append(t)
        rec.update({
            "shortest_frt_cameras": r_s.frt_cameras, "shortest_in_view_m": round(r_s.metres_in_view, 1),
            "least_in_view_m": round(r_v.metres_in_view, 1), "least_in_view_length_m": round(r_v.length_m, 1),
            "least_in_view_optimal": r_v.optimal, "least_in_view_ms": round(times["least-time-in-view"][-1] * 1e3, 1),
            "fewest_frt_cameras": r_f.frt_cameras, "fewest_length_m": round(r_f.length_m, 1),
            "fewest_optimal": r_f.optimal, "fewest_ms": round(times["fewest-cameras"][-1] * 1e3, 1),
        })
        if qi < args.alt_queries:
            alts, t = timed(alternative_routes, ctx, o, d, n=3)
            times["alternatives"].append(t)
            rec["alternatives"] = [(round(a.length_m, 1), a.frt_cameras, a.optimal) for a in alts]
            rec["alternatives_ms"] = round(t * 1e3, 1)
        per_query.append(rec)
        log(f"query {qi + 1}/{len(queries)}: {dist:.0f} m; shortest {times['shortest'][-1] * 1e3:.1f} ms, "
            f"in-view {rec['least_in_view_ms']} ms, fewest {rec['fewest_ms']} ms "
            f"({r_s.frt_cameras} -> {r_f.frt_cameras} FRT cameras)"
            + (f", alternatives {rec['alternatives_ms']} ms" if "alternatives_ms" in rec else ""))

    # --- osmnx baseline on the same queries ---------------------------------------------------
    log("osmnx baseline")
    G_view = G.copy()
    view_cost = exposure.in_view_m + 1e-6 * index.length_m
    for i, (u, v, k) in enumerate(index.edge_keys):
        G_view.edges[u, v, k]["view_cost"] = float(view_cost[i])
    base: dict[str, list[float]] = {"osmnx_length": [], "osmnx_view_cost": [], "nx_bidirectional_length": [],
                                    "nx_bidirectional_view_cost": []}
    agree = 0
    unconstrained_fits = 0
    for rec, (o, d, dist) in zip(per_query, queries, strict=True):
        ou, du = int(index.node_ids[o]), int(index.node_ids[d])
        path, t = timed(ox.routing.shortest_path, G, ou, du, weight="length")
        base["osmnx_length"].append(t)
        length = sum(min(e["length"] for e in G[a][b].values()) for a, b in zip(path[:-1], path[1:], strict=True))
        agree += abs(length - dist) <= 1e-6 * max(dist, 1.0)
        path_v, t = timed(ox.routing.shortest_path, G_view, ou, du, weight="view_cost")
        base["osmnx_view_cost"].append(t)
        best = [min(G_view[a][b].values(), key=lambda e: e["view_cost"])
                for a, b in zip(path_v[:-1], path_v[1:], strict=True)]
        unc_len = sum(e["length"] for e in best)
        rec["osmnx_view_cost_in_view_m"] = round(sum(e["view_cost"] - 1e-6 * e["length"] for e in best), 1)
        rec["osmnx_view_cost_length_m"] = round(unc_len, 1)
        unconstrained_fits += unc_len <= (1 + settings.max_detour) * dist + 1e-6
        _, t = timed(nx.bidirectional_dijkstra, G, ou, du, weight="length")
        base["nx_bidirectional_length"].append(t)
        _, t = timed(nx.bidirectional_dijkstra, G_view, ou, du, weight="view_cost")
        base["nx_bidirectional_view_cost"].append(t)

    # --- summary ------------------------------------------------------------------------------
    obj = {k: stats_ms(v) for k, v in times.items()}
    fewest_opt = [r["fewest_optimal"] for r in per_query]
    obj["fewest-cameras"]["optimal_share"] = round(sum(x is True for x in fewest_opt) / len(fewest_opt), 3)
    obj["fewest-cameras"]["not_proven"] = sum(x is False for x in fewest_opt)
    lv_opt = [r["least_in_view_optimal"] for r in per_query]
    obj["least-time-in-view"]["optimal_share"] = round(sum(x is True for x in lv_opt) / len(lv_opt), 3)
    bl = {k: stats_ms(v) for k, v in base.items()}
    speed_shortest = bl["osmnx_length"]["median_ms"] / obj["shortest"]["median_ms"]
    speed_view = bl["osmnx_view_cost"]["median_ms"] / obj["least-time-in-view"]["median_ms"]
    speed_nx_shortest = bl["nx_bidirectional_length"]["median_ms"] / obj["shortest"]["median_ms"]
    speed_nx_view = bl["nx_bidirectional_view_cost"]["median_ms"] / obj["least-time-in-view"]["median_ms"]
    result: dict[str, Any] = {
        "config": {
            "nodes_requested": args.nodes, "cameras": args.cameras, "queries": len(queries),
            "alternatives_queries": args.alt_queries, "seed": args.seed, "quick": args.quick,
            "distance_band_m": list(BAND_M), "max_detour": settings.max_detour,
            "exact_time_limit_s": settings.exact_time_limit_s,
        },
        "city": {
            "nodes": index.n_nodes, "edges": index.n_edges,
            "edges_with_geometry": int(sum(1 for *_, g in G.edges(data="geometry") if g is not None)),
            "parallel_edges": int(sum(1 for _, _, k in G.edges(keys=True) if k > 0)),
            "frt_capable_cameras": int(frt.sum()), "coverage_pieces": len(coverage.edge),
            "edges_in_view_share": round(float((exposure.in_view_m > 0).mean()), 3),
        },
        "build_s": {
            "synthetic_city": round(city_s, 3), "index_graph": round(index_s, 3),
            "edge_coverage": round(coverage_s, 3), "edge_exposure": round(exposure_s, 3),
            "routing_context": round(ctx_s, 3),
        },
        "objectives": obj,
        "baseline": {
            **bl,
            "osmnx_shortest_agrees_share": round(agree / len(queries), 3),
            "osmnx_view_cost_within_detour_share": round(unconstrained_fits / len(queries), 3),
            "note": ("osmnx.routing.shortest_path = networkx bidirectional Dijkstra on the MultiDiGraph plus "
                     "an O(E) check of the weight attribute on every call; view_cost = in_view_m + 1e-6*length "
                     "without the detour bound our least-time-in-view enforces"),
        },
        "speedup": {
            "shortest_vs_osmnx_length": round(speed_shortest, 2),
            "least_time_in_view_vs_osmnx_view_cost": round(speed_view, 2),
            "shortest_vs_nx_bidirectional_length": round(speed_nx_shortest, 2),
            "least_time_in_view_vs_nx_bidirectional_view_cost": round(speed_nx_view, 2),
        },
        "memory": {"peak_rss_after_build_mib": round(rss_after_build, 1), "peak_rss_mib": round(peak_rss_mib(), 1)},
        "targets": {
            "least_time_in_view_median_ms_le_50":
                obj["least-time-in-view"]["median_ms"] <= TARGETS["least_time_in_view_median_ms_max"],
            "least_time_in_view_speedup_ge_10": speed_view >= TARGETS["least_time_in_view_speedup_min"],
            "fewest_cameras_median_ms_le_1000":
                obj["fewest-cameras"]["median_ms"] <= TARGETS["fewest_cameras_median_ms_max"],
            "coverage_build_s_le_2": coverage_s <= TARGETS["coverage_build_s_max"],
        },
        "environment": {
            "python": platform.python_version(), "numpy": np.__version__, "scipy": scipy.__version__,
            "networkx": nx.__version__, "osmnx": ox.__version__, "cpus": os.cpu_count(),
            "machine": platform.machine(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        },
        "per_query": per_query,
    }

    if not args.no_profile:
        log("profiling the slowest queries")
        profiles = {}
        for name, fn, key in (("least-time-in-view", least_in_view_route, "least_in_view_ms"),
                              ("fewest-cameras", fewest_cameras_route, "fewest_ms")):
            i = int(np.argmax([r[key] for r in per_query]))
            o, d, _ = queries[i]
            sub, _ = _detour_subgraph(ctx, o, d, settings.max_detour)
            profiles[name] = {"query": i, "ms_in_run": per_query[i][key], "ellipse_edges": len(sub.edges),
                              "ellipse_nodes": len(sub.nodes), "top_cumulative": profile_top(fn, ctx, o, d)}
        result["profiles"] = profiles

    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n")
    log(f"wrote {args.out}")
    return result


if __name__ == "__main__":
    main()
