"""What an OpenStreetMap extract holds for a dataset: streets as arrays, building footprints, passages, cameras."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

# shapely and geopandas are imported where polygons or frames are made: a command that only routes on
# a cached dataset never needs them.

__all__ = [
    "BUILDING_TAG_KEYS",
    "PASSAGE_TAG_KEYS",
    "PLACE_KEYS",
    "STREET_TAG_KEYS",
    "BuildingFootprints",
    "Passages",
    "SurveillanceObject",
    "WayTable",
    "is_passage",
    "place_kind",
    "present_runs",
]

#: Tags a street way keeps: what the walking graph and the passages through buildings need.
STREET_TAG_KEYS = ("highway", "name", "service", "access", "foot", "area", "motorroad", "tunnel", "covered",
                   "building_passage", "layer", "width")

#: Tags a building keeps: whether it blocks a view at street level, how tall it is, what it is called.
BUILDING_TAG_KEYS = ("building", "layer", "location", "height", "building:levels", "min_height",
                     "building:min_level", "name")

#: Tags a passage (a street through a building) keeps.
PASSAGE_TAG_KEYS = ("highway", "name", "tunnel", "covered", "building_passage", "layer", "width")

#: Keys that say what a named feature is, in the order a place's kind is taken from them.
PLACE_KEYS = ("place", "railway", "public_transport", "amenity", "tourism", "highway",
               "building", "leisure", "shop", "historic", "natural")


def place_kind(tags: Any) -> str:
    """What a named feature is, as ``key=value`` of the first telling tag (``"named"`` without one)."""
    for key in PLACE_KEYS:
        value = tags.get(key)
        if value is not None:
            return f"{key}={value}"
    return "named"


def _layer(tags: Any) -> float:
    try:
        return float(str(tags.get("layer") or "0").split(";")[0])
    except ValueError:
        return 0.0


def is_passage(tags: Any) -> bool:
    """Whether a street runs through buildings rather than between them.

    ``tunnel`` (any value but ``no``, ``building_passage`` included), ``covered``
    or the older ``building_passage`` key (any value but ``no``), or a negative
    ``layer``: a building such a street crosses does not wall it off.
    """
    if tags.get("highway") is None:
        return False
    if any((tags.get(key) or "no") != "no" for key in ("tunnel", "covered", "building_passage")):
        return True
    return _layer(tags) < 0


class SurveillanceObject(NamedTuple):
    """An object tagged ``man_made=surveillance``, with every tag, as the camera readers take it."""

    osm_type: str
    osm_id: int
    lon: float
    lat: float
    tags: dict[str, str]
    version: int


@dataclass
class WayTable:
    """Ways as flat arrays: way ``i`` has nodes ``refs[start[i]:start[i + 1]]`` at ``lonlat`` (NaN: not held)."""

    ids: np.ndarray
    start: np.ndarray
    refs: np.ndarray
    lonlat: np.ndarray
    tags: list[dict[str, str]]

    def __len__(self) -> int:
        return len(self.ids)

    def way(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Node ids and locations of way ``i``."""
        return self.refs[self.start[i] : self.start[i + 1]], self.lonlat[self.start[i] : self.start[i + 1]]


def _ragged_offsets(counts: list[int] | np.ndarray) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(np.asarray(counts, dtype=np.int64))]).astype(np.int64)


#: Buildings made into shapely objects at once when footprints are made from WKB.
_CHUNK = 50_000


