"""One pass over an OpenStreetMap extract: streets, buildings, passages, cameras, place names and basemap areas."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from exposure import settings
from exposure._errors import DatasetError
from exposure._osm_clip import ExtractBox, clip_multipolygon, clip_ring, join_chains
from exposure.osm_features import (
    BUILDING_TAG_KEYS,
    STREET_TAG_KEYS,
    BuildingFootprints,
    Passages,
    SurveillanceObject,
    WayTable,
    place_kind,
)

# osmium and shapely are imported where a file is read or a polygon made: a command that only routes
# on a cached dataset never needs them.

__all__ = ["OsmScan", "location_index", "read_box", "scan_osm_file", "scan_surveillance"]

#: Keys of the areas kept: buildings, and water and parks for the basemap.
_AREA_KEYS = ("building", "natural", "waterway", "landuse", "leisure")

#: From this many nodes on (a country or continent), node ids cover most of their range and a
#: dense array indexed by id is smaller than a sorted list of (id, location) pairs.
_DENSE_FROM_NODES = 200_000_000

#: Bytes of a file per node, at least: PBF stores a node in 6-10 bytes, XML in 60 or more.
_BYTES_PER_NODE = {"pbf": 6.0, "xml": 60.0}

Progress = Callable[[str], None]


def _pick(tags: Any, keys: tuple[str, ...]) -> dict[str, str]:
    """The tags of ``keys`` an object has (one lookup a key: osmium's ``in`` and ``[]`` are two)."""
    found = {}
    for key in keys:
        value = tags.get(key)
        if value is not None:
            found[key] = value
    return found


def _area_kind(tags: Any) -> str | None:
    """Which kind of area a tagged area is, if one the dataset keeps."""
    if tags.get("building") is not None:
        return "building"
    if tags.get("natural") == "water" or tags.get("waterway") in {"riverbank", "dock"} or \
            tags.get("landuse") in {"reservoir", "basin"}:
        return "water"
    if tags.get("leisure") in {"park", "garden"} or tags.get("landuse") in {"grass", "recreation_ground"}:
        return "park"
    return None


@dataclass
class OsmScan:
    """What one pass over an extract found.

    ``streets``: every ``highway`` way (the walking graph chooses among them);
    ``buildings`` and ``passages`` (empty when the scan left buildings out);
    ``surveillance``: the ``man_made=surveillance`` objects in file order; ``named``:
    ``(name, lon, lat, kind)`` of named nodes and ways (a way at its vertex nearest the
    mean of its vertices: inside the feature even when it is L-shaped); ``areas``:
    water and park outer rings for the basemap; ``box``: west, south, east, north of
    the extract (its header's box, else the box of what was read); ``counts`` and
    ``seconds`` say what the pass read and how long it took.
    """

    path: Path
    streets: WayTable
    buildings: BuildingFootprints
    passages: Passages
    surveillance: list[SurveillanceObject]
    named: list[tuple[str, float, float, str]]
    areas: dict[str, list[list[list[float]]]]
    box: tuple[float, float, float, float] | None
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    locations: str = ""


def read_box(path: str | Path) -> tuple[float, float, float, float] | None:
    """The box an extract says it covers (west, south, east, north from its header), if it says."""
    import osmium  # noqa: PLC0415 - heavy C extension, only needed to read OSM files

    with osmium.io.Reader(str(path), osmium.osm.NOTHING) as reader:
        box = reader.header().box()
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def _free_memory_bytes() -> int:
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):  # a platform without these: assume little
        return 1024**3


def location_index(path: str | Path, *, folder: str | Path | None = None) -> tuple[str, Path | None]:
    """Which node location index an extract needs: in memory while it fits, else in a file on disk.

    It fits while its estimated size is within :data:`exposure.settings.node_locations_in_memory_mb`
    and a quarter of the memory free now.

    Parameters
    ----------
    path
        The extract; its size estimates its node count.
    folder
        Where a disk-backed index goes (default: the system's temporary folder).

    Returns
    -------
    index, file
        An osmium index type (``flex_mem``; ``sparse_file_array,<file>`` or
        ``dense_file_array,<file>`` for a large extract) and the file to remove after
        the pass (None in memory).
    """
    path = Path(path)
    kind = "pbf" if path.name.lower().endswith(".pbf") else "xml"
    nodes = path.stat().st_size / _BYTES_PER_NODE[kind]
    # a sorted list of (id, location) pairs: 16 bytes a node
    need = 16.0 * nodes
    if need <= min(settings.node_locations_in_memory_mb * 1e6, _free_memory_bytes() / 4):
        return "flex_mem", None
    handle, name = tempfile.mkstemp(prefix="exposure-locations-", suffix=".bin", dir=folder)
    os.close(handle)
    kind_name = "dense_file_array" if nodes >= _DENSE_FROM_NODES else "sparse_file_array"
    return f"{kind_name},{name}", Path(name)


