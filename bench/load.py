"""Many users at once: simulated browser sessions over Streamlit's own websocket protocol, each answer checked.

A simulated user speaks to ``/_stcore/stream`` as the browser does: it sends a
``BackMsg`` whose ``rerun_script`` carries the page name, the address's query
string and the widget values, and reads ``ForwardMsg`` deltas until the run's
``script_finished``. Route requests open the Route planner with a shared link
(a new session per link, as a new tab would); plans open the Protest plan page
and type a site and gathering points into its boxes by the widget ids the page
sent. Every table a page shows is compared with the engine's own answer for the
same request, computed beforehand in this process; an exception or error element
is an error. Each simulated user is a browser with its own cookies: it loads the
page first, as a browser does, so that behind ``make serve``'s proxy its sessions
stay on the process the proxy's cookie names. The app runs as ``make run`` does
(one process) or as ``make serve`` does (``processes`` behind nginx), or is any
address already running. Used by ``bench/bench_load.py``, ``tests/test_load.py``
and ``tests/test_serve.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import os
import random
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
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

from app.busy import BUSY, REFUSED
from exposure import settings
from exposure._errors import ExposureError
from exposure.datasets import Dataset
from exposure.planning import PlanPoint, PlanRequest, make_plan
from exposure.routing import RoutingContext, routes
from serve.nginx import WORKER_COOKIE

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


@dataclass
class Served:
    """``make serve`` running: the proxy's address, its run folder and everything it printed so far."""

    url: str
    run_folder: Path
    pid: int
    output: io.BytesIO

    def workers(self) -> list[dict[str, Any]]:
        """The app processes as the supervisor's ``workers.json`` lists them (name, cookie, port, pid, healthy)."""
        try:
            return list(json.loads((self.run_folder / "workers.json").read_text())["workers"])
        except (OSError, ValueError, KeyError):  # not written yet, or being replaced
            return []

    def pids(self) -> list[int]:
        """The app processes' pids (not the proxy's, a few MiB)."""
        return [int(w["pid"]) for w in self.workers() if w.get("pid")]

    def proxy_pids(self) -> list[int]:
        """nginx's master and worker processes."""
        try:
            master = int(json.loads((self.run_folder / "workers.json").read_text())["proxy_pid"])
            return [master, *(c.pid for c in psutil.Process(master).children())]
        except (OSError, ValueError, KeyError, TypeError, psutil.Error):
            return []

    def log(self) -> str:
        """What the supervisor, nginx and the app processes printed."""
        return self.output.getvalue().decode(errors="replace")

    def wait_healthy(self, *, timeout_s: float, restarts: int = 0) -> list[dict[str, Any]]:
        """Wait until every process answers its health check (and ``restarts`` restarts happened); the processes."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            workers = self.workers()
            if workers and all(w["healthy"] for w in workers) and sum(w["restarts"] for w in workers) >= restarts:
                return workers
            time.sleep(0.3)
        msg = f"the app processes did not all answer within {timeout_s:g} s: {self.workers()}\n{self.log()}"
        raise RuntimeError(msg)


@contextlib.contextmanager
def running_proxy(processes: int, *, start_timeout_s: float = 180.0, run_folder: Path | None = None,
                  extra: tuple[str, ...] = ()) -> Iterator[Served]:
    """Start ``make serve`` (``python -m serve``) with ``processes`` app processes on a free port; yield it.

    The dataset must already be on disk (the caller has loaded it), so the supervisor does not prepare it.
    """
    port = free_port()
    folder = run_folder or Path(tempfile.mkdtemp(prefix="exposure-serve-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "serve", "--processes", str(processes), "--port", str(port),
         "--run-folder", str(folder), "--no-prepare", *extra],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    output = io.BytesIO()

    def drain() -> None:
        for line in proc.stdout or []:
            output.write(line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    scheme = "https" if "--tls-cert" in extra else "http"
    served = Served(f"{scheme}://127.0.0.1:{port}", folder, proc.pid, output)
    try:
        served.wait_healthy(timeout_s=start_timeout_s)
        yield served
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        reader.join(timeout=5)
        if run_folder is None:
            shutil.rmtree(folder, ignore_errors=True)


class MemorySampler:
    """The resident memory of some processes together, sampled on a thread every ``every_s`` seconds."""

    def __init__(self, pids: int | list[int], *, every_s: float = 0.1) -> None:
        self.processes = [psutil.Process(pid) for pid in ([pids] if isinstance(pids, int) else pids)]
        self.every_s = every_s
        self.peak = self.now()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def now(self) -> int:
        """Resident memory of the processes together now, in bytes (a process that has ended counts nothing)."""
        total = 0
        for process in self.processes:
            with contextlib.suppress(psutil.Error):
                total += int(process.memory_info().rss)
        return total

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            self.peak = max(self.peak, self.now())

    def __enter__(self) -> MemorySampler:
        self.peak = self.now()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.now())


def cpu_seconds(app_pids: list[int], proxy_pids: list[int]) -> dict[str, float]:
    """CPU seconds used so far by the app's processes, the proxy's, this process (the load client) and the machine."""
    def used(pids: list[int]) -> float:
        total = 0.0
        for pid in pids:
            with contextlib.suppress(psutil.Error):
                t = psutil.Process(pid).cpu_times()
                total += t.user + t.system
        return total

    machine = psutil.cpu_times()
    busy = machine.user + machine.system + getattr(machine, "nice", 0.0) + getattr(machine, "irq", 0.0) + getattr(
        machine, "softirq", 0.0)
    me = psutil.Process().cpu_times()
    out = {"app_processes": used(app_pids), "proxy": used(proxy_pids), "load_client": me.user + me.system,
           "machine": busy}
    out["other_processes"] = out["machine"] - out["app_processes"] - out["proxy"] - out["load_client"]
    return out


def memory_of(pids: list[int]) -> list[dict[str, float]]:
    """Each process's memory in MiB: resident (``rss``), its own (``uss``), its share of shared pages (``pss``)."""
    out = []
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            m = psutil.Process(pid).memory_full_info()
            out.append({"pid": pid, "rss_mib": round(m.rss / 2**20, 1), "uss_mib": round(m.uss / 2**20, 1),
                        "pss_mib": round(getattr(m, "pss", m.uss) / 2**20, 1)})
    return out


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

    def alerts(self) -> list[str]:
        """The text of every alert the run showed (errors, warnings, notices, successes), in order."""
        return [str(element.body) for kind, element in self.elements if kind == "alert"]


