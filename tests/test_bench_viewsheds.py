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
    monkeypatch.syspath_prepend(str(BENCH.parent))  # bench_routing.py, as the fresh process finds it
    found = bench.routing_side_by_side("helsinki", queries=3)
    assert found["trips"] == 3
    assert set(found["median_ms"]) == {"per-kind", bench.WALL_MODEL}
    assert set(found["median_ms"]["per-kind"]) == set(bench._ROUTING_STEPS)
    assert found["walls_note"].startswith("views cut by the walls of")
    table = bench.routing_models_table([found])
    assert table.startswith("| case | walls (dori-typical) |")
    assert table.count("\n") == 3
    slow = {**found, "median_ms": {"per-kind": dict.fromkeys(bench._ROUTING_STEPS, 10.0),
                                   bench.WALL_MODEL: dict.fromkeys(bench._ROUTING_STEPS, 14.0)}}
    assert "10.0 / 14.0 (1.40) **slower by more than a third**" in bench.routing_models_table([slow])
