"""Dashboard benchmark: how long the route planner takes, server-side, to answer its default request.

    .venv/bin/python bench/bench_dashboard.py               # 40 random Helsinki trips between named places
    .venv/bin/python bench/bench_dashboard.py --trips 10

The route planner page runs in Streamlit's own test harness (``AppTest``: the
page script as the server runs it, every widget and element included, no
browser). After one warm-up request (the dataset, the routing context and the
compiled search load once per server process, as for the first visitor), each
trip sets the origin and the destination to two of the dataset's place names
0.8-2.5 km apart by the shortest walk, with the page's defaults: fewest FRT
cameras, detour 50 %, two alternatives. The time is that of the rerun the
destination triggers: the whole page, routes, table, map and chart. JSON and a
line go to ``bench/results/dashboard.json`` and ``bench/results/dashboard.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
RESULTS = HERE / "results"
PAGE = ROOT / "pages" / "2_Route_planner.py"
TARGET_MS = 1000.0


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


def main(argv: list[str] | None = None) -> dict[str, Any]:
    from streamlit.testing.v1 import AppTest  # noqa: PLC0415

    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--trips", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    trips = named_trips(args.trips + 1, args.seed)
    at = AppTest.from_file(str(PAGE), default_timeout=300)
    started = time.perf_counter()
    at.run()
    warm_a, warm_b, _ = trips[0]
    at.selectbox(key="rp_origin").set_value(warm_a).run()
    at.selectbox(key="rp_destination").set_value(warm_b).run()
    warm_s = time.perf_counter() - started
    times, rows = [], []
    for a, b, dist in trips[1:]:
        at.selectbox(key="rp_origin").set_value(a).run()
        t = time.perf_counter()
        at.selectbox(key="rp_destination").set_value(b).run()
        elapsed = time.perf_counter() - t
        if at.exception:
            msg = f"the page failed for {a} -> {b}: {[e.value for e in at.exception]}"
            raise SystemExit(msg)
        proven = not any("not proven" in str(v) for v in at.table[0].value.to_numpy().ravel()) if at.table else None
        times.append(elapsed)
        rows.append({"origin": a, "destination": b, "shortest_m": round(dist, 1), "ms": round(elapsed * 1e3, 1),
                     "all_proven": proven})
        print(f"{a} -> {b} ({dist:.0f} m): {elapsed * 1e3:.0f} ms", file=sys.stderr)
    ms = np.asarray(times) * 1e3
    result = {
        "what": "route planner page, default request (fewest cameras, detour 50 %, 2 alternatives), server side",
        "trips": len(times), "warm_up_s": round(warm_s, 2),
        "median_ms": round(float(np.median(ms)), 1), "p95_ms": round(float(np.percentile(ms, 95)), 1),
        "max_ms": round(float(ms.max()), 1), "target_median_ms": TARGET_MS,
        "met": bool(np.median(ms) <= TARGET_MS), "cpus": os.cpu_count(),
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "per_trip": rows,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "dashboard.json").write_text(json.dumps(result, indent=2) + "\n")
    line = (f"Route planner default request, server side, {len(times)} Helsinki trips: median "
            f"{result['median_ms']} ms, p95 {result['p95_ms']} ms, max {result['max_ms']} ms "
            f"(warm-up {result['warm_up_s']} s); target median <= {TARGET_MS:.0f} ms: "
            f"{'met' if result['met'] else 'MISSED'}")
    (RESULTS / "dashboard.md").write_text(line + "\n")
    print(line)
    return result


if __name__ == "__main__":
    main()