@dataclass
class Browser:
    """A browser: the app's address and the cookies it was given (behind the proxy, the one naming its process)."""

    url: str
    cookies: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    #: The TLS context of an ``https`` address (one that trusts a test's own certificate).
    tls: ssl.SSLContext | None = None

    def remember(self, set_cookies: list[str]) -> None:
        """Keep the cookies of some ``Set-Cookie`` headers."""
        for header in set_cookies:
            jar: SimpleCookie = SimpleCookie()
            jar.load(header)
            self.cookies.update({name: morsel.value for name, morsel in jar.items()})

    def request_headers(self) -> dict[str, str]:
        """The headers a request carries: the cookies and any others (a passphrase)."""
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {**self.headers, **({"Cookie": cookie} if cookie else {})}

    def get(self, path: str = "/", *, method: str = "GET", data: bytes | None = None,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        """One HTTP request with the browser's cookies; status, headers and body (an error status too)."""
        req = urllib.request.Request(self.url + path, method=method, data=data,
                                     headers={**self.request_headers(), **(headers or {})})
        try:
            with urllib.request.urlopen(req, timeout=REQUEST_TIMEOUT_S, context=self.tls) as r:
                status, head, body = r.status, r.headers, r.read()
        except urllib.error.HTTPError as err:
            status, head, body = err.code, err.headers, err.read()
        self.remember(head.get_all("Set-Cookie") or [])
        return status, dict(head.items()), body

    async def open_page(self) -> None:
        """Load the app's page once, as a browser does before its websocket (the proxy's cookie comes with it)."""
        await asyncio.to_thread(self.get, "/")


def _browser(where: str | Browser) -> Browser:
    return where if isinstance(where, Browser) else Browser(where)


class Session:
    """One browser session: a websocket to ``/_stcore/stream`` and the runs it asks for."""

    def __init__(self, where: str | Browser) -> None:
        self.browser = _browser(where)
        self.url = self.browser.url.replace("http", "ws", 1) + "/_stcore/stream"
        self.page_hashes: dict[str, str] = {}
        self.query_string = ""
        self.session_id = ""
        self.response_headers: dict[str, str] = {}
        self._ws: Any = None

    async def __aenter__(self) -> Session:
        # the browser's subprotocol list: "streamlit", then an XSRF token and a session id to resume (none here)
        tls: dict[str, Any] = {"ssl": self.browser.tls} if self.url.startswith("wss:") and self.browser.tls else {}
        self._ws = await connect(self.url, subprotocols=["streamlit"], max_size=None,  # type: ignore[list-item]
                                 open_timeout=REQUEST_TIMEOUT_S, additional_headers=self.browser.request_headers(),
                                 **tls)
        headers = self._ws.response.headers
        self.response_headers = dict(headers.raw_items())
        self.browser.remember(headers.get_all("Set-Cookie"))
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
                self.session_id = fwd.new_session.initialize.session_id
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
    """One answered, refused or failed request."""

    kind: str  # "route", "plan" or "slow"
    session: int
    start: float
    end: float
    problems: list[str]
    #: The server was too busy and said so (``app.busy.REFUSED``): counted apart from errors.
    refused: bool = False
    #: The page said it was busy ("your answer is coming") before it answered.
    waited: bool = False

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass
class Outcome:
    """What one request got: what is wrong with its answer, or the server's refusal, and whether it waited."""

    problems: list[str]
    refusal: str | None = None
    waited: bool = False

    @classmethod
    def of(cls, run: Run, problems: list[str]) -> Outcome:
        """The outcome of a run whose answer ``problems`` describe; a refusal needs no answer (errors still count)."""
        alerts = run.alerts()
        waited = any(a.startswith(BUSY) for a in alerts)
        refusal = next((a for a in alerts if a.startswith(REFUSED)), None)
        return cls(run.errors if refusal is not None else problems, refusal, waited)

    def as_problems(self) -> list[str]:
        """The problems, a refusal among them (for a test that wants every request answered)."""
        return self.problems + ([self.refusal] if self.refusal else [])


async def route_outcome(where: str | Browser, trip: RouteTrip) -> Outcome:
    """Open the Route planner with the trip's shared link in a new session; its outcome."""
    async with Session(where) as s:
        run = await s.run(page="Route_planner", query_string=trip.query_string())
    return Outcome.of(run, run.errors + trip.check(run.frame_with("Proven optimal")))


async def route_request(where: str | Browser, trip: RouteTrip) -> list[str]:
    """Open the Route planner with the trip's shared link in a new session; what is wrong with its answer."""
    return (await route_outcome(where, trip)).as_problems()


async def plan_outcome(where: str | Browser, trip: PlanTrip) -> Outcome:
    """Open the Protest plan page, type the site and gathering points; the outcome of the plan it shows."""
    async with Session(where) as s:
        first = await s.run(page="Protest_plan", query_string="")
        if first.errors or "pp_site" not in first.widgets or "pp_gathering" not in first.widgets:
            return Outcome([*first.errors, "the Protest plan page showed no site or gathering boxes"])
        run = await s.run(page="Protest_plan", widgets={
            first.widgets["pp_site"]: ("string_value", trip.site),
            first.widgets["pp_gathering"]: ("string_value", "\n".join(trip.gathering))})
    return Outcome.of(run, run.errors + trip.check(run.frame_with("Avoids everything asked")))


async def plan_request(where: str | Browser, trip: PlanTrip) -> list[str]:
    """Open the Protest plan page, type the site and gathering points, and check the plan it shows."""
    return (await plan_outcome(where, trip)).as_problems()


async def _timed(records: list[Record], kind: str, session: int, request: Any) -> None:
    start = time.monotonic()
    try:
        outcome = await request
    except (OSError, TimeoutError, WebSocketException) as err:  # a dropped connection or a timeout: counted
        outcome = Outcome([f"{type(err).__name__}: {err}"])
    if isinstance(outcome, list):
        outcome = Outcome(outcome)
    records.append(Record(kind, session, start, time.monotonic(), outcome.problems, refused=outcome.refusal is not None,
                          waited=outcome.waited))


async def user(browser: Browser, session: int, *, until: float, rng: random.Random, trips: list[RouteTrip],
               plans: list[PlanTrip], records: list[Record], plan_share: float = 0.3, pause_s: float = 0.0) -> None:
    """A user asking for routes and plans until ``until`` (a ``time.monotonic`` time), reading each for ``pause_s``.

    The user loads the page first, as a browser does (behind the proxy, that gives it its process's cookie).
    Users who pause also arrive at a random moment of their first pause, not all at the same instant:
    people asking once every 10 s ask at any moment of those 10 s.
    """
    await _timed(records, "page", session, _page(browser))
    if pause_s:
        await asyncio.sleep(rng.uniform(0.0, pause_s))
    while time.monotonic() < until:
        if rng.random() < plan_share:
            await _timed(records, "plan", session, plan_outcome(browser, rng.choice(plans)))
        else:
            await _timed(records, "route", session, route_outcome(browser, rng.choice(trips)))
        if pause_s:
            await asyncio.sleep(min(pause_s, max(0.0, until - time.monotonic())))


async def _page(browser: Browser) -> list[str]:
    await browser.open_page()
    return []


async def slow_request(where: str | Browser, trip: PlanTrip) -> Outcome:
    """A deliberately slow request: a plan with many points, then its printable route cards (a PDF per route).

    Both are heavy jobs (``app.busy.heavy_job``): either may be refused when the instance runs its most.
    """
    async with Session(where) as s:
        first = await s.run(page="Protest_plan", query_string="")
        if first.errors or "pp_site" not in first.widgets or "pp_gathering" not in first.widgets:
            return Outcome([*first.errors, "the Protest plan page showed no site or gathering boxes"])
        planned = await s.run(page="Protest_plan", widgets={
            first.widgets["pp_site"]: ("string_value", trip.site),
            first.widgets["pp_gathering"]: ("string_value", "\n".join(trip.gathering))})
        outcome = Outcome.of(planned, planned.errors + trip.check(planned.frame_with("Avoids everything asked")))
        if outcome.refusal is not None:
            return outcome
        if "pp_cards_make" not in planned.widgets:
            return Outcome([*outcome.problems, "the plan offered no route cards"], waited=outcome.waited)
        cards = await s.run(page="Protest_plan", widgets={planned.widgets["pp_cards_make"]: ("trigger_value", True)})
    made = Outcome.of(cards, cards.errors + ([] if "pp_pdf" in cards.widgets else ["no route cards to download"]))
    return Outcome(outcome.problems + made.problems, made.refusal, outcome.waited or made.waited)


def slow_plan(ds: Dataset, ctx: RoutingContext, *, points: int = 12, seed: int = 14) -> PlanTrip:
    """The slow request's plan: ``points`` random gathering points to Senaatintori."""
    rng = random.Random(seed)
    gathering = tuple(_node_text(ds, rng.randrange(len(ds.index.node_lonlat))) for _ in range(points))
    return PlanTrip(str(ds.presets["name"].iloc[0]), gathering).answered(ds, ctx)


async def slow_user(browser: Browser, *, start: float, until: float, trip: PlanTrip, records: list[Record]) -> None:
    """Slow requests, back to back, from ``start``: the others must not wait for them.

    A new one starts only in the first half of the time left, so that the last ends near ``until``.
    """
    await browser.open_page()
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    last_start = start + (until - start) / 2
    while time.monotonic() < last_start:
        await _timed(records, "slow", -1, slow_request(browser, trip))


async def load(url: str, *, sessions: int, seconds: float, trips: list[RouteTrip], plans: list[PlanTrip],
               slow: PlanTrip | None, seed: int = 12, pause_s: float = 0.0,
               headers: dict[str, str] | None = None, tls: ssl.SSLContext | None = None) -> list[Record]:
    """``sessions`` users for ``seconds``; with ``slow``, one of them asks for it, back to back, in the second half.

    Each user is a browser of its own (its own cookies) at ``url``, with ``headers`` on every
    request (a passphrase) and ``tls`` for an ``https`` address. The fast requests of the first
    half are the baseline the ones that overlap a slow request are compared with.
    """
    records: list[Record] = []
    t0 = time.monotonic()
    until = t0 + seconds
    rng = random.Random(seed)

    def browser() -> Browser:
        return Browser(url, headers=dict(headers or {}), tls=tls)

    tasks = [user(browser(), i, until=until, rng=random.Random(rng.random()), trips=trips, plans=plans,
                  records=records, pause_s=pause_s)
             for i in range(sessions - (slow is not None))]
    if slow is not None:
        tasks.append(slow_user(browser(), start=t0 + seconds / 2, until=until, trip=slow, records=records))
    await asyncio.gather(*tasks)
    return [r for r in records if r.kind != "page" or r.problems]


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
        # the server said it was too busy and the request stopped (no answer): not an error, counted apart
        "refused": sum(r.refused for r in records),
        "refused_share": round(sum(r.refused for r in records) / len(records), 4) if records else 0.0,
        # the page said "busy, your answer is coming", then answered
        "waited": sum(r.waited for r in records),
        "problems": [p for r in records for p in r.problems][:20],
        # the time to an answer: a refused request got none (it is counted under "refused")
        "latency": {kind: latency([r.seconds for r in records if r.kind == kind and not r.refused])
                    for kind in ("route", "plan", "slow")},
        "fast_during_slow": latency([r.seconds for r in fast if slow and during_slow(r)]),
        "fast_before_slow": latency([r.seconds for r in fast if r.end <= first_slow]),
    }


