"""Shared helpers of the areas tests: cameras at given points, squares of known size, GeoJSON features."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from exposure.crs import local_crs


def cameras_at(points: list[tuple[float, float]]) -> pd.DataFrame:
    return pd.DataFrame({"camera_id": [str(i) for i in range(len(points))],
                         "lon": [p[0] for p in points], "lat": [p[1] for p in points]})


def square_km(lon: float, lat: float, side_m: float = 1000.0) -> shapely.Polygon:
    """A square of side_m built in UTM and converted to WGS84."""
    crs = local_crs(lon, lat)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    to_ll = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x, y = to_xy.transform(lon, lat)
    sq = shapely.box(x, y, x + side_m, y + side_m).segmentize(50)
    return shapely.transform(sq, lambda c: np.column_stack(to_ll.transform(c[:, 0], c[:, 1])))


def feature_collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def poly_feature(props: dict, geom: shapely.Geometry) -> dict:
    return {"type": "Feature", "properties": props, "geometry": shapely.geometry.mapping(geom)}


def two_squares() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"area_id": ["in", "out"], "name": ["Looked at", "Never looked at"]},
                            geometry=[square_km(24.94, 60.17), square_km(24.98, 60.17)], crs="EPSG:4326")


def helsinki_table(helsinki):
    """Density of the Helsinki cameras per named H3 cell (resolution 9), under the default policies."""
    from exposure.areas import density_by_area, named_areas

    ctx = helsinki.context()
    return density_by_area(named_areas("h3:9", helsinki), helsinki.cameras, counted=ctx.exposure.counted,
                           frt=ctx.exposure.frt, index=helsinki.index, settings=ctx.settings)
