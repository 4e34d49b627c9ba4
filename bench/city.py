"""Seeded synthetic cities for benchmarks, and the Brooklyn street proxy built from real Decode positions.

Everything in the synthetic cities is invented. The grid is placed near Helsinki
(lon 24.9, lat 60.17) only so that coordinates, the UTM projection and metre/degree
conversions behave as they do on a real extract; the result must never be shown to
a user as a real place or a real camera survey. The Brooklyn proxy uses the real
Decode Surveillance intersection positions and cameras, but its streets are a
proxy (Delaunay edges), not Brooklyn's streets.
"""

from __future__ import annotations

import math
from pathlib import Path

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
import shapely
from shapely.geometry import LineString

from exposure.cameras import CAMERA_COLUMNS, apply_frt_policy, frt_policy

__all__ = [
    "ORIGIN_LONLAT",
    "brooklyn_proxy",
    "cameras_on_facades",
    "city_buildings",
    "nyc_like_city",
    "nyc_like_city_with_buildings",
    "synthetic_city",
]

#: South-west corner of the grid (WGS84).
ORIGIN_LONLAT = (24.9, 60.17)
BLOCK_M = 80.0
JITTER_M = 12.0
REMOVED_SHARE = 0.10
DIAGONAL_SHARE = 0.05  # of grid cells, one diagonal each
GEOMETRY_SHARE = 0.20  # of links, given an explicit 2- or 3-point LineString
PARALLEL_SHARE = 0.005  # of links, doubled by a longer bowed street between the same nodes
NEAR_NODE_SHARE = 0.60
NEAR_NODE_M = 30.0
NODE_ID_BASE = 1_000_000_000
OSMID_BASE = 500_000_000

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(ORIGIN_LONLAT[1]))

_HIGHWAYS = np.array(["residential", "footway", "tertiary", "secondary", "service", "path", "primary",
                      "pedestrian"])
_HIGHWAY_P = np.array([0.35, 0.2, 0.12, 0.08, 0.1, 0.07, 0.05, 0.03])


def _to_lonlat(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Local metres east/north of the origin to WGS84 degrees (equirectangular; fine at city scale)."""
    return ORIGIN_LONLAT[0] + x / _M_PER_DEG_LON, ORIGIN_LONLAT[1] + y / _M_PER_DEG_LAT


def _grid_links(side: int, rng: np.random.Generator) -> np.ndarray:
    """Node-index pairs of the grid's streets: ~10 % of grid links removed, some diagonals added."""
    idx = np.arange(side * side).reshape(side, side)  # idx[row, col]
    horizontal = np.c_[idx[:, :-1].ravel(), idx[:, 1:].ravel()]
    vertical = np.c_[idx[:-1, :].ravel(), idx[1:, :].ravel()]
    grid = np.concatenate([horizontal, vertical])
    grid = grid[rng.random(len(grid)) >= REMOVED_SHARE]
    cells = np.flatnonzero(rng.random((side - 1) * (side - 1)) < DIAGONAL_SHARE)
    r, c = np.divmod(cells, side - 1)
    up = rng.random(len(cells)) < 0.5  # "/" or "\" diagonal in the cell
    diag = np.where(up[:, None], np.c_[idx[r, c], idx[r + 1, c + 1]], np.c_[idx[r, c + 1], idx[r + 1, c]])
    return np.concatenate([grid, diag])


def _polyline(p: np.ndarray, q: np.ndarray, bow_m: float) -> np.ndarray:
    """Two points, or three with the middle one pushed ``bow_m`` sideways."""
    if bow_m == 0.0:
        return np.array([p, q])
    d = q - p
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-9)
    return np.array([p, (p + q) / 2 + bow_m * normal, q])


def synthetic_city(*, n_nodes: int = 90_000, n_cameras: int = 20_000, seed: int = 0) -> tuple[
        nx.MultiDiGraph, pd.DataFrame]:
    """A synthetic walking graph and camera table, reproducible from ``seed``.

    Parameters
    ----------
    n_nodes
        Approximate node count: the grid is ``round(sqrt(n_nodes))`` on a side,
        less the nodes cut off by the removed links.
    n_cameras
        Number of cameras: 60 % within 30 m of a random street node, 40 % uniform.
    seed
        Seed of every random choice.

    Returns
    -------
    G, cameras
        An osmnx-compatible ``MultiDiGraph`` (WGS84, ``length`` in metres, both
        directions of every street, some ``geometry`` LineStrings and parallel
        edges) and a camera table with exactly :data:`~exposure.cameras.CAMERA_COLUMNS`.
    """
    rng = np.random.default_rng(seed)
    side = max(2, round(math.sqrt(n_nodes)))
    G = _grid_city(side, rng, name=f"synthetic-{side}x{side}-seed{seed}")
    cameras = _cameras(G, n_cameras, rng, extent_m=(side - 1) * BLOCK_M)
    return G, cameras


