"""Origins and destinations: ``lat,lon`` or a name resolved offline from the dataset's OSM names."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyproj

from exposure import settings
from exposure._errors import PlaceError
from exposure._parse import limit_message

if TYPE_CHECKING:
    from collections.abc import Iterable

    from scipy.spatial import cKDTree

    from exposure.network import NetworkIndex

__all__ = [
    "PRESET_MARK",
    "Place",
    "nearest_node",
    "normalise_name",
    "parse_lat_lon",
    "place_table",
    "preset_label",
    "read_presets",
    "resolve_place",
    "search_options",
    "snap_to_street",
]

#: The mark a preset's label starts with (``"★ Senaatintori (Senate Square)"``).
PRESET_MARK = "★"

# one separator: a comma or semicolon with optional spaces, or spaces alone (no nested \s* around \s,
# which backtracks quadratically on a long run of spaces)
_LATLON = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(?:\s*[,;]\s*|\s+)(-?\d+(?:\.\d+)?)\s*$")


@dataclass(frozen=True)
class Place:
    """A resolved origin or destination and the street node it snaps to."""

    query: str
    name: str
    lon: float
    lat: float
    node: int
    snap_m: float

    def to_dict(self) -> dict[str, object]:
        """JSON form."""
        return {"query": self.query, "name": self.name, "lon": round(self.lon, 7), "lat": round(self.lat, 7),
                "snap_m": round(self.snap_m, 1)}


def normalise_name(name: str) -> str:
    """Case-, accent- and spacing-insensitive key: ``"Senaatintori "`` and ``"senaatintori"`` match."""
    folded = unicodedata.normalize("NFKD", name.casefold())
    plain = "".join(ch for ch in folded if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", plain).strip()


def place_table(named: Iterable[tuple[str, float, float, str]]) -> pd.DataFrame:
    """One row per distinct name: the feature nearest the middle of all features so named.

    A square's name is on its tram stops, taxi rank and bike station; a street's on
    each of its ways. Taking the feature nearest their mean keeps the point on one
    of them rather than between them.
    """
    df = pd.DataFrame(list(named), columns=["name", "lon", "lat", "kind"])
    if df.empty:
        return pd.DataFrame(columns=["key", "name", "lon", "lat", "kind", "features"])
    df["key"] = df["name"].map(normalise_name)
    df = df[df["key"] != ""]
    mean = df.groupby("key")[["lon", "lat"]].transform("mean")
    df["d2"] = (df["lon"] - mean["lon"]) ** 2 + (df["lat"] - mean["lat"]) ** 2
    df["features"] = df.groupby("key")["name"].transform("size")
    best = df.sort_values(["key", "d2"]).drop_duplicates("key")
    return best[["key", "name", "lon", "lat", "kind", "features"]].reset_index(drop=True)


def read_presets(dataset: str) -> pd.DataFrame:
    """The named gathering points and protest sites of a dataset (``name, lat, lon, note``; none: empty).

    They are project-authored, one file per dataset in :data:`exposure.settings.presets_folder`.

    Raises
    ------
    PlaceError
        When the file exists but cannot be read or lacks a column.
    """
    path = Path(settings.presets_folder) / f"{dataset}.csv"
    if not path.is_file():
        return pd.DataFrame(columns=["name", "lat", "lon", "note"])
    try:
        table = pd.read_csv(path)
    except (OSError, ValueError) as err:
        msg = f"presets file {path} cannot be read ({err}); fix it or remove it"
        raise PlaceError(msg) from err
    missing = [c for c in ("name", "lat", "lon") if c not in table.columns]
    if missing:
        msg = f"presets file {path} lacks the column(s) {', '.join(missing)}; it needs name,lat,lon,note"
        raise PlaceError(msg)
    return table


def preset_label(name: str) -> str:
    """How a preset is shown and shared: ``"★ Narinkkatori (Kamppi)"``."""
    return f"{PRESET_MARK} {name}"


#: Kinds of place that are a stop or a platform: many share a square's name ("Rautatientori, laituri 7").
_STOP_KINDS = ("highway=bus_stop", "railway=tram_stop", "railway=platform", "railway=halt",
               "public_transport=platform", "public_transport=stop_position", "amenity=taxi",
               "amenity=bicycle_rental")


def search_options(presets: pd.DataFrame | None, places: pd.DataFrame | None) -> list[str]:
    """The names a place search offers, in the order to show them: ★ protest sites, places, then stops.

    The ★ presets come first (:func:`preset_label`), then the dataset's place
    names (:func:`place_table`) that are not presets, with the stops and
    platforms last ("Rautatientori, laituri 7" after "Rautatieasema"); within
    each group names are in natural order ("laituri 2" before "laituri 10").
    A search box keeps this order when it filters by substring.
    """
    labels = [preset_label(str(n)) for n in presets["name"]] if presets is not None and len(presets) else []
    if places is None or places.empty:
        return labels
    preset_keys = {normalise_name(str(n)) for n in presets["name"]} if presets is not None and len(presets) else set()
    names = places[~places["name"].astype(str).map(normalise_name).isin(preset_keys)]
    stop = names["kind"].astype(str).isin(_STOP_KINDS).to_numpy() if "kind" in names else np.zeros(len(names), bool)

    def natural(name: str) -> list[object]:
        return [(0, int(part), "") if part.isdigit() else (1, 0, part)
                for part in re.split(r"(\d+)", normalise_name(name)) if part]

    ordered = sorted(zip(stop.tolist(), names["name"].astype(str), strict=True), key=lambda t: (t[0], natural(t[1])))
    return labels + list(dict.fromkeys(name for _, name in ordered))


def _preset(text: str, presets: pd.DataFrame | None) -> pd.Series | None:
    """The preset a text names: its label as shown (with or without the ★), case and accents aside."""
    if presets is None or presets.empty:
        return None
    key = normalise_name(text.removeprefix(PRESET_MARK))
    hit = presets[presets["name"].astype(str).map(normalise_name) == key]
    return None if hit.empty else hit.iloc[0]


def _check_length(text: str) -> None:
    if len(text) > settings.max_place_chars:
        msg = limit_message(f"a place of {len(text):,} characters ({text[:40]!r}…)", "max_place_chars",
                            "give a name from the map or 'lat,lon'")
        raise PlaceError(msg)


def parse_lat_lon(text: str) -> tuple[float, float] | None:
    """``"60.1699,24.9384"`` → (lat, lon); None when the text is not a coordinate pair.

    Raises
    ------
    PlaceError
        When the pair is out of range, or the text is longer than ``settings.max_place_chars``.
    """
    text = str(text)
    _check_length(text)
    m = _LATLON.match(text)
    if not m:
        return None
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"{text!r} is not a valid 'lat,lon' pair: latitude must be within ±90 and longitude within ±180"
        raise PlaceError(msg)
    return lat, lon


def nearest_node(index: NetworkIndex, lon: float, lat: float, *, tree: cKDTree | None = None) -> tuple[int, float]:
    """The street node nearest a point and its distance in metres.

    With a KD-tree over ``index.node_xy`` (for many points) it is queried; for one
    point a scan of every node is as quick and needs no tree.
    """
    to_xy = pyproj.Transformer.from_crs("EPSG:4326", index.crs, always_xy=True)
    x, y = to_xy.transform(lon, lat)
    if tree is not None:
        dist, node = tree.query([x, y])
        return int(node), float(dist)
    d2 = (index.node_xy[:, 0] - x) ** 2 + (index.node_xy[:, 1] - y) ** 2
    node = int(np.argmin(d2))
    return node, float(np.sqrt(d2[node]))


def resolve_place(
    text: str, index: NetworkIndex, places: pd.DataFrame, *, tree: cKDTree | None = None,
    max_snap_m: float | None = None, presets: pd.DataFrame | None = None,
) -> Place:
    """Resolve ``lat,lon``, a preset or a place name to a street node.

    Parameters
    ----------
    text
        ``"60.1699,24.9384"`` (latitude first), a preset's label as shown
        (``"★ Narinkkatori (Kamppi)"``, the ★ optional) or a name such as
        ``"Senaatintori"``.
    index
        The network to snap to.
    places
        The dataset's place table (:func:`place_table`).
    tree
        A prebuilt KD-tree over ``index.node_xy``, to save rebuilding it.
    max_snap_m
        Farthest a point may be from the network; default ``settings.max_snap_distance_m``.
    presets
        The dataset's presets (:func:`read_presets`); a preset keeps its name.
    """
    limit = settings.max_snap_distance_m if max_snap_m is None else max_snap_m
    text = str(text)
    _check_length(text)
    text = text.strip()
    if not text:
        msg = "an empty place was given: type a name from the map or 'lat,lon'"
        raise PlaceError(msg)
    point = parse_lat_lon(text)
    preset = None if point is not None else _preset(text, presets)
    if point is not None:
        lat, lon = point
        name = f"{lat:.5f}, {lon:.5f}"
    elif preset is not None:
        lat, lon, name = float(preset["lat"]), float(preset["lon"]), str(preset["name"])
    else:
        key = normalise_name(text)
        hit = places[places["key"] == key]
        if hit.empty:
            starts = places[places["key"].str.startswith(key)] if len(key) >= 4 else places.iloc[:0]
            hit = starts.sort_values("features", ascending=False).head(1) if len(starts) == 1 else hit
        if hit.empty:
            close = difflib.get_close_matches(key, places["key"].tolist(), n=5, cutoff=0.6)
            close += [k for k in places["key"] if key and key in k and k not in close][: 5 - len(close)]
            names = places.set_index("key").loc[close, "name"].tolist() if close else []
            hint = f" Close matches: {', '.join(names)}." if names else " Give 'lat,lon' instead."
            msg = f"no place called {text!r} in this dataset.{hint}"
            raise PlaceError(msg)
        row = hit.iloc[0]
        lat, lon, name = float(row["lat"]), float(row["lon"]), str(row["name"])
    node, dist = nearest_node(index, lon, lat, tree=tree)
    if not np.isfinite(dist) or dist > limit:
        msg = (f"{text!r} is {dist:,.0f} m from the nearest street of this dataset (limit {limit:,.0f} m): "
               "choose a point inside the dataset's area")
        raise PlaceError(msg)
    return Place(query=text, name=name, lon=lon, lat=lat, node=node, snap_m=dist)


def snap_to_street(index: NetworkIndex, lon: float, lat: float, *, label: str, tree: cKDTree | None = None,
                   max_snap_m: float | None = None) -> tuple[int, float]:
    """The street node nearest a point and its distance in metres, refusing a point off the dataset's streets.

    Parameters
    ----------
    index
        The network to snap to.
    lon, lat
        The point (WGS84).
    label
        How the message names the point, e.g. ``"gathering point 'Station'"``.
    tree
        A prebuilt KD-tree over ``index.node_xy`` (see :func:`nearest_node`).
    max_snap_m
        Farthest a point may be from the network; default ``settings.max_snap_distance_m``.

    Raises
    ------
    PlaceError
        When the nearest street is farther than ``max_snap_m``.
    """
    limit = settings.max_snap_distance_m if max_snap_m is None else max_snap_m
    node, dist = nearest_node(index, lon, lat, tree=tree)
    if not np.isfinite(dist) or dist > limit:
        msg = (f"{label} is {dist:,.0f} m from the nearest street of this dataset (limit {limit:,.0f} m): "
               "choose a point inside the dataset's area")
        raise PlaceError(msg)
    return node, dist
