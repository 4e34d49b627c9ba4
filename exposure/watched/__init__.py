"""Who is watched: camera density against the share of non-white residents, area by area.

The package's rooms: :mod:`~exposure.watched.report` (the whole pipeline in
one call, :func:`watched_report`, as the page and the command line run it),
:mod:`~exposure.watched.correlation` (Spearman's rho with a Bonett–Wright
interval, the fitted line and quintiles), :mod:`~exposure.watched.amnesty`
(Amnesty International's binomial model per borough),
:mod:`~exposure.watched.exclusions` (which areas are left out and why),
:mod:`~exposure.watched.caveats` (what to keep in mind beside the figures) and
:mod:`~exposure.watched.tables` (the figures as tables to read). Every public
name is importable from ``exposure.watched``.

Areas with fewer residents than ``min_population`` (parks, cemeteries,
airports) are left out, as are areas of a group (borough) where the camera file
has no camera at all (the file does not cover it: a Brooklyn-only file says
nothing about Queens). Every exclusion is counted and listed. The caveats fit
the cameras counted: the Street View undercount is said of Decode cameras,
other sources get their own.
"""

from __future__ import annotations

from exposure._errors import WatchedError
from exposure.watched.amnesty import AMNESTY_THRESHOLD_PER_1000, AmnestyModel, BinomialFit, amnesty_model
from exposure.watched.caveats import (
    CI_METHOD,
    SOURCE_CAVEATS,
    amnesty_caveats,
    correlation_caveats,
    source_caveats,
)
from exposure.watched.correlation import (
    ROW_COLUMNS,
    WATCHED_MEASURES,
    Correlation,
    LineFit,
    WatchedResult,
    check_measure,
    watched_analysis,
)
from exposure.watched.exclusions import NO_CAMERA_DATA, Exclusions, exclude_areas
from exposure.watched.report import MODEL_AREAS, REPORT_MEASURES, WatchedReport, report_measures, watched_report
from exposure.watched.tables import correlation_table, model_table, ranked_areas_table

__all__ = [
    "AMNESTY_THRESHOLD_PER_1000",
    "CI_METHOD",
    "MODEL_AREAS",
    "NO_CAMERA_DATA",
    "REPORT_MEASURES",
    "ROW_COLUMNS",
    "SOURCE_CAVEATS",
    "WATCHED_MEASURES",
    "AmnestyModel",
    "BinomialFit",
    "Correlation",
    "Exclusions",
    "LineFit",
    "WatchedError",
    "WatchedReport",
    "WatchedResult",
    "amnesty_caveats",
    "amnesty_model",
    "check_measure",
    "correlation_caveats",
    "correlation_table",
    "exclude_areas",
    "model_table",
    "ranked_areas_table",
    "report_measures",
    "source_caveats",
    "watched_analysis",
    "watched_report",
]
