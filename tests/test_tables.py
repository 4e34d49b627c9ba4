"""Tests of exposure._tables: JSON-safe values, spreadsheet-safe text and the lat/lon spellings."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import exposure.export
from exposure._tables import LAT_NAMES, LON_NAMES, json_safe, neutralise_formulas


def test_json_safe_converts_numpy_and_tuples() -> None:
    data = json_safe({1: (np.float64(np.nan), np.int64(3), np.bool_(True)), "a": np.array([1.5, np.inf])})
    assert data == {"1": [None, 3, True], "a": [1.5, None]}
    json.dumps(data, allow_nan=False)


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_neutralise_formulas_prefixes_text_a_spreadsheet_would_run(start: str) -> None:
    table = pd.DataFrame({"name": [f"{start}HYPERLINK(\"http://x\")", "Kauppatori", None], "n": [-1, 2, 3],
                          "share": [-0.5, 0.1, float("nan")]})
    safe = neutralise_formulas(table)
    assert safe["name"].tolist()[:2] == [f"'{start}HYPERLINK(\"http://x\")", "Kauppatori"]
    assert pd.isna(safe["name"].iloc[2])
    pd.testing.assert_frame_equal(safe[["n", "share"]], table[["n", "share"]])  # numbers stay numbers
    assert table["name"].iloc[0].startswith(start)  # the caller's table is left alone


def test_lat_lon_spellings_are_lower_case_and_distinct() -> None:
    assert LAT_NAMES[0] == "lat"
    assert LON_NAMES[0] == "lon"
    assert "long" in LON_NAMES
    assert not set(LAT_NAMES) & set(LON_NAMES)
    assert all(name == name.lower() for name in (*LAT_NAMES, *LON_NAMES))


def test_the_helpers_stay_importable_from_export() -> None:
    assert exposure.export.json_safe is json_safe
    assert exposure.export.neutralise_formulas is neutralise_formulas
