"""Tests of exposure.routing: invariants on Helsinki, exact solvers against exhaustive search, errors."""

from __future__ import annotations

import dataclasses
import json
import math

import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, milp

from exposure import settings as exposure_settings
from exposure._errors import NoRouteError
from exposure.cameras import CAMERA_COLUMNS, FRT_CAPABLE_TIERS, apply_frt_policy, frt_policy
from exposure.coverage import camera_geometry, edge_coverage, edge_exposure
from exposure.datasets import load_dataset
from exposure.network import index_graph, local_crs
from exposure.routing import (
    OBJECTIVES,
    Route,
    RoutingContext,
    alternative_routes,
    fewest_cameras_route,
    least_in_view_route,
    proof_words,
    route_from_edges,
    routes,
    shortest_route,
)

REL = 1e-6


# --- contexts ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


#: Today's coverage model (per-kind discs and sectors, no walls): these tests check routes against
#: recounts of its discs and the figures it gives, so they name it (the default cuts views by walls).
PER_KIND = "per-kind"


@pytest.fixture(scope="module")
def helsinki_ctx(helsinki):
    return helsinki.context(coverage_model=PER_KIND)


def _directed_cameras(cameras: pd.DataFrame, seed: int) -> pd.DataFrame:
    """The cameras with seeded random directions and fields of view (a third stay discs)."""
    rng = np.random.default_rng(seed)
    out = cameras.copy()
    n = len(out)
    disc = rng.random(n) < 1 / 3
    out["direction_deg"] = np.where(disc, np.nan, rng.uniform(0, 360, n))
    out["fov_deg"] = rng.choice([60.0, 90.0, 180.0, 270.0, np.nan], n)
    return out


@pytest.fixture(scope="module")
def directed_ctx(helsinki):
    """Helsinki with directed cameras, the strict FRT policy and a tenth of the cameras not counted."""
    cams = _directed_cameras(helsinki.cameras, seed=11)
    tiers = apply_frt_policy(cams, frt_policy("strict-ptz-dome"))["frt_tier"]
    counted = np.random.default_rng(12).random(len(cams)) > 0.1
    cov = edge_coverage(helsinki.index, cams, coverage_model=PER_KIND)
    ex = edge_exposure(cov, counted=counted, frt=tiers.isin(FRT_CAPABLE_TIERS).to_numpy())
    ctx = RoutingContext(index=helsinki.index, exposure=ex, camera_ids=cams["camera_id"].to_numpy(), settings={})
    return ctx, cams, cov


@pytest.fixture(scope="module")
def contexts(helsinki, helsinki_ctx, directed_ctx):
    return {
        "default": (helsinki_ctx, helsinki.cameras, helsinki.coverage(coverage_model=PER_KIND)),
        "directed": directed_ctx,
    }


@pytest.fixture
def fast_solver(monkeypatch):
    # long random trips can keep the exact solver busy for its whole 20 s limit
    monkeypatch.setattr(exposure_settings, "exact_time_limit_s", 0.5)


# --- independent recounts ---------------------------------------------------------------------


def _view_polygon(x: float, y: float, r: float, direction: float, fov: float) -> shapely.Geometry:
    if fov >= 360.0 or math.isnan(direction):
        return shapely.Point(x, y).buffer(r, quad_segs=512)
    bearings = np.radians(np.linspace(direction - fov / 2, direction + fov / 2, max(8, int(fov * 10))))
    arc = np.column_stack([x + r * np.sin(bearings), y + r * np.cos(bearings)])
    return shapely.Polygon(np.vstack([[x, y], arc, [x, y]]))


_Views = tuple[list[shapely.Geometry], np.ndarray, shapely.STRtree, shapely.Geometry]
_POLYGONS: dict[tuple[int, int], _Views] = {}


def _frt_views(cams: pd.DataFrame, ctx: RoutingContext) -> _Views:
    """Polygons of the counted FRT cameras' views, their indices, a tree of them and their union."""
    key = (id(cams), id(ctx))
    if key not in _POLYGONS:
        geom = camera_geometry(cams, ctx.index.crs)  # radii and directions only; the polygons are ours
        wanted = ctx.exposure.counted & ctx.exposure.frt
        polys = [
            _view_polygon(*geom.xy[i], geom.radius_m[i], geom.direction_deg[i], geom.fov_deg[i]) if wanted[i]
            else shapely.Point(geom.xy[i])
            for i in range(len(cams))
        ]
        chosen = [polys[i] for i in np.flatnonzero(wanted)]
        _POLYGONS[key] = (polys, np.flatnonzero(wanted), shapely.STRtree(chosen), shapely.union_all(chosen))
    return _POLYGONS[key]


def check_route(route: Route, ctx: RoutingContext, cams: pd.DataFrame, cov, source: int, target: int) -> None:
    """Check a route against its own edges, the coverage table and a shapely recount of its geometry."""
    idx, ex = ctx.index, ctx.exposure
    edges = np.asarray(route.edges, dtype=np.int64)
    # a simple walk from source to target along consecutive edges
    assert idx.edge_u[edges[0]] == source
    assert idx.edge_v[edges[-1]] == target
    np.testing.assert_array_equal(idx.edge_v[edges[:-1]], idx.edge_u[edges[1:]])
    assert list(route.node_ids) == [int(idx.node_ids[source])] + [int(idx.node_ids[v]) for v in idx.edge_v[edges]]
    assert len(set(route.node_ids)) == len(route.node_ids)
    assert route.length_m == pytest.approx(idx.length_m[edges].sum(), rel=1e-12)
    assert route.walk_min == pytest.approx(route.length_m / exposure_settings.walk_speed_m_per_min)
    assert 0.0 <= route.metres_in_view <= route.metres_in_view_any + 1e-6
    assert route.metres_in_view_any <= route.length_m + 1e-6
    assert route.share_in_view == pytest.approx(route.metres_in_view / route.length_m)
    assert route.coordinates[0] == pytest.approx(tuple(idx.node_lonlat[source]), abs=1e-7)
    assert route.coordinates[-1] == pytest.approx(tuple(idx.node_lonlat[target]), abs=1e-7)

    ids = np.asarray(ctx.camera_ids).astype(str)
    reported = set(route.camera_ids)
    reported_frt = set(route.frt_camera_ids)
    assert len(reported) == route.cameras == len(route.camera_ids)
    assert len(reported_frt) == route.frt_cameras == len(route.frt_camera_ids)
    assert reported_frt <= reported

    # recount 1: the coverage table rows of the route's edges
    rows = np.isin(cov.edge, edges)
    on_route = np.unique(cov.camera[rows])
    on_route = on_route[ex.counted[on_route]]
    assert set(ids[on_route]) == reported
    assert set(ids[on_route[ex.frt[on_route]]]) == reported_frt

    # recount 2: shapely, from the returned WGS84 geometry (rounded to 1e-7°, about a centimetre)
    polys, wanted, tree, view = _frt_views(cams, ctx)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", idx.crs, always_xy=True)
    lon, lat = np.asarray(route.coordinates).T
    line = shapely.LineString(np.column_stack(to_xy.transform(lon, lat)))
    sure_in, maybe_in = set(), set()
    for c in wanted[tree.query(line, predicate="dwithin", distance=0.02)]:
        maybe_in.add(ids[c])
        # well inside, not grazing the rim: a centimetre of rounding cannot take it out
        if line.intersection(polys[c].buffer(-0.02)).length > 0:
            sure_in.add(ids[c])
    assert sure_in <= reported_frt <= maybe_in, (
        f"missed {sorted(sure_in - reported_frt)}, extra {sorted(reported_frt - maybe_in)}"
    )

    # recount 3: metres in view, from the unrounded edge polylines
    metres = 0.0
    for e in edges:
        seg = shapely.LineString(idx.edge_xy(int(e)))
        metres += seg.intersection(view).length * idx.length_m[e] / seg.length
    assert route.metres_in_view == pytest.approx(metres, rel=5e-3, abs=0.5)


