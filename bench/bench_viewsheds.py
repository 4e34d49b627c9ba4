"""Viewshed benchmark: every camera's view among the buildings, on Helsinki and generated cities, in fresh processes.

    .venv/bin/python bench/bench_viewsheds.py                      # helsinki and grid-1m
    .venv/bin/python bench/bench_viewsheds.py --cases helsinki grid-100k

For each case the buildings become obstacles (timed: part of building a dataset),
then, per coverage model, the viewsheds are computed (façade viewpoints and the
angular sweep: ``views``), every street segment of every edge is cut to what each
camera sees (the candidate pairs and the cut: ``pieces``, what coverage will call),
and the visibility polygons are drawn (``polygons``). ``total`` is the three
together: "all viewsheds". Beside it, the same cameras' discs and sectors without
walls (``discs``: candidate pairs and exact disc and sector intervals, today's
coverage). The memory is the process's peak resident set (``ru_maxrss``), imports
and the dataset's arrays included (a generated city is made once by another process
and kept under ``data/cache/bench/``, as the routing benchmark keeps its datasets, so
that the graph it is made from does not count). The cases:

- ``helsinki``: the embedded dataset (221 cameras, its extract's buildings);
- ``grid-100k``, ``grid-1m``: ``bench/city.py``'s NYC-like cities (0.6 cameras per
  intersection, building-mounted ones on their façades) with its blocks of buildings.

JSON goes to ``bench/results/viewsheds.json``, a table to ``bench/results/viewsheds.md``.

``--routing`` instead times routing under the disc model (``per-kind``) and the default wall-cut one
(``dori-typical``) side by side on the routing benchmark's cases (``routing_side_by_side``): the same
trips, each under both models in turn in one process, so that a shared machine's load falls on both
alike. ``bench/results/routing-models.json`` and ``routing-models.md``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

CASES: dict[str, dict[str, Any]] = {
    "helsinki": {"dataset": "helsinki"},
    "grid-5k": {"n_edges": 5_000},  # the tests' case
    "grid-100k": {"n_edges": 100_000},
    "grid-1m": {"n_edges": 1_000_000},
}
MODELS = ("per-kind", "kamerafrei", "dori-typical", "dori-high")

_CHILD = """
import json, sys
sys.path.insert(0, {root!r})
sys.path.insert(0, {here!r})
from bench_viewsheds import {function}
print(json.dumps({function}({case!r})))
"""


def _city_file(case: str) -> Path:
    """Where a generated case's index, cameras and building polygons are kept between runs."""
    import hashlib  # noqa: PLC0415

    recipe = json.dumps({"case": CASES[case], "city": (HERE / "city.py").read_text()}, sort_keys=True)
    key = hashlib.sha256(recipe.encode()).hexdigest()[:12]
    return ROOT / "data" / "cache" / "bench" / f"viewsheds-{case}-{key}.pickle"


def prepare_city(case: str) -> dict[str, Any]:
    """Generate a city case once (graph, index, cameras on façades, building polygons) and keep its arrays."""
    import pickle  # noqa: PLC0415
    import time  # noqa: PLC0415

    import city  # noqa: PLC0415 - bench/city.py, beside this file

    from exposure.network import index_graph  # noqa: PLC0415

    path = _city_file(case)
    if path.is_file():
        return {}
    started = time.perf_counter()
    G, cameras, polygons = city.nyc_like_city_with_buildings(n_edges=CASES[case]["n_edges"], seed=0)
    index = index_graph(G)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps((index, cameras, polygons)))
    return {"generate_s": time.perf_counter() - started}


