"""The walking graph from street segments, as osmnx builds and simplifies it, computed on arrays (private helpers).

:func:`exposure.network.graph_from_scan` once added every segment to a networkx
graph, kept its largest strongly connected component with osmnx and simplified
it with ``osmnx.simplify_graph``: a minute and gigabytes for a city of a million
segments, most of it in networkx's bookkeeping and one shapely ``Point`` per vertex.
:func:`simplified_walk_graph` follows osmnx's steps on arrays and builds only the
final graph, the same one: the same nodes in the same order, the same edges in the
same order with the same keys and attributes (lists of distinct values in the order
osmnx's sets give them), the same predecessor order. Where its shortcut could
differ (a largest component of at most half the nodes, whose order osmnx takes from
a set; a graph left without an endpoint) it returns None and the caller runs osmnx.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["EARTH_RADIUS_M", "Segments", "segment_lengths", "simplified_walk_graph"]

#: One run of a way: (way id, node ids in order, the edge attributes it gives).
Run = tuple[int, np.ndarray, dict[str, str]]


class Segments:
    """The directed edges a list of runs adds, in the order they are added (``u -> v`` then ``v -> u``).

    Edge ``2 s`` runs along segment ``s``, edge ``2 s + 1`` back. ``u``, ``v`` are
    positions in ``node_ids`` (nodes in order of first appearance, as networkx adds
    them); ``key`` is the edge's key among the edges from ``u`` to ``v``.
    """

    def __init__(self, runs: list[Run]) -> None:
        refs = [run for _, run, _ in runs]
        counts = np.array([len(r) for r in refs], dtype=np.int64)
        flat = np.concatenate(refs).astype(np.int64) if refs else np.empty(0, dtype=np.int64)
        which = np.repeat(np.arange(len(refs), dtype=np.int64), counts)
        a, b = flat[:-1], flat[1:]
        same_run = which[:-1] == which[1:]
        keep = same_run & (a != b)
        self.seg_a, self.seg_b, self.seg_run = a[keep], b[keep], which[:-1][keep]
        self.way_ids = np.array([way_id for way_id, _, _ in runs], dtype=np.int64)
        self.attrs = [attrs for _, _, attrs in runs]
        # networkx adds u, then v, at each segment's first edge
        order = np.column_stack([self.seg_a, self.seg_b]).ravel()
        unique, first, inverse = np.unique(order, return_index=True, return_inverse=True)
        appearance = np.argsort(first, kind="stable")
        self.node_ids = unique[appearance]
        rank = np.empty(len(unique), dtype=np.int64)
        rank[appearance] = np.arange(len(unique))
        position = rank[inverse]
        su, sv = position[0::2], position[1::2]
        self.u = np.column_stack([su, sv]).ravel()
        self.v = np.column_stack([sv, su]).ravel()
        self.key = _keys(self.u, self.v)

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_ids)

    def data(self, e: int, length: float) -> dict[str, Any]:
        """The attribute dict of edge ``e``, as the old builder gave it to ``add_edge``."""
        s = e // 2
        run = int(self.seg_run[s])
        return {"osmid": int(self.way_ids[run]), "oneway": False, "reversed": bool(e % 2), "length": length,
                **self.attrs[run]}


def _keys(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Each edge's rank among the earlier edges with the same ``(u, v)``: networkx's key when none is removed."""
    order = np.lexsort((np.arange(len(u)), v, u))
    su, sv = u[order], v[order]
    start = np.ones(len(order), dtype=bool)
    start[1:] = (su[1:] != su[:-1]) | (sv[1:] != sv[:-1])
    group_start = np.maximum.accumulate(np.where(start, np.arange(len(order)), 0))
    key = np.empty(len(order), dtype=np.int64)
    key[order] = np.arange(len(order)) - group_start
    return key


#: The Earth's radius osmnx measures great-circle distances with, in metres.
EARTH_RADIUS_M = 6_371_009


def _great_circle_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    # osmnx's haversine step by step in scalar floats: numpy's vectorised sine may differ from the
    # scalar one in the last bit, and the graph must be the same to the bit
    y1, y2 = math.radians(lat1), math.radians(lat2)
    x1, x2 = math.radians(lon1), math.radians(lon2)
    h = math.sin((y2 - y1) / 2) ** 2 + math.cos(y1) * math.cos(y2) * math.sin((x2 - x1) / 2) ** 2
    return 2 * math.asin(math.sqrt(min(1, h))) * EARTH_RADIUS_M