# --- invariants on Helsinki -------------------------------------------------------------------

N_HELSINKI = 2267


@pytest.mark.usefixtures("fast_solver")
@pytest.mark.parametrize("which", ["default", "directed"])
@settings(max_examples=14, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(origin=st.integers(0, N_HELSINKI - 1), destination=st.integers(0, N_HELSINKI - 1))
def test_route_invariants_on_helsinki(contexts, which, origin, destination):
    ctx, cams, cov = contexts[which]
    assert ctx.index.n_nodes == N_HELSINKI
    if origin == destination:
        with pytest.raises(NoRouteError, match="same street node"):
            shortest_route(ctx, origin, destination)
        return
    max_detour = exposure_settings.max_detour
    short = shortest_route(ctx, origin, destination)
    fewest = fewest_cameras_route(ctx, origin, destination)
    least = least_in_view_route(ctx, origin, destination)
    for route in (short, fewest, least):
        check_route(route, ctx, cams, cov, origin, destination)
    assert short.optimal is True
    d, _ = ctx.length_distances(origin)
    assert short.length_m == pytest.approx(d[destination], rel=1e-9)

    assert fewest.frt_cameras <= short.frt_cameras
    assert fewest.length_m <= (1 + max_detour) * short.length_m + 1e-6
    if fewest.frt_cameras == short.frt_cameras and fewest.optimal:
        assert fewest.length_m == pytest.approx(short.length_m, rel=REL)  # ties go to the shorter
    assert least.metres_in_view <= short.metres_in_view + 1e-6
    assert least.length_m <= (1 + max_detour) * short.length_m + 1e-6
    if least.optimal:
        assert least.metres_in_view <= fewest.metres_in_view + 1e-6
    if fewest.optimal:
        assert fewest.frt_cameras <= least.frt_cameras
    if fewest.optimal is False:
        assert any("exact search stopped" in n for n in fewest.notes)


def test_route_between_named_places(helsinki, helsinki_ctx):
    a, b = helsinki.resolve("Senaatintori"), helsinki.resolve("Rautatientori")
    found = routes(helsinki_ctx, a.node, b.node, objective="fewest-cameras", max_detour=0.5)
    short = found[0]
    assert short.label == "shortest"
    check_route(short, helsinki_ctx, helsinki.cameras, helsinki.coverage(coverage_model=PER_KIND), a.node, b.node)
    assert 400 < short.length_m < 1200  # about 600 m as the crow flies
    for r in found[1:]:
        assert r.frt_cameras < short.frt_cameras
        check_route(r, helsinki_ctx, helsinki.cameras, helsinki.coverage(coverage_model=PER_KIND), a.node, b.node)


# --- exhaustive enumeration -------------------------------------------------------------------


class TooMany(Exception):
    pass


def simple_paths_within(ctx: RoutingContext, source: int, target: int, budget: float, *, cap: int = 25_000
                        ) -> list[tuple[tuple[int, ...], float]]:
    """Every simple path (as edge indices) from source to target no longer than ``budget``.

    Depth-first search over all out-edges (parallel edges included), pruned only by an
    admissible bound: the metres walked so far plus the shortest remaining distance.
    """
    idx = ctx.index
    to_target, _ = ctx.length_distances(target, reverse=True)
    out: list[list[int]] = [[] for _ in range(idx.n_nodes)]
    for e in range(idx.n_edges):
        out[idx.edge_u[e]].append(e)
    found: list[tuple[tuple[int, ...], float]] = []
    path: list[int] = []
    visited = {source}

    def walk(node: int, walked: float) -> None:
        if node == target:
            found.append((tuple(path), walked))
            if len(found) > cap:
                raise TooMany
            return
        for e in out[node]:
            v = int(idx.edge_v[e])
            step = walked + idx.length_m[e]
            if v in visited or step + to_target[v] > budget:
                continue
            visited.add(v)
            path.append(e)
            walk(v, step)
            path.pop()
            visited.discard(v)

    walk(source, 0.0)
    return found


def frt_count_of(ctx: RoutingContext):
    """Distinct FRT cameras of a path, through the context's exposure (cameras_on and frt)."""
    ex = ctx.exposure
    per_edge = [frozenset(int(c) for c in ex.cameras_on(np.array([e])) if ex.frt[c])
                for e in range(ctx.index.n_edges)]

    def count(path: tuple[int, ...]) -> int:
        seen: set[int] = set()
        for e in path:
            seen |= per_edge[e]
        return len(seen)

    return count


def true_frontier(table: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Shortest path, then repeatedly the shortest one with fewer cameras: (cameras, metres)."""
    shortest = min(table, key=lambda r: r[1])
    frontier = [shortest]
    while True:
        fewer = [r for r in table if r[0] < frontier[-1][0]]
        if not fewer:
            return frontier
        frontier.append(min(fewer, key=lambda r: (r[1], r[0])))


def check_against_enumeration(ctx: RoutingContext, source: int, target: int, max_detour: float,
                              paths: list[tuple[tuple[int, ...], float]], *, check_alternatives: bool = True) -> None:
    count = frt_count_of(ctx)
    view = ctx.exposure.in_view_m
    table = [(count(p), length, float(view[list(p)].sum())) for p, length in paths]
    for (p, _), (c, _, _) in list(zip(paths, table, strict=True))[:: max(1, len(paths) // 20)]:
        assert c == int(ctx.exposure.frt[ctx.exposure.cameras_on(np.asarray(p, dtype=np.int64))].sum())
    assert table, "the shortest route is always within the bound"

    fewest = fewest_cameras_route(ctx, source, target, max_detour=max_detour)
    best_count = min(r[0] for r in table)
    best_len = min(r[1] for r in table if r[0] == best_count)
    assert fewest.optimal is True
    assert fewest.frt_cameras == best_count
    assert fewest.length_m == pytest.approx(best_len, rel=REL)
    assert fewest.edges in {p for p, _ in paths}

    least = least_in_view_route(ctx, source, target, max_detour=max_detour)
    best_view = min(r[2] for r in table)
    assert least.optimal is True
    assert least.metres_in_view == pytest.approx(best_view, abs=1e-6)
    assert least.edges in {p for p, _ in paths}

    if check_alternatives:
        alternatives = alternative_routes(ctx, source, target, n=50, max_detour=max_detour)
        expected = true_frontier([(c, length) for c, length, _ in table])
        got = [(r.frt_cameras, r.length_m) for r in alternatives]
        assert [c for c, _ in got] == [c for c, _ in expected]
        for (_, a), (_, b) in zip(got, expected, strict=True):
            assert a == pytest.approx(b, rel=REL)
        assert all(r.optimal for r in alternatives)


def _helsinki_short_trips(ctx: RoutingContext, *, n: int, seed: int) -> list[tuple[int, int, list]]:
    rng = np.random.default_rng(seed)
    trips = []
    while len(trips) < n:
        source = int(rng.integers(ctx.index.n_nodes))
        d, _ = ctx.length_distances(source, limit=460.0)
        candidates = np.flatnonzero((d >= 150.0) & (d <= 450.0))
        if len(candidates) == 0:
            continue
        target = int(rng.choice(candidates))
        short = shortest_route(ctx, source, target)
        if short.frt_cameras == 0:
            continue  # nothing to avoid: the solver is not exercised
        try:
            paths = simple_paths_within(ctx, source, target, 1.3 * d[target] + 1e-6, cap=15_000)
        except TooMany:
            continue
        trips.append((source, target, paths))
    return trips


@pytest.mark.parametrize("which", ["default", "directed"])
def test_exact_solvers_match_enumeration_on_helsinki(contexts, which):
    ctx = contexts[which][0]
    trips = _helsinki_short_trips(ctx, n=5, seed=2024 if which == "default" else 7)
    for source, target, paths in trips:
        check_against_enumeration(ctx, source, target, 0.3, paths)


def test_enumerator_matches_networkx():
    # the brute force itself, cross-checked with networkx on a graph small enough for all paths
    G = grid_graph(np.random.default_rng(0), rows=4, cols=4)
    ctx = grid_context(G, np.random.default_rng(1), n_cameras=0)
    idx = ctx.index
    s, t = idx.node_pos[0], idx.node_pos[15]
    budget = 1.5 * ctx.length_distances(s)[0][t]
    nx_paths = set()
    key_to_edge = {tuple(int(x) for x in k): i for i, k in enumerate(idx.edge_keys)}
    for p in nx.all_simple_edge_paths(G, 0, 15):
        edges = tuple(key_to_edge[k] for k in p)
        if idx.length_m[list(edges)].sum() <= budget:
            nx_paths.add(edges)
    mine = {p for p, _ in simple_paths_within(ctx, s, t, budget)}
    assert mine == nx_paths
    assert len(mine) > 10


# --- small generated graphs -------------------------------------------------------------------

GRID_LON, GRID_LAT = 24.9, 60.17
GRID_CRS = local_crs(GRID_LON, GRID_LAT)


def grid_graph(rng: np.random.Generator, *, rows: int, cols: int) -> nx.MultiDiGraph:
    """A jittered grid street network (WGS84, both directions), some streets missing, some doubled."""
    to_lonlat = pyproj.Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4326", GRID_CRS, always_xy=True).transform(GRID_LON, GRID_LAT)
    xy = {}
    for i in range(rows):
        for j in range(cols):
            xy[i * cols + j] = (x0 + 70.0 * j + rng.uniform(-15, 15), y0 + 70.0 * i + rng.uniform(-15, 15))
    streets = [(i * cols + j, i * cols + j + 1) for i in range(rows) for j in range(cols - 1)]
    streets += [(i * cols + j, (i + 1) * cols + j) for i in range(rows - 1) for j in range(cols)]
    U = nx.Graph(streets)
    for a, b in rng.permutation(streets)[: len(streets) // 6]:
        U.remove_edge(int(a), int(b))
        if not nx.is_connected(U):
            U.add_edge(int(a), int(b))
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in xy.items():
        lon, lat = to_lonlat.transform(x, y)
        G.add_node(n, x=float(lon), y=float(lat))

    def add(a: int, b: int, pts: list[tuple[float, float]]) -> None:
        length = float(sum(math.dist(p, q) for p, q in zip(pts[:-1], pts[1:], strict=True)))
        lonlat = [to_lonlat.transform(*p) for p in pts]
        attrs = {"length": length}
        if len(pts) > 2:
            attrs["geometry"] = shapely.LineString(lonlat)
        k = G.add_edge(a, b, **attrs)
        back = dict(attrs)
        if len(pts) > 2:
            back["geometry"] = shapely.LineString(lonlat[::-1])
        G.add_edge(b, a, key=k, **back)

    for a, b in U.edges:
        add(a, b, [xy[a], xy[b]])
        if rng.random() < 0.15:  # a second, bent street between the same corners
            mid = np.add(xy[a], xy[b]) / 2 + rng.uniform(-25, 25, 2)
            add(a, b, [xy[a], tuple(mid), xy[b]])
    return G


def grid_context(G: nx.MultiDiGraph, rng: np.random.Generator, *, n_cameras: int) -> RoutingContext:
    index = index_graph(G)
    lon = np.array([d["x"] for _, d in G.nodes(data=True)])
    lat = np.array([d["y"] for _, d in G.nodes(data=True)])
    n = n_cameras
    directed = rng.random(n) < 0.3
    cams = pd.DataFrame({
        "camera_id": [f"c{i}" for i in range(n)],
        "lon": rng.uniform(lon.min(), lon.max(), n),
        "lat": rng.uniform(lat.min(), lat.max(), n),
        "source": "test",
        "kind": rng.choice(["fixed", "unknown", "dome"], n),
        "mount": "street",
        "operator": "public",
        "direction_deg": np.where(directed, rng.uniform(0, 360, n), np.nan),
        "fov_deg": np.where(directed, rng.choice([90.0, 180.0, 270.0], n), np.nan),
        "height_m": np.nan,
        "verification": "verified",
        "agreement": "",
        "reports": 1,
        "observed": None,
        "frt_tier": "high",
    }, columns=list(CAMERA_COLUMNS))
    cov = edge_coverage(index, cams, coverage_model=PER_KIND)
    frt = rng.random(n) < 0.8
    ex = edge_exposure(cov, counted=np.ones(n, dtype=bool), frt=frt)
    return RoutingContext(index=index, exposure=ex, camera_ids=cams["camera_id"].to_numpy(), settings={})


@settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), size=st.sampled_from([(5, 5), (5, 6), (6, 6)]),
       max_detour=st.sampled_from([0.2, 0.3, 0.5, 0.8]))
def test_exact_solvers_match_enumeration_on_grids(seed, size, max_detour):
    rng = np.random.default_rng(seed)
    rows, cols = size
    G = grid_graph(rng, rows=rows, cols=cols)
    ctx = grid_context(G, rng, n_cameras=int(rng.integers(8, 30)))
    assert nx.is_strongly_connected(G)
    # from a corner block to the opposite one: many paths, many cameras to choose between
    a = int(rng.integers(2)) * cols + int(rng.integers(2))
    b = (rows - 1 - int(rng.integers(2))) * cols + cols - 1 - int(rng.integers(2))
    source, target = ctx.index.node_pos[a], ctx.index.node_pos[b]
    shortest = ctx.length_distances(source)[0][target]
    try:
        paths = simple_paths_within(ctx, source, target, (1 + max_detour) * shortest + 1e-6, cap=20_000)
    except TooMany:
        return
    check_against_enumeration(ctx, source, target, max_detour, paths)


def milp_fewest_from_scratch(ctx: RoutingContext, source: int, target: int, max_detour: float) -> tuple[int, float]:
    """Fewest FRT cameras within the detour bound, ties by length, by an integer program over the whole graph.

    Independent of the search's code: one variable per edge and per FRT camera
    (``x_e <= y_c`` for every camera seeing the edge), no detour ellipse, no camera
    groups; HiGHS proves it.
    """
    idx, ex = ctx.index, ctx.exposure
    n, k = idx.n_nodes, idx.n_edges
    budget = (1 + max_detour) * ctx.length_distances(source)[0][target] + 1e-6
    pairs = [(e, int(c)) for e in range(k) for c in ex.cameras_on(np.array([e])) if ex.frt[c]]
    cams = sorted({c for _, c in pairs})
    col = {c: i for i, c in enumerate(cams)}
    m = len(cams)
    rows = np.arange(len(pairs))
    link = sparse.hstack([
        sparse.csr_matrix((np.ones(len(pairs)), (rows, [e for e, _ in pairs])), shape=(len(pairs), k)),
        sparse.csr_matrix((-np.ones(len(pairs)), (rows, [col[c] for _, c in pairs])), shape=(len(pairs), m)),
    ])
    cols = np.r_[np.arange(k), np.arange(k)]
    flow = sparse.csr_matrix((np.r_[np.ones(k), -np.ones(k)], (np.r_[idx.edge_u, idx.edge_v], cols)), shape=(n, k))
    b = np.zeros(n)
    b[source], b[target] = 1.0, -1.0
    cons = [LinearConstraint(sparse.hstack([flow, sparse.csr_matrix((n, m))]), b, b),
            LinearConstraint(np.r_[idx.length_m, np.zeros(m)][None, :], -np.inf, budget)]
    if pairs:
        cons.append(LinearConstraint(link, -np.inf, 0.0))
    cost = np.r_[idx.length_m / (budget + 1.0), np.ones(m)]
    res = milp(cost, integrality=np.ones(k + m), bounds=Bounds(0, 1), constraints=cons,
               options={"time_limit": 120, "mip_rel_gap": 1e-9})
    assert res.status == 0, res.message
    return round(float(res.x[k:].sum())), float(idx.length_m @ (res.x[:k] > 0.5))


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(3, 60), (4, 50), (12, 15), (15, 20)]),
       max_detour=st.sampled_from([0.3, 0.5]))
def test_fewest_cameras_agrees_with_an_integer_program_on_long_generated_trips(seed, shape, max_detour):
    # 180 to 300 intersections, from one corner to the opposite one: 4-5 km across a corridor or 1-2 km across a block
    rng = np.random.default_rng(seed)
    rows, cols = shape
    ctx = grid_context(grid_graph(rng, rows=rows, cols=cols), rng, n_cameras=int(rows * cols * rng.uniform(0.2, 0.5)))
    source, target = ctx.index.node_pos[0], ctx.index.node_pos[rows * cols - 1]
    fewest = fewest_cameras_route(ctx, source, target, max_detour=max_detour)
    expected = milp_fewest_from_scratch(ctx, source, target, max_detour)
    assert fewest.optimal is True
    assert (fewest.frt_cameras, fewest.gap) == (expected[0], 0)
    assert fewest.length_m == pytest.approx(expected[1], rel=REL)
    # the request's trade-off routes lie strictly between the shortest and the fewest, each proven
    found = routes(ctx, source, target, alternatives=2, max_detour=max_detour)
    assert found[1].edges == fewest.edges
    extra = found[2:]
    assert all(found[1].frt_cameras < r.frt_cameras < found[0].frt_cameras for r in extra)
    assert all(found[0].length_m < r.length_m < found[1].length_m for r in extra)
    assert all(r.optimal for r in extra)


# --- alternatives ---------------------------------------------------------------------------


@pytest.mark.usefixtures("fast_solver")
@pytest.mark.parametrize(("origin", "destination"), [(1158, 611), (1141, 1375), (182, 679), (1520, 6), (397, 1843)])
@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_alternatives_form_a_pareto_frontier(helsinki_ctx, origin, destination, n):
    ctx = helsinki_ctx
    found = alternative_routes(ctx, origin, destination, n=n)
    short = shortest_route(ctx, origin, destination)
    assert 1 <= len(found) <= n
    assert found[0].edges == short.edges
    assert found[0].label == "shortest"
    assert len({r.edges for r in found}) == len(found)
    for a, b in zip(found[:-1], found[1:], strict=True):
        assert b.frt_cameras < a.frt_cameras
        assert b.length_m >= a.length_m - 1e-6
    for r in found:
        assert r.objective == "alternatives"
        assert r.length_m <= (1 + exposure_settings.max_detour) * short.length_m + 1e-6
    assert all(r.optimal in (True, False) for r in found)


@pytest.mark.parametrize(("origin", "destination", "expected"), [
    (1158, 611, [(4, 596.7), (2, 598.4), (1, 628.9)]),
    (1141, 1375, [(9, 608.3), (8, 610.7), (7, 616.6), (5, 769.5), (4, 770.3), (3, 771.0), (2, 777.0)]),
])
def test_alternatives_on_helsinki_reach_the_fewest_cameras(helsinki_ctx, origin, destination, expected):
    found = alternative_routes(helsinki_ctx, origin, destination, n=10)
    assert [(r.frt_cameras, round(r.length_m, 1)) for r in found] == expected
    assert found[-1].frt_cameras == fewest_cameras_route(helsinki_ctx, origin, destination).frt_cameras
    # with fewer slots: the shortest, the fewest-camera one and evenly spaced ones between them
    three = alternative_routes(helsinki_ctx, origin, destination, n=3)
    assert [(r.frt_cameras, round(r.length_m, 1)) for r in three] == [expected[0], expected[len(expected) // 2],
                                                                      expected[-1]]


def fresh(ctx: RoutingContext) -> RoutingContext:
    """The same context with nothing remembered, so that no answer proven by another test is reused."""
    return dataclasses.replace(ctx)


def gap_note(route, limit: str) -> str:
    fewer = f"{route.gap} fewer FRT camera{'s' if route.gap != 1 else ''}"
    return f"{limit}: a route past at most {fewer} may exist"


def test_alternatives_say_when_the_solver_ran_out_of_time(helsinki_ctx):
    found = alternative_routes(fresh(helsinki_ctx), 50, 1227, n=10, time_limit_s=0.0)
    assert found[0].label == "shortest"
    assert found[-1].optimal is False
    assert any("0 s limit" in note for note in found[-1].notes), found[-1].notes
    assert found[-1].lower_bound_frt is not None
    assert found[-1].gap > 0


def test_fewest_cameras_says_when_the_solver_ran_out_of_time(helsinki_ctx):
    route = fewest_cameras_route(fresh(helsinki_ctx), 50, 1227, time_limit_s=0.0)
    exact = fewest_cameras_route(fresh(helsinki_ctx), 50, 1227)
    assert route.optimal is False
    # how far from optimal it can be at most: the proven lower bound, and the difference
    assert 0 <= route.lower_bound_frt <= exact.frt_cameras <= route.frt_cameras
    assert route.gap == route.frt_cameras - route.lower_bound_frt > 0
    assert route.notes == (gap_note(route, "the exact search stopped at its 0 s limit"),)
    assert (exact.optimal, exact.lower_bound_frt, exact.gap) == (True, exact.frt_cameras, 0)
    # the fallback is still a route within the bound, and no worse than the shortest
    short = shortest_route(helsinki_ctx, 50, 1227)
    assert route.frt_cameras <= short.frt_cameras
    assert route.length_m <= (1 + exposure_settings.max_detour) * short.length_m + 1e-6


def cameras(n: int) -> str:
    return f"{n} FRT camera{'' if n == 1 else 's'}"


def test_an_unproven_route_says_in_words_how_far_from_optimal_it_may_be(helsinki_ctx):
    route = fewest_cameras_route(fresh(helsinki_ctx), 50, 1227, time_limit_s=0.0)
    n, m, g = route.lower_bound_frt, route.frt_cameras, route.gap
    assert g > 0
    words = f"at least {cameras(n)}, this route has {m} (gap {cameras(g)})"
    assert proof_words(route) == f"not proven (time limit): {words}"
    assert proof_words(route, limit_s=5) == f"not proven (5 s limit): {words}"
    assert proof_words(route, limit_s=0.5) == f"not proven (0.5 s limit): {words}"
    assert route.to_dict()["proof"] == proof_words(route)
    exact = fewest_cameras_route(fresh(helsinki_ctx), 50, 1227)
    assert proof_words(exact) == exact.to_dict()["proof"] == "proven optimal"
    # as few cameras as any route, only its length unproven: no gap in cameras, said so
    tie = dataclasses.replace(exact, optimal=False)
    assert proof_words(tie, limit_s=5) == (f"not proven (5 s limit): no route passes fewer than "
                                           f"{cameras(exact.frt_cameras)}, as this one; a shorter one with as few "
                                           "may exist")
    # no bound (least time in view): only that it is not proven; nothing to prove: nothing said
    assert proof_words(dataclasses.replace(route, lower_bound_frt=None), limit_s=5) == "not proven (5 s limit)"
    assert proof_words(dataclasses.replace(route, optimal=None)) == ""


def test_fewest_cameras_says_when_the_search_ran_out_of_memory(helsinki_ctx, monkeypatch):
    monkeypatch.setattr(exposure_settings, "max_search_memory_mb", 0.0)  # the smallest store: 1,024 labels
    route = fewest_cameras_route(fresh(helsinki_ctx), 50, 1227)  # a 1.4 km trip: 2,023 labels
    assert route.optimal is False
    assert route.notes == (gap_note(route, "the exact search hit its memory limit"),)


def test_a_trip_once_proven_is_not_answered_worse_later(helsinki_ctx):
    ctx = fresh(helsinki_ctx)
    assert fewest_cameras_route(ctx, 50, 1227, time_limit_s=0.0).optimal is False
    exact = fewest_cameras_route(ctx, 50, 1227)
    assert len(ctx.memo) == 1
    # no time at all now, but the memo holds the proof; every request on this trip and detour gets it
    again = fewest_cameras_route(ctx, 50, 1227, time_limit_s=0.0)
    assert (again.optimal, again.edges, again.gap, again.notes) == (True, exact.edges, 0, ())
    asked = routes(ctx, 50, 1227, alternatives=2, time_limit_s=0.0)
    assert asked[1].edges == exact.edges
    assert asked[1].optimal is True
    full = alternative_routes(ctx, 50, 1227, n=100)
    assert alternative_routes(ctx, 50, 1227, n=100, time_limit_s=0.0) == full
    # another detour is another question; a new context (other policies, areas closed) knows nothing
    assert fewest_cameras_route(ctx, 50, 1227, max_detour=0.3, time_limit_s=0.0).optimal is False
    assert fewest_cameras_route(fresh(ctx), 50, 1227, time_limit_s=0.0).optimal is False
    assert len(ctx.without(np.zeros(ctx.index.n_edges, dtype=bool)).memo) == 0


def test_the_memo_is_never_pickled_and_forgets_the_oldest_trips(helsinki_ctx):
    import pickle

    ctx = fresh(helsinki_ctx)
    ctx.memo.size = 2
    for o, d in ((50, 1227), (893, 1763), (628, 1954)):
        fewest_cameras_route(ctx, o, d)
    assert len(ctx.memo) == 2
    assert ctx.memo.get((50, 1227, 0.5)).fewest is None  # keyed by origin, destination (node indices) and detour
    assert ctx.memo.get((628, 1954, 0.5)).proven
    copy = pickle.loads(pickle.dumps(ctx.memo))
    assert (len(copy), copy.size) == (0, 2)


def test_least_in_view_says_when_the_solver_ran_out_of_time(helsinki_ctx):
    # Lagrangian relaxation leaves a gap on this trip; the label search that closes it gets no time
    route = least_in_view_route(helsinki_ctx, 714, 1680, time_limit_s=0.0)
    exact = least_in_view_route(helsinki_ctx, 714, 1680)
    assert exact.optimal is True
    assert route.optimal is False
    assert route.notes == ("the exact search stopped at its 0 s limit: a route with less in view may exist",)
    assert route.metres_in_view >= exact.metres_in_view  # LARAC's route may be optimal, just not proven


def test_alternatives_without_cameras_to_avoid(helsinki_ctx):
    found = alternative_routes(helsinki_ctx, 1928, 1443, n=3)
    assert len(found) == 1
    assert found[0].frt_cameras == 0


def test_routes_puts_shortest_first_and_drops_duplicates(helsinki_ctx):
    ctx = helsinki_ctx
    assert [r.objective for r in routes(ctx, 1158, 611, objective="shortest")] == ["shortest"]
    found = routes(ctx, 1158, 611, objective="fewest-cameras", alternatives=3)
    assert found[0].objective == "shortest"
    assert found[1].objective == "fewest-cameras"
    assert len({r.edges for r in found}) == len(found)
    # no camera anywhere near: every objective gives the shortest route, listed once
    assert len(routes(ctx, 1928, 1443, objective="least-time-in-view", alternatives=2)) == 1


# --- hard constraints ----------------------------------------------------------------------


@settings(max_examples=12, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(origin=st.integers(0, N_HELSINKI - 1), destination=st.integers(0, N_HELSINKI - 1),
       seed=st.integers(0, 2**16))
def test_blocked_edges_are_never_used(helsinki_ctx, origin, destination, seed):
    ctx = helsinki_ctx
    if origin == destination:
        return
    # close every street the first answer used but its first and last, and a random tenth of the city
    first = routes(ctx, origin, destination, objective="fewest-cameras", alternatives=2)
    street = ctx.index.street_id
    closed = np.isin(street, street[[e for r in first for e in r.edges[1:-1]]])
    closed |= np.random.default_rng(seed).random(ctx.index.n_edges) < 0.1
    constrained = ctx.without(closed)
    try:
        found = routes(constrained, origin, destination, objective="fewest-cameras", alternatives=3)
    except NoRouteError:
        return
    found.append(least_in_view_route(constrained, origin, destination))
    found.extend(alternative_routes(constrained, origin, destination, n=10))
    for r in found:
        assert not closed[list(r.edges)].any(), r.label
        assert r.length_m <= (1 + exposure_settings.max_detour) * found[0].length_m + 1e-6


def test_closing_every_way_out_is_no_route(helsinki_ctx):
    ctx = helsinki_ctx
    out = ctx.index.edge_u == 1141
    with pytest.raises(NoRouteError, match="no walking route connects"):
        routes(ctx.without(out), 1141, 1375)
    with pytest.raises(ValueError, match="one boolean per edge"):
        ctx.without(np.zeros(3, dtype=bool))


# --- error paths ----------------------------------------------------------------------------


def two_islands() -> RoutingContext:
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for n, (x, y) in enumerate([(24.90, 60.17), (24.901, 60.17), (24.91, 60.17), (24.911, 60.17)]):
        G.add_node(n, x=x, y=y)
    for a, b in [(0, 1), (2, 3)]:
        G.add_edge(a, b, length=55.5)
        G.add_edge(b, a, length=55.5)
    index = index_graph(G)
    cams = pd.DataFrame(columns=list(CAMERA_COLUMNS)).astype({"lon": float, "lat": float, "direction_deg": float,
                                                               "fov_deg": float})
    ex = edge_exposure(edge_coverage(index, cams, coverage_model=PER_KIND), counted=np.zeros(0, bool),
                       frt=np.zeros(0, bool))
    return RoutingContext(index=index, exposure=ex, camera_ids=np.array([], dtype=object), settings={})


def test_same_origin_and_destination_is_no_route(helsinki_ctx):
    for find in (shortest_route, fewest_cameras_route, least_in_view_route, alternative_routes):
        with pytest.raises(NoRouteError, match="origin and destination are the same street node"):
            find(helsinki_ctx, 5, 5)
    with pytest.raises(NoRouteError, match="same street node"):
        routes(helsinki_ctx, 5, 5)


def test_node_outside_the_network_is_no_route(helsinki_ctx):
    with pytest.raises(NoRouteError, match=r"destination node index 99999 is outside the network \(0\.\.2266\)"):
        shortest_route(helsinki_ctx, 5, 99999)
    with pytest.raises(NoRouteError, match=r"origin node index -1 is outside the network"):
        fewest_cameras_route(helsinki_ctx, -1, 5)


def test_disconnected_graph_is_no_route():
    ctx = two_islands()
    a, b = ctx.index.node_pos[0], ctx.index.node_pos[3]
    assert shortest_route(ctx, a, ctx.index.node_pos[1]).length_m == pytest.approx(55.5)
    for find in (shortest_route, fewest_cameras_route, least_in_view_route, alternative_routes):
        with pytest.raises(NoRouteError, match="no walking route connects the origin and the destination"):
            find(ctx, a, b)


def test_negative_detour_is_a_value_error(helsinki_ctx):
    for find in (fewest_cameras_route, least_in_view_route, alternative_routes):
        with pytest.raises(ValueError, match=r"max_detour must be >= 0 .* got -0\.1"):
            find(helsinki_ctx, 1158, 611, max_detour=-0.1)
    with pytest.raises(ValueError, match="max_detour must be >= 0"):
        routes(helsinki_ctx, 1158, 611, max_detour=-1.0)


def test_zero_detour_gives_the_shortest_route(helsinki_ctx):
    short = shortest_route(helsinki_ctx, 1158, 611)
    assert fewest_cameras_route(helsinki_ctx, 1158, 611, max_detour=0.0).length_m == pytest.approx(short.length_m)
    assert least_in_view_route(helsinki_ctx, 1158, 611, max_detour=0.0).length_m == pytest.approx(short.length_m)


def test_unknown_objective_is_a_value_error(helsinki_ctx):
    with pytest.raises(ValueError, match=r"unknown objective 'fastest'; choose one of shortest, fewest-cameras"):
        routes(helsinki_ctx, 1158, 611, objective="fastest")
    assert set(OBJECTIVES) == {"shortest", "fewest-cameras", "least-time-in-view"}


@pytest.mark.parametrize("n", [0, -2])
def test_zero_alternatives_is_a_value_error(helsinki_ctx, n):
    with pytest.raises(ValueError, match=f"the number of alternatives must be at least 1, got {n}"):
        alternative_routes(helsinki_ctx, 1158, 611, n=n)


# --- the JSON form ----------------------------------------------------------------------------

STABLE_KEYS = {"label", "objective", "length_m", "walk_min", "cameras", "frt_cameras", "camera_ids",
               "metres_in_view", "share_in_view", "optimal", "lower_bound_frt", "gap", "proof",
               "geometry"}


def test_route_to_dict_is_stable_json(helsinki, helsinki_ctx):
    a, b = helsinki.resolve("Senaatintori"), helsinki.resolve("Kauppatori")
    for route in routes(helsinki_ctx, a.node, b.node, objective="least-time-in-view", alternatives=2):
        d = route.to_dict()
        assert set(d) >= STABLE_KEYS
        text = json.dumps(d, allow_nan=False)
        back = json.loads(text)
        assert back["geometry"]["type"] == "LineString"
        assert back["geometry"]["coordinates"] == [list(c) for c in route.coordinates]
        assert len(back["geometry"]["coordinates"]) >= 2
        assert back["length_m"] == pytest.approx(route.length_m, abs=0.05)
        assert back["walk_min"] == pytest.approx(route.length_m / 80.0, abs=0.05)
        assert back["camera_ids"] == list(route.camera_ids)
        assert back["cameras"] == len(back["camera_ids"])
        assert back["frt_cameras"] == route.frt_cameras
        assert 0.0 <= back["share_in_view"] <= 1.0
        assert back["optimal"] in (True, False, None)
        assert isinstance(back["label"], str)
        assert back["objective"] in {*OBJECTIVES, "alternatives"}
        # the proven bound on the fewest cameras, where a route answers that question
        if back["lower_bound_frt"] is None:
            assert back["gap"] is None
        else:
            assert back["gap"] == back["frt_cameras"] - back["lower_bound_frt"] >= 0
    fewest = routes(helsinki_ctx, a.node, b.node)[-1].to_dict()
    assert (fewest["objective"], fewest["optimal"], fewest["gap"]) == ("fewest-cameras", True, 0)
    assert fewest["lower_bound_frt"] == fewest["frt_cameras"]


def test_route_to_dict_of_a_route_without_cameras():
    ctx = two_islands()
    route = route_from_edges(ctx, [0], label="x", objective="shortest", optimal=None)
    d = json.loads(json.dumps(route.to_dict(), allow_nan=False))
    assert d["cameras"] == 0
    assert d["camera_ids"] == []
    assert d["metres_in_view"] == 0.0
    assert d["share_in_view"] == 0.0
    assert d["optimal"] is None


# --- parallel streets of equal length ---------------------------------------------------------


def _equal_parallel_streets(*, southern_extra_m: float = 0.0) -> tuple[RoutingContext, int, int]:
    """Three ways from S to T: Z (shortest, 4 cameras), Y (3 cameras) and X (2 cameras, longest).

    X crosses from A to B by either of two parallel streets of exactly equal length (a
    symmetric pair, like the two halves of a round square); camera c1 sees only the northern
    one, c2 only the southern one. Camera c3 sees three consecutive edges of X.
    """
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4326", GRID_CRS, always_xy=True).transform(GRID_LON, GRID_LAT)
    to_lonlat = pyproj.Transformer.from_crs(GRID_CRS, "EPSG:4326", always_xy=True)

    def lonlat(p: tuple[float, float]) -> tuple[float, float]:
        lon, lat = to_lonlat.transform(x0 + p[0], y0 + p[1])
        return float(lon), float(lat)

    nodes = {"S": (0, 0), "T": (400, 0), "Z1": (100, 0), "Z2": (200, 0), "Z3": (300, 0),
             "Y1": (100, -120), "Y2": (300, -120), "A": (60, 110), "B": (340, 110),
             "X1": (360, 110 - 110 / 3), "X2": (380, 110 - 220 / 3)}
    ids = {name: i for i, name in enumerate(nodes)}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    for name, p in nodes.items():
        lon, lat = lonlat(p)
        G.add_node(ids[name], x=lon, y=lat)

    def add(a: str, b: str, via: tuple[float, float] | None = None, length: float | None = None) -> None:
        pts = [nodes[a], via, nodes[b]] if via else [nodes[a], nodes[b]]
        metres = length or sum(math.dist(p, q) for p, q in zip(pts[:-1], pts[1:], strict=True))
        attrs: dict = {"length": metres}
        if via:
            attrs["geometry"] = shapely.LineString([lonlat(p) for p in pts])
        k = G.add_edge(ids[a], ids[b], **attrs)
        if via:
            attrs = {**attrs, "geometry": shapely.LineString([lonlat(p) for p in pts[::-1]])}
        G.add_edge(ids[b], ids[a], key=k, **attrs)

    for a, b in [("S", "Z1"), ("Z1", "Z2"), ("Z2", "Z3"), ("Z3", "T"), ("S", "Y1"), ("Y1", "Y2"), ("Y2", "T"),
                 ("S", "A"), ("B", "X1"), ("X1", "X2"), ("X2", "T")]:
        add(a, b)
    half = 2 * math.hypot(140, 40)
    add("A", "B", via=(200, 150), length=half)
    add("A", "B", via=(200, 70), length=half + southern_extra_m)
    index = index_graph(G)
    cam_xy = [(50, -5), (150, -5), (250, -5), (350, -5),  # Z
              (65.36, -47.2), (200, -100), (334.64, -47.2),  # Y: 20 m off each edge's middle
              (200, 160), (200, 60),  # c1 north, c2 south
              (370, 55)]  # c3
    n = len(cam_xy)
    points = [lonlat(p) for p in cam_xy]
    cams = pd.DataFrame({
        "camera_id": ["z1", "z2", "z3", "z4", "y1", "y2", "y3", "c1", "c2", "c3"],
        "lon": [p[0] for p in points], "lat": [p[1] for p in points],
        "source": "test", "kind": ["unknown"] * 9 + ["fixed"], "mount": "street", "operator": "public",
        "direction_deg": np.nan, "fov_deg": np.nan, "height_m": np.nan, "verification": "verified",
        "agreement": "", "reports": 1, "observed": None, "frt_tier": "high",
    }, columns=list(CAMERA_COLUMNS))
    ex = edge_exposure(edge_coverage(index, cams, coverage_model=PER_KIND), counted=np.ones(n, bool),
                       frt=np.ones(n, bool))
    ctx = RoutingContext(index=index, exposure=ex, camera_ids=cams["camera_id"].to_numpy(), settings={})
    return ctx, index.node_pos[ids["S"]], index.node_pos[ids["T"]]


def test_equal_parallel_streets_setup():
    ctx, s, t = _equal_parallel_streets()
    paths = simple_paths_within(ctx, s, t, 1.5 * 400.0 + 1e-6)
    count = frt_count_of(ctx)
    table = sorted((count(p), round(length, 1)) for p, length in paths)
    assert table == [(2, 541.8), (2, 541.8), (3, 512.4), (4, 400.0)]
    assert shortest_route(ctx, s, t).frt_cameras == 4


def test_exact_solvers_tell_equal_parallel_streets_apart():
    ctx, s, t = _equal_parallel_streets()
    fewest = fewest_cameras_route(ctx, s, t, max_detour=0.5)
    assert (fewest.frt_cameras, fewest.optimal) == (2, True), (fewest.frt_cameras, fewest.camera_ids)
    paths = simple_paths_within(ctx, s, t, 1.5 * 400.0 + 1e-6)
    check_against_enumeration(ctx, s, t, 0.5, paths)


def test_exact_solvers_with_parallel_streets_a_centimetre_apart():
    # the control for the test above: once the lengths differ, the two streets are told apart
    ctx, s, t = _equal_parallel_streets(southern_extra_m=0.01)
    assert fewest_cameras_route(ctx, s, t, max_detour=0.5).frt_cameras == 2
    check_against_enumeration(ctx, s, t, 0.5, simple_paths_within(ctx, s, t, 1.5 * 400.0 + 1e-6))


@pytest.mark.parametrize(("extra_m", "expected"), [
    (34.0, "+34 m (under a minute more), 2 fewer FRT cameras"),
    (43.0, "+43 m (+1 min), 2 fewer FRT cameras"),
])
def test_the_trade_off_in_words_never_says_plus_zero_minutes(helsinki_ctx, extra_m: float, expected: str) -> None:
    import dataclasses

    from exposure.routing import compare_with_shortest

    short = shortest_route(helsinki_ctx, 1158, 611)
    other = dataclasses.replace(short, edges=short.edges[:-1], length_m=short.length_m + extra_m,
                                walk_min=short.walk_min + extra_m / exposure_settings.walk_speed_m_per_min,
                                frt_cameras=short.frt_cameras - 2)
    assert compare_with_shortest(other, short) == expected


def test_alternatives_n_are_n_routes_beyond_the_shortest_and_the_objectives(helsinki_ctx) -> None:
    """--alternatives N: N extra trade-off routes, when the trade-off set has that many between the two."""
    # 1141 → 1375 has 7 routes on its trade-off set: the shortest, 5 between, the fewest-camera one
    for n in range(6):
        found = routes(helsinki_ctx, 1141, 1375, objective="fewest-cameras", alternatives=n)
        assert [r.label for r in found[:2]] == ["shortest", "fewest cameras"]
        extra = found[2:]
        assert len(extra) == min(n, 5)
        assert [r.label for r in extra] == [f"alternative {i}" for i in range(1, len(extra) + 1)]
        assert all(r.objective == "alternatives" for r in extra)
        # each strictly between the two it is shown with
        assert all(found[1].frt_cameras < r.frt_cameras < found[0].frt_cameras for r in extra)


# --- bounded requests (issue 12) ---------------------------------------------------------------


def test_detour_and_trip_length_are_bounded_before_the_search(helsinki_ctx, monkeypatch) -> None:
    index = helsinki_ctx.index
    a, b = 0, int(np.argmax(np.hypot(*(index.node_xy - index.node_xy[0]).T)))
    with pytest.raises(ValueError, match=r"max_detour 1e\+300 .*over the limit of 3 "
                                         r"\(exposure\.settings\.max_detour_allowed\); ask for a smaller detour, or "
                                         r"raise exposure\.settings\.max_detour_allowed"):
        routes(helsinki_ctx, a, b, max_detour=1e300)
    with pytest.raises(ValueError, match=r"max_detour must be >= 0"):
        routes(helsinki_ctx, a, b, max_detour=float("nan"))
    monkeypatch.setattr(exposure_settings, "max_trip_km", 0.1)
    with pytest.raises(NoRouteError, match=r"the origin and the destination are [0-9.]+ km apart in a straight "
                                           r"line, over the limit of 0\.1 km \(exposure\.settings\.max_trip_km\)"):
        routes(helsinki_ctx, a, b)


@pytest.mark.parametrize("limit", [float("nan"), float("inf"), -1.0])
def test_time_limits_must_be_finite(helsinki_ctx, limit: float) -> None:
    with pytest.raises(ValueError, match=r"the time limit must be a number of seconds >= 0"):
        routes(helsinki_ctx, 0, 5, time_limit_s=limit)


def test_a_route_remembered_under_a_budget_never_answers_a_budget_under_its_length(helsinki_ctx):
    # walking the trade-off set back asks for the fewest-camera route within a budget 5 mm under the last route's
    # length; a remembered route must fit the budget asked (budgets rounded to 0.1 m once gave the same route back
    # for ever: the complete set on 3 of 200 long benchmark trips never returned)
    full = alternative_routes(fresh(helsinki_ctx), 50, 1227, n=100)
    fewest = full[-1]
    assert len(full) > 1
    assert fewest.length_m > full[0].length_m
    ctx = fresh(helsinki_ctx)
    exact_m = float(ctx.index.length_m[np.asarray(fewest.edges)].sum())
    ctx.memo.learn((50, 1227, 0.5), capped={exact_m: np.asarray(fewest.edges)})  # true: it is the route within that
    assert alternative_routes(ctx, 50, 1227, n=100) == full
