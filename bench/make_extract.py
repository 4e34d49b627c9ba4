"""Seeded generator of realistic OpenStreetMap extracts (PBF): streets, buildings, passages, façade cameras, names.

    .venv/bin/python bench/make_extract.py data/cache/bench/city-300.osm.pbf             # ~100 MB, 1.9 M nodes
    .venv/bin/python bench/make_extract.py /tmp/small.osm.pbf --side 20 --seed 3         # a small one for tests

Everything in it is invented. The grid of streets is placed near Helsinki
(:data:`ORIGIN_LONLAT`) only so that coordinates, the UTM projection and
metre/degree conversions behave as on a real extract; the result must never be
shown to a user as a real place or a real camera survey.

A ``side`` x ``side`` grid of intersections 80 m apart (jittered) is joined by one
way per block side, with shape nodes, named by street line; each block holds a
perimeter of buildings along its four sides (touching each other, as in central
Helsinki), some blocks a single building with a courtyard mapped as a multipolygon
relation (outer and inner ring ways), some a park or a pond; some footways pass
through the buildings into the courtyards and out again (``tunnel=building_passage``,
``covered=yes`` or ``tunnel=yes`` with ``layer=-1``). Cameras (0.6 per intersection)
sit on the street façades of buildings, within half a metre of the wall, some with
a ``camera:direction`` facing the street; a few are indoor cameras or guards, and a
few have values the camera reader must report. Shops and cafés give place names.
With the default ``side`` of 300: about 1.9 M nodes, 179 k street ways, 358 k
buildings, 90 k intersections and 54 k cameras, about 100 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["ORIGIN_LONLAT", "ExtractSummary", "main", "make_extract"]

#: South-west corner of the grid (WGS84).
ORIGIN_LONLAT = (24.9, 60.17)
BLOCK_M = 80.0
JITTER_M = 3.0
SETBACK_M = 7.0  # street centre line to façade
CAMERAS_PER_INTERSECTION = 0.6

_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(ORIGIN_LONLAT[1]))

_SYLLABLES = ["Aal", "Hel", "Kor", "Lin", "Mus", "Nuo", "Pih", "Rau", "Sal", "Tuo", "Val", "Yli", "Kes", "Lep",
              "Mar", "Ois", "Rii", "Sii", "Tam", "Uus"]
_MIDDLES = ["ka", "lo", "ne", "ri", "ta", "vi", "mä", "ho", "ju", "se"]
_SUFFIXES = ["katu", "tie", "kuja", "polku", "väylä", "raitti"]
_SHOPS = [("amenity", "cafe", "Kahvila"), ("amenity", "restaurant", "Ravintola"), ("shop", "bakery", "Leipomo"),
          ("shop", "kiosk", "Kioski"), ("amenity", "pharmacy", "Apteekki"), ("shop", "books", "Kirjakauppa")]


def _street_name(line: int, suffix: str) -> str:
    """An invented, unique street name per grid line."""
    a, rest = divmod(line, len(_MIDDLES) * len(_SYLLABLES))
    b, c = divmod(rest, len(_SYLLABLES))
    stem = _SYLLABLES[c] + _MIDDLES[b] + (_SYLLABLES[a % len(_SYLLABLES)].lower() if a else "")
    return f"{stem}{suffix}"


@dataclass
class ExtractSummary:
    """What a generated extract holds."""

    path: str
    seed: int
    side: int
    nodes: int = 0
    intersections: int = 0
    street_ways: int = 0
    passage_ways: int = 0
    building_ways: int = 0
    building_relations: int = 0
    buildings: int = 0
    cameras: int = 0
    named_nodes: int = 0
    parks: int = 0
    ponds: int = 0
    file_mb: float = 0.0
    seconds: float = 0.0
    bounds: list[float] = field(default_factory=list)


class _Writer:
    """Nodes first (sorted ids), then ways, then relations, with plausible metadata on each object."""

    def __init__(self, path: Path, rng: np.random.Generator, bounds: tuple[float, float, float, float]) -> None:
        import osmium  # noqa: PLC0415 - only the generator writes PBF

        self.osmium = osmium
        header = osmium.io.Header()
        header.add_box(osmium.osm.Box(osmium.osm.Location(bounds[0], bounds[1]),
                                      osmium.osm.Location(bounds[2], bounds[3])))
        header.set("generator", "exposure bench/make_extract.py (synthetic, invented data)")
        self.writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
        self.rng = rng
        self.base = dt.datetime(2019, 1, 1, tzinfo=dt.UTC)
        self.users = [f"mapper{i}" for i in range(400)]

    def _meta(self) -> dict[str, Any]:
        uid = int(self.rng.integers(len(self.users)))
        return {"version": int(self.rng.integers(1, 6)), "changeset": int(self.rng.integers(1_000_000, 90_000_000)),
                "timestamp": self.base + dt.timedelta(seconds=int(self.rng.integers(0, 6 * 365 * 86400))),
                "uid": uid + 1000, "user": self.users[uid]}

    def node(self, node_id: int, lon: float, lat: float, tags: dict[str, str] | None = None) -> None:
        self.writer.add_node(self.osmium.osm.mutable.Node(id=node_id, location=(lon, lat), tags=tags or {},
                                                          **self._meta()))

    def way(self, way_id: int, refs: list[int], tags: dict[str, str]) -> None:
        self.writer.add_way(self.osmium.osm.mutable.Way(id=way_id, nodes=refs, tags=tags, **self._meta()))

    def relation(self, rel_id: int, members: list[tuple[str, int, str]], tags: dict[str, str]) -> None:
        self.writer.add_relation(self.osmium.osm.mutable.Relation(id=rel_id, members=members, tags=tags,
                                                                  **self._meta()))

    def close(self) -> None:
        self.writer.close()


class _Nodes:
    """Node coordinates in local metres and their tags, ids given in order of creation."""

    def __init__(self) -> None:
        self.xy: list[np.ndarray] = []
        self.tags: dict[int, dict[str, str]] = {}
        self.count = 0

    def add(self, xy: np.ndarray) -> np.ndarray:
        """Add points (n, 2); return their node ids."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        ids = np.arange(self.count + 1, self.count + 1 + len(xy), dtype=np.int64)
        self.xy.append(xy)
        self.count += len(xy)
        return ids

    def all_xy(self) -> np.ndarray:
        return np.concatenate(self.xy) if self.xy else np.empty((0, 2))


