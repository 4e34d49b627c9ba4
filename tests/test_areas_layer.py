"""The density map layer: tooltips as text, no camera data and undefined values in their own greys, the legend."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import shapely

from exposure.areas.density import density_by_area
from exposure.areas.layer import DENSITY_TOOLTIP, density_layer
from tests.areas_common import cameras_at, square_km, two_squares


def test_density_layer_tooltips_are_text() -> None:
    areas = gpd.GeoDataFrame({"area_id": ["a"], "name": ["<img src=x onerror=alert(1)>"]},
                             geometry=[square_km(24.9, 60.1)], crs=4326)
    layer = density_layer(density_by_area(areas, cameras_at([])), "cameras_per_km2")
    assert layer.type == "PolygonLayer"
    row = layer.data[0]
    assert row["tooltip"].startswith("<img src=x onerror=alert(1)>\ncameras_per_km2: 0.00\n")  # as written…
    assert DENSITY_TOOLTIP["text"] == "{tooltip}"  # …and shown as text, never as HTML
    assert "html" not in DENSITY_TOOLTIP
    assert len(row["colour"]) == 4
    assert row["polygon"][0][0] == row["polygon"][0][-1]


def test_no_data_is_its_own_grey_class_on_the_map_with_a_legend_entry() -> None:
    from exposure.areas import NO_DATA_COLOUR, UNDEFINED_COLOUR, density_legend
    from exposure.cameras import CameraExtent

    areas = pd.concat([two_squares(), two_squares().iloc[[0]].assign(area_id="none", name="Empty",
                                                                        geometry=[square_km(24.90, 60.17)])])
    areas = gpd.GeoDataFrame(areas, crs="EPSG:4326").assign(population=[1000.0, 1000.0, 0.0])
    extent = CameraExtent(shapely.box(24.89, 60.16, 24.955, 60.19), "a box")
    table = density_by_area(areas, cameras_at([(24.945, 60.174)]), extent=extent)
    layer = density_layer(table, "cameras_per_1000_residents", label="cameras per 1,000 residents")
    colours = {d["name"]: d["colour"] for d in layer.data}
    assert colours["Never looked at"] == NO_DATA_COLOUR
    assert colours["Empty"] == UNDEFINED_COLOUR  # looked at, but nobody lives there
    assert colours["Looked at"] not in (NO_DATA_COLOUR, UNDEFINED_COLOUR)
    assert {d["name"]: d["value"] for d in layer.data}["Never looked at"] == "no camera data"
    legend = density_legend(table, "cameras_per_1000_residents", label="cameras per 1,000 residents")
    texts = [text for _, text in legend]
    assert texts[0].startswith("0.00 (fewest)")
    assert texts[-3].endswith("cameras per 1,000 residents (most)")
    assert legend[-2] == (NO_DATA_COLOUR, "no camera data: outside the camera source's coverage (1 area)")
    assert legend[-1][0] == UNDEFINED_COLOUR
