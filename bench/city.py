"""A seeded synthetic city for benchmarks: a jittered street grid and clustered cameras.

Everything here is invented. The grid is placed near Helsinki (lon 24.9, lat 60.17)
only so that coordinates, the UTM projection and metre/degree conversions behave
as they do on a real extract; the result must never be shown to a user as a real
place or a real camera survey.
"""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import osmnx as ox
import pandas as pd
from shapely.geometry import LineString

from exposure.cameras import CAMERA_COLUMNS, apply_frt_policy, frt_policy

__all__ = ["ORIGIN_LONLAT", "synthetic_city"]

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

    G = nx.MultiDiGraph(crs="EPSG:4326", name=f"synthetic-{side}x{side}-seed{seed}")
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

    cameras = _cameras(G, n_cameras, rng, extent_m=(side - 1) * BLOCK_M)
    return G, cameras


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
    frame = pd.DataFrame(
        {
            "camera_id": pd.Series([f"synthetic:{i}" for i in range(n)], dtype=object),
            "lon": lon.astype("float64"),
            "lat": lat.astype("float64"),
            "source": pd.Series(["synthetic"] * n, dtype=object),
            "kind": pd.Series(kind.astype(object), dtype=object),
            "mount": pd.Series(mount.astype(object), dtype=object),
            "operator": pd.Series(operator.astype(object), dtype=object),
            "direction_deg": direction.astype("float64"),
            "fov_deg": fov.astype("float64"),
            "height_m": height.astype("float64"),
            "verification": pd.Series(["verified"] * n, dtype=object),
            "agreement": pd.Series([""] * n, dtype=object),
            "reports": np.ones(n, dtype="int64"),
            "observed": pd.Series([None] * n, dtype=object),
            "frt_tier": pd.Series(["medium"] * n, dtype=object),
        },
        columns=list(CAMERA_COLUMNS),
    )
    return apply_frt_policy(frame, frt_policy("default"))