def _to_lonlat(xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lon = ORIGIN_LONLAT[0] + xy[:, 0] / _M_PER_DEG_LON
    lat = ORIGIN_LONLAT[1] + xy[:, 1] / _M_PER_DEG_LAT
    # what a real extract holds: degrees to the 7th decimal
    return np.round(lon, 7), np.round(lat, 7)


@dataclass
class _City:
    """Everything drawn before writing: ways and relations refer to node ids."""

    nodes: _Nodes
    ways: list[tuple[list[int], dict[str, str]]]
    relations: list[tuple[list[tuple[int, str]], dict[str, str]]]
    summary: ExtractSummary
    grid_ids: np.ndarray = field(default_factory=lambda: np.empty((0, 0), dtype=np.int64))


def _street_class(line: int) -> dict[str, str]:
    common = {"lit": "yes", "source:maxspeed": "FI:urban"}
    if line % 20 == 0:
        return {"highway": "primary", "maxspeed": "40", "sidewalk": "both", "surface": "asphalt", "lanes": "4",
                **common}
    if line % 5 == 0:
        return {"highway": "secondary", "maxspeed": "40", "sidewalk": "both", "surface": "asphalt", **common}
    if line % 7 == 3:
        return {"highway": "pedestrian", "surface": "paving_stones", "lit": "yes"}
    return {"highway": "residential", "maxspeed": "30", "sidewalk": "both", "surface": "asphalt", **common}


def _streets(city: _City, grid: np.ndarray, side: int, rng: np.random.Generator,
             passage_mid: dict[tuple[int, int], int]) -> None:
    """One way per block side, with 0-3 shape nodes, named by its line.

    ``passage_mid[(i, j)]`` is the node in the middle of the street along row ``j``
    between columns ``i`` and ``i + 1``, where a passage through a block starts.
    """
    names_x = [_street_name(j, _SUFFIXES[j % 3]) for j in range(side)]
    names_y = [_street_name(side + i, _SUFFIXES[3 + i % 3]) for i in range(side)]
    for horizontal in (True, False):
        for a in range(side):  # the line
            base = _street_class(a)
            for b in range(side - 1):  # the link along the line
                i0, j0, i1, j1 = (b, a, b + 1, a) if horizontal else (a, b, a, b + 1)
                p, q = grid[j0, i0], grid[j1, i1]
                k = int(rng.choice(4, p=[0.3, 0.35, 0.25, 0.1]))
                t = np.sort(rng.uniform(0.15, 0.85, k))
                mid = passage_mid.get((b, a)) if horizontal else None
                normal = np.array([-(q - p)[1], (q - p)[0]]) / max(float(np.hypot(*(q - p))), 1e-9)
                shape = p + t[:, None] * (q - p) + rng.uniform(-1.2, 1.2, (k, 1)) * normal
                shape_ids = list(city.nodes.add(shape))
                refs = [int(city.grid_ids[j0, i0]), *map(int, shape_ids), int(city.grid_ids[j1, i1])]
                if mid is not None:
                    # keep the order along the street: the passage's node sits at the middle
                    refs = [refs[0], *[r for r, tt in zip(shape_ids, t, strict=True) if tt < 0.5], mid,
                            *[r for r, tt in zip(shape_ids, t, strict=True) if tt >= 0.5], refs[-1]]
                    refs = [int(r) for r in refs]
                tags = dict(base)
                if rng.random() < 0.03:
                    tags = {"highway": "footway"}
                else:
                    tags["name"] = names_x[a] if horizontal else names_y[a]
                if rng.random() < 0.02:
                    tags["oneway"] = "yes"
                city.ways.append((refs, tags))
                city.summary.street_ways += 1


def _address_tags(rng: np.random.Generator) -> dict[str, str]:
    """What an imported building carries besides its street address (invented town, postcode, source)."""
    tags = {"addr:city": "Keksikylä", "addr:postcode": f"99{int(rng.integers(100, 999))}",
            "source": str(rng.choice(["survey", "aerial imagery", "import:municipal-register-2018"]))}
    if rng.random() < 0.5:
        tags["roof:shape"] = str(rng.choice(["flat", "gabled", "hipped"]))
    if rng.random() < 0.3:
        tags["start_date"] = str(int(rng.integers(1880, 2022)))
    if rng.random() < 0.2:
        tags["ref:building"] = f"{int(rng.integers(10**8, 10**9))}X"
    return tags


def _rect(x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])


