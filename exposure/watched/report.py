"""The Who-is-watched pipeline in one call: cameras selected, counted per NYC area, analysed, Amnesty's model beside."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from exposure._errors import WatchedError
from exposure.areas.density import density_by_area, measure_column
from exposure.areas.sets import named_areas
from exposure.cameras import CameraExtent, FrtPolicy, describe_policies, select_cameras
from exposure.nyc import NYC_AREA_SETS, in_nyc
from exposure.watched.amnesty import AmnestyModel, amnesty_model
from exposure.watched.correlation import WatchedResult, check_measure, watched_analysis

__all__ = ["MODEL_AREAS", "REPORT_MEASURES", "WatchedReport", "report_measures", "watched_report"]

#: The measures (keys of :data:`exposure.areas.MEASURES`) a report compares: none needs a street network.
REPORT_MEASURES = ("per_km2", "per_1000_residents", "effective_per_km2", "effective_per_1000_residents")

#: The areas Amnesty's model is fitted at, whatever areas the correlation compares: the finest with census figures.
MODEL_AREAS = "nyc-nta"


@dataclass(frozen=True)
class WatchedReport:
    """Outcome of :func:`watched_report`.

    Attributes
    ----------
    table
        Camera density per area (:func:`exposure.areas.density_by_area`), with
        population and race, for the areas compared.
    result
        The rank correlation of the measure with non-white share (:func:`~exposure.watched.watched_analysis`).
    model
        Amnesty's binomial model at New York's NTAs (None when not asked for).
    areas
        The area set compared (``"nyc-nta"``, ``"nyc-precinct"`` …).
    camera_counts
        The cameras every figure rests on: ``cameras`` (rows in the camera
        table, after the policies' selection when no masks were given),
        ``counted`` (under the verification policy), ``frt_capable`` (of those
        counted), ``in_nyc`` (counted, inside the box around the five
        boroughs), ``areas`` and ``areas_with_camera_data`` (where the camera
        source looked).
    """

    table: gpd.GeoDataFrame
    result: WatchedResult
    model: AmnestyModel | None
    areas: str
    camera_counts: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``watched`` JSON: the correlation's keys, ``amnesty_model`` and ``camera_counts``."""
        return {**self.result.to_dict(), "amnesty_model": self.model.to_dict() if self.model is not None else None,
                "camera_counts": dict(self.camera_counts)}


def report_measures() -> list[str]:
    """The density columns a report can compare: each of :data:`REPORT_MEASURES` for all, then FRT-capable, cameras."""
    return [measure_column(m, frt_only=frt)[0] for m in REPORT_MEASURES for frt in (False, True)]


def watched_report(
    cameras: pd.DataFrame,
    *,
    areas: str = "nyc-nta",
    measure: str = "cameras_per_km2",
    min_population: float = 500,
    counted: Sequence[bool] | np.ndarray | None = None,
    frt: Sequence[bool] | np.ndarray | None = None,
    frt_policy: str | Path | FrtPolicy = "default",
    verification: str | Iterable[str] = "default",
    settings: Mapping[str, Any] | None = None,
    extent: CameraExtent | None = None,
    model: bool = True,
) -> WatchedReport:
    """Who is watched, from a camera table: select, count per area, correlate with non-white share, fit Amnesty's model.

    The same steps the *Who is watched* page and ``exposure watched`` take:
    the cameras are selected under the policies (or by the masks given),
    counted per area of a New York City area set
    (:func:`exposure.areas.density_by_area`, areas outside ``extent`` having no
    camera data), the measure is set against the areas' non-white share
    (:func:`~exposure.watched.watched_analysis`), and Amnesty's model is fitted
    at NTAs whatever the areas compared (:func:`~exposure.watched.amnesty_model`).

    Parameters
    ----------
    cameras
        Camera table with ``lon``/``lat`` (and ``verification``, ``kind``,
        ``mount``, ``operator`` for the policies), e.g. ``load_cameras(...).cameras``.
    areas
        A New York City area set (:data:`exposure.nyc.NYC_AREA_SETS`).
    measure
        The density column compared (:data:`~exposure.watched.WATCHED_MEASURES`);
        an ``frt_`` measure also fits Amnesty's model to the FRT-capable cameras.
    min_population
        Areas with fewer residents are left out.
    counted, frt
        Per camera row: counted, and FRT-capable (e.g. a dataset's
        ``context().exposure`` masks). Give both or neither; without them the
        cameras are selected with ``frt_policy`` and ``verification``.
    frt_policy, verification
        The policies that select the cameras when no masks are given.
    settings
        What was counted, kept with the figures; default the policies described
        (:func:`exposure.cameras.describe_policies`).
    extent
        Where the camera source looked (:func:`exposure.cameras.load_extent`);
        areas outside it have no camera data. Default: every area is covered.
    model
        Fit Amnesty's model too (it costs a second count per NTA when ``areas``
        is not ``nyc-nta``).

    Returns
    -------
    WatchedReport
        The density table, the correlation, Amnesty's model and the camera counts.

    Raises
    ------
    WatchedError
        For an unknown measure or area set, only one of the masks, or a density
        table without the columns the analysis needs.
    AreaError
        When the New York City areas cannot be read (their package is missing).
    CameraDataError
        When the cameras lack a column the policies need.
    """
    check_measure(measure)
    if areas not in NYC_AREA_SETS:
        msg = f"unknown area set {areas!r} for who is watched; choose one of {', '.join(NYC_AREA_SETS)}"
        raise WatchedError(msg)
    if (counted is None) != (frt is None):
        msg = "give both counted= and frt= (a mask per camera row), or neither to select with the policies"
        raise WatchedError(msg)
    if counted is None or frt is None:
        cameras = select_cameras(cameras, frt_policy=frt_policy, verification=verification)
        counted_mask = np.ones(len(cameras), dtype=bool)
        frt_mask = cameras["frt_capable"].to_numpy(dtype=bool)
    else:
        counted_mask, frt_mask = np.asarray(counted, dtype=bool), np.asarray(frt, dtype=bool)
    used = dict(settings) if settings is not None else describe_policies(frt_policy, verification)

    def density(area_set: str) -> gpd.GeoDataFrame:
        return density_by_area(named_areas(area_set), cameras, counted=counted_mask, frt=frt_mask, settings=used,
                               extent=extent)

    table = density(areas)
    result = watched_analysis(table, measure=measure, min_population=float(min_population))
    fitted = None
    if model:
        finest = table if areas == MODEL_AREAS else density(MODEL_AREAS)
        fitted = amnesty_model(finest, frt_only=measure.startswith("frt_"), min_population=float(min_population))
    lon, lat = cameras["lon"].to_numpy(dtype=float), cameras["lat"].to_numpy(dtype=float)
    covered = table["camera_data"].to_numpy(dtype=bool)
    camera_counts = {
        "cameras": len(cameras),
        "counted": int(counted_mask.sum()),
        "frt_capable": int((frt_mask & counted_mask).sum()),
        "in_nyc": int((in_nyc(lon, lat) & counted_mask).sum()),
        "areas": len(table),
        "areas_with_camera_data": int(covered.sum()),
    }
    return WatchedReport(table=table, result=result, model=fitted, areas=areas, camera_counts=camera_counts)