class _Relations:
    """First pass: the building multipolygons and their member ways (the ways to keep for a cut one)."""

    def __init__(self, *, buildings: bool) -> None:
        self.buildings = buildings
        self.members: dict[int, list[tuple[int, str]]] = {}
        self.tags: dict[int, dict[str, str]] = {}
        self.member_ways: set[int] = set()

    def relation(self, r: Any) -> None:
        tags = r.tags
        if not self.buildings or tags.get("building") is None or tags.get("type") != "multipolygon":
            return
        members = [(m.ref, m.role or "outer") for m in r.members if m.type == "w"]
        self.members[r.id] = members
        self.tags[r.id] = _pick(tags, BUILDING_TAG_KEYS)
        self.member_ways.update(ref for ref, _ in members)


class _Collector:
    """Second pass: nodes with names or cameras, ways, and the areas osmium assembles."""

    def __init__(self, relations: _Relations, *, buildings: bool, say: Progress) -> None:
        import osmium  # noqa: PLC0415

        self.buildings = buildings
        self.relations = relations
        self.say = say
        self.wkb = osmium.geom.WKBFactory()
        self.invalid = (osmium.InvalidLocationError, RuntimeError)
        self.street_ids = array("q")
        self.street_start = array("q", [0])
        self.street_refs = array("q")
        self.street_lonlat = array("d")
        self.street_tags: list[dict[str, str]] = []
        self.surveillance: list[SurveillanceObject] = []
        self.named: list[tuple[str, float, float, str]] = []
        self.named_ways: list[tuple[str, str]] = []
        self.named_way_lonlat = array("d")
        self.named_way_counts: list[int] = []
        self.area_wkb: dict[str, list[bytes]] = {"building": [], "water": [], "park": []}
        self.area_ids: list[tuple[str, int]] = []
        self.area_tags: list[dict[str, str]] = []
        self.assembled: set[int] = set()
        self.cut_ways: list[tuple[int, np.ndarray, dict[str, str]]] = []
        self.member_rings: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.counts = {"nodes_read": 0, "ways": 0, "street_ways": 0, "building_ways": 0, "building_relations": 0}
        self.started = time.perf_counter()
        self.last_said = self.started

    def _progress(self) -> None:
        now = time.perf_counter()
        if now - self.last_said >= 5.0:
            self.last_said = now
            c = self.counts
            self.say(f"… {c['ways']:,} ways read ({c['street_ways']:,} streets, {c['building_ways']:,} buildings), "
                     f"{now - self.started:,.0f} s")

    def node(self, n: Any) -> None:
        tags = n.tags
        self.counts["nodes_read"] += 1
        loc = n.location
        if tags.get("man_made") == "surveillance":
            lon, lat = (loc.lon, loc.lat) if loc.valid() else (float("nan"), float("nan"))
            self.surveillance.append(SurveillanceObject("node", n.id, lon, lat, dict(tags), n.version))
        name = tags.get("name")
        if name and loc.valid():
            self.named.append((name, loc.lon, loc.lat, place_kind(tags)))

    @staticmethod
    def _nodes(w: Any) -> tuple[list[int], list[float]]:
        refs: list[int] = []
        lonlat: list[float] = []
        nan = float("nan")
        for nd in w.nodes:
            refs.append(nd.ref)
            loc = nd.location
            if loc.valid():
                lonlat += (loc.lon, loc.lat)
            else:
                lonlat += (nan, nan)
        return refs, lonlat

    def way(self, w: Any) -> None:
        self.counts["ways"] += 1
        if self.counts["ways"] % 50_000 == 0:
            self._progress()
        tags = w.tags
        refs: list[int] | None = None
        lonlat: list[float] = []
        if tags.get("man_made") == "surveillance":
            self.surveillance.append(SurveillanceObject("way", w.id, float("nan"), float("nan"), dict(tags),
                                                        w.version))
        if tags.get("highway") is not None:
            refs, lonlat = self._nodes(w)
            self.counts["street_ways"] += 1
            self.street_ids.append(w.id)
            self.street_refs.extend(refs)
            self.street_lonlat.extend(lonlat)
            self.street_start.append(len(self.street_refs))
            self.street_tags.append(_pick(tags, STREET_TAG_KEYS))
        if self.buildings:
            refs, lonlat = self._building_way(w, tags, refs, lonlat)
        name = tags.get("name")
        if name:
            if refs is None:
                refs, lonlat = self._nodes(w)
            self.named_ways.append((name, place_kind(tags)))
            self.named_way_lonlat.extend(lonlat)
            self.named_way_counts.append(len(lonlat) // 2)

    def _building_way(self, w: Any, tags: Any, refs: list[int] | None,
                      lonlat: list[float]) -> tuple[list[int] | None, list[float]]:
        """Keep a building way the extract cuts, and the member ways of building multipolygons."""
        member = w.id in self.relations.member_ways
        if tags.get("building") is not None:
            self.counts["building_ways"] += 1
            try:
                # a complete ring needs no copy here: osmium assembles it as an area
                self.wkb.create_linestring(w)
                complete = True
            except self.invalid:
                complete = False
            if not complete:
                if refs is None:
                    refs, lonlat = self._nodes(w)
                self.cut_ways.append((w.id, np.asarray(lonlat, dtype=float).reshape(-1, 2),
                                      _pick(tags, BUILDING_TAG_KEYS)))
        if member:
            if refs is None:
                refs, lonlat = self._nodes(w)
            self.member_rings[w.id] = (np.asarray(refs, dtype=np.int64), np.asarray(lonlat, dtype=float).reshape(-1, 2))
        return refs, lonlat

    def area(self, a: Any) -> None:
        tags = a.tags
        kind = _area_kind(tags)
        if kind is None:
            return
        from_way = a.from_way()
        if kind == "building" and not from_way:
            self.assembled.add(a.orig_id())
        if kind == "building" and not self.buildings:
            return
        try:
            wkb = bytes.fromhex(self.wkb.create_multipolygon(a))
        except self.invalid:
            # osmium refuses a few broken rings; the area is then left out, and counted
            self.counts["areas_not_assembled"] = self.counts.get("areas_not_assembled", 0) + 1
            return
        self.area_wkb[kind].append(wkb)
        if kind == "building":
            self.area_ids.append(("way" if from_way else "relation", a.orig_id()))
            self.area_tags.append(_pick(tags, BUILDING_TAG_KEYS))


def _key_filter(keys: tuple[str, ...], entities: Any) -> Any:
    import osmium  # noqa: PLC0415

    filt = osmium.filter.KeyFilter(*keys)
    filt.enable_for(entities)
    return filt


def _run_passes(path: Path, relations: _Relations, collector: _Collector, *, index: str, areas: bool) -> None:
    import osmium  # noqa: PLC0415

    area_filter = _key_filter(_AREA_KEYS, osmium.osm.ALL)
    handlers: list[Any] = []
    if areas:
        manager = osmium.area.AreaManager()
        with osmium.io.Reader(str(path), osmium.osm.RELATION) as reader:
            osmium.apply(reader, relations, area_filter, manager.first_pass_handler())
        handlers.append(manager.second_pass_handler(area_filter, collector))
    locations = osmium.NodeLocationsForWays(osmium.index.create_map(index))
    locations.ignore_errors()
    node_filter = _key_filter(("name", "man_made"), osmium.osm.NODE)
    with osmium.io.Reader(str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION) as reader:
        osmium.apply(reader, locations, *handlers, node_filter, collector)


def scan_osm_file(
    path: str | Path, *, buildings: bool = True, areas: bool = True, index: str = "auto",
    progress: Progress | None = None, error: type[Exception] = DatasetError,
) -> OsmScan:
    """Read everything a dataset needs from an OSM PBF or XML extract in one pass.

    Node locations go to osmium's index (in memory while they fit, else a file on
    disk: :func:`location_index`); complete buildings, water and parks are assembled
    by osmium's area handler (ways, and multipolygon relations whose inner rings are
    courtyards; it reads the relations first, a short pass over the file); buildings
    the extract cuts are closed along its box and clipped to it.

    Parameters
    ----------
    path
        An ``.osm.pbf`` or ``.osm`` file.
    buildings
        Read buildings and passages (off: only streets, cameras, names, water and parks).
    areas
        Assemble areas at all (off: no buildings, water or parks; the fastest pass).
    index
        osmium's node location index (``"auto"``: :func:`location_index`).
    progress
        Called with a short message now and then.
    error
        The error raised when the file cannot be read.

    Raises
    ------
    Exception
        ``error`` when the file is missing or cannot be read as OSM data.
    """
    say = progress or (lambda _msg: None)
    path = Path(path)
    if not path.is_file():
        msg = f"OSM file not found: {path}"
        raise error(msg)
    started = time.perf_counter()
    buildings = buildings and areas
    index_file: Path | None = None
    if index == "auto":
        index, index_file = location_index(path)
    relations = _Relations(buildings=buildings)
    collector = _Collector(relations, buildings=buildings, say=say)
    where = "in memory" if index_file is None else f"on disk ({index.split(',')[0]})"
    say(f"Reading {path.name} ({path.stat().st_size / 1e6:,.0f} MB) in one pass, node locations {where}")
    try:
        _run_passes(path, relations, collector, index=index, areas=areas)
        box = read_box(path)
    except RuntimeError as err:
        msg = f"cannot read OSM file {path}: {err}. Give an .osm.pbf or .osm (XML) extract."
        raise error(msg) from err
    finally:
        if index_file is not None:
            with contextlib.suppress(OSError):
                index_file.unlink()
    scan = _finish(path, relations, collector, box=box, say=say)
    scan.seconds = time.perf_counter() - started
    scan.locations = index.split(",")[0]
    return scan


def _finish(path: Path, relations: _Relations, c: _Collector, *, box: tuple[float, float, float, float] | None,
            say: Progress) -> OsmScan:
    streets = WayTable(
        ids=np.frombuffer(c.street_ids, dtype=np.int64).copy(),
        start=np.frombuffer(c.street_start, dtype=np.int64).copy(),
        refs=np.frombuffer(c.street_refs, dtype=np.int64).copy(),
        lonlat=np.frombuffer(c.street_lonlat, dtype=np.float64).reshape(-1, 2).copy(),
        tags=c.street_tags,
    )
    if box is None:
        box = _box_of_what_was_read(streets, c)
    counts = dict(c.counts)
    counts["building_relations"] = len(relations.members)
    counts["cameras_tagged"] = len(c.surveillance)
    buildings = BuildingFootprints.empty()
    passages = Passages.empty()
    if c.buildings:
        say(f"Keeping {len(c.area_wkb['building']):,} buildings osmium assembled; clipping {len(c.cut_ways):,} cut "
            f"ways and {len(relations.members) - len(c.assembled):,} cut multipolygons to the extract's box")
        buildings, clip_counts = _buildings(c, relations, box)
        counts.update(clip_counts)
        passages = Passages.from_streets(streets)
    areas = {kind: _outer_rings(c.area_wkb[kind]) for kind in ("water", "park")}
    named = c.named + _way_places(c.named_ways, np.frombuffer(c.named_way_lonlat, dtype=np.float64).reshape(-1, 2),
                                  np.asarray(c.named_way_counts, dtype=np.int64))
    return OsmScan(path=path, streets=streets, buildings=buildings, passages=passages, surveillance=c.surveillance,
                   named=named, areas=areas, box=box, counts=counts)


def _way_places(names: list[tuple[str, str]], lonlat: np.ndarray,
                counts: np.ndarray) -> list[tuple[str, float, float, str]]:
    """Each named way at its vertex nearest the mean of its vertices the extract holds: inside it even when L-shaped.

    Sums run in vertex order and ties go to the first vertex, as a loop over the
    vertices would take them.
    """
    if not names:
        return []
    group = np.repeat(np.arange(len(names)), counts)
    held = ~np.isnan(lonlat[:, 0])
    n_held = np.bincount(group[held], minlength=len(names))
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.column_stack([np.bincount(group[held], weights=lonlat[held, k], minlength=len(names))
                                for k in (0, 1)]) / n_held[:, None]
    gap = lonlat - mean[group]
    d2 = gap[:, 0] ** 2 + gap[:, 1] ** 2
    d2[~held] = np.inf
    order = np.lexsort((d2, group))
    first = np.ones(len(order), dtype=bool)
    first[1:] = group[order][1:] != group[order][:-1]
    best = np.full(len(names), -1, dtype=np.int64)
    best[group[order][first]] = order[first]
    out = []
    for (name, kind), at, n in zip(names, best.tolist(), n_held.tolist(), strict=True):
        if n:
            out.append((name, float(lonlat[at, 0]), float(lonlat[at, 1]), kind))
    return out


def _buildings(c: _Collector, relations: _Relations,
               box: tuple[float, float, float, float] | None) -> tuple[BuildingFootprints, dict[str, int]]:
    """Complete buildings as osmium assembled them, then the cut ones closed along the box and clipped to it."""
    import shapely  # noqa: PLC0415 - only needed when buildings are read

    edge = ExtractBox(box) if box is not None else None
    geoms: list[Any] = c.area_wkb["building"]  # WKB; the clipped ones are added as WKB too
    kinds = [kind for kind, _ in c.area_ids]
    ids = [osm_id for _, osm_id in c.area_ids]
    tags = list(c.area_tags)
    clipped = [False] * len(geoms)
    dropped = 0
    for way_id, lonlat, way_tags in c.cut_ways:
        geom = clip_ring(lonlat, edge)
        if geom is None:
            dropped += 1
            continue
        geoms.append(shapely.to_wkb(geom))
        kinds.append("way")
        ids.append(way_id)
        tags.append(way_tags)
        clipped.append(True)
    for rel_id, members in relations.members.items():
        if rel_id in c.assembled:
            continue
        rings = {role: [c.member_rings[ref] for ref, r in members if (r == "inner") == (role == "inner")
                        and ref in c.member_rings] for role in ("outer", "inner")}
        geom = clip_multipolygon(join_chains(rings["outer"]), join_chains(rings["inner"]), edge)
        if geom is None:
            dropped += 1
            continue
        geoms.append(shapely.to_wkb(geom))
        kinds.append("relation")
        ids.append(rel_id)
        tags.append(relations.tags[rel_id])
        clipped.append(True)
    footprints = BuildingFootprints.from_geometries(geoms, osm_type=kinds, osm_id=ids, clipped=clipped, tags=tags)
    counts = {"buildings": len(footprints), "buildings_complete": len(c.area_ids),
              "buildings_clipped_to_box": int(sum(clipped)), "buildings_dropped_too_little_in_box": dropped}
    return footprints, counts


def _box_of_what_was_read(streets: WayTable, c: _Collector) -> tuple[float, float, float, float] | None:
    pts = [streets.lonlat, *(ring for _, ring, _ in c.cut_ways), *(xy for _, xy in c.member_rings.values())]
    stacked = np.concatenate([p for p in pts if len(p)]) if any(len(p) for p in pts) else np.empty((0, 2))
    stacked = stacked[~np.isnan(stacked[:, 0])]
    if len(stacked) == 0:
        return None
    (west, south), (east, north) = stacked.min(axis=0), stacked.max(axis=0)
    return float(west), float(south), float(east), float(north)


def _outer_rings(wkbs: list[bytes]) -> list[list[list[float]]]:
    """Outer rings of assembled areas, as closed ``[lon, lat]`` lists (6 decimals)."""
    if not wkbs:
        return []
    import shapely  # noqa: PLC0415

    geoms = shapely.from_wkb(wkbs)
    parts = shapely.get_parts(geoms)
    rings = shapely.get_exterior_ring(parts)
    coords, which = shapely.get_coordinates(rings, return_index=True)
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(which)) + 1, [len(which)]])
    rounded = np.round(coords, 6).tolist()
    return [rounded[a:b] for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


def scan_surveillance(path: str | Path, *, error: type[Exception] = DatasetError) -> list[SurveillanceObject]:
    """The ``man_made=surveillance`` objects of an OSM PBF or XML file, in file order, without locating ways.

    Only the objects so tagged reach Python: reading the cameras of a city's
    extract takes seconds. A way or relation has no position here (NaN).

    Raises
    ------
    Exception
        ``error`` when the file cannot be read as OSM data.
    """
    import osmium  # noqa: PLC0415

    found: list[SurveillanceObject] = []
    nan = float("nan")
    kinds = {"n": "node", "w": "way", "r": "relation"}
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY | osmium.osm.RELATION)
        for obj in processor.with_filter(osmium.filter.TagFilter(("man_made", "surveillance"))):
            kind = kinds[obj.type_str()]
            if kind == "node":
                loc = obj.location  # type: ignore[union-attr]
                lon, lat = (loc.lon, loc.lat) if loc.valid() else (nan, nan)
            else:
                lon = lat = nan
            found.append(SurveillanceObject(kind, obj.id, lon, lat, dict(obj.tags),
                                            obj.version))  # type: ignore[union-attr]
    except RuntimeError as err:
        msg = f"cannot read OSM file {path}: {err}"
        raise error(msg) from err
    return found
