"""Dashboard benchmark: how long pages take, server-side, to answer (issue 21's targets).

    .venv/bin/python bench/bench_dashboard.py               # 40 Helsinki trips, 20 plans, 5 first renders a page
    .venv/bin/python bench/bench_dashboard.py --trips 10 --plans 5 --renders 3

Every page runs in Streamlit's own test harness (``AppTest``: the entry script and the
page as the server runs them, every widget and element included, no browser), opened
through ``dashboard.py`` as a browser opens it. Three measurements:

- **route**: the Route planner's default request. After one warm-up request (the
  dataset, the routing context, the map layers and the compiled search load once per
  server process, as for the first visitor), each trip sets the origin and then the
  destination to two of the dataset's place names 0.8-2.5 km apart by the shortest
  walk, with the page's defaults (fewest FRT cameras, detour 50 %, two alternatives).
  The time is that of the run the destination triggers: routes, table, map, chart.
  Target: median <= 100 ms.
- **plan**: the Protest plan with three gathering points (street points) to a ★ site:
  the time of the run the gathering points trigger. Target: median <= 200 ms.
- **first render**: each page opened by a new session in a warm app (every page was
  opened once before). Target: each page's median <= 300 ms.

As a server does, the harness compiles each script once and scans for components once (it would
do both again for every run). Each time is also taken as CPU time of this process (the page's run and the harness
reading its elements): on a machine shared with other work the wall-clock time waits
for the CPU, the CPU time much less. The baseline of the same run is the engine alone
(``routes``, ``make_plan``) for the same requests: the page's time over the engine's is
what drawing the page costs. JSON and a table go to ``bench/results/dashboard.json``
and ``bench/results/dashboard.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
RESULTS = HERE / "results"
ENTRY = ROOT / "dashboard.py"
PAGES = sorted(p.name for p in (ROOT / "pages").glob("[!_]*.py"))
#: Targets of issue 21, in milliseconds: route median, plan median, each page's first render.
TARGET_ROUTE_MS, TARGET_PLAN_MS, TARGET_RENDER_MS = 100.0, 200.0, 300.0


def named_trips(n: int, seed: int) -> list[tuple[str, str, float]]:
    """Pairs of the dataset's place names whose nodes are 0.8-2.5 km apart by the shortest walk."""
    from exposure.datasets import load_dataset  # noqa: PLC0415

    ds = load_dataset("helsinki")
    ctx = ds.context()
    rng = np.random.default_rng(seed)
    names = ds.places["name"].astype(str).tolist()
    nodes = {}
    for name in names:
        try:
            nodes[name] = ds.resolve(name).node
        except ValueError:
            continue
        except LookupError:
            continue
    usable = sorted(nodes)
    out: list[tuple[str, str, float]] = []
    while len(out) < n:
        a = usable[int(rng.integers(len(usable)))]
        dist, _ = ctx.length_distances(nodes[a], limit=2500.0)
        far = [b for b in usable if 800.0 <= dist[nodes[b]] <= 2500.0]
        if far:
            b = far[int(rng.integers(len(far)))]
            out.append((a, b, float(dist[nodes[b]])))
    return out


def plan_points(n: int, seed: int) -> list[tuple[str, list[str]]]:
    """``n`` plans: a ★ site and three gathering points (street points as ``lat,lon``)."""
    from exposure.datasets import load_dataset  # noqa: PLC0415

    ds = load_dataset("helsinki")
    rng = np.random.default_rng(seed)
    lonlat = ds.index.node_lonlat
    sites = [str(p) for p in ds.presets["name"]]
    return [(sites[int(rng.integers(len(sites)))],
             [f"{lonlat[i, 1]:.6f},{lonlat[i, 0]:.6f}" for i in rng.integers(len(lonlat), size=3)])
            for _ in range(n)]


_COMPONENTS: list[Any] = []


