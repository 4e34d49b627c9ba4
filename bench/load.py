"""Many users at once: simulated browser sessions over Streamlit's own websocket protocol, each answer checked.

A simulated user speaks to ``/_stcore/stream`` as the browser does: it sends a
``BackMsg`` whose ``rerun_script`` carries the page name, the address's query
string and the widget values, and reads ``ForwardMsg`` deltas until the run's
``script_finished``. Route requests open the Route planner with a shared link
(a new session per link, as a new tab would); plans open the Protest plan page
and type a site and gathering points into its boxes by the widget ids the page
sent. Every table a page shows is compared with the engine's own answer for the
same request, computed beforehand in this process; an exception or error element
is an error. Used by ``bench/bench_load.py`` and ``tests/test_load.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.asyncio.client import connect
from websockets.exceptions import WebSocketException

from exposure import settings
from exposure._errors import ExposureError
from exposure.datasets import Dataset
from exposure.planning import PlanPoint, PlanRequest, make_plan
from exposure.routing import RoutingContext, routes

ROOT = Path(__file__).resolve().parent.parent
# script_finished values: a run that ended early because another run replaced it is not the answer
_FINISHED_EARLY_FOR_RERUN = 2
#: Longest a single request may take before it counts as an error (the first one compiles the search).
REQUEST_TIMEOUT_S = 180.0


# --- the app -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(*, start_timeout_s: float = 120.0) -> Iterator[tuple[str, int]]:
    """Start the dashboard as ``make run`` and the browser tests do, on a free port; yield its address and pid."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    log = io.BytesIO()
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    # drain the app's output so that a chatty server never stalls on a full pipe
    reader = threading.Thread(target=lambda: log.write(proc.stdout.read() if proc.stdout else b""), daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + start_timeout_s
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                reader.join(timeout=5)
                msg = f"the app did not start: {log.getvalue().decode(errors='replace')}"
                raise RuntimeError(msg) from None
            time.sleep(0.5)
    try:
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


class MemorySampler:
    """The resident memory of a process, sampled on a thread every ``every_s`` seconds."""

    def __init__(self, pid: int, *, every_s: float = 0.1) -> None:
        self.process = psutil.Process(pid)
        self.every_s = every_s
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        """Resident memory now, in bytes."""
        return int(self.process.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(psutil.Error):
                self.peak = max(self.peak, self.now())

    def __enter__(self) -> MemorySampler:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        with contextlib.suppress(psutil.Error):
            self.peak = max(self.peak, self.now())


# --- one run of a page over the protocol ---------------------------------------------------------


@dataclass
class Run:
    """What the server sent during one script run: elements by kind, widget ids by key, errors."""

    elements: list[tuple[str, Any]] = field(default_factory=list)
    widgets: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    query_string: str = ""
    page_hashes: dict[str, str] = field(default_factory=dict)

    def frames(self) -> list[pd.DataFrame]:
        """Every table and data frame the run showed, as pandas frames."""
        out = []
        for kind, element in self.elements:
            if kind in {"table", "dataframe"} and element.arrow_data.data:
                out.append(pa.ipc.open_stream(element.arrow_data.data).read_all().to_pandas())
        return out

    def frame_with(self, column: str) -> pd.DataFrame | None:
        """The first table with this column, if the run showed one."""
        return next((f for f in self.frames() if column in f.columns), None)


class Session:
    """One browser session: a websocket to ``/_stcore/stream`` and the runs it asks for."""

    def __init__(self, url: str) -> None:
        self.url = url.replace("http://", "ws://") + "/_stcore/stream"
        self.page_hashes: dict[str, str] = {}
        self.query_string = ""
        self._ws: Any = None

    async def __aenter__(self) -> Session:
        # the browser's subprotocol list: "streamlit", then an XSRF token and a session id to resume (none here)
        self._ws = await connect(self.url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                                 open_timeout=REQUEST_TIMEOUT_S)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._ws.close()

    async def run(self, *, page: str, query_string: str | None = None,
                  widgets: dict[str, tuple[str, Any]] | None = None) -> Run:
        """Ask for a run of ``page`` (its URL name) and read until it finishes.

        ``widgets`` maps widget ids to (value field of ``WidgetState``, value), as the browser sends them.
        """
        msg = BackMsg()
        state = msg.rerun_script
        state.query_string = self.query_string if query_string is None else query_string
        if page in self.page_hashes:
            state.page_script_hash = self.page_hashes[page]
        else:
            state.page_name = page
        for widget_id, (kind, value) in (widgets or {}).items():
            w = state.widget_states.widgets.add()
            w.id = widget_id
            setattr(w, kind, value)
        await self._ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_run(), REQUEST_TIMEOUT_S)

    async def _read_run(self) -> Run:
        run = Run()
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await self._ws.recv())
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                self.page_hashes.update({p.url_pathname: p.page_script_hash for p in fwd.new_session.app_pages})
            elif kind == "navigation":
                self.page_hashes.update({p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages})
            elif kind == "page_info_changed":
                self.query_string = fwd.page_info_changed.query_string
            elif kind == "delta" and fwd.delta.WhichOneof("type") == "new_element":
                element = fwd.delta.new_element
                what = element.WhichOneof("type")
                if what is None:
                    continue
                body = getattr(element, what)
                run.elements.append((what, body))
                if what == "exception":
                    run.errors.append(f"exception {body.type}: {body.message}")
                elif what == "alert" and body.format == body.ERROR:
                    run.errors.append(f"error element: {body.body}")
                widget_id = getattr(body, "id", "") if what != "markdown" else ""
                if widget_id.startswith("$$ID-"):
                    run.widgets[widget_id.split("-", 2)[-1]] = widget_id
            elif kind == "script_finished" and fwd.script_finished != _FINISHED_EARLY_FOR_RERUN:
                run.query_string, run.page_hashes = self.query_string, dict(self.page_hashes)
                return run


