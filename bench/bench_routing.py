"""Routing benchmark suite: Helsinki, generated cities up to a million edges, and the Brooklyn proxy.

    .venv/bin/python bench/bench_routing.py                       # every case and band (see bench/README.md)
    .venv/bin/python bench/bench_routing.py --cases brooklyn --bands 5km,8-10km --queries 10
    .venv/bin/python bench/bench_routing.py --quick               # the smallest case, a few trips (CI)

Each case's dataset is built once and cached under ``data/cache/bench/``. Trips
are drawn in bands of shortest-walk length (2 km, 5 km, 8-10 km) for every case
large enough. The measurements run in fresh processes: one for our code (dataset
load, coverage, every objective per band, the dashboard's request, an audit, and
on the Brooklyn proxy a protest plan of three 5 km marches; its peak memory is
ours alone) and one for the baselines (osmnx and networkx shortest paths on the
same weights on the 2 km trips, the integer-program solvers this project used
before on the first trips of every band, and a shapely recount for the audit).
JSON goes to ``bench/results/<case>.json`` and ``bench/results/routing.json``, a
table to ``bench/results/summary.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

RESULTS = HERE / "results"
DECODE = ROOT.parent / "shared" / "data" / "nyc" / "decode_counts_per_intersection_brooklyn.csv"

#: Trip-length bands: shortest walk (metres) and trips per band.
BANDS: dict[str, tuple[float, float, int]] = {"2km": (1900.0, 2100.0, 40), "5km": (4500.0, 5500.0, 20),
                                               "8-10km": (8000.0, 10000.0, 20)}

#: The cases: how each dataset is made, what is counted, which trips are drawn (bands, by name).
CASES: dict[str, dict[str, Any]] = {
    "helsinki": {"what": "central Helsinki, the embedded OpenStreetMap extract (real streets, 221 mapped cameras)",
                 "bands": {"2km": (800.0, 2500.0, 40), "longest": (2500.0, 3500.0, 20)},
                 "frt_policy": "default", "radius_m": None},
    "grid-10k": {"what": "generated city, ~10k directed edges, cameras as New York's (0.6 per intersection)",
                 "n_edges": 10_000, "per_intersection": 0.6, "bands": {"2km": BANDS["2km"]}, "frt_policy": "default",
                 "radius_m": None},
    "grid-100k": {"what": "generated city, ~100k directed edges, cameras as New York's (0.6 per intersection)",
                  "n_edges": 100_000, "per_intersection": 0.6, "bands": BANDS, "frt_policy": "default",
                  "radius_m": None},
    "grid-1m": {"what": "generated city, ~1M directed edges, cameras as New York's (0.6 per intersection)",
                "n_edges": 1_000_000, "per_intersection": 0.6, "bands": BANDS, "frt_policy": "default",
                "radius_m": None},
    "dense-1m": {"what": "generated city, ~1M directed edges, dense cameras (2.0 per intersection: ~20 FRT-capable "
                         "on a 2 km shortest route, as in central Helsinki)",
                 "n_edges": 1_000_000, "per_intersection": 2.0, "bands": BANDS, "frt_policy": "default",
                 "radius_m": None},
    "brooklyn": {"what": "Brooklyn proxy: Delaunay edges under 200 m between Decode's 10,377 real intersection "
                         "positions, the real Decode cameras, every camera counted (--frt-policy all), 120 m discs",
                 "bands": BANDS, "frt_policy": "all", "radius_m": 120.0, "plan": True},
}

#: The issues' targets, per case (milliseconds and seconds; memory in MiB), and per long band (issue 20).
TARGETS: dict[str, dict[str, float]] = {
    "helsinki": {"fewest_median_ms": 100, "fewest_p95_ms": 1000, "tradeoff_median_ms": 300, "tradeoff_p95_ms": 3000,
                 "fewest_proven_share": 1.0, "dashboard_request_median_ms": 1000, "cli_route_s": 2.0},
    "grid-1m": {"load_s": 5, "coverage_s": 60, "peak_rss_mib": 4096, "least_in_view_median_ms": 150,
                "fewest_median_ms": 1000, "fewest_p95_ms": 5000, "fewest_proven_share": 0.95},
    "dense-1m": {"load_s": 5, "coverage_s": 60, "peak_rss_mib": 4096, "least_in_view_median_ms": 150,
                 "fewest_median_ms": 1000, "fewest_p95_ms": 5000, "fewest_proven_share": 0.95},
    "brooklyn": {"least_in_view_median_ms": 150, "fewest_median_ms": 1000, "fewest_p95_ms": 5000,
                 "fewest_proven_share": 0.95},
}
LONG_TARGETS: dict[str, float] = {"fewest_median_ms": 100, "fewest_p95_ms": 1000, "dashboard_request_p95_ms": 3000}
LONG_PROVEN: dict[str, float] = {"brooklyn": 1.0, "grid-1m": 1.0, "dense-1m": 0.95}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def stats_ms(seconds: list[float]) -> dict[str, Any]:
    ms = np.asarray(seconds, dtype=float) * 1000.0
    if len(ms) == 0:
        return {"n": 0}
    return {"n": len(ms), "median_ms": round(float(np.median(ms)), 2), "p95_ms": round(float(np.percentile(ms, 95)), 2),
            "mean_ms": round(float(ms.mean()), 2), "max_ms": round(float(ms.max()), 2),
            "min_ms": round(float(ms.min()), 2)}


def share(flags: list[Any]) -> float:
    return round(sum(f is True for f in flags) / len(flags), 3) if flags else float("nan")


# --- datasets -----------------------------------------------------------------------------------


def _cache_dir() -> Path:
    from exposure import settings  # noqa: PLC0415

    return Path(settings.cache_folder) / "bench"


@contextlib.contextmanager
def _bench_cache() -> Iterator[None]:
    """Keep the generated cities in the bench's own cache folder, never among the user's saved datasets."""
    from exposure import settings  # noqa: PLC0415

    saved = settings.cache_folder
    settings.cache_folder = _cache_dir()
    try:
        yield
    finally:
        settings.cache_folder = saved


def dataset_name(case: str) -> str:
    """The saved dataset's name: keyed by the case's parameters and the generator's code."""
    spec = CASES[case]
    recipe = {"case": case, "n_edges": spec.get("n_edges"), "per_intersection": spec.get("per_intersection"),
              "city.py": hashlib.sha256((HERE / "city.py").read_bytes()).hexdigest(), "buildings": 1}
    return f"{case}-{hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]}"


