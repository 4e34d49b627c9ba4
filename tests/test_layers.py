"""Map layers never ask a third party for anything, and tooltips are escaped."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exposure.layers import camera_layer, deck, route_layer

ROOT = Path(__file__).resolve().parent.parent


def cameras() -> pd.DataFrame:
    return pd.DataFrame({
        "lon": [24.94], "lat": [60.17], "camera_id": ['<img src=x onerror="alert(1)">'], "kind": ["ptz"],
        "mount": ["street"], "operator": ["public"], "verification": ["verified"], "frt_tier": ["high"],
        "source": ["test"],
    })


def test_deck_has_no_basemap_provider_or_style() -> None:
    spec = json.loads(deck([camera_layer(cameras())], lon=24.94, lat=60.17).to_json())
    # Streamlit drops its default Carto style only when it sees pydeck's sentinel
    assert spec["mapStyle"] == "__MAP_STYLE__"
    assert "mapProvider" not in spec
    assert "http" not in json.dumps(spec)


def test_units_are_literal_strings_not_expressions() -> None:
    spec = json.loads(deck([camera_layer(cameras()), route_layer([])], lon=0, lat=0).to_json())
    assert spec["layers"][0]["radiusUnits"] == "pixels"
    assert spec["layers"][1]["widthUnits"] == "pixels"


def test_tooltips_are_text_never_html() -> None:
    made = deck([camera_layer(cameras())], lon=0, lat=0)
    spec = json.loads(made.to_json())
    assert set(made._tooltip) == {"text", "style"}  # the browser sets innerText: a name is never markup
    assert made._tooltip["text"] == "{tooltip}"
    assert spec["layers"][0]["data"][0]["camera_id"] == cameras()["camera_id"].iloc[0]  # shown as written


def test_streamlit_config_is_private() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["address"] == "127.0.0.1"


def test_upload_limit_matches_the_loaders() -> None:
    from exposure import settings

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] == settings.max_camera_file_mb


def test_one_text_tooltip_template_for_every_layer() -> None:
    made = deck([camera_layer(cameras()), route_layer([{"path": [[0, 0], [1, 1]], "colour": [0, 0, 0],
                                                         "label": "<b>x</b>"}])], lon=0, lat=0)
    spec = json.loads(made.to_json())
    camera, route = spec["layers"][0]["data"][0], spec["layers"][1]["data"][0]
    assert camera["tooltip"].startswith(f"{cameras()['camera_id'].iloc[0]}\nkind: ")  # one line per field
    assert route["tooltip"] == "<b>x</b>"
    assert "html" not in made._tooltip


def test_fit_view_frames_every_point_with_a_margin() -> None:
    import math

    from exposure.layers import fit_view

    lon = np.array([24.930, 24.955, 24.941])
    lat = np.array([60.165, 60.172, 60.180])
    cx, cy, zoom = fit_view(lon, lat, width_px=700, height_px=560, padding_px=40)

    def pixel(lo: float, la: float) -> tuple[float, float]:
        scale = 512 * 2**zoom / (2 * math.pi)  # deck.gl's world is 512 px wide at zoom 0
        x = scale * (math.radians(lo) - math.radians(cx))
        y = scale * (math.log(math.tan(math.pi / 4 + math.radians(cy) / 2))
                     - math.log(math.tan(math.pi / 4 + math.radians(la) / 2)))
        return x, y

    for lo, la in zip(lon, lat, strict=True):
        x, y = pixel(lo, la)
        assert abs(x) <= 350 - 40 + 1e-6
        assert abs(y) <= 280 - 40 + 1e-6
    # and no looser than it needs to be: one side touches the margin
    edges = [max(abs(pixel(lo, la)[0]) / 310, abs(pixel(lo, la)[1]) / 240) for lo, la in zip(lon, lat, strict=True)]
    assert max(edges) == pytest.approx(1.0, rel=1e-6)
    assert fit_view([24.9], [60.1], max_zoom=16.0) == pytest.approx((24.9, 60.1, 16.0))
    with pytest.raises(ValueError, match="no finite point"):
        fit_view([np.nan], [np.nan])


def test_plan_layers_draw_areas_corners_routes_passed_cameras_and_points() -> None:
    from exposure.cameras import apply_frt_policy, frt_policy
    from exposure.datasets import load_dataset
    from exposure.layers import PLAN_ROLE_COLOURS, plan_layers, street_points_layer
    from exposure.planning import PlanPoint, PlanRequest, area_around, make_plan
    from exposure.style import ROUTE_COLOURS, SHORTEST_COLOUR

    ds = load_dataset("helsinki")
    cams = apply_frt_policy(ds.cameras, frt_policy("default"))
    area = area_around(60.1700, 24.9450, 50.0, name="<b>HQ</b>")
    only_cameras = plan_layers(cams)
    assert [layer.type for layer in only_cameras] == ["ScatterplotLayer"]
    drawing = plan_layers(cams, areas=[area], corners=[(60.17, 24.94), (60.171, 24.941)])
    assert [layer.type for layer in drawing] == ["ScatterplotLayer", "PolygonLayer", "ScatterplotLayer"]
    assert drawing[1].data[0]["tooltip"] == "Avoid: <b>HQ</b>"
    assert drawing[2].data == [{"lon": 24.94, "lat": 60.17}, {"lon": 24.941, "lat": 60.171}]  # given as (lat, lon)

    def point(name: str) -> PlanPoint:
        return PlanPoint.from_place(ds.resolve(name))

    plan = make_plan(ds.context(), PlanRequest(site=point("Senaatintori"), gathering=(point("Rautatientori"),
                                               point("Narinkkatori")), dispersal=(point("Kauppatori"),)),
                     time_limit_s=60.0)
    layers = plan_layers(cams, plan=plan, areas=[area])
    assert [layer.type for layer in layers] == ["ScatterplotLayer", "PolygonLayer", "PathLayer", "ScatterplotLayer",
                                                "ScatterplotLayer"]
    routes = [r for r in layers[2].data if not r["casing"]]  # each route, after its white outline
    assert [r["colour"] for r in routes] == [[*ROUTE_COLOURS[i], 255] for i in range(3)]
    assert routes[0]["tooltip"].startswith("Rautatientori → Senaatintori — fewest cameras: ")
    passed = {c for j in plan.journeys for c in j.route.frt_camera_ids}
    assert passed
    assert {c["camera_id"] for c in layers[3].data} == passed
    marks = layers[4].data
    assert [(m["lon"], m["lat"]) for m in marks] == [(p.lon, p.lat) for _, p in plan.points()]
    assert marks[0]["colour"] == PLAN_ROLE_COLOURS["site"]
    assert marks[0]["tooltip"] == "Senaatintori\nsite point"
    shortest = [r for r in plan_layers(cams, plan=plan, show_shortest=True)[1].data if not r["casing"]]
    assert len(shortest) == 2 * len(plan.journeys)
    assert [r["colour"] for r in shortest[:3]] == [[*SHORTEST_COLOUR, 255]] * 3  # the shortest is one grey everywhere
    clicks = street_points_layer(ds.index.node_lonlat, layer_id="pp_nodes", tooltip="Street point")
    assert clicks.id == "pp_nodes"
    assert len(clicks.data) == ds.index.n_nodes
    spec = json.loads(deck([*layers, clicks], lon=24.94, lat=60.17).to_json())
    assert "http" not in json.dumps(spec)


def test_a_map_writes_what_pydeck_writes_and_a_layer_written_once_is_joined_in_as_it_is() -> None:
    import pydeck as pdk

    from exposure.layers import CAMERA_TOOLTIP, LayerJSON, layer_json, street_points_layer

    layers = [camera_layer(cameras()), route_layer([{"path": [[0.5, 1], [1, 2]], "colour": [1, 2, 3], "label": "r"}]),
              street_points_layer(np.array([[24.941234567891, 60.171234567891]]), layer_id="nodes", tooltip="x")]
    made = deck(layers, lon=24.94, lat=60.17, zoom=15.0)
    view = pdk.ViewState(longitude=24.94, latitude=60.17, zoom=15.0, pitch=0)
    pydecks = pdk.Deck(layers=layers, initial_view_state=view, map_provider=None, tooltip=CAMERA_TOOLTIP)
    assert json.loads(made.to_json()) == json.loads(pydecks.to_json())
    assert made._tooltip == CAMERA_TOOLTIP
    assert "\n" not in made.to_json()  # compact: about a third of pydeck's indented JSON

    written = [layer_json(layer) for layer in layers]
    assert [(w.type, w.id) for w in written] == [("ScatterplotLayer", "cameras-5"), ("PathLayer", "routes"),
                                                 ("ScatterplotLayer", "nodes")]
    assert all(isinstance(w, LayerJSON) for w in written)
    assert json.loads(deck(written, lon=24.94, lat=60.17, zoom=15.0).to_json()) == json.loads(made.to_json())
    mixed = deck([written[0], layers[1]], lon=0, lat=0)
    assert [layer["id"] for layer in json.loads(mixed.to_json())["layers"]] == ["cameras-5", "routes"]
    assert json.loads(written[2].text)["data"] == [{"lon": 24.941235, "lat": 60.171235, "tooltip": "x"}]


def test_camera_points_are_made_once_and_any_subset_drawn_from_them() -> None:
    from exposure.layers import camera_points, camera_points_layer

    two = pd.concat([cameras(), cameras().assign(camera_id="b", frt_tier="low")], ignore_index=True)
    points = camera_points(two)
    assert json.loads(deck([camera_layer(two)], lon=0, lat=0).to_json()) == json.loads(
        deck([camera_points_layer(points)], lon=0, lat=0).to_json())
    (one,) = json.loads(deck([camera_points_layer(points[points["camera_id"] == "b"], radius_px=7)], lon=0,
                             lat=0).to_json())["layers"]
    assert (one["id"], one["getRadius"], [d["camera_id"] for d in one["data"]]) == ("cameras-7", 7, ["b"])


def test_cameras_picked_by_id_draw_as_their_rows_do() -> None:
    from exposure.layers import camera_points, camera_points_by_id, camera_points_layer

    two = pd.concat([cameras(), cameras().assign(camera_id="b", frt_tier="low")], ignore_index=True)
    points = camera_points(two)
    by_id = camera_points_by_id(points)
    assert list(by_id) == [cameras()["camera_id"].iloc[0], "b"]
    picked = json.loads(deck([camera_points_layer([by_id["b"]], radius_px=7)], lon=0, lat=0).to_json())
    rows = json.loads(deck([camera_points_layer(points[points["camera_id"] == "b"], radius_px=7)], lon=0,
                           lat=0).to_json())
    assert picked == rows


def test_routes_run_side_by_side_each_outlined_and_a_route_left_out_is_faint() -> None:
    from exposure.layers import route_lines

    paths = [{"path": [[24.94, 60.17], [24.95, 60.17]], "colour": c, "label": name}
             for c, name in (((60, 60, 60), "shortest"), ((0, 114, 178), "fewest cameras"), ((0, 158, 115), "alt"))]
    layer = route_lines(paths, width_px=4.0, casing_px=1.0)
    lines = [d for d in layer.data if not d["casing"]]
    casings = [d for d in layer.data if d["casing"]]
    assert [d["tooltip"] for d in layer.data] == ["shortest", "shortest", "fewest cameras", "fewest cameras", "alt",
                                                  "alt"]  # each route just after its own outline
    assert [d["offset"] for d in lines] == [-1.0, 0.0, 1.0]  # one width apart, centred on the street
    assert {d["width"] for d in lines} == {4.0}
    assert all(c["colour"] == [255, 255, 255, 255] and c["width"] == 6.0 for c in casings)
    # an outline's offset is in its own width: it runs along its line's centre
    assert [c["offset"] * c["width"] for c in casings] == [d["offset"] * d["width"] for d in lines]
    spec = json.loads(deck([layer], lon=24.94, lat=60.17).to_json())["layers"][0]
    assert spec["extensions"] == [{"@@type": "PathStyleExtension", "offset": True}]
    assert (spec["getOffset"], spec["getWidth"], spec["widthUnits"]) == ("@@=offset", "@@=width", "pixels")

    faint = route_lines([{**p, "shown": i == 1} for i, p in enumerate(paths)])
    assert [(d["tooltip"], d["colour"][3], d["casing"]) for d in faint.data] == [
        ("shortest", 70, False), ("alt", 70, False), ("fewest cameras", 255, True), ("fewest cameras", 255, False)]
    assert [d["offset"] for d in faint.data if not d["casing"]] == [-1.0, 1.0, 0.0]  # each keeps its place

    many = route_lines(paths * 4, width_px=4.0, band_px=24.0)  # twelve routes: narrower, the band as wide
    assert {d["width"] for d in many.data if not d["casing"]} == {2.0}
    assert route_lines([]).data == []


def test_a_street_point_shows_under_the_pointer_and_the_one_clicked_is_a_ring() -> None:
    from exposure.layers import picked_point_layer, street_points_layer
    from exposure.style import PICK_COLOUR

    clicks = json.loads(deck([street_points_layer(np.array([[24.94, 60.17]]), layer_id="x_nodes", tooltip="Street")],
                             lon=0, lat=0).to_json())["layers"][0]
    assert clicks["autoHighlight"] is True
    assert clicks["highlightColor"] == [*PICK_COLOUR, 255]
    assert clicks["getFillColor"][3] == 1  # invisible until pointed at, yet pickable
    ring = picked_point_layer(24.94, 60.17, tooltip="clicked")
    assert ring.data == [{"lon": 24.94, "lat": 60.17, "tooltip": "clicked"}]
    spec = json.loads(deck([ring], lon=0, lat=0).to_json())["layers"][0]
    assert spec["getLineColor"] == [*PICK_COLOUR, 255]
    assert spec["pickable"] is False  # a click there lands on the street point beneath


def test_a_plan_is_framed_whole_and_a_journey_left_out_is_faint() -> None:
    from exposure.cameras import apply_frt_policy, frt_policy
    from exposure.datasets import load_dataset
    from exposure.layers import plan_layers, plan_view
    from exposure.planning import PlanPoint, PlanRequest, area_around, make_plan

    ds = load_dataset("helsinki")
    cams = apply_frt_policy(ds.cameras, frt_policy("default"))

    def point(name: str) -> PlanPoint:
        return PlanPoint.from_place(ds.resolve(name))

    plan = make_plan(ds.context(), PlanRequest(site=point("Senaatintori"), gathering=(point("Rautatientori"),
                                               point("Narinkkatori"))), time_limit_s=60.0)
    area = area_around(60.1650, 24.9300, 80.0, name="far")
    lon, lat, zoom = plan_view(plan, areas=[area], width_px=700, height_px=600)
    xy = [c for j in plan.journeys for c in j.route.coordinates] + [(p.lon, p.lat) for _, p in plan.points()]
    xy += list(area.geometry.exterior.coords)
    scale = 512 * 2 ** zoom / 360  # pixels per degree of longitude
    assert all(abs(x - lon) * scale <= 350 for x, _ in xy)
    assert min(x for x, _ in xy) < lon < max(x for x, _ in xy)
    assert min(y for _, y in xy) < lat < max(y for _, y in xy)
    layers = plan_layers(cams, plan=plan, shown=[1])
    routes = [d for d in layers[1].data if not d["casing"]]
    assert [d["colour"][3] for d in routes] == [70, 255]
    passed = {c["camera_id"] for c in layers[2].data}
    assert passed == set(plan.journeys[1].route.frt_camera_ids)  # the cameras of the journey shown
    assert layers[3].get_line_color == [40, 40, 40]  # places ringed dark, cameras white


def test_viewsheds_are_shaded_in_their_tiers_colour_with_holes_and_parts() -> None:
    import shapely

    from exposure.layers import viewshed_layer
    from exposure.style import TIER_COLOURS, VIEWSHED_FILL_ALPHA

    courtyard = shapely.Polygon([(24.93, 60.17), (24.94, 60.17), (24.94, 60.175), (24.93, 60.17)],
                                [[(24.935, 60.171), (24.937, 60.171), (24.937, 60.172), (24.935, 60.171)]])
    two = shapely.MultiPolygon([shapely.box(24.95, 60.17, 24.951, 60.171), shapely.box(24.96, 60.17, 24.961, 60.171)])
    layer = viewshed_layer([courtyard, two, shapely.Polygon()], ["high", "low", "medium"], ["a", "b", "c"])
    data = json.loads(layer.to_json())["data"]
    assert [d["camera_id"] for d in data] == ["a", "b", "b"]  # a camera that sees nothing is not drawn
    assert len(data[0]["polygon"]) == 2  # the outer ring and the courtyard
    assert data[0]["fill"] == [*TIER_COLOURS["high"][:3], VIEWSHED_FILL_ALPHA]
    assert not json.loads(layer.to_json())["pickable"]