# --- requests and the engine's answers -----------------------------------------------------------


def _proven(value: bool | None) -> str:
    return {True: "yes", False: "not proven", None: "—"}[value]


@dataclass(frozen=True)
class RouteTrip:
    """A route request as a shared link carries it, and the rows the engine answers it with."""

    origin: str
    destination: str
    objective: str
    detour: int
    alternatives: int
    rows: tuple[tuple[Any, ...], ...] = ()

    def query_string(self) -> str:
        return urlencode({"origin": self.origin, "destination": self.destination, "objective": self.objective,
                          "detour": self.detour, "alternatives": self.alternatives})

    def answered(self, ds: Dataset, ctx: RoutingContext) -> RouteTrip:
        """This trip with the engine's answer: per route (label, length, FRT cameras, cameras, metres in view)."""
        found = routes(ctx, ds.resolve(self.origin).node, ds.resolve(self.destination).node,
                       objective=self.objective, max_detour=self.detour / 100, alternatives=self.alternatives,
                       time_limit_s=settings.interactive_time_limit_s)
        rows = tuple((r.label, f"{r.length_m:,.0f}", r.frt_cameras, r.cameras, f"{r.metres_in_view:,.0f}",
                      _proven(r.optimal)) for r in found)
        return RouteTrip(self.origin, self.destination, self.objective, self.detour, self.alternatives, rows)

    def check(self, table: pd.DataFrame | None) -> list[str]:
        """How the page's route table differs from the engine's answer (nothing when it agrees)."""
        if table is None:
            return [f"no route table for {self.query_string()}"]
        shown = [(str(r["Route"]), str(r["Length (m)"]), int(r["FRT cameras"]), int(r["All cameras"]),
                  str(r["In view of FRT cameras (m)"]), str(r["Proven optimal"])) for _, r in table.iterrows()]
        if all(row[5] in {"yes", "—"} for row in shown):
            return [] if shown == list(self.rows) else [
                f"{self.query_string()}: the page shows {shown}, the engine {list(self.rows)}"]
        # the page's search hit its time limit under load: its shortest route must still be the engine's,
        # and no route it shows may pass fewer FRT cameras than the engine's proven fewest
        fewest = min(r[2] for r in self.rows)
        problems = []
        if shown[0][:5] != self.rows[0][:5]:
            problems.append(f"{self.query_string()}: shortest route {shown[0]} is not the engine's {self.rows[0]}")
        if self.objective == "fewest-cameras" and min(r[2] for r in shown) < fewest:
            problems.append(f"{self.query_string()}: a route with fewer FRT cameras than the proven fewest")
        return problems


