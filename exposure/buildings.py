"""Building footprints as obstacles to cameras' views: read from OSM or polygons, walls indexed for viewsheds."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely

from exposure._errors import DatasetError
from exposure._osm_rings import ExtractBox, Ring, clip_relation, clip_ring, present_runs

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    import networkx as nx

__all__ = [
    "DEFAULT_PASSAGE_WIDTH_M",
    "Buildings",
    "OsmBuildingReader",
    "Walls",
    "blocks_from_polygons",
    "buildings_from_osm_file",
    "buildings_from_polygons",
    "is_obstacle",
    "is_passage",
    "no_buildings",
    "passages_from_graph",
    "walls_from_polygons",
]

#: Width of the opening cut through a building along a street that runs through it
#: (``tunnel``, ``covered``, ``tunnel=building_passage``, ``layer`` < 0), in metres, when the
#: way has no ``width`` tag: a gateway for one vehicle or a pedestrian arcade is 3-4 m wide.
DEFAULT_PASSAGE_WIDTH_M = 3.0

#: Narrowest and widest opening a ``width`` tag may give, in metres.
_PASSAGE_WIDTH_RANGE_M = (1.0, 20.0)

#: Walls are binned on square cells this wide, in metres.
DEFAULT_CELL_M = 32.0

#: Smallest obstacle kept, in square metres: slivers left by cutting openings are no wall.
_MIN_AREA_M2 = 0.05


# --------------------------------------------------------------------------- tags


def is_obstacle(tags: dict[str, str]) -> bool:
    """Whether an OSM object tagged ``building`` blocks a view at street level.

    Roofs on pillars (``building=roof``, canopies over platforms and petrol stations)
    and buildings below ground (``layer`` < 0, ``location=underground``) do not.
    """
    building = tags.get("building")
    if building is None or building in {"no", "roof"}:
        return False
    if tags.get("location") in {"underground", "underwater"}:
        return False
    return not _layer(tags) < 0


def _layer(tags: dict[str, str]) -> float:
    try:
        return float(tags.get("layer", "0").split(";")[0])
    except ValueError:
        return 0.0


def is_passage(tags: dict[str, str]) -> bool:
    """Whether a street way runs through buildings rather than between them.

    ``tunnel`` (any value but ``no``, including ``building_passage``), ``covered``
    (any value but ``no``) or a negative ``layer``: such a street is not walled off by
    the building it crosses (:func:`blocks_from_polygons` cuts an opening along it).
    """
    if "highway" not in tags:
        return False
    if tags.get("tunnel", "no") != "no" or tags.get("covered", "no") != "no":
        return True
    return _layer(tags) < 0


def _passage_width_m(tags: dict[str, str]) -> float:
    """The opening's width: the way's ``width`` tag in metres where it reads as one, else the default."""
    text = tags.get("width", "").strip().removesuffix("m").strip()
    try:
        width = float(text)
    except ValueError:
        return DEFAULT_PASSAGE_WIDTH_M
    if not math.isfinite(width):
        return DEFAULT_PASSAGE_WIDTH_M
    return min(max(width, _PASSAGE_WIDTH_RANGE_M[0]), _PASSAGE_WIDTH_RANGE_M[1])


# --------------------------------------------------------------------------- walls


@dataclass(frozen=True)
class Walls:
    """Building walls as straight segments in a metric CRS, binned on a square grid.

    Wall ``i`` runs from ``seg[i, 0:2]`` to ``seg[i, 2:4]``. The walls of grid cell
    ``(cx, cy)`` (cell ``k = cx * shape[1] + cy``, its lower-left corner at
    ``origin + cell_m * (cx, cy)``) are ``cell_walls[cell_ptr[k]:cell_ptr[k + 1]]``;
    a wall is listed in every cell its bounding box touches.
    """

    seg: np.ndarray
    origin: np.ndarray
    cell_m: float
    shape: tuple[int, int]
    cell_ptr: np.ndarray
    cell_walls: np.ndarray

    @property
    def n_walls(self) -> int:
        """Number of wall segments."""
        return len(self.seg)

    def near(self, x: float, y: float, radius_m: float) -> np.ndarray:
        """Indices of the walls that come within ``radius_m`` of the point ``(x, y)``, sorted."""
        if self.n_walls == 0:
            return np.empty(0, dtype=np.int64)
        lo = np.floor((np.array([x, y]) - radius_m - self.origin) / self.cell_m).astype(np.int64)
        hi = np.floor((np.array([x, y]) + radius_m - self.origin) / self.cell_m).astype(np.int64)
        lo = np.clip(lo, 0, np.array(self.shape) - 1)
        hi = np.clip(hi, 0, np.array(self.shape) - 1)
        found = [
            self.cell_walls[self.cell_ptr[k] : self.cell_ptr[k + 1]]
            for cx in range(int(lo[0]), int(hi[0]) + 1)
            for k in range(cx * self.shape[1] + int(lo[1]), cx * self.shape[1] + int(hi[1]) + 1)
        ]
        cand = np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.int64)
        p, q = self.seg[cand, :2], self.seg[cand, 2:]
        d = q - p
        dd = np.maximum((d * d).sum(axis=1), 1e-300)
        t = np.clip(((np.array([x, y]) - p) * d).sum(axis=1) / dd, 0.0, 1.0)
        gap = np.hypot(*(p + t[:, None] * d - np.array([x, y])).T)
        near: np.ndarray = cand[gap <= radius_m]
        return near


def _expand(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs of ``counts[i]`` elements: the run of each element and its rank in the run."""
    run = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
    rank = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
    return run, rank


