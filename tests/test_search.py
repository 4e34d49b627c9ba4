"""Tests of exposure._search: the exact label-setting searches against brute force and an integer program."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_matrix, csr_matrix, hstack
from scipy.sparse.csgraph import dijkstra

from exposure import _search
from exposure.datasets import load_dataset
from exposure.routing.ellipse import detour_subgraph, subgraph_to_target
from exposure.routing.fewest import camera_problem

# --- random abstract problems ------------------------------------------------------------------


def random_problem(rng: np.random.Generator) -> dict:
    """A small jittered grid of streets (both directions of each, some doubled) with cameras.

    Each camera sees the streets within its reach of a random point (compact, like
    a real camera's view); a few see one far street too, which real cameras never
    do but the search must still count right.
    """
    rows, cols = int(rng.integers(2, 5)), int(rng.integers(3, 5))
    n = rows * cols
    xy = np.array([(70.0 * (i % cols), 70.0 * (i // cols)) for i in range(n)]) + rng.uniform(-15, 15, (n, 2))
    streets = [(i, i + 1) for i in range(n) if i % cols < cols - 1] + [(i, i + cols) for i in range(n - cols)]
    streets = [s for s in streets if rng.random() > 0.1]
    streets += [(i, i + cols + 1) for i in range(n - cols) if i % cols < cols - 1 and rng.random() < 0.2]
    streets += [s for s in streets if rng.random() < 0.1]  # a second street between the same corners
    n_cams = int(rng.integers(1, 12))
    centre = rng.uniform(-20, 70.0 * max(rows, cols), (n_cams, 2))
    reach = rng.uniform(20, 90, n_cams)
    u, v, length, pair_edge, pair_camera = [], [], [], [], []
    for a, b in streets:
        street_len = float(np.hypot(*(xy[a] - xy[b]))) * rng.uniform(1.0, 1.2)
        mid = (xy[a] + xy[b]) / 2
        seen = [c for c in range(n_cams) if np.hypot(*(mid - centre[c])) < reach[c] or rng.random() < 0.02]
        for x, y in ((a, b), (b, a)):
            e = len(u)
            u.append(x)
            v.append(y)
            length.append(street_len)
            pair_edge += [e] * len(seen)
            pair_camera += seen
    return {"n": n, "xy": xy, "u": np.array(u, dtype=np.int64), "v": np.array(v, dtype=np.int64),
            "length": np.array(length), "pair_edge": np.array(pair_edge, dtype=np.int64),
            "pair_camera": np.array(pair_camera, dtype=np.int64),
            "view": rng.uniform(0, 50, len(u)) * (rng.random(len(u)) < 0.6)}


def distances_to(p: dict, target: int) -> np.ndarray:
    d = np.full(p["n"], np.inf)
    d[target] = 0.0
    for _ in range(p["n"]):  # Bellman-Ford: tiny graphs
        for e in range(len(p["u"])):
            d[p["u"][e]] = min(d[p["u"][e]], p["length"][e] + d[p["v"][e]])
    return d


def simple_paths(p: dict, source: int, target: int, budget: float) -> list[list[int]]:
    out_edges = [[e for e in range(len(p["u"])) if p["u"][e] == x] for x in range(p["n"])]
    found: list[list[int]] = []

    def walk(x: int, path: list[int], seen: set[int], walked: float) -> None:
        if x == target:
            found.append(list(path))
            return
        for e in out_edges[x]:
            y = int(p["v"][e])
            if y in seen or walked + p["length"][e] > budget + 1e-9:
                continue
            walk(y, [*path, e], seen | {y}, walked + p["length"][e])

    walk(source, [], {source}, 0.0)
    return found


def cameras_of(p: dict, path: list[int]) -> set[int]:
    on = np.isin(p["pair_edge"], path)
    return set(p["pair_camera"][on].tolist())


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), detour=st.sampled_from([0.0, 0.2, 0.5, 1.0]))
def test_camera_search_matches_brute_force(seed, detour):
    rng = np.random.default_rng(seed)
    p = random_problem(rng)
    source, target = 0, p["n"] - 1
    dt = distances_to(p, target)
    if not np.isfinite(dt[source]):
        return  # a street was left out where the grid needed it
    budget = (1 + detour) * dt[source] + 1e-6
    problem = _search.CameraProblem(u=p["u"], v=p["v"], length_m=p["length"], pair_edge=p["pair_edge"],
                                    pair_camera=p["pair_camera"], node_xy=p["xy"], to_target_m=dt,
                                    source=source, target=target)
    paths = simple_paths(p, source, target, budget)
    table = [(len(cameras_of(p, q)), float(p["length"][q].sum()), q) for q in paths]
    best = min(table, key=lambda r: (r[0], r[1]))

    assert problem.lower_bound <= best[0]
    status, found, _, _ = problem.search(budget_m=budget, mode=0)
    assert status == "proven"
    count, length, edges = found[0]
    assert (count, length) == (best[0], pytest.approx(best[1]))
    assert len(cameras_of(p, list(edges))) == count
    assert float(p["length"][edges].sum()) == pytest.approx(length)
    nodes = [source, *p["v"][edges].tolist()]
    assert len(set(nodes)) == len(nodes), "a route never walks through a node twice"

    # the trade-off set: the shortest route, then each time the shortest with fewer cameras
    frontier = [min(table, key=lambda r: (r[1], r[0]))]
    while any(r[0] < frontier[-1][0] for r in table):
        frontier.append(min((r for r in table if r[0] < frontier[-1][0]), key=lambda r: (r[1], r[0])))
    status, points, _, _ = problem.search(budget_m=budget, mode=1, stop_count=problem.lower_bound)
    assert status == "proven"
    assert [c for c, _, _ in points] == [c for c, _, _ in frontier]
    assert [length for _, length, _ in points] == pytest.approx([length for _, length, _ in frontier])
    for c, _, edges in points:
        assert len(cameras_of(p, list(edges))) == c
    # stopped at the fewest count and bounded by its length, it ends at the same route's figures
    status, points, _, _ = problem.search(budget_m=best[1] + 1e-6, mode=1, stop_count=best[0])
    assert (points[-1][0], points[-1][1]) == (best[0], pytest.approx(best[1]))
    # a greedy dive finds a real route within the budget, never called proven
    status, found, _, _ = problem.search(budget_m=budget, mode=0, greed=1.5)
    assert status == "found"
    count, length, edges = found[0]
    assert (len(cameras_of(p, list(edges))), float(p["length"][edges].sum())) == (count, pytest.approx(length))
    assert best[0] <= count
    assert length <= budget + 1e-9


@settings(max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1))
def test_the_bound_never_exceeds_what_a_route_still_meets(seed):
    # every prefix of every simple route: cameras met so far + the moats' bound <= the route's cameras
    rng = np.random.default_rng(seed)
    p = random_problem(rng)
    source, target = 0, p["n"] - 1
    dt = distances_to(p, target)
    if not np.isfinite(dt[source]):
        return
    problem = _search.CameraProblem(u=p["u"], v=p["v"], length_m=p["length"], pair_edge=p["pair_edge"],
                                    pair_camera=p["pair_camera"], node_xy=p["xy"], to_target_m=dt,
                                    source=source, target=target)
    bits = np.unpackbits(problem.e_mask.view(np.uint8), axis=1, bitorder="little")[:, : problem.n_groups] > 0
    checked = 0
    routes = simple_paths(p, source, target, np.inf)
    for route in routes[:400]:
        total = int(problem.group_weight[bits[route].any(axis=0)].sum())
        assert total == len(cameras_of(p, route))
        met = np.zeros(problem.n_groups, dtype=bool)
        node = source
        for i in range(len(route) + 1):
            count = int(problem.group_weight[met].sum())
            assert count + problem.still_to_meet(node, met) <= total, (route, i)
            checked += 1
            if i < len(route):
                met |= bits[route[i]]
                node = int(p["v"][route[i]])
    assert problem.lower_bound <= min(int(problem.group_weight[bits[r].any(axis=0)].sum()) for r in routes)
    assert checked > 0


@settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), detour=st.sampled_from([0.0, 0.2, 0.5, 1.0]))
def test_view_search_matches_brute_force(seed, detour):
    rng = np.random.default_rng(seed)
    p = random_problem(rng)
    source, target = 0, p["n"] - 1
    dt = distances_to(p, target)
    if not np.isfinite(dt[source]):
        return
    budget = (1 + detour) * dt[source] + 1e-6
    saved = dict(p)
    saved["length"] = p["view"]
    hv = distances_to(saved, target)
    ptr, order = _search.adjacency(p["u"], p["n"])
    status, edges, _ = _search.view_search(ptr, order, p["v"].astype(np.int64), p["length"], p["view"], dt, hv,
                                           source, target, budget, np.inf, np.inf, 10_000)
    assert status == 0
    paths = simple_paths(p, source, target, budget)
    best = min((float(p["view"][q].sum()), float(p["length"][q].sum())) for q in paths)
    got = (float(p["view"][edges].sum()), float(p["length"][edges].sum()))
    assert got[0] == pytest.approx(best[0], abs=1e-9)
    assert float(p["length"][edges].sum()) <= budget


def test_search_reports_a_time_limit_and_a_label_limit():
    rng = np.random.default_rng(3)
    p = random_problem(rng)
    dt = distances_to(p, p["n"] - 1)
    problem = _search.CameraProblem(u=p["u"], v=p["v"], length_m=p["length"], pair_edge=p["pair_edge"],
                                    pair_camera=p["pair_camera"], node_xy=p["xy"], to_target_m=dt,
                                    source=0, target=p["n"] - 1)
    status, found, _, _ = problem.search(budget_m=2 * dt[0], mode=0, deadline=0.0)
    assert (status, found) == ("time limit", [])


# --- an independent integer program on real trips ---------------------------------------------


def _flow(sub) -> tuple[csr_matrix, np.ndarray]:
    n, k = len(sub.nodes), len(sub.edges)
    cols = np.arange(k)
    a = coo_matrix((np.r_[np.ones(k), -np.ones(k)], (np.r_[sub.u, sub.v], np.r_[cols, cols])), shape=(n, k)).tocsr()
    b = np.zeros(n)
    b[sub.source], b[sub.target] = 1.0, -1.0
    return a, b


def milp_fewest(ctx, sub) -> tuple[int, float]:
    """Fewest FRT cameras within the budget, ties by length: one variable per edge and per camera."""
    problem = camera_problem(ctx, sub)
    k = len(sub.edges)
    ge, gg = np.nonzero(np.unpackbits(problem.e_mask.view(np.uint8), axis=1, bitorder="little"))
    n_g = problem.n_groups
    a, b = _flow(sub)
    length = ctx.index.length_m[sub.edges]
    link = hstack([csr_matrix((np.ones(len(ge)), (np.arange(len(ge)), ge)), shape=(len(ge), k)),
                   csr_matrix((-np.ones(len(ge)), (np.arange(len(ge)), gg)), shape=(len(ge), n_g))]).tocsr()
    cons = [LinearConstraint(hstack([a, csr_matrix((a.shape[0], n_g))]).tocsr(), b, b),
            LinearConstraint(np.r_[length, np.zeros(n_g)][None, :], -np.inf, sub.budget_m),
            LinearConstraint(link, -np.inf, 0.0)]
    cost = np.r_[length / (sub.budget_m + 1.0), problem.group_weight.astype(float)]
    res = milp(cost, integrality=np.ones(k + n_g), bounds=Bounds(0, 1), constraints=cons,
               options={"time_limit": 120, "mip_rel_gap": 1e-9})
    assert res.status == 0, res.message
    x = res.x[:k] > 0.5
    return round(float(res.x[k:] @ problem.group_weight)), float(length[x].sum())


def milp_least_in_view(ctx, sub) -> float:
    length = ctx.index.length_m[sub.edges]
    view = ctx.exposure.in_view_m[sub.edges]
    a, b = _flow(sub)
    res = milp(view, integrality=np.ones(len(view)), bounds=Bounds(0, 1),
               constraints=[LinearConstraint(a, b, b), LinearConstraint(length[None, :], -np.inf, sub.budget_m)],
               options={"time_limit": 120, "mip_rel_gap": 1e-9})
    assert res.status == 0, res.message
    return float(res.fun)


@pytest.fixture(scope="module")
def helsinki_ctx():
    # today's per-kind coverage: the trips below were chosen for how long their searches run under it
    return load_dataset("helsinki").context(coverage_model="per-kind")


@pytest.mark.parametrize(("origin", "destination"), [(697, 122), (628, 1954), (2200, 1613), (1520, 18)])
def test_fewest_cameras_agrees_with_an_integer_program_on_helsinki(helsinki_ctx, origin, destination):
    sub, _ = detour_subgraph(helsinki_ctx, origin, destination, 0.5)
    problem = camera_problem(helsinki_ctx, sub)
    status, found, _, _ = problem.search(budget_m=sub.budget_m, mode=0)
    assert status == "proven"
    count, length, _ = found[0]
    expected = milp_fewest(helsinki_ctx, sub)
    assert count == expected[0]
    assert length == pytest.approx(expected[1], abs=0.01)


@pytest.mark.parametrize(("origin", "destination"), [(1520, 1824), (714, 1680), (447, 1528), (1296, 316)])
def test_least_in_view_agrees_with_an_integer_program_on_helsinki(helsinki_ctx, origin, destination):
    # trips on which Lagrangian relaxation leaves a gap, so that the label search decides
    sub, _ = detour_subgraph(helsinki_ctx, origin, destination, 0.5)
    length = helsinki_ctx.index.length_m[sub.edges]
    cost = helsinki_ctx.exposure.in_view_m[sub.edges] + 1e-3 / sub.budget_m * length
    ptr, order = _search.adjacency(sub.u, len(sub.nodes))
    status, edges, _ = _search.view_search(ptr, order, sub.v.astype(np.int64), length, cost, sub.to_target_m,
                                           subgraph_to_target(sub, cost), sub.source, sub.target, sub.budget_m,
                                           np.inf, np.inf, 5_000_000)
    assert status == 0
    assert float(length[edges].sum()) <= sub.budget_m
    got = float(helsinki_ctx.exposure.in_view_m[sub.edges][edges].sum())
    assert got == pytest.approx(milp_least_in_view(helsinki_ctx, sub), abs=1e-3)


def hard_grid_problem(seed: int = 0) -> tuple[_search.CameraProblem, float]:
    """A 40 x 40 street grid under 1,200 cameras seeing 120 m around them, corner to corner at 100 % detour.

    Far beyond what the search proves in a second, so that a test can watch it run into its limit.
    """
    rng = np.random.default_rng(seed)
    side = 40
    n = side * side
    xy = np.array([(80.0 * (i % side), 80.0 * (i // side)) for i in range(n)]) + rng.uniform(-10, 10, (n, 2))
    streets = np.array([(i, i + 1) for i in range(n) if i % side < side - 1] + [(i, i + side) for i in range(n - side)])
    u, v = np.r_[streets[:, 0], streets[:, 1]], np.r_[streets[:, 1], streets[:, 0]]
    length = np.hypot(*(xy[u] - xy[v]).T)
    cams = rng.uniform(0, 80.0 * side, (1200, 2))
    mid = (xy[u] + xy[v]) / 2
    seen = np.hypot(mid[:, None, 0] - cams[None, :, 0], mid[:, None, 1] - cams[None, :, 1]) < 120.0
    pair_edge, pair_camera = np.nonzero(seen)
    to_target = dijkstra(csr_matrix((length, (v, u)), shape=(n, n)), indices=n - 1)
    problem = _search.CameraProblem(u=u, v=v, length_m=length, pair_edge=pair_edge, pair_camera=pair_camera,
                                    node_xy=xy, to_target_m=to_target, source=0, target=n - 1)
    return problem, 2.0 * float(to_target[0])


def test_a_long_search_lets_other_threads_run():
    # a dashboard serves every session from its own thread: a search that held the GIL for its whole
    # length would freeze every other session meanwhile
    import threading
    import time

    problem, budget = hard_grid_problem()
    _search.warm_up()
    done = threading.Event()
    outcome: list[str] = []

    def search() -> None:
        status, _, _, _ = problem.search(budget_m=budget, mode=0, deadline=time.perf_counter() + 1.0)
        outcome.append(status)
        done.set()

    worker = threading.Thread(target=search)
    ticks = []
    worker.start()
    while not done.is_set():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    assert outcome == ["time limit"]
    gaps = np.diff(ticks)
    assert len(ticks) > 100
    assert gaps.max() < 0.25, f"this thread waited {gaps.max():.2f} s while the search ran"
