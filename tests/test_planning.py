"""Tests of exposure.planning: plans equal pairwise answers, hard constraints hold, least-bad routes, files."""

from __future__ import annotations

import json
import math

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._errors import NoRouteError, PlaceError, PlanError
from exposure.coverage import camera_geometry
from exposure.datasets import load_dataset
from exposure.planning import (
    PLAN_SCHEMA_VERSION,
    Avoidance,
    AvoidArea,
    PlanPoint,
    PlanRequest,
    area_around,
    area_from_vertices,
    areas_from_geojson,
    blocked_edges,
    constraint_edges,
    make_plan,
    read_plan,
    read_points,
    regroup_points,
)
from exposure.routing import OBJECTIVES, RoutingContext, routes, shortest_route
from tests.hostile import one_line, outcome
from tests.test_routing import grid_context, grid_graph

LIMIT = 60.0  # generous: these tests compare answers, they do not time them


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    return helsinki.context()


def at(ds, name: str) -> PlanPoint:
    return PlanPoint.from_place(ds.resolve(name))


def node_point(ctx: RoutingContext, node: int, name: str | None = None) -> PlanPoint:
    lon, lat = ctx.index.node_lonlat[node]
    return PlanPoint(name=name or f"node {node}", lon=float(lon), lat=float(lat))


GATHERING = ("Rautatientori", "Narinkkatori", "Kauppatori", "Esplanadi")


# --- many to one and via points equal the pairwise answers -------------------------------------


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_many_to_one_equals_each_pair_alone(helsinki, ctx, objective):
    request = PlanRequest(site=at(helsinki, "Senaatintori"), gathering=tuple(at(helsinki, n) for n in GATHERING),
                          dispersal=(at(helsinki, "Kappeli"),), objective=objective)
    plan = make_plan(ctx, request, time_limit_s=LIMIT)
    assert [j.direction for j in plan.journeys] == ["in"] * 4 + ["out"]
    for journey in plan.journeys:
        (leg,) = journey.legs
        alone = routes(ctx, leg.origin.node, leg.destination.node, objective=objective, time_limit_s=LIMIT)
        assert leg.feasible
        assert leg.shortest.length_m == pytest.approx(alone[0].length_m, rel=1e-9)
        assert leg.route.length_m == pytest.approx(alone[-1].length_m, rel=1e-9)
        assert leg.route.frt_cameras == alone[-1].frt_cameras
        assert leg.route.metres_in_view == pytest.approx(alone[-1].metres_in_view, abs=1e-6)
        if objective != "shortest":
            assert leg.route.edges == alone[-1].edges
        assert journey.route.edges == leg.route.edges
    assert plan.journeys[0].name == "Rautatientori → Senaatintori"
    assert plan.journeys[-1].name == "Senaatintori → Kappeli"


def test_shortest_from_one_reverse_search_equals_routing(ctx):
    rng = np.random.default_rng(4)
    site = 1521
    sources = [int(s) for s in rng.choice(ctx.index.n_nodes, 25, replace=False) if s != site]
    request = PlanRequest(site=node_point(ctx, site), gathering=tuple(node_point(ctx, s) for s in sources),
                          objective="shortest")
    plan = make_plan(ctx, request)
    for journey, s in zip(plan.journeys, sources, strict=True):
        alone = shortest_route(ctx, s, site)
        assert journey.route.length_m == pytest.approx(alone.length_m, rel=1e-9)
        assert journey.route.edges[0] in np.flatnonzero(ctx.index.edge_u == s)
        assert ctx.index.edge_v[journey.route.edges[-1]] == site


def test_via_points_are_planned_leg_by_leg_and_count_cameras_once(helsinki, ctx):
    stops = ["Narinkkatori", "Rautatientori", "Esplanadi"]
    request = PlanRequest(site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, stops[0]),),
                          via=tuple(at(helsinki, n) for n in stops[1:]))
    (journey,) = make_plan(ctx, request, time_limit_s=LIMIT).journeys
    assert [s.name for s in journey.stops] == [*stops, "Senaatintori"]
    assert journey.name == "Narinkkatori → Senaatintori via Rautatientori, Esplanadi"
    assert len(journey.legs) == 3
    for leg in journey.legs:
        alone = routes(ctx, leg.origin.node, leg.destination.node, time_limit_s=LIMIT)
        assert leg.route.edges == alone[-1].edges
        assert leg.shortest.edges == alone[0].edges
    assert journey.route.edges == tuple(e for leg in journey.legs for e in leg.route.edges)
    assert journey.route.length_m == pytest.approx(sum(leg.route.length_m for leg in journey.legs))
    union = {c for leg in journey.legs for c in leg.route.frt_camera_ids}
    assert journey.route.frt_cameras == len(union)
    assert journey.route.frt_cameras <= sum(leg.route.frt_cameras for leg in journey.legs)


