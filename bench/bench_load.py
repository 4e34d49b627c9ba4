"""Many users at once: simulated browser sessions ask the dashboard for routes and plans; latency and memory.

One app process as `make run` starts it (the default), or `--processes N` behind nginx as `make serve`
starts them, or `--url` any running instance. A request the server refuses as too busy (its page says
so, naming the limit) is counted apart from errors; one answered after a "busy" notice is counted too.

    python bench/bench_load.py --processes 2 --sessions 20 --seconds 60              # no pause
    python bench/bench_load.py --processes 2 --sessions 50 --seconds 60 --pause 10
    python bench/bench_load.py --processes 2 --sessions 100 --seconds 60 --pause 10  # each asks every 10 s
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load

RESULTS = Path(__file__).resolve().parent / "results"


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=20, help="simulated users at once (default 20)")
    parser.add_argument("--seconds", type=float, default=120.0, help="how long they work (default 120)")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="seconds each user reads an answer before asking again (default 0: no pause)")
    parser.add_argument("--no-slow", action="store_true", help="leave out the slow request")
    parser.add_argument("--processes", type=int, default=0,
                        help="app processes behind nginx, as make serve starts them (default 0: one app, no proxy)")
    parser.add_argument("--url", help="load an instance already running at this address instead (memory not measured)")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    result = load.measure(sessions=args.sessions, seconds=args.seconds, slow=not args.no_slow, seed=args.seed,
                          processes=args.processes, url=args.url, pause_s=args.pause)
    RESULTS.mkdir(exist_ok=True)
    # one file per setup, so that runs of 20, 50 and 100 sessions behind the proxy sit side by side
    name = "load.json" if not args.processes else f"load-{args.processes}p-{args.sessions}s.json"
    if args.pause:
        name = name.replace(".json", f"-pause{args.pause:g}.json")
    (RESULTS / name).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    where = f"{args.processes} processes behind nginx" if args.processes else (args.url or "one app process")
    print(f"{result['sessions']} sessions for {result['seconds']:g} s on {where}: {result['requests']} requests, "
          f"{result['errors']} with errors, {result['refused']} refused as too busy "
          f"({100 * result['refused_share']:.1f} %), {result['waited']} answered after a busy notice "
          f"({result['requests_per_s']} requests/s)")
    for kind, figures in result["latency"].items():  # type: ignore[attr-defined]
        if figures["n"]:
            print(f"  {kind:6} n={figures['n']:4}  p50 {figures['p50_s']:.2f} s  p95 {figures['p95_s']:.2f} s  "
                  f"max {figures['max_s']:.2f} s")
    for name in ("fast_before_slow", "fast_during_slow"):
        f = result[name]
        if f["n"]:  # type: ignore[index]
            print(f"  {name:17} n={f['n']:4}  p95 {f['p95_s']:.2f} s")  # type: ignore[index]
    if result["rss_warm_mib"] is not None:
        print(f"  server memory (all app processes): {result['rss_warm_mib']} MiB warm, "
              f"peak {result['rss_peak_mib']} MiB")
        for m in result["per_process"]["end"]:  # type: ignore[index]
            print(f"    pid {m['pid']}: resident {m['rss_mib']} MiB, own {m['uss_mib']} MiB, "
                  f"proportional {m['pss_mib']} MiB")
    cpu = result["cpu_s"]
    print(f"  CPU seconds while they worked: app processes {cpu['app_processes']}, proxy {cpu['proxy']}, "  # type: ignore[index]
          f"load client {cpu['load_client']}, other processes of the machine {cpu['other_processes']} "  # type: ignore[index]
          f"(of {cpu['machine']} busy)")  # type: ignore[index]
    for problem in result["problems"]:  # type: ignore[attr-defined]
        print(f"  problem: {problem}")
    return result


if __name__ == "__main__":
    main()
