"""Density tables as people read them: areas ranked by a measure, headings with units, and what a measure needs."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from exposure.areas.density import MEASURES

__all__ = ["DENSITY_LABELS", "effective_cameras_problem", "rank_areas", "ranking_table", "usable_measure"]

#: Headings with units for the columns of :func:`~exposure.areas.density_by_area`, in the order a ranking shows them.
DENSITY_LABELS: dict[str, str] = {
    "name": "Area", "area_id": "Area id", "area_km2": "Area (km²)", "cameras": "Cameras (count)",
    "frt_cameras": "FRT-capable cameras (count)", "cameras_per_km2": "Cameras per km²",
    "frt_cameras_per_km2": "FRT-capable cameras per km²", "street_km": "Street (km)",
    "cameras_per_street_km": "Cameras per km of street",
    "frt_cameras_per_street_km": "FRT-capable cameras per km of street", "population": "Residents (count)",
    "cameras_per_1000_residents": "Cameras per 1,000 residents",
    "frt_cameras_per_1000_residents": "FRT-capable cameras per 1,000 residents",
    "street_cameras": "Street-furniture cameras (count)",
    "effective_cameras": "Effective cameras (Amnesty)",
    "frt_effective_cameras": "FRT-capable effective cameras (Amnesty)",
    "effective_cameras_per_km2": "Effective cameras (Amnesty) per km²",
    "frt_effective_cameras_per_km2": "FRT-capable effective cameras (Amnesty) per km²",
    "effective_cameras_per_1000_residents": "Effective cameras (Amnesty) per 1,000 residents",
    "frt_effective_cameras_per_1000_residents": "FRT-capable effective cameras (Amnesty) per 1,000 residents",
    "camera_data": "Camera data (the source looked here)",
}

#: The columns a ranking shows first: the area, the measure ranked by, then the counts and what they are per.
_FIRST = ("name", "area_id", "cameras", "frt_cameras", "area_km2", "street_km", "population")


def rank_areas(table: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    """The areas from the highest ``column`` to the lowest (more cameras first on a tie; no value last)."""
    return table.sort_values([column, "cameras"], ascending=False, na_position="last")


def ranking_table(ranked: gpd.GeoDataFrame, column: str) -> pd.DataFrame:
    """Ranked areas (:func:`rank_areas`) as a table to read: headings with units, rounded, the measure third.

    The columns about residents are left out when no area has a population.
    """
    plain = pd.DataFrame(ranked.drop(columns=ranked.geometry.name)).reset_index(drop=True)
    first = [*_FIRST[:2], column, *_FIRST[2:]]
    shown = [*first, *[c for c in DENSITY_LABELS if c not in first]]
    if not plain["population"].notna().any():
        shown = [c for c in shown if "resident" not in c and c != "population"]
    return plain[shown].rename(columns=DENSITY_LABELS).round(3)


def usable_measure(table: pd.DataFrame, measure: str) -> tuple[str, str]:
    """The measure (a key of :data:`~exposure.areas.MEASURES`) these areas can show, and why it changed.

    A measure per 1,000 residents needs areas with a population; without one
    it falls back to cameras per km². The reason is ``""`` when the measure
    asked for is shown.
    """
    if measure.endswith("per_1000_residents") and not table["population"].notna().any():
        return "per_km2", ("These areas have no population figures, so cameras per 1,000 residents cannot be worked "
                           f"out; showing {MEASURES['per_km2'][2]} instead.")
    return measure, ""


def effective_cameras_problem(table: pd.DataFrame) -> str:
    """Why every area has no or zero effective cameras, if it does: no mounts, or none on street furniture."""
    if table["effective_cameras"].isna().all():
        return ("These cameras have no mount, so none is known to be on street furniture and effective cameras "
                "cannot be worked out.")
    if not table["street_cameras"].fillna(0).any():
        return ("None of the counted cameras is mapped on street furniture (a pole, street light or traffic signal), "
                "so every area has 0 effective cameras.")
    return ""