def build_case(case: str) -> dict[str, Any]:
    """Make the case's dataset once (cached); the build's own figures."""
    from exposure.datasets import load_dataset, save_dataset  # noqa: PLC0415

    if case == "helsinki":
        ds, t = timed(load_dataset, "helsinki")
        return {"built": not ds.info.get("from_cache"), "build_or_load_s": round(t, 3)}
    info_path = _cache_dir() / f"{dataset_name(case)}.json"
    with _bench_cache():
        from exposure.datasets import available_datasets  # noqa: PLC0415

        if dataset_name(case) in available_datasets() and info_path.is_file():
            return {**json.loads(info_path.read_text()), "built": False}
    import pandas as pd  # noqa: PLC0415
    from city import brooklyn_proxy, nyc_like_city_with_buildings  # noqa: PLC0415

    from exposure.buildings import buildings_from_polygons, no_buildings  # noqa: PLC0415
    from exposure.cameras import REJECTED_COLUMNS  # noqa: PLC0415
    from exposure.datasets import Dataset  # noqa: PLC0415
    from exposure.network import index_graph  # noqa: PLC0415

    spec = CASES[case]
    log(f"{case}: generating (once; cached in {_cache_dir()})")
    t0 = time.perf_counter()
    if case == "brooklyn":
        if not DECODE.is_file():
            msg = f"the Brooklyn proxy needs {DECODE} (../shared/data beside the repository)"
            raise SystemExit(msg)
        G, cameras = brooklyn_proxy(DECODE)
        polygons = None  # the proxy's streets are Delaunay edges: no building data
        source = f"bench/city.py brooklyn_proxy({DECODE.name})"
    else:
        # the city's blocks of buildings, its building-mounted cameras on their façades: walls for wall-cut models
        G, cameras, polygons = nyc_like_city_with_buildings(n_edges=spec["n_edges"],
                                                            cameras_per_intersection=spec["per_intersection"])
        source = (f"bench/city.py nyc_like_city_with_buildings(n_edges={spec['n_edges']}, "
                  f"per_intersection={spec['per_intersection']})")
    t1 = time.perf_counter()
    index = index_graph(G)
    obstacles = no_buildings(index.crs) if polygons is None else buildings_from_polygons(polygons, crs=index.crs)
    t2 = time.perf_counter()
    empty_places = pd.DataFrame(columns=["key", "name", "lon", "lat", "kind", "features"])
    ds = Dataset(name=dataset_name(case), description=f"{spec['what']} (benchmark only; not a real map)",
                 source=source, checksum=dataset_name(case), index=index, cameras=cameras.reset_index(drop=True),
                 rejected=pd.DataFrame(columns=list(REJECTED_COLUMNS)), places=empty_places, info={}, graph=G,
                 obstacles=obstacles)
    with _bench_cache():
        save_dataset(ds)
    t3 = time.perf_counter()
    info = {"generate_s": round(t1 - t0, 2), "index_graph_s": round(t2 - t1, 2), "save_s": round(t3 - t2, 2),
            "nodes": index.n_nodes, "edges": index.n_edges, "cameras": len(cameras)}
    info_path.write_text(json.dumps(info))
    log(f"{case}: built in {t3 - t0:.1f} s: {index.n_nodes:,} nodes, {index.n_edges:,} edges, {len(cameras):,} cameras")
    return {**info, "built": True}


def load_case(case: str) -> Any:
    from exposure.datasets import load_dataset  # noqa: PLC0415

    if case == "helsinki":
        return load_dataset("helsinki")
    with _bench_cache():
        return load_dataset(dataset_name(case))


def pick_trips(ctx: Any, n: int, band: tuple[float, float], seed: int) -> list[tuple[int, int, float]]:
    """Origin/destination node indices whose shortest walk lies within ``band`` metres."""
    rng = np.random.default_rng(seed)
    out: list[tuple[int, int, float]] = []
    tries = 0
    while len(out) < n:
        tries += 1
        if tries > 50 * n + 100:
            msg = f"found only {len(out)} trips {band[0]:.0f}-{band[1]:.0f} m long: is the network too small?"
            raise RuntimeError(msg)
        o = int(rng.integers(ctx.index.n_nodes))
        dist, _ = ctx.length_distances(o, limit=band[1])
        inside = np.flatnonzero((dist >= band[0]) & (dist <= band[1]))
        if len(inside) == 0:
            continue
        d = int(rng.choice(inside))
        out.append((o, d, float(dist[d])))
    return out


# --- our code, in a process of its own ----------------------------------------------------------


