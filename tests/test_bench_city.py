"""Tests of bench/city.py's blocks of buildings and cameras on façades (the generated cities' obstacles)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import shapely

CITY = Path(__file__).resolve().parent.parent / "bench" / "city.py"


def load_city():
    spec = importlib.util.spec_from_file_location("bench_city", CITY)
    city = importlib.util.module_from_spec(spec)
    sys.modules["bench_city"] = city
    spec.loader.exec_module(city)
    return city


def local(city, geoms):
    return shapely.transform(np.asarray(geoms, dtype=object),
                             lambda xy: np.column_stack(city._local_xy(xy[:, 0], xy[:, 1])))


def street_lines(city, G):
    lines = []
    for u, v, data in G.edges(data=True):
        if "geometry" in data:
            xy = np.asarray(data["geometry"].coords)
        else:
            xy = np.array([[G.nodes[u]["x"], G.nodes[u]["y"]], [G.nodes[v]["x"], G.nodes[v]["y"]]])
        lines.append(shapely.linestrings(np.column_stack(city._local_xy(xy[:, 0], xy[:, 1]))))
    return np.asarray(lines, dtype=object)


def test_blocks_stand_between_the_streets_and_cameras_on_their_facades():
    city = load_city()
    G, cameras, buildings = city.nyc_like_city_with_buildings(n_edges=5_000, seed=3)
    _, plain = city.nyc_like_city(n_edges=5_000, seed=3)
    blocks = local(city, buildings)
    assert len(blocks) > 100
    assert shapely.is_valid(blocks).all()
    assert sum(len(shapely.get_parts(b).tolist()) for b in blocks) >= len(blocks)
    assert any(len(p.interiors) for b in blocks for p in shapely.get_parts(b))  # courtyards
    # no street runs through a building
    tree = shapely.STRtree(blocks)
    hits = tree.query(street_lines(city, G), predicate="intersects")
    assert hits.size == 0
    # the streets and the cameras not on buildings are those of nyc_like_city; those on buildings sit on a façade
    moved = (cameras[["lon", "lat"]].to_numpy() != plain[["lon", "lat"]].to_numpy()).any(axis=1)
    assert not moved[(cameras["mount"] != "building").to_numpy()].any()
    assert moved.sum() > 0.5 * (cameras["mount"] == "building").sum()
    x, y = city._local_xy(cameras["lon"].to_numpy()[moved], cameras["lat"].to_numpy()[moved])
    gap = shapely.distance(shapely.points(x, y), shapely.union_all(shapely.boundary(blocks)))
    assert np.all(gap < 1e-3)


def test_buildings_are_seeded():
    city = load_city()
    G, _ = city.nyc_like_city(n_edges=3_000, seed=1)
    first, again = city.city_buildings(G, seed=5), city.city_buildings(G, seed=5)
    assert all(shapely.equals_exact(a, b, tolerance=0) for a, b in zip(first, again, strict=True))
    other = city.city_buildings(G, seed=6)
    assert len(other) != len(first) or not all(
        shapely.equals_exact(a, b, tolerance=0) for a, b in zip(first, other, strict=True))