def test_via_legs_shared_by_every_march_are_searched_once(helsinki, ctx, monkeypatch):
    from exposure import planning

    calls = []
    real = planning.routes

    def counting(*args, **kwargs):
        calls.append(args[1:3])
        return real(*args, **kwargs)

    monkeypatch.setattr(planning, "routes", counting)
    request = PlanRequest(site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Narinkkatori"),
                          at(helsinki, "Kauppatori")), via=(at(helsinki, "Rautatientori"),))
    plan = make_plan(ctx, request, time_limit_s=LIMIT)
    assert len(calls) == 3  # two first legs, one shared last leg
    assert plan.journeys[0].legs[1].route.edges == plan.journeys[1].legs[1].route.edges


def test_summary_and_totals_count_shared_cameras_once(helsinki, ctx):
    request = PlanRequest(site=at(helsinki, "Senaatintori"), gathering=tuple(at(helsinki, n) for n in GATHERING),
                          dispersal=(at(helsinki, "Rautatientori"),))
    plan = make_plan(ctx, request, time_limit_s=LIMIT)
    rows = plan.summary()
    assert len(rows) == 2 * len(plan.journeys)
    assert {r["route"] for r in rows} == {"fewest cameras", "shortest"}
    totals = {(t["direction"], t["route"]): t for t in plan.totals()}
    assert [t["kind"] for t in plan.totals()] == ["route", "shortest", "route", "shortest"]
    ins = [j for j in plan.journeys if j.direction == "in"]
    total = totals[("in", "fewest cameras")]
    assert total["routes"] == 4
    assert total["length_m"] == pytest.approx(sum(j.route.length_m for j in ins), abs=0.1)
    assert total["frt_cameras"] == len({c for j in ins for c in j.route.frt_camera_ids})
    assert total["frt_cameras"] <= sum(j.route.frt_cameras for j in ins)
    short = totals[("in", "shortest")]
    assert short["frt_cameras"] == len({c for j in ins for c in j.shortest.frt_camera_ids})
    assert short["frt_cameras"] < sum(j.shortest.frt_cameras for j in ins)  # ways into one square share cameras
    assert totals[("out", "shortest")]["routes"] == 1


# --- hard constraints on generated graphs --------------------------------------------------------


def independent_blocked(ctx: RoutingContext, avoid: Avoidance) -> np.ndarray:
    """Edges that break ``avoid``, recounted edge by edge with shapely and the coverage table."""
    idx, ex = ctx.index, ctx.exposure
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", idx.crs, always_xy=True)
    polys = [shapely.transform(a.geometry, lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1])))
             for a in avoid.areas]
    rows = set(np.flatnonzero(np.isin(ctx.camera_ids.astype(str), list(avoid.cameras))).tolist())
    out = np.zeros(idx.n_edges, dtype=bool)
    for e in range(idx.n_edges):
        line = shapely.LineString(idx.edge_xy(e))
        cams = ex.edge_cams[ex.edge_cams_ptr[e] : ex.edge_cams_ptr[e + 1]]
        out[e] = (any(line.intersects(p) for p in polys) or bool(rows & set(cams.tolist()))
                  or (avoid.no_frt_cameras and bool(ex.frt[cams].any())))
    return out


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), objective=st.sampled_from(OBJECTIVES),
       n_areas=st.integers(0, 2), n_cams=st.integers(0, 3), no_frt=st.booleans())
