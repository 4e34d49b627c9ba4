"""Walking street network: build from an OSM extract, index as arrays, export."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
from scipy.sparse import csr_matrix

from exposure._errors import DatasetError
from exposure._simplify import simplified_walk_graph
from exposure.crs import local_crs
from exposure.osm_features import WayTable, present_runs
from exposure.osm_scan import OsmScan, scan_osm_file

if TYPE_CHECKING:
    from collections.abc import Mapping

    import networkx as nx

# networkx, osmnx and shapely are imported where a graph is built or exported: a command that
# only routes on a cached dataset never needs them (osmnx alone pulls in matplotlib).

__all__ = [
    "EXCLUDED_HIGHWAYS",
    "NetworkIndex",
    "graph_from_osm_file",
    "graph_from_scan",
    "graph_to_geojson",
    "index_graph",
    "is_walkable",
    "local_crs",
    "save_graphml",
]

#: ``highway`` values no pedestrian may use (osmnx's "walk" filter, plus areas).
EXCLUDED_HIGHWAYS = frozenset(
    {
        "abandoned", "bus_guideway", "construction", "cycleway", "motor", "no", "planned",
        "platform", "proposed", "raceway", "razed", "motorway", "motorway_link", "bus_stop",
        "rest_area", "services", "emergency_bay",
    }
)
_FOOT_ALLOWED = frozenset({"yes", "designated", "permissive", "destination"})


def is_walkable(tags: Mapping[str, str]) -> bool:
    """Whether pedestrians may walk a way (osmnx's "walk" filter, plus areas), from its tags."""
    highway = tags.get("highway")
    if highway is None or highway in EXCLUDED_HIGHWAYS or tags.get("area") == "yes":
        return False
    foot = tags.get("foot")
    if foot == "no":
        return False
    if foot in _FOOT_ALLOWED:
        return True
    if tags.get("access") in {"private", "no"} or tags.get("service") == "private":
        return False
    return tags.get("motorroad") != "yes"


#: Tags an edge of the walking graph keeps from its way.
_EDGE_TAGS = ("highway", "name", "service", "access", "foot")


def _segments(streets: WayTable) -> tuple[list[tuple[int, np.ndarray, dict[str, str]]], int, int]:
    """Each walkable way's runs of nodes the extract holds; how many ways were walkable and how many cut.

    A clipped extract drops the nodes outside its box; joining the nodes on either
    side of such a gap would invent a street, so each run becomes its own chain.
    """
    runs: list[tuple[int, np.ndarray, dict[str, str]]] = []
    walkable = clipped = 0
    for i, tags in enumerate(streets.tags):
        if not is_walkable(tags):
            continue
        walkable += 1
        refs, lonlat = streets.way(i)
        found = [run for run, _ in present_runs(refs, lonlat)]
        if len(found) != 1 or len(found[0]) != len(refs):
            clipped += 1
        attrs = {k: tags[k] for k in _EDGE_TAGS if k in tags}
        runs.extend((int(streets.ids[i]), run, attrs) for run in found)
    return runs, walkable, clipped


def graph_from_scan(scan: OsmScan) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """Build the walking graph from what :func:`exposure.osm_scan.scan_osm_file` read.

    Every walkable way becomes edges in both directions (pedestrians ignore
    ``oneway``), clipped ways are split at missing nodes instead of being dropped
    or bridged, the graph is simplified with osmnx and reduced to its largest
    connected component.

    Returns
    -------
    G, info
        The graph (WGS84, ``length`` in metres) and a report: ways read, clipped
        ways split, nodes dropped outside the main component.
    """
    streets = scan.streets
    runs, walkable, clipped = _segments(streets)
    held = ~np.isnan(streets.lonlat[:, 0])  # NaN: a node the extract lacks
    lonlat = dict(zip(streets.refs[held].tolist(), map(tuple, streets.lonlat[held].tolist()), strict=True))
    fast = simplified_walk_graph(runs, lonlat, name=scan.path.name)
    if fast is not None:
        G, n_before, n_main = fast
    else:
        G, n_before, n_main = _graph_with_osmnx(runs, lonlat, name=scan.path.name)
    if G.number_of_edges() == 0:
        msg = f"{scan.path} holds no walkable street: is it an OpenStreetMap extract of a built-up area?"
        raise DatasetError(msg)
    info = {"ways": walkable, "clipped_ways_split": clipped, "nodes_outside_main_component": n_before - n_main}
    return G, info


def _graph_with_osmnx(runs: list[tuple[int, np.ndarray, dict[str, str]]], lonlat: dict[int, tuple[float, float]], *,
                      name: str) -> tuple[nx.MultiDiGraph, int, int]:
    """The walking graph built edge by edge in networkx and simplified by osmnx (what the arrays reproduce)."""
    import networkx as nx  # noqa: PLC0415
    import osmnx as ox  # noqa: PLC0415

    G = nx.MultiDiGraph(crs="EPSG:4326", name=name)
    for way_id, run, attrs in runs:
        for a, b in zip(run[:-1].tolist(), run[1:].tolist(), strict=True):
            if a == b:
                continue
            (x1, y1), (x2, y2) = lonlat[a], lonlat[b]
            length = float(ox.distance.great_circle(y1, x1, y2, x2))
            for u, v, rev in ((a, b, False), (b, a, True)):
                G.add_edge(u, v, osmid=way_id, oneway=False, reversed=rev, length=length, **attrs)
    if G.number_of_edges() == 0:
        return G, 0, 0
    for n in G.nodes:
        lon, lat = lonlat[n]
        G.nodes[n].update(x=lon, y=lat, osmid=n)
    n_before = G.number_of_nodes()
    # the component first: simplifying never changes connectivity, and the count is then exact
    G = ox.truncate.largest_component(G, strongly=True)
    n_main = G.number_of_nodes()
    return ox.simplify_graph(G), n_before, n_main


def graph_from_osm_file(path: str | Path) -> tuple[nx.MultiDiGraph, dict[str, Any]]:
    """Build an osmnx-compatible walking graph from an OSM PBF or XML extract (see :func:`graph_from_scan`).

    A dataset reads its extract once with :func:`exposure.osm_scan.scan_osm_file`
    and builds the graph from that; this reads the file for the graph alone.

    Parameters
    ----------
    path
        An ``.osm.pbf`` or ``.osm`` file.

    Returns
    -------
    G, info
        The graph (WGS84, ``length`` in metres) and a report: ways read, clipped
        ways split, nodes dropped outside the main component, named places
        (``(name, lon, lat, kind)``) and the basemap (building, water and park
        outer rings as ``[lon, lat]`` lists).
    """
    scan = scan_osm_file(path)
    G, info = graph_from_scan(scan)
    info["named_places"] = scan.named
    info["basemap"] = {"building": scan.buildings.outer_rings(), **scan.areas}
    return G, info


@dataclass(frozen=True)
class NetworkIndex:
    """Array form of a walking graph for fast routing and coverage; never mutated.

    Edge ``i`` runs from node index ``edge_u[i]`` to ``edge_v[i]`` and is the
    graph edge ``tuple(edge_keys[i])`` (node id, node id, key); its projected polyline is
    ``xy[geom_start[i]:geom_start[i + 1]]`` and its WGS84 one ``lonlat[...]``.
    ``street_id[i]`` is shared by the two directions of one street: edges with
    the same polyline (to the centimetre) either way round.
    """

    crs: str
    node_ids: np.ndarray
    node_xy: np.ndarray
    node_lonlat: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_keys: np.ndarray
    length_m: np.ndarray
    geom_start: np.ndarray
    xy: np.ndarray
    lonlat: np.ndarray
    edge_names: list[str]
    node_pos: dict[int, int]
    street_id: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of street nodes."""
        return len(self.node_ids)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    def edge_position(self, u: int, v: int, key: int = 0) -> int:
        """Index of the graph edge ``(u, v, key)`` (node ids), or a ``KeyError``."""
        hit = np.flatnonzero((self.edge_keys[:, 0] == u) & (self.edge_keys[:, 1] == v) & (self.edge_keys[:, 2] == key))
        if len(hit) == 0:
            msg = f"no edge ({u}, {v}, {key}) in this network"
            raise KeyError(msg)
        return int(hit[0])

    def edge_xy(self, i: int) -> np.ndarray:
        """Projected vertices of edge ``i``."""
        return self.xy[self.geom_start[i] : self.geom_start[i + 1]]

    @cached_property
    def street_edges(self) -> np.ndarray:
        """One edge per street (the first of its directions), for anything counted per street."""
        _, first = np.unique(self.street_id, return_index=True)
        return np.sort(first)

    @cached_property
    def street_length_m(self) -> float:
        """Length of the network, each street once whichever ways it can be walked."""
        return float(self.length_m[self.street_edges].sum())

    def edge_lonlat(self, i: int) -> np.ndarray:
        """WGS84 vertices of edge ``i``."""
        return self.lonlat[self.geom_start[i] : self.geom_start[i + 1]]

    def csr(self, cost: np.ndarray, *, keep: np.ndarray | None = None) -> tuple[csr_matrix, np.ndarray]:
        """Adjacency matrix with, per node pair, the cheapest parallel edge.

        Returns the matrix and, aligned with its ``data``, the index of the edge
        chosen for each entry. scipy sums duplicate entries when it builds a CSR
        matrix, which would turn two parallel streets into one longer one, so the
        minimum is taken here first. ``keep`` (a boolean per edge) leaves out the
        edges it marks False.
        """
        edges = np.arange(self.n_edges) if keep is None else np.flatnonzero(keep)
        order = edges[np.lexsort((cost[edges], self.edge_v[edges], self.edge_u[edges]))]
        u, v = self.edge_u[order], self.edge_v[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        chosen = order[first]
        # a zero-cost entry would vanish from a sparse matrix: keep it as a tiny cost
        data = np.maximum(cost[chosen], 1e-9)
        matrix = csr_matrix(
            (data, (self.edge_u[chosen], self.edge_v[chosen])), shape=(self.n_nodes, self.n_nodes)
        )
        matrix.sort_indices()
        # chosen is sorted by (u, v) and free of duplicates: exactly the CSR entry order
        if matrix.nnz != len(chosen):  # pragma: no cover - guards the invariant above
            msg = "internal error: CSR entries do not match the chosen edges"
            raise AssertionError(msg)
        entry_edge = chosen
        return matrix, entry_edge


def index_graph(G: nx.MultiDiGraph, *, crs: str | pyproj.CRS | None = None) -> NetworkIndex:
    """Turn a WGS84 walking graph into a :class:`NetworkIndex`.

    Parameters
    ----------
    G
        An osmnx-compatible graph with node ``x``/``y`` in WGS84 and edge ``length``.
    crs
        Metric CRS for geometry; default the local UTM zone.
    """
    node_ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    node_lonlat = np.array([(d["x"], d["y"]) for _, d in G.nodes(data=True)], dtype=float).reshape(-1, 2)
    if crs is None:
        crs = local_crs(float(node_lonlat[:, 0].mean()), float(node_lonlat[:, 1].mean()))
    crs = pyproj.CRS.from_user_input(crs)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    node_pos = {int(n): i for i, n in enumerate(node_ids)}
    # the adjacency's own dicts, in the order G.edges gives them, without a view for every edge
    edges = [(u, v, k, d) for u, nbrs in G.adjacency() for v, keydict in nbrs.items() for k, d in keydict.items()]
    keys = [(int(u), int(v), int(k)) for u, v, k, _ in edges]
    lengths = [float(d.get("length", np.nan)) for _, _, _, d in edges]
    names = [", ".join(map(str, name)) if isinstance(name, list) else str(name or "")
             for name in (d.get("name", "") for _, _, _, d in edges)]
    edge_u = np.array([node_pos[k[0]] for k in keys], dtype=np.int64)
    edge_v = np.array([node_pos[k[1]] for k in keys], dtype=np.int64)
    lonlat, geom_start = _edge_lines([d.get("geometry") if "geometry" in d else None for _, _, _, d in edges],
                                     node_lonlat, edge_u, edge_v)
    x, y = to_xy.transform(lonlat[:, 0], lonlat[:, 1])
    xy = np.column_stack([x, y])
    nx_, ny_ = to_xy.transform(node_lonlat[:, 0], node_lonlat[:, 1])
    length_m = np.asarray(lengths, dtype=float)
    # where a file gave no length, measure the projected polyline
    missing = np.isnan(length_m)
    if missing.any():
        seg = np.hypot(*np.diff(xy, axis=0).T)
        cum = np.concatenate([[0.0], np.cumsum(seg)])
        length_m[missing] = (cum[geom_start[1:] - 1] - cum[geom_start[:-1]])[missing]
    return NetworkIndex(
        street_id=_street_ids(xy, geom_start),
        crs=crs.to_string(),
        node_ids=node_ids,
        node_xy=np.column_stack([nx_, ny_]),
        node_lonlat=node_lonlat,
        edge_u=edge_u,
        edge_v=edge_v,
        edge_keys=np.asarray(keys, dtype=np.int64).reshape(-1, 3),
        length_m=length_m,
        geom_start=geom_start,
        xy=xy,
        lonlat=lonlat,
        edge_names=names,
        node_pos=node_pos,
    )


def _edge_lines(geometries: list[Any], node_lonlat: np.ndarray, edge_u: np.ndarray,
                edge_v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every edge's WGS84 polyline, concatenated, and where each starts.

    An edge without geometry is the straight line between its nodes. osmnx stores a
    geometry in its edge's direction; one that starts nearer the edge's far end is
    read backwards, in case a file does not.
    """
    import shapely  # noqa: PLC0415

    has = np.array([g is not None for g in geometries], dtype=bool)
    geoms = np.asarray([g for g in geometries if g is not None], dtype=object)
    coords, which = (shapely.get_coordinates(geoms, return_index=True) if len(geoms)
                     else (np.empty((0, 2)), np.empty(0, dtype=np.int64)))
    counts = np.bincount(which, minlength=len(geoms))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    last = first + counts - 1
    u_at = node_lonlat[edge_u[has]]
    backwards = (((coords[first] - u_at) ** 2).sum(axis=1) > ((coords[last] - u_at) ** 2).sum(axis=1)) \
        if len(geoms) else np.zeros(0, dtype=bool)
    n_points = np.full(len(geometries), 2, dtype=np.int64)
    n_points[has] = counts
    geom_start = np.concatenate([[0], np.cumsum(n_points)]).astype(np.int64)
    edge = np.repeat(np.arange(len(geometries)), n_points)
    rank = np.arange(int(geom_start[-1])) - geom_start[edge]
    # points are taken from the geometries' coordinates, then from the nodes' (after them)
    source = np.empty(len(edge), dtype=np.int64)
    geom_of_edge = np.cumsum(has) - 1
    on_geom = has[edge]
    g = geom_of_edge[edge[on_geom]]
    r = rank[on_geom]
    source[on_geom] = np.where(backwards[g], last[g] - r, first[g] + r)
    plain = ~on_geom
    source[plain] = len(coords) + np.where(rank[plain] == 0, edge_u[edge[plain]], edge_v[edge[plain]])
    lonlat = np.concatenate([np.asarray(coords, dtype=float).reshape(-1, 2), node_lonlat])[source]
    return lonlat, geom_start


def _street_ids(xy: np.ndarray, geom_start: np.ndarray) -> np.ndarray:
    """One id per street: an edge and its reverse have the same polyline read backwards.

    Two parallel streets between the same nodes differ in shape, so they get
    different ids even when their lengths are equal.
    """
    rounded = np.round(xy, 2)
    ids: dict[bytes, int] = {}
    out = np.empty(len(geom_start) - 1, dtype=np.int64)
    for i in range(len(out)):
        line = rounded[geom_start[i] : geom_start[i + 1]]
        forward, backward = line.tobytes(), line[::-1].tobytes()
        out[i] = ids.setdefault(min(forward, backward), len(ids))
    return out


def save_graphml(G: nx.MultiDiGraph, path: str | Path) -> None:
    """Save the graph as osmnx-compatible GraphML (WGS84), loadable by ``ox.load_graphml``."""
    import osmnx as ox  # noqa: PLC0415

    ox.save_graphml(G, filepath=Path(path))


def graph_to_geojson(G: nx.MultiDiGraph) -> dict[str, Any]:
    """The graph's edges as a GeoJSON FeatureCollection of LineStrings (WGS84)."""
    import shapely  # noqa: PLC0415

    features = []
    for u, v, k, d in G.edges(keys=True, data=True):
        if "geometry" in d:
            coords = shapely.get_coordinates(d["geometry"]).tolist()
        else:
            coords = [[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]]
        props: dict[str, Any] = {"u": int(u), "v": int(v), "key": int(k),
                                 "length_m": round(float(d.get("length", 0.0)), 2)}
        for attr in ("highway", "name", "osmid"):
            if attr in d:
                val = d[attr]
                props[attr] = val if isinstance(val, (str, int, float)) else str(val)
        features.append({"type": "Feature", "geometry": {"type": "LineString", "coordinates": coords},
                         "properties": props})
    return {"type": "FeatureCollection", "features": features}
