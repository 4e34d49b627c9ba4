"""One palette and one set of labels for the screen, the printed cards and the exported files.

A route keeps its colour wherever it is drawn: on the page's map and chart, on
its route card, in KML and in GeoJSON. The shortest route is always
:data:`SHORTEST_COLOUR`; the other routes (or a plan's journeys) take
:data:`ROUTE_COLOURS` in turn, colours chosen apart from the FRT tier colours of
the cameras (:data:`TIER_COLOURS`), so that a line is never read as a camera class.
Colours are RGB (0-255) tuples; the pydeck ones that carry opacity are RGBA lists.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AVOID_COLOUR",
    "BASEMAP_COLOURS",
    "COMPARISON_COLOUR",
    "DENSITY_COLOURS",
    "OBJECTIVE_CHOICES",
    "OBJECTIVE_LABELS",
    "PICK_COLOUR",
    "PLACE_RING",
    "POINT_COLOURS",
    "ROUTE_COLOURS",
    "SHORTEST_COLOUR",
    "STREET_COLOUR",
    "TIER_CAPTION",
    "TIER_COLOURS",
    "TIER_COLOUR_NAMES",
    "UNKNOWN_TIER_COLOUR",
    "VIEWSHED_CAPTION",
    "VIEWSHED_FILL_ALPHA",
    "VIEWSHED_LINE_ALPHA",
    "capitalised",
    "hex_colour",
    "rgb_fractions",
    "route_colour",
    "route_colours",
]

# --------------------------------------------------------------------------- cameras

#: RGBA per FRT tier, for camera markers on screen and on cards: high red, medium orange, low grey-blue.
TIER_COLOURS: dict[str, list[int]] = {
    "high": [200, 30, 45, 230],
    "medium": [240, 140, 20, 220],
    "low": [90, 110, 140, 200],
}
#: RGBA of a camera whose tier is not one of :data:`TIER_COLOURS`.
UNKNOWN_TIER_COLOUR: list[int] = [0, 0, 0, 200]
#: How captions name each tier's colour.
TIER_COLOUR_NAMES: dict[str, str] = {"high": "red", "medium": "orange", "low": "grey-blue"}
#: The caption under a map of cameras coloured by tier.
TIER_CAPTION = (f"{TIER_COLOUR_NAMES['high'].capitalize()}: high FRT tier · {TIER_COLOUR_NAMES['medium']}: medium · "
                f"{TIER_COLOUR_NAMES['low']}: low")
#: Camera counts per hexagon, from few to many (a yellow-orange-red ramp, drawn under the tier markers).
DENSITY_COLOURS: tuple[tuple[int, int, int], ...] = (
    (255, 255, 178), (254, 217, 118), (254, 178, 76), (253, 141, 60), (240, 59, 32), (189, 0, 38),
)

#: A camera's viewshed (what it sees, cut by walls where the model uses them) is drawn in its tier's colour,
#: faint enough that streets, routes and other viewsheds show through, and outlined a little stronger.
VIEWSHED_FILL_ALPHA = 45
#: Alpha of a viewshed's outline.
VIEWSHED_LINE_ALPHA = 150
#: The caption beside a map that draws viewsheds.
VIEWSHED_CAPTION = ("Shaded areas: what each camera sees (its viewshed), in its tier's colour, out to the range "
                    "of the coverage model and level counted")

# --------------------------------------------------------------------------- routes

#: The shortest route, on every map, card and file.
SHORTEST_COLOUR: tuple[int, int, int] = (60, 60, 60)
#: Every other route, or a plan's journeys, in turn: Okabe and Ito's colour-blind-safe blues, greens and
#: purples, kept apart from the tier colours (no red, orange or yellow) and from the shortest's grey.
ROUTE_COLOURS: tuple[tuple[int, int, int], ...] = (
    (0, 114, 178),    # blue
    (0, 158, 115),    # bluish green
    (204, 121, 167),  # reddish purple
    (86, 180, 233),   # sky blue
    (150, 40, 190),   # violet
    (110, 190, 60),   # yellow-green
)
#: A route drawn beside a recorded walk for comparison (the fewest-camera route of an audit): a thin dark line.
COMPARISON_COLOUR: tuple[int, int, int] = (20, 20, 20)
#: Areas to avoid: outlined and hatched in this red, filled with it faint.
AVOID_COLOUR: tuple[int, int, int] = (200, 30, 45)
#: Named points by role: a route's start and end, and a plan's site, gathering, via, dispersal and regroup points.
POINT_COLOURS: dict[str, tuple[int, int, int]] = {
    "start": (20, 120, 20),
    "end": (20, 20, 160),
    "gathering": (20, 120, 20),
    "site": (20, 20, 160),
    "via": (90, 90, 90),
    "dispersal": (150, 60, 150),
    "regroup": (230, 159, 0),
}

#: The ring round a named place on a map (a start, an end, a plan's points), where a camera's ring is white:
#: a regroup point's amber is then never read as a medium-tier camera.
PLACE_RING: tuple[int, int, int] = (40, 40, 40)
#: A street point under the pointer of a map one clicks to choose a place, and the one just clicked (a ring).
PICK_COLOUR: tuple[int, int, int] = (230, 0, 126)

# --------------------------------------------------------------------------- basemap

#: The walking network drawn as the basemap's streets.
STREET_COLOUR: tuple[int, int, int] = (150, 150, 150)
#: RGBA fills of the basemap areas drawn from the dataset's own OSM data.
BASEMAP_COLOURS: dict[str, list[int]] = {
    "water": [170, 205, 235, 255],
    "park": [205, 230, 195, 255],
    "building": [222, 218, 212, 255],
}

# --------------------------------------------------------------------------- labels

#: What each objective's route is called in tables, tracks, cards and exports ("the fewest cameras route").
OBJECTIVE_LABELS: dict[str, str] = {
    "shortest": "shortest",
    "fewest-cameras": "fewest cameras",
    "least-time-in-view": "least time in view",
}
#: How an objective is offered as a choice, in the order offered (the shortest alone means no other route).
OBJECTIVE_CHOICES: dict[str, str] = {
    "fewest-cameras": "Fewest FRT cameras",
    "least-time-in-view": "Least time in view",
    "shortest": "Shortest only",
}


def route_colour(index: int) -> tuple[int, int, int]:
    """The colour of the ``index``-th route that is not the shortest (or of a plan's ``index``-th journey).

    Parameters
    ----------
    index
        Its place among them, from 0; the colours repeat after :data:`ROUTE_COLOURS`.

    Returns
    -------
    tuple of int
        RGB.
    """
    return ROUTE_COLOURS[index % len(ROUTE_COLOURS)]


def route_colours(objectives: Sequence[str]) -> list[tuple[int, int, int]]:
    """The colour of each route of a list, from its objective: the shortest grey, the others in turn.

    Parameters
    ----------
    objectives
        Each route's ``objective`` (``"shortest"``, ``"fewest-cameras"``, ``"alternatives"`` …), in order.

    Returns
    -------
    list of tuple of int
        RGB per route: :data:`SHORTEST_COLOUR` for the shortest, else :func:`route_colour` of its place
        among the others.
    """
    colours = []
    others = 0
    for objective in objectives:
        if objective == "shortest":
            colours.append(SHORTEST_COLOUR)
        else:
            colours.append(route_colour(others))
            others += 1
    return colours


def hex_colour(colour: Sequence[int]) -> str:
    """A colour as ``#rrggbb`` (for charts, HTML and matplotlib); an alpha is dropped.

    Parameters
    ----------
    colour
        RGB or RGBA (0-255).

    Returns
    -------
    str
        The hex colour.
    """
    r, g, b = (int(c) for c in colour[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def rgb_fractions(colour: Sequence[int]) -> tuple[float, float, float]:
    """A colour as matplotlib's ``(r, g, b)`` in [0, 1]; an alpha is dropped.

    Parameters
    ----------
    colour
        RGB or RGBA (0-255).

    Returns
    -------
    tuple of float
        The fractions.
    """
    r, g, b = colour[:3]
    return r / 255, g / 255, b / 255


# --------------------------------------------------------------------------- labels


def capitalised(text: str) -> str:
    """A label starting a sentence or a button: its first letter a capital, the rest as written.

    ``capitalised("effective cameras (Amnesty)")`` is ``"Effective cameras (Amnesty)"``;
    :meth:`str.capitalize` would lower every other letter ("(amnesty)", "Frt").
    """
    return text[:1].upper() + text[1:]