@dataclass(frozen=True)
class PlanTrip:
    """A protest plan typed into the page (a site and gathering points), and the engine's rows for it."""

    site: str
    gathering: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...] = ()

    def answered(self, ds: Dataset, ctx: RoutingContext) -> PlanTrip:
        """This plan with the engine's answer: per journey (name, plan, length, FRT cameras, metres in view)."""
        request = PlanRequest(site=PlanPoint.from_place(ds.resolve(self.site)),
                              gathering=tuple(PlanPoint.from_place(ds.resolve(g)) for g in self.gathering),
                              # the page's defaults: fewest cameras, 50 % detour, regroup points within 300 m
                              objective="fewest-cameras", max_detour=0.5, regroup_radius_m=300.0,
                              dataset="helsinki")
        plan = make_plan(ctx, request, cameras=ds.cameras, time_limit_s=settings.interactive_time_limit_s)
        rows = tuple((j.name, j.route.label, round(j.route.length_m), j.route.frt_cameras,
                      round(j.route.metres_in_view), _proven(j.route.optimal).replace("not proven",
                                                                                      "not proven (time limit)"))
                     for j in plan.journeys)
        return PlanTrip(self.site, self.gathering, rows)

    def check(self, table: pd.DataFrame | None) -> list[str]:
        """How the page's plan table differs from the engine's answer (nothing when it agrees)."""
        if table is None:
            return [f"no plan table for site {self.site!r}"]
        journeys = table[table["Plan"] != "total"]
        shown = [(str(r["Route"]), str(r["Plan"]), int(r["Length (m)"]), int(r["FRT cameras"]),
                  int(r["In view of FRT cameras (m)"]), str(r["Proven optimal"])) for _, r in journeys.iterrows()]
        if all(row[5] in {"yes", "—"} for row in shown):
            return [] if shown == list(self.rows) else [
                f"plan to {self.site!r}: the page shows {shown}, the engine {list(self.rows)}"]
        fewest = {r[0]: r[3] for r in self.rows}
        return [f"plan to {self.site!r}: {row[0]} passes fewer FRT cameras than the proven fewest"
                for row in shown if row[3] < fewest.get(row[0], 0)]


def _node_text(ds: Dataset, node: int) -> str:
    lon, lat = ds.index.node_lonlat[node]
    return f"{lat:.6f},{lon:.6f}"


def route_trips(ds: Dataset, ctx: RoutingContext, n: int, *, seed: int = 12) -> list[RouteTrip]:
    """``n`` random trips on the dataset with the engine's answers: street points or ★ presets, every objective.

    Only trips the engine proves optimal within the dashboard's time limit are kept, so that an
    unloaded answer is the one to expect.
    """
    rng = random.Random(seed)
    lonlat = ds.index.node_lonlat
    presets = [str(p) for p in ds.presets["name"]]
    out: list[RouteTrip] = []
    while len(out) < n:
        if rng.random() < 0.25:
            a, b = rng.sample(presets, 2)
        else:
            i = rng.randrange(len(lonlat))
            # a walk of roughly 0.4-1.5 km: a destination drawn among street points that far away, as the crow flies
            dist = np.hypot((lonlat[:, 0] - lonlat[i, 0]) * 55_600, (lonlat[:, 1] - lonlat[i, 1]) * 111_200)
            near = np.flatnonzero((dist > 400) & (dist < 1500))
            if not len(near):
                continue
            a, b = _node_text(ds, i), _node_text(ds, int(rng.choice(near.tolist())))
        trip = RouteTrip(a, b, rng.choice(["fewest-cameras", "fewest-cameras", "least-time-in-view", "shortest"]),
                         rng.choice([25, 50, 50]), rng.choice([0, 1, 2]))
        try:
            answered = trip.answered(ds, ctx)
        except ExposureError:  # a trip without a route (a street cut off at the extract's edge) is not used
            continue
        if all(r[5] in {"yes", "—"} for r in answered.rows):
            out.append(answered)
    return out


def plan_trips(ds: Dataset, ctx: RoutingContext, n: int, *, seed: int = 13) -> list[PlanTrip]:
    """``n`` random plans: a ★ site and two or three gathering points (presets or street points)."""
    rng = random.Random(seed)
    presets = [str(p) for p in ds.presets["name"]]
    out: list[PlanTrip] = []
    while len(out) < n:
        site = rng.choice(presets)
        k = rng.choice([2, 3])
        gathering = [rng.choice([p for p in presets if p != site]) if rng.random() < 0.3
                     else _node_text(ds, rng.randrange(len(ds.index.node_lonlat))) for _ in range(k)]
        answered = PlanTrip(site, tuple(gathering)).answered(ds, ctx)
        if answered.rows and all(r[5] in {"yes", "—"} for r in answered.rows):
            out.append(answered)
    return out


