"""Reading areas from a file or an upload: polygons, their ids, names and residents, with a report of bad ones."""

from __future__ import annotations

import io
import json
import math
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from exposure import settings
from exposure._errors import AreaError
from exposure._parse import JsonError, bad_lon_lat, check_json_depth, check_size, first_line, limit_message, refuse_dtd
from exposure.areas._limits import check_area_count
from exposure.crs import WGS84

__all__ = ["ID_COLUMNS", "NAME_COLUMNS", "POPULATION_COLUMNS", "read_areas"]

#: Column spellings tried, in order, when an area file's id/name/population column is not given.
ID_COLUMNS = ("area_id", "id", "ID", "Id", "code", "CODE", "Code", "ntacode", "NTACode", "nta2020",
              "GEOID", "geoid", "kunta", "tunnus", "fid")
NAME_COLUMNS = ("name", "NAME", "Name", "nimi", "Nimi", "NIMI", "ntaname", "NTAName", "area_name",
                "label")
POPULATION_COLUMNS = ("population", "Population", "POPULATION", "pop", "POP", "Pop", "asukkaat",
                      "Asukkaat", "ASUKKAAT", "asukasluku", "pop_total")


def _pick_column(columns: Sequence[str], given: str | None, spellings: Sequence[str], *,
                 what: str, source: str) -> str | None:
    if given is not None:
        if given not in columns:
            msg = (f"{source}: no {what} column {given!r}; the file's columns are "
                   f"{', '.join(map(str, columns)) or '(none)'}")
            raise AreaError(msg)
        return given
    for spelling in spellings:
        if spelling in columns:
            return spelling
    lower = {str(c).lower(): c for c in columns}
    for spelling in spellings:
        if spelling.lower() in lower:
            return str(lower[spelling.lower()])
    return None


def read_areas(
    path_or_geojson: str | Path | Mapping[str, Any] | bytes | BinaryIO,
    *,
    id_column: str | None = None,
    name_column: str | None = None,
    population_column: str | None = None,
    source_name: str | None = None,
) -> gpd.GeoDataFrame:
    """Read polygons (GeoJSON or any file geopandas reads) as areas.

    Parameters
    ----------
    path_or_geojson
        A file path, a GeoJSON mapping, the bytes of a file, or a binary file object
        (e.g. a Streamlit upload).
    id_column, name_column, population_column
        Columns to use; by default guessed from common spellings (``id``,
        ``area_id``, ``code``…; ``name``, ``NAME``, ``nimi``…; ``population``,
        ``pop``, ``asukkaat``…). Without an id column the feature number is used;
        without a name column, the id.
    source_name
        Name of the file in messages (default: the path or the object's ``name``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``area_id``, ``name``, ``population`` (float, NaN when unknown) and
        ``geometry`` in WGS84. ``attrs["rejected"]`` lists the features left out or
        repaired (``feature``, ``reason``); feature numbers count from 1.

    Raises
    ------
    AreaError
        When the file cannot be read, has no usable polygon, a named column is
        missing, or ids repeat. The message names the file and the feature.
    """
    source = source_name or _source_name(path_or_geojson)
    raw = _in_wgs84(_read_any(path_or_geojson, source), source)
    columns = [str(c) for c in raw.columns if c != raw.geometry.name]
    id_col = _pick_column(columns, id_column, ID_COLUMNS, what="id", source=source)
    name_col = _pick_column(columns, name_column, NAME_COLUMNS, what="name", source=source)
    pop_col = _pick_column(columns, population_column, POPULATION_COLUMNS, what="population", source=source)

    keep, geoms, rejected = _usable_polygons(raw, source)
    kept = raw.iloc[keep]
    ids = (kept[id_col].astype(str).to_numpy() if id_col else np.array([str(i + 1) for i in keep]))
    names = kept[name_col].astype(str).to_numpy() if name_col else ids
    dupes = sorted(set(pd.Series(ids)[pd.Series(ids).duplicated()]))
    if dupes:
        msg = (f"{source}: area ids repeat in column {id_col or '(feature number)'}: {', '.join(dupes[:10])}; "
               "give id_column= a column with one value per area, or merge the parts into one MultiPolygon")
        raise AreaError(msg)
    population = _population(kept, keep, pop_col, rejected)
    gdf = gpd.GeoDataFrame({"area_id": ids, "name": names, "population": population},
                           geometry=geoms, crs=WGS84)
    gdf.attrs["rejected"] = sorted(rejected, key=lambda r: r["feature"])
    gdf.attrs["source"] = source
    gdf.attrs["note"] = (f"Areas from {source} ({len(gdf)} polygons"
                         + (f"; population from column {pop_col}" if pop_col else "; no population column") + ").")
    return gdf