@dataclass
class _Facade:
    """A street façade: where a camera may be mounted and which way it faces."""

    a: np.ndarray
    b: np.ndarray
    bearing: float  # outward, degrees from north


def _block_buildings(city: _City, box: tuple[float, float, float, float], rng: np.random.Generator, *,
                     street_names: tuple[str, str, str, str]) -> list[_Facade]:
    """The buildings of one block (inner box x0, y0, x1, y1); returns their street façades."""
    x0, y0, x1, y1 = box
    d = float(rng.uniform(10.0, 14.0))
    facades: list[_Facade] = []
    kind = rng.random()
    levels = str(int(rng.integers(2, 9)))
    if kind < 0.04:  # one building round a courtyard: a multipolygon relation
        outer = city.nodes.add(_rect(x0, y0, x1, y1))
        inner = city.nodes.add(_rect(x0 + d, y0 + d, x1 - d, y1 - d))
        city.ways.append(([*map(int, outer), int(outer[0])], {}))
        outer_way = len(city.ways)
        city.ways.append(([*map(int, inner), int(inner[0])], {}))
        inner_way = len(city.ways)
        city.relations.append(([(outer_way, "outer"), (inner_way, "inner")],
                               {"type": "multipolygon", "building": "apartments", "building:levels": levels,
                                "addr:street": street_names[0], "addr:housenumber": str(int(rng.integers(1, 60))),
                                **_address_tags(rng)}))
        city.summary.building_relations += 1
        city.summary.buildings += 1
        facades += [_Facade(np.array([x0, y0]), np.array([x1, y0]), 180.0),
                    _Facade(np.array([x1, y1]), np.array([x0, y1]), 0.0)]
        return facades
    strips = [  # south, north, west, east; each faces its street
        (x0, y0, x1, y0 + d, 180.0, 0), (x0, y1 - d, x1, y1, 0.0, 1),
        (x0, y0 + d, x0 + d, y1 - d, 270.0, 2), (x1 - d, y0 + d, x1, y1 - d, 90.0, 3),
    ]
    if rng.random() < 0.18:  # a longer side in two buildings
        sx0, sy0, sx1, sy1, bearing, side_i = strips.pop(int(rng.integers(2)))
        cut = float(rng.uniform(0.35, 0.65)) * (sx1 - sx0) + sx0
        strips += [(sx0, sy0, cut, sy1, bearing, side_i), (cut, sy0, sx1, sy1, bearing, side_i)]
    for sx0, sy0, sx1, sy1, bearing, side_i in strips:
        corners = _rect(sx0, sy0, sx1, sy1)
        if rng.random() < 0.3:  # an entrance node on the street façade
            at = {180.0: 0, 90.0: 1, 0.0: 2, 270.0: 3}[bearing]
            a, b = corners[at], corners[(at + 1) % 4]
            corners = np.insert(corners, at + 1, a + float(rng.uniform(0.3, 0.7)) * (b - a), axis=0)
        ids = city.nodes.add(corners)
        tags = {"building": str(rng.choice(["apartments", "yes", "residential", "commercial", "office"])),
                "building:levels": levels, "addr:street": street_names[side_i],
                "addr:housenumber": str(int(rng.integers(1, 120))), **_address_tags(rng)}
        city.ways.append(([*map(int, ids), int(ids[0])], tags))
        city.summary.building_ways += 1
        city.summary.buildings += 1
        a, b = {180.0: (0, 1), 0.0: (2, 3), 270.0: (3, 0), 90.0: (1, 2)}[bearing]
        rect = _rect(sx0, sy0, sx1, sy1)
        facades.append(_Facade(rect[a], rect[b], bearing))
    return facades


