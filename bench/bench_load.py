"""Many users at once: 20 simulated browser sessions ask the dashboard for routes and plans; latency and memory."""

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
    parser.add_argument("--no-slow", action="store_true", help="leave out the slow request")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    result = load.measure(sessions=args.sessions, seconds=args.seconds, slow=not args.no_slow, seed=args.seed)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n")
    print(f"{result['sessions']} sessions for {result['seconds']:g} s: {result['requests']} requests, "
          f"{result['errors']} with errors ({result['requests_per_s']} requests/s)")
    for kind, figures in result["latency"].items():  # type: ignore[attr-defined]
        if figures["n"]:
            print(f"  {kind:6} n={figures['n']:4}  p50 {figures['p50_s']:.2f} s  p95 {figures['p95_s']:.2f} s  "
                  f"max {figures['max_s']:.2f} s")
    for name in ("fast_before_slow", "fast_during_slow"):
        f = result[name]
        if f["n"]:  # type: ignore[index]
            print(f"  {name:17} n={f['n']:4}  p95 {f['p95_s']:.2f} s")  # type: ignore[index]
    print(f"  server memory: {result['rss_warm_mib']} MiB after one warm session, peak {result['rss_peak_mib']} MiB")
    for problem in result["problems"]:  # type: ignore[attr-defined]
        print(f"  problem: {problem}")
    return result


if __name__ == "__main__":
    main()