def _in_wgs84(raw: gpd.GeoDataFrame, source: str) -> gpd.GeoDataFrame:
    """The features read, checked for number and turned into WGS84 (longitude/latitude without a CRS)."""
    if raw.empty:
        msg = f"{source}: no features; give a GeoJSON FeatureCollection of Polygon/MultiPolygon features"
        raise AreaError(msg)
    check_area_count(len(raw), source=source)
    if raw.crs is None:
        minx, miny, maxx, maxy = raw.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            msg = (f"{source}: no coordinate reference system and the coordinates are not longitude/latitude; "
                   "save the file as GeoJSON in WGS84 (EPSG:4326)")
            raise AreaError(msg)
        raw = raw.set_crs(WGS84)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # bad coordinates are reported per feature below
            return raw.to_crs(WGS84).reset_index(drop=True)
    except (RuntimeError, ValueError) as err:  # pyproj's CRSError is a RuntimeError
        msg = f"{source}: its coordinate reference system cannot be turned into WGS84 ({first_line(err)}); save it " \
              "as GeoJSON in WGS84 (EPSG:4326)"
        raise AreaError(msg) from err


def _usable_polygons(raw: gpd.GeoDataFrame, source: str) -> tuple[list[int], list[Any], list[dict[str, Any]]]:
    """The rows kept, their (repaired) polygons, and a report of the features left out or repaired."""
    rejected: list[dict[str, Any]] = []
    keep: list[int] = []
    geoms: list[Any] = []
    for i, original in enumerate(raw.geometry):
        try:
            geom, problem = _usable_polygon(original)
        except shapely.errors.GEOSException as err:  # what GEOS cannot even test for validity
            geom, problem = None, f"a polygon GEOS cannot read ({first_line(err)}); left out"
        if problem:
            rejected.append({"feature": i + 1, "reason": problem})
        if geom is not None:
            keep.append(i)
            geoms.append(geom)
    if not keep:
        reasons = "; ".join(f"feature {r['feature']}: {r['reason']}" for r in rejected[:5])
        msg = f"{source}: none of the {len(raw)} features is a usable polygon ({reasons})"
        raise AreaError(msg)
    return keep, geoms, rejected


def _population(kept: pd.DataFrame, keep: list[int], pop_col: str | None,
                rejected: list[dict[str, Any]]) -> np.ndarray:
    """Residents per kept feature (NaN when unknown); a value that is not a count is reported in ``rejected``."""
    population = np.full(len(keep), np.nan)
    if not pop_col:
        return population
    values = pd.to_numeric(kept[pop_col], errors="coerce").to_numpy(dtype=float)
    for j, (value, original) in enumerate(zip(values, kept[pop_col], strict=True)):
        if math.isnan(value) or value < 0:
            if original is not None and not (isinstance(original, float) and math.isnan(original)):
                rejected.append({"feature": keep[j] + 1,
                                 "reason": f"population {original!r} in {pop_col} is not a count; left unknown"})
            continue
        population[j] = value
    return population


