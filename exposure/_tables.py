"""Tables people open elsewhere: text safe for spreadsheets and JSON, and the column spellings read from them."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["LAT_NAMES", "LON_NAMES", "json_safe", "neutralise_formulas"]

#: Column names read as latitude and as longitude, in order of preference (compared without case).
LAT_NAMES: tuple[str, ...] = ("lat", "latitude", "y")
LON_NAMES: tuple[str, ...] = ("lon", "lng", "long", "longitude", "x")

# A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def json_safe(obj: Any) -> Any:
    """A copy of ``obj`` that :func:`json.dumps` accepts with ``allow_nan=False``.

    NaN and infinities become None, numpy scalars and arrays become Python
    numbers and lists, tuples become lists, mapping keys become strings.
    """
    if isinstance(obj, Mapping):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [json_safe(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def neutralise_formulas(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table whose text cells a spreadsheet would run as a formula start with ``'``.

    Names, ids and places come from other people's files; a cell such as
    ``=HYPERLINK(...)`` must reach a spreadsheet as text. Numbers are left alone.
    """
    out = table.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START) else v
                           for v in out[column]]
    return out
