"""The extract generator (bench/make_extract.py): seeded, and what it says it wrote is what the build reads."""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pyproj
import pytest
import shapely

from exposure.datasets import load_dataset
from exposure.osm_scan import scan_osm_file

SCRIPT = Path(__file__).resolve().parent.parent / "bench" / "make_extract.py"


@pytest.fixture(scope="module")
def make_extract():
    spec = importlib.util.spec_from_file_location("make_extract", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_extract"] = module
    spec.loader.exec_module(module)
    return module.make_extract


def test_the_same_seed_writes_the_same_city(make_extract, tmp_path) -> None:
    a = make_extract(tmp_path / "a.osm.pbf", side=6, seed=4)
    b = make_extract(tmp_path / "b.osm.pbf", side=6, seed=4)
    c = make_extract(tmp_path / "c.osm.pbf", side=6, seed=5)
    digest = [hashlib.sha256(Path(s.path).read_bytes()).hexdigest() for s in (a, b, c)]
    assert digest[0] == digest[1] != digest[2]


def test_a_generated_extract_builds_as_described(make_extract, tmp_path, monkeypatch) -> None:
    from exposure import settings

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    summary = make_extract(tmp_path / "city.osm.pbf", side=14, seed=1)
    assert summary.intersections == 196
    assert summary.street_ways == 2 * 14 * 13
    assert summary.building_relations > 0
    assert summary.passage_ways > 0
    scan = scan_osm_file(summary.path)
    assert len(scan.buildings) == summary.buildings
    assert int((scan.buildings.osm_type == "relation").sum()) == summary.building_relations
    assert not scan.buildings.clipped.any()
    assert len(scan.surveillance) == summary.cameras
    assert len(scan.passages) == summary.passage_ways
    assert scan.box == pytest.approx(tuple(summary.bounds))
    # every camera sits on a street façade: within half a metre of a building wall
    crs = pyproj.CRS("EPSG:32635")
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    walls = shapely.transform(shapely.boundary(scan.buildings.geometries()),
                              lambda xy: np.column_stack(to_xy.transform(xy[:, 0], xy[:, 1])))
    tree = shapely.STRtree(walls)
    x, y = to_xy.transform([o.lon for o in scan.surveillance], [o.lat for o in scan.surveillance])
    _, gap = tree.query_nearest(shapely.points(x, y), return_distance=True, all_matches=False)
    assert gap.max() < 0.55
    directed = sum("camera:direction" in o.tags for o in scan.surveillance)
    assert 0 < directed < summary.cameras
    ds = load_dataset(summary.path)
    assert len(ds.cameras) + int((ds.rejected["reason"].str.contains("not a camera")).sum()) == summary.cameras
    assert len(ds.buildings) == summary.buildings
    assert ds.places["name"].str.endswith("katu").any()
