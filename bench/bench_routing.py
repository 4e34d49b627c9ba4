"""Routing benchmark suite: Helsinki, generated cities up to a million edges, and the Brooklyn proxy.

    .venv/bin/python bench/bench_routing.py                       # every case (see bench/README.md)
    .venv/bin/python bench/bench_routing.py --cases grid-10k --queries 8
    .venv/bin/python bench/bench_routing.py --quick               # the smallest case, a few trips (CI)

Each case's dataset is built once and cached under ``data/cache/bench/``. The
measurements run in fresh processes: one for our code (dataset load, coverage,
every objective, the dashboard's request, an audit; its peak memory is ours
alone) and one for the baselines on the same trips (osmnx and networkx shortest
paths on the same weights, the integer-program solvers this project used before,
and a shapely recount for the audit). JSON goes to ``bench/results/<case>.json``
and ``bench/results/routing.json``, a table to ``bench/results/summary.md``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

RESULTS = HERE / "results"
DECODE = ROOT.parent / "shared" / "data" / "nyc" / "decode_counts_per_intersection_brooklyn.csv"

#: The cases: how each dataset is made, what is counted, which trips are drawn.
CASES: dict[str, dict[str, Any]] = {
    "helsinki": {"what": "central Helsinki, the embedded OpenStreetMap extract (real streets, 221 mapped cameras)",
                 "band_m": (800.0, 2500.0), "frt_policy": "default", "radius_m": None, "queries": 40},
    "grid-10k": {"what": "generated city, ~10k directed edges, cameras as New York's (0.6 per intersection)",
                 "n_edges": 10_000, "per_intersection": 0.6, "band_m": (1900.0, 2100.0), "frt_policy": "default",
                 "radius_m": None, "queries": 40},
    "grid-100k": {"what": "generated city, ~100k directed edges, cameras as New York's (0.6 per intersection)",
                  "n_edges": 100_000, "per_intersection": 0.6, "band_m": (1900.0, 2100.0),
                  "frt_policy": "default", "radius_m": None, "queries": 40},
    "grid-1m": {"what": "generated city, ~1M directed edges, cameras as New York's (0.6 per intersection)",
                "n_edges": 1_000_000, "per_intersection": 0.6, "band_m": (1900.0, 2100.0), "frt_policy": "default",
                "radius_m": None, "queries": 40},
    "dense-1m": {"what": "generated city, ~1M directed edges, dense cameras (2.0 per intersection: ~20 FRT-capable "
                         "on a 2 km shortest route, as in central Helsinki)",
                 "n_edges": 1_000_000, "per_intersection": 2.0, "band_m": (1900.0, 2100.0), "frt_policy": "default",
                 "radius_m": None, "queries": 40},
    "brooklyn": {"what": "Brooklyn proxy: Delaunay edges under 200 m between Decode's 10,377 real intersection "
                         "positions, the real Decode cameras, every camera counted (--frt-policy all), 120 m discs",
                 "band_m": (1900.0, 2100.0), "frt_policy": "all", "radius_m": 120.0, "queries": 40},
}

#: The issue's targets, per case (milliseconds and seconds; memory in MiB).
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


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def timed(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t


def stats_ms(seconds: list[float]) -> dict[str, float]:
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


def dataset_path(case: str) -> Path:
    """Where the case's dataset is cached: keyed by its parameters and the generator's code."""
    spec = CASES[case]
    recipe = {"case": case, "n_edges": spec.get("n_edges"), "per_intersection": spec.get("per_intersection"),
              "city.py": hashlib.sha256((HERE / "city.py").read_bytes()).hexdigest(), "buildings": 1}
    key = hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:12]
    return _cache_dir() / f"{case}-{key}.pickle"


def build_case(case: str) -> dict[str, Any]:
    """Make the case's dataset once (cached); the build's own figures."""
    if case == "helsinki":
        from exposure.datasets import load_dataset  # noqa: PLC0415

        ds, t = timed(load_dataset, "helsinki")
        return {"built": not ds.info.get("from_cache"), "build_or_load_s": round(t, 3)}
    path = dataset_path(case)
    info_path = path.with_suffix(".json")
    if path.is_file() and info_path.is_file():
        return {**json.loads(info_path.read_text()), "built": False}
    import pandas as pd  # noqa: PLC0415
    from city import brooklyn_proxy, nyc_like_city_with_buildings  # noqa: PLC0415

    from exposure.buildings import buildings_from_polygons, no_buildings  # noqa: PLC0415
    from exposure.cameras import REJECTED_COLUMNS  # noqa: PLC0415
    from exposure.datasets import Dataset, _write_pickle  # noqa: PLC0415
    from exposure.network import index_graph  # noqa: PLC0415

    spec = CASES[case]
    log(f"{case}: generating (once; cached in {path.parent})")
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
    ds = Dataset(name=case, description=f"{spec['what']} (benchmark only; not a real map)", source=source,
                 checksum=path.stem, index=index, cameras=cameras.reset_index(drop=True),
                 rejected=pd.DataFrame(columns=list(REJECTED_COLUMNS)), places=empty_places, info={},
                 graph=G, obstacles=obstacles)
    _write_pickle(ds, path)
    t3 = time.perf_counter()
    info = {"generate_s": round(t1 - t0, 2), "index_graph_s": round(t2 - t1, 2), "save_s": round(t3 - t2, 2),
            "nodes": index.n_nodes, "edges": index.n_edges, "cameras": len(cameras)}
    info_path.write_text(json.dumps(info))
    log(f"{case}: built in {t3 - t0:.1f} s: {index.n_nodes:,} nodes, {index.n_edges:,} edges, {len(cameras):,} cameras")
    return {**info, "built": True}


def load_case(case: str) -> Any:
    if case == "helsinki":
        from exposure.datasets import load_dataset  # noqa: PLC0415

        return load_dataset("helsinki")
    from exposure.datasets import _read_pickle  # noqa: PLC0415

    ds = _read_pickle(dataset_path(case))
    if ds is None:
        msg = f"cannot read the cached {case} dataset; delete {_cache_dir()} and run again"
        raise SystemExit(msg)
    return ds


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


def measure(case: str, n_queries: int, seed: int, model: str = "per-kind") -> dict[str, Any]:
    from exposure import settings  # noqa: PLC0415
    from exposure.audit import audit_track  # noqa: PLC0415
    from exposure.routing import (  # noqa: PLC0415
        alternative_routes,
        fewest_cameras_route,
        least_in_view_route,
        routes,
        shortest_route,
    )

    spec = CASES[case]
    rss_start = peak_rss_mib()
    ds, load_s = timed(load_case, case)
    cov, coverage_s = timed(ds.coverage, radius_m=spec["radius_m"], coverage_model=model)
    ctx, context_s = timed(ds.context, frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"],
                           coverage_model=model)
    log(f"{case}: load {load_s:.2f} s, coverage {coverage_s:.2f} s, context {context_s:.2f} s, "
        f"{peak_rss_mib():.0f} MiB")
    trips = pick_trips(ctx, n_queries + 1, spec["band_m"], seed)
    warm, trips = trips[0], trips[1:]
    # warm-up, not timed: loads the compiled search kernels once per process
    fewest_cameras_route(ctx, warm[0], warm[1])
    least_in_view_route(ctx, warm[0], warm[1])

    names = ("shortest", "least-time-in-view", "fewest-cameras", "tradeoff", "dashboard-request", "audit")
    times: dict[str, list[float]] = {k: [] for k in names}
    per_trip: list[dict[str, Any]] = []
    disagreements = 0
    for i, (o, d, dist) in enumerate(trips):
        rec: dict[str, Any] = {"origin": int(ds.index.node_ids[o]), "destination": int(ds.index.node_ids[d]),
                               "shortest_m": round(dist, 1)}
        r_s, t = timed(shortest_route, ctx, o, d)
        times["shortest"].append(t)
        r_v, t = timed(least_in_view_route, ctx, o, d)
        times["least-time-in-view"].append(t)
        r_f, t = timed(fewest_cameras_route, ctx, o, d)
        times["fewest-cameras"].append(t)
        # the complete trade-off set: every achievable count (n far above any count)
        alts, t = timed(alternative_routes, ctx, o, d, n=10_000)
        times["tradeoff"].append(t)
        req, t = timed(routes, ctx, o, d, objective="fewest-cameras", alternatives=2,
                       time_limit_s=settings.interactive_time_limit_s)
        times["dashboard-request"].append(t)
        cams = ds.cameras
        aud, t = timed(audit_track, [(lat, lon) for lon, lat in r_f.coordinates], cams,
                       frt_policy=spec["frt_policy"], radius_m=spec["radius_m"], coverage_model=model,
                       buildings=ds.buildings_as_obstacles)
        times["audit"].append(t)
        ends_at_fewest = alts[-1].frt_cameras == r_f.frt_cameras
        disagreements += not ends_at_fewest
        rec.update({
            "shortest_frt_cameras": r_s.frt_cameras, "shortest_in_view_m": round(r_s.metres_in_view, 1),
            "least_in_view_m": round(r_v.metres_in_view, 1), "least_in_view_length_m": round(r_v.length_m, 1),
            "least_in_view_optimal": r_v.optimal, "least_in_view_ms": round(times["least-time-in-view"][-1] * 1e3, 2),
            "fewest_frt_cameras": r_f.frt_cameras, "fewest_length_m": round(r_f.length_m, 1),
            "fewest_optimal": r_f.optimal, "fewest_ms": round(times["fewest-cameras"][-1] * 1e3, 2),
            "tradeoff": [[a.frt_cameras, round(a.length_m, 1), a.optimal] for a in alts],
            "tradeoff_ms": round(times["tradeoff"][-1] * 1e3, 2), "tradeoff_ends_at_fewest": ends_at_fewest,
            "dashboard_request_ms": round(times["dashboard-request"][-1] * 1e3, 2),
            "dashboard_request_optimal": all(r.optimal is not False for r in req),
            "audit_in_view_m": round(aud.metres_in_view, 2), "audit_route_in_view_m": round(r_f.metres_in_view, 2),
            "audit_ms": round(times["audit"][-1] * 1e3, 2),
        })
        per_trip.append(rec)
        log(f"{case} trip {i + 1}/{len(trips)}: {dist:.0f} m; fewest {rec['fewest_ms']:.1f} ms "
            f"({r_s.frt_cameras} -> {r_f.frt_cameras} FRT, {'proven' if r_f.optimal else 'NOT proven'}), "
            f"trade-off {rec['tradeoff_ms']:.1f} ms ({len(alts)} routes), in-view {rec['least_in_view_ms']:.1f} ms")
    obj = {k: stats_ms(v) for k, v in times.items()}
    obj["least-time-in-view"]["proven_share"] = share([r["least_in_view_optimal"] for r in per_trip])
    obj["fewest-cameras"]["proven_share"] = share([r["fewest_optimal"] for r in per_trip])
    obj["tradeoff"]["proven_share"] = share([all(a[2] for a in r["tradeoff"]) for r in per_trip])
    obj["tradeoff"]["routes_median"] = float(np.median([len(r["tradeoff"]) for r in per_trip]))
    obj["dashboard-request"]["proven_share"] = share([r["dashboard_request_optimal"] for r in per_trip])
    return {
        "dataset": {"nodes": ds.index.n_nodes, "edges": ds.index.n_edges, "cameras": len(ds.cameras),
                    "frt_capable_cameras": int(ctx.exposure.frt.sum()),
                    "edges_in_view_share": round(float((ctx.exposure.in_view_m > 0).mean()), 3),
                    "coverage_pieces": len(cov.edge)},
        "coverage": cov.settings,
        "load_s": round(load_s, 3), "coverage_s": round(coverage_s, 3), "context_s": round(context_s, 3),
        "peak_rss_mib": round(peak_rss_mib(), 1), "rss_at_start_mib": round(rss_start, 1),
        "objectives": obj, "tradeoff_disagreements": disagreements,
        "trips": [[int(ds.index.node_ids[o]), int(ds.index.node_ids[d])] for o, d, _ in trips],
        "per_trip": per_trip,
    }


# --- baselines, in another process ---------------------------------------------------------------


def baseline(case: str, trips: list[list[int]], ip_queries: int, ip_limit_s: float,
             model: str = "per-kind") -> dict[str, Any]:
    import networkx as nx  # noqa: PLC0415
    import osmnx as ox  # noqa: PLC0415
    import shapely  # noqa: PLC0415
    from ip_baseline import ip_fewest_cameras_route, ip_least_in_view_route  # noqa: PLC0415

    from exposure.cameras import select_cameras  # noqa: PLC0415
    from exposure.coverage import camera_geometry  # noqa: PLC0415
    from exposure.routing import fewest_cameras_route, least_in_view_route, shortest_route  # noqa: PLC0415

    spec = CASES[case]
    ds = load_case(case)
    G, graph_s = timed(lambda: ds.G)
    ctx = ds.context(frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"], coverage_model=model)
    idx = ctx.index
    view_cost = ctx.exposure.in_view_m + 1e-6 * idx.length_m
    weights = {(int(u), int(v), int(k)): float(c) for (u, v, k), c in zip(idx.edge_keys, view_cost, strict=True)}
    nx.set_edge_attributes(G, weights, "view_cost")
    out: dict[str, list[float]] = {"osmnx_length": [], "osmnx_view_cost": [], "nx_bidirectional_length": [],
                                   "nx_bidirectional_view_cost": [], "ip_fewest_cameras": [],
                                   "ip_least_in_view": [], "shapely_audit": []}
    agree_shortest = 0
    ip_rows = []
    selected = select_cameras(ds.cameras, frt_policy=spec["frt_policy"])
    frt = selected[selected["frt_capable"]]
    views = camera_geometry(frt, idx.crs, radius_m=spec["radius_m"])
    import pyproj  # noqa: PLC0415

    to_xy = pyproj.Transformer.from_crs("EPSG:4326", idx.crs, always_xy=True)
    polys = [shapely.Point(x, y).buffer(r, 32) for (x, y), r in zip(views.xy, views.radius_m, strict=True)]
    tree = shapely.STRtree(polys)
    for i, (ou, du) in enumerate(trips):
        o, d = idx.node_pos[ou], idx.node_pos[du]
        path, t = timed(ox.routing.shortest_path, G, ou, du, weight="length")
        out["osmnx_length"].append(t)
        ours = shortest_route(ctx, o, d)
        length = sum(min(e["length"] for e in G[a][b].values()) for a, b in zip(path[:-1], path[1:], strict=True))
        agree_shortest += abs(length - ours.length_m) <= 1e-6 * max(ours.length_m, 1.0)
        _, t = timed(ox.routing.shortest_path, G, ou, du, weight="view_cost")
        out["osmnx_view_cost"].append(t)
        _, t = timed(nx.bidirectional_dijkstra, G, ou, du, weight="length")
        out["nx_bidirectional_length"].append(t)
        _, t = timed(nx.bidirectional_dijkstra, G, ou, du, weight="view_cost")
        out["nx_bidirectional_view_cost"].append(t)
        # the audit's independent recount: the fewest route's line through the union of view discs
        r_f = fewest_cameras_route(ctx, o, d)
        x, y = to_xy.transform(*np.asarray(r_f.coordinates).T)

        def recount(x: np.ndarray = x, y: np.ndarray = y) -> float:
            line = shapely.LineString(np.c_[x, y])
            near = tree.query(line, predicate="intersects")
            return float(line.intersection(shapely.union_all([polys[j] for j in near])).length) if len(near) else 0.0

        _, t = timed(recount)
        out["shapely_audit"].append(t)
        if i < ip_queries:
            r_ip, t_ip = timed(ip_fewest_cameras_route, ctx, o, d, time_limit_s=ip_limit_s)
            out["ip_fewest_cameras"].append(t_ip)
            v_ip, t_v = timed(ip_least_in_view_route, ctx, o, d, time_limit_s=ip_limit_s)
            out["ip_least_in_view"].append(t_v)
            v_ours = least_in_view_route(ctx, o, d)
            ip_rows.append({"trip": i, "ip_fewest": r_ip.frt_cameras, "ip_fewest_optimal": r_ip.optimal,
                            "ours_fewest": r_f.frt_cameras, "ip_fewest_ms": round(t_ip * 1e3, 1),
                            "ip_in_view_m": round(v_ip.metres_in_view, 2), "ip_in_view_optimal": v_ip.optimal,
                            "ours_in_view_m": round(v_ours.metres_in_view, 2), "ip_in_view_ms": round(t_v * 1e3, 1)})
            log(f"{case} baseline IP {i + 1}/{ip_queries}: fewest {r_ip.frt_cameras} "
                f"({'proven' if r_ip.optimal else 'not proven'}, {t_ip:.2f} s) vs ours {r_f.frt_cameras}")
    res: dict[str, Any] = {k: stats_ms(v) for k, v in out.items()}
    res["graph_load_s"] = round(graph_s, 2)
    res["osmnx_shortest_agrees_share"] = round(agree_shortest / max(len(trips), 1), 3)
    proven = [r for r in ip_rows if r["ip_fewest_optimal"]]
    res["ip_fewest_cameras"]["proven_share"] = share([r["ip_fewest_optimal"] for r in ip_rows])
    res["ip_fewest_cameras"]["agrees_where_proven"] = (
        f"{sum(r['ip_fewest'] == r['ours_fewest'] for r in proven)}/{len(proven)}")
    res["ip_fewest_cameras"]["ours_fewer_where_unproven"] = sum(
        r["ours_fewest"] < r["ip_fewest"] for r in ip_rows if not r["ip_fewest_optimal"])
    res["ip_least_in_view"]["proven_share"] = share([r["ip_in_view_optimal"] for r in ip_rows])
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
        result = measure(case, int(argv[3]), int(argv[4]), argv[5])
    else:
        result = baseline(case, json.loads(Path(argv[3]).read_text()), int(argv[4]), float(argv[5]), argv[6])
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


def run_case(case: str, *, queries: int, seed: int, ip_queries: int, ip_limit_s: float,
             model: str = "per-kind") -> dict[str, Any]:
    build = build_case(case)
    ours = _run_worker("measure", case, str(queries), str(seed), model)
    trips_file = RESULTS / f".trips-{case}.json"
    trips_file.write_text(json.dumps(ours["trips"]))
    base = _run_worker("baseline", case, str(trips_file), str(ip_queries), str(ip_limit_s), model)
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
              "baseline": base,
              "speedup": speedup, "targets": TARGETS.get(case, {})}
    if case == "helsinki":
        result["cli_route"] = cli_route_seconds()
    result["met"] = _met(result)
    return result


def _met(result: dict[str, Any]) -> dict[str, bool]:
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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--worker"]:
        _worker(argv[1:])
        return {}
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default=",".join(CASES), help=f"comma list of cases [{','.join(CASES)}]")
    p.add_argument("--queries", type=int, default=None, help="trips per case [40]")
    p.add_argument("--ip-queries", type=int, default=10, help="trips also solved by the old integer programs [10]")
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
    RESULTS.mkdir(parents=True, exist_ok=True)
    results = []
    for case in cases:
        log(f"=== {case}: {CASES[case]['what']}")
        r = run_case(case, queries=args.queries or CASES[case]["queries"], seed=args.seed,
                     ip_queries=args.ip_queries, ip_limit_s=args.ip_limit_s, model=args.coverage_model)
        (RESULTS / f"{case}{tag}.json").write_text(json.dumps(r, indent=2) + "\n")
        results.append(r)
    environment = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "processor": platform.processor(), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
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
    table = summary_table(results)
    met = "\n".join(f"- {r['case']}: " + ", ".join(f"{k} {'met' if v else 'MISSED'}" for k, v in r["met"].items())
                    for r in results if r["met"])
    cli = next((r["cli_route"] for r in results if "cli_route" in r), None)
    text = (f"# Routing benchmark ({environment['date']}, {environment['cpus']} CPUs, Python "
            f"{environment['python']})\n\n{table}\n\n"
            + (f"CLI `route` on Helsinki, process start to exit: median {cli['median_s']} s\n\n" if cli else "")
            + (f"Targets:\n{met}\n" if met else ""))
    (RESULTS / ("summary-quick.md" if args.quick else f"summary{tag}.md")).write_text(text)
    print(text)
    return combined


if __name__ == "__main__":
    main()
