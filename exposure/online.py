"""Build a named dataset for any city: online via osmnx (Overpass, Nominatim) or offline from a PBF extract."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import networkx as nx
import osmnx as ox
import pandas as pd
import requests
from osmnx._errors import InsufficientResponseError, ResponseStatusCodeError
from shapely.geometry import MultiPolygon, Polygon

from exposure import settings
from exposure._errors import DatasetError
from exposure.buildings import footprints_from_features, passages_from_graph
from exposure.cameras import CameraLoad, load_cameras
from exposure.datasets import DATASETS, Dataset, load_dataset, save_dataset
from exposure.network import index_graph
from exposure.places import place_table
from exposure.sources.osm import cameras_from_osm_elements

__all__ = [
    "BUILDING_TAGS",
    "CAMERA_TAGS",
    "NAME_TAGS",
    "PASSAGE_TAGS",
    "PRIVACY_NOTICE",
    "Area",
    "build_from_pbf",
    "build_online",
    "cameras_from_features",
    "check_dataset_name",
    "osmnx_cache_folder",
    "parse_bbox",
    "parse_point",
]

Progress = Callable[[str], None]

#: Shown before any online request (CLI on stderr, page above the button).
PRIVACY_NOTICE = (
    "Building online sends the area you ask for (the place name, box or point) to public "
    "OpenStreetMap servers: Nominatim (openstreetmap.org) to find a place's boundary, and Overpass "
    "(overpass-api.de) for its streets, buildings, cameras and names. Those servers see your IP address and the "
    "area, not any route you plan later. To avoid that, download an extract of your region once "
    "(.osm.pbf from download.geofabrik.de or extract.bbbike.org) and build from the file: fully "
    "offline afterwards. Online answers are cached on this machine, so building the same area again "
    "sends nothing."
)

#: osmnx feature query for buildings: their outlines cut the cameras' views.
BUILDING_TAGS: dict[str, Any] = {"building": True}

#: Street tags kept on the walking network besides osmnx's own (``tunnel``, ``width`` are among
#: those): a street that is ``covered`` or below ground (``layer`` < 0) runs through buildings
#: instead of being walled off by them (:func:`exposure.buildings.passages_from_graph`).
PASSAGE_TAGS: tuple[str, ...] = ("covered", "layer")

#: osmnx feature query for cameras.
CAMERA_TAGS: dict[str, bool | str | list[str]] = {"man_made": "surveillance"}

#: osmnx feature query for names to resolve origins and destinations by (street names come from
#: the network itself). Squares, stations and landmarks; kept short because Overpass evaluates every
#: key/value pair separately.
NAME_TAGS: dict[str, bool | str | list[str]] = {
    "place": True,
    "railway": "station",
    "public_transport": "station",
    "highway": "pedestrian",
    "amenity": ["townhall", "library", "theatre", "university", "marketplace", "bus_station",
                "place_of_worship", "hospital"],
    "tourism": ["museum", "attraction"],
    "leisure": "park",
}

#: Columns of an osmnx features frame that are not OSM tags.
_NOT_TAGS = frozenset({"geometry", "nodes", "members", "ways"})
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_NUMBER = r"\s*(-?\d+(?:\.\d+)?)\s*"
# osmnx's settings are process-wide: one online build at a time also keeps us polite to Overpass
_OSMNX_LOCK = threading.Lock()


@dataclass(frozen=True)
class Area:
    """The area of interest of an online build: a place name, a bounding box, or a point and radius."""

    kind: Literal["place", "bbox", "point"]
    place: str = ""
    #: west, south, east, north (WGS84 degrees)
    bbox: tuple[float, float, float, float] | None = None
    #: latitude, longitude (WGS84 degrees)
    point: tuple[float, float] | None = None
    dist_m: float = 1500.0

    def __post_init__(self) -> None:
        given = {"place": bool(self.place.strip()), "bbox": self.bbox is not None, "point": self.point is not None}
        if self.kind not in given:
            msg = f"area kind {self.kind!r} is unknown: choose place, bbox or point"
            raise DatasetError(msg)
        if not given[self.kind] or sum(given.values()) != 1:
            msg = (f"a {self.kind} area needs exactly its own field: place='Kallio, Helsinki', "
                   "bbox=(west, south, east, north) or point=(lat, lon)")
            if self.kind == "place" and not given["place"]:
                msg = "an empty place name was given: type e.g. 'Kallio, Helsinki'"
            raise DatasetError(msg)
        if self.bbox is not None:
            w, s, e, n = self.bbox
            if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
                msg = (f"bounding box {self.bbox} is not a box: west must be less than east (longitudes within "
                       "±180) and south less than north (latitudes within ±90)")
                raise DatasetError(msg)
        if self.point is not None:
            lat, lon = self.point
            if not (-90 <= lat <= 90 and -180 <= lon <= 180):
                msg = f"point {self.point}: latitude must be within ±90 and longitude within ±180 (latitude first)"
                raise DatasetError(msg)
            if not (0 < self.dist_m <= 20_000):
                msg = f"--dist-m {self.dist_m:g} is out of range: give a distance between 1 and 20,000 metres"
                raise DatasetError(msg)

    def describe(self) -> str:
        """Human-readable description, also the dataset's source."""
        if self.kind == "place":
            return f"place {self.place!r}"
        if self.kind == "bbox":
            w, s, e, n = self.bbox  # type: ignore[misc]
            return f"box W {w:g}, S {s:g}, E {e:g}, N {n:g}"
        lat, lon = self.point  # type: ignore[misc]
        return f"{self.dist_m:g} m around {lat:g}, {lon:g}"


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """``"24.94,60.169,24.945,60.172"`` (west, south, east, north) → a checked tuple."""
    m = re.fullmatch(",".join([_NUMBER] * 4), text)
    if not m:
        msg = f"--bbox {text!r} is not 'W,S,E,N': give four numbers, e.g. 24.94,60.169,24.945,60.172"
        raise DatasetError(msg)
    w, s, e, n = (float(g) for g in m.groups())
    if not (-180 <= w < e <= 180 and -90 <= s < n <= 90):
        msg = (f"--bbox {text!r} is not a box: west must be less than east (longitudes within ±180) and "
               "south less than north (latitudes within ±90)")
        raise DatasetError(msg)
    return w, s, e, n


