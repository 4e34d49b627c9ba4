"""Printed density maps: a PNG a journalist can print, with basemap, named top areas, units, sources, no data."""

from __future__ import annotations

import pytest
from matplotlib.text import Text

from exposure._errors import AreaError
from exposure.areas.density import density_by_area
from exposure.areas.figures import density_png
from exposure.areas.sets import named_areas
from exposure.datasets import load_dataset
from tests.areas_common import helsinki_table
from tests.printed import drawn_texts, off_the_page


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
    assert off_the_page(fig) == []
    assert "Amnesty International, Decode Surveillance NYC" in " ".join(t.get_text() for t in fig.texts)


PRINTED = ["cameras_per_km2", "frt_cameras_per_km2", "cameras_per_street_km", "effective_cameras"]


def test_the_png_is_an_a4_page_at_print_resolution(table) -> None:
    import io

    from PIL import Image

    image = Image.open(io.BytesIO(density_png(table, column="cameras_per_km2", title="Cameras per km²")))
    dpi_x, dpi_y = image.info["dpi"]
    assert dpi_x >= 200
    assert image.size[0] / dpi_x == pytest.approx(210 / 25.4, abs=0.02)  # 210 × 297 mm, as the page says
    assert image.size[1] / dpi_y == pytest.approx(297 / 25.4, abs=0.02)


@pytest.mark.parametrize("column", PRINTED)
def test_every_text_of_the_printed_map_is_on_the_paper(helsinki, table, column) -> None:
    from exposure.areas import density_figure

    fig = density_figure(table, column=column, title=f"{column} — helsinki, the embedded OpenStreetMap extract of "
                         "central Helsinki", streets=helsinki.index, basemap=helsinki.basemap)
    assert off_the_page(fig) == []


@pytest.mark.parametrize("column", PRINTED)
def test_ranked_areas_are_named_on_the_map_never_a_bare_rank(helsinki, table, column) -> None:
    import re

    from exposure.areas import density_figure

    fig = density_figure(table, column=column, title="t", streets=helsinki.index, basemap=helsinki.basemap)
    ax = fig.axes[0]
    drawn = dict(drawn_texts(fig))
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    ranked = [t for t in ax.texts if re.match(r"^\d+\b", t.get_text())]
    assert len(ranked) >= 4
    for tag in ranked:
        assert re.match(r"^\d+\. \S", tag.get_text()), tag.get_text()  # "3. Kluuvi", never "3"
        box = drawn[tag]
        assert frame.x0 - 0.5 <= box.x0
        assert box.x1 <= frame.x1 + 0.5
        assert frame.y0 - 0.5 <= box.y0
        assert box.y1 <= frame.y1 + 0.5
    boxes = [drawn[t] for t in ranked]
    assert not any(a.overlaps(b) for k, a in enumerate(boxes) for b in boxes[k + 1:])


def test_the_printed_map_has_a_scale_bar_true_to_the_ground(helsinki, table) -> None:
    import math
    import re

    from matplotlib.patches import Rectangle

    from exposure.areas import density_figure

    fig = density_figure(table, column="cameras_per_km2", title="t", streets=helsinki.index, basemap=helsinki.basemap)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.findobj(Text) if re.fullmatch(r"\d+ (m|km)", t.get_text())]
    assert len(labels) == 1
    number, unit = labels[0].split()
    metres = float(number) * (1000 if unit == "km" else 1)
    bars = [r for r in ax.findobj(Rectangle) if r.get_gid() == "scale bar"]
    assert len(bars) == 1
    south, north = ax.get_ylim()
    degrees = bars[0].get_width()
    assert degrees * 111_320 * math.cos(math.radians((south + north) / 2)) == pytest.approx(metres, rel=0.01)