# --- simulated users -------------------------------------------------------------------------------


@dataclass
class Record:
    """One answered (or failed) request."""

    kind: str  # "route", "plan" or "slow"
    session: int
    start: float
    end: float
    problems: list[str]

    @property
    def seconds(self) -> float:
        return self.end - self.start


async def route_request(url: str, trip: RouteTrip) -> list[str]:
    """Open the Route planner with the trip's shared link in a new session; what is wrong with its answer."""
    async with Session(url) as s:
        run = await s.run(page="Route_planner", query_string=trip.query_string())
    return run.errors + trip.check(run.frame_with("Proven optimal"))


async def plan_request(url: str, trip: PlanTrip) -> list[str]:
    """Open the Protest plan page, type the site and gathering points, and check the plan it shows."""
    async with Session(url) as s:
        first = await s.run(page="Protest_plan", query_string="")
        if first.errors or "pp_site" not in first.widgets or "pp_gathering" not in first.widgets:
            return [*first.errors, "the Protest plan page showed no site or gathering boxes"]
        run = await s.run(page="Protest_plan", widgets={
            first.widgets["pp_site"]: ("string_value", trip.site),
            first.widgets["pp_gathering"]: ("string_value", "\n".join(trip.gathering))})
    return run.errors + trip.check(run.frame_with("Avoids everything asked"))


async def _timed(records: list[Record], kind: str, session: int, request: Any) -> None:
    start = time.monotonic()
    try:
        problems = await request
    except (OSError, TimeoutError, WebSocketException) as err:  # a dropped connection or a timeout: counted
        problems = [f"{type(err).__name__}: {err}"]
    records.append(Record(kind, session, start, time.monotonic(), problems))


async def user(url: str, session: int, *, until: float, rng: random.Random, trips: list[RouteTrip],
               plans: list[PlanTrip], records: list[Record], plan_share: float = 0.3) -> None:
    """A user asking for routes and plans, one after another, until ``until`` (a ``time.monotonic`` time)."""
    while time.monotonic() < until:
        if rng.random() < plan_share:
            await _timed(records, "plan", session, plan_request(url, rng.choice(plans)))
        else:
            await _timed(records, "route", session, route_request(url, rng.choice(trips)))


async def slow_request(url: str, trip: PlanTrip) -> list[str]:
    """A deliberately slow request: a plan with many points, then its printable route cards (a PDF per route)."""
    async with Session(url) as s:
        first = await s.run(page="Protest_plan", query_string="")
        if first.errors or "pp_site" not in first.widgets or "pp_gathering" not in first.widgets:
            return [*first.errors, "the Protest plan page showed no site or gathering boxes"]
        planned = await s.run(page="Protest_plan", widgets={
            first.widgets["pp_site"]: ("string_value", trip.site),
            first.widgets["pp_gathering"]: ("string_value", "\n".join(trip.gathering))})
        problems = planned.errors + trip.check(planned.frame_with("Avoids everything asked"))
        if "pp_cards_make" not in planned.widgets:
            return [*problems, "the plan offered no route cards"]
        cards = await s.run(page="Protest_plan", widgets={planned.widgets["pp_cards_make"]: ("trigger_value", True)})
    return problems + cards.errors + ([] if "pp_pdf" in cards.widgets else ["no route cards to download"])


def slow_plan(ds: Dataset, ctx: RoutingContext, *, points: int = 12, seed: int = 14) -> PlanTrip:
    """The slow request's plan: ``points`` random gathering points to Senaatintori."""
    rng = random.Random(seed)
    gathering = tuple(_node_text(ds, rng.randrange(len(ds.index.node_lonlat))) for _ in range(points))
    return PlanTrip(str(ds.presets["name"].iloc[0]), gathering).answered(ds, ctx)


async def slow_user(url: str, *, start: float, until: float, trip: PlanTrip, records: list[Record]) -> None:
    """Slow requests, back to back, from ``start``: the others must not wait for them.

    A new one starts only in the first half of the time left, so that the last ends near ``until``.
    """
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    last_start = start + (until - start) / 2
    while time.monotonic() < last_start:
        await _timed(records, "slow", -1, slow_request(url, trip))


