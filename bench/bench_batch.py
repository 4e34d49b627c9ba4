"""Batch benchmark: throughput and memory of ``exposure batch`` on one and two local Dask workers.

    .venv/bin/python bench/bench_batch.py                          # helsinki and grid-1m, 10,000 pairs each
    .venv/bin/python bench/bench_batch.py --cases helsinki --pairs 2000

Pairs are drawn as in bench_routing.py (Helsinki 0.8-2.5 km, the generated city
2 km), fewest-cameras, then routed by :func:`exposure.batch.run_batch` on a fresh
LocalCluster of 1 and of 2 worker processes. Throughput counts pairs per second
of routing, after every worker has its routing context (the setup, reported
apart: sending the dataset and building the context once per worker). Peak
memory is each worker process's own ``ru_maxrss``. JSON and a table go to
``bench/results/batch.json`` and ``bench/results/batch.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from bench_routing import CASES, RESULTS, build_case, load_case, log  # noqa: E402


def _peak_rss_mib() -> float:
    import resource  # noqa: PLC0415

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def draw_pairs(ds: Any, case: str, n: int, seed: int) -> pd.DataFrame:
    """``n`` pairs: 100 destinations in the case's distance band from each of ``n / 100`` origins."""
    spec = CASES[case]
    ctx = ds.context(frt_policy_spec=spec["frt_policy"], radius_m=spec["radius_m"])
    rng = np.random.default_rng(seed)
    lo, hi = spec["band_m"]
    per_origin = min(100, n)
    rows: list[tuple[str, str, str]] = []
    lonlat = ds.index.node_lonlat
    while len(rows) < n:
        o = int(rng.integers(ds.index.n_nodes))
        dist, _ = ctx.length_distances(o, limit=hi)
        band = np.flatnonzero((dist >= lo) & (dist <= hi))
        if len(band) < 10:
            continue
        for d in rng.choice(band, size=min(per_origin, n - len(rows)), replace=len(band) < per_origin):
            rows.append((f"{len(rows)}", f"{lonlat[o, 1]:.7f},{lonlat[o, 0]:.7f}",
                         f"{lonlat[d, 1]:.7f},{lonlat[d, 0]:.7f}"))
    return pd.DataFrame(rows, columns=["pair_id", "origin", "destination"])


def run(case: str, n_pairs: int, workers: int, seed: int) -> dict[str, Any]:
    from exposure.batch import BatchRequest, local_client, run_batch  # noqa: PLC0415

    spec = CASES[case]
    build_case(case)
    ds = load_case(case)
    pairs = draw_pairs(ds, case, n_pairs, seed)
    request = BatchRequest(objective="fewest-cameras", frt_policy=spec["frt_policy"], radius_m=spec["radius_m"])
    t0 = time.perf_counter()
    client = local_client(workers)
    cluster = client.cluster
    start_s = time.perf_counter() - t0
    try:
        result = run_batch(ds, pairs=pairs, request=request, client=client, chunk_size=100,
                           progress=lambda m: log(f"{case} x{workers}: {m}"))
        worker_rss = client.run(_peak_rss_mib)
    finally:
        client.close()
        cluster.close()
    work_s = result.seconds - result.setup_s
    rows = result.rows
    return {
        "case": case, "workers": workers, "pairs": n_pairs, "cluster_start_s": round(start_s, 2),
        "setup_s": round(result.setup_s, 2), "work_s": round(work_s, 2), "job_s": round(result.seconds, 2),
        "pairs_per_second": round(n_pairs / work_s, 1), "pairs_per_second_job": round(n_pairs / result.seconds, 1),
        "worker_peak_rss_mib": {str(k): round(v, 1) for k, v in worker_rss.items()},
        "errors": int(rows["error"].notna().sum()), "not_proven": result.summary.get("not_proven"),
        "summary": result.summary,
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", default="helsinki,grid-1m")
    p.add_argument("--pairs", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = []
    for case in args.cases.split(","):
        one = run(case, args.pairs, 1, args.seed)
        two = run(case, args.pairs, 2, args.seed)
        two["speedup_vs_1_worker"] = round(two["pairs_per_second"] / one["pairs_per_second"], 2)
        two["speedup_vs_1_worker_job"] = round(two["pairs_per_second_job"] / one["pairs_per_second_job"], 2)
        runs += [one, two]
        log(f"{case}: {one['pairs_per_second']} pairs/s on 1 worker, {two['pairs_per_second']} on 2 "
            f"({two['speedup_vs_1_worker']}x)")
    env = {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
           "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out = {"environment": env, "runs": runs}
    (RESULTS / "batch.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [f"# Batch benchmark ({env['date']}, {env['cpus']} CPUs)", "",
             "| case | workers | pairs | setup s | routing s | pairs/s | speedup | job s | peak MiB per worker | "
             "errors | not proven |", "|---" * 11 + "|"]
    for r in runs:
        rss = ", ".join(f"{v:.0f}" for v in r["worker_peak_rss_mib"].values())
        lines.append(f"| {r['case']} | {r['workers']} | {r['pairs']:,} | {r['setup_s']} | {r['work_s']} | "
                     f"{r['pairs_per_second']} | {r.get('speedup_vs_1_worker', '')} | {r['job_s']} | {rss} | "
                     f"{r['errors']} | {r['not_proven']} |")
    text = "\n".join(lines) + "\n"
    (RESULTS / "batch.md").write_text(text)
    print(text)
    return out


if __name__ == "__main__":
    main()
