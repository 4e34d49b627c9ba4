"""Density tables as people read them: the ranking, headings with units, the fallback measure, effective problems."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from exposure.areas.density import DENSITY_COLUMNS, density_by_area
from exposure.areas.ranking import (
    DENSITY_LABELS,
    effective_cameras_problem,
    rank_areas,
    ranking_table,
    usable_measure,
)
from tests.areas_common import cameras_at, square_km, two_squares


@pytest.fixture
def three() -> gpd.GeoDataFrame:
    squares = [square_km(24.93, 60.16, 400), square_km(24.95, 60.16, 400), square_km(24.97, 60.16, 400)]
    areas = gpd.GeoDataFrame({"area_id": ["a", "b", "c"], "name": ["A", "B", "C"]}, geometry=squares, crs=4326)
    at = [(s.centroid.x, s.centroid.y) for s in squares]
    return density_by_area(areas, cameras_at([at[1], at[1], at[2], at[1]]).assign(mount="street"))


def test_areas_rank_from_the_highest_and_no_value_last(three) -> None:
    three.loc[2, "cameras_per_km2"] = np.nan
    assert rank_areas(three, "cameras_per_km2")["name"].tolist() == ["B", "A", "C"]
    assert rank_areas(three, "cameras")["name"].tolist() == ["B", "C", "A"]


def test_the_ranking_table_has_headings_with_units_and_the_measure_third(three) -> None:
    table = ranking_table(rank_areas(three, "cameras_per_km2"), "cameras_per_km2")
    assert table.columns[:4].tolist() == ["Area", "Area id", "Cameras per km²", "Cameras (count)"]
    assert table["Area"].tolist() == ["B", "C", "A"]
    assert "Residents (count)" not in table.columns  # no area has a population
    assert not any("resident" in c for c in table.columns)
    assert table["Cameras per km²"].iloc[0] == pytest.approx(round(3 / 0.16, 3))
    with_people = three.assign(population=[100.0, 200.0, np.nan])
    shown = ranking_table(rank_areas(with_people, "cameras_per_1000_residents"), "cameras_per_1000_residents")
    assert shown.columns[2] == "Cameras per 1,000 residents"
    assert "Residents (count)" in shown.columns
    assert set(DENSITY_LABELS) <= set(DENSITY_COLUMNS)


def test_per_resident_falls_back_to_per_km2_without_population(three) -> None:
    measure, why = usable_measure(three, "effective_per_1000_residents")
    assert measure == "per_km2"
    assert why == ("These areas have no population figures, so cameras per 1,000 residents cannot be worked out; "
                   "showing cameras per km² instead.")
    assert usable_measure(three, "per_street_km") == ("per_street_km", "")
    assert usable_measure(three.assign(population=1000.0), "per_1000_residents") == ("per_1000_residents", "")


def test_effective_cameras_problems_are_said(three) -> None:
    assert effective_cameras_problem(three) == ""
    no_mount = density_by_area(two_squares(), cameras_at([(24.945, 60.174)]))
    assert "no mount" in effective_cameras_problem(no_mount)
    on_buildings = density_by_area(two_squares(), cameras_at([(24.945, 60.174)]).assign(mount="building"))
    assert "None of the counted cameras is mapped on street furniture" in effective_cameras_problem(on_buildings)
