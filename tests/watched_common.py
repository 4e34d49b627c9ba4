"""Shared helpers of the who-is-watched tests: density tables with chosen shares and values, a small NYC camera file."""

from __future__ import annotations

import numpy as np
import pandas as pd


def areas(share, value, *, population=None, borough=None, cameras=None) -> pd.DataFrame:
    n = len(share)
    return pd.DataFrame({
        "area_id": [f"A{i:03d}" for i in range(n)],
        "name": [f"Area {i}" for i in range(n)],
        "borough": borough if borough is not None else ["Brooklyn"] * n,
        "population": population if population is not None else [5000.0] * n,
        "nonwhite_share": share,
        "cameras": cameras if cameras is not None else [10] * n,
        "frt_cameras": [3] * n,
        "area_km2": [1.0] * n,
        "cameras_per_km2": value,
    })


def model_areas(share, effective_per_1000, *, borough=None, population=None) -> pd.DataFrame:
    n = len(share)
    return pd.DataFrame({
        "area_id": [f"A{i:03d}" for i in range(n)],
        "borough": borough if borough is not None else ["Brooklyn"] * n,
        "population": population if population is not None else [5000.0] * n,
        "black_hispanic_share": share,
        "cameras": [10] * n,
        "effective_cameras_per_1000_residents": effective_per_1000,
        "frt_effective_cameras_per_1000_residents": np.asarray(effective_per_1000, dtype=float) / 2,
    })


CAMERAS_CSV = "lat,lon,kind\n" + "\n".join(
    f"{lat:.5f},{lon:.5f},dome" for lat, lon in [
        (40.7282, -73.9540), (40.7283, -73.9541), (40.7128, -73.9610),  # Greenpoint, Williamsburg
        (40.6930, -73.9900), (40.6931, -73.9901), (40.6932, -73.9899),  # Downtown Brooklyn
        (40.6500, -73.9500), (40.6000, -73.9600), (40.8300, -73.9200),  # Flatbush, Sheepshead Bay, Bronx
    ])
