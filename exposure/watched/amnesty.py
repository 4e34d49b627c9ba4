"""Amnesty's model: per borough, a logistic regression of "surveilled" areas on the Black-and-Hispanic share.

:func:`amnesty_model` asks the question as Amnesty International's *Decode
Surveillance NYC* model asked it: per borough, a logistic regression (binomial
GLM, fitted by Newton–Raphson / IRLS) of whether an area has more than 0.2
*effective cameras* per 1,000 residents on its Black-and-Hispanic share, with
the coefficient, a 95 % Wald interval and a two-sided Wald p-value. A borough
where every area is on one side of the threshold, or where the share separates
the two sides completely, has no finite estimate: it is reported as not
estimable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import special, stats

from exposure._errors import WatchedError
from exposure.watched._format import p_text, round_figure
from exposure.watched.caveats import amnesty_caveats
from exposure.watched.exclusions import exclude_areas

__all__ = ["AMNESTY_THRESHOLD_PER_1000", "AmnestyModel", "BinomialFit", "amnesty_model"]

#: Amnesty's threshold: an area is "surveilled" above this many effective cameras per 1,000 residents.
AMNESTY_THRESHOLD_PER_1000 = 0.2


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
                "coef": round_figure(self.coef), "se": round_figure(self.se), "ci_low": round_figure(self.ci_low),
                "ci_high": round_figure(self.ci_high), "p_value": round_figure(self.p_value, 8),
                "intercept": round_figure(self.intercept),
                "odds_ratio_per_10_points": round_figure(ratio[0]) if ratio else None,
                "odds_ratio_per_10_points_ci": [round_figure(ratio[1]), round_figure(ratio[2])] if ratio else None,
                "note": self.note}

    def sentence(self) -> str:
        """The figure in words, e.g. for a caption."""
        ratio = self.odds_ratio_per_10_points()
        if ratio is None:
            return f"{self.group}: not estimable ({self.note})"
        return (f"{self.group}: log-odds {self.coef:+.2f} per unit share (95 % CI {self.ci_low:+.2f} to "
                f"{self.ci_high:+.2f}), odds × {ratio[0]:.2f} per 10 percentage points, p = {p_text(self.p_value)}, "
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
    kept = exclude_areas(
        density_gdf, measure=measure, share_column=share_column, group=group, min_population=min_population,
        drop_groups_without_cameras=drop_groups_without_cameras)
    share, value, groups, included = kept.share, kept.value, kept.groups, kept.included
    above = value > threshold_per_1000
    names = sorted(set(groups[included])) if group is not None else ["all areas"]
    fits = tuple(_binomial_fit(g, share[included & (groups == g)], above[included & (groups == g)]) for g in names)
    attrs = getattr(density_gdf, "attrs", {}) or {}
    areas = str(attrs.get("source", "")) or "the areas given"
    vintage = str(attrs.get("vintage", ""))
    return AmnestyModel(
        measure=measure, share=share_column, threshold_per_1000=float(threshold_per_1000), group=group,
        min_population=float(min_population), fits=fits, excluded=kept.excluded, areas=areas, vintage=vintage,
        caveats=amnesty_caveats(areas=areas, vintage=vintage, threshold=float(threshold_per_1000),
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

