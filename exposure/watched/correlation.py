"""Camera density against non-white share: Spearman's rho with a Bonett–Wright interval, a fitted line, quintiles.

A journalist's question — do neighbourhoods with more non-white residents have
more cameras? — answered the way Amnesty International's *Decode Surveillance
NYC* answered it, with the uncertainty stated:

- **Spearman rank correlation** between an area's camera density and its
  non-white share (``scipy.stats.spearmanr``: rho and a two-sided p-value),
  citywide and per group (borough by default). Ranks, not values, so a few
  areas with extreme densities (Midtown) cannot drive the figure alone.
- **95 % confidence interval** by the Fisher z transform with the Bonett–Wright
  standard error ``sqrt((1 + rho²/2) / (n − 3))`` (Bonett & Wright 2000,
  *Psychometrika* 65:23–28), which keeps the interval honest for rank
  correlations; needs at least 4 areas.
- **Fitted line** for the scatter: ordinary least squares of density on share,
  reported as the change in density per 10 percentage points of non-white
  share, plus the median density in each fifth (quintile) of areas by share —
  a summary that needs no model at all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from exposure._errors import WatchedError
from exposure._tables import json_safe, neutralise_formulas
from exposure.watched._format import p_text, round_figure
from exposure.watched.caveats import CI_METHOD, correlation_caveats
from exposure.watched.exclusions import exclude_areas

__all__ = [
    "ROW_COLUMNS",
    "WATCHED_MEASURES",
    "Correlation",
    "LineFit",
    "WatchedResult",
    "check_measure",
    "watched_analysis",
]

#: Measures the analysis can set against non-white share: column → label.
WATCHED_MEASURES: dict[str, str] = {
    "cameras_per_km2": "cameras per km²",
    "frt_cameras_per_km2": "FRT-capable cameras per km²",
    "cameras_per_1000_residents": "cameras per 1,000 residents",
    "frt_cameras_per_1000_residents": "FRT-capable cameras per 1,000 residents",
    "cameras_per_street_km": "cameras per km of street",
    "frt_cameras_per_street_km": "FRT-capable cameras per km of street",
    "effective_cameras_per_km2": "effective cameras (Amnesty) per km²",
    "frt_effective_cameras_per_km2": "FRT-capable effective cameras (Amnesty) per km²",
    "effective_cameras_per_1000_residents": "effective cameras (Amnesty) per 1,000 residents",
    "frt_effective_cameras_per_1000_residents": "FRT-capable effective cameras (Amnesty) per 1,000 residents",
}


#: Per-area output columns (:attr:`WatchedResult.rows`), in order.
ROW_COLUMNS = ("area_id", "name", "group", "population", "nonwhite_share", "measure", "cameras", "frt_cameras",
               "area_km2", "included", "excluded_reason", "rank")



@dataclass(frozen=True)
class Correlation:
    """Spearman rank correlation of density with non-white share for one set of areas.

    ``rho``, the interval and ``p_value`` are None when there are too few areas
    (or one of the two columns does not vary); ``note`` then says why.
    """

    group: str
    n: int
    rho: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: NaN never appears (undefined figures are null)."""
        return {"group": self.group, "n": self.n, "rho": round_figure(self.rho), "ci_low": round_figure(self.ci_low),
                "ci_high": round_figure(self.ci_high), "p_value": round_figure(self.p_value, 8), "note": self.note}

    def sentence(self, *, label: str = "density") -> str:
        """The figure in words, e.g. for a caption."""
        if self.rho is None:
            return f"{self.group}: not defined ({self.note})"
        ci = (f", 95 % CI {self.ci_low:+.2f} to {self.ci_high:+.2f}" if self.ci_low is not None
              and self.ci_high is not None else "")
        return (f"{self.group}: Spearman rho {self.rho:+.2f}{ci}, p = {p_text(self.p_value)}, "
                f"{self.n} areas ({label} against non-white share)")