def parse_point(text: str) -> tuple[float, float]:
    """``"60.17,24.94"`` (latitude first) → a checked (lat, lon)."""
    m = re.fullmatch(f"{_NUMBER},{_NUMBER}", text)
    if not m:
        msg = f"--point {text!r} is not 'LAT,LON': give two numbers, latitude first, e.g. 60.1699,24.9384"
        raise DatasetError(msg)
    lat, lon = float(m.group(1)), float(m.group(2))
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        msg = f"--point {text!r}: latitude must be within ±90 and longitude within ±180 (latitude first)"
        raise DatasetError(msg)
    return lat, lon


def check_dataset_name(name: str) -> str:
    """A dataset name usable as a file name and not shadowing a bundled dataset."""
    name = name.strip()
    if not _NAME.match(name):
        msg = (f"dataset name {name!r} is not valid: use letters, digits, '-', '_' or '.', starting with "
               "a letter or digit (at most 64 characters), e.g. kallio")
        raise DatasetError(msg)
    if name in DATASETS:
        msg = f"dataset name {name!r} is taken by a bundled dataset: choose another name"
        raise DatasetError(msg)
    return name


def osmnx_cache_folder() -> Path:
    """Where osmnx keeps the HTTP answers of online builds (a repeat build is offline)."""
    return Path(settings.cache_folder) / "osmnx"


@contextmanager
def _osmnx_settings() -> Iterator[None]:
    with _OSMNX_LOCK:
        saved = (ox.settings.use_cache, ox.settings.cache_folder, ox.settings.useful_tags_way)
        ox.settings.use_cache = True
        ox.settings.cache_folder = osmnx_cache_folder()
        ox.settings.useful_tags_way = [*saved[2], *(t for t in PASSAGE_TAGS if t not in saved[2])]
        try:
            yield
        finally:
            ox.settings.use_cache, ox.settings.cache_folder, ox.settings.useful_tags_way = saved