def _join_ragged(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """One ragged multipolygon layout from several: each part's offsets moved past the parts before it."""
    coords = np.concatenate([p[0] for p in parts])
    joined = []
    for level in (1, 2, 3):
        # a level's offsets index the level below: points for rings, rings for polygons, polygons for buildings
        below = [len(p[0]) for p in parts] if level == 1 else [len(p[level - 1]) - 1 for p in parts]
        shift = np.concatenate([[0], np.cumsum(below)[:-1]]).astype(np.int64)
        pieces = [p[level][1:] + s for p, s in zip(parts, shift.tolist(), strict=True)]
        joined.append(np.concatenate([np.zeros(1, dtype=np.int64), *pieces]))
    return (coords, *joined)


def _tag_frame(rows: list[dict[str, str]], keys: tuple[str, ...]) -> pd.DataFrame:
    """Tags as one column per key (missing: None), as categories: few distinct values, many rows."""
    frame = pd.DataFrame({key: pd.Series([row.get(key) for row in rows], dtype=object) for key in keys})
    return frame.astype("category") if len(frame) else frame


@dataclass
class BuildingFootprints:
    """An extract's buildings as WGS84 polygons with their tags; inner rings are courtyards.

    Building ``i`` is made of polygons ``building_offsets[i]:building_offsets[i + 1]``
    (a multipolygon relation may have several outer rings), polygon ``p`` of rings
    ``polygon_offsets[p]:polygon_offsets[p + 1]`` (the outer ring first), ring ``r``
    of points ``coords[ring_offsets[r]:ring_offsets[r + 1]]`` (closed, longitude and
    latitude): the layout of :func:`shapely.from_ragged_array`, kept as arrays so that
    a city of hundreds of thousands of buildings stays small in memory and on disk.
    ``osm_type`` is ``"way"`` or ``"relation"``; ``clipped`` marks a building the extract
    cuts, closed along the extract's box and clipped to it; ``tags`` holds
    :data:`BUILDING_TAG_KEYS`, one row per building.
    """

    coords: np.ndarray
    ring_offsets: np.ndarray
    polygon_offsets: np.ndarray
    building_offsets: np.ndarray
    osm_type: np.ndarray
    osm_id: np.ndarray
    clipped: np.ndarray
    tags: pd.DataFrame

    def __len__(self) -> int:
        return len(self.osm_id)

    @classmethod
    def empty(cls) -> BuildingFootprints:
        """No building at all (a dataset without building data)."""
        return cls(np.empty((0, 2)), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64),
                   np.zeros(1, dtype=np.int64), np.empty(0, dtype=object), np.empty(0, dtype=np.int64),
                   np.empty(0, dtype=bool), _tag_frame([], BUILDING_TAG_KEYS))

    @classmethod
    def from_geometries(cls, geometries: Any, *, osm_type: Any, osm_id: Any, clipped: Any,
                        tags: list[dict[str, str]]) -> BuildingFootprints:
        """Footprints from shapely polygons or multipolygons (WGS84), or their WKB, one per building, and their tags.

        Parameters
        ----------
        geometries
            Polygons or multipolygons, or all of them as WKB (``bytes``); each one
            building. WKB is read a chunk at a time: a city's buildings never all
            exist as shapely objects at once.
        osm_type, osm_id, clipped
            One value per building.
        tags
            One tag mapping per building (only :data:`BUILDING_TAG_KEYS` are kept).
        """
        import shapely  # noqa: PLC0415 - only needed to make polygons

        items = list(geometries)
        if not items:
            return cls.empty()
        parts = []
        for at in range(0, len(items), _CHUNK):
            chunk = np.asarray(items[at : at + _CHUNK], dtype=object)
            if isinstance(chunk[0], bytes):
                chunk = shapely.from_wkb(chunk)
            # one geometry type for the ragged layout: every building a multipolygon
            single = shapely.get_type_id(chunk) == shapely.GeometryType.POLYGON
            if single.any():
                chunk[single] = shapely.multipolygons(chunk[single][:, None])
            _, coords, offsets = shapely.to_ragged_array(chunk)
            parts.append((np.asarray(coords, dtype=float), *(o.astype(np.int64) for o in offsets)))
        coords, ring_offsets, polygon_offsets, building_offsets = _join_ragged(parts)
        return cls(coords, ring_offsets, polygon_offsets, building_offsets,
                   np.asarray([str(t) for t in osm_type], dtype=object), np.asarray(osm_id, dtype=np.int64),
                   np.asarray(clipped, dtype=bool), _tag_frame(tags, BUILDING_TAG_KEYS))

    def geometries(self) -> np.ndarray:
        """One shapely multipolygon per building (WGS84)."""
        import shapely  # noqa: PLC0415

        if len(self) == 0:
            return np.empty(0, dtype=object)
        geoms: np.ndarray = shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON, self.coords, (self.ring_offsets, self.polygon_offsets,
                                                             self.building_offsets))
        return geoms

    def to_geodataframe(self) -> Any:
        """The buildings as a GeoDataFrame (EPSG:4326): ``osm_type``, ``osm_id``, ``clipped``, tags, ``geometry``."""
        import geopandas as gpd  # noqa: PLC0415

        frame = self.tags.astype(object).where(self.tags.notna(), None)
        frame.insert(0, "clipped", self.clipped)
        frame.insert(0, "osm_id", self.osm_id)
        frame.insert(0, "osm_type", self.osm_type)
        return gpd.GeoDataFrame(frame, geometry=self.geometries(), crs="EPSG:4326")

    def outer_rings(self) -> list[list[list[float]]]:
        """Every polygon's outer ring as closed ``[lon, lat]`` lists (6 decimals), for a basemap."""
        starts = self.ring_offsets[self.polygon_offsets[:-1]]
        ends = self.ring_offsets[self.polygon_offsets[:-1] + 1]
        rounded = np.round(self.coords, 6).tolist()
        return [rounded[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


@dataclass
class Passages:
    """Streets that run through buildings (:func:`is_passage`), one WGS84 line per run of nodes the extract holds.

    Line ``i`` is ``coords[offsets[i]:offsets[i + 1]]`` (longitude, latitude), part of
    way ``osm_id[i]``; ``tags`` holds :data:`PASSAGE_TAG_KEYS`, one row per line.
    """

    coords: np.ndarray
    offsets: np.ndarray
    osm_id: np.ndarray
    tags: pd.DataFrame

    def __len__(self) -> int:
        return len(self.osm_id)

    @classmethod
    def empty(cls) -> Passages:
        """No passage."""
        return cls(np.empty((0, 2)), np.zeros(1, dtype=np.int64), np.empty(0, dtype=np.int64),
                   _tag_frame([], PASSAGE_TAG_KEYS))

    @classmethod
    def from_streets(cls, streets: WayTable) -> Passages:
        """The street ways that are passages (:func:`is_passage`), cut into the runs of nodes the extract holds."""
        coords: list[np.ndarray] = []
        counts: list[int] = []
        ids: list[int] = []
        tags: list[dict[str, str]] = []
        for i, way_tags in enumerate(streets.tags):
            if not is_passage(way_tags):
                continue
            refs, lonlat = streets.way(i)
            for _, run in present_runs(refs, lonlat):
                coords.append(run)
                counts.append(len(run))
                ids.append(int(streets.ids[i]))
                tags.append({k: way_tags[k] for k in PASSAGE_TAG_KEYS if k in way_tags})
        if not ids:
            return cls.empty()
        return cls(np.concatenate(coords), _ragged_offsets(counts), np.asarray(ids, dtype=np.int64),
                        _tag_frame(tags, PASSAGE_TAG_KEYS))

    def lines(self) -> np.ndarray:
        """One shapely LineString per passage line (WGS84)."""
        import shapely  # noqa: PLC0415

        if len(self) == 0:
            return np.empty(0, dtype=object)
        lines: np.ndarray = shapely.from_ragged_array(shapely.GeometryType.LINESTRING, self.coords, (self.offsets,))
        return lines

    def tag_dicts(self) -> list[dict[str, str]]:
        """Each line's tags as a mapping (the keys it has)."""
        records = self.tags.astype(object).to_dict("records")
        return [{k: str(v) for k, v in rec.items() if isinstance(v, str)} for rec in records]

    def to_geodataframe(self) -> Any:
        """The passages as a GeoDataFrame (EPSG:4326): ``osm_id``, the tags, ``geometry``."""
        import geopandas as gpd  # noqa: PLC0415

        frame = self.tags.astype(object).where(self.tags.notna(), None)
        frame.insert(0, "osm_id", self.osm_id)
        return gpd.GeoDataFrame(frame, geometry=self.lines(), crs="EPSG:4326")


def present_runs(refs: np.ndarray, lonlat: np.ndarray) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Runs of two or more consecutive nodes whose location the extract holds.

    A clipped extract drops the nodes outside its box; joining the nodes on either
    side of such a gap would invent a line, so each run stands alone.
    """
    ok = ~np.isnan(lonlat[:, 0])
    if ok.all():
        if len(refs) > 1:
            yield refs, lonlat
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[False], ok, [False]]).astype(np.int8)))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a > 1:
            yield refs[a:b], lonlat[a:b]
