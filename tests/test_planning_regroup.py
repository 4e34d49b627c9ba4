"""Tests of exposure.planning.regroup: regroup points ranked by cameras, then distance, away from avoided areas."""

from __future__ import annotations

import math

import numpy as np
import pytest

from exposure.coverage import camera_geometry
from exposure.datasets import load_dataset
from exposure.planning.avoid import Avoidance, area_around
from exposure.planning.plan import PlanRequest, make_plan
from exposure.planning.points import PlanPoint
from exposure.planning.regroup import regroup_points
from tests.plans import at


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def ctx(helsinki):
    return helsinki.context()


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


def test_ranking_under_constraints_already_made_is_regroup_points(helsinki, ctx):
    from exposure.planning.constraints import constraint_edges
    from exposure.planning.regroup import rank_regroup_points

    site = helsinki.resolve("Senaatintori")
    avoid = Avoidance(areas=(area_around(site.lat, site.lon + 0.002, 60.0),))
    cons = constraint_edges(ctx, avoid)
    ranked = rank_regroup_points(ctx.without(cons.blocked), cons, site.node, helsinki.cameras, walk_radius_m=300.0,
                                 n=5)
    assert ranked == regroup_points(ctx, site.node, helsinki.cameras, walk_radius_m=300.0, n=5, avoid=avoid)
    assert ranked


def test_regroup_points_count_the_cameras_that_see_them_through_the_walls_as_routes_do(helsinki):
    from exposure.viewsheds import seen_points

    model = "dori-high"
    ctx = helsinki.context(coverage_model=model)
    views = helsinki.viewsheds(coverage_model=model)
    assert views.walls_used
    site = helsinki.resolve("Senaatintori").node
    found = regroup_points(ctx, site, helsinki.cameras, walk_radius_m=400.0, n=10, views=views)
    assert found
    frt = np.flatnonzero(ctx.exposure.frt)
    for g in found:
        _, c = seen_points(ctx.index.node_xy[[g.node]], views, cameras=frt)
        assert g.frt_cameras == len(c)
        assert set(g.camera_ids) == {str(ctx.camera_ids[k]) for k in c}
        # a camera that sees the point sees a street at it, as routes count
        out = ctx.out_edges[ctx.out_edges_ptr[g.node]:ctx.out_edges_ptr[g.node + 1]]
        assert set(c.tolist()) <= {int(k) for e in out for k in ctx.exposure.edge_cams[
            ctx.exposure.edge_cams_ptr[e]:ctx.exposure.edge_cams_ptr[e + 1]]}
    # a plan given the views ranks its regroup points the same way
    request = PlanRequest(site=at(helsinki, "Senaatintori"), regroup_radius_m=400.0,
                          gathering=(at(helsinki, "Kauppatori"),))
    plan = make_plan(ctx, request, cameras=helsinki.cameras, views=views)
    assert [r.node for r in plan.regroup] == [g.node for g in found[: len(plan.regroup)]]
