"""Tests of exposure.cards: turn-by-turn lists, and PDF route cards rendered to PNG and read back."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pyproj
import pytest

from exposure.cards import CAVEATS, CardRoute, data_date, plan_cards_pdf, route_cards_pdf, turn_by_turn
from exposure.datasets import load_dataset
from exposure.network import index_graph, local_crs
from exposure.planning import Avoidance, PlanPoint, PlanRequest, area_around, make_plan
from exposure.routing import route_from_edges, routes

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is in requirements-dev.txt")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

LON, LAT = 24.9, 60.17


def street_grid():
    """Streets in metres around a point: Main Street east, then North Road north; a sidewalk and a crossing."""
    crs = local_crs(LON, LAT)
    to_lonlat = pyproj.Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    x0, y0 = pyproj.Transformer.from_crs("EPSG:4326", crs, always_xy=True).transform(LON, LAT)
    spots = {"a": (0, 0), "b": (100, 0), "c": (200, 0), "d": (200, 150), "e": (200, 300),
             "s1": (100, 8), "s2": (180, 8)}
    G = nx.MultiDiGraph(crs="EPSG:4326")
    ids = {k: i for i, k in enumerate(spots)}
    for k, (x, y) in spots.items():
        lon, lat = to_lonlat.transform(x0 + x, y0 + y)
        G.add_node(ids[k], x=lon, y=lat)

    def add(a: str, b: str, name: str) -> None:
        (xa, ya), (xb, yb) = spots[a], spots[b]
        length = float(np.hypot(xb - xa, yb - ya))
        attrs = {"length": length, **({"name": name} if name else {})}
        G.add_edge(ids[a], ids[b], **attrs)
        G.add_edge(ids[b], ids[a], **attrs)

    add("a", "b", "Main Street")
    add("b", "c", "Main Street")
    add("c", "d", "North Road")
    add("d", "e", "North Road")
    add("b", "s1", "")  # a short link to the sidewalk
    add("s1", "s2", "")  # the sidewalk along Main Street
    return index_graph(G), ids


def path_edges(index, ids, stops):
    out = []
    for a, b in zip(stops[:-1], stops[1:], strict=True):
        u, v = index.node_pos[ids[a]], index.node_pos[ids[b]]
        out.append(int(np.flatnonzero((index.edge_u == u) & (index.edge_v == v))[0]))
    return out


class _Ctx:
    def __init__(self, index):
        self.index = index
        self.exposure = type("E", (), {
            "cameras_on": staticmethod(lambda e: np.empty(0, dtype=np.int64)),
            "frt": np.zeros(0, dtype=bool), "in_view_m": np.zeros(index.n_edges),
            "in_view_any_m": np.zeros(index.n_edges)})()
        self.camera_ids = np.array([], dtype=object)


def test_turn_by_turn_names_streets_turns_and_distances():
    index, ids = street_grid()
    route = route_from_edges(_Ctx(index), path_edges(index, ids, "abcde"), label="r", objective="shortest",
                             optimal=True)
    steps = turn_by_turn(index, route, destination="the square")
    assert [s.instruction for s in steps] == ["Start east on Main Street", "Turn left onto North Road",
                                              "Arrive at the square"]
    assert [round(s.distance_m) for s in steps] == [200, 300, 0]
    assert steps[-1].at_m == pytest.approx(500.0)


def test_turn_by_turn_reads_a_sidewalk_as_its_street():
    index, ids = street_grid()
    route = route_from_edges(_Ctx(index), path_edges(index, ids, ["a", "b", "s1", "s2"]), label="r",
                             objective="shortest", optimal=True)
    steps = turn_by_turn(index, route)
    # the 8 m link is folded into Main Street; the sidewalk beside it is Main Street too
    assert [s.instruction for s in steps] == ["Start east on Main Street", "Arrive"]
    assert steps[0].distance_m == pytest.approx(188.0)


def test_turn_by_turn_of_an_empty_route():
    index, _ = street_grid()
    route = route_from_edges(_Ctx(index), [], label="r", objective="shortest", optimal=True)
    assert turn_by_turn(index, route) == []


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def pdf_pages(pdf: bytes) -> tuple[list[str], list]:
    doc = pdfium.PdfDocument(pdf)
    texts, images = [], []
    for i in range(len(doc)):
        page = doc[i]
        texts.append(page.get_textpage().get_text_range())
        images.append(page.render(scale=1.5).to_pil())
    return texts, images


def test_data_date_of_the_helsinki_extract(helsinki):
    assert data_date(helsinki) == "OpenStreetMap extract, last edit 2019-04-21"


def test_plan_cards_render_one_page_per_route(helsinki):
    ctx = helsinki.context()

    def at(name: str) -> PlanPoint:
        return PlanPoint.from_place(helsinki.resolve(name))

    request = PlanRequest(site=at("Senaatintori"), gathering=(at("Rautatientori"), at("Narinkkatori"),
                          at("Kauppatori")), via=(), dispersal=(at("Kappeli"),), regroup_radius_m=250.0,
                          avoid=Avoidance(areas=(area_around(60.1700, 24.9450, 40.0, name="HQ"),)))
    plan = make_plan(ctx, request, cameras=helsinki.cameras, time_limit_s=60.0)
    pdf = plan_cards_pdf(plan, index=helsinki.index, basemap=helsinki.basemap, when="OSM 2019-04-21",
                         cameras=helsinki.cameras)
    assert pdf.startswith(b"%PDF")
    texts, images = pdf_pages(pdf)
    assert len(texts) == 1 + len(plan.journeys)
    assert "Protest plan: Senaatintori" in texts[0]
    assert "Regroup points" in texts[0]
    for text, journey in zip(texts[1:], plan.journeys, strict=True):
        assert journey.name in text
        assert "Turn by turn" in text
        assert "rrive at Senaatintori" in text or "rrive at Kappeli" in text
        assert "OSM 2019-04-21" in text
        assert "FRT policy default" in text
        assert CAVEATS[0][:40] in text
        assert f"{journey.route.frt_cameras} FRT-capable camera" in text
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for i, image in enumerate(images[:2]):
        image.save(ARTIFACTS / f"route_card_{i}.png")
        pixels = np.asarray(image.convert("L"), dtype=float)
        assert pixels.std() > 20  # a drawn map and text, not a blank page
        # the map's area holds the route's colour (blue or orange, not grey)
        rgb = np.asarray(image.convert("RGB"), dtype=int)
        coloured = (np.abs(rgb[:, :, 0] - rgb[:, :, 2]) > 120).sum()
        assert coloured > 500


def test_route_card_of_a_least_bad_route_says_what_it_breaks(helsinki):
    ctx = helsinki.context()
    found = routes(ctx, helsinki.resolve("Rautatientori").node, helsinki.resolve("Kauppatori").node)
    item = CardRoute(title="Rautatientori → Kauppatori", route=found[-1],
                     stops=(("Rautatientori", 24.9426, 60.1708), ("Kauppatori", 24.9518, 60.1674)),
                     breaks=("enters the avoided area 'X' for 20 m (on Kaivokatu)",))
    pdf = route_cards_pdf([item], index=helsinki.index, basemap=helsinki.basemap, settings_used=ctx.settings)
    (text,), _ = pdf_pages(pdf)
    assert "NO ROUTE AVOIDS EVERYTHING ASKED" in text
    assert "date unknown" in text


def test_cards_never_show_zero_cameras_without_saying_nothing_is_counted(helsinki):
    ctx = helsinki.context(verification="verified")  # no camera in Helsinki is verified
    plan = make_plan(ctx, PlanRequest(site=PlanPoint.from_place(helsinki.resolve("Senaatintori")),
                                      gathering=(PlanPoint.from_place(helsinki.resolve("Rautatientori")),)),
                     extent=helsinki.extent)
    assert plan.journeys[0].route.frt_cameras == 0
    texts, _ = pdf_pages(plan_cards_pdf(plan, index=helsinki.index, basemap=helsinki.basemap))
    for text in texts:
        assert "0 of 221 cameras are counted: none is verified" in " ".join(text.split()), text
    route = plan.journeys[0].route
    card = CardRoute(title="Rautatientori → Senaatintori", route=route, stops=())
    (text,), _ = pdf_pages(route_cards_pdf([card], index=helsinki.index, basemap=helsinki.basemap,
                                           settings_used=plan.settings))
    assert "0 of 221 cameras are counted: none is verified" in " ".join(text.split())