#: Directed edges per grid node after removals and diagonals (measured: 3.7).
_EDGES_PER_NODE = 3.7


def nyc_like_city(*, n_edges: int = 1_000_000, cameras_per_intersection: float = 0.6,
                  seed: int = 0) -> tuple[nx.MultiDiGraph, pd.DataFrame]:
    """A synthetic city whose cameras sit as Decode Surveillance found New York's.

    Decode's volunteers counted 25,536 cameras at 43,406 intersections (0.59 per
    intersection), at about a third of them, several cameras at one corner; 13 % on
    street furniture (two thirds of those domes), most on buildings. Here a third
    of the grid's intersections get cameras (one plus a Poisson number, so that the
    mean over all intersections is ``cameras_per_intersection``) within 15 m of the
    corner, and a further tenth of the cameras sit mid-block on building fronts.
    Every camera's operator is unknown, as in Decode. Raising
    ``cameras_per_intersection`` (e.g. to 2.0) gives the *dense* variant, with
    about as many FRT-capable cameras on a 2 km route as central Helsinki.

    Parameters
    ----------
    n_edges
        Approximate number of directed edges.
    cameras_per_intersection
        Mean number of cameras per intersection.
    seed
        Seed of every random choice.
    """
    rng = np.random.default_rng(seed)
    side = max(2, round(math.sqrt(n_edges / _EDGES_PER_NODE)))
    G = _grid_city(side, rng, name=f"nyc-like-{side}x{side}-{cameras_per_intersection:g}-seed{seed}")
    cameras = _nyc_cameras(G, cameras_per_intersection, rng)
    return G, cameras


def _grid_city(side: int, rng: np.random.Generator, *, name: str) -> nx.MultiDiGraph:
    rows, cols = np.divmod(np.arange(side * side), side)
    node_xy = np.c_[cols * BLOCK_M, rows * BLOCK_M] + rng.uniform(-JITTER_M, JITTER_M, (side * side, 2))
    node_lon, node_lat = _to_lonlat(node_xy[:, 0], node_xy[:, 1])
    node_ids = NODE_ID_BASE + np.arange(side * side, dtype=np.int64)

    links = _grid_links(side, rng)
    n_links = len(links)
    highway = rng.choice(_HIGHWAYS, size=n_links, p=_HIGHWAY_P)
    has_geom = rng.random(n_links) < GEOMETRY_SHARE
    bow = np.where(has_geom & (rng.random(n_links) < 0.5), rng.uniform(-8.0, 8.0, n_links), 0.0)
    parallel = np.flatnonzero(rng.random(n_links) < PARALLEL_SHARE)
    parallel_bow = rng.choice([-1.0, 1.0], len(parallel)) * rng.uniform(15.0, 30.0, len(parallel))

    G = nx.MultiDiGraph(crs="EPSG:4326", name=name)
    G.add_nodes_from(
        (int(node_ids[i]), {"x": float(node_lon[i]), "y": float(node_lat[i]), "osmid": int(node_ids[i])})
        for i in range(side * side)
    )
    edges: list[tuple[int, int, int, dict]] = []

    def add_street(a: int, b: int, key: int, osmid: int, hw: str, bow_m: float, geometry: bool) -> None:
        pts = _polyline(node_xy[a], node_xy[b], bow_m)
        length = float(np.hypot(*np.diff(pts, axis=0).T).sum())
        lon, lat = _to_lonlat(pts[:, 0], pts[:, 1])
        ua, ub = int(node_ids[a]), int(node_ids[b])
        for u, v, rev in ((ua, ub, False), (ub, ua, True)):
            d = {"osmid": osmid, "highway": hw, "oneway": False, "reversed": rev, "length": length}
            if geometry:
                coords = np.c_[lon, lat]
                d["geometry"] = LineString(coords[::-1] if rev else coords)
            edges.append((u, v, key, d))

    for i in range(n_links):
        a, b = int(links[i, 0]), int(links[i, 1])
        add_street(a, b, 0, OSMID_BASE + i, str(highway[i]), float(bow[i]), bool(has_geom[i]))
    for j, i in enumerate(parallel):
        a, b = int(links[i, 0]), int(links[i, 1])
        add_street(a, b, 1, OSMID_BASE + n_links + j, "footway", float(parallel_bow[j]), True)
    G.add_edges_from(edges)
    G = ox.truncate.largest_component(G, strongly=True)
    G.graph["crs"] = "EPSG:4326"
    G.graph["grid_side"] = side  # the grid's cells are where city_buildings puts its blocks
    return G


