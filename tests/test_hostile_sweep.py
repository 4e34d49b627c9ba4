"""The hostile-input sweep of bench/hostile_sweep.py, small: every command ends in exit 0 or one error line."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

SWEEP = Path(__file__).resolve().parent.parent / "bench" / "hostile_sweep.py"


def test_a_hostile_sweep_through_the_command_line_raises_nothing_unhandled(monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("hostile_sweep", SWEEP)
    sweep = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "hostile_sweep", sweep)
    spec.loader.exec_module(sweep)

    result = sweep.sweep(per_kind=8, seed=3, pairs=2)
    assert result["cases"] >= 120
    assert result["unhandled"] == 0, result["problems"]
    assert result["hangs"] == 0, result["problems"]
    assert set(result["outcomes"]) <= {"ok", "exit 2", "exit 2 (argparse)"}, result["problems"]
