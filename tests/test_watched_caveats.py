"""Caveats that fit the cameras counted: Decode's undercount for Decode cameras, others for other sources."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exposure.watched.correlation import watched_analysis
from tests.watched_common import areas


def with_sources(table: pd.DataFrame, sources: list[str] | None) -> pd.DataFrame:
    table.attrs = {} if sources is None else {"camera_sources": sources}
    return table


@pytest.mark.parametrize(("sources", "present", "absent"), [
    (["decode"], ["Street View", "undercount"], ["OpenStreetMap", "not recorded"]),
    (["osm"], ["OpenStreetMap cameras are mapped by volunteers"], ["Street View", "undercount"]),
    (["cctv-exposure"], ["mapped on foot by researchers"], ["Street View"]),
    (["my_cameras.csv"], ["Cameras from my_cameras.csv"], ["Street View", "OpenStreetMap"]),
    (["decode", "osm"], ["Street View", "OpenStreetMap cameras"], ["not recorded"]),
    (None, ["not recorded with these figures"], ["Street View"]),
])
def test_caveats_fit_the_camera_sources(sources, present, absent) -> None:
    share = np.linspace(0.1, 0.9, 10)
    text = " ".join(watched_analysis(with_sources(areas(share, share), sources)).caveats)
    for words in present:
        assert words in text
    for words in absent:
        assert words not in text
    assert "Correlation is not a cause" in text