def segment_lengths(seg: Segments, lonlat: dict[int, tuple[float, float]]) -> np.ndarray:
    """Great-circle length of each segment in metres, as ``osmnx.distance.great_circle`` gives it for one pair."""
    out = np.empty(len(seg.seg_a), dtype=float)
    for i, (a, b) in enumerate(zip(seg.seg_a.tolist(), seg.seg_b.tolist(), strict=True)):
        (x1, y1), (x2, y2) = lonlat[a], lonlat[b]
        out[i] = _great_circle_m(y1, x1, y2, x2)
    return out


def _end_rule(n: int, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The endpoints by osmnx's rules, for a graph of ``n`` nodes given by its edges.

    A node is an endpoint when it has a self-loop, no way in or no way out, or not
    exactly two neighbours reached by one street each way (degree 2 or 4).
    """
    out_deg = np.bincount(u, minlength=n)
    in_deg = np.bincount(v, minlength=n)
    pairs = np.unique(np.concatenate([u * n + v, v * n + u]))
    neighbours = np.bincount(pairs // n, minlength=n)
    loops = np.zeros(n, dtype=bool)
    loops[u[u == v]] = True
    degree = in_deg + out_deg
    is_end: np.ndarray = loops | (out_deg == 0) | (in_deg == 0) | ~(
        (neighbours == 2) & ((degree == 2) | (degree == 4)))
    return is_end


class _Graph:
    """The graph osmnx simplifies, after its largest component is kept: successors in order, edges by pair.

    A pair ``(a, b)`` of node positions is the key ``a * n + b``; ``pair_key`` is
    sorted, ``pair_first`` the first edge of each pair (networkx's first key) and
    ``pair_count`` how many edges it has.
    """

    def __init__(self, seg: Segments, keep: np.ndarray) -> None:
        n = self.n = seg.n_nodes
        self.edges = np.flatnonzero(keep[seg.u])  # in the order they were added
        u, v = seg.u[self.edges], seg.v[self.edges]
        self.pair_key, first_at, self.pair_count = np.unique(u * n + v, return_index=True, return_counts=True)
        self.pair_first = self.edges[first_at]
        # successors in the order networkx met them: pairs by their first edge, grouped by their first node
        order = np.argsort(first_at, kind="stable")
        pa, pb = self.pair_key[order] // n, self.pair_key[order] % n
        by_node = np.argsort(pa, kind="stable")
        starts = np.searchsorted(pa[by_node], np.arange(n + 1)).tolist()
        successors = pb[by_node].tolist()
        self.succ: list[list[int]] = [successors[starts[i] : starts[i + 1]] for i in range(n)]
        self.is_end = _end_rule(n, u, v) & keep

    def first_edges(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The first edge from ``a`` to ``b``, for arrays of pairs that have one."""
        at = np.searchsorted(self.pair_key, a * self.n + b)
        first: np.ndarray = self.pair_first[at]
        return first

    def counts(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """How many edges run from ``a`` to ``b``, for arrays of pairs."""
        key = a * self.n + b
        at = np.minimum(np.searchsorted(self.pair_key, key), max(len(self.pair_key) - 1, 0))
        found: np.ndarray = np.where(self.pair_key[at] == key, self.pair_count[at], 0)
        return found

    def path(self, endpoint: int, successor: int) -> list[int]:
        """The path osmnx's ``_build_path`` makes: from an endpoint through ``successor`` to the next endpoint."""
        path = [endpoint, successor]
        for first in self.succ[successor]:
            if first in path:
                continue
            path.append(first)
            here = first
            while not self.is_end[here]:
                onward = [n for n in self.succ[here] if n not in path]
                if len(onward) == 1:
                    here = onward[0]
                    path.append(here)
                elif not onward:
                    if endpoint in self.succ[here]:
                        return [*path, endpoint]
                    return path
                else:  # pragma: no cover - osmnx raises here too
                    msg = f"impossible simplify pattern near node position {here}"
                    raise AssertionError(msg)
            return path
        return path


def _aggregate(values: list[Any]) -> Any:
    return values[0] if len(set(values)) == 1 else list(set(values))


def _mixed_attributes(seg: Segments, edges: list[int], lengths: list[float]) -> dict[str, Any]:
    """The attributes osmnx gives an edge simplified from edges of several ways: one value or the distinct ones."""
    gathered: dict[str, list[Any]] = {}
    for e, length in zip(edges, lengths, strict=True):
        for name, value in seg.data(e, length).items():
            gathered.setdefault(name, []).append(value)
    return {name: (sum(values) if name == "length" else _aggregate(values)) for name, values in gathered.items()}


def _main_component(seg: Segments) -> np.ndarray | None:
    """Nodes of the largest connected component, or None when osmnx would order them by a set."""
    from scipy.sparse import coo_matrix  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    n = seg.n_nodes
    graph = coo_matrix((np.ones(len(seg.u)), (seg.u, seg.v)), shape=(n, n))
    # every street is walkable both ways: strongly and weakly connected are the same
    n_parts, label = connected_components(graph, directed=False)
    if n_parts == 1:
        return np.ones(n, dtype=bool)
    size = np.bincount(label)
    if 2 * size.max() <= n:
        return None
    main: np.ndarray = label == int(np.argmax(size))
    return main


def simplified_walk_graph(
    runs: list[Run], lonlat: dict[int, tuple[float, float]], *, name: str,
) -> tuple[nx.MultiDiGraph, int, int] | None:
    """The largest component of the walking graph the runs make, simplified as osmnx does it.

    Parameters
    ----------
    runs
        ``(way id, node ids, edge attributes)`` of each run of a walkable way, in file order.
    lonlat
        Longitude and latitude of every node.
    name
        The graph's ``name``.

    Returns
    -------
    (G, nodes, nodes_in_main_component) or None
        None where osmnx's own result could differ (see the module's docstring).
    """
    import networkx as nx  # noqa: PLC0415
    import shapely  # noqa: PLC0415

    seg = Segments(runs)
    if seg.n_nodes == 0:
        return None
    keep = _main_component(seg)
    if keep is None:
        return None
    lengths = segment_lengths(seg, lonlat)
    g = _Graph(seg, keep)
    ids = seg.node_ids.tolist()
    endpoints = {ids[i] for i in np.flatnonzero(keep).tolist() if g.is_end[i]}
    if not endpoints:
        return None
    position = {node: i for i, node in enumerate(ids)}
    paths = [g.path(position[end], s) for end in endpoints for s in g.succ[position[end]] if not g.is_end[s]]
    removed = np.zeros(seg.n_nodes, dtype=bool)
    for path in paths:
        removed[path[1:-1]] = True
    final = keep & ~removed
    nodes = [ids[i] for i in np.flatnonzero(final).tolist()]
    kept = _kept_edges(seg, g, final, lengths)
    simplified = _simplified_edges(seg, g, paths, final, lengths, lonlat, shapely)
    if not _every_part_has_an_endpoint(nodes, kept + simplified):
        return None
    G = nx.MultiDiGraph(crs="EPSG:4326", name=name)
    _fill(G, nodes, lonlat, kept + simplified)
    G.graph["simplified"] = True
    return G, seg.n_nodes, int(keep.sum())


def _fill(G: nx.MultiDiGraph, nodes: list[int], lonlat: dict[int, tuple[float, float]],
          edges: list[tuple[int, int, int, dict[str, Any]]]) -> None:
    """Put the nodes and edges into an empty graph as ``add_nodes_from`` and ``add_edges_from`` would.

    networkx's own dicts are filled directly (successors and predecessors in the
    order the edges come, one key dict shared by both, as ``add_edge`` shares it),
    without its checks and copies for every edge: a third of the build's graph stage
    on a city. The tests compare the result with networkx's, predecessors included.
    """
    node, succ, pred = G._node, G._succ, G._pred  # networkx's own dicts: see the docstring
    for n in nodes:
        node[n] = {"x": lonlat[n][0], "y": lonlat[n][1], "osmid": n}
        succ[n] = {}
        pred[n] = {}
    for u, v, key, data in edges:
        keys = succ[u].get(v)
        if keys is None:
            keys = succ[u][v] = {}
            pred[v][u] = keys
        keys[key] = data


def _kept_edges(seg: Segments, g: _Graph, final: np.ndarray,
                lengths: np.ndarray) -> list[tuple[int, int, int, dict[str, Any]]]:
    """The original edges between nodes that stay, in osmnx's order: by node, successor, then key."""
    e = g.edges[final[seg.u[g.edges]] & final[seg.v[g.edges]]]
    a, b = seg.u[e], seg.v[e]
    # a node's successors come in the order their first edge was added; a pair's edges in key order
    pair_first = g.first_edges(a, b)
    e = e[np.lexsort((e, pair_first, a))]
    ids = seg.node_ids
    return [(int(ids[seg.u[k]]), int(ids[seg.v[k]]), int(seg.key[k]), seg.data(k, float(lengths[k // 2])))
            for k in e.tolist()]


def _simplified_edges(
    seg: Segments, g: _Graph, paths: list[list[int]], final: np.ndarray, lengths: np.ndarray,
    lonlat: dict[int, tuple[float, float]], shapely: Any,
) -> list[tuple[int, int, int, dict[str, Any]]]:
    """One edge per path, keyed after the edges already between its ends, with its geometry.

    osmnx takes each step's first edge; a path along one way (most of them) gets that
    way's attributes and the sum of its lengths at once, others as osmnx aggregates them.
    """
    ids = seg.node_ids.tolist()
    paths = [p for p in paths if final[p[0]] and final[p[-1]]]  # osmnx adds the others, then removes them
    if not paths:
        return []
    sizes = np.array([len(p) for p in paths], dtype=np.int64)
    flat = np.concatenate([np.asarray(p, dtype=np.int64) for p in paths])
    which = np.repeat(np.arange(len(paths)), sizes)
    lines = shapely.linestrings(np.array([lonlat[ids[i]] for i in flat.tolist()], dtype=float), indices=which)
    step = which[:-1] == which[1:]
    edges = g.first_edges(flat[:-1][step], flat[1:][step])
    run, back = seg.seg_run[edges // 2], edges % 2
    starts = np.concatenate([[0], np.cumsum(sizes - 1)[:-1]])
    alike = (np.minimum.reduceat(run, starts) == np.maximum.reduceat(run, starts)) & (
        np.minimum.reduceat(back, starts) == np.maximum.reduceat(back, starts))
    step_length = lengths[edges // 2].tolist()
    edge_list = edges.tolist()
    ends = np.array([(p[0], p[-1]) for p in paths], dtype=np.int64)
    # a new edge's key follows the edges already between its ends, original ones and those added before it
    before = g.counts(ends[:, 0], ends[:, 1])
    order = np.lexsort((np.arange(len(paths)), ends[:, 1], ends[:, 0]))
    same = np.ones(len(order), dtype=bool)
    same[1:] = (ends[order][1:] != ends[order][:-1]).any(axis=1)
    group_start = np.maximum.accumulate(np.where(same, np.arange(len(order)), 0))
    added = np.empty(len(order), dtype=np.int64)
    added[order] = np.arange(len(order)) - group_start
    keys = (before + added).tolist()
    out = []
    for k, (path, line) in enumerate(zip(paths, lines, strict=True)):
        lo, hi = int(starts[k]), int(starts[k]) + len(path) - 1
        if alike[k]:
            attrs = seg.data(edge_list[lo], sum(step_length[lo:hi]))
        else:
            attrs = _mixed_attributes(seg, edge_list[lo:hi], step_length[lo:hi])
        attrs["geometry"] = line
        out.append((ids[path[0]], ids[path[-1]], keys[k], attrs))
    return out


def _every_part_has_an_endpoint(nodes: list[int], edges: list[tuple[int, int, int, dict[str, Any]]]) -> bool:
    """Whether osmnx's ring removal would leave the graph as it is: every connected part has an endpoint."""
    from scipy.sparse import coo_matrix  # noqa: PLC0415
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415

    n = len(nodes)
    if n == 0:
        return False
    index = {node: i for i, node in enumerate(nodes)}
    uv = np.array([(index[a], index[b]) for a, b, _, _ in edges], dtype=np.int64).reshape(-1, 2)
    u, v = uv[:, 0], uv[:, 1]
    is_end = _end_rule(n, u, v)
    _, label = connected_components(coo_matrix((np.ones(len(u)), (u, v)), shape=(n, n)), directed=False)
    return bool(np.isin(np.unique(label), label[is_end]).all())
