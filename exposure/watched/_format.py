"""How the analysis writes its figures: rounded for JSON, p-values in words."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["p_text", "round_figure"]


def round_figure(value: Any, digits: int = 6) -> Any:
    """A float rounded for JSON, None for NaN or infinity; anything else as it is."""
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return round(number, digits) if math.isfinite(number) else None
    return value


def p_text(p: float | None) -> str:
    """A p-value in words: two significant digits, "< 0.001" below that, "n/a" when undefined."""
    if p is None or not math.isfinite(p):
        return "n/a"
    return f"{p:.2g}" if p >= 0.001 else "< 0.001"