def _dataset(case: str) -> tuple[Any, Any, Any, dict[str, Any]]:
    """The case's network index, cameras and obstacles, and how long the obstacles took."""
    import pickle  # noqa: PLC0415
    import time  # noqa: PLC0415

    from exposure.buildings import buildings_from_footprints, buildings_from_polygons  # noqa: PLC0415

    spec = CASES[case]
    info: dict[str, Any] = {}
    if "dataset" in spec:
        from exposure.datasets import load_dataset  # noqa: PLC0415

        ds = load_dataset(spec["dataset"])
        started = time.perf_counter()
        # the dataset's footprints and passages (read in the build's one pass) made obstacles, as the build does
        buildings = buildings_from_footprints(ds.buildings, ds.passages, crs=ds.index.crs)
        info["buildings_s"] = time.perf_counter() - started
        return ds.index, ds.cameras, buildings, info
    # the generated city was made and kept by another process: this one holds only its arrays
    index, cameras, polygons = pickle.loads(_city_file(case).read_bytes())
    started = time.perf_counter()
    buildings = buildings_from_polygons(polygons, crs=index.crs)
    info["buildings_s"] = time.perf_counter() - started
    return index, cameras, buildings, info


def _model_run(index: Any, cameras: Any, buildings: Any, model: str, segs: Any, street_seg: Any) -> dict[str, Any]:
    """Time one model's viewsheds, pieces of street and polygons, and the discs without walls."""
    import time  # noqa: PLC0415

    import shapely  # noqa: PLC0415

    from exposure.coverage import candidate_pairs, polyline_intervals  # noqa: PLC0415
    from exposure.viewsheds import (  # noqa: PLC0415
        camera_views,
        compute_viewsheds,
        viewshed_polygons,
        visible_intervals,
    )

    geometry = camera_views(cameras, index.crs, model=model)
    t0 = time.perf_counter()
    views = compute_viewsheds(geometry, buildings)
    t1 = time.perf_counter()
    pairs = candidate_pairs(segs.a, segs.b, views.geometry)
    s, _, lo, hi = visible_intervals(segs.a, segs.b, views, pairs=pairs)
    t2 = time.perf_counter()
    polygons = viewshed_polygons(views)
    t3 = time.perf_counter()
    disc_pairs = candidate_pairs(segs.a, segs.b, views.geometry)
    ds, _, dlo, dhi = polyline_intervals(segs.a, segs.b, views.geometry, pairs=disc_pairs)
    t4 = time.perf_counter()

    def street_m(seg: Any, lo_: Any, hi_: Any) -> float:
        keep = street_seg[seg]
        return float(((hi_ - lo_) * segs.length_m[seg] * segs.scale[segs.edge[seg]])[keep].sum())

    seen, whole = street_m(s, lo, hi), street_m(ds, dlo, dhi)
    return {
        "model": model, "views_s": t1 - t0, "pieces_s": t2 - t1, "polygons_s": t3 - t2, "total_s": t3 - t0,
        "discs_s": t4 - t3, "cameras": int(views.n_cameras), "on_facades": int(views.on_building.sum()),
        "wedges": len(views.wedge_lo), "pieces": len(s),
        "polygon_vertices": int(shapely.get_num_coordinates(polygons).sum()),
        "street_m_in_view": round(seen), "street_m_in_discs": round(whole),
        "blocked_share": round(1 - seen / whole, 4) if whole else 0.0,
    }


