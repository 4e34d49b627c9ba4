"""Printable route cards: one PDF page per route with its map, turn-by-turn list, figures and caveats.

The package's rooms: :mod:`~exposure.cards.directions` (turn by turn by street
name), :mod:`~exposure.cards.maps` (the card's map, drawn from the dataset's own
streets) and :mod:`~exposure.cards.pages` (the pages, laid out to stay inside
the paper, and the PDF). Every public name is importable from ``exposure.cards``.
"""

from __future__ import annotations

from exposure.cards.directions import Step, turn_by_turn
from exposure.cards.maps import CardRoute
from exposure.cards.pages import (
    CAVEATS,
    data_date,
    plan_card_figures,
    plan_cards_pdf,
    route_card_figures,
    route_cards_pdf,
)

__all__ = [
    "CAVEATS",
    "CardRoute",
    "Step",
    "data_date",
    "plan_card_figures",
    "plan_cards_pdf",
    "route_card_figures",
    "route_cards_pdf",
    "turn_by_turn",
]