def _usable_polygon(original: Any) -> tuple[Any, str]:
    """A feature's polygon as an area, or None; and what was wrong with it ("" when nothing was).

    Left out: no geometry, not a polygon, coordinates that are not finite
    longitude/latitude, an extent wider than ``settings.max_area_span_deg``, or an
    invalid polygon with no area once repaired. Repaired: any other invalid polygon
    (``make_valid``), and empty parts of a MultiPolygon (dropped).
    """
    if original is None or original.is_empty:
        return None, "no geometry, or one that cannot be read (an unclosed ring?); left out"
    if original.geom_type not in ("Polygon", "MultiPolygon"):
        return None, f"a {original.geom_type}, not a polygon; left out"
    xy = shapely.get_coordinates(original)
    if bad_lon_lat(xy[:, 0], xy[:, 1]).any():
        return None, ("coordinates that are not longitude within ±180 and latitude within ±90 (NaN, infinite or "
                      "swapped); left out")
    span = max(float(np.ptp(xy[:, 0])), float(np.ptp(xy[:, 1])))
    if span > settings.max_area_span_deg:
        return None, limit_message(f"spans {span:g}° of longitude or latitude", "max_area_span_deg",
                                   "areas are measured in one local map projection: use smaller areas",
                                   unit="°") + "; left out"
    geom = original
    if geom.geom_type == "MultiPolygon" and any(part.is_empty for part in geom.geoms):
        geom = shapely.MultiPolygon([part for part in geom.geoms if not part.is_empty])
    if not geom.is_valid:
        why = shapely.is_valid_reason(geom)
        repaired = _polygonal(shapely.make_valid(geom))
        if repaired.is_empty:
            return None, f"invalid polygon ({why}) with no area; left out"
        return repaired, f"invalid polygon ({why}); repaired with make_valid"
    return geom, ""


def _polygonal(geom: Any) -> Any:
    """The polygonal part of a geometry (make_valid may add stray lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _source_name(obj: Any) -> str:
    if isinstance(obj, (str, Path)):
        return str(obj)
    if isinstance(obj, Mapping):
        return "GeoJSON data"
    return str(getattr(obj, "name", None) or "uploaded file")


def _read_any(obj: Any, source: str) -> gpd.GeoDataFrame:
    """Read areas with pyogrio, after checking the size (``settings.max_areas_file_mb``) and the JSON nesting."""
    limit = int(settings.max_areas_file_mb * 1e6)
    try:
        with warnings.catch_warnings():
            # GDAL and GEOS warn of unclosed rings and NaN coordinates; each feature's problem is reported instead
            warnings.simplefilter("ignore", RuntimeWarning)
            if isinstance(obj, Mapping):
                features = obj.get("features") if obj.get("type") == "FeatureCollection" else None
                if features is None:
                    msg = f"{source}: not a GeoJSON FeatureCollection (type is {obj.get('type')!r})"
                    raise AreaError(msg)
                check_area_count(len(features) if isinstance(features, list) else 0, source=source)
                return gpd.read_file(io.BytesIO(json.dumps(obj).encode()), on_invalid="ignore")
            if isinstance(obj, (str, Path)):
                path = Path(obj).expanduser()
                if not path.is_file():
                    msg = f"{source}: no such file; give a GeoJSON (or shapefile, GeoPackage) of polygons"
                    raise AreaError(msg)
                check_size(path.stat().st_size, where=source, setting="max_areas_file_mb", what="the areas file",
                           error=AreaError)
                with path.open("rb") as handle:
                    text_like = handle.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[", b"<")
                if not text_like:  # a shapefile or GeoPackage: GDAL opens its companions by the path
                    return gpd.read_file(path, on_invalid="ignore")
                data = path.read_bytes()
            else:
                data = obj if isinstance(obj, bytes) else obj.read(limit + 1)
                check_size(len(data), where=source, setting="max_areas_file_mb", what="the areas file",
                           error=AreaError)
            head = data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if head in (b"{", b"["):
                check_json_depth(data)  # GDAL would parse any depth
            elif head == b"<":  # KML, GML, GPX: no entity tricks for GDAL's XML parser either
                refuse_dtd(data, where=source, error=AreaError)
            # a geometry GEOS cannot build (an unclosed ring) becomes None and is reported, not the whole file
            return gpd.read_file(io.BytesIO(data), on_invalid="ignore")
    except AreaError:
        raise
    except JsonError as err:
        msg = f"{source}: cannot read areas ({err.detail}); give a GeoJSON FeatureCollection of polygons"
        raise AreaError(msg) from err
    except (OSError, ValueError, RuntimeError, shapely.errors.GEOSException) as err:
        # pyogrio's DataSourceError subclasses RuntimeError; a bad JSON body a ValueError; RecursionError (a
        # structure nested too deep to write as JSON) is a RuntimeError too
        msg = f"{source}: cannot read areas ({first_line(err)}); give a GeoJSON FeatureCollection of polygons"
        raise AreaError(msg) from err