def _camera_frame(lon: np.ndarray, lat: np.ndarray, kind: np.ndarray, mount: np.ndarray, operator: np.ndarray,
                  direction: np.ndarray, fov: np.ndarray, height: np.ndarray, *, prefix: str,
                  verification: str = "verified") -> pd.DataFrame:
    n = len(lon)
    frame = pd.DataFrame(
        {
            "camera_id": pd.Series([f"{prefix}:{i}" for i in range(n)], dtype=object),
            "lon": lon.astype("float64"),
            "lat": lat.astype("float64"),
            "source": pd.Series([prefix] * n, dtype=object),
            "kind": pd.Series(kind.astype(object), dtype=object),
            "mount": pd.Series(mount.astype(object), dtype=object),
            "operator": pd.Series(operator.astype(object), dtype=object),
            "direction_deg": direction.astype("float64"),
            "fov_deg": fov.astype("float64"),
            "height_m": height.astype("float64"),
            "verification": pd.Series([verification] * n, dtype=object),
            "agreement": pd.Series([""] * n, dtype=object),
            "reports": np.ones(n, dtype="int64"),
            "observed": pd.Series([None] * n, dtype=object),
            "frt_tier": pd.Series(["medium"] * n, dtype=object),
        },
        columns=list(CAMERA_COLUMNS),
    )
    return apply_frt_policy(frame, frt_policy("default"))


def _nyc_cameras(G: nx.MultiDiGraph, per_intersection: float, rng: np.random.Generator) -> pd.DataFrame:
    nodes = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    node_lon = np.array([G.nodes[int(n)]["x"] for n in nodes])
    node_lat = np.array([G.nodes[int(n)]["y"] for n in nodes])
    corner_total = 0.9 * per_intersection * len(nodes)
    with_cameras = rng.random(len(nodes)) < 1 / 3
    # one camera plus a Poisson number at each chosen corner: the mean over all corners is as asked
    extra_mean = max(corner_total / max(int(with_cameras.sum()), 1) - 1.0, 0.0)
    per_corner = np.where(with_cameras, 1 + rng.poisson(extra_mean, len(nodes)), 0)
    anchor = np.repeat(np.arange(len(nodes)), per_corner)
    r = 15.0 * np.sqrt(rng.random(len(anchor)))
    theta = rng.uniform(0.0, 2 * math.pi, len(anchor))
    corner_lon = node_lon[anchor] + r * np.cos(theta) / _M_PER_DEG_LON
    corner_lat = node_lat[anchor] + r * np.sin(theta) / _M_PER_DEG_LAT
    # mid-block building fronts: the middle of a random street, 10 m to one side
    n_mid = round(0.1 * per_intersection * len(nodes))
    streets = np.array([(u, v) for u, v, k in G.edges(keys=True) if u < v and k == 0], dtype=np.int64)
    pick = streets[rng.integers(len(streets), size=n_mid)]
    pos = {int(n): i for i, n in enumerate(nodes)}
    a = np.array([pos[int(u)] for u in pick[:, 0]], dtype=np.int64)
    b = np.array([pos[int(v)] for v in pick[:, 1]], dtype=np.int64)
    mx = (node_lon[a] + node_lon[b]) / 2
    my = (node_lat[a] + node_lat[b]) / 2
    dx = (node_lon[b] - node_lon[a]) * _M_PER_DEG_LON
    dy = (node_lat[b] - node_lat[a]) * _M_PER_DEG_LAT
    norm = np.maximum(np.hypot(dx, dy), 1e-9)
    side = rng.choice([-1.0, 1.0], n_mid) * 10.0
    mid_lon = mx + side * (-dy / norm) / _M_PER_DEG_LON
    mid_lat = my + side * (dx / norm) / _M_PER_DEG_LAT
    lon = np.r_[corner_lon, mid_lon]
    lat = np.r_[corner_lat, mid_lat]
    n = len(lon)
    mount = np.where(np.arange(n) < len(anchor),
                     rng.choice(np.array(["street", "building", "unknown"]), size=n, p=[0.15, 0.72, 0.13]),
                     "building")
    kind = np.empty(n, dtype=object)
    for m, p in (("street", [0.68, 0.20, 0.12]), ("building", [0.15, 0.45, 0.40]), ("unknown", [0.2, 0.3, 0.5])):
        at = mount == m
        kind[at] = rng.choice(np.array(["dome", "fixed", "unknown"]), size=int(at.sum()), p=p)
    operator = np.full(n, "unknown")
    nan = np.full(n, np.nan)
    return _camera_frame(lon, lat, kind.astype(str), mount, operator, nan, nan, nan, prefix="nyc-like",
                         verification="unverified")


