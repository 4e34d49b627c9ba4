"""Tests of exposure.cards.pages: PDF route cards rendered to PNG and read back, every text inside the paper."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from exposure.cards import (
    CAVEATS,
    CardRoute,
    data_date,
    plan_card_figures,
    plan_cards_pdf,
    route_card_figures,
    route_cards_pdf,
)
from exposure.datasets import load_dataset
from exposure.planning import Avoidance, PlanPoint, PlanRequest, area_around, make_plan
from exposure.routing import proof_words, routes
from tests.printed import MARGIN_IN, off_the_page, over_the_map

pdfium = pytest.importorskip("pypdfium2", reason="pypdfium2 is in requirements-dev.txt")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


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


def test_route_card_of_a_route_not_proven_says_its_bound_and_gap(helsinki):
    ctx = helsinki.context()
    found = routes(ctx, helsinki.resolve("Rautatientori").node, helsinki.resolve("Kauppatori").node)
    # as the search answers at its time limit: the greedy route and the proven bound below its count
    route = dataclasses.replace(found[-1], optimal=False, lower_bound_frt=max(0, found[-1].frt_cameras - 2))
    item = CardRoute(title="Rautatientori → Kauppatori", route=route,
                     stops=(("Rautatientori", 24.9426, 60.1708), ("Kauppatori", 24.9518, 60.1674)))
    figures = route_card_figures([item], index=helsinki.index, basemap=helsinki.basemap, settings_used=ctx.settings)
    assert all(off_the_page(fig) == [] and over_the_map(fig, fig.axes[0]) == [] for fig in figures)
    pdf = route_cards_pdf([item], index=helsinki.index, basemap=helsinki.basemap, settings_used=ctx.settings)
    (text,), _ = pdf_pages(pdf)
    assert f"This route is {proof_words(route)}." in " ".join(text.split())
    assert proof_words(route).startswith("not proven (time limit): ")


def pdf_text_off_the_page(pdf: bytes, *, margin_in: float = MARGIN_IN) -> list[tuple[int, str]]:
    """The characters of a PDF drawn in the margin of their page or beyond it: (page, character)."""
    doc = pdfium.PdfDocument(pdf)
    out = []
    for number in range(len(doc)):
        page = doc[number]
        width, height = page.get_size()
        text = page.get_textpage()
        m = margin_in * 72
        for i in range(text.count_chars()):
            left, bottom, right, top = text.get_charbox(i)
            if right - left <= 0 or top - bottom <= 0:
                continue  # spaces and line ends
            if left < m - 1 or bottom < m - 1 or right > width - m + 1 or top > height - m + 1:
                out.append((number, text.get_text_range(i, 1)))
    return out


LONG_NAME = "Rautatientori (Railway Square), by the east doors of the central railway station"
BREAKS = ("enters the avoided area 'Police line at the corner of Aleksanterinkatu and Unioninkatu' for 45 m "
          "(on Aleksanterinkatu), because no route outside it reaches the site",
          "passes 3 FRT cameras although none was allowed (node/1234567890, node/2345678901, node/3456789012)")


def test_route_cards_keep_every_text_on_the_page_and_off_the_map(helsinki):
    ctx = helsinki.context()
    found = routes(ctx, helsinki.resolve("Rautatientori").node, helsinki.resolve("Senaatintori").node)
    item = CardRoute(title=f"{LONG_NAME} → Senaatintori (Senate Square), via Esplanadi park and Kappeli",
                     route=found[-1], stops=((LONG_NAME, 24.9426, 60.1708), ("Senaatintori (Senate Square)", 24.9522,
                                                                            60.1693)), breaks=BREAKS)
    figures = route_card_figures([item], index=helsinki.index, basemap=helsinki.basemap, settings_used=ctx.settings)
    for fig in figures:
        assert off_the_page(fig) == []
        assert over_the_map(fig, fig.axes[0]) == []  # the warning stays above the map's frame
    pdf = route_cards_pdf([item], index=helsinki.index, basemap=helsinki.basemap, settings_used=ctx.settings)
    assert pdf_text_off_the_page(pdf) == []
    (text,), _ = pdf_pages(pdf)
    assert "NO ROUTE AVOIDS EVERYTHING ASKED" in text
    label = found[-1].label
    assert f"{label[:1].upper()}{label[1:]}:" in text  # capitalised as written ("FRT" stays "FRT")


def test_plan_cards_keep_the_least_bad_legend_on_the_page(helsinki):
    ctx = helsinki.context()

    def at(name: str, called: str) -> PlanPoint:
        point = PlanPoint.from_place(helsinki.resolve(name))
        return PlanPoint(name=called, lon=point.lon, lat=point.lat, node=point.node, snap_m=point.snap_m)

    request = PlanRequest(
        site=at("Senaatintori", "Senaatintori (Senate Square), the steps of the cathedral"),
        gathering=(at("Rautatientori", LONG_NAME), at("Narinkkatori", "Narinkkatori, by the Kamppi chapel of silence"),
                   at("Kauppatori", "Kauppatori (Market Square), the fountain of Havis Amanda")),
        via=(), dispersal=(), regroup_radius_m=250.0,
        avoid=Avoidance(areas=(area_around(60.1700, 24.9450, 40.0, name="Police line on Aleksanterinkatu"),),
                        no_frt_cameras=True))
    plan = make_plan(ctx, request, cameras=helsinki.cameras, time_limit_s=60.0)
    assert not all(j.feasible for j in plan.journeys)  # least-bad routes, flagged on the overview
    figures = plan_card_figures(plan, index=helsinki.index, basemap=helsinki.basemap, when="OSM 2019-04-21",
                                cameras=helsinki.cameras)
    assert len(figures) == 1 + len(plan.journeys)
    for fig in figures:
        assert off_the_page(fig) == []
        assert over_the_map(fig, fig.axes[0]) == []
    overview = " ".join(t.get_text() for t in figures[0].texts)
    assert "LEAST BAD" in overview
    pdf = plan_cards_pdf(plan, index=helsinki.index, basemap=helsinki.basemap, when="OSM 2019-04-21",
                         cameras=helsinki.cameras)
    assert pdf_text_off_the_page(pdf) == []


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
