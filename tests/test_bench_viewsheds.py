"""The viewshed benchmark's smallest case runs end to end (no time is asserted)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_viewsheds.py"


@pytest.mark.slow
def test_the_smallest_case_runs_in_fresh_processes(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_viewsheds", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RESULTS", tmp_path)
    assert bench.main(["--cases", "grid-5k"]) == 0
    saved = json.loads((tmp_path / "viewsheds.json").read_text())
    (case,) = saved["cases"]
    assert case["case"] == "grid-5k"
    assert [m["model"] for m in case["models"]] == list(bench.MODELS)
    for model in case["models"]:
        assert model["street_m_in_view"] <= model["street_m_in_discs"]
        assert 0 <= model["blocked_share"] <= 1
        assert model["on_facades"] > 0
    assert (tmp_path / "viewsheds.md").read_text().startswith("| case |")
    assert "python" in saved["environment"]


def test_routing_under_walls_is_set_beside_the_discs(tmp_path, monkeypatch):
    spec = importlib.util.spec_from_file_location("bench_viewsheds", BENCH)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "RESULTS", tmp_path)

    def run(ms: float, walls: str) -> dict:
        objectives = {k: {"median_ms": ms} for k in ("fewest-cameras", "tradeoff", "least-time-in-view",
                                                     "dashboard-request")}
        return {"cases": {"helsinki": {"ours": {"objectives": objectives, "coverage_s": 0.5,
                                                "coverage": {"walls_note": walls},
                                                "per_trip": [{"shortest_frt_cameras": n} for n in (3, 5, 9)]}}}}

    (tmp_path / "routing.json").write_text(json.dumps(run(10.0, "the coverage model does not cut views by walls")))
    (tmp_path / f"routing-{bench.WALL_MODEL}.json").write_text(json.dumps(run(14.0, "views cut by the walls of 290")))
    assert bench.main(["--routing-only"]) == 0
    table = (tmp_path / "routing-models.md").read_text()
    assert "| helsinki | views cut by the walls of 290 | 0.50 / 0.50 | 10.0 / 14.0 (1.40) **slower by more than a " \
           "third** |" in table
    assert table.count("\n") == 3
