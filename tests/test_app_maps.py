"""Map layers that do not change with a request are written once and shared; a session's own cameras are not."""

from __future__ import annotations

import json
import secrets

from app import cache
from app.state import counted_key
from exposure.layers import LayerJSON
from tests.app_pages import open_page, visit


def map_spec(at) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def test_the_basemap_and_the_datasets_cameras_are_written_once_for_every_session() -> None:
    first = open_page("1_Overview.py").run()
    second = open_page("1_Overview.py").run()
    assert not first.exception
    assert not second.exception
    assert map_spec(first)["layers"] == map_spec(second)["layers"]
    base = cache.base_layers("helsinki")
    assert all(isinstance(layer, LayerJSON) for layer in base)
    assert cache.base_layers("helsinki") is base  # the same objects: written once, shared
    ds = cache.dataset("helsinki")
    cameras = cache.camera_layers_json(counted_key(ds), "default", "default", None, ds.cameras, radius_px=3)
    assert cache.camera_layers_json(counted_key(ds), "default", "default", None, ds.cameras, radius_px=3) is cameras
    assert [layer.id for layer in base] == [layer["id"] for layer in map_spec(first)["layers"][: len(base)]]


def test_a_sessions_uploaded_cameras_are_drawn_for_it_alone() -> None:
    marker = f"cam-{secrets.token_hex(6)}"
    mine = open_page("4_Camera_data.py").run()
    mine.file_uploader(key="cam_file").set_value(
        ("mine.csv", f"camera_id,lat,lon,kind\n{marker},60.1699,24.9384,dome\n".encode(), "text/csv")).run()
    mine.button(key="cam_use").click().run()
    assert not mine.exception, [e.value for e in mine.exception]
    for page in ("1_Overview.py", "2_Route_planner.py", "7_Protest_plan.py"):
        assert marker in json.dumps(map_spec(visit(mine, page))), page
        other = open_page(page).run()  # another session, in the same process, afterwards
        assert marker not in json.dumps(map_spec(other)), page
    # the shared layers never took the session's cameras in
    ds = cache.dataset("helsinki")
    assert marker not in json.dumps([layer.text for layer in cache.camera_layers_json(
        counted_key(ds), "default", "default", None, ds.cameras, radius_px=3)])
