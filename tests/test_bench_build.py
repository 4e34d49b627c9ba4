"""The build benchmark (bench/bench_build.py) runs end to end on a small generated city (no time is asserted)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench" / "bench_build.py"


@pytest.mark.slow
def test_the_build_benchmark_builds_and_reloads_a_small_city(tmp_path, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("bench_build", BENCH)
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_build"] = bench
    spec.loader.exec_module(bench)
    monkeypatch.setattr(bench, "EXTRACTS", tmp_path / "extracts")
    out = tmp_path / "build.json"
    result = bench.main(["--side", "8", "--out", str(out), "--locations-on-disk"])
    assert json.loads(out.read_text()) == result
    build = result["build"]
    assert set(build["stages_s"]) >= {"scan", "graph", "index", "cameras", "viewsheds", "save"}
    assert build["buildings"] == result["extract"]["buildings"]
    assert build["scan"]["node_locations"] == "sparse_file_array"
    assert build["edges"] > 0
    assert result["load_from_cache"]["seconds"] > 0
    # the dataset, its graph, and the default coverage model's coverage worked out at the build
    assert set(result["cache_files_mb"]) == {"graph", "pickle", "coverage/"}
    assert result["within_targets"] in (True, False)
    # a second run reuses the generated extract
    again = bench.main(["--side", "8", "--out", str(out)])
    assert again["extract"] == result["extract"]
    assert again["build"]["scan"]["node_locations"] == "flex_mem"