def _passage(city: _City, box: tuple[float, float, float, float], south: int, north: int,
             rng: np.random.Generator) -> None:
    """A footway from the south street through the south building, the courtyard and the north building."""
    x0, y0, x1, y1 = box
    cx = (x0 + x1) / 2
    inside = city.nodes.add(np.array([[cx, y0 + 2.0], [cx, (y0 + y1) / 2], [cx, y1 - 2.0]]))
    style = rng.random()
    if style < 0.6:
        through = {"highway": "footway", "tunnel": "building_passage"}
    elif style < 0.85:
        through = {"highway": "footway", "covered": "yes"}
    else:
        through = {"highway": "footway", "tunnel": "yes", "layer": "-1"}
    city.ways.append(([south, int(inside[0]), int(inside[1])], dict(through)))
    city.ways.append(([int(inside[1]), int(inside[2]), north], dict(through)))
    city.summary.passage_ways += 2


def _camera_tags(bearing: float, rng: np.random.Generator) -> dict[str, str]:
    tags = {"man_made": "surveillance", "surveillance:type": "camera", "surveillance": "outdoor"}
    roll = rng.random()
    if roll < 0.01:
        tags["surveillance:type"] = "ALPR"
    elif roll < 0.015:
        tags["surveillance:type"] = "guard"
    elif roll < 0.045:
        tags["surveillance"] = "indoor"
    tags["camera:mount"] = str(rng.choice(["wall", "wall", "wall", "building", "facade", "ceiling"]))
    tags["camera:type"] = str(rng.choice(["fixed", "dome", "panning"], p=[0.55, 0.35, 0.10]))
    if rng.random() < 0.4:
        facing = (bearing + float(rng.uniform(-30.0, 30.0))) % 360
        style = rng.random()
        if style < 0.8:
            tags["camera:direction"] = str(round(facing))
        elif style < 0.9:
            tags["camera:direction"] = f"{round(facing - 45) % 360}-{round(facing + 45) % 360}"
        elif style < 0.98:
            tags["camera:direction"] = ["N", "NE", "E", "SE", "S", "SW", "W", "NW"][round(facing / 45) % 8]
        else:
            tags["camera:direction"] = "towards the street"  # the reader must report it and keep the camera
    if rng.random() < 0.3:
        tags["height"] = str(rng.choice(["3", "4.5", "6 m", "2.5"]))
    if rng.random() < 0.2:
        tags["operator"] = f"Kiinteistö Oy {_street_name(int(rng.integers(400)), 'talo')}"
        tags["operator:type"] = str(rng.choice(["private", "commercial", "public"], p=[0.6, 0.3, 0.1]))
    return tags