def test_constraints_are_never_broken_on_grids(seed, objective, n_areas, n_cams, no_frt):
    rng = np.random.default_rng(seed)
    G = grid_graph(rng, rows=6, cols=6)
    ctx = grid_context(G, rng, n_cameras=int(rng.integers(5, 25)))
    lonlat = ctx.index.node_lonlat
    areas = tuple(area_around(float(lonlat[i, 1]), float(lonlat[i, 0]), float(rng.uniform(20, 90)), name=f"a{k}")
                  for k, i in enumerate(rng.choice(ctx.index.n_nodes, n_areas, replace=False)))
    cams = tuple(str(c) for c in rng.choice(ctx.camera_ids, min(n_cams, len(ctx.camera_ids)), replace=False))
    avoid = Avoidance(areas=areas, cameras=cams, no_frt_cameras=no_frt)
    blocked = independent_blocked(ctx, avoid)
    assert np.array_equal(blocked_edges(ctx, avoid), blocked)
    nodes = [int(n) for n in rng.choice(ctx.index.n_nodes, 5, replace=False)]
    site, gathering, dispersal = nodes[0], nodes[1:4], nodes[4:]
    request = PlanRequest(site=node_point(ctx, site), gathering=tuple(node_point(ctx, g) for g in gathering),
                          dispersal=tuple(node_point(ctx, d) for d in dispersal), avoid=avoid, objective=objective)
    plan = make_plan(ctx, request, time_limit_s=LIMIT)
    constrained = ctx.without(blocked)
    unconstrained_breach = constraint_edges(ctx, avoid).breach_m
    for journey in plan.journeys:
        (leg,) = journey.legs
        s, t = leg.origin.node, leg.destination.node
        if leg.feasible:
            for r in (leg.route, leg.shortest):
                assert not blocked[list(r.edges)].any(), (r.label, journey.name)
            alone = routes(constrained, s, t, objective=objective, time_limit_s=LIMIT)
            assert leg.shortest.length_m == pytest.approx(alone[0].length_m, rel=1e-9)
            assert leg.route.frt_cameras == alone[-1].frt_cameras
            assert leg.route.length_m == pytest.approx(alone[-1].length_m, rel=1e-9)
        else:
            with pytest.raises(NoRouteError):
                routes(constrained, s, t, objective=objective)
            assert leg.breaks, journey.name
            assert leg.route.label == "least bad"
            assert blocked[list(leg.route.edges)].any()
            # no route breaks less: the unconstrained shortest route is one candidate
            short = shortest_route(ctx, s, t)
            assert unconstrained_breach[list(leg.route.edges)].sum() <= unconstrained_breach[list(short.edges)].sum()
        assert ctx.index.edge_u[journey.route.edges[0]] == s
        assert ctx.index.edge_v[journey.route.edges[-1]] == t


def test_camera_avoidance_and_no_frt_on_helsinki(helsinki, ctx):
    site, origin = at(helsinki, "Senaatintori"), at(helsinki, "Rautatientori")
    free = make_plan(ctx, PlanRequest(site=site, gathering=(origin,)), time_limit_s=LIMIT).journeys[0].route
    # cameras on the way, but none that sees the first or last street: the ends stay reachable
    ends = set(ctx.camera_ids[ctx.exposure.cameras_on(np.array([free.edges[0], free.edges[-1]]))])
    avoided = tuple(c for c in free.camera_ids if c not in ends)[:2]
    assert len(avoided) == 2
    plan = make_plan(ctx, PlanRequest(site=site, gathering=(origin,), avoid=Avoidance(cameras=avoided)),
                     time_limit_s=LIMIT)
    journey = plan.journeys[0]
    assert journey.feasible
    assert not set(avoided) & set(journey.route.camera_ids)
    assert not set(avoided) & set(journey.shortest.camera_ids)
    strict = make_plan(ctx, PlanRequest(site=site, gathering=(at(helsinki, "Kauppatori"),),
                                        avoid=Avoidance(no_frt_cameras=True)), time_limit_s=LIMIT).journeys[0]
    assert strict.feasible
    assert strict.route.frt_cameras == 0
    assert strict.shortest.frt_cameras == 0