@dataclass(frozen=True)
class LineFit:
    """Ordinary least squares line: measure = intercept + slope × non-white share (share 0–1)."""

    slope: float
    intercept: float
    r2: float
    n: int
    share_min: float
    share_max: float

    def predict(self, share: float | np.ndarray) -> float | np.ndarray:
        """The fitted measure at a share (0–1)."""
        return self.intercept + self.slope * np.asarray(share, dtype=float)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the slope also per 10 percentage points of share."""
        return {"slope": round_figure(self.slope), "intercept": round_figure(self.intercept),
                "slope_per_10_points": round_figure(self.slope / 10.0), "r2": round_figure(self.r2), "n": self.n,
                "share_min": round_figure(self.share_min), "share_max": round_figure(self.share_max)}


@dataclass(frozen=True)
class WatchedResult:
    """Outcome of :func:`watched_analysis`.

    Attributes
    ----------
    measure, label
        The density column analysed and its words.
    group
        The column the per-group figures split by (None: citywide only).
    min_population
        Areas with fewer residents were left out.
    citywide
        The correlation over every included area. Its ``group`` is
        "citywide" only when every group has areas compared; otherwise it names
        the groups compared ("Brooklyn", for a camera file of Brooklyn alone).
    by_group
        One correlation per group, in name order.
    fit
        The least-squares line for the scatter (None with fewer than 2 areas).
    quintiles
        Median measure per fifth of the included areas by non-white share.
    rows
        Every area (:data:`ROW_COLUMNS`): ``included`` and ``excluded_reason``
        say which areas count and why the others do not; ``rank`` is 1 for the
        highest measure among the included areas.
    excluded
        How many areas were left out, per reason.
    caveats
        Plain-language caveats to print beside the figures.
    settings, note
        What was counted (policies) and what the areas are, from the density table.
    """

    measure: str
    label: str
    group: str | None
    min_population: float
    citywide: Correlation
    by_group: tuple[Correlation, ...]
    fit: LineFit | None
    quintiles: tuple[dict[str, Any], ...]
    rows: pd.DataFrame
    excluded: dict[str, int]
    caveats: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict)
    note: str = ""

    @property
    def included(self) -> pd.DataFrame:
        """The included areas, ranked by the measure (highest first)."""
        kept = self.rows[self.rows["included"].to_numpy(dtype=bool)]
        return kept.sort_values("rank").reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """The whole result as JSON-ready data: stable keys, no NaN (null instead)."""
        rows = []
        for rec in self.rows.to_dict(orient="records"):
            row = {k: (round_figure(v) if isinstance(v, float) else v) for k, v in rec.items()}
            for key in ("rank", "cameras", "frt_cameras"):
                row[key] = None if row[key] is None else int(row[key])
            rows.append(row)
        data: dict[str, Any] = json_safe({
            "measure": self.measure,
            "label": self.label,
            "group": self.group,
            "min_population": self.min_population,
            "n_areas": len(self.rows),
            "n_included": int(self.rows["included"].sum()),
            "excluded": dict(self.excluded),
            "method": {"correlation": "Spearman rank correlation (scipy.stats.spearmanr), two-sided p-value",
                       "interval": f"95 % interval: {CI_METHOD}",
                       "fit": "ordinary least squares of the measure on non-white share (0-1)"},
            "citywide": self.citywide.to_dict(),
            "by_group": [c.to_dict() for c in self.by_group],
            "fit": self.fit.to_dict() if self.fit is not None else None,
            "quintiles": list(self.quintiles),
            "caveats": list(self.caveats),
            "settings": self.settings,
            "note": self.note,
            "rows": rows,
        })
        return data

    def rows_to_csv(self) -> str:
        """The per-area rows as CSV (ranked; NaN as empty; a formula-like name prefixed with ``'``)."""
        table = self.rows.sort_values(["included", "rank"], ascending=[False, True]).copy()
        for column in ("area_id", "name", "group"):
            table[column] = table[column].map(str)
        for column in ("population", "nonwhite_share", "measure", "area_km2"):
            table[column] = table[column].astype(float).round(6)
        for column in ("rank", "cameras", "frt_cameras"):
            table[column] = table[column].astype(float).round().astype("Int64")  # no data: an empty cell
        return str(neutralise_formulas(table).to_csv(index=False, lineterminator="\n"))




def check_measure(measure: str) -> None:
    """Refuse a measure the analysis does not know.

    Raises
    ------
    WatchedError
        Naming the measure and listing those of :data:`WATCHED_MEASURES`.
    """
    if measure not in WATCHED_MEASURES:
        msg = f"unknown measure {measure!r}; choose one of {', '.join(WATCHED_MEASURES)}"
        raise WatchedError(msg)


def watched_analysis(
    density_gdf: pd.DataFrame,
    *,
    measure: str = "cameras_per_km2",
    group: str | None = "borough",
    min_population: float = 500,
    drop_groups_without_cameras: bool = True,
) -> WatchedResult:
    """Camera density against non-white share across areas: rank correlation, interval, fit, caveats.

    Parameters
    ----------
    density_gdf
        Output of :func:`exposure.areas.density_by_area` for areas that carry
        ``population`` and ``nonwhite_share`` (e.g. ``named_areas("nyc-nta")``).
    measure
        The density column to analyse (see :data:`WATCHED_MEASURES`).
    group
        Column to split by for per-group figures (``"borough"``), or None.
    min_population
        Areas with fewer residents (or unknown population) are left out.
    drop_groups_without_cameras
        Leave out the areas of a group in which no camera was counted at all:
        the camera file does not cover that group (e.g. a Brooklyn-only file).

    Returns
    -------
    WatchedResult
        The figures, the per-area rows and the caveats.

    Raises
    ------
    WatchedError
        When a needed column is missing or the measure is unknown.
    """
    check_measure(measure)
    needed = ["area_id", "name", "population", "nonwhite_share", "cameras", measure]
    if group is not None:
        needed.append(group)
    missing = [c for c in needed if c not in density_gdf.columns]
    if missing:
        msg = (f"the density table lacks {', '.join(missing)}; count cameras with density_by_area() on areas that "
               "carry population and nonwhite_share, e.g. named_areas('nyc-nta')")
        raise WatchedError(msg)
    if not min_population >= 0:
        msg = f"min_population must be a number >= 0, not {min_population!r}"
        raise WatchedError(msg)

    n = len(density_gdf)
    kept = exclude_areas(
        density_gdf, measure=measure, share_column="nonwhite_share", group=group, min_population=min_population,
        drop_groups_without_cameras=drop_groups_without_cameras)
    population, share, value, groups, reason = kept.population, kept.share, kept.value, kept.groups, kept.reason
    included = kept.included

    rank = np.full(n, np.nan)
    order = np.flatnonzero(included)[np.argsort(-value[included], kind="stable")]
    rank[order] = np.arange(1, len(order) + 1)
    rows = pd.DataFrame({
        "area_id": density_gdf["area_id"].astype(str).to_numpy(),
        "name": density_gdf["name"].astype(str).to_numpy(),
        "group": groups,
        "population": population,
        "nonwhite_share": share,
        "measure": value,
        # no camera data stays missing, never 0
        "cameras": pd.to_numeric(density_gdf["cameras"], errors="coerce").to_numpy(dtype=float),
        "frt_cameras": (pd.to_numeric(density_gdf["frt_cameras"], errors="coerce").to_numpy(dtype=float)
                        if "frt_cameras" in density_gdf else np.zeros(n)),
        "area_km2": (pd.to_numeric(density_gdf["area_km2"], errors="coerce").to_numpy(dtype=float)
                     if "area_km2" in density_gdf else np.full(n, np.nan)),
        "included": included,
        "excluded_reason": reason,
        "rank": rank,
    })

    x, y = share[included], value[included]
    citywide = _spearman(_compared(groups, included) if group is not None else "all areas", x, y)
    by_group = tuple(
        _spearman(g, share[included & (groups == g)], value[included & (groups == g)])
        for g in sorted(set(groups[included]))
    ) if group is not None else ()
    label = WATCHED_MEASURES[measure]
    attrs = getattr(density_gdf, "attrs", {}) or {}
    return WatchedResult(
        measure=measure, label=label, group=group, min_population=float(min_population), citywide=citywide,
        by_group=by_group, fit=_fit(x, y), quintiles=_quintiles(x, y), rows=rows, excluded=kept.excluded,
        caveats=correlation_caveats(label=label, min_population=min_population, excluded=kept.excluded,
                                    uncovered=kept.uncovered, vintage=str(attrs.get("vintage", "")),
                                    sources=attrs.get("camera_sources"), extent=str(attrs.get("extent", ""))),
        settings=dict(attrs.get("settings", {}) or {}),
        note=str(attrs.get("note", "")),
    )



def _compared(groups: np.ndarray, included: np.ndarray) -> str:
    """The areas the overall figure compares: "citywide" when every group has some, else the groups ("Brooklyn")."""
    compared = sorted({str(g) for g in groups[included]})
    if not compared or len(compared) == len({str(g) for g in groups}):
        return "citywide"
    return compared[0] if len(compared) == 1 else f"{', '.join(compared[:-1])} and {compared[-1]}"


def _spearman(name: str, x: np.ndarray, y: np.ndarray) -> Correlation:
    n = len(x)
    if n < 3:
        return Correlation(name, n, None, None, None, None, f"{n} area(s); a correlation needs at least 3")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        which = "non-white share" if np.ptp(x) == 0 else "the measure"
        return Correlation(name, n, None, None, None, None, f"{which} is the same in every area")
    result = stats.spearmanr(x, y)
    rho, p = float(result.statistic), float(result.pvalue)
    if n < 4:
        return Correlation(name, n, rho, None, None, p, "3 areas: too few for an interval")
    if abs(rho) >= 1.0:
        return Correlation(name, n, rho, rho, rho, p)
    z = math.atanh(rho)
    se = math.sqrt((1.0 + rho * rho / 2.0) / (n - 3))
    half = float(stats.norm.ppf(0.975)) * se
    return Correlation(name, n, rho, math.tanh(z - half), math.tanh(z + half), p)


def _fit(x: np.ndarray, y: np.ndarray) -> LineFit | None:
    if len(x) < 2 or np.ptp(x) == 0:
        return None
    slope, intercept = np.polyfit(x, y, 1)
    residual = y - (intercept + slope * x)
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - float(np.sum(residual**2)) / total if total > 0 else math.nan
    return LineFit(float(slope), float(intercept), r2, len(x), float(x.min()), float(x.max()))


def _quintiles(x: np.ndarray, y: np.ndarray) -> tuple[dict[str, Any], ...]:
    if len(x) < 10:
        return ()
    bins = pd.qcut(pd.Series(x).rank(method="first"), 5, labels=False)
    out = []
    for b in range(5):
        mask = (bins == b).to_numpy()
        out.append({"fifth": b + 1, "n": int(mask.sum()), "share_min": round_figure(float(x[mask].min())),
                    "share_max": round_figure(float(x[mask].max())), "median": round_figure(float(np.median(y[mask]))),
                    "mean": round_figure(float(np.mean(y[mask])))})
    return tuple(out)

