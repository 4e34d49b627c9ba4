"""Tests of exposure.batch.tasks: one chunk's routes and audits, as the route and audit commands give them."""

from __future__ import annotations

import pandas as pd
import pytest

from exposure.audit import TRACK_COLUMNS, audit_track
from exposure.batch import ROUTE_COLUMNS, TRACK_FILE_COLUMNS, BatchRequest, route_chunk, route_row_columns, track_chunk
from exposure.cameras import load_cameras
from exposure.datasets import load_dataset


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def test_route_chunk_keeps_the_pairs_and_reports_errors(helsinki):
    pairs = pd.DataFrame({"pair_id": ["a", "b"], "origin": ["Rautatientori", ""],
                          "destination": ["Kauppatori", "Kauppatori"]})
    rows = route_chunk(helsinki, pairs, BatchRequest(objective="shortest"))
    assert rows["pair_id"].tolist() == ["a", "b"]
    assert rows["label"].iloc[0] == "shortest"
    assert "empty place" in rows["error"].iloc[1]


def test_route_chunk_carries_the_pairs_other_columns(helsinki):
    pairs = pd.DataFrame({"pair_id": ["a", "b"], "origin": ["Rautatientori", "Atlantis"],
                          "destination": ["Kauppatori", "Kauppatori"], "id": ["a", "b"],
                          "school year": [3, 4], "label": ["mine", "mine"]})
    assert route_row_columns(pairs) == [*ROUTE_COLUMNS, "id", "school year"]
    rows = route_chunk(helsinki, pairs, BatchRequest(objective="fewest-cameras", alternatives=1))
    assert list(rows.columns) == [*ROUTE_COLUMNS, "id", "school year", "coordinates", "pair_pos"]
    assert rows["school year"].tolist() == [3] * (len(rows) - 1) + [4]  # a column with a space, a number
    assert "mine" not in set(rows["label"].dropna())  # a column named like the batch's own is the batch's
    assert rows["id"].tolist()[-1] == "b"
    assert "Atlantis" in rows["error"].iloc[-1]


def test_track_files_have_their_own_column_names(shared_data):
    # one row per track file, not exposure.audit's one row per track inside a file
    assert TRACK_FILE_COLUMNS != TRACK_COLUMNS
    cameras = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    walk = str(shared_data / "jyvaskyla" / "walk1.gpx")
    rows = track_chunk(cameras, [walk, str(shared_data / "missing.gpx")], BatchRequest(radius_m=10.0))
    assert list(rows.columns) == [*TRACK_FILE_COLUMNS, "coordinates"]
    assert rows["frt_cameras"].iloc[0] == audit_track(walk, cameras, radius_m=10.0).to_dict()["frt_cameras"]
    assert pd.isna(rows["frt_cameras"].iloc[1])
    assert rows["error"].iloc[1]