async def load(url: str, *, sessions: int, seconds: float, trips: list[RouteTrip], plans: list[PlanTrip],
               slow: PlanTrip | None, seed: int = 12) -> list[Record]:
    """``sessions`` users for ``seconds``; with ``slow``, one of them asks for it, back to back, in the second half.

    The fast requests of the first half are the baseline the ones that overlap a slow request are compared with.
    """
    records: list[Record] = []
    t0 = time.monotonic()
    until = t0 + seconds
    rng = random.Random(seed)
    tasks = [user(url, i, until=until, rng=random.Random(rng.random()), trips=trips, plans=plans, records=records)
             for i in range(sessions - (slow is not None))]
    if slow is not None:
        tasks.append(slow_user(url, start=t0 + seconds / 2, until=until, trip=slow,
                               records=records))
    await asyncio.gather(*tasks)
    return records


# --- figures ---------------------------------------------------------------------------------------


def latency(seconds: list[float]) -> dict[str, float | int]:
    """Count, p50, p95 and max of some latencies, in seconds."""
    if not seconds:
        return {"n": 0}
    a = np.asarray(seconds)
    return {"n": len(a), "p50_s": round(float(np.percentile(a, 50)), 3),
            "p95_s": round(float(np.percentile(a, 95)), 3), "max_s": round(float(a.max()), 3)}


def summarise(records: list[Record]) -> dict[str, Any]:
    """Latency per kind, errors, and the fast requests' latency while a slow one ran and before any did."""
    slow = [(r.start, r.end) for r in records if r.kind == "slow"]
    first_slow = min((s for s, _ in slow), default=float("inf"))

    def during_slow(r: Record) -> bool:
        return any(r.start < e and r.end > s for s, e in slow)

    fast = [r for r in records if r.kind != "slow"]
    span = max((r.end for r in records), default=0.0) - min((r.start for r in records), default=0.0)
    return {
        "requests": len(records),
        "requests_per_s": round(len(records) / span, 2) if span else 0.0,
        "errors": sum(bool(r.problems) for r in records),
        "problems": [p for r in records for p in r.problems][:20],
        "latency": {kind: latency([r.seconds for r in records if r.kind == kind])
                    for kind in ("route", "plan", "slow")},
        "fast_during_slow": latency([r.seconds for r in fast if slow and during_slow(r)]),
        "fast_before_slow": latency([r.seconds for r in fast if r.end <= first_slow]),
    }


def measure(*, sessions: int = 20, seconds: float = 30.0, trips: int = 24, plans: int = 8, slow: bool = True,
            seed: int = 12) -> dict[str, Any]:
    """Start the dashboard, warm it with one session, then load it; latencies, errors and the server's memory.

    ``rss_warm_mib`` is the server's resident memory after one session asked for a route, a plan
    and the slow request (every import and the shared dataset and routing context are then in
    memory); ``rss_peak_mib`` its peak while ``sessions`` users worked for ``seconds``.
    """
    from exposure.datasets import load_dataset  # noqa: PLC0415 -- the dataset only when a run is asked for

    ds = load_dataset("helsinki")
    ctx = ds.context()
    route_pool = route_trips(ds, ctx, trips, seed=seed)
    plan_pool = plan_trips(ds, ctx, plans, seed=seed + 1)
    slow_trip = slow_plan(ds, ctx, seed=seed + 2)
    with running_app() as (url, pid):
        started = time.monotonic()
        warm: list[Record] = []

        async def warm_up() -> None:
            await _timed(warm, "route", 0, route_request(url, route_pool[0]))
            await _timed(warm, "plan", 0, plan_request(url, plan_pool[0]))
            await _timed(warm, "slow", 0, slow_request(url, slow_trip))

        asyncio.run(warm_up())
        warm_s = time.monotonic() - started
        with MemorySampler(pid) as memory:
            rss_warm = memory.peak
            records = asyncio.run(load(url, sessions=sessions, seconds=seconds, trips=route_pool, plans=plan_pool,
                                       slow=slow_trip if slow else None, seed=seed))
    mib = 1024 * 1024
    return {
        "sessions": sessions, "seconds": seconds, "dataset": "helsinki", "seed": seed,
        "trips": len(route_pool), "plans": len(plan_pool), "slow_plan_points": len(slow_trip.gathering),
        "warm_up": {"seconds": round(warm_s, 1), "errors": [p for r in warm for p in r.problems]},
        **summarise(records),
        "rss_warm_mib": round(rss_warm / mib, 1), "rss_peak_mib": round(memory.peak / mib, 1),
        "machine": {"cpus": os.cpu_count(), "load_average_before": [round(x, 2) for x in os.getloadavg()],
                    "python": sys.version.split()[0]},
    }