def _cameras(G: nx.MultiDiGraph, n: int, rng: np.random.Generator, *, extent_m: float) -> pd.DataFrame:
    nodes = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    near = round(NEAR_NODE_SHARE * n)
    anchor = rng.choice(nodes, size=near)
    ax = np.array([G.nodes[int(a)]["x"] for a in anchor])
    ay = np.array([G.nodes[int(a)]["y"] for a in anchor])
    r = NEAR_NODE_M * np.sqrt(rng.random(near))  # uniform in the disc
    theta = rng.uniform(0.0, 2 * math.pi, near)
    near_lon = ax + r * np.cos(theta) / _M_PER_DEG_LON
    near_lat = ay + r * np.sin(theta) / _M_PER_DEG_LAT
    ux = rng.uniform(-JITTER_M, extent_m + JITTER_M, n - near)
    uy = rng.uniform(-JITTER_M, extent_m + JITTER_M, n - near)
    far_lon, far_lat = _to_lonlat(ux, uy)
    lon = np.r_[near_lon, far_lon]
    lat = np.r_[near_lat, far_lat]
    order = rng.permutation(n)  # do not leave the clustered ones first
    lon, lat = lon[order], lat[order]

    kind = rng.choice(np.array(["ptz", "dome", "fixed", "unknown"]), size=n, p=[0.1, 0.3, 0.4, 0.2])
    mount = rng.choice(np.array(["street", "building", "unknown"]), size=n, p=[0.4, 0.45, 0.15])
    operator = rng.choice(np.array(["public", "private", "unknown"]), size=n, p=[0.3, 0.5, 0.2])
    directed = (kind == "fixed") & (rng.random(n) < 0.5)
    direction = np.where(directed, rng.uniform(0.0, 360.0, n), np.nan)
    fov = np.where(directed, 90.0, np.nan)
    height = np.where(rng.random(n) < 0.5, rng.uniform(2.5, 8.0, n), np.nan)
    return _camera_frame(lon, lat, kind, mount, operator, direction, fov, height, prefix="synthetic")


def brooklyn_proxy(decode_csv: str | Path, *, max_edge_m: float = 200.0) -> tuple[nx.MultiDiGraph, pd.DataFrame]:
    """A street proxy for Brooklyn from Decode Surveillance's real intersection positions, with its cameras.

    The streets are not Brooklyn's: every Delaunay edge shorter than ``max_edge_m``
    between two of the file's panorama positions becomes a straight street (both
    directions), and the largest connected part is kept. The cameras are the file's
    own, read by the project's Decode loader, at their panorama positions. It is
    a hard realistic case for routing (cameras at a third of intersections), not a
    map to show anyone.
    """
    from scipy.spatial import Delaunay  # noqa: PLC0415

    from exposure.cameras import load_cameras  # noqa: PLC0415
    from exposure.network import local_crs  # noqa: PLC0415

    table = pd.read_csv(decode_csv, usecols=["PanoramaId", "Lat", "Long"])
    lon, lat = table["Long"].to_numpy(float), table["Lat"].to_numpy(float)
    crs = local_crs(float(lon.mean()), float(lat.mean()))
    import pyproj  # noqa: PLC0415

    x, y = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(lon, lat)
    xy = np.c_[x, y]
    tri = Delaunay(xy)
    pairs = np.concatenate([tri.simplices[:, [0, 1]], tri.simplices[:, [1, 2]], tri.simplices[:, [2, 0]]])
    pairs = np.unique(np.sort(pairs, axis=1), axis=0)
    length = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T)
    keep = (length < max_edge_m) & (length > 0)
    pairs, length = pairs[keep], length[keep]
    G = nx.MultiDiGraph(crs="EPSG:4326", name="brooklyn-proxy")
    G.add_nodes_from((i, {"x": float(lon[i]), "y": float(lat[i]), "osmid": i}) for i in range(len(lon)))
    G.add_edges_from(
        (int(u), int(v), 0, {"osmid": j, "highway": "residential", "oneway": False, "reversed": rev,
                             "length": float(length[j])})
        for j, (a, b) in enumerate(pairs) for u, v, rev in ((a, b, False), (b, a, True))
    )
    G = ox.truncate.largest_component(G, strongly=True)
    G.graph["crs"] = "EPSG:4326"
    cameras = load_cameras(decode_csv).cameras
    return G, cameras


