"""Who is watched: camera density against the share of non-white residents, area by area.

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

Beside these, :func:`amnesty_model` asks the question as Amnesty's model
asked it: per borough, a logistic regression (binomial GLM, fitted by
Newton–Raphson / IRLS) of whether an area has more than 0.2 *effective cameras*
per 1,000 residents on its Black-and-Hispanic share, with the coefficient, a
95 % Wald interval and a two-sided Wald p-value. A borough where every area is
on one side of the threshold, or where the share separates the two sides
completely, has no finite estimate: it is reported as not estimable.

Areas with fewer residents than ``min_population`` (parks, cemeteries,
airports) are left out, as are areas of a group (borough) where the camera file
has no camera at all (the file does not cover it: a Brooklyn-only file says
nothing about Queens). Every exclusion is counted and listed. The caveats fit
the cameras counted: the Street View undercount is said of Decode cameras,
other sources get their own.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from exposure._errors import WatchedError
from exposure._tables import neutralise_formulas

__all__ = [
    "AMNESTY_THRESHOLD_PER_1000",
    "NO_CAMERA_DATA",
    "SOURCE_CAVEATS",
    "WATCHED_MEASURES",
    "AmnestyModel",
    "BinomialFit",
    "Correlation",
    "LineFit",
    "WatchedError",
    "WatchedResult",
    "amnesty_model",
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

#: Amnesty's threshold: an area is "surveilled" above this many effective cameras per 1,000 residents.
AMNESTY_THRESHOLD_PER_1000 = 0.2

#: What to keep in mind about each camera source, by the cameras' ``source`` value.
SOURCE_CAVEATS: dict[str, str] = {
    "decode": "Volunteers counted cameras visible from Street View at intersections: an undercount. Cameras in "
              "the middle of blocks, inside buildings or out of the picture are missing, and the images were taken "
              "in different years (Amnesty International, Decode Surveillance NYC).",
    "osm": "OpenStreetMap cameras are mapped by volunteers wherever someone happened to map them: coverage varies "
           "street by street, so a low density can mean unmapped rather than unwatched.",
    "cctv-exposure": "CCTV-Exposure cameras were mapped on foot by researchers in one study area: outside it no "
                     "camera is known, and inside it cameras out of sight of the street are missing.",
}

#: Per-area output columns (:attr:`WatchedResult.rows`), in order.
ROW_COLUMNS = ("area_id", "name", "group", "population", "nonwhite_share", "measure", "cameras", "frt_cameras",
               "area_km2", "included", "excluded_reason", "rank")

#: Why an area outside the camera source's coverage is left out (``excluded_reason``).
NO_CAMERA_DATA = "no camera data: outside where the camera source looked"

_CI_METHOD = "Fisher z with the Bonett-Wright standard error sqrt((1 + rho^2/2) / (n - 3))"


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
        return {"group": self.group, "n": self.n, "rho": _round(self.rho), "ci_low": _round(self.ci_low),
                "ci_high": _round(self.ci_high), "p_value": _round(self.p_value, 8), "note": self.note}

    def sentence(self, *, label: str = "density") -> str:
        """The figure in words, e.g. for a caption."""
        if self.rho is None:
            return f"{self.group}: not defined ({self.note})"
        ci = (f", 95 % CI {self.ci_low:+.2f} to {self.ci_high:+.2f}" if self.ci_low is not None
              and self.ci_high is not None else "")
        return (f"{self.group}: Spearman rho {self.rho:+.2f}{ci}, p = {_p_text(self.p_value)}, "
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
        return {"slope": _round(self.slope), "intercept": _round(self.intercept),
                "slope_per_10_points": _round(self.slope / 10.0), "r2": _round(self.r2), "n": self.n,
                "share_min": _round(self.share_min), "share_max": _round(self.share_max)}


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
        The correlation over every included area.
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
        from exposure._tables import json_safe  # noqa: PLC0415

        rows = []
        for rec in self.rows.to_dict(orient="records"):
            row = {k: (_round(v) if isinstance(v, float) else v) for k, v in rec.items()}
            for key in ("rank", "cameras", "frt_cameras"):
                row[key] = None if row[key] is None else int(row[key])
            rows.append(row)
        return json_safe({
            "measure": self.measure,
            "label": self.label,
            "group": self.group,
            "min_population": self.min_population,
            "n_areas": len(self.rows),
            "n_included": int(self.rows["included"].sum()),
            "excluded": dict(self.excluded),
            "method": {"correlation": "Spearman rank correlation (scipy.stats.spearmanr), two-sided p-value",
                       "interval": f"95 % interval: {_CI_METHOD}",
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

    def rows_to_csv(self) -> str:
        """The per-area rows as CSV (ranked; NaN as empty; a formula-like name prefixed with ``'``)."""
        table = self.rows.sort_values(["included", "rank"], ascending=[False, True]).copy()
        for column in ("area_id", "name", "group"):
            table[column] = table[column].map(str)
        for column in ("population", "nonwhite_share", "measure", "area_km2"):
            table[column] = table[column].astype(float).round(6)
        for column in ("rank", "cameras", "frt_cameras"):
            table[column] = table[column].astype(float).round().astype("Int64")  # no data: an empty cell
        return neutralise_formulas(table).to_csv(index=False, lineterminator="\n")


@dataclass(frozen=True)
class BinomialFit:
    """Amnesty's model for one group of areas: logistic regression of "above the threshold" on the share.

    ``coef`` is the change in the log-odds of an area being above the
    threshold per unit of share (0 → 1, i.e. from no to only Black and
    Hispanic residents); ``ci_low``/``ci_high`` its 95 % Wald interval,
    ``p_value`` the two-sided Wald test of ``coef = 0``. They are None when the
    model cannot be estimated (``note`` says why).
    """

    group: str
    n: int
    n_above: int
    coef: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    intercept: float | None
    note: str = ""

    @property
    def estimable(self) -> bool:
        """Whether the model has a finite estimate."""
        return self.coef is not None

    def odds_ratio_per_10_points(self) -> tuple[float, float, float] | None:
        """The odds ratio for 10 percentage points more share, with its 95 % interval (None if not estimable)."""
        if self.coef is None or self.ci_low is None or self.ci_high is None:
            return None
        return math.exp(self.coef / 10), math.exp(self.ci_low / 10), math.exp(self.ci_high / 10)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: undefined figures are null."""
        ratio = self.odds_ratio_per_10_points()
        return {"group": self.group, "n": self.n, "n_above": self.n_above, "estimable": self.estimable,
                "coef": _round(self.coef), "se": _round(self.se), "ci_low": _round(self.ci_low),
                "ci_high": _round(self.ci_high), "p_value": _round(self.p_value, 8),
                "intercept": _round(self.intercept),
                "odds_ratio_per_10_points": _round(ratio[0]) if ratio else None,
                "odds_ratio_per_10_points_ci": [_round(ratio[1]), _round(ratio[2])] if ratio else None,
                "note": self.note}

    def sentence(self) -> str:
        """The figure in words, e.g. for a caption."""
        ratio = self.odds_ratio_per_10_points()
        if ratio is None:
            return f"{self.group}: not estimable ({self.note})"
        return (f"{self.group}: log-odds {self.coef:+.2f} per unit share (95 % CI {self.ci_low:+.2f} to "
                f"{self.ci_high:+.2f}), odds × {ratio[0]:.2f} per 10 percentage points, p = {_p_text(self.p_value)}, "
                f"{self.n_above} of {self.n} areas above the threshold")


@dataclass(frozen=True)
class AmnestyModel:
    """Outcome of :func:`amnesty_model`.

    Attributes
    ----------
    measure, share
        The columns used: the effective cameras per 1,000 residents and the
        Black-and-Hispanic share.
    threshold_per_1000
        An area is "above" with more effective cameras per 1,000 residents than this.
    group, min_population
        The split (borough) and the smallest population kept.
    fits
        One fit per group, in name order.
    excluded
        How many areas were left out, per reason (as :attr:`WatchedResult.excluded`).
    areas, vintage
        What the areas are (e.g. ``nyc-nta``) and the census figures' vintage.
    caveats
        How this differs from Amnesty's study, and what the figures do not say.
    """

    measure: str
    share: str
    threshold_per_1000: float
    group: str | None
    min_population: float
    fits: tuple[BinomialFit, ...]
    excluded: dict[str, int]
    areas: str
    vintage: str
    caveats: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the method spelled out."""
        return {
            "measure": self.measure, "share": self.share, "threshold_per_1000": self.threshold_per_1000,
            "group": self.group, "min_population": self.min_population, "areas": self.areas,
            "vintage": self.vintage,
            "method": "logistic regression (binomial GLM, IRLS) per group of the indicator "
                      f"{self.measure} > {self.threshold_per_1000:g} on {self.share} (0-1); 95 % Wald interval and "
                      "two-sided Wald p-value of the coefficient",
            "excluded": dict(self.excluded),
            "fits": [f.to_dict() for f in self.fits],
            "caveats": list(self.caveats),
        }


# --------------------------------------------------------------------------- analysis


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
    if measure not in WATCHED_MEASURES:
        msg = f"unknown measure {measure!r}; choose one of {', '.join(WATCHED_MEASURES)}"
        raise WatchedError(msg)
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
    population, share, value, groups, _, reason, uncovered, excluded = _exclusions(
        density_gdf, measure=measure, share_column="nonwhite_share", group=group, min_population=min_population,
        drop_groups_without_cameras=drop_groups_without_cameras)
    included = reason == ""

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
    citywide = _spearman("citywide" if group is not None else "all areas", x, y)
    by_group = tuple(
        _spearman(g, share[included & (groups == g)], value[included & (groups == g)])
        for g in sorted(set(groups[included]))
    ) if group is not None else ()
    label = WATCHED_MEASURES[measure]
    attrs = getattr(density_gdf, "attrs", {}) or {}
    return WatchedResult(
        measure=measure, label=label, group=group, min_population=float(min_population), citywide=citywide,
        by_group=by_group, fit=_fit(x, y), quintiles=_quintiles(x, y), rows=rows, excluded=excluded,
        caveats=_caveats(label=label, min_population=min_population, excluded=excluded, uncovered=uncovered,
                         vintage=str(attrs.get("vintage", "")), sources=attrs.get("camera_sources"),
                         extent=str(attrs.get("extent", ""))),
        settings=dict(attrs.get("settings", {}) or {}),
        note=str(attrs.get("note", "")),
    )


def amnesty_model(
    density_gdf: pd.DataFrame,
    *,
    threshold_per_1000: float = AMNESTY_THRESHOLD_PER_1000,
    frt_only: bool = False,
    group: str | None = "borough",
    min_population: float = 500,
    drop_groups_without_cameras: bool = True,
) -> AmnestyModel:
    """Amnesty's model: whether areas with more Black and Hispanic residents are more often "surveilled".

    Amnesty International's *Decode Surveillance NYC* called an area surveilled
    above 0.2 effective cameras per 1,000 residents (see
    :data:`exposure.areas.EFFECTIVE_NOTE`) and modelled that indicator per borough
    with a binomial model on the share of Black and Hispanic residents among
    Black, Hispanic and white residents. This fits the same model to the areas
    given: per group, ``P(above) = 1 / (1 + exp(-(a + b × share)))`` by maximum
    likelihood (Newton–Raphson, i.e. IRLS), ``b`` with a 95 % Wald interval
    ``b ± 1.96 se`` and a two-sided Wald p-value.

    Parameters
    ----------
    density_gdf
        Output of :func:`exposure.areas.density_by_area` for areas with
        ``population`` and ``black_hispanic_share`` (``named_areas("nyc-nta")``).
    threshold_per_1000
        Effective cameras per 1,000 residents above which an area counts as surveilled.
    frt_only
        Use the FRT-capable street-furniture cameras' effective cameras.
    group
        Column to fit separately by (``"borough"``, as Amnesty did), or None for one fit.
    min_population, drop_groups_without_cameras
        Which areas are left out, as in :func:`watched_analysis`.

    Returns
    -------
    AmnestyModel
        One fit per group; a group where every area is on one side of the
        threshold, or where the share separates the two sides completely, is
        reported as not estimable.

    Raises
    ------
    WatchedError
        When a needed column is missing or the threshold is not a number >= 0.
    """
    measure = ("frt_" if frt_only else "") + "effective_cameras_per_1000_residents"
    share_column = "black_hispanic_share"
    needed = ["area_id", "population", share_column, "cameras", measure, *([group] if group is not None else [])]
    missing = [c for c in needed if c not in density_gdf.columns]
    if missing:
        msg = (f"the density table lacks {', '.join(missing)}; count cameras with density_by_area() on NYC areas, "
               "e.g. named_areas('nyc-nta'), which carry the Black-and-Hispanic share")
        raise WatchedError(msg)
    if not (threshold_per_1000 >= 0 and math.isfinite(threshold_per_1000)):
        msg = f"threshold_per_1000 must be a number >= 0, not {threshold_per_1000!r}"
        raise WatchedError(msg)
    if not min_population >= 0:
        msg = f"min_population must be a number >= 0, not {min_population!r}"
        raise WatchedError(msg)
    _, share, value, groups, _, reason, _, excluded = _exclusions(
        density_gdf, measure=measure, share_column=share_column, group=group, min_population=min_population,
        drop_groups_without_cameras=drop_groups_without_cameras)
    included = reason == ""
    above = value > threshold_per_1000
    names = sorted(set(groups[included])) if group is not None else ["all areas"]
    fits = tuple(_binomial_fit(g, share[included & (groups == g)], above[included & (groups == g)]) for g in names)
    attrs = getattr(density_gdf, "attrs", {}) or {}
    areas = str(attrs.get("source", "")) or "the areas given"
    vintage = str(attrs.get("vintage", ""))
    return AmnestyModel(
        measure=measure, share=share_column, threshold_per_1000=float(threshold_per_1000), group=group,
        min_population=float(min_population), fits=fits, excluded=excluded, areas=areas, vintage=vintage,
        caveats=_amnesty_caveats(areas=areas, vintage=vintage, threshold=float(threshold_per_1000),
                                 sources=attrs.get("camera_sources")),
    )


def _binomial_fit(name: str, x: np.ndarray, y: np.ndarray) -> BinomialFit:
    """Logistic regression of y (bool) on x with an intercept, or why it cannot be estimated."""
    n, n_above = len(x), int(np.sum(y))

    def not_estimable(why: str) -> BinomialFit:
        return BinomialFit(name, n, n_above, None, None, None, None, None, None, f"not estimable: {why}")

    if n < 3:
        return not_estimable(f"{n} area(s); the model needs at least 3")
    if n_above in (0, n):
        side = "at or below" if n_above == 0 else "above"
        return not_estimable(f"every area is {side} the threshold")
    if np.ptp(x) == 0:
        return not_estimable("the share is the same in every area")
    low, high = x[~y], x[y]
    if low.max() <= high.min() or high.max() <= low.min():
        return not_estimable("the share separates the areas above the threshold from those below completely, so "
                             "the odds ratio has no finite estimate")
    design = np.column_stack([np.ones(n), x])
    target = y.astype(float)
    beta = np.zeros(2)

    def loglik(b: np.ndarray) -> float:
        eta = design @ b
        return float(np.sum(target * eta - np.logaddexp(0.0, eta)))

    current = loglik(beta)
    for _ in range(100):
        p = special.expit(design @ beta)
        hessian = design.T @ (design * (p * (1 - p))[:, None])
        step = np.linalg.solve(hessian, design.T @ (target - p))
        scale = 1.0
        while loglik(beta + scale * step) < current - 1e-12 and scale > 1e-8:
            scale /= 2  # halve the Newton step until the likelihood does not fall
        beta = beta + scale * step
        current = loglik(beta)
        if np.max(np.abs(scale * step)) < 1e-10:
            break
    else:
        return not_estimable("the fit did not converge in 100 Newton steps")
    p = special.expit(design @ beta)
    covariance = np.linalg.inv(design.T @ (design * (p * (1 - p))[:, None]))
    se = math.sqrt(float(covariance[1, 1]))
    coef = float(beta[1])
    half = float(stats.norm.ppf(0.975)) * se
    p_value = float(2 * stats.norm.sf(abs(coef) / se))
    return BinomialFit(name, n, n_above, coef, se, coef - half, coef + half, p_value, float(beta[0]))


def _exclusions(
    density_gdf: pd.DataFrame, *, measure: str, share_column: str, group: str | None, min_population: float,
    drop_groups_without_cameras: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[str], dict[str, int]]:
    """Which areas are left out and why: population, share, measure, then groups the cameras do not cover."""
    n = len(density_gdf)
    population = pd.to_numeric(density_gdf["population"], errors="coerce").to_numpy(dtype=float)
    share = pd.to_numeric(density_gdf[share_column], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(density_gdf[measure], errors="coerce").to_numpy(dtype=float)
    cameras = pd.to_numeric(density_gdf["cameras"], errors="coerce").fillna(0).to_numpy(dtype=float)
    groups = (density_gdf[group].astype(str).to_numpy() if group is not None else np.full(n, "all areas"))

    reason = np.full(n, "", dtype=object)
    no_data = (~density_gdf["camera_data"].astype(bool).to_numpy() if "camera_data" in density_gdf.columns
               else np.zeros(n, dtype=bool))
    reason[no_data] = NO_CAMERA_DATA
    few = (reason == "") & ~(np.nan_to_num(population, nan=-1.0) >= min_population)
    reason[few] = f"population below {min_population:g}"
    no_share = (reason == "") & ~np.isfinite(share)
    reason[no_share] = "no non-white share"
    no_value = (reason == "") & ~np.isfinite(value)
    reason[no_value] = f"{measure} not defined"
    uncovered: list[str] = []
    if drop_groups_without_cameras:
        for g in sorted(set(groups)):
            here = (groups == g) & ~no_data  # a group with no camera data at all is explained as such already
            if here.any() and cameras[here].sum() == 0:
                uncovered.append(g)
        if len(uncovered) < len(set(groups)):  # a file with no camera anywhere drops nothing here
            outside = (reason == "") & np.isin(groups, uncovered)
            reason[outside] = "no camera counted in this group: the camera file does not cover it"
        else:
            uncovered = []
    excluded = {
        "no_camera_data": int(no_data.sum()),
        "population_below_threshold": int(few.sum()),
        "no_nonwhite_share": int(no_share.sum()),
        "measure_not_defined": int(no_value.sum()),
        "group_without_cameras": int(((reason != "") & ~no_data & ~few & ~no_share & ~no_value).sum()),
    }
    return population, share, value, groups, cameras, reason, uncovered, excluded


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
        out.append({"fifth": b + 1, "n": int(mask.sum()), "share_min": _round(float(x[mask].min())),
                    "share_max": _round(float(x[mask].max())), "median": _round(float(np.median(y[mask]))),
                    "mean": _round(float(np.mean(y[mask])))})
    return tuple(out)


def _source_caveats(sources: Any) -> list[str]:
    """The caveats of the camera sources counted (None: the sources are not known)."""
    if sources is None:
        return ["Where the cameras come from is not recorded with these figures: they are only as complete as the "
                "camera data, so say who mapped the cameras, where and when."]
    names = sorted({str(s) for s in sources})
    out = [SOURCE_CAVEATS[s] for s in names if s in SOURCE_CAVEATS]
    others = [s for s in names if s not in SOURCE_CAVEATS]
    if others:
        out.append(f"Cameras from {', '.join(others)}: the figures are only as complete as that data; say who mapped "
                   "the cameras, where and when.")
    return out


def _caveats(*, label: str, min_population: float, excluded: dict[str, int], uncovered: list[str],
             vintage: str, sources: Any = None, extent: str = "") -> tuple[str, ...]:
    out = []
    if excluded.get("no_camera_data"):
        where = f" ({extent})" if extent else ""
        out.append(f"{excluded['no_camera_data']} area(s) left out: outside where the camera source looked{where}. "
                   "They have no camera data, which is not the same as few cameras; the maps show them grey and the "
                   "exports leave their camera figures empty.")
    out += [
        *_source_caveats(sources),
        "Correlation is not a cause. A rank correlation says whether areas with more non-white residents tend to "
        f"have more {label}, not why: shopping streets, transit hubs, public housing and where the police put "
        "cameras all differ between neighbourhoods.",
        f"Areas with few residents (parks, cemeteries, airports) are left out: population < {min_population:g} "
        f"({excluded['population_below_threshold']} area(s)).",
        "Non-white share is 1 − the share of non-Hispanic White residents; it lumps together groups with "
        "different histories of policing.",
        f"The interval is 95 % ({_CI_METHOD}). It treats areas as independent; neighbouring areas are alike, so "
        "the real uncertainty is larger.",
    ]
    if vintage:
        out.append(f"Population and race are {vintage}: survey figures with margins of error, large for small "
                   "areas.")
    if uncovered:
        out.append(f"Left out because the camera file has no camera there (it does not cover them): "
                   f"{', '.join(uncovered)} ({excluded['group_without_cameras']} area(s)).")
    if excluded["measure_not_defined"]:
        out.append(f"{excluded['measure_not_defined']} area(s) left out: {label} is not defined there "
                   "(no street network loaded, or no area).")
    return tuple(out)


def _amnesty_caveats(*, areas: str, vintage: str, threshold: float, sources: Any) -> tuple[str, ...]:
    where = "New York's 2020 Neighborhood Tabulation Areas" if areas == "nyc-nta" else f"the areas {areas}"
    return (
        f"Not the same study. Amnesty fitted this model to 2019 census tracts with the ACS 2015–2019; here the areas "
        f"are {where}" + (f" with the {vintage}" if vintage else "") + ". NTAs are several tracts each, so "
        f"{threshold:g} effective cameras per 1,000 residents means something else at this scale, and the "
        "neighbourhoods changed between the surveys: compare the direction of the result, not the numbers.",
        "Non-white here is Amnesty's measure: Black plus Hispanic residents over Black plus Hispanic plus white "
        "residents (Asian and other residents are left out); the rank correlation uses 1 − the white share.",
        "Effective cameras count only cameras on street furniture: the ground within 120 m of them, each stretch of "
        "ground once, in units of one camera's disc. Cameras on buildings do not count.",
        *_source_caveats(sources),
        "The Wald interval and p-value treat areas as independent; neighbouring areas are alike, so the real "
        "uncertainty is larger. A group where every area is on one side of the threshold, or where the share "
        "separates the two sides completely, has no estimate.",
    )


def _round(value: Any, digits: int = 6) -> Any:
    if value is None:
        return None
    if isinstance(value, (float, np.floating)):
        number = float(value)
        return round(number, digits) if math.isfinite(number) else None
    return value


def _p_text(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "n/a"
    return f"{p:.2g}" if p >= 0.001 else "< 0.001"
