"""Tests of exposure.cli.models: the coverage models listed, and compare-models from the command line."""

from __future__ import annotations

import io
import json

import pandas as pd

from tests.cli_run import run


def test_models_lists_every_built_in_model_kind_and_level(capsys) -> None:
    code, out, err = run(capsys, "models", "--format", "csv")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert set(table["model"]) == {"per-kind", "amnesty", "kamerafrei", "dori-low", "dori-typical", "dori-high"}
    assert len(table) == 6 * 4 * 3
    assert table["source"].str.len().gt(0).all()
    code, out, err = run(capsys, "models")
    assert code == 0, err
    rows = json.loads(out)["models"]
    amnesty = [r for r in rows if r["model"] == "amnesty"]
    assert {(r["range_m"], r["walls"], r["honours_camera_range"]) for r in amnesty} == {(120.0, False, False)}


def test_compare_models_prints_the_trips_band_and_seed(capsys) -> None:
    code, out, err = run(capsys, "compare-models", "--models", "per-kind,kamerafrei", "--trips", "6", "--seed", "2",
                         "--min-m", "300", "--max-m", "900")
    assert code == 0, err
    result = json.loads(out)
    assert [m["model"] for m in result["models"]] == ["per-kind", "kamerafrei"]
    assert result["settings"]["trips"] == 6
    assert result["settings"]["length_band_m"] == [300.0, 900.0]
    assert result["settings"]["seed"] == 2
    assert "6 trips of 300-900 m along the streets, seed 2, level identify" in err
    code, md, err = run(capsys, "compare-models", "--models", "per-kind,kamerafrei", "--trips", "6", "--seed", "2",
                        "--min-m", "300", "--max-m", "900", "--format", "md")
    assert code == 0, err
    assert md.startswith("| model | walls |")
    code, _, err = run(capsys, "compare-models", "--models", "per-kind,nope", "--trips", "2")
    assert code == 2
    assert "unknown coverage model 'nope'" in err