@contextmanager
def _osm_errors(step: str) -> Iterator[None]:
    """Turn osmnx/requests failures of one step into a :class:`DatasetError` saying what to do."""
    try:
        yield
    except (requests.exceptions.ConnectionError, requests.exceptions.Timeout) as err:
        msg = (f"{step}: cannot reach the OpenStreetMap servers (network error: {type(err).__name__}). "
               "Check the internet connection and try again, or build offline from an extract you "
               "download once: --pbf FILE.osm.pbf (download.geofabrik.de, extract.bbbike.org)")
        raise DatasetError(msg) from err
    except (requests.exceptions.RequestException, ResponseStatusCodeError) as err:
        msg = (f"{step}: the OpenStreetMap server answered with an error ({err}). Try again later, choose "
               "a smaller area, or build offline with --pbf FILE.osm.pbf")
        raise DatasetError(msg) from err


def _polygon(area: Area, say: Progress) -> Polygon | MultiPolygon:
    if area.bbox is not None:
        return ox.utils_geo.bbox_to_poly(area.bbox)
    if area.point is not None:
        return ox.utils_geo.bbox_to_poly(ox.utils_geo.bbox_from_point(area.point, area.dist_m))
    say(f"Asking Nominatim for the boundary of {area.place!r}")
    with _osm_errors(f"finding {area.place!r}"):
        try:
            gdf = ox.geocode_to_gdf(area.place)
        except InsufficientResponseError as err:
            msg = (f"place {area.place!r} was not found by Nominatim: check the spelling, add the city and "
                   "country (e.g. 'Kallio, Helsinki, Finland'), or give --bbox W,S,E,N or --point LAT,LON")
            raise DatasetError(msg) from err
        except TypeError as err:
            msg = (f"place {area.place!r} is a point in OpenStreetMap, not an area with a boundary: give "
                   "--point LAT,LON --dist-m METRES around it, or --bbox W,S,E,N")
            raise DatasetError(msg) from err
    polygon = gdf.union_all()
    say(f"Found {gdf['display_name'].iloc[0]}" if "display_name" in gdf else f"Found {area.place!r}")
    return polygon


def _features(polygon: Polygon | MultiPolygon, tags: dict[str, Any], step: str) -> pd.DataFrame | None:
    """The features osmnx finds in the polygon, or None when there are none."""
    with _osm_errors(step):
        try:
            return ox.features_from_polygon(polygon, tags=tags)
        except InsufficientResponseError:
            return None


def cameras_from_features(features: pd.DataFrame | None, *, source: str) -> CameraLoad:
    """Map an osmnx features frame (``man_made=surveillance``) to cameras.

    Each row's index is ``(element, id)``, its geometry a point for a node, and its
    other non-null columns the OSM tags. Ways and relations keep their centroid and
    are reported as rejected by :func:`~exposure.cameras.cameras_from_osm_elements`.
    """
    if features is None or features.empty:
        return cameras_from_osm_elements([], source=source)
    elements = []
    for (element, osm_id), row in features.iterrows():
        geom = row["geometry"]
        point = geom if geom.geom_type == "Point" else geom.centroid
        tags = {str(k): str(v) for k, v in row.items() if k not in _NOT_TAGS and _present(v)}
        elements.append((f"{element}/{osm_id}", float(point.x), float(point.y), tags))
    return cameras_from_osm_elements(elements, source=source)


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return str(value) != ""


def _named_from_features(features: pd.DataFrame | None) -> list[tuple[str, float, float, str]]:
    if features is None or "name" not in features:
        return []
    named = []
    for (element, _osm_id), row in features.iterrows():
        geom = row["geometry"]
        if not _present(row["name"]) or geom is None or geom.is_empty:
            continue
        point = geom if element == "node" else geom.representative_point()
        kind = next((f"{key}={row[key]}" for key in NAME_TAGS if key in row and _present(row[key])), "named")
        named.append((str(row["name"]), float(point.x), float(point.y), kind))
    return named


