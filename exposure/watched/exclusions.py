"""Which areas an analysis leaves out, and why: no camera data, few residents, no share, no value, no camera."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from exposure.areas.density import areas_without_camera_data

__all__ = ["NO_CAMERA_DATA", "Exclusions", "exclude_areas"]

#: Why an area outside the camera source's coverage is left out (``excluded_reason``).
NO_CAMERA_DATA = "no camera data: outside where the camera source looked"


@dataclass(frozen=True)
class Exclusions:
    """The figures an analysis rests on, per area, and which areas it leaves out.

    Attributes
    ----------
    population, share, value, cameras
        Per area: residents, the share analysed, the measure, cameras counted (NaN read as 0).
    groups
        Per area: its group (borough), or ``"all areas"`` without a group column.
    reason
        Per area: why it is left out, ``""`` when it is included.
    uncovered
        The groups left out because the camera file has no camera there.
    excluded
        How many areas were left out, per reason.
    """

    population: np.ndarray
    share: np.ndarray
    value: np.ndarray
    groups: np.ndarray
    cameras: np.ndarray
    reason: np.ndarray
    uncovered: list[str]
    excluded: dict[str, int]

    @property
    def included(self) -> np.ndarray:
        """Per area: does it count."""
        return np.asarray(self.reason == "", dtype=bool)


def exclude_areas(
    density_gdf: pd.DataFrame, *, measure: str, share_column: str, group: str | None, min_population: float,
    drop_groups_without_cameras: bool,
) -> Exclusions:
    """Which areas are left out and why: no camera data, population, share, measure, then uncovered groups.

    Parameters
    ----------
    density_gdf
        Output of :func:`exposure.areas.density_by_area` with ``population``,
        ``cameras``, ``share_column``, ``measure`` and ``group``.
    measure, share_column, group
        The columns analysed and the one the figures split by (None: no split).
    min_population
        Areas with fewer residents (or unknown population) are left out.
    drop_groups_without_cameras
        Leave out the areas of a group in which no camera was counted at all.

    Returns
    -------
    Exclusions
        The figures per area and the reasons.
    """
    n = len(density_gdf)
    population = pd.to_numeric(density_gdf["population"], errors="coerce").to_numpy(dtype=float)
    share = pd.to_numeric(density_gdf[share_column], errors="coerce").to_numpy(dtype=float)
    value = pd.to_numeric(density_gdf[measure], errors="coerce").to_numpy(dtype=float)
    cameras = pd.to_numeric(density_gdf["cameras"], errors="coerce").fillna(0).to_numpy(dtype=float)
    groups = (density_gdf[group].astype(str).to_numpy() if group is not None else np.full(n, "all areas"))

    reason = np.full(n, "", dtype=object)
    no_data = areas_without_camera_data(density_gdf)
    reason[no_data] = NO_CAMERA_DATA
    few = (reason == "") & ~(np.nan_to_num(population, nan=-1.0) >= min_population)
    reason[few] = f"population below {min_population:g}"
    no_share = (reason == "") & ~np.isfinite(share)
    reason[no_share] = "no non-white share"
    no_value = (reason == "") & ~np.isfinite(value)
    reason[no_value] = f"{measure} not defined"
    uncovered = _uncovered_groups(groups, cameras, no_data) if drop_groups_without_cameras else []
    outside = (reason == "") & np.isin(groups, uncovered)
    reason[outside] = "no camera counted in this group: the camera file does not cover it"
    excluded = {
        "no_camera_data": int(no_data.sum()),
        "population_below_threshold": int(few.sum()),
        "no_nonwhite_share": int(no_share.sum()),
        "measure_not_defined": int(no_value.sum()),
        "group_without_cameras": int(((reason != "") & ~no_data & ~few & ~no_share & ~no_value).sum()),
    }
    return Exclusions(population=population, share=share, value=value, groups=groups, cameras=cameras,
                      reason=reason, uncovered=uncovered, excluded=excluded)


def _uncovered_groups(groups: np.ndarray, cameras: np.ndarray, no_data: np.ndarray) -> list[str]:
    """The groups with camera data but not one camera counted: the camera file does not cover them."""
    uncovered = []
    for g in sorted(set(groups)):
        here = (groups == g) & ~no_data  # a group with no camera data at all is explained as such already
        if here.any() and cameras[here].sum() == 0:
            uncovered.append(g)
    if len(uncovered) < len(set(groups)):
        return uncovered
    return []  # a file with no camera anywhere drops nothing here