def test_infeasible_plan_says_so_and_offers_the_least_bad_route(helsinki, ctx):
    site = at(helsinki, "Senaatintori")
    lon, lat = ctx.index.node_lonlat[site.node]
    ring = area_around(float(lat), float(lon), 60.0, name="Kettle")
    plan = make_plan(ctx, PlanRequest(site=site, gathering=(at(helsinki, "Rautatientori"),),
                                      avoid=Avoidance(areas=(ring,))), time_limit_s=LIMIT)
    assert not plan.feasible
    (journey,) = plan.journeys
    assert journey.route.label == "least bad"
    (text,) = journey.breaks
    assert text.startswith("Rautatientori → Senaatintori: enters the avoided area 'Kettle' for ")
    metres = float(text.split(" for ")[1].split(" m")[0].replace(",", ""))
    assert 0 < metres <= 60.0 + 5.0  # only the last stretch into the square, never more than the radius
    assert any("no route avoids everything asked" in n for n in journey.route.notes)
    assert plan.to_dict()["feasible"] is False


def test_uncounted_avoided_camera_is_a_note(helsinki):
    ctx = helsinki.context(verification="verified")
    uncounted = str(ctx.camera_ids[np.flatnonzero(~ctx.exposure.counted)[0]])
    plan = make_plan(ctx, PlanRequest(site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Kauppatori"),),
                                      avoid=Avoidance(cameras=(uncounted,))), time_limit_s=LIMIT)
    assert any(uncounted in n and "not counted" in n for n in plan.notes)


# --- regroup points ----------------------------------------------------------------------------


def test_regroup_points_are_ranked_by_cameras_then_distance(helsinki):
    ctx = helsinki.context(radius_m=40.0)
    site = helsinki.resolve("Senaatintori").node
    found = regroup_points(ctx, site, helsinki.cameras, walk_radius_m=400.0, n=10)
    assert 1 <= len(found) <= 10
    keys = [(g.frt_cameras, g.distance_m) for g in found]
    assert keys == sorted(keys)
    dist = ctx.length_distances(site)[0]
    geom = camera_geometry(helsinki.cameras, ctx.index.crs, radius_m=40.0)
    frt = np.flatnonzero(ctx.exposure.frt)
    for g in found:
        assert math.dist(ctx.index.node_xy[g.node], ctx.index.node_xy[site]) >= 40.0
        assert g.distance_m == pytest.approx(dist[g.node])
        assert g.distance_m <= 400.0
        xy = ctx.index.node_xy[g.node]
        seeing = {str(ctx.camera_ids[c]) for c in frt if math.dist(xy, geom.xy[c]) <= 40.0}
        assert set(g.camera_ids) == seeing
        assert g.frt_cameras == len(seeing)
    for a in found:
        for b in found:
            if a is not b:
                assert math.dist(ctx.index.node_xy[a.node], ctx.index.node_xy[b.node]) >= 40.0


def test_regroup_points_avoid_areas(helsinki, ctx):
    site = helsinki.resolve("Senaatintori")
    first = regroup_points(ctx, site.node, helsinki.cameras, walk_radius_m=300.0, n=3)
    area = area_around(first[0].lat, first[0].lon, 30.0)
    again = regroup_points(ctx, site.node, helsinki.cameras, walk_radius_m=300.0, n=3,
                           avoid=Avoidance(areas=(area,)))
    assert first[0].node not in {g.node for g in again}
    plan = make_plan(ctx, PlanRequest(site=PlanPoint.from_place(site), dispersal=(at(helsinki, "Kauppatori"),),
                                      regroup_radius_m=300.0), cameras=helsinki.cameras)
    assert len(plan.regroup) == 8
    assert [g.rank for g in plan.regroup] == list(range(1, 9))


# --- plan files --------------------------------------------------------------------------------


def test_plan_file_round_trip(helsinki, ctx, tmp_path):
    request = PlanRequest(
        site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Rautatientori"), at(helsinki, "Kauppatori")),
        via=(at(helsinki, "Esplanadi"),), dispersal=(at(helsinki, "Narinkkatori"),),
        avoid=Avoidance(areas=(area_around(60.1700, 24.9450, 50.0, name="HQ"),
                               area_from_vertices([(60.168, 24.940), (60.169, 24.941), (60.168, 24.942)],
                                                  name="Drawn")),
                        cameras=(str(ctx.camera_ids[0]),), no_frt_cameras=False),
        objective="least-time-in-view", max_detour=0.3, regroup_radius_m=250.0, dataset="helsinki",
    )
    plan = make_plan(ctx, request, cameras=helsinki.cameras, time_limit_s=LIMIT)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan.to_dict(), allow_nan=False))
    back = read_plan(path)
    assert back.objective == "least-time-in-view"
    assert back.max_detour == 0.3
    assert back.regroup_radius_m == 250.0
    assert back.dataset == "helsinki"
    assert [p.name for p in back.gathering] == ["Rautatientori", "Kauppatori"]
    assert back.site.lat == pytest.approx(request.site.lat, abs=1e-7)
    assert [a.name for a in back.avoid.areas] == ["HQ", "Drawn"]
    assert back.avoid.areas[0].radius_m == 50.0
    assert back.avoid.cameras == request.avoid.cameras
    again = make_plan(ctx, back, cameras=helsinki.cameras, time_limit_s=LIMIT)
    assert [j.route.edges for j in again.journeys] == [j.route.edges for j in plan.journeys]
    assert read_plan(path.read_bytes(), name="plan.json").site.name == "Senaatintori"


