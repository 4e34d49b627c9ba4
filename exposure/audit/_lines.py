"""What reading a track and measuring it share about its lines."""

from __future__ import annotations

import numpy as np

__all__ = ["measurable"]


def measurable(coordinates: np.ndarray) -> bool:
    """Whether a line has two distinct points, so that it has a length to measure."""
    return len(coordinates) >= 2 and len(np.unique(coordinates, axis=0)) >= 2
