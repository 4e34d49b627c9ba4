"""Building footprints as obstacles to cameras' views: blocks from a dataset's footprints or polygons, walls indexed."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely

from exposure.osm_features import (
    BUILDING_TAG_KEYS,
    PASSAGE_TAG_KEYS,
    BuildingFootprints,
    Passages,
    WayTable,
    is_passage,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import geopandas as gpd
    import networkx as nx

__all__ = [
    "DEFAULT_PASSAGE_WIDTH_M",
    "Buildings",
    "Walls",
    "blocks_from_polygons",
    "buildings_from_footprints",
    "buildings_from_polygons",
    "footprints_from_features",
    "is_obstacle",
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
        run through buildings.
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


def _edge_tags(d: dict[str, Any]) -> dict[str, str]:
    """An osmnx edge's passage tags as OSM strings (osmnx keeps a list where it merged ways)."""
    return {k: (str(d[k][0]) if isinstance(d[k], list) else str(d[k]))
            for k in PASSAGE_TAG_KEYS if k in d and d[k] is not None}


def passages_from_graph(G: nx.MultiDiGraph) -> Passages:
    """The streets of an osmnx graph (WGS84) that run through buildings, as :class:`~exposure.osm_features.Passages`.

    osmnx keeps ``tunnel`` (and ``layer``, ``covered`` when asked to); each street
    is listed once, whichever ways it can be walked; its id is the edge's first OSM
    way id. The online builder keeps these beside its buildings, as a build from an
    extract keeps the scan's.
    """
    ids: list[int] = []
    lonlat: list[np.ndarray] = []
    tags: list[dict[str, str]] = []
    seen: set[tuple[int, int]] = set()
    for u, v, d in G.edges(data=True):
        edge_tags = _edge_tags(d)
        if not is_passage(edge_tags) or (min(u, v), max(u, v)) in seen:
            continue
        seen.add((min(u, v), max(u, v)))
        line = d.get("geometry")
        xy = (np.asarray(line.coords, dtype=float) if line is not None
              else np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]], dtype=float))
        osmid = d.get("osmid", -1)
        ids.append(int(osmid[0] if isinstance(osmid, list) else osmid))
        lonlat.append(xy)
        tags.append(edge_tags)
    if not ids:
        return Passages.empty()
    counts = np.array([len(xy) for xy in lonlat], dtype=np.int64)
    start = np.concatenate([[0], np.cumsum(counts)])
    # a graph's edges hold every point: the node refs are not needed to find runs
    table = WayTable(ids=np.asarray(ids, dtype=np.int64), start=start, refs=np.full(int(start[-1]), -1, dtype=np.int64),
                     lonlat=np.concatenate(lonlat), tags=tags)
    return Passages.from_streets(table)


def footprints_from_features(features: gpd.GeoDataFrame) -> BuildingFootprints:
    """Building footprints from osmnx's ``features_from_*(tags={"building": True})`` (the online builder's).

    Polygons and multipolygons only (a building mapped as a node has no outline);
    the index's two levels are the OSM type and id, as osmnx gives them; none is
    clipped (osmnx fetches whole buildings).
    """
    if features is None or len(features) == 0:
        return BuildingFootprints.empty()
    shapes = features.to_crs("EPSG:4326") if features.crs is not None else features
    geometry = shapes.geometry.array
    kinds = shapely.get_type_id(np.asarray(geometry, dtype=object))
    keep = (kinds == shapely.GeometryType.POLYGON) | (kinds == shapely.GeometryType.MULTIPOLYGON)
    shapes = shapes[keep]
    index = shapes.index
    if getattr(index, "nlevels", 1) >= 2:
        osm_type = [str(t) for t in index.get_level_values(0)]
        osm_id = [int(i) for i in index.get_level_values(1)]
    else:
        osm_type, osm_id = ["way"] * len(shapes), [int(i) if str(i).lstrip("-").isdigit() else -1 for i in index]
    columns = [k for k in BUILDING_TAG_KEYS if k in shapes.columns]
    tags = [{k: v for k, v in row.items() if isinstance(v, str)} for row in shapes[columns].to_dict("records")]
    return BuildingFootprints.from_geometries(np.asarray(shapes.geometry.array, dtype=object), osm_type=osm_type,
                                              osm_id=osm_id, clipped=np.zeros(len(shapes), dtype=bool), tags=tags)


def buildings_from_footprints(
    footprints: BuildingFootprints, passages: Passages | None = None, *, crs: str | pyproj.CRS,
    cell_m: float = DEFAULT_CELL_M, cut_passages: bool = True,
) -> Buildings:
    """A dataset's buildings as obstacles: its footprints (:attr:`exposure.datasets.Dataset.buildings`) made blocks.

    The one way a dataset's obstacles are made, whether its footprints came from
    the one pass over an extract (:func:`exposure.osm_scan.scan_osm_file`: complete
    buildings, courtyards as inner rings, those the extract cuts clipped to its box)
    or from the online builder (:func:`footprints_from_features`).

    Parameters
    ----------
    footprints
        The buildings (WGS84) with their tags: those failing :func:`is_obstacle`
        (roofs on pillars, buildings below ground) are left out.
    passages
        Streets that run through buildings (WGS84): an opening is cut along each,
        as wide as its ``width`` tag or :data:`DEFAULT_PASSAGE_WIDTH_M`.
    crs
        Metric CRS of the result (the network's).
    cell_m
        Width of the wall grid's cells, in metres.
    cut_passages
        False keeps the buildings whole (to measure what the openings change).

    Returns
    -------
    Buildings
        The obstacles; ``report`` counts ``buildings`` (``building_ways``,
        ``building_relations``), ``skipped_not_obstacles``, ``complete`` and
        ``clipped_to_box`` (obstacles), then the blocks as :func:`blocks_from_polygons` says.
    """
    crs = pyproj.CRS.from_user_input(crs)
    records = footprints.tags.astype(object).to_dict("records")
    keep = np.array([is_obstacle({k: v for k, v in rec.items() if isinstance(v, str)}) for rec in records],
                    dtype=np.bool_).reshape(-1)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def project(g: np.ndarray) -> np.ndarray:
        if len(g) == 0:
            return g
        projected: np.ndarray = shapely.transform(g, lambda xy: np.column_stack(to_xy.transform(xy[:, 0], xy[:, 1])))
        return projected

    geoms = project(footprints.geometries()[keep]) if len(footprints) else np.empty(0, dtype=object)
    openings: list[tuple[Any, float]] = []
    if cut_passages and passages is not None and len(passages):
        lines = project(passages.lines())
        openings = [(line, _passage_width_m(tags)) for line, tags in zip(lines, passages.tag_dicts(), strict=True)]
    clipped = np.asarray(footprints.clipped, dtype=bool)
    kinds = np.asarray(footprints.osm_type, dtype=object)
    report = {"source": "footprints", "buildings": len(footprints),
              "building_ways": int((kinds == "way").sum()), "building_relations": int((kinds == "relation").sum()),
              "skipped_not_obstacles": int((~keep).sum()), "complete": int((keep & ~clipped).sum()),
              "clipped_to_box": int((keep & clipped).sum())}
    return _finish(geoms, crs=crs, passages=openings, cell_m=cell_m, report=report)