def plan_file(**request_changes) -> dict:
    request = {"site": {"name": "S", "lat": 60.169, "lon": 24.952}, "gathering": [{"name": "G", "lat": 60.17,
               "lon": 24.94}]}
    request.update(request_changes)
    return {"schema": "exposure-plan", "schema_version": 1, "request": request}


@pytest.mark.parametrize(("content", "match"), [
    ([1, 2], "a plan file holds a JSON object, not list"),
    ({"schema": "other"}, "not a plan file"),
    ({**plan_file(), "schema_version": PLAN_SCHEMA_VERSION + 1}, "newer version .* update it"),
    ({**plan_file(), "schema_version": "1"}, "'schema_version' must be a whole number"),
    ({"schema": "exposure-plan", "schema_version": 1}, "'request' is missing"),
    (plan_file(site={"name": "S", "lon": 24.9}), r"request.site: 'lat' is missing"),
    (plan_file(gathering=[{"name": "G", "lat": 60.1, "lon": 24.9}, {"name": "H", "lat": "abc", "lon": 24.9}]),
     r"request.gathering\[1\]: latitude 'abc'"),
    (plan_file(gathering=[{"name": "G", "lat": 124.9, "lon": 60.2}]), r"request.gathering\[0\]: .*look swapped"),
    (plan_file(gathering={"name": "G"}), "request.gathering must be a list"),
    (plan_file(objective="fastest"), "request.objective is 'fastest'"),
    (plan_file(max_detour=-1), "request.max_detour must be a number >= 0"),
    (plan_file(avoid={"cameras": "osm:1"}), "request.avoid.cameras must be a list"),
    (plan_file(avoid={"no_frt_cameras": "yes"}), "request.avoid.no_frt_cameras must be true or false"),
    (plan_file(avoid={"areas": {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[24.9, 60.1], [24.91, 60.1]]},
         "properties": {}}]}}), "request.avoid.areas, feature 1: a LineString, not a Polygon"),
])
def test_bad_plan_files_say_what_is_wrong(content, match):
    with pytest.raises(PlanError, match=match):
        read_plan(json.dumps(content).encode(), name="plan.json")


