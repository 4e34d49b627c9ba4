"""Tests of exposure.cli.viewsheds: one polygon or row per camera, and routes recounted against those polygons."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyproj
import pytest
import shapely
from shapely.geometry import LineString, shape

from exposure.crs import local_crs
from tests.cli_run import run

COLUMNS = ["camera_id", "model", "level", "walls", "range_m", "street_m_in_view", "blocked_share", "counted",
           "frt_capable"]


def test_viewsheds_as_csv_one_row_per_camera(capsys) -> None:
    code, out, err = run(capsys, "viewsheds", "--format", "csv", "--coverage-model", "kamerafrei")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert list(table.columns) == COLUMNS
    assert len(table) == 221
    assert set(table["model"]) == {"kamerafrei"}
    assert set(table["level"]) == {"identify"}
    assert table["walls"].all()
    assert set(table["range_m"]) <= {25.0, 40.0}
    assert table["blocked_share"].dropna().between(0, 1).all()


def test_viewsheds_as_geojson_say_model_level_and_walls(capsys) -> None:
    code, out, err = run(capsys, "viewsheds", "--level", "recognise")
    assert code == 0, err
    fc = json.loads(out)
    assert len(fc["features"]) == 221
    coverage = fc["settings"]["coverage"]
    assert (coverage["model"], coverage["level"], coverage["walls"]) == ("dori-typical", "recognise", True)
    assert fc["settings"]["frt_policy"] == "default"
    seen = [f for f in fc["features"] if f["geometry"] is not None]
    assert seen
    for f in seen:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")
        assert set(f["properties"]) == set(COLUMNS)
    # a camera that sees no street may still see a square or a yard: a polygon, 0 m of street
    assert any(f["properties"]["street_m_in_view"] == 0 for f in seen)


def test_a_uniform_radius_draws_uniform_discs_without_walls(capsys) -> None:
    code, out, err = run(capsys, "viewsheds", "--format", "csv", "--radius-m", "30")
    assert code == 0, err
    table = pd.read_csv(io.StringIO(out))
    assert set(table["model"]) == {"uniform disc"}
    assert set(table["range_m"]) == {30.0}
    assert not table["walls"].any()


def test_an_unknown_model_or_level_is_one_error(capsys) -> None:
    code, _, err = run(capsys, "viewsheds", "--coverage-model", "lidar")
    assert code == 2
    assert "unknown coverage model 'lidar'" in err
    code, _, err = run(capsys, "viewsheds", "--level", "glimpse")
    assert code == 2
    assert "unknown level 'glimpse'; use one of identify, recognise, observe" in err


#: Where a route only grazes a viewshed (a street along its rim), the drawn polygon, whose arcs are
#: chords within 5 cm and whose points are rounded to 1 cm, cannot settle it: that far is not counted as a miss.
_GRAZE_M = 0.25


@pytest.mark.parametrize("model", [None, "kamerafrei", "dori-high", "per-kind"])
@pytest.mark.parametrize(("origin", "destination"), [("Rautatientori", "Kauppatori"),
                                                     ("Narinkkatori", "Senaatintori")])
def test_every_route_counts_the_cameras_whose_written_viewsheds_it_crosses(capsys, model, origin, destination):
    chosen = [] if model is None else ["--coverage-model", model]
    code, out, err = run(capsys, "route", "--origin", origin, "--destination", destination, "--alternatives", "2",
                         *chosen)
    assert code == 0, err
    found = json.loads(out)["routes"]
    code, out, err = run(capsys, "viewsheds", *chosen)
    assert code == 0, err
    fc = json.loads(out)
    ids = [f["properties"]["camera_id"] for f in fc["features"]]
    lonlat = [shape(f["geometry"]) if f["geometry"] is not None else shapely.Polygon() for f in fc["features"]]
    crs = local_crs(24.94, 60.17)
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True)

    def metric(g):
        return shapely.transform(g, lambda xy: np.column_stack(to_xy.transform(xy[:, 0], xy[:, 1])))

    polygons = [metric(p) for p in lonlat]
    for route in found:
        line = metric(LineString(route["geometry"]["coordinates"]))
        crossed = {ids[i] for i, p in enumerate(polygons) if line.intersection(p).length > _GRAZE_M}
        near = {ids[i] for i, p in enumerate(polygons) if not p.is_empty and line.distance(p) < _GRAZE_M}
        counted = set(route["camera_ids"])
        assert crossed <= counted, f"{route['label']}: crosses {sorted(crossed - counted)} but does not count them"
        assert counted <= near, f"{route['label']}: counts {sorted(counted - near)} whose viewsheds it does not meet"
