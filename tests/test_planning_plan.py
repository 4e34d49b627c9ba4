"""Tests of exposure.planning.plan: plans equal the pairwise answers, via points, totals, bad requests and limits."""

from __future__ import annotations

import numpy as np
import pytest

from exposure._errors import PlaceError, PlanError
from exposure.datasets import load_dataset
from exposure.planning.avoid import Avoidance
from exposure.planning.plan import PlanRequest, make_plan
from exposure.planning.points import PlanPoint
from exposure.routing import OBJECTIVES, routes, shortest_route
from tests.plans import GATHERING, LIMIT, at, node_point


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    return helsinki.context()


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
    from exposure.planning import plan as planning

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


def test_every_public_name_stays_importable_from_exposure_planning():
    import exposure.planning
    from exposure.planning import avoid, constraints, files, plan, points, regroup

    published = {  # what exposure/planning.py published before it became a package
        "OBJECTIVE_LABELS", "PLAN_SCHEMA", "PLAN_SCHEMA_VERSION", "AvoidArea", "Avoidance", "EdgeConstraints",
        "Journey", "Leg", "Plan", "PlanPoint", "PlanRequest", "PointLoad", "RegroupPoint", "TrackComparison",
        "WalkComparison", "area_around", "area_from_vertices", "areas_from_geojson", "blocked_edges",
        "constraint_edges", "least_bad_route", "make_plan", "plan_request_from_dict", "read_plan", "read_points",
        "regroup_points", "walk_alternative", "walk_alternatives",
    }
    assert published <= set(exposure.planning.__all__)
    for module in (avoid, constraints, files, plan, points, regroup):
        for name in module.__all__:
            assert getattr(exposure.planning, name) is getattr(module, name), name
            assert name in exposure.planning.__all__, name


def test_a_point_that_cannot_be_planned_is_flagged_and_the_others_are_planned(helsinki, ctx):
    site = at(helsinki, "Senaatintori")
    good = (at(helsinki, "Rautatientori"), at(helsinki, "Kauppatori"))
    far = PlanPoint("Far", 25.2, 60.3)
    plan = make_plan(ctx, PlanRequest(site=site, gathering=(good[0], far, good[1]), dispersal=(far,)),
                     time_limit_s=LIMIT)
    assert [j.name for j in plan.journeys] == ["Rautatientori → Senaatintori", "Kauppatori → Senaatintori"]
    assert [(f.role, f.text) for f in plan.failures] == [("gathering", "Far"), ("dispersal", "Far")]
    assert "from the nearest street" in plan.failures[0].reason
    assert plan.to_dict()["failures"][0] == {"role": "gathering", "number": None, "text": "Far",
                                             "reason": plan.failures[0].reason}
    assert [p.name for p in plan.request.gathering] == ["Rautatientori", "Kauppatori"]


def test_points_not_found_are_reported_with_the_plan(helsinki, ctx):
    from exposure.planning.points import points_from_text

    points, failures = points_from_text(["Rautatientori", "", "Rautatientoro", "Kauppatori"], helsinki.resolve,
                                        role="gathering")
    assert [p.name for p in points] == ["Rautatientori", "Kauppatori"]
    (failure,) = failures
    assert (failure.role, failure.number, failure.text) == ("gathering", 2, "Rautatientoro")
    assert failure.describe().startswith("gathering point 2 'Rautatientoro': ")
    plan = make_plan(ctx, PlanRequest(site=at(helsinki, "Senaatintori"), gathering=points), failures=failures,
                     time_limit_s=LIMIT)
    assert len(plan.journeys) == 2
    assert plan.failures == failures
    with pytest.raises(PlanError, match="no gathering or dispersal point could be used: gathering point 2"):
        make_plan(ctx, PlanRequest(site=at(helsinki, "Senaatintori")), failures=failures)


def test_a_point_with_no_walking_route_is_flagged_and_the_others_are_planned():
    from tests.test_routing import grid_context, grid_graph

    rng = np.random.default_rng(3)
    G = grid_graph(rng, rows=4, cols=4)
    # an island: a node whose only streets lead nowhere else
    lon, lat = G.nodes[0]["x"], G.nodes[0]["y"]
    G.add_node(999, x=lon + 0.001, y=lat + 0.001)
    G.add_edge(999, 998, length=30.0)
    G.add_edge(998, 999, length=30.0)
    G.add_node(998, x=lon + 0.0012, y=lat + 0.0012)
    ctx = grid_context(G, rng, n_cameras=6)
    island = int(np.flatnonzero(ctx.index.node_ids == 999)[0])
    plan = make_plan(ctx, PlanRequest(site=node_point(ctx, 5), gathering=(node_point(ctx, 10),
                                                                            node_point(ctx, island, "Island"))),
                     time_limit_s=LIMIT)
    assert len(plan.journeys) == 1
    ((role, text),) = [(f.role, f.text) for f in plan.failures]
    assert (role, text) == ("gathering", "Island")


def test_a_plan_says_when_nothing_is_counted_or_there_is_no_camera_data(helsinki):
    request = PlanRequest(site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Rautatientori"),))
    nothing = make_plan(helsinki.context(verification="verified"), request, time_limit_s=LIMIT,
                        extent=helsinki.extent)
    assert nothing.journeys[0].route.frt_cameras == 0
    assert nothing.counting.case == "nothing-counted"
    assert nothing.settings["counting"]["notice"].startswith("0 of 221 cameras are counted: none is verified")
    assert nothing.to_dict()["settings"]["counting"]["case"] == "nothing-counted"
    counted = make_plan(helsinki.context(), request, time_limit_s=LIMIT, extent=helsinki.extent)
    assert counted.counting.case == "counted"
    assert counted.counting.notice == ""