@contextlib.contextmanager
def _target(*, processes: int, url: str | None,
            served: Served | None) -> Iterator[tuple[str, list[int], list[str], list[int]]]:
    """The app to load: its address, its processes' pids, the cookies that lead to each (none for one), the proxy's."""
    if served is not None:
        yield served.url, served.pids(), [w["cookie"] for w in served.workers()], served.proxy_pids()
    elif url is not None:
        yield url, [], [""], []
    elif processes:
        with running_proxy(processes) as proxy:
            yield proxy.url, proxy.pids(), [w["cookie"] for w in proxy.workers()], proxy.proxy_pids()
    else:
        with running_app() as (app_url, pid):
            yield app_url, [pid], [""], []


def measure(*, sessions: int = 20, seconds: float = 30.0, trips: int = 24, plans: int = 8, slow: bool = True,
            seed: int = 12, processes: int = 0, url: str | None = None, served: Served | None = None,
            pause_s: float = 0.0) -> dict[str, Any]:
    """Start the dashboard, warm it, then load it; latencies, errors and the server's memory.

    The dashboard runs as ``make run`` does (one process), or with ``processes`` as ``make
    serve`` does (that many processes behind nginx); ``served`` is a ``make serve`` already
    started by :func:`running_proxy`, ``url`` any running address (its memory is not measured).
    Each process is warmed by one session that asks for a route, a plan and the slow request
    (every import and the shared dataset and routing context are then in memory).
    ``rss_warm_mib`` is the resident memory of the app's processes together after that,
    ``rss_peak_mib`` its peak while ``sessions`` users worked for ``seconds``, pausing
    ``pause_s`` after each answer; ``per_process`` each process's resident, own (USS) and
    proportional (PSS) memory, warm and at the end.
    """
    from exposure.datasets import load_dataset  # noqa: PLC0415 -- the dataset only when a run is asked for

    load_before = [round(x, 2) for x in os.getloadavg()]
    ds = load_dataset("helsinki")
    ctx = ds.context()
    route_pool = route_trips(ds, ctx, trips, seed=seed)
    plan_pool = plan_trips(ds, ctx, plans, seed=seed + 1)
    slow_trip = slow_plan(ds, ctx, seed=seed + 2)
    with _target(processes=processes, url=url, served=served) as (address, pids, cookies, proxy_pids):
        started = time.monotonic()
        warm: list[Record] = []

        async def warm_one(cookie: str) -> None:
            # a browser whose cookie names one process: every process is warmed, not only the one a pool picks
            browser = Browser(address, cookies={WORKER_COOKIE: cookie} if cookie else {})
            await _timed(warm, "route", 0, route_request(browser, route_pool[0]))
            await _timed(warm, "plan", 0, plan_request(browser, plan_pool[0]))
            await _timed(warm, "slow", 0, slow_request(browser, slow_trip))

        async def warm_up() -> None:
            await asyncio.gather(*(warm_one(c) for c in cookies))

        asyncio.run(warm_up())
        warm_s = time.monotonic() - started
        per_process_warm = memory_of(pids)
        cpu_before = cpu_seconds(pids, proxy_pids)
        with MemorySampler(pids) as memory:
            rss_warm = memory.peak
            records = asyncio.run(load(address, sessions=sessions, seconds=seconds, trips=route_pool,
                                       plans=plan_pool, slow=slow_trip if slow else None, seed=seed,
                                       pause_s=pause_s))
        cpu_used = {k: round(v - cpu_before[k], 1) for k, v in cpu_seconds(pids, proxy_pids).items()}
        per_process_end = memory_of(pids)
    mib = 1024 * 1024
    return {
        "sessions": sessions, "seconds": seconds, "pause_s": pause_s, "dataset": "helsinki", "seed": seed,
        "processes": len(cookies) if (processes or served) else (1 if url is None else None),
        "through_proxy": bool(processes or served),
        "trips": len(route_pool), "plans": len(plan_pool), "slow_plan_points": len(slow_trip.gathering),
        "warm_up": {"seconds": round(warm_s, 1), "errors": [p for r in warm for p in r.problems]},
        **summarise(records),
        "rss_warm_mib": round(rss_warm / mib, 1) if pids else None,
        "rss_peak_mib": round(memory.peak / mib, 1) if pids else None,
        "per_process": {"warm": per_process_warm, "end": per_process_end},
        # where the CPU went while the users worked: the app's processes, the proxy, this load client, and every
        # other process of the machine (on a shared machine, other people's work)
        "cpu_s": cpu_used,
        "machine": {"cpus": os.cpu_count(), "load_average_before": load_before,
                    "load_average_after": [round(x, 2) for x in os.getloadavg()], "python": sys.version.split()[0]},
    }
