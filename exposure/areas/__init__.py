"""Neighbourhood units (H3 hexagons, uploaded polygons, OSM-derived cells, NYC areas) and camera density per unit.

The package's rooms: :mod:`~exposure.areas.sets` (named area sets),
:mod:`~exposure.areas.read` (areas from a file or an upload),
:mod:`~exposure.areas.density` (cameras per area and its CSV/GeoJSON),
:mod:`~exposure.areas.extent` (which areas the camera data covers),
:mod:`~exposure.areas.ranking` (density tables as people read them),
:mod:`~exposure.areas.figures` (printable maps) and
:mod:`~exposure.areas.layer` (the pydeck map layer). Every public name is
importable from ``exposure.areas``.
"""

from __future__ import annotations

from exposure._errors import AreaError
from exposure.areas.density import (
    AREA_ATTRIBUTES,
    COUNT_COLUMNS,
    DENSITY_COLUMNS,
    EFFECTIVE_NOTE,
    EFFECTIVE_QUAD_SEGS,
    EFFECTIVE_RADIUS_M,
    MEASURES,
    areas_without_camera_data,
    density_by_area,
    density_to_csv,
    density_to_geojson,
    measure_column,
)
from exposure.areas.extent import COVERED_SHARE, covered_areas
from exposure.areas.figures import PRINT_DPI, SOURCE_CREDITS, density_figure, density_png
from exposure.areas.layer import DENSITY_TOOLTIP, NO_DATA_COLOUR, UNDEFINED_COLOUR, density_layer, density_legend
from exposure.areas.ranking import (
    DENSITY_LABELS,
    effective_cameras_problem,
    rank_areas,
    ranking_table,
    usable_measure,
)
from exposure.areas.read import ID_COLUMNS, NAME_COLUMNS, POPULATION_COLUMNS, read_areas
from exposure.areas.sets import (
    OSM_PLACE_VALUES,
    AreaScope,
    area_scope,
    area_sets,
    areas_in_scope,
    dataset_bounds,
    h3_areas,
    h3_cell_estimate,
    name_by_places,
    named_areas,
    osm_place_areas,
)

__all__ = [
    "AREA_ATTRIBUTES",
    "COUNT_COLUMNS",
    "COVERED_SHARE",
    "DENSITY_COLUMNS",
    "DENSITY_LABELS",
    "DENSITY_TOOLTIP",
    "EFFECTIVE_NOTE",
    "EFFECTIVE_QUAD_SEGS",
    "EFFECTIVE_RADIUS_M",
    "ID_COLUMNS",
    "MEASURES",
    "NAME_COLUMNS",
    "NO_DATA_COLOUR",
    "OSM_PLACE_VALUES",
    "POPULATION_COLUMNS",
    "PRINT_DPI",
    "SOURCE_CREDITS",
    "UNDEFINED_COLOUR",
    "AreaError",
    "AreaScope",
    "area_scope",
    "area_sets",
    "areas_in_scope",
    "areas_without_camera_data",
    "covered_areas",
    "dataset_bounds",
    "density_by_area",
    "density_figure",
    "density_layer",
    "density_legend",
    "density_png",
    "density_to_csv",
    "density_to_geojson",
    "effective_cameras_problem",
    "h3_areas",
    "h3_cell_estimate",
    "measure_column",
    "name_by_places",
    "named_areas",
    "osm_place_areas",
    "rank_areas",
    "ranking_table",
    "read_areas",
    "usable_measure",
]