# --------------------------------------------------------------------------- buildings

#: From a street's centre line to the façades along it: half a carriageway and a pavement. Streets drawn
#: bowed by up to 8 m (GEOMETRY_SHARE) stay clear of the buildings.
SETBACK_M = 10.0
#: Shares of the grid's cells built as perimeter blocks round a courtyard, solid blocks, four detached
#: buildings with lanes between them, or left open (a park or a square). A cell a diagonal street crosses
#: is left open too.
BLOCK_KINDS = {"courtyard": 0.55, "solid": 0.2, "detached": 0.15, "open": 0.1}
#: Depth of a perimeter block's wings, in metres (European perimeter blocks: 10-16 m).
WING_M = (10.0, 16.0)
#: Width of the lanes between a cell's detached buildings, in metres.
LANE_M = 6.0


def _local_xy(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 to the local metres of :func:`_to_lonlat`."""
    return (lon - ORIGIN_LONLAT[0]) * _M_PER_DEG_LON, (lat - ORIGIN_LONLAT[1]) * _M_PER_DEG_LAT


def _cell_quads(G: nx.MultiDiGraph) -> tuple[np.ndarray, np.ndarray]:
    """Each grid cell whose four corners survive and that no diagonal street crosses: its quad (local metres)."""
    side = int(G.graph["grid_side"])
    pos = np.full((side * side, 2), np.nan)
    ids = np.fromiter(G.nodes, dtype=np.int64, count=G.number_of_nodes())
    lon = np.array([G.nodes[int(n)]["x"] for n in ids])
    lat = np.array([G.nodes[int(n)]["y"] for n in ids])
    pos[ids - NODE_ID_BASE] = np.column_stack(_local_xy(lon, lat))
    crossed = np.zeros((side - 1) * (side - 1), dtype=bool)
    for u, v in G.edges(keys=False):
        (ru, cu), (rv, cv) = divmod(u - NODE_ID_BASE, side), divmod(v - NODE_ID_BASE, side)
        if abs(ru - rv) == 1 and abs(cu - cv) == 1:
            crossed[min(ru, rv) * (side - 1) + min(cu, cv)] = True
    r, c = np.divmod(np.arange((side - 1) * (side - 1)), side - 1)
    corners = np.stack([r * side + c, r * side + c + 1, (r + 1) * side + c + 1, (r + 1) * side + c], axis=1)
    ok = ~np.isnan(pos[corners][:, :, 0]).any(axis=1) & ~crossed
    quads = pos[corners[ok]]
    return shapely.polygons(np.concatenate([quads, quads[:, :1]], axis=1)), np.flatnonzero(ok)


def city_buildings(G: nx.MultiDiGraph, *, seed: int = 0) -> np.ndarray:
    """Plausible blocks of buildings for a grid city of :func:`nyc_like_city` or :func:`synthetic_city` (WGS84).

    Every cell between four streets is set back :data:`SETBACK_M` from them and
    built as :data:`BLOCK_KINDS` says (perimeter blocks round courtyards of
    :data:`WING_M`-deep wings, solid blocks, four detached buildings, or nothing);
    the few long bowed streets that run into a cell cut their way through its
    buildings, as a passage would. Seeded; invented, like the city.
    """
    rng = np.random.default_rng([seed, 17])
    quads, _ = _cell_quads(G)
    kinds = np.array(list(BLOCK_KINDS))
    kind = rng.choice(kinds, size=len(quads), p=list(BLOCK_KINDS.values()))
    outer = shapely.buffer(quads, -SETBACK_M, join_style="mitre")
    blocks = outer.copy()
    court = kind == "courtyard"
    inner = shapely.buffer(outer[court], -rng.uniform(*WING_M, int(court.sum())), join_style="mitre")
    blocks[court] = shapely.difference(outer[court], inner)
    apart = kind == "detached"
    cx, cy = shapely.get_x(shapely.centroid(outer[apart])), shapely.get_y(shapely.centroid(outer[apart]))
    lanes = shapely.union(shapely.box(cx - LANE_M / 2, cy - 100, cx + LANE_M / 2, cy + 100),
                          shapely.box(cx - 100, cy - LANE_M / 2, cx + 100, cy + LANE_M / 2))
    blocks[apart] = shapely.difference(outer[apart], lanes)
    blocks = blocks[(kind != "open") & ~shapely.is_empty(blocks)]
    blocks = _cut_by_bowed_streets(G, blocks)
    lonlat = shapely.transform(blocks, lambda xy: np.column_stack(_to_lonlat(xy[:, 0], xy[:, 1])))
    return lonlat[~shapely.is_empty(lonlat)]


def _cut_by_bowed_streets(G: nx.MultiDiGraph, blocks: np.ndarray) -> np.ndarray:
    """Blocks less a 6 m corridor along every street drawn into them (the parallel bowed streets)."""
    lines = []
    for _, _, key, data in G.edges(keys=True, data=True):
        if key > 0 and "geometry" in data and not data.get("reversed"):
            xy = np.asarray(data["geometry"].coords)
            lines.append(shapely.linestrings(np.column_stack(_local_xy(xy[:, 0], xy[:, 1]))))
    if not lines:
        return blocks
    corridors = shapely.buffer(np.asarray(lines, dtype=object), 3.0)
    tree = shapely.STRtree(blocks)
    corridor_i, block_i = tree.query(corridors, predicate="intersects")
    out = blocks.copy()
    for b in np.unique(block_i):
        out[b] = shapely.difference(out[b], shapely.union_all(corridors[corridor_i[block_i == b]]))
    return out


def cameras_on_facades(cameras: pd.DataFrame, buildings: np.ndarray, *, max_m: float = 20.0) -> pd.DataFrame:
    """The cameras with each building-mounted one moved onto the nearest façade within ``max_m`` metres.

    OpenStreetMap's mappers put a camera on a building's outline (118 of central
    Helsinki's 221 are on or inside one); a generated city's cameras are scattered
    round its corners, so the building-mounted ones are put where a mapper would.
    """
    out = cameras.copy()
    on_building = (out["mount"] == "building").to_numpy()
    if not on_building.any() or len(buildings) == 0:
        return out
    local = shapely.transform(np.asarray(buildings, dtype=object),
                              lambda xy: np.column_stack(_local_xy(xy[:, 0], xy[:, 1])))
    x, y = _local_xy(out["lon"].to_numpy(float), out["lat"].to_numpy(float))
    pts = shapely.points(x, y)
    cam_i, poly_i = shapely.STRtree(local).query_nearest(pts[on_building], max_distance=max_m, all_matches=False)
    picked = np.flatnonzero(on_building)[cam_i]
    foot = shapely.get_coordinates(shapely.shortest_line(pts[picked], shapely.boundary(local[poly_i])))
    foot = foot.reshape(-1, 2, 2)[:, 1]
    lon, lat = _to_lonlat(foot[:, 0], foot[:, 1])
    out.loc[out.index[picked], "lon"] = lon
    out.loc[out.index[picked], "lat"] = lat
    return out


def nyc_like_city_with_buildings(*, n_edges: int = 1_000_000, cameras_per_intersection: float = 0.6,
                                 seed: int = 0) -> tuple[nx.MultiDiGraph, pd.DataFrame, np.ndarray]:
    """:func:`nyc_like_city` with :func:`city_buildings`, its building-mounted cameras on their façades.

    Returns
    -------
    G, cameras, buildings
        The graph and cameras as :func:`nyc_like_city` makes them (those on
        buildings moved by :func:`cameras_on_facades`), and the buildings' polygons
        in WGS84.
    """
    G, cameras = nyc_like_city(n_edges=n_edges, cameras_per_intersection=cameras_per_intersection, seed=seed)
    buildings = city_buildings(G, seed=seed)
    return G, cameras_on_facades(cameras, buildings), buildings