def _street_names(G: nx.MultiDiGraph) -> list[tuple[str, float, float, str]]:
    """One named point per street edge (its first node): :func:`place_table` keeps the middle one."""
    named = []
    for u, _v, d in G.edges(data=True):
        names = d.get("name")
        if not names:
            continue
        highway = d.get("highway", "")
        highway = highway[0] if isinstance(highway, list) else highway
        for name in names if isinstance(names, list) else [names]:
            named.append((str(name), float(G.nodes[u]["x"]), float(G.nodes[u]["y"]), f"highway={highway}"))
    return named


def _checksum(G: nx.MultiDiGraph, cameras: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for n, d in sorted(G.nodes(data=True)):
        h.update(f"{n}:{d['x']:.7f},{d['y']:.7f};".encode())
    h.update(json.dumps(sorted(cameras["camera_id"].astype(str))).encode())
    return h.hexdigest()


def _own_cameras(path: str | Path, say: Progress) -> CameraLoad:
    say(f"Reading cameras from {Path(path).name}")
    return load_cameras(path)


def build_online(
    area: Area, *, name: str, names: bool = True, cameras: str | Path | None = None,
    progress: Progress | None = None, save: bool = True,
) -> Dataset:
    """Download a walking network, cameras and place names with osmnx and keep them as a named dataset.

    Sends the area (not any later query) to Nominatim and Overpass: show
    :data:`PRIVACY_NOTICE` before calling. Every answer is kept in osmnx's HTTP
    cache under :func:`osmnx_cache_folder`, so building the same area again is
    offline.

    Parameters
    ----------
    area
        Where: a place name (its Nominatim boundary), a box, or a point and radius
        (the box around it, as ``ox.graph_from_point`` does).
    name
        The dataset's name (see :func:`check_dataset_name`); ``--dataset NAME`` then loads it.
    names
        Also download squares, stations and landmarks to resolve places by name
        (street names always come from the network).
    cameras
        A camera file to use instead of OpenStreetMap's ``man_made=surveillance``
        (then cameras are not downloaded).
    progress
        Called with a short message before each step.
    save
        Save under ``settings.cache_folder / "datasets"`` (listed by
        :func:`~exposure.datasets.available_datasets`).
    """
    say = progress or (lambda _msg: None)
    name = check_dataset_name(name)
    with _osmnx_settings():
        polygon = _polygon(area, say)
        say("Downloading the walking network from Overpass")
        with _osm_errors(f"downloading the walking network of {area.describe()}"):
            try:
                G = ox.graph_from_polygon(polygon, network_type="walk", simplify=True, retain_all=False)
            except (InsufficientResponseError, ValueError) as err:
                msg = (f"no walkable street found in {area.describe()} ({err}): choose a larger or "
                       "built-up area")
                raise DatasetError(msg) from err
        n_before = G.number_of_nodes()
        G = ox.truncate.largest_component(G, strongly=True)
        if cameras is None:
            say("Downloading cameras (man_made=surveillance) from Overpass")
            found = _features(polygon, CAMERA_TAGS, f"downloading the cameras of {area.describe()}")
            loaded = cameras_from_features(found, source=f"OpenStreetMap via Overpass, {area.describe()}")
        else:
            loaded = _own_cameras(cameras, say)
        say("Downloading building outlines from Overpass (walls cut the cameras' views)")
        found_buildings = _features(polygon, BUILDING_TAGS, f"downloading the buildings of {area.describe()}")
        named = _street_names(G)
        if names:
            say("Downloading names of squares, stations and landmarks from Overpass")
            named += _named_from_features(_features(polygon, NAME_TAGS, f"downloading the names of "
                                                                        f"{area.describe()}"))
    say(f"Indexing {G.number_of_nodes():,} street nodes and {G.number_of_edges():,} edges")
    index = index_graph(G)
    # the same footprints and passages a build from an extract keeps: the dataset makes its obstacles of them
    footprints = footprints_from_features(found_buildings)
    passages = passages_from_graph(G)
    when = datetime.now(UTC).strftime("%Y-%m-%d")
    parts = ["walking network", *(["cameras"] if cameras is None else []), *(["names"] if names else [])]
    what = " and ".join([", ".join(parts[:-1]), parts[-1]]) if len(parts) > 1 else parts[0]
    ds = Dataset(
        name=name,
        description=(f"{area.describe()}: OpenStreetMap {what} downloaded via Overpass on {when}"
                     f"{'' if cameras is None else f'; cameras from {Path(cameras).name}'} "
                     "(© OpenStreetMap contributors, ODbL)."),
        source=f"overpass: {area.describe()}", checksum=_checksum(G, loaded.cameras), index=index,
        cameras=loaded.cameras.reset_index(drop=True), rejected=loaded.rejected, places=place_table(named),
        info={"built_from": "osmnx", "area": dataclasses.asdict(area), "downloaded": when,
              "osmnx_version": ox.__version__, "clipped_ways_split": 0,
              "nodes_outside_main_component": n_before - G.number_of_nodes(),
              "cameras_source": str(cameras) if cameras is not None else "openstreetmap", "names": names},
        basemap={"building": footprints.outer_rings()} if len(footprints) else {}, graph=G, buildings=footprints,
        passages=passages,
    )
    obstacles = ds.buildings_as_obstacles
    ds.info["buildings"] = {k: v for k, v in obstacles.report.items() if k != "note"}
    return _finish(ds, save=save, say=say)


def build_from_pbf(
    path: str | Path, *, name: str, cameras: str | Path | None = None, progress: Progress | None = None,
    save: bool = True,
) -> Dataset:
    """Build a named dataset from an OSM extract (``.osm.pbf`` or ``.osm``), entirely offline.

    Parameters
    ----------
    path
        The extract, e.g. a Geofabrik or BBBike download.
    name
        The dataset's name (see :func:`check_dataset_name`).
    cameras
        A camera file to use instead of the extract's ``man_made=surveillance`` nodes.
    progress
        Called with a short message before each step.
    save
        Save under ``settings.cache_folder / "datasets"``.
    """
    say = progress or (lambda _msg: None)
    name = check_dataset_name(name)
    path = Path(path).expanduser()
    if not path.is_file():
        msg = f"--pbf {path}: file not found; give an .osm.pbf extract (download.geofabrik.de, extract.bbbike.org)"
        raise DatasetError(msg)
    built = load_dataset(path, progress=say)
    ds = dataclasses.replace(
        built, name=name, description=f"Built from {path.name} (© OpenStreetMap contributors, ODbL).",
        info={**built.info, "built_from": "pbf"}, _memo={},
    )
    if cameras is not None:
        loaded = _own_cameras(cameras, say)
        ds = dataclasses.replace(ds, cameras=loaded.cameras.reset_index(drop=True), rejected=loaded.rejected,
                                 info={**ds.info, "cameras_source": str(cameras)})
    return _finish(ds, save=save, say=say)


def _finish(ds: Dataset, *, save: bool, say: Progress) -> Dataset:
    if ds.index.n_edges == 0:
        msg = f"dataset {ds.name!r} has no walkable street: choose a larger or built-up area"
        raise DatasetError(msg)
    if save:
        try:
            path = save_dataset(ds)
        except OSError as err:
            # a read-only folder or a full disk: the dataset is built and works, it just is not kept
            note = (f"could not save the dataset {ds.name!r} in {Path(settings.cache_folder) / 'datasets'} "
                    f"({err.strerror or err}); it works until the program ends and must be built again after")
            ds.info["save_note"] = note
            say(note)
        else:
            ds.info["saved"] = str(path)
            say(f"Saved as {ds.name} ({path})")
    return ds
