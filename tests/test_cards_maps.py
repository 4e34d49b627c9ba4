"""Tests of exposure.cards.maps: a card's map framed to its routes, with every name on the map."""

from __future__ import annotations

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from exposure.cards.maps import CardMap, CardRoute, draw_card_map
from exposure.datasets import load_dataset
from exposure.routing import routes


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def test_names_at_the_edge_of_the_map_are_moved_onto_it(helsinki):
    found = routes(helsinki.context(), helsinki.resolve("Rautatientori").node, helsinki.resolve("Kauppatori").node)
    route = found[0]
    (lon0, lat0), (lon1, lat1) = route.coordinates[0], route.coordinates[-1]
    long_name = "Rautatientori (Railway Square), by the east doors of the central railway station"
    item = CardRoute(title="t", route=route, stops=((long_name, lon0, lat0), (long_name + " again", lon1, lat1)))
    fig = Figure(figsize=(7, 4))
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    draw_card_map(ax, CardMap(helsinki.index, helsinki.basemap), [item])
    canvas.draw()
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    names = [t for t in ax.texts if t.get_text().startswith(long_name)]
    assert len(names) == 2
    for name in names:
        box = name.get_window_extent(renderer)
        assert box.width < frame.width  # it fits, so it is moved onto the map, not cut by the frame
        assert frame.x0 - 0.5 <= box.x0
        assert box.x1 <= frame.x1 + 0.5
        assert frame.y0 - 0.5 <= box.y0
        assert box.y1 <= frame.y1 + 0.5