def _cameras(city: _City, facades: list[_Facade], n: int, rng: np.random.Generator) -> None:
    """Cameras on street façades, at most half a metre off the wall, most just outside it."""
    pick = rng.integers(len(facades), size=n)
    for f_i in pick:
        f = facades[int(f_i)]
        along = f.a + float(rng.uniform(0.1, 0.9)) * (f.b - f.a)
        rad = math.radians(f.bearing)
        outward = np.array([math.sin(rad), math.cos(rad)])
        xy = along + float(rng.uniform(-0.2, 0.5)) * outward
        (node_id,) = city.nodes.add(xy[None, :])
        city.nodes.tags[int(node_id)] = _camera_tags(f.bearing, rng)
        city.summary.cameras += 1


def _places(city: _City, facades: list[_Facade], n: int, rng: np.random.Generator) -> None:
    """Shops and cafés just inside the street façades, named."""
    pick = rng.integers(len(facades), size=n)
    for k, f_i in enumerate(pick):
        f = facades[int(f_i)]
        rad = math.radians(f.bearing)
        xy = f.a + float(rng.uniform(0.2, 0.8)) * (f.b - f.a) - 2.0 * np.array([math.sin(rad), math.cos(rad)])
        (node_id,) = city.nodes.add(xy[None, :])
        key, value, word = _SHOPS[int(rng.integers(len(_SHOPS)))]
        city.nodes.tags[int(node_id)] = {key: value, "name": f"{word} {_street_name(k % 4000, '')}".strip()}
        city.summary.named_nodes += 1


