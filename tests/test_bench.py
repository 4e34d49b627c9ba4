"""The routing benchmark's smallest case runs end to end (CI runs it; no time is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_routing.py"


@pytest.mark.slow
def test_the_smallest_benchmark_case_runs_and_agrees_with_its_baselines(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_routing", BENCH)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setattr(sys, "argv", [str(BENCH)])
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    combined = bench.main(["--quick", "--queries", "4"])
    case = combined["cases"]["grid-10k"]
    ours, base = case["ours"], case["baseline"]
    assert len(ours["per_trip"]) == 4
    for name in ("shortest", "least-time-in-view", "fewest-cameras", "tradeoff", "dashboard-request", "audit"):
        assert ours["objectives"][name]["n"] == 4
    assert 0.0 <= ours["objectives"]["fewest-cameras"]["proven_share"] <= 1.0
    assert ours["tradeoff_disagreements"] == 0  # the trade-off set ends at the fewest-camera count
    for trip in ours["per_trip"]:
        counts = [c for c, _, _ in trip["tradeoff"]]
        assert counts == sorted(counts, reverse=True)
        assert trip["fewest_frt_cameras"] <= trip["shortest_frt_cameras"]
        assert trip["audit_in_view_m"] == pytest.approx(trip["audit_route_in_view_m"], abs=1.0)
    assert base["osmnx_shortest_agrees_share"] == 1.0
    agreed, proven = base["ip_fewest_cameras"]["agrees_where_proven"].split("/")
    assert agreed == proven  # wherever the old integer program proved its answer, ours is the same count
    assert base["ip_fewest_cameras"]["ours_fewer_where_unproven"] >= 0
    saved = json.loads((tmp_path / "routing-quick.json").read_text())
    assert set(saved["cases"]) == {"grid-10k"}
    assert (tmp_path / "summary-quick.md").read_text().startswith("# Routing benchmark")