def test_plan_file_that_is_not_json(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text("{not json")
    with pytest.raises(PlanError, match=r"plan.json: not valid JSON \(line 1"):
        read_plan(path)
    with pytest.raises(PlanError, match="cannot be read"):
        read_plan(tmp_path / "missing.json")


# --- requests, points and areas: errors --------------------------------------------------------


def test_bad_requests_are_plan_errors(helsinki, ctx):
    site = at(helsinki, "Senaatintori")
    g = (at(helsinki, "Kauppatori"),)
    with pytest.raises(PlanError, match="unknown objective 'fastest'"):
        make_plan(ctx, PlanRequest(site=site, gathering=g, objective="fastest"))
    with pytest.raises(PlanError, match="at least one gathering point"):
        make_plan(ctx, PlanRequest(site=site))
    with pytest.raises(PlanError, match="via points lie on the way in"):
        make_plan(ctx, PlanRequest(site=site, dispersal=g, via=g))
    with pytest.raises(PlanError, match="max_detour must be >= 0"):
        make_plan(ctx, PlanRequest(site=site, gathering=g, max_detour=-0.1))
    with pytest.raises(PlanError, match=r"not among this dataset's cameras. Close ids: osm:node/"):
        make_plan(ctx, PlanRequest(site=site, gathering=g, avoid=Avoidance(cameras=("osm:node/12345x",))))
    with pytest.raises(PlaceError, match=r"gathering point 'Far' is .* m from the nearest street"):
        make_plan(ctx, PlanRequest(site=site, gathering=(PlanPoint("Far", 25.2, 60.3),)))


def test_gathering_point_at_the_site_is_a_note(helsinki, ctx):
    site = at(helsinki, "Senaatintori")
    plan = make_plan(ctx, PlanRequest(site=site, gathering=(site, at(helsinki, "Kauppatori"))), time_limit_s=LIMIT)
    assert len(plan.journeys) == 1
    assert any("is at the site" in n for n in plan.notes)


def test_time_limit_bounds_the_whole_plan(ctx):
    # a trip the exact search cannot finish in no time: the plan still answers and says so
    request = PlanRequest(site=node_point(ctx, 1375), gathering=(node_point(ctx, 1141),))
    (journey,) = make_plan(ctx, request, time_limit_s=0.0).journeys
    assert journey.route.optimal is False
    assert any("0 s limit" in n for n in journey.route.notes)


def test_read_points_from_csv_and_geojson(tmp_path):
    csv_path = tmp_path / "points.csv"
    csv_path.write_text("Name;Latitude;Longitude\nSquare;60.17;24.94\nBad;abc;24.9\n;60.168;24.95\n")
    loaded = read_points(csv_path)
    assert [p.name for p in loaded.points] == ["Square", "60.16800, 24.95000"]
    assert loaded.rejected[0][0] == 3
    assert "must be numbers" in loaded.rejected[0][1]
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}, "properties": {"name": "A"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[24.9, 60.1], [24.8, 60.1]]},
         "properties": {}}]}
    loaded = read_points("points.geojson", data=json.dumps(geo).encode())
    assert [(p.name, p.lon, p.lat) for p in loaded.points] == [("A", 24.94, 60.17)]
    assert loaded.rejected == ((2, "a LineString, not a Point"),)
    with pytest.raises(PlanError, match="no latitude column"):
        read_points("p.csv", data=b"name,x\nA,24.9\n")
    with pytest.raises(PlanError, match="no usable point"):
        read_points("p.csv", data=b"name,lat,lon\nA,,\n")


def test_areas_from_geojson(tmp_path):
    geo = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "Square"},
         "geometry": {"type": "Polygon", "coordinates": [[[24.95, 60.169], [24.953, 60.169], [24.953, 60.170],
                                                          [24.95, 60.170], [24.95, 60.169]]]}},
        {"type": "Feature", "properties": {"radius_m": 75}, "geometry": {"type": "Point",
                                                                          "coordinates": [24.94, 60.17]}},
        # a bow tie: invalid, repaired rather than refused
        {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
            [[24.93, 60.16], [24.94, 60.17], [24.94, 60.16], [24.93, 60.17], [24.93, 60.16]]]}},
    ]}
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps(geo))
    areas = areas_from_geojson(path)
    assert [a.name for a in areas] == ["Square", "area 2", "area 3"]
    assert areas[1].radius_m == 75.0
    assert all(a.geometry.is_valid and a.geometry.area > 0 for a in areas)
    with pytest.raises(PlanError, match=r"feature 1: a Point needs a numeric radius_m"):
        areas_from_geojson({"type": "Point", "coordinates": [24.9, 60.1]})
    with pytest.raises(PlanError, match="GeoJSON is longitude first"):
        areas_from_geojson({"type": "Polygon", "coordinates": [[[60.1, 24.9], [60.2, 24.9], [60.2, 124.9],
                                                                 [60.1, 24.9]]]})
    path.write_text("nope")
    with pytest.raises(PlanError, match="not a GeoJSON file"):
        areas_from_geojson(path)


def test_area_helpers_check_their_input():
    with pytest.raises(PlanError, match="positive number of metres"):
        area_around(60.17, 24.94, 0.0)
    with pytest.raises(PlanError, match="at least three distinct corners"):
        area_from_vertices([(60.17, 24.94), (60.17, 24.94), (60.171, 24.94)])
    with pytest.raises(PlanError, match="lie on one line"):
        area_from_vertices([(60.17, 24.94), (60.171, 24.94), (60.172, 24.94)])
    circle = area_around(60.17, 24.94, 100.0)
    assert isinstance(circle, AvoidArea)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32635", always_xy=True)
    xy = shapely.transform(circle.geometry, lambda c: np.column_stack(to_xy.transform(c[:, 0], c[:, 1])))
    assert xy.area == pytest.approx(math.pi * 100.0**2, rel=0.01)