def _draw(side: int, rng: np.random.Generator, summary: ExtractSummary) -> _City:
    city = _City(_Nodes(), [], [], summary)
    cols, rows = np.meshgrid(np.arange(side), np.arange(side))  # grid[row, col]
    grid = np.stack([cols * BLOCK_M, rows * BLOCK_M], axis=-1) + rng.uniform(-JITTER_M, JITTER_M, (side, side, 2))
    city.grid_ids = city.nodes.add(grid.reshape(-1, 2)).reshape(side, side)
    summary.intersections = side * side
    # blocks with a passage get a middle node on their south and north streets, shared with the footway
    passage_blocks = [(i, j) for j in range(side - 1) for i in range(side - 1) if rng.random() < 0.03]
    passage_mid: dict[tuple[int, int], int] = {}
    for i, j in passage_blocks:
        for jj in (j, j + 1):
            if (i, jj) not in passage_mid:
                mid = (grid[jj, i] + grid[jj, i + 1]) / 2
                passage_mid[(i, jj)] = int(city.nodes.add(mid[None, :])[0])
    _streets(city, grid, side, rng, passage_mid)
    names_x = [_street_name(j, _SUFFIXES[j % 3]) for j in range(side)]
    names_y = [_street_name(side + i, _SUFFIXES[3 + i % 3]) for i in range(side)]
    facades: list[_Facade] = []
    passages = set(passage_blocks)
    for j in range(side - 1):
        for i in range(side - 1):
            x0 = max(grid[j, i, 0], grid[j + 1, i, 0]) + SETBACK_M
            x1 = min(grid[j, i + 1, 0], grid[j + 1, i + 1, 0]) - SETBACK_M
            y0 = max(grid[j, i, 1], grid[j, i + 1, 1]) + SETBACK_M
            y1 = min(grid[j + 1, i, 1], grid[j + 1, i + 1, 1]) - SETBACK_M
            roll = rng.random()
            if roll < 0.01:
                ids = city.nodes.add(_rect(x0, y0, x1, y1))
                city.ways.append(([*map(int, ids), int(ids[0])], {"leisure": "park",
                                                                   "name": f"{_street_name(i + j, '')}puisto"}))
                summary.parks += 1
                continue
            if roll < 0.013:
                ids = city.nodes.add(_rect(x0 + 8, y0 + 8, x1 - 8, y1 - 8))
                city.ways.append(([*map(int, ids), int(ids[0])], {"natural": "water", "water": "pond"}))
                summary.ponds += 1
                continue
            facades += _block_buildings(city, (x0, y0, x1, y1), rng,
                                        street_names=(names_x[j], names_x[j + 1], names_y[i], names_y[i + 1]))
            if (i, j) in passages:
                _passage(city, (x0, y0, x1, y1), passage_mid[(i, j)], passage_mid[(i, j + 1)], rng)
    _cameras(city, facades, round(CAMERAS_PER_INTERSECTION * side * side), rng)
    _places(city, facades, max(1, side * side // 9), rng)
    for k in range(max(1, side // 10)):
        (node_id,) = city.nodes.add(np.array([[rng.uniform(0, side * BLOCK_M), rng.uniform(0, side * BLOCK_M)]]))
        city.nodes.tags[int(node_id)] = {"place": "neighbourhood", "name": f"{_street_name(900 + k, '')}lä"}
        summary.named_nodes += 1
    return city


def _write(city: _City, path: Path, rng: np.random.Generator, say: Callable[[str], None]) -> None:
    xy = city.nodes.all_xy()
    lon, lat = _to_lonlat(xy)
    margin = 0.0005
    bounds = (float(lon.min()) - margin, float(lat.min()) - margin, float(lon.max()) + margin,
              float(lat.max()) + margin)
    city.summary.bounds = [round(b, 7) for b in bounds]
    writer = _Writer(path, rng, bounds)
    try:
        # ids as in a real extract: increasing, with gaps where other places' objects were mapped between
        node_id = np.concatenate([[0], np.cumsum(rng.integers(1, 2000, len(xy)))]).tolist()
        way_id = np.concatenate([[0], np.cumsum(rng.integers(1, 200, len(city.ways)))]).tolist()
        say(f"writing {len(xy):,} nodes")
        tags = city.nodes.tags
        for k in range(len(xy)):
            writer.node(node_id[k + 1], float(lon[k]), float(lat[k]), tags.get(k + 1))
        say(f"writing {len(city.ways):,} ways")
        for k, (refs, way_tags) in enumerate(city.ways):
            writer.way(way_id[k + 1], [node_id[r] for r in refs], way_tags)
        for k, (members, rel_tags) in enumerate(city.relations):
            writer.relation(1000 + 37 * k, [("w", way_id[w], role) for w, role in members], rel_tags)
    finally:
        writer.close()
    city.summary.nodes = len(xy)


def make_extract(path: str | Path, *, side: int = 300, seed: int = 0,
                 progress: Callable[[str], None] | None = None) -> ExtractSummary:
    """Write a generated extract as PBF and say what it holds.

    Parameters
    ----------
    path
        The ``.osm.pbf`` file to write (replaced if it exists).
    side
        Intersections on a side of the grid (300: about 100 MB).
    seed
        Seed of every random choice: the same seed and side give the same file content.
    progress
        Called with a short message before each long step.
    """
    say = progress or (lambda _msg: None)
    started = time.perf_counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    summary = ExtractSummary(path=str(path), seed=seed, side=side)
    say(f"drawing a {side} x {side} city (seed {seed})")
    city = _draw(side, rng, summary)
    _write(city, path, rng, say)
    summary.file_mb = round(path.stat().st_size / 1e6, 1)
    summary.seconds = round(time.perf_counter() - started, 1)
    return summary


def _iter_summary(summary: ExtractSummary) -> Iterator[tuple[str, Any]]:
    yield from summary.__dict__.items()


def main(argv: list[str] | None = None) -> int:
    """Command line: write an extract, print its summary as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("path", type=Path, help="the .osm.pbf file to write")
    parser.add_argument("--side", type=int, default=300, help="intersections on a side (300: ~100 MB)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    summary = make_extract(args.path, side=args.side, seed=args.seed,
                           progress=lambda msg: print(msg, file=sys.stderr, flush=True))
    print(json.dumps(dict(_iter_summary(summary)), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