def timed_cpu(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float, float]:
    """The result, wall seconds and this thread's CPU seconds (what the shared machine does not inflate)."""
    t, c = time.perf_counter(), time.thread_time()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t, time.thread_time() - c


def band_trips(ctx: Any, case: str, queries: int | None, seed: int, bands: list[str] | None,
               long_queries: int | None = None) -> dict[str, list[tuple[int, int, float]]]:
    """The case's trips per band (one more than timed: the first warms the process up).

    ``queries`` overrides every band's number of trips, ``long_queries`` those of
    the bands after the first.
    """
    out = {}
    for i, (band, (lo, hi, n)) in enumerate(CASES[case]["bands"].items()):
        if bands is None or band in bands:
            count = (long_queries if i and long_queries else None) or queries or n
            out[band] = pick_trips(ctx, count + 1, (lo, hi), seed + 1000 * i)
    return out


def _one_trip(ctx: Any, ds: Any, spec: dict[str, Any], o: int, d: int, dist: float,
              times: dict[str, list[float]], cpu: dict[str, list[float]], model: str = "per-kind") -> dict[str, Any]:
    """Every objective on one trip, each with the context's memo cleared (a search, not a memo lookup, is timed)."""
    from exposure import settings  # noqa: PLC0415
    from exposure.audit import audit_track  # noqa: PLC0415
    from exposure.routing import (  # noqa: PLC0415
        alternative_routes,
        fewest_cameras_route,
        least_in_view_route,
        routes,
        shortest_route,
    )

    def run(name: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        ctx.memo.clear()
        out, wall, used = timed_cpu(fn, *args, **kwargs)
        times[name].append(wall)
        cpu[name].append(used)
        return out

    r_s = run("shortest", shortest_route, ctx, o, d)
    r_v = run("least-time-in-view", least_in_view_route, ctx, o, d)
    r_f = run("fewest-cameras", fewest_cameras_route, ctx, o, d)
    # the complete trade-off set: every achievable count (n far above any count)
    alts = run("tradeoff", alternative_routes, ctx, o, d, n=10_000)
    req = run("dashboard-request", routes, ctx, o, d, objective="fewest-cameras", alternatives=2,
              time_limit_s=settings.interactive_time_limit_s)
    aud = run("audit", audit_track, [(lat, lon) for lon, lat in r_f.coordinates], ds.cameras,
              frt_policy=spec["frt_policy"], radius_m=spec["radius_m"], coverage_model=model,
              buildings=ds.buildings_as_obstacles)
    ms = {k: round(v[-1] * 1e3, 2) for k, v in times.items()}
    return {
        "origin": int(ds.index.node_ids[o]), "destination": int(ds.index.node_ids[d]), "shortest_m": round(dist, 1),
        "shortest_frt_cameras": r_s.frt_cameras, "shortest_in_view_m": round(r_s.metres_in_view, 1),
        "least_in_view_m": round(r_v.metres_in_view, 1), "least_in_view_length_m": round(r_v.length_m, 1),
        "least_in_view_optimal": r_v.optimal, "least_in_view_ms": ms["least-time-in-view"],
        "fewest_frt_cameras": r_f.frt_cameras, "fewest_length_m": round(r_f.length_m, 1),
        "fewest_optimal": r_f.optimal, "fewest_lower_bound_frt": r_f.lower_bound_frt, "fewest_gap": r_f.gap,
        "fewest_ms": ms["fewest-cameras"], "fewest_cpu_ms": round(cpu["fewest-cameras"][-1] * 1e3, 2),
        "tradeoff": [[a.frt_cameras, round(a.length_m, 1), a.optimal] for a in alts],
        "tradeoff_ms": ms["tradeoff"], "tradeoff_cpu_ms": round(cpu["tradeoff"][-1] * 1e3, 2),
        "tradeoff_complete": not any("missing" in n for n in alts[-1].notes),
        "tradeoff_ends_at_fewest": alts[-1].frt_cameras == r_f.frt_cameras,
        "dashboard_request_ms": ms["dashboard-request"],
        "dashboard_request_cpu_ms": round(cpu["dashboard-request"][-1] * 1e3, 2),
        "dashboard_request_routes": [[r.label, r.frt_cameras, round(r.length_m, 1), r.optimal] for r in req],
        "dashboard_request_optimal": all(r.optimal is not False for r in req),
        "audit_in_view_m": round(aud.metres_in_view, 2), "audit_route_in_view_m": round(r_f.metres_in_view, 2),
        "audit_ms": ms["audit"],
    }


def measure_band(ctx: Any, ds: Any, case: str, band: str, trips: list[tuple[int, int, float]],
                 model: str = "per-kind") -> dict[str, Any]:
    """Every objective on a band's trips: per trip, and median / p95 / max with the proven shares."""
    spec = CASES[case]
    names = ("shortest", "least-time-in-view", "fewest-cameras", "tradeoff", "dashboard-request", "audit")
    times: dict[str, list[float]] = {k: [] for k in names}
    cpu: dict[str, list[float]] = {k: [] for k in names}
    per_trip = []
    for i, (o, d, dist) in enumerate(trips):
        rec = _one_trip(ctx, ds, spec, o, d, dist, times, cpu, model)
        per_trip.append(rec)
        log(f"{case} {band} trip {i + 1}/{len(trips)}: {dist:.0f} m; fewest {rec['fewest_ms']:.1f} ms "
            f"({rec['shortest_frt_cameras']} -> {rec['fewest_frt_cameras']} FRT, "
            f"{'proven' if rec['fewest_optimal'] else 'NOT proven, gap ' + str(rec['fewest_gap'])}), "
            f"trade-off set {rec['tradeoff_ms']:.1f} ms ({len(rec['tradeoff'])} routes), "
            f"dashboard request {rec['dashboard_request_ms']:.1f} ms")
    obj = {k: stats_ms(v) for k, v in times.items()}
    for k, v in cpu.items():
        obj[k]["cpu"] = stats_ms(v)
    obj["least-time-in-view"]["proven_share"] = share([r["least_in_view_optimal"] for r in per_trip])
    obj["fewest-cameras"]["proven_share"] = share([r["fewest_optimal"] for r in per_trip])
    gaps = [r["fewest_gap"] for r in per_trip if not r["fewest_optimal"]]
    obj["fewest-cameras"]["largest_gap"] = max(gaps) if gaps else 0
    obj["tradeoff"]["proven_share"] = share([all(a[2] for a in r["tradeoff"]) and r["tradeoff_complete"]
                                             for r in per_trip])
    obj["tradeoff"]["routes_median"] = float(np.median([len(r["tradeoff"]) for r in per_trip]))
    obj["dashboard-request"]["proven_share"] = share([r["dashboard_request_optimal"] for r in per_trip])
    return {"band_m": list(CASES[case]["bands"][band][:2]), "objectives": obj, "per_trip": per_trip,
            "tradeoff_disagreements": sum(not r["tradeoff_ends_at_fewest"] for r in per_trip),
            "trips": [[int(ds.index.node_ids[o]), int(ds.index.node_ids[d])] for o, d, _ in trips]}


def measure_plan(ctx: Any, ds: Any, seed: int, *, marches: int = 3, band: tuple[float, float] = (4500.0, 5500.0),
                 plans: int = 5) -> dict[str, Any]:
    """Protest plans of ``marches`` gathering points about 5 km from one site (fewest cameras, default limits)."""
    import pyproj  # noqa: PLC0415

    from exposure import settings  # noqa: PLC0415
    from exposure.planning import PlanPoint, PlanRequest, make_plan  # noqa: PLC0415

    to_lonlat = pyproj.Transformer.from_crs(ds.index.crs, "EPSG:4326", always_xy=True)
    rng = np.random.default_rng(seed)

    def point(name: str, node: int) -> Any:
        lon, lat = to_lonlat.transform(*ds.index.node_xy[node])
        return PlanPoint(name=name, lon=float(lon), lat=float(lat))

    rows: list[dict[str, Any]] = []
    while len(rows) < plans:
        site = int(rng.integers(ds.index.n_nodes))
        dist, _ = ctx.length_distances(site, limit=band[1], reverse=True)
        inside = np.flatnonzero((dist >= band[0]) & (dist <= band[1]))
        if len(inside) < marches:
            continue
        starts = rng.choice(inside, marches, replace=False)
        request = PlanRequest(site=point("site", site),
                              gathering=tuple(point(f"gathering {i + 1}", int(n)) for i, n in enumerate(starts)))
        ctx.memo.clear()
        plan, wall, used = timed_cpu(make_plan, ctx, request)
        proven = all(j.route.optimal is not False for j in plan.journeys)
        rows.append({"site": int(ds.index.node_ids[site]), "wall_ms": round(wall * 1e3, 1),
                     "cpu_ms": round(used * 1e3, 1), "proven": proven,
                     "frt_cameras": [j.route.frt_cameras for j in plan.journeys],
                     "length_m": [round(j.route.length_m, 1) for j in plan.journeys]})
        log(f"plan {len(rows)}/{plans}: {marches} marches of ~5 km, {wall:.2f} s, "
            f"{'proven' if proven else 'NOT proven'}")
    walls = [r["wall_ms"] / 1e3 for r in rows]
    return {"marches": marches, "band_m": list(band), "time_limit_s": settings.plan_time_limit_s,
            "plans": rows, "wall": stats_ms(walls), "cpu": stats_ms([r["cpu_ms"] / 1e3 for r in rows]),
            "proven_share": share([r["proven"] for r in rows])}


def measure(case: str, n_queries: int | None, seed: int, bands: list[str] | None = None,
            long_queries: int | None = None, model: str = "per-kind") -> dict[str, Any]:
    from exposure.routing import fewest_cameras_route, least_in_view_route  # noqa: PLC0415

    spec = CASES[case]
    rss_start = peak_rss_mib()
    ds, load_s = timed(load_case, case)
    cov, coverage_s = timed(ds.coverage, radius_m=spec["radius_m"], coverage_model=model)
    ctx, context_s = timed(ds.context, frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"],
                           coverage_model=model)
    log(f"{case}: load {load_s:.2f} s, coverage {coverage_s:.2f} s, context {context_s:.2f} s, "
        f"{peak_rss_mib():.0f} MiB")
    trips = band_trips(ctx, case, n_queries, seed, bands, long_queries)
    out_bands = {}
    for band, band_list in trips.items():
        warm, timed_trips = band_list[0], band_list[1:]
        # warm-up, not timed: loads the compiled search kernels once per process
        fewest_cameras_route(ctx, warm[0], warm[1])
        least_in_view_route(ctx, warm[0], warm[1])
        out_bands[band] = measure_band(ctx, ds, case, band, timed_trips, model)
    first = out_bands[next(iter(out_bands))]
    return {
        "dataset": {"nodes": ds.index.n_nodes, "edges": ds.index.n_edges, "cameras": len(ds.cameras),
                    "frt_capable_cameras": int(ctx.exposure.frt.sum()),
                    "edges_in_view_share": round(float((ctx.exposure.in_view_m > 0).mean()), 3),
                    "coverage_pieces": len(cov.edge)},
        "coverage": cov.settings,
        "load_s": round(load_s, 3), "coverage_s": round(coverage_s, 3), "context_s": round(context_s, 3),
        "peak_rss_mib": round(peak_rss_mib(), 1), "rss_at_start_mib": round(rss_start, 1),
        # the first band (2 km) at the top level, as before the bands
        "objectives": first["objectives"], "tradeoff_disagreements": first["tradeoff_disagreements"],
        "trips": first["trips"], "per_trip": first["per_trip"], "bands": out_bands,
        "plan": measure_plan(ctx, ds, seed) if spec.get("plan") and (bands is None or "5km" in bands) else None,
    }


# --- baselines, in another process ---------------------------------------------------------------


def _ip_rows(ctx: Any, case: str, band: str, trips: list[tuple[int, int]], ip_limit_s: float) -> list[dict[str, Any]]:
    """The old integer programs on these trips, beside our answers (the cross-check: same count where proven)."""
    from ip_baseline import ip_fewest_cameras_route, ip_least_in_view_route  # noqa: PLC0415

    from exposure.routing import fewest_cameras_route, least_in_view_route  # noqa: PLC0415

    rows = []
    for i, (o, d) in enumerate(trips):
        r_f = fewest_cameras_route(ctx, o, d)
        r_ip, t_ip = timed(ip_fewest_cameras_route, ctx, o, d, time_limit_s=ip_limit_s)
        v_ip, t_v = timed(ip_least_in_view_route, ctx, o, d, time_limit_s=ip_limit_s)
        v_ours = least_in_view_route(ctx, o, d)
        rows.append({"band": band, "trip": i, "ip_fewest": r_ip.frt_cameras, "ip_fewest_optimal": r_ip.optimal,
                     "ours_fewest": r_f.frt_cameras, "ours_fewest_optimal": r_f.optimal,
                     "ip_fewest_ms": round(t_ip * 1e3, 1), "ip_in_view_m": round(v_ip.metres_in_view, 2),
                     "ip_in_view_optimal": v_ip.optimal, "ours_in_view_m": round(v_ours.metres_in_view, 2),
                     "ip_in_view_ms": round(t_v * 1e3, 1)})
        log(f"{case} {band} baseline IP {i + 1}/{len(trips)}: fewest {r_ip.frt_cameras} "
            f"({'proven' if r_ip.optimal else 'not proven'}, {t_ip:.2f} s) vs ours {r_f.frt_cameras}")
    return rows


def _ip_summary(rows: list[dict[str, Any]], times: list[float]) -> dict[str, Any]:
    out: dict[str, Any] = stats_ms(times)
    proven = [r for r in rows if r["ip_fewest_optimal"] and r["ours_fewest_optimal"]]
    out["proven_share"] = share([r["ip_fewest_optimal"] for r in rows])
    out["agrees_where_proven"] = f"{sum(r['ip_fewest'] == r['ours_fewest'] for r in proven)}/{len(proven)}"
    out["ours_fewer_where_unproven"] = sum(r["ours_fewest"] < r["ip_fewest"] for r in rows
                                           if not r["ip_fewest_optimal"])
    return out


def _path_baselines(ds: Any, ctx: Any, case: str, trips: list[list[int]]) -> dict[str, Any]:
    """osmnx and networkx shortest paths on the same weights, and the shapely recount of the audit."""
    import networkx as nx  # noqa: PLC0415
    import osmnx as ox  # noqa: PLC0415
    import pyproj  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    from exposure.cameras import select_cameras  # noqa: PLC0415
    from exposure.coverage import camera_geometry  # noqa: PLC0415
    from exposure.routing import fewest_cameras_route, shortest_route  # noqa: PLC0415

    spec = CASES[case]
    G, graph_s = timed(lambda: ds.G)
    idx = ctx.index
    view_cost = ctx.exposure.in_view_m + 1e-6 * idx.length_m
    weights = {(int(u), int(v), int(k)): float(c) for (u, v, k), c in zip(idx.edge_keys, view_cost, strict=True)}
    nx.set_edge_attributes(G, weights, "view_cost")
    out: dict[str, list[float]] = {"osmnx_length": [], "osmnx_view_cost": [], "nx_bidirectional_length": [],
                                   "nx_bidirectional_view_cost": [], "shapely_audit": []}
    agree_shortest = 0
    selected = select_cameras(ds.cameras, frt_policy=spec["frt_policy"])
    views = camera_geometry(selected[selected["frt_capable"]], idx.crs, radius_m=spec["radius_m"])
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", idx.crs, always_xy=True)
    polys = [shapely.Point(x, y).buffer(r, 32) for (x, y), r in zip(views.xy, views.radius_m, strict=True)]
    tree = shapely.STRtree(polys)
    for ou, du in trips:
        o, d = idx.node_pos[ou], idx.node_pos[du]
        path, t = timed(ox.routing.shortest_path, G, ou, du, weight="length")
        out["osmnx_length"].append(t)
        ours = shortest_route(ctx, o, d)
        length = sum(min(e["length"] for e in G[a][b].values()) for a, b in zip(path[:-1], path[1:], strict=True))
        agree_shortest += abs(length - ours.length_m) <= 1e-6 * max(ours.length_m, 1.0)
        for name, fn, weight in (("osmnx_view_cost", ox.routing.shortest_path, "view_cost"),
                                 ("nx_bidirectional_length", nx.bidirectional_dijkstra, "length"),
                                 ("nx_bidirectional_view_cost", nx.bidirectional_dijkstra, "view_cost")):
            out[name].append(timed(fn, G, ou, du, weight=weight)[1])
        # the audit's independent recount: the fewest route's line through the union of view discs
        x, y = to_xy.transform(*np.asarray(fewest_cameras_route(ctx, o, d).coordinates).T)

        def recount(x: np.ndarray = x, y: np.ndarray = y) -> float:
            line = shapely.LineString(np.c_[x, y])
            near = tree.query(line, predicate="intersects")
            return float(line.intersection(shapely.union_all([polys[j] for j in near])).length) if len(near) else 0.0

        out["shapely_audit"].append(timed(recount)[1])
    res: dict[str, Any] = {k: stats_ms(v) for k, v in out.items()}
    res["graph_load_s"] = round(graph_s, 2)
    res["osmnx_shortest_agrees_share"] = round(agree_shortest / max(len(trips), 1), 3)
    return res


def baseline(case: str, trips: dict[str, list[list[int]]], ip_queries: int, ip_long_queries: int,
             ip_limit_s: float, model: str = "per-kind") -> dict[str, Any]:
    """The baselines: path searches and the audit's recount on the first band, integer programs on every band."""
    spec = CASES[case]
    ds = load_case(case)
    ctx = ds.context(frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"], coverage_model=model)
    idx = ctx.index
    first_band = next(iter(trips))
    res = _path_baselines(ds, ctx, case, trips[first_band])
    ip_rows: list[dict[str, Any]] = []
    res["ip_bands"] = {}
    for band, band_trips in trips.items():
        n = ip_queries if band == first_band else ip_long_queries
        rows = _ip_rows(ctx, case, band, [(idx.node_pos[o], idx.node_pos[d]) for o, d in band_trips[:n]], ip_limit_s)
        res["ip_bands"][band] = _ip_summary(rows, [r["ip_fewest_ms"] / 1e3 for r in rows])
        ip_rows += rows
    first = [r for r in ip_rows if r["band"] == first_band]
    res["ip_fewest_cameras"] = _ip_summary(first, [r["ip_fewest_ms"] / 1e3 for r in first])
    res["ip_least_in_view"] = stats_ms([r["ip_in_view_ms"] / 1e3 for r in first])
    res["ip_least_in_view"]["proven_share"] = share([r["ip_in_view_optimal"] for r in first])
    res["ip_rows"] = ip_rows
    res["ip_time_limit_s"] = ip_limit_s
    res["peak_rss_mib_with_graph"] = round(peak_rss_mib(), 1)
    return res


def cli_route_seconds(runs: int = 5) -> dict[str, Any]:
    """Wall time of a whole ``python -m exposure route`` call on Helsinki, process start to exit."""
    cmd = [sys.executable, "-m", "exposure", "route", "--origin", "Rautatientori", "--destination", "Kauppatori"]
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)  # warm the disk cache
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
        walls.append(time.perf_counter() - t)
    return {"runs": runs, "median_s": round(float(np.median(walls)), 3), "max_s": round(max(walls), 3)}


# --- the driver ----------------------------------------------------------------------------------


def _worker(argv: list[str]) -> None:
    kind, case, out = argv[0], argv[1], Path(argv[2])
    if kind == "measure":
        queries = None if argv[3] == "-" else int(argv[3])
        long_queries = None if argv[6] == "-" else int(argv[6])
        result = measure(case, queries, int(argv[4]), None if argv[5] == "-" else argv[5].split(","), long_queries,
                         argv[7])
    else:
        result = baseline(case, json.loads(Path(argv[3]).read_text()), int(argv[4]), int(argv[5]), float(argv[6]),
                          argv[7])
    out.write_text(json.dumps(result))


def _run_worker(*args: str) -> dict[str, Any]:
    out = RESULTS / f".{args[0]}-{args[1]}.json"
    subprocess.run([sys.executable, __file__, "--worker", *[str(a) for a in (args[0], args[1], out, *args[2:])]],
                   check=True)
    data: dict[str, Any] = json.loads(out.read_text())
    out.unlink()
    return data


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def run_case(case: str, *, queries: int | None, seed: int, ip_queries: int, ip_long_queries: int, ip_limit_s: float,
             bands: list[str] | None = None, long_queries: int | None = None,
             model: str = "per-kind") -> dict[str, Any]:
    build = build_case(case)
    ours = _run_worker("measure", case, "-" if queries is None else str(queries), str(seed),
                       "-" if bands is None else ",".join(bands), "-" if long_queries is None else str(long_queries),
                       model)
    trips_file = RESULTS / f".trips-{case}.json"
    trips_file.write_text(json.dumps({band: b["trips"] for band, b in ours["bands"].items()}))
    base = _run_worker("baseline", case, str(trips_file), str(ip_queries), str(ip_long_queries), str(ip_limit_s),
                       model)
    trips_file.unlink()
    obj = ours["objectives"]
    speedup = {
        "shortest_vs_osmnx": _ratio(base["osmnx_length"].get("median_ms"), obj["shortest"].get("median_ms")),
        "shortest_vs_networkx": _ratio(base["nx_bidirectional_length"].get("median_ms"),
                                       obj["shortest"].get("median_ms")),
        "least_in_view_vs_osmnx_view_cost": _ratio(base["osmnx_view_cost"].get("median_ms"),
                                                   obj["least-time-in-view"].get("median_ms")),
        "least_in_view_vs_networkx_view_cost": _ratio(base["nx_bidirectional_view_cost"].get("median_ms"),
                                                      obj["least-time-in-view"].get("median_ms")),
        "fewest_vs_integer_program": _ratio(base["ip_fewest_cameras"].get("median_ms"),
                                            obj["fewest-cameras"].get("median_ms")),
        "least_in_view_vs_integer_program": _ratio(base["ip_least_in_view"].get("median_ms"),
                                                   obj["least-time-in-view"].get("median_ms")),
        "audit_vs_shapely": _ratio(base["shapely_audit"].get("median_ms"), obj["audit"].get("median_ms")),
    }
    result = {"case": case, "what": CASES[case]["what"], "coverage_model": model, "build": build, "ours": ours,
              "baseline": base, "speedup": speedup, "targets": TARGETS.get(case, {})}
    if case == "helsinki":
        result["cli_route"] = cli_route_seconds()
    result["met"] = _met(result)
    return result


def _met(result: dict[str, Any]) -> dict[str, bool]:
    """Each target of the case (on its first band) and, for the long bands of the large cases, issue 20's."""
    ours, obj = result["ours"], result["ours"]["objectives"]
    have = {
        "fewest_median_ms": obj["fewest-cameras"].get("median_ms"),
        "fewest_p95_ms": obj["fewest-cameras"].get("p95_ms"),
        "tradeoff_median_ms": obj["tradeoff"].get("median_ms"), "tradeoff_p95_ms": obj["tradeoff"].get("p95_ms"),
        "fewest_proven_share": obj["fewest-cameras"].get("proven_share"),
        "least_in_view_median_ms": obj["least-time-in-view"].get("median_ms"),
        "dashboard_request_median_ms": obj["dashboard-request"].get("median_ms"),
        "load_s": ours["load_s"], "coverage_s": ours["coverage_s"], "peak_rss_mib": ours["peak_rss_mib"],
        "cli_route_s": result.get("cli_route", {}).get("median_s"),
    }
    met = {}
    for name, target in result["targets"].items():
        value = have.get(name)
        if value is None:
            continue
        met[name] = bool(value >= target) if name.endswith("share") else bool(value <= target)
    case = result["case"]
    for band, b in ours["bands"].items():
        if case not in LONG_PROVEN or band not in ("5km", "8-10km"):
            continue
        o = b["objectives"]
        values = {"fewest_median_ms": o["fewest-cameras"]["median_ms"], "fewest_p95_ms": o["fewest-cameras"]["p95_ms"],
                  "dashboard_request_p95_ms": o["dashboard-request"]["p95_ms"]}
        for name, target in LONG_TARGETS.items():
            met[f"{band} {name}"] = bool(values[name] <= target)
        met[f"{band} fewest_proven_share"] = bool(o["fewest-cameras"]["proven_share"] >= LONG_PROVEN[case])
    return met


def summary_table(results: list[dict[str, Any]]) -> str:
    rows = ["| case | edges | cameras (FRT) | load s | coverage s | peak MiB | shortest ms | in-view ms med/p95 "
            "(proven) | fewest ms med/p95 (proven) | trade-off ms med/p95 (proven) | dashboard request ms med/p95 "
            "| audit ms | osmnx ms | IP fewest ms med (proven) |",
            "|---" * 14 + "|"]
    for r in results:
        o, ob, b = r["ours"], r["ours"]["objectives"], r["baseline"]

        def mp(k: str, ob: dict[str, Any] = ob) -> str:
            s = ob[k]
            tail = f" ({100 * s['proven_share']:.0f} %)" if "proven_share" in s else ""
            return f"{s['median_ms']:.1f} / {s['p95_ms']:.1f}{tail}"

        ip = b["ip_fewest_cameras"]
        ip_txt = f"{ip['median_ms']:.0f} ({100 * ip['proven_share']:.0f} %)" if ip.get("n") else "–"
        rows.append(
            f"| {r['case']} | {o['dataset']['edges']:,} | {o['dataset']['cameras']:,} "
            f"({o['dataset']['frt_capable_cameras']:,}) | {o['load_s']:.2f} | {o['coverage_s']:.2f} | "
            f"{o['peak_rss_mib']:.0f} | {ob['shortest']['median_ms']:.1f} | {mp('least-time-in-view')} | "
            f"{mp('fewest-cameras')} | {mp('tradeoff')} | {mp('dashboard-request')} | "
            f"{ob['audit']['median_ms']:.1f} | {b['osmnx_length']['median_ms']:.0f} | {ip_txt} |")
    return "\n".join(rows)


def band_table(results: list[dict[str, Any]]) -> str:
    """Per case and trip-length band: median / p95 / max (wall, and this thread's CPU) and the proven shares."""
    rows = ["| case | band | trips | fewest ms med / p95 / max | fewest CPU ms | proven (largest gap) | trade-off set "
            "ms med / p95 / max | complete and proven | dashboard request ms med / p95 / max | dashboard CPU ms | "
            "proven | IP fewest: proven, agrees |",
            "|---" * 12 + "|"]
    for r in results:
        for band, b in r["ours"]["bands"].items():
            o = b["objectives"]
            ip = r["baseline"].get("ip_bands", {}).get(band, {})
            ip_txt = f"{100 * ip['proven_share']:.0f} %, {ip['agrees_where_proven']}" if ip.get("n") else "–"

            def m3(s: dict[str, Any]) -> str:
                return f"{s['median_ms']:,.1f} / {s['p95_ms']:,.1f} / {s['max_ms']:,.1f}"

            f = o["fewest-cameras"]
            rows.append(f"| {r['case']} | {band} | {f['n']} | {m3(f)} | {m3(f['cpu'])} | "
                        f"{100 * f['proven_share']:.0f} % ({f['largest_gap']}) | {m3(o['tradeoff'])} | "
                        f"{100 * o['tradeoff']['proven_share']:.0f} % | {m3(o['dashboard-request'])} | "
                        f"{m3(o['dashboard-request']['cpu'])} | {100 * o['dashboard-request']['proven_share']:.0f} % | "
                        f"{ip_txt} |")
    return "\n".join(rows)


def plan_lines(results: list[dict[str, Any]]) -> str:
    out = []
    for r in results:
        plan = r["ours"].get("plan")
        if plan:
            out.append(f"{r['case']}: {len(plan['plans'])} protest plans of {plan['marches']} marches of "
                       f"{plan['band_m'][0] / 1000:g}-{plan['band_m'][1] / 1000:g} km to one site: "
                       f"{plan['wall']['median_ms']:,.0f} / {plan['wall']['p95_ms']:,.0f} / "
                       f"{plan['wall']['max_ms']:,.0f} ms (CPU {plan['cpu']['median_ms']:,.0f} / "
                       f"{plan['cpu']['max_ms']:,.0f} ms), limit {plan['time_limit_s']:g} s, "
                       f"{100 * plan['proven_share']:.0f} % of plans with every route proven")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(argv[1:])
        return {}
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default=",".join(CASES), help=f"comma list of cases [{','.join(CASES)}]")
    p.add_argument("--bands", default=None, help="comma list of trip-length bands [every band a case has: 2km, "
                                                 "5km, 8-10km; helsinki: 2km, longest]")
    p.add_argument("--queries", type=int, default=None, help="trips per band [40 at 2 km, 20 on longer bands]")
    p.add_argument("--long-queries", type=int, default=None, help="trips per band after the first [--queries]")
    p.add_argument("--ip-queries", type=int, default=10, help="2 km trips also solved by the old integer programs [10]")
    p.add_argument("--ip-long-queries", type=int, default=3,
                   help="trips of each longer band solved by the old integer programs [3]")
    p.add_argument("--ip-limit-s", type=float, default=10.0, help="time limit of each integer program [10]")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quick", action="store_true", help="smoke run: grid-10k, 8 trips, 2 with the integer programs")
    p.add_argument("--coverage-model", default="per-kind",
                   help="coverage model of every case [per-kind: discs and sectors, no walls]; another (e.g. "
                        "dori-typical, cut by walls) writes <case>-<model>.json and summary-<model>.md beside them")
    args = p.parse_args(argv)
    tag = "" if args.coverage_model == "per-kind" else f"-{args.coverage_model}"
    cases = args.cases.split(",")
    if args.quick:
        cases, args.queries, args.ip_queries, args.ip_limit_s = ["grid-10k"], args.queries or 8, 2, 5.0
    unknown = [c for c in cases if c not in CASES]
    if unknown:
        p.error(f"unknown case(s) {', '.join(unknown)}; choose from {', '.join(CASES)}")
    bands = args.bands.split(",") if args.bands else None
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for case in cases:
        case_bands = None if bands is None else [b for b in bands if b in CASES[case]["bands"]]
        if case_bands == []:
            log(f"=== {case}: none of the bands {args.bands} (it has {', '.join(CASES[case]['bands'])}); skipped")
            continue
        log(f"=== {case}: {CASES[case]['what']}")
        r = run_case(case, queries=args.queries, seed=args.seed, ip_queries=args.ip_queries,
                     ip_long_queries=args.ip_long_queries, ip_limit_s=args.ip_limit_s, bands=case_bands,
                     long_queries=args.long_queries, model=args.coverage_model)
        (RESULTS / f"{case}{tag}.json").write_text(json.dumps(r, indent=2) + "\n")
        results.append(r)
    environment: dict[str, Any] = {
        "python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
        "processor": platform.processor(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_average": os.getloadavg()}
    try:
        import numba  # noqa: PLC0415
        import osmnx  # noqa: PLC0415
        import scipy  # noqa: PLC0415

        environment |= {"numpy": np.__version__, "scipy": scipy.__version__, "numba": numba.__version__,
                        "osmnx": osmnx.__version__}
    except ImportError:  # pragma: no cover
        pass
    combined = {"environment": environment, "cases": {r["case"]: r for r in results}}
    name = "routing-quick.json" if args.quick else f"routing{tag}.json"
    (RESULTS / name).write_text(json.dumps(combined, indent=2) + "\n")
    met = "\n".join(f"- {r['case']}: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in r["met"].items())
                    for r in results if r["met"])
    cli = next((r["cli_route"] for r in results if "cli_route" in r), None)
    plans = plan_lines(results)
    text = (f"# Routing benchmark ({environment['date']}, {environment['cpus']} CPUs, Python "
            f"{environment['python']}, load average {environment['load_average'][0]:.1f} at the end)\n\n"
            f"{summary_table(results)}\n\n## By trip length\n\n{band_table(results)}\n\n"
            + (f"{plans}\n\n" if plans else "")
            + (f"CLI `route` on Helsinki, process start to exit: median {cli['median_s']} s\n\n" if cli else "")
            + (f"Targets:\n{met}\n" if met else ""))
    (RESULTS / ("summary-quick.md" if args.quick else f"summary{tag}.md")).write_text(text)
    print(text)
    return combined


if __name__ == "__main__":
    main()
