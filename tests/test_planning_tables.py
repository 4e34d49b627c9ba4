"""Tests of exposure.planning.tables: a plan's routes, totals, legs and regroup points as tables."""

from __future__ import annotations

import pytest

from exposure.datasets import load_dataset
from exposure.planning.avoid import Avoidance, area_around
from exposure.planning.plan import PlanRequest, make_plan
from exposure.planning.points import PointFailure
from exposure.planning.tables import (
    PLAN_FAILURE_COLUMNS,
    PLAN_LEG_COLUMNS,
    PLAN_REGROUP_COLUMNS,
    PLAN_ROUTE_COLUMNS,
    plan_tables,
)
from exposure.routing import compare_with_shortest, proof_words
from tests.plans import LIMIT, at, node_point


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    return helsinki.context()


@pytest.fixture(scope="module")
def plan(helsinki, ctx):
    request = PlanRequest(site=at(helsinki, "Senaatintori"),
                          gathering=(at(helsinki, "Rautatientori"), at(helsinki, "Narinkkatori")),
                          via=(at(helsinki, "Esplanadi"),), dispersal=(at(helsinki, "Kappeli"),),
                          regroup_radius_m=300.0)
    return make_plan(ctx, request, cameras=helsinki.cameras, time_limit_s=LIMIT)


def test_routes_and_totals_say_what_each_route_costs(plan) -> None:
    tables = plan_tables(plan)
    assert list(tables.routes.columns) == list(PLAN_ROUTE_COLUMNS)
    assert tables.routes["Route"].tolist() == [j.name for j in plan.journeys]
    assert tables.routes["Way"].tolist() == ["in", "in", "out"]
    for row, journey in zip(tables.routes.to_dict(orient="records"), plan.journeys, strict=True):
        assert row["Plan"] == journey.route.label == "fewest cameras"
        assert row["Length (m)"] == round(journey.route.length_m)
        assert row["Walk (min)"] == round(journey.route.walk_min, 1)
        assert row["FRT cameras"] == journey.route.frt_cameras
        assert row["In view of FRT cameras (m)"] == round(journey.route.metres_in_view)
        assert row["Compared with the shortest"] == compare_with_shortest(journey.route, journey.shortest)
        assert row["Avoids everything asked"] == "yes"
        assert row["Proven optimal"] == "yes"
    ins = [t for t in plan.totals() if t["kind"] == "route"]
    assert tables.totals["Route"].tolist() == ["All ways in (2)", "All ways out (1)"]
    assert tables.totals["Plan"].tolist() == ["total", "total"]
    assert tables.totals["FRT cameras"].tolist() == [t["frt_cameras"] for t in ins]
    assert tables.totals["Length (m)"].tolist() == [round(t["length_m"]) for t in ins]
    summary = tables.summary()
    assert summary["Route"].tolist() == tables.routes["Route"].tolist() + tables.totals["Route"].tolist()
    assert list(summary.index) == list(range(5))


def test_legs_are_listed_for_journeys_through_via_points_only(plan) -> None:
    legs = plan_tables(plan).legs
    assert list(legs.columns) == list(PLAN_LEG_COLUMNS)
    assert legs["Leg"].tolist() == ["Rautatientori → Esplanadi", "Esplanadi → Senaatintori",
                                    "Narinkkatori → Esplanadi", "Esplanadi → Senaatintori"]
    assert legs["Length (m)"].tolist() == [round(leg.route.length_m) for j in plan.journeys[:2] for leg in j.legs]
    assert (legs["Avoids everything"] == "yes").all()


def test_regroup_points_are_a_table_best_first(plan) -> None:
    regroup = plan_tables(plan).regroup
    assert list(regroup.columns) == list(PLAN_REGROUP_COLUMNS)
    assert regroup["Rank"].tolist() == [g.rank for g in plan.regroup] == list(range(1, 9))
    first = plan.regroup[0]
    assert regroup.iloc[0]["lat,lon"] == f"{first.lat:.6f},{first.lon:.6f}"
    assert regroup.iloc[0]["Camera ids"] == (", ".join(first.camera_ids) or "—")


def test_a_least_bad_plan_says_so_and_empty_tables_keep_their_columns(helsinki, ctx) -> None:
    site = at(helsinki, "Senaatintori")
    ring = area_around(site.lat, site.lon, 60.0, name="Kettle")
    plan = make_plan(ctx, PlanRequest(site=site, dispersal=(at(helsinki, "Kauppatori"),),
                                      avoid=Avoidance(areas=(ring,))), time_limit_s=LIMIT)
    tables = plan_tables(plan)
    assert tables.routes["Avoids everything asked"].tolist() == ["NO (least bad)"]
    assert tables.routes["Compared with the shortest"].tolist() == ["—"]
    assert tables.totals["Avoids everything asked"].tolist() == ["NO"]
    assert tables.legs.empty
    assert list(tables.legs.columns) == list(PLAN_LEG_COLUMNS)
    assert tables.regroup.empty
    assert list(tables.regroup.columns) == list(PLAN_REGROUP_COLUMNS)
    assert tables.failures.empty
    assert list(tables.failures.columns) == list(PLAN_FAILURE_COLUMNS)


def test_points_not_planned_are_a_table_of_their_own(helsinki, ctx) -> None:
    failed = PointFailure(role="gathering", text="Rautatientoro", reason="no place called that", number=2)
    plan = make_plan(ctx, PlanRequest(site=at(helsinki, "Senaatintori"), gathering=(at(helsinki, "Kauppatori"),)),
                     failures=(failed,), time_limit_s=LIMIT)
    tables = plan_tables(plan)
    assert len(tables.routes) == 1
    assert tables.failures.to_dict(orient="records") == [
        {"Point": "2. Rautatientoro", "Role": "gathering", "Not planned because": "no place called that"}]


def test_a_route_not_proven_says_its_lower_bound_and_gap_in_the_table(helsinki) -> None:
    # no time at all on a 1.4 km trip (tests/test_routing.py's): the greedy dive's route, with the search's bound
    fresh = helsinki.context()
    request = PlanRequest(site=node_point(fresh, 1227), gathering=(node_point(fresh, 50),))
    plan = make_plan(fresh, request, time_limit_s=0.0)
    rows = plan_tables(plan).routes.to_dict(orient="records")
    unproven = [(row, j.route) for row, j in zip(rows, plan.journeys, strict=True) if j.route.optimal is False]
    assert unproven
    for row, route in unproven:
        assert route.lower_bound_frt is not None
        assert 0 <= route.lower_bound_frt <= route.frt_cameras
        assert row["Proven optimal"] == proof_words(route)
        assert row["Proven optimal"].startswith("not proven (time limit): ")
