"""Tests of exposure.style: one palette, apart from the tier colours, used alike by the screen, the cards and KML."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from lxml import etree
from streamlit.testing.v1 import AppTest

import exposure.cards
import exposure.export
import exposure.layers
from exposure.export import KML_NAMESPACE, routes_to_kml
from exposure.style import (
    BASEMAP_COLOURS,
    OBJECTIVE_CHOICES,
    OBJECTIVE_LABELS,
    POINT_COLOURS,
    ROUTE_COLOURS,
    SHORTEST_COLOUR,
    TIER_CAPTION,
    TIER_COLOURS,
    hex_colour,
    rgb_fractions,
    route_colour,
    route_colours,
)

ROOT = Path(__file__).resolve().parent.parent


def distance(a, b) -> float:
    return math.dist(a[:3], b[:3])


def test_route_colours_stay_apart_from_the_tier_colours_and_the_shortest() -> None:
    for colour in ROUTE_COLOURS:
        assert min(distance(colour, tier) for tier in TIER_COLOURS.values()) > 90, colour
        assert distance(colour, SHORTEST_COLOUR) > 90, colour
    for a, b in itertools.combinations(ROUTE_COLOURS, 2):
        assert distance(a, b) > 50, (a, b)
    assert min(distance(SHORTEST_COLOUR, tier) for tier in TIER_COLOURS.values()) > 90


def test_the_shortest_is_grey_and_the_others_take_the_palette_in_turn() -> None:
    assert route_colours(["shortest", "fewest-cameras", "alternatives", "alternatives"]) == [
        SHORTEST_COLOUR, ROUTE_COLOURS[0], ROUTE_COLOURS[1], ROUTE_COLOURS[2]]
    assert route_colours(["fewest-cameras", "shortest"]) == [ROUTE_COLOURS[0], SHORTEST_COLOUR]
    assert route_colour(len(ROUTE_COLOURS) + 1) == ROUTE_COLOURS[1]


def test_helpers_and_labels() -> None:
    assert hex_colour([0, 114, 178, 200]) == "#0072b2"
    assert rgb_fractions((255, 0, 51)) == (1.0, 0.0, 0.2)
    assert TIER_CAPTION == "Red: high FRT tier · orange: medium · grey-blue: low"
    assert set(OBJECTIVE_LABELS) == set(OBJECTIVE_CHOICES) == {"shortest", "fewest-cameras", "least-time-in-view"}
    assert {"start", "end", "site", "gathering", "via", "dispersal", "regroup"} <= set(POINT_COLOURS)


def test_the_old_names_are_the_style_objects() -> None:
    assert exposure.layers.TIER_COLOURS is TIER_COLOURS
    assert exposure.layers.BASEMAP_COLOURS is BASEMAP_COLOURS
    assert exposure.export.ROUTE_COLOURS is ROUTE_COLOURS
    assert exposure.cards.CardRoute.__dataclass_fields__["colour"].default == route_colour(0)


def kml_colours(text: str) -> dict[str, tuple[int, int, int]]:
    """Each placemark's line colour, by placemark name (KML writes aabbggrr)."""
    root = etree.fromstring(text.encode("utf-8"))
    ns = {"k": KML_NAMESPACE}
    styles = {s.get("id"): s.findtext("k:LineStyle/k:color", namespaces=ns)
              for s in root.findall(".//k:Document/k:Style", ns)}
    out = {}
    for mark in root.findall(".//k:Placemark", ns):
        code = styles.get((mark.findtext("k:styleUrl", namespaces=ns) or "").lstrip("#"))
        if code:
            out[mark.findtext("k:name", namespaces=ns)] = (int(code[6:8], 16), int(code[4:6], 16), int(code[2:4], 16))
    return out


def share_near(image, colour, *, tolerance: int = 12) -> float:
    rgb = np.asarray(image.convert("RGB"), dtype=int)
    return float((np.abs(rgb - np.array(colour[:3])).max(axis=2) <= tolerance).mean())


def test_screen_card_and_kml_draw_each_route_in_the_same_colour(monkeypatch) -> None:
    # today's per-kind discs, under which this trip has routes besides the shortest; the app's caches emptied
    import streamlit as st

    from exposure import settings

    monkeypatch.setattr(settings, "coverage_model", "per-kind")
    st.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "pages" / "2_Route_planner.py"), default_timeout=180)
    at.query_params.update(origin="Rautatientori", destination="Kauppatori", alternatives="1")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    # the screen: the page's map draws each route's line in its colour, labelled with its name
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    screen = {d["label"].split(":")[0]: tuple(d["colour"][:3]) for layer in spec["layers"]
              if layer.get("@@type") == "PathLayer" for d in layer["data"] if "FRT cameras" in str(d.get("label", ""))}
    assert screen["shortest"] == SHORTEST_COLOUR
    others = [label for label in screen if label != "shortest"]
    assert len(others) >= 2
    assert [screen[label] for label in others] == list(ROUTE_COLOURS[: len(others)])

    # KML: the file the page offers, made the way the page makes it
    from exposure.datasets import load_dataset
    from exposure.routing import routes

    ds = load_dataset("helsinki")
    found = routes(ds.context(), ds.resolve("Rautatientori").node, ds.resolve("Kauppatori").node, alternatives=1)
    assert [r.label for r in found] == list(screen)
    assert kml_colours(routes_to_kml(found)) == screen

    # the route cards: each page shows its route's colour and no other route's
    at.button(key="rp_cards_make").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (pdf,) = at.session_state["rp_cards"].values()
    doc = pdfium.PdfDocument(pdf)
    assert len(doc) == len(screen)
    grey = {}
    for page, (label, colour) in zip(doc, screen.items(), strict=True):
        image = page.render(scale=1.5).to_pil()
        grey[label] = share_near(image, SHORTEST_COLOUR)
        for other_label, other in screen.items():
            if other_label == label:
                assert share_near(image, colour) > 0.001, label
            elif other != SHORTEST_COLOUR:
                assert share_near(image, other) < 0.0002, (label, other_label)
    # dark grey text is on every page; the shortest route's page has its grey line besides
    assert all(grey["shortest"] > 1.5 * share for label, share in grey.items() if label != "shortest")
    st.cache_resource.clear()  # the app's caches held per-kind contexts


def test_a_label_is_capitalised_as_written() -> None:
    from exposure.style import capitalised

    assert capitalised("effective cameras (Amnesty) per km²") == "Effective cameras (Amnesty) per km²"
    assert capitalised("fewest FRT cameras") == "Fewest FRT cameras"
    assert capitalised("") == ""