# --------------------------------------------------------------------------- hostile input and bounds (issue 12)


BIG = "1" + "0" * 400


@pytest.mark.parametrize(("text", "match"), [
    ("[" * 50_000 + "]" * 50_000, r"not valid JSON \(arrays and objects nested 50,000 levels deep, over the limit "
                                  r"of 64 \(exposure\.settings\.max_json_depth\)"),
    ('{"schema": "exposure-plan", "schema_version": ' + BIG + "}", r"'schema_version' must be a whole number >= 1, "
                                                                  r"not inf"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": ' + BIG + ', "lon": 24.9}}}',
     r"request\.site: \(inf, 24\.9\) is not a valid latitude, longitude"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": NaN, "lon": 24.9}}}',
     r"request\.site: \(nan, 24\.9\) is not a valid latitude"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": 60.1, "lon": 24.9}, '
     '"max_detour": ' + BIG + "}}", r"request\.max_detour must be a number >= 0, not inf"),
    ('{"schema": "exposure-plan", "schema_version": 1, "request": {"site": {"lat": 60.1, "lon": 24.9}, '
     '"objective": ["x"]}}', r"request\.objective is \['x'\]"),
])
def test_hostile_plan_files_are_one_line_plan_errors(text: str, match: str) -> None:
    with pytest.raises(PlanError, match=match) as info:
        read_plan(text.encode(), name="plan.json")
    assert "\n" not in str(info.value)


def test_plan_size_limits(monkeypatch, tmp_path) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_plan_points", 2)
    points = [{"name": f"G{i}", "lat": 60.17, "lon": 24.94} for i in range(3)]
    with pytest.raises(PlanError, match=r"request\.gathering: 3 points, over the limit of 2 "
                                        r"\(exposure\.settings\.max_plan_points\); plan fewer at a time"):
        read_plan(json.dumps(plan_file(gathering=points)).encode())
    with pytest.raises(PlanError, match=r"p\.csv: 3 points or more, over the limit of 2"):
        read_points("p.csv", data=b"name,lat,lon\n" + b"A,60.17,24.94\n" * 3)
    monkeypatch.setattr(exposure_settings, "max_avoid_items", 1)
    cams = plan_file(avoid={"cameras": ["a", "b"]})
    with pytest.raises(PlanError, match=r"request\.avoid\.cameras: 2 cameras to avoid, over the limit of 1 "
                                        r"\(exposure\.settings\.max_avoid_items\)"):
        read_plan(json.dumps(cams).encode())
    monkeypatch.setattr(exposure_settings, "max_plan_file_mb", 0.0001)
    with pytest.raises(PlanError, match=r"plan\.json: the plan file is 0\.0 MB, over the limit of 0\.0001 MB "
                                        r"\(exposure\.settings\.max_plan_file_mb\)"):
        read_plan(json.dumps(plan_file()).encode() * 3, name="plan.json")
    path = tmp_path / "avoid.geojson"
    path.write_text(json.dumps({"type": "Point", "coordinates": [24.9, 60.1]}) * 10)
    with pytest.raises(PlanError, match=r"over the limit of 0\.0001 MB"):
        areas_from_geojson(path)


def test_requests_over_the_limits_are_refused_before_any_search(ctx, monkeypatch) -> None:
    from exposure import settings as exposure_settings

    site = node_point(ctx, 0, "S")
    far = PlanPoint(name="far", lon=25.5, lat=60.4)
    monkeypatch.setattr(exposure_settings, "max_trip_km", 30.0)
    with pytest.raises(PlanError, match=r"the way from far to S \(for gathering point 'far'\) is [0-9]+\.[0-9] km in "
                                        r"a straight line, over the limit of 30 km"):
        make_plan(ctx, PlanRequest(site=site, gathering=(far,)))
    near = node_point(ctx, 5, "G")
    with pytest.raises(PlanError, match=r"max_detour 10, over the limit of 3 \(exposure\.settings\."
                                        r"max_detour_allowed\)"):
        make_plan(ctx, PlanRequest(site=site, gathering=(near,), max_detour=10.0))
    with pytest.raises(PlanError, match=r"a regroup radius of 1e\+300 m, over the limit of 10000 m"):
        make_plan(ctx, PlanRequest(site=site, gathering=(near,), regroup_radius_m=1e300))
    with pytest.raises(PlanError, match=r"the plan's time limit must be a number of seconds >= 0, got nan"):
        make_plan(ctx, PlanRequest(site=site, gathering=(near,)), time_limit_s=float("nan"))
    monkeypatch.setattr(exposure_settings, "max_via_points", 1)
    with pytest.raises(PlanError, match=r"the plan: 2 via points, over the limit of 1"):
        make_plan(ctx, PlanRequest(site=site, gathering=(near,), via=(near, near)))