def walls_from_polygons(polygons: np.ndarray, *, cell_m: float = DEFAULT_CELL_M) -> Walls:
    """Every ring edge of the polygons (outer walls and courtyard walls) as an indexed :class:`Walls`.

    Parameters
    ----------
    polygons
        Shapely polygons in a metric CRS.
    cell_m
        Width of the grid cells, in metres.
    """
    if not cell_m > 0:
        msg = f"cell_m must be a positive number of metres, got {cell_m!r}"
        raise ValueError(msg)
    rings = shapely.get_rings(np.asarray(polygons, dtype=object)) if len(polygons) else np.empty(0, dtype=object)
    coords, ring = shapely.get_coordinates(rings, return_index=True) if len(rings) else (np.empty((0, 2)), [])
    ring = np.asarray(ring)
    same = ring[1:] == ring[:-1] if len(ring) else np.zeros(0, dtype=bool)
    seg = np.column_stack([coords[:-1][same], coords[1:][same]]) if len(ring) else np.empty((0, 4))
    seg = seg[np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1]) > 0].astype(np.float64).reshape(-1, 4)
    if len(seg) == 0:
        return Walls(seg, np.zeros(2), float(cell_m), (1, 1), np.zeros(2, dtype=np.int64), np.empty(0, dtype=np.int64))
    lo = np.minimum(seg[:, :2], seg[:, 2:])
    hi = np.maximum(seg[:, :2], seg[:, 2:])
    origin = lo.min(axis=0)
    shape = np.floor((hi.max(axis=0) - origin) / cell_m).astype(np.int64) + 1
    c0 = np.floor((lo - origin) / cell_m).astype(np.int64)
    c1 = np.floor((hi - origin) / cell_m).astype(np.int64)
    nx_, ny_ = c1[:, 0] - c0[:, 0] + 1, c1[:, 1] - c0[:, 1] + 1
    wall, k = _expand(nx_ * ny_)
    cell = (c0[wall, 0] + k // ny_[wall]) * shape[1] + c0[wall, 1] + k % ny_[wall]
    order = np.argsort(cell, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(cell, minlength=int(shape[0] * shape[1])))]).astype(np.int64)
    return Walls(seg, origin, float(cell_m), (int(shape[0]), int(shape[1])), ptr, wall[order])


# --------------------------------------------------------------------------- obstacles


