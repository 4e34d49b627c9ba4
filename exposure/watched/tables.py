"""The who-is-watched figures as tables to read: correlations per group, Amnesty's model per group, ranked areas."""

from __future__ import annotations

import pandas as pd

from exposure.watched.amnesty import AmnestyModel
from exposure.watched.correlation import WatchedResult

__all__ = ["correlation_table", "model_table", "ranked_areas_table"]


def _group_heading(group: str | None) -> str:
    return (group or "group").capitalize()


def correlation_table(result: WatchedResult) -> pd.DataFrame:
    """One row per group (borough): areas, Spearman's rho, its 95 % interval, p-value, note; rounded to 3 places."""
    return pd.DataFrame([{
        _group_heading(result.group): c.group, "Areas": c.n, "Spearman rho": c.rho, "95 % low": c.ci_low,
        "95 % high": c.ci_high, "p-value": c.p_value, "Note": c.note} for c in result.by_group]).round(3)


def model_table(model: AmnestyModel) -> pd.DataFrame:
    """One row per group (borough) of Amnesty's model: areas, above the threshold, coefficient, interval, odds."""
    rows = []
    for f in model.fits:
        ratio = f.odds_ratio_per_10_points()
        rows.append({_group_heading(model.group): f.group, "Areas": f.n, "Above threshold": f.n_above,
                     "Coefficient (log-odds per unit share)": f.coef, "95 % low": f.ci_low, "95 % high": f.ci_high,
                     "p-value": f.p_value, "Odds ratio per 10 points": ratio[0] if ratio else None, "Note": f.note})
    return pd.DataFrame(rows).round(3)


def ranked_areas_table(result: WatchedResult) -> pd.DataFrame:
    """The included areas from the highest measure down, with headings to read; rounded to 3 places."""
    measure = result.label[:1].upper() + result.label[1:]  # str.capitalize would turn "FRT" into "Frt"
    ranked = result.included.rename(columns={
        "rank": "Rank", "name": "Area", "area_id": "Code", "group": _group_heading(result.group), "measure": measure,
        "cameras": "Cameras", "frt_cameras": "FRT-capable", "population": "Residents",
        "nonwhite_share": "Non-white share", "area_km2": "Area (km²)"})
    order = ["Rank", "Area", "Code", _group_heading(result.group), measure, "Cameras", "FRT-capable", "Residents",
             "Non-white share", "Area (km²)"]
    ranked["Rank"] = ranked["Rank"].astype(int)
    return ranked[order].round(3)