@pytest.mark.parametrize(("radius", "match"), [
    (1e300, r"an area to avoid of radius 1e\+300 m, over the limit of 10000 m "
            r"\(exposure\.settings\.max_avoid_radius_m\)"),
    (float("inf"), r"must be a positive number of metres, got inf"),
    ("12", None),
    (10**400, r"must be a positive number of metres|over the limit"),
])
def test_areas_to_avoid_of_any_radius(radius: object, match: str | None) -> None:
    if match is None:
        assert area_around(60.17, 24.94, radius).radius_m == 12.0  # type: ignore[arg-type]
        return
    with pytest.raises(PlanError, match=match):
        area_around(60.17, 24.94, radius)  # type: ignore[arg-type]
    with pytest.raises(PlanError, match=r"feature 1"):
        areas_from_geojson({"type": "Feature", "properties": {"radius_m": radius},
                            "geometry": {"type": "Point", "coordinates": [24.94, 60.17]}})


def test_areas_to_avoid_from_uploaded_bytes() -> None:
    data = json.dumps({"type": "Polygon", "coordinates": [[[24.94, 60.17], [24.95, 60.17], [24.95, 60.175],
                                                           [24.94, 60.17]]]}).encode()
    assert len(areas_from_geojson(data, where="up.geojson")) == 1
    with pytest.raises(PlanError, match=r"up\.geojson: not a GeoJSON file \(arrays and objects nested"):
        areas_from_geojson(b"[" * 10_000 + b"]" * 10_000, where="up.geojson")
    with pytest.raises(PlanError, match=r"spans 360°, over the limit of 20°"):
        areas_from_geojson({"type": "Polygon", "coordinates": [[[-180, -80], [180, -80], [180, 80], [-180, -80]]]})


_PLAN_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5)
    | st.sampled_from([10**400, 60.17, 24.94, "fewest-cameras", "exposure-plan", 1]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["schema", "schema_version", "request", "site", "gathering", "dispersal", "via", "lat", "lon",
                         "name", "avoid", "areas", "cameras", "no_frt_cameras", "objective", "max_detour",
                         "regroup_radius_m", "type", "features", "geometry", "coordinates", "properties",
                         "radius_m"]), inner, max_size=5),
    max_leaves=30,
)


@given(request=_PLAN_VALUES)
@settings(max_examples=300, deadline=None)
def test_any_plan_file_reads_or_is_one_plan_error(request: object) -> None:
    data = {"schema": "exposure-plan", "schema_version": 1, "request": request}
    text = json.dumps(data).replace("1" + "0" * 400 + ".0", BIG)
    _, message = outcome(lambda: read_plan(text.encode(), name="fuzz.json"), PlanError)
    assert one_line(message)


@given(st.lists(st.lists(st.sampled_from(["60.17", "24.94", "", "x", "1e400", "nan", "-91", "G", '"', "\n", ";",
                                          "=SUM(A1)", "<b>"]), max_size=4), max_size=6),
       st.sampled_from(["name,lat,lon", "lat;lon", "Latitude\tLongitude", "x,y", "place"]))
@settings(max_examples=200, deadline=None)
def test_any_points_file_reads_or_is_one_plan_error(rows: list[list[str]], header: str) -> None:
    data = (header + "\n" + "".join(",".join(r) + "\n" for r in rows)).encode()
    loaded, message = outcome(lambda: read_points("pts.csv", data=data), PlanError)
    assert one_line(message)
    if loaded is not None:
        assert all(-90 <= p.lat <= 90 and -180 <= p.lon <= 180 for p in loaded.points)
