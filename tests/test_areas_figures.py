"""Printed density maps: a PNG a journalist can print, with basemap, named top areas, units, sources, no data."""

from __future__ import annotations

import pytest

from exposure._errors import AreaError
from exposure.areas.density import density_by_area
from exposure.areas.figures import density_png
from exposure.areas.sets import named_areas
from exposure.datasets import load_dataset
from tests.areas_common import helsinki_table


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def table(helsinki):
    return helsinki_table(helsinki)


def test_png_export(table) -> None:
    png = density_png(table, column="cameras_per_km2", title="Cameras per km²")
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    assert len(png) > 10_000
    with pytest.raises(AreaError, match="no column 'bogus'"):
        density_png(table, column="bogus", title="x")


def test_the_png_is_a_figure_a_journalist_can_print(helsinki, table) -> None:
    from datetime import date

    from matplotlib.collections import LineCollection, PolyCollection

    from exposure.areas import density_figure

    fig = density_figure(table, column="cameras_per_km2", title="Cameras per km² — helsinki", label="cameras per km²",
                         streets=helsinki.index, basemap=helsinki.basemap, made=date(2024, 5, 1))
    texts = [t.get_text() for t in fig.texts] + [t.get_text() for ax in fig.axes for t in ax.texts]
    everything = " ".join(texts)
    (ax, cax) = fig.axes
    assert cax.get_ylabel() == "Cameras per km²"  # a readable legend title with its units, not the column
    assert fig._suptitle.get_text() == "Cameras per km² — helsinki"
    # the basemap: the dataset's streets over the areas, its buildings, parks and water beneath
    assert any(isinstance(c, LineCollection) and len(c.get_segments()) > 1000 for c in ax.collections)
    assert any(isinstance(c, PolyCollection) and c.get_zorder() == 0 for c in ax.collections)
    # the top areas named on the map, after real places (no hexagon ids), and listed with their values
    top = table.sort_values("cameras_per_km2", ascending=False)["name"].head(5).tolist()
    assert all(not name.startswith("hex ") for name in top)
    on_map = [t.get_text() for t in ax.texts]
    assert on_map[0] == f"1. {top[0]}"
    assert "Highest: 1. " + top[0] in everything
    # what was counted, the sources with the OpenStreetMap credit, and the date
    assert "FRT policy default (capable tiers: high, medium)" in everything
    assert "verification disputed, unverified, verified" in everything
    assert "Cameras: OpenStreetMap contributors (ODbL)" in everything
    assert "© OpenStreetMap contributors" in everything
    assert "Made 2024-05-01" in everything
    assert "H3 hexagons at resolution 9" in everything


def test_the_png_keeps_no_data_apart(shared_data) -> None:
    from exposure.areas import density_figure
    from exposure.cameras import load_cameras, load_extent

    load = load_cameras(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    nta = density_by_area(named_areas("nyc-nta"), load.cameras, extent=load_extent(load))
    fig = density_figure(nta, column="cameras_per_km2", title="t", label="cameras per km²")
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert labels == ["no camera data (193 areas): outside where the camera source looked"]
    assert "Amnesty International, Decode Surveillance NYC" in " ".join(t.get_text() for t in fig.texts)
