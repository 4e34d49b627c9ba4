"""The density map layer: areas as a pydeck choropleth with text tooltips, and its legend."""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pydeck as pdk

from exposure._errors import AreaError
from exposure.areas.density import DENSITY_COLUMNS, areas_without_camera_data
from exposure.crs import WGS84

__all__ = ["DENSITY_TOOLTIP", "NO_DATA_COLOUR", "UNDEFINED_COLOUR", "density_layer", "density_legend"]

#: The tooltip of :func:`density_layer`'s areas: each carries its text, shown as text (never HTML).
DENSITY_TOOLTIP = {"text": "{tooltip}", "style": {"fontSize": "12px", "whiteSpace": "pre-line"}}

# a light-yellow → dark-red ramp, like matplotlib's YlOrRd
_RAMP = np.array([[255, 255, 178], [254, 204, 92], [253, 141, 60], [240, 59, 32], [189, 0, 38]], dtype=float)


def _ramp(t: np.ndarray) -> np.ndarray:
    pos = np.clip(np.nan_to_num(t, nan=0.0), 0, 1) * (len(_RAMP) - 1)
    lo = np.floor(pos).astype(int).clip(0, len(_RAMP) - 2)
    frac = (pos - lo)[:, None]
    return np.asarray(_RAMP[lo] * (1 - frac) + _RAMP[lo + 1] * frac, dtype=float)


def _fmt(value: Any, digits: int = 2) -> str:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(number):
        return "n/a"
    return f"{number:,.{digits}f}"


#: Map colour (RGBA) of an area outside the camera source's coverage: no camera data.
NO_DATA_COLOUR = [120, 120, 120, 170]
#: Map colour (RGBA) of an area with camera data where the measure is not defined (e.g. no residents).
UNDEFINED_COLOUR = [225, 225, 225, 110]


def density_legend(gdf: gpd.GeoDataFrame, column: str, *, label: str,
                   steps: int = 5) -> list[tuple[list[int], str]]:
    """The legend of :func:`density_layer`: (RGBA colour, text) per class, the grey classes last.

    The ramp runs from 0 to the highest value among areas with camera data;
    "no camera data" is listed when an area is outside the camera source's
    coverage, "not defined" when an area with data has no value.
    """
    values = gdf[column].astype(float).to_numpy()
    no_data = areas_without_camera_data(gdf)
    finite = np.isfinite(values) & ~no_data
    top = float(values[finite].max()) if finite.any() else 0.0
    digits = 0 if top >= 100 else (1 if top >= 10 else 2)
    entries = [([*map(int, _ramp(np.array([k / (steps - 1)]))[0]), 255], f"{top * k / (steps - 1):,.{digits}f}")
               for k in range(steps)] if finite.any() else []
    if entries:
        entries[0] = (entries[0][0], f"{entries[0][1]} (fewest)")
        entries[-1] = (entries[-1][0], f"{entries[-1][1]} {label} (most)")
    if no_data.any():
        entries.append((NO_DATA_COLOUR, f"no camera data: outside the camera source's coverage ({int(no_data.sum())} "
                                        f"area{'' if no_data.sum() == 1 else 's'})"))
    if (~np.isfinite(values) & ~no_data).any():
        entries.append((UNDEFINED_COLOUR, "not defined (e.g. no residents, or no street)"))
    return entries


def density_layer(gdf: gpd.GeoDataFrame, column: str, *, label: str | None = None,
                  opacity: int = 150) -> pdk.Layer:
    """Areas as a choropleth PolygonLayer coloured by ``column``, each with its tooltip as text.

    Use with ``exposure.layers.deck(..., tooltip=DENSITY_TOOLTIP)``. Colours run
    from light yellow (lowest) to dark red (highest) over the areas with camera
    data; an area outside the camera source's coverage is a dark grey ("no
    camera data", :data:`NO_DATA_COLOUR`), one where the measure is not defined
    a light grey (:data:`UNDEFINED_COLOUR`). :func:`density_legend` lists them.
    """
    if column not in gdf.columns:
        msg = f"no column {column!r} to map; choose one of {', '.join(c for c in DENSITY_COLUMNS if c in gdf)}"
        raise AreaError(msg)
    values = gdf[column].astype(float).to_numpy()
    no_data = areas_without_camera_data(gdf)
    finite = np.isfinite(values) & ~no_data
    top = float(values[finite].max()) if finite.any() else 0.0
    colours = _ramp(values / top if top > 0 else np.zeros_like(values))
    wgs = gdf.to_crs(WGS84) if gdf.crs is not None else gdf
    data = []
    for i, row in enumerate(pd.DataFrame(wgs.drop(columns=wgs.geometry.name)).to_dict(orient="records")):
        ramped = [*map(int, colours[i]), opacity] if finite[i] else UNDEFINED_COLOUR
        colour = NO_DATA_COLOUR if no_data[i] else ramped
        props = {
            "name": str(row.get("name", "")),
            "label": label or column,
            "value": "no camera data" if no_data[i] else _fmt(values[i]),
            "cameras": "no data" if no_data[i] else _fmt(row.get("cameras"), 0),
            "frt_cameras": "no data" if no_data[i] else _fmt(row.get("frt_cameras"), 0),
            "area_km2": _fmt(row.get("area_km2"), 3),
            "street_km": _fmt(row.get("street_km"), 2),
            "population": _fmt(row.get("population"), 0),
            "nonwhite_pct": _fmt(100 * float(row.get("nonwhite_share", math.nan)), 0),
            "colour": colour,
        }
        props["tooltip"] = "\n".join([
            str(props["name"]), f"{props['label']}: {props['value']}",
            f"cameras: {props['cameras']} · FRT-capable: {props['frt_cameras']}",
            f"area: {props['area_km2']} km² · street: {props['street_km']} km",
            f"residents: {props['population']}"
            + (f" · non-white: {props['nonwhite_pct']} %" if "nonwhite_share" in row else ""),
        ])
        geom = wgs.geometry.iloc[i]
        parts = list(geom.geoms) if geom.geom_type == "MultiPolygon" else [geom]
        for part in parts:
            rings = [np.round(np.asarray(part.exterior.coords)[:, :2], 6).tolist()]
            rings += [np.round(np.asarray(r.coords)[:, :2], 6).tolist() for r in part.interiors]
            data.append({**props, "polygon": rings})
    return pdk.Layer(
        "PolygonLayer", data=data, get_polygon="polygon", get_fill_color="colour", get_line_color=[60, 60, 60, 200],
        line_width_min_pixels=1, stroked=True, filled=True, pickable=True, auto_highlight=True,
    )
