"""Decode + streets together: intersections' cameras take part in routing on an NYC street network.

No NYC street extract ships offline, so the test writes a small OSM XML street grid at real
Bushwick coordinates (80 m blocks, generated here, not real streets) and builds it through the
same builder as any extract; the cameras are Amnesty's real Brooklyn counts.
"""

from __future__ import annotations

import numpy as np
import pytest

from exposure import settings
from exposure.cameras import load_cameras
from exposure.datasets import load_dataset
from exposure.routing import routes

LON0, LAT0 = -73.935, 40.695
STEP_LON, STEP_LAT = 80 / 84_300, 80 / 111_000  # about 80 m at this latitude
N = 16


def grid_osm_xml() -> str:
    nodes, ways = [], []
    ids = {}
    for i in range(N):
        for j in range(N):
            ids[i, j] = 1_000_000 + i * N + j
            nodes.append(f'<node id="{ids[i, j]}" lat="{LAT0 + j * STEP_LAT:.7f}" lon="{LON0 + i * STEP_LON:.7f}" '
                         'version="1"/>')
    way_id = 2_000_000
    for i in range(N):
        for refs, name in (([ids[i, j] for j in range(N)], f"Avenue {i}"), ([ids[j, i] for j in range(N)],
                                                                              f"Street {i}")):
            nds = "".join(f'<nd ref="{r}"/>' for r in refs)
            ways.append(f'<way id="{way_id}" version="1">{nds}<tag k="highway" v="residential"/>'
                        f'<tag k="name" v="{name}"/></way>')
            way_id += 1
    return '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">' + "".join(nodes + ways) + "</osm>"


@pytest.fixture(scope="module")
def bushwick(tmp_path_factory, shared_data):
    folder = tmp_path_factory.mktemp("bushwick")
    old = settings.cache_folder
    settings.cache_folder = folder / "cache"
    try:
        path = folder / "bushwick_grid.osm"
        path.write_text(grid_osm_xml())
        streets = load_dataset(path)
    finally:
        settings.cache_folder = old
    decode = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    return streets.with_cameras(decode.cameras, decode.rejected, source="decode_counts_per_intersection_brooklyn.csv")


def test_decode_cameras_sit_on_the_grid_and_change_the_route(bushwick) -> None:
    ctx = bushwick.context(frt_policy_spec="all", radius_m=30.0)
    seen = np.unique(ctx.exposure.edge_cams)
    assert len(seen) > 50  # intersections' cameras at their panorama positions see the grid's streets
    assert all(bushwick.cameras["camera_id"].iloc[seen].str.startswith("decode:"))
    origin = bushwick.resolve(f"{LAT0:.6f},{LON0:.6f}")
    destination = bushwick.resolve(f"{LAT0 + (N - 1) * STEP_LAT:.6f},{LON0 + (N - 1) * STEP_LON:.6f}")
    shortest, fewest = routes(ctx, origin.node, destination.node, objective="fewest-cameras")[:2]
    assert fewest.frt_cameras < shortest.frt_cameras
    assert fewest.length_m <= 1.5 * shortest.length_m + 1e-6
    assert all(cid.startswith("decode:") for cid in fewest.camera_ids)


def test_decode_verification_policy_changes_what_routing_counts(bushwick) -> None:
    everything = bushwick.context(frt_policy_spec="all", verification="default", radius_m=30.0)
    verified = bushwick.context(frt_policy_spec="all", verification="verified", radius_m=30.0)
    assert verified.exposure.counted.sum() < everything.exposure.counted.sum()
    assert verified.exposure.in_view_m.sum() <= everything.exposure.in_view_m.sum()
    assert verified.settings["verification"] == ["verified"]