def run_case(case: str) -> dict[str, Any]:
    """One case in this process: obstacles, then each model's viewsheds; peak memory at the end."""
    import resource  # noqa: PLC0415

    import numpy as np  # noqa: PLC0415

    from exposure.viewsheds import street_segments  # noqa: PLC0415

    index, cameras, buildings, info = _dataset(case)
    segs = street_segments(index)
    street_seg = np.isin(segs.edge, index.street_edges)
    # the first model compiles the kernels (numba caches them on disk); this warm-up is not timed
    _model_run(index, cameras.head(50), buildings, "per-kind", segs, street_seg)
    models = [_model_run(index, cameras, buildings, m, segs, street_seg) for m in MODELS]
    return {
        "case": case, "edges": int(index.n_edges), "cameras": len(cameras), "obstacles": len(buildings.polygons),
        "walls": int(buildings.walls.n_walls), **info, "models": models,
        "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _table(results: list[dict[str, Any]]) -> str:
    lines = ["| case | edges | cameras | walls | buildings s | model | views s | pieces s | polygons s | total s | "
             "discs s | on façades | blocked | peak MiB |", "|" + "---|" * 14]
    for r in results:
        for m in r["models"]:
            lines.append(
                f"| {r['case']} | {r['edges']:,} | {r['cameras']:,} | {r['walls']:,} | {r['buildings_s']:.2f} | "
                f"{m['model']} | {m['views_s']:.2f} | {m['pieces_s']:.2f} | {m['polygons_s']:.2f} | "
                f"{m['total_s']:.2f} | {m['discs_s']:.2f} | {m['on_facades']:,} | {m['blocked_share']:.0%} | "
                f"{r['peak_rss_mib']:,.0f} |")
    return "\n".join(lines) + "\n"


#: The routing benchmark's wall-cut run, set beside its disc run (``bench_routing.py --coverage-model``).
WALL_MODEL = "dori-typical"


#: The routing cases set side by side (``bench_routing.py``'s, their datasets cached by its runs).
ROUTING_CASES = ("helsinki", "grid-10k", "grid-100k", "grid-1m", "dense-1m", "brooklyn")

#: What is timed per trip under each model, as ``bench_routing.py`` times it.
_ROUTING_STEPS = ("fewest-cameras", "tradeoff", "least-time-in-view", "dashboard-request")


def routing_side_by_side(case: str, queries: int = 40, seed: int = 0) -> dict[str, Any]:
    """Routing under the disc model and the wall-cut one, the same trips, each trip under both in turn.

    One process holds both contexts and alternates which model goes first, so that a
    shared machine's load falls on both alike (two runs minutes apart can differ by
    half on a busy machine). The dataset is ``bench_routing.py``'s (built and cached
    by its run), the trips those of its first band (2 km); the times are its steps'
    (fewest cameras, the whole trade-off set, least time in view, the dashboard's request).
    """
    import time  # noqa: PLC0415

    import bench_routing as br  # noqa: PLC0415 - bench/bench_routing.py, beside this file
    import numpy as np  # noqa: PLC0415

    from exposure import settings  # noqa: PLC0415
    from exposure.routing import (  # noqa: PLC0415
        alternative_routes,
        fewest_cameras_route,
        least_in_view_route,
        routes,
    )

    spec = br.CASES[case]
    ds = br.load_case(case)
    models = ("per-kind", WALL_MODEL)
    ctxs, coverage_s = {}, {}
    for model in models:
        started = time.perf_counter()
        ctxs[model] = ds.context(frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"], coverage_model=model)
        coverage_s[model] = time.perf_counter() - started
    lo, hi, _ = next(iter(spec["bands"].values()))  # the case's first band of trip lengths (2 km)
    trips = br.pick_trips(ctxs[models[0]], queries + 1, (lo, hi), seed)
    for ctx in ctxs.values():  # warm-up, not timed: the compiled search kernels load once
        fewest_cameras_route(ctx, trips[0][0], trips[0][1])
    steps: dict[str, Any] = {
        "fewest-cameras": fewest_cameras_route,
        "tradeoff": lambda c, o, d: alternative_routes(c, o, d, n=10_000),
        "least-time-in-view": least_in_view_route,
        "dashboard-request": lambda c, o, d: routes(c, o, d, objective="fewest-cameras", alternatives=2,
                                                    time_limit_s=settings.interactive_time_limit_s),
    }
    times: dict[str, dict[str, list[float]]] = {m: {k: [] for k in steps} for m in models}
    frt: dict[str, list[int]] = {m: [] for m in models}
    for i, (o, d, _) in enumerate(trips[1:]):
        for model in models if i % 2 == 0 else models[::-1]:
            for name, step in steps.items():
                started = time.perf_counter()
                found = step(ctxs[model], o, d)
                times[model][name].append(time.perf_counter() - started)
                if name == "dashboard-request":
                    frt[model].append(found[0].frt_cameras)
    return {
        "case": case, "trips": queries, "walls_note": ctxs[WALL_MODEL].settings["coverage"]["walls_note"],
        "coverage_s": coverage_s,
        "median_ms": {m: {k: float(np.median(v)) * 1e3 for k, v in times[m].items()} for m in models},
        "shortest_frt_median": {m: float(np.median(frt[m])) for m in models},
    }


def routing_models_table(results: list[dict[str, Any]], *, wall_model: str = WALL_MODEL) -> str:
    """Routing under the wall-cut model beside the discs, case by case: medians and their ratio (walls / discs).

    A ratio above 4/3 (walls a third slower than discs) is flagged.
    """
    lines = [f"| case | walls ({wall_model}) | context s: discs / walls | fewest cameras ms: discs / walls (ratio) | "
             "trade-off set ms | least in view ms | dashboard request ms | FRT cameras on the shortest route "
             "(median): discs / walls |", "|---" * 8 + "|"]
    for r in results:
        disc, walls = r["median_ms"]["per-kind"], r["median_ms"][wall_model]

        def pair(key: str, disc: dict[str, float] = disc, walls: dict[str, float] = walls) -> str:
            a, b = disc[key], walls[key]
            flag = " **slower by more than a third**" if b > a * 4 / 3 else ""
            return f"{a:.1f} / {b:.1f} ({b / a:.2f}){flag}"

        lines.append(f"| {r['case']} | {r['walls_note']} | {r['coverage_s']['per-kind']:.2f} / "
                     f"{r['coverage_s'][wall_model]:.2f} | {' | '.join(pair(k) for k in _ROUTING_STEPS)} | "
                     f"{r['shortest_frt_median']['per-kind']:g} / {r['shortest_frt_median'][wall_model]:g} |")
    return "\n".join(lines) + "\n"


def _routing(cases: list[str]) -> int:
    """Each routing case in a fresh process; ``routing-models.json`` and ``routing-models.md``."""
    results = []
    for case in cases:
        code = _CHILD.format(root=str(ROOT), here=str(HERE), case=case, function="routing_side_by_side")
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                              env={**os.environ, "PYTHONPATH": str(ROOT)})
        if done.returncode != 0:
            print(done.stderr, file=sys.stderr)
            return done.returncode
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(routing_models_table(results[-1:]).splitlines()[-1], flush=True)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "routing-models.json").write_text(json.dumps({"cases": results}, indent=2) + "\n")
    (RESULTS / "routing-models.md").write_text(routing_models_table(results))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the cases, each in a fresh process; write the JSON and the table (and the routing models' table)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", nargs="+", default=["helsinki", "grid-1m"], choices=list(CASES))
    parser.add_argument("--routing", nargs="*", default=None, choices=list(ROUTING_CASES), metavar="CASE",
                        help="instead, routing under the disc model and the wall-cut one side by side, on the "
                             "routing benchmark's cases (their datasets cached by bench_routing.py) "
                             f"[{' '.join(ROUTING_CASES)}]")
    args = parser.parse_args(argv)
    if args.routing is not None:
        return _routing(args.routing or list(ROUTING_CASES))
    results = []
    for case in args.cases:
        steps = [] if "dataset" in CASES[case] else ["prepare_city"]
        found: dict[str, Any] = {}
        for function in [*steps, "run_case"]:
            code = _CHILD.format(root=str(ROOT), here=str(HERE), case=case, function=function)
            done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False,
                                  env={**os.environ, "PYTHONPATH": str(ROOT)})
            if done.returncode != 0:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            found |= json.loads(done.stdout.strip().splitlines()[-1])
        results.append(found)
        print(_table(results[-1:]), end="", flush=True)
    environment = {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                   "date": datetime.date.today().isoformat()}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "viewsheds.json").write_text(json.dumps({"environment": environment, "cases": results}, indent=2)
                                            + "\n")
    (RESULTS / "viewsheds.md").write_text(_table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