@dataclass(frozen=True)
class Buildings:
    """A dataset's buildings as obstacles to views, in a metric CRS.

    ``polygons`` are blocks: buildings that touch or overlap are merged (so that a
    wall two buildings share is no obstacle between them and a camera mapped inside
    one sees out of the block's façade), with openings cut along the streets that run
    through them. ``walls`` are their rings' edges, indexed. ``report`` says what was
    read and what became of it: from an OSM file ``building_ways`` and
    ``building_relations`` (tagged ``building``), ``skipped_not_obstacles`` (roofs,
    underground), ``complete`` (assembled by osmium), ``clipped_to_box`` (cut by the
    extract's box, closed along it), ``dropped_too_little_in_box`` (fewer than two of
    their nodes in the extract); then ``building_parts``, ``merged_into_blocks``,
    ``blocks``, ``blocks_cut_by_passages``, ``passages`` and ``walls``.
    """

    crs: str
    polygons: np.ndarray
    walls: Walls
    report: dict[str, Any] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Whether there is no obstacle at all (views are then not cut by walls)."""
        return len(self.polygons) == 0

    def around(self, lonlat: np.ndarray, reach_m: float) -> Buildings:
        """The obstacles within ``reach_m`` of the box around some WGS84 points (e.g. a walk), walls indexed anew.

        A walk crosses a few blocks of a city of hundreds of thousands of buildings:
        views along it are cut by these only.
        """
        if self.is_empty or len(lonlat) == 0:
            return self
        to_xy = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        x, y = to_xy.transform(np.asarray(lonlat)[:, 0], np.asarray(lonlat)[:, 1])
        box = shapely.box(float(np.min(x)) - reach_m, float(np.min(y)) - reach_m, float(np.max(x)) + reach_m,
                          float(np.max(y)) + reach_m)
        near = np.sort(shapely.STRtree(self.polygons).query(box, predicate="intersects"))
        if len(near) == len(self.polygons):
            return self
        polygons = self.polygons[near]
        return Buildings(self.crs, polygons, walls_from_polygons(polygons, cell_m=self.walls.cell_m),
                         {**self.report, "blocks_near": len(polygons)})

    def to_crs(self, crs: str | pyproj.CRS) -> Buildings:
        """The same obstacles in another metric CRS (these very ones when the CRS is theirs)."""
        target = pyproj.CRS.from_user_input(crs)
        if target.equals(pyproj.CRS.from_user_input(self.crs)):
            return self
        to_xy = pyproj.Transformer.from_crs(self.crs, target, always_xy=True)
        polygons: np.ndarray = (shapely.transform(self.polygons, lambda xy: np.column_stack(
            to_xy.transform(xy[:, 0], xy[:, 1]))) if len(self.polygons) else self.polygons)
        return Buildings(target.to_string(), polygons, walls_from_polygons(polygons, cell_m=self.walls.cell_m),
                         dict(self.report))

    def to_wgs84(self) -> np.ndarray:
        """The obstacle polygons in WGS84 longitude/latitude (for maps and exports)."""
        back = pyproj.Transformer.from_crs(self.crs, "EPSG:4326", always_xy=True)
        lonlat: np.ndarray = shapely.transform(
            self.polygons, lambda xy: np.column_stack(back.transform(xy[:, 0], xy[:, 1])))
        return lonlat


def no_buildings(crs: str | pyproj.CRS) -> Buildings:
    """Obstacles of a dataset with no building data: views are not cut by walls."""
    return Buildings(pyproj.CRS.from_user_input(crs).to_string(), np.empty(0, dtype=object),
                     walls_from_polygons(np.empty(0, dtype=object)), {"buildings": 0, "note": "no building data"})


def _polygon_parts(geoms: np.ndarray) -> np.ndarray:
    """Valid polygon parts of any geometries (lines, points and empties dropped)."""
    if len(geoms) == 0:
        return np.empty(0, dtype=object)
    geoms = shapely.make_valid(np.asarray(geoms, dtype=object))
    parts = shapely.get_parts(geoms)
    # make_valid may return collections holding lines beside the polygons
    parts = shapely.get_parts(parts)
    keep = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    parts = parts[keep]
    kept: np.ndarray = parts[shapely.area(parts) > _MIN_AREA_M2]
    return kept


def _merge_touching(polys: np.ndarray) -> tuple[np.ndarray, int]:
    """Union every group of polygons that touch or overlap; lone polygons pass unchanged."""
    from scipy.sparse import coo_matrix  # noqa: PLC0415 - only for building obstacles
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    n = len(polys)
    if n < 2:
        return polys, 0
    tree = shapely.STRtree(polys)
    left, right = tree.query(polys, predicate="intersects")
    pair = left < right
    graph = coo_matrix((np.ones(int(pair.sum())), (left[pair], right[pair])), shape=(n, n))
    _, label = connected_components(graph, directed=False)
    size = np.bincount(label)
    alone = size[label] == 1
    out = [polys[alone]]
    grouped = np.flatnonzero(~alone)
    order = grouped[np.argsort(label[grouped], kind="stable")]
    bounds = np.flatnonzero(np.diff(label[order])) + 1
    merged = [shapely.union_all(polys[group]) for group in np.split(order, bounds) if len(group)]
    if merged:
        out.append(_polygon_parts(np.asarray(merged, dtype=object)))
    return np.concatenate(out), int(len(polys) - alone.sum())


def _cut_openings(blocks: np.ndarray, passages: Sequence[tuple[Any, float]]) -> tuple[np.ndarray, int]:
    """Cut a corridor along each passage line (its width given) through the blocks it crosses."""
    lines = [(line, width) for line, width in passages if line is not None and not shapely.is_empty(line)]
    if not lines or len(blocks) == 0:
        return blocks, 0
    corridors = shapely.buffer(np.asarray([ln for ln, _ in lines], dtype=object),
                               np.asarray([w / 2.0 for _, w in lines]), cap_style="square", join_style="mitre")
    tree = shapely.STRtree(blocks)
    corridor_i, block_i = tree.query(corridors, predicate="intersects")
    if len(block_i) == 0:
        return blocks, 0
    hit = np.unique(block_i)
    cut = []
    for b in hit:
        cut.append(shapely.difference(blocks[b], shapely.union_all(corridors[corridor_i[block_i == b]])))
    kept = np.ones(len(blocks), dtype=bool)
    kept[hit] = False
    return np.concatenate([blocks[kept], _polygon_parts(np.asarray(cut, dtype=object))]), len(hit)


def blocks_from_polygons(polygons: np.ndarray, *, passages: Sequence[tuple[Any, float]] = ()) -> tuple[
        np.ndarray, dict[str, int]]:
    """Obstacle blocks from building polygons: valid parts, touching ones merged, openings cut.

    Parameters
    ----------
    polygons
        Building polygons or multipolygons in a metric CRS (holes are courtyards).
    passages
        ``(line, width_m)`` pairs in the same CRS: streets that run through
        buildings; a corridor of that width is cut along each.

    Returns
    -------
    blocks, counts
        The obstacle polygons and how many buildings were merged and blocks cut.
    """
    parts = _polygon_parts(np.asarray(polygons, dtype=object))
    blocks, merged = _merge_touching(parts)
    blocks, cut = _cut_openings(blocks, passages)
    return blocks, {"building_parts": len(parts), "merged_into_blocks": merged, "blocks": len(blocks),
                    "blocks_cut_by_passages": cut}


def _finish(polygons: np.ndarray, *, crs: pyproj.CRS, passages: Sequence[tuple[Any, float]], cell_m: float,
            report: dict[str, Any]) -> Buildings:
    blocks, counts = blocks_from_polygons(polygons, passages=passages)
    walls = walls_from_polygons(blocks, cell_m=cell_m)
    return Buildings(crs.to_string(), blocks, walls,
                     {**report, **counts, "passages": len(passages), "walls": walls.n_walls})


def buildings_from_polygons(
    polygons: gpd.GeoDataFrame | gpd.GeoSeries | Iterable[Any], *, crs: str | pyproj.CRS,
    source_crs: str | pyproj.CRS = "EPSG:4326", passages: Iterable[tuple[Any, float]] = (),
    cell_m: float = DEFAULT_CELL_M,
) -> Buildings:
    """Obstacles from building polygons, e.g. osmnx's ``features_from_*(tags={"building": True})``.

    Parameters
    ----------
    polygons
        A GeoDataFrame or GeoSeries (its own CRS is used; points and lines are
        dropped; rows failing :func:`is_obstacle` on their tag columns, such as
        ``building=roof``, too), or shapely geometries in ``source_crs``.
    crs
        Metric CRS of the result (the network's).
    source_crs
        CRS of plain geometries (ignored for a GeoDataFrame or GeoSeries).
    passages
        ``(line, width_m)`` pairs in ``source_crs`` (WGS84 by default): streets that
        run through buildings, e.g. from :func:`passages_from_graph`.
    cell_m
        Width of the wall grid's cells, in metres.
    """
    crs = pyproj.CRS.from_user_input(crs)
    geoms, source_crs, skipped = _geometries(polygons, source_crs)
    to_xy = pyproj.Transformer.from_crs(source_crs, crs, always_xy=True)

    def project(g: np.ndarray) -> np.ndarray:
        if len(g) == 0:
            return g
        projected: np.ndarray = shapely.transform(g, lambda xy: np.column_stack(to_xy.transform(xy[:, 0], xy[:, 1])))
        return projected

    lines = list(passages)
    projected = project(np.asarray([ln for ln, _ in lines], dtype=object))
    return _finish(project(geoms), crs=crs,
                   passages=[(p, w) for p, (_, w) in zip(projected, lines, strict=True)], cell_m=cell_m,
                   report={"source": "polygons", "buildings": len(geoms), "skipped_not_obstacles": skipped})


def _geometries(polygons: Any, source_crs: str | pyproj.CRS) -> tuple[np.ndarray, Any, int]:
    """Geometries of a GeoDataFrame (obstacles only), GeoSeries or plain shapes; their CRS; how many were left out."""
    if not hasattr(polygons, "geometry"):
        return np.asarray(list(polygons), dtype=object), source_crs, 0
    skipped = 0
    if hasattr(polygons, "columns"):
        if "building" in polygons.columns:
            tag_columns = [c for c in ("building", "layer", "location") if c in polygons.columns]
            keep = np.array([is_obstacle({k: v for k, v in row.items() if isinstance(v, str)})
                             for row in polygons[tag_columns].to_dict("records")], dtype=np.bool_)
            skipped = int(len(keep) - keep.sum())
            polygons = polygons[keep]
        values = polygons.geometry.array
    else:
        values = polygons.array
    crs = polygons.crs if polygons.crs is not None else source_crs
    return np.asarray(values, dtype=object), crs, skipped


def passages_from_graph(G: nx.MultiDiGraph) -> list[tuple[Any, float]]:
    """The streets of an osmnx graph that run through buildings, as ``(line, width_m)`` in WGS84.

    osmnx keeps ``tunnel`` (and ``layer``, ``covered`` when asked to); each street
    is listed once, whichever ways it can be walked.
    """
    from shapely.geometry import LineString  # noqa: PLC0415

    out: list[tuple[Any, float]] = []
    seen: set[tuple[int, int]] = set()
    for u, v, d in G.edges(data=True):
        tags = {k: (str(d[k][0]) if isinstance(d[k], list) else str(d[k]))
                for k in ("highway", "tunnel", "covered", "layer", "width") if k in d}
        if not is_passage(tags) or (min(u, v), max(u, v)) in seen:
            continue
        seen.add((min(u, v), max(u, v)))
        line = d.get("geometry") or LineString([(G.nodes[u]["x"], G.nodes[u]["y"]),
                                                 (G.nodes[v]["x"], G.nodes[v]["y"])])
        out.append((line, _passage_width_m(tags)))
    return out


# --------------------------------------------------------------------------- OSM files


class OsmBuildingReader:
    """Collects buildings and passages from one pass over an OSM file with pyosmium.

    Feed it the objects of a ``osmium.FileProcessor`` run with locations and areas:
    :meth:`relation` (the building multipolygons' members, before the ways),
    :meth:`way` and :meth:`area`; then :meth:`finish`. Complete buildings come from
    osmium's area assembly (ways, and multipolygons whose inner rings are courtyards);
    a building the extract cuts (nodes or member ways outside its box) is closed along
    the box's edge between where it leaves the box and where it comes back, then
    clipped to the box, instead of being dropped.
    """

    def __init__(self, crs: str | pyproj.CRS) -> None:
        self.crs = pyproj.CRS.from_user_input(crs)
        self._to_xy = pyproj.Transformer.from_crs("EPSG:4326", self.crs, always_xy=True)
        self._wkb: Any = None
        self.areas: list[bytes] = []
        self.relations: dict[int, list[tuple[int, str]]] = {}
        self.member_ways: set[int] = set()
        self.cut_ways: list[Ring] = []
        self.member_rings: dict[int, Ring] = {}
        self.assembled: set[int] = set()
        self.passages: list[tuple[np.ndarray, float]] = []
        self.counts: dict[str, int] = {"building_ways": 0, "building_relations": 0, "skipped_not_obstacles": 0}

    def relation(self, r: Any) -> None:
        """Note a building multipolygon and its member ways."""
        tags = dict(r.tags)
        if "building" not in tags or tags.get("type") != "multipolygon":
            return
        self.counts["building_relations"] += 1
        if not is_obstacle(tags):
            self.counts["skipped_not_obstacles"] += 1
            return
        members = [(m.ref, m.role or "outer") for m in r.members if m.type == "w"]
        self.relations[r.id] = members
        self.member_ways.update(ref for ref, _ in members)

    def _ring(self, w: Any) -> Ring:
        refs = [nd.ref for nd in w.nodes]
        lonlat = np.array([(nd.location.lon, nd.location.lat) if nd.location.valid() else (np.nan, np.nan)
                           for nd in w.nodes], dtype=float).reshape(-1, 2)
        x, y = self._to_xy.transform(lonlat[:, 0], lonlat[:, 1])
        return Ring(refs, np.column_stack([x, y]))

    def way(self, w: Any) -> None:
        """Keep a cut building way's nodes, a building relation's member ways, and passages."""
        tags = w.tags
        if "building" in tags:
            plain = dict(tags)
            self.counts["building_ways"] += 1
            if not is_obstacle(plain):
                self.counts["skipped_not_obstacles"] += 1
            elif not all(nd.location.valid() for nd in w.nodes):
                self.cut_ways.append(self._ring(w))
        if w.id in self.member_ways:
            self.member_rings[w.id] = self._ring(w)
        if "highway" in tags and is_passage(dict(tags)):
            ring = self._ring(w)
            self.passages.append((ring.xy, _passage_width_m(dict(tags))))

    def area(self, a: Any) -> None:
        """Keep a building assembled by osmium (its WKB, in WGS84)."""
        tags = dict(a.tags)
        if "building" not in tags:
            return
        if not a.from_way():
            self.assembled.add(a.orig_id())
        if not is_obstacle(tags):
            return
        if self._wkb is None:
            import osmium  # noqa: PLC0415 - heavy C extension, only needed to build

            self._wkb = osmium.geom.WKBFactory()
        try:
            self.areas.append(bytes.fromhex(self._wkb.create_multipolygon(a)))
        except RuntimeError:
            # osmium refuses a few broken rings; the building is then left out, and counted
            self.counts["unassembled"] = self.counts.get("unassembled", 0) + 1

    def finish(self, *, box_lonlat: tuple[float, float, float, float] | None, cell_m: float = DEFAULT_CELL_M,
               cut_passages: bool = True) -> Buildings:
        """The obstacles: assembled buildings, cut ones clipped to the extract's box, openings cut if asked."""
        geoms = shapely.from_wkb(self.areas) if self.areas else np.empty(0, dtype=object)
        if len(geoms):
            geoms = shapely.transform(geoms, lambda xy: np.column_stack(self._to_xy.transform(xy[:, 0], xy[:, 1])))
        box = self._box(box_lonlat)
        clipped = [clip_ring(ring, box) for ring in self.cut_ways]
        pending = {rid: members for rid, members in self.relations.items() if rid not in self.assembled}
        clipped += [clip_relation(members, self.member_rings, box) for members in pending.values()]
        clipped_geoms = np.asarray([g for g in clipped if g is not None and not g.is_empty], dtype=object)
        passages = []
        for xy, width in self.passages if cut_passages else []:
            for run in present_runs(xy):
                passages.append((shapely.linestrings(run), width))
        report = {
            "source": "osm", **self.counts,
            "complete": len(self.areas), "clipped_to_box": len(clipped_geoms),
            "dropped_too_little_in_box": len(clipped) - len(clipped_geoms),
        }
        return _finish(np.concatenate([geoms, clipped_geoms]), crs=self.crs, passages=passages, cell_m=cell_m,
                       report=report)

    def _box(self, box_lonlat: tuple[float, float, float, float] | None) -> ExtractBox | None:
        """The extract's box in the metric CRS (or the bounds of the cut buildings' own nodes)."""
        if box_lonlat is None:
            pts = [r.xy[~np.isnan(r.xy[:, 0])] for r in [*self.cut_ways, *self.member_rings.values()]]
            pts = [p for p in pts if len(p)]
            if not pts:
                return None
            (west, south), (east, north) = np.concatenate(pts).min(axis=0), np.concatenate(pts).max(axis=0)
            corners = np.array([[west, south], [east, south], [east, north], [west, north], [west, south]])
            return ExtractBox.from_corners(np.stack([corners[k : k + 2] for k in range(4)]))
        west, south, east, north = box_lonlat
        # the box's sides are parallels and meridians: follow each with a few points, counter-clockwise
        t = np.linspace(0.0, 1.0, 9)
        lon = np.stack([west + (east - west) * t, np.full(9, east), east - (east - west) * t, np.full(9, west)])
        lat = np.stack([np.full(9, south), south + (north - south) * t, np.full(9, north), north - (north - south) * t])
        x, y = self._to_xy.transform(lon, lat)
        return ExtractBox.from_corners(np.stack([x, y], axis=-1))


def _file_box(path: Path) -> tuple[float, float, float, float] | None:
    """The box an extract says it covers (its header's bounds), if it says."""
    import osmium  # noqa: PLC0415

    reader = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING)
    try:
        box = reader.header().box()
    finally:
        reader.close()
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def buildings_from_osm_file(path: str | Path, *, crs: str | pyproj.CRS, cell_m: float = DEFAULT_CELL_M,
                            cut_passages: bool = True) -> Buildings:
    """Read an OSM extract's buildings as obstacles (see :class:`OsmBuildingReader`).

    Parameters
    ----------
    path
        An ``.osm.pbf`` or ``.osm`` (XML) file.
    crs
        Metric CRS of the result (the network's).
    cell_m
        Width of the wall grid's cells, in metres.
    cut_passages
        Cut an opening along every street that runs through a building (see
        :func:`is_passage`); False keeps the buildings whole (to measure what the
        openings change).
    """
    import osmium  # noqa: PLC0415 - heavy C extension, only needed to build

    path = Path(path)
    if not path.is_file():
        msg = f"OSM file not found: {path}"
        raise DatasetError(msg)
    reader = OsmBuildingReader(crs)
    try:
        # the multipolygons first, so that the way pass knows which member ways to keep
        relations = osmium.FileProcessor(str(path), osmium.osm.RELATION)
        for rel in relations.with_filter(osmium.filter.KeyFilter("building")):
            reader.relation(rel)
        kinds = osmium.filter.EntityFilter(osmium.osm.WAY | osmium.osm.AREA)
        for obj in osmium.FileProcessor(str(path)).with_locations().with_areas().with_filter(kinds):
            if obj.is_area():  # type: ignore[union-attr]
                reader.area(obj)
            else:
                reader.way(obj)
        box = _file_box(path)
    except RuntimeError as err:
        msg = f"cannot read buildings from OSM file {path}: {err}. Give an .osm.pbf or .osm (XML) extract."
        raise DatasetError(msg) from err
    return reader.finish(box_lonlat=box, cell_m=cell_m, cut_passages=cut_passages)