def compile_once() -> None:
    """Let the harness compile each script once, as a server does (it keeps their code until it stops).

    ``AppTest`` makes a new script cache for every run, so the entry script and the page would be
    compiled again on each request timed (about 5-10 ms): one cache serves every run here instead.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache  # noqa: PLC0415
    from streamlit.testing.v1 import app_test  # noqa: PLC0415

    shared = ScriptCache()
    app_test.ScriptCache = lambda: shared  # type: ignore[assignment,misc]


def page(name: str) -> Any:
    """A new session opening ``pages/<name>`` through the entry script, as a browser opens its address."""
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    at = AppTest.from_file(str(ENTRY), default_timeout=300)
    if _COMPONENTS:
        # each new AppTest scans every installed package for custom components (about 50 ms), which a server
        # does once, when it starts: the first AppTest's scan serves the others, so that it is not timed
        at._bidi_component_manager = _COMPONENTS[0]
    at.switch_page(f"pages/{name}")
    return at


def warm(at: Any) -> Any:
    """Run a page once, keeping the harness's scan of components for the pages opened after it."""
    at.run()
    if not _COMPONENTS:
        _COMPONENTS.append(at._bidi_component_manager)
    return at


def timed(step: Callable[[], Any]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one step."""
    wall, cpu = time.perf_counter(), time.process_time()
    at = step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if at is not None and at.exception:
        msg = f"the page failed: {[e.value for e in at.exception]}"
        raise SystemExit(msg)
    return wall, cpu


def figures(times: list[tuple[float, float]], target_ms: float) -> dict[str, Any]:
    """Median, p95 and max of some (wall, CPU) times, in ms, and whether the median meets the target."""
    wall, cpu = (np.asarray([t[i] for t in times]) * 1e3 for i in (0, 1))
    return {"n": len(times), "median_ms": round(float(np.median(wall)), 1),
            "p95_ms": round(float(np.percentile(wall, 95)), 1), "max_ms": round(float(wall.max()), 1),
            "cpu_median_ms": round(float(np.median(cpu)), 1), "target_median_ms": target_ms,
            "met": bool(np.median(wall) <= target_ms), "met_in_cpu_time": bool(np.median(cpu) <= target_ms)}


def routes_bench(trips: list[tuple[str, str, float]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Route planner's default request for each trip (the first one warms up), and the engine's time for it."""
    from exposure import settings  # noqa: PLC0415
    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.routing import routes  # noqa: PLC0415

    at = warm(page("2_Route_planner.py"))
    warm_a, warm_b, _ = trips[0]
    at.selectbox(key="rp_origin").set_value(warm_a).run()
    at.selectbox(key="rp_destination").set_value(warm_b).run()
    ds = load_dataset("helsinki")
    ctx = ds.context()
    times, engine, rows = [], [], []
    for a, b, dist in trips[1:]:
        at.selectbox(key="rp_origin").set_value(a).run()
        t = timed(lambda b=b: at.selectbox(key="rp_destination").set_value(b).run())
        proven = not any("not proven" in str(v) for v in at.table[0].value.to_numpy().ravel()) if at.table else None
        start = time.perf_counter()
        routes(ctx, ds.resolve(a).node, ds.resolve(b).node, max_detour=0.5, alternatives=2,
               time_limit_s=settings.interactive_time_limit_s)
        engine.append(time.perf_counter() - start)
        times.append(t)
        rows.append({"origin": a, "destination": b, "shortest_m": round(dist, 1), "ms": round(t[0] * 1e3, 1),
                     "cpu_ms": round(t[1] * 1e3, 1), "all_proven": proven})
        print(f"route {a} -> {b} ({dist:.0f} m): {t[0] * 1e3:.0f} ms ({t[1] * 1e3:.0f} ms CPU)", file=sys.stderr)
    out = figures(times, TARGET_ROUTE_MS)
    out["engine_median_ms"] = round(float(np.median(engine)) * 1e3, 1)
    return out, rows


def plans_bench(plans: list[tuple[str, list[str]]]) -> dict[str, Any]:
    """The Protest plan with three gathering points, for each plan (the first one warms up)."""
    from exposure import settings  # noqa: PLC0415
    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.planning import PlanPoint, PlanRequest, make_plan  # noqa: PLC0415

    at = warm(page("7_Protest_plan.py"))
    ds = load_dataset("helsinki")
    ctx = ds.context()
    times, engine = [], []
    for i, (site, gathering) in enumerate(plans):
        at.text_input(key="pp_site").set_value(site)
        t = timed(lambda g=gathering: at.text_area(key="pp_gathering").set_value("\n".join(g)).run())
        if i == 0:
            continue  # the warm-up
        request = PlanRequest(site=PlanPoint.from_place(ds.resolve(site)),
                              gathering=tuple(PlanPoint.from_place(ds.resolve(g)) for g in gathering))
        start = time.perf_counter()
        make_plan(ctx, request, cameras=ds.cameras, time_limit_s=settings.interactive_time_limit_s)
        engine.append(time.perf_counter() - start)
        times.append(t)
        print(f"plan to {site} from {len(gathering)} points: {t[0] * 1e3:.0f} ms ({t[1] * 1e3:.0f} ms CPU)",
              file=sys.stderr)
    out = figures(times, TARGET_PLAN_MS)
    out["engine_median_ms"] = round(float(np.median(engine)) * 1e3, 1)
    return out


def renders_bench(renders: int) -> dict[str, Any]:
    """Each page's first render by a new session in a warm app (each page opened once before)."""
    for name in PAGES:  # the warm-up: every page's caches, once per process
        warm(page(name))
    out = {}
    for name in PAGES:
        times = [timed(lambda name=name: page(name).run()) for _ in range(renders)]
        out[name] = figures(times, TARGET_RENDER_MS)
        print(f"first render of {name}: median {out[name]['median_ms']:.0f} ms "
              f"({out[name]['cpu_median_ms']:.0f} ms CPU)", file=sys.stderr)
    return out


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trips", type=int, default=40)
    p.add_argument("--plans", type=int, default=20)
    p.add_argument("--renders", type=int, default=5, help="first renders of each page")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    load_before = [round(x, 2) for x in os.getloadavg()]
    compile_once()
    started = time.perf_counter()
    route, per_trip = routes_bench(named_trips(args.trips + 1, args.seed))
    plan = plans_bench(plan_points(args.plans + 1, args.seed))
    renders = renders_bench(args.renders)
    result = {
        "what": "server side, through dashboard.py in AppTest: the route planner's default request (fewest cameras, "
                "detour 50 %, 2 alternatives), a protest plan of three gathering points, each page's first render "
                "in a warm app",
        "route": route, "plan": plan, "first_render": renders,
        "met": bool(route["met"] and plan["met"] and all(r["met"] for r in renders.values())),
        "seconds": round(time.perf_counter() - started, 1), "cpus": os.cpu_count(),
        "load_average_before": load_before, "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "per_trip": per_trip,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps(result, indent=2) + "\n")
    lines = ["| what | n | median | p95 | CPU median | engine alone | target (median) |",
             "|---|---|---|---|---|---|---|"]
    for label, f in [("route planner, default request", route), ("protest plan, 3 gathering points", plan),
                     *((f"first render: {name}", f) for name, f in renders.items())]:
        engine = f"{f['engine_median_ms']:.0f} ms" if "engine_median_ms" in f else "—"
        lines.append(f"| {label} | {f['n']} | {f['median_ms']:.0f} ms | {f['p95_ms']:.0f} ms | "
                     f"{f['cpu_median_ms']:.0f} ms | {engine} | <= {f['target_median_ms']:.0f} ms: "
                     f"{'met' if f['met'] else 'MISSED'} |")
    lines.append(f"\nLoad average before and after: {load_before}, {result['load_average_after']} "
                 f"({result['cpus']} CPUs).")
    (RESULTS / "dashboard.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return result


if __name__ == "__main__":
    main()
