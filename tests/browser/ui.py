"""What the real-browser tests share: the app started as `make run` starts it, and ways to drive and read its pages."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# page name -> (URL path, whether it draws a map on first load)
PAGES = {"overview": ("", True), "route_planner": ("Route_planner", True),
         "neighbourhoods": ("Neighbourhoods", True), "camera_data": ("Camera_data", True),
         "who_is_watched": ("Who_is_watched", False), "build_a_dataset": ("Build_a_dataset", False),
         "protest_plan": ("Protest_plan", True), "many_trips": ("Many_trips", False)}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def running_app(*, env: dict[str, str | None] | None = None, path_first: tuple[Path, ...] = (),
                log: Path | None = None):
    """Start the dashboard as `make run` does, on a free port; yield its address.

    ``env`` changes the server's environment (None removes a variable), ``path_first`` puts folders
    before the tree's root on its PYTHONPATH, and ``log`` takes its output (else a pipe, read when it
    does not start).
    """
    port = free_port()
    server_env = {**os.environ, "PYTHONPATH": os.pathsep.join(map(str, (*path_first, ROOT)))}
    for name, value in (env or {}).items():
        if value is None:
            server_env.pop(name, None)
        else:
            server_env[name] = value
    out = log.open("wb") if log is not None else subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        said = log.read_text(errors="replace") if log is not None else (
            proc.stdout.read().decode() if proc.stdout else "")
        pytest.fail(f"the app did not start: {said}")
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:  # busy in a script run on a loaded machine: stop it anyway
            proc.kill()
            proc.wait(timeout=30)
        if log is not None:
            out.close()  # type: ignore[union-attr]


def foreign(requests: list[str], app_url: str) -> list[str]:
    """Requests to any origin but the app's own (data: URIs never leave the browser)."""
    own = urlparse(app_url).netloc
    out = []
    for url in requests:
        parsed = urlparse(url)
        if parsed.scheme == "data":
            continue
        netloc = urlparse(url[5:]).netloc if parsed.scheme == "blob" else parsed.netloc
        if netloc != own:
            out.append(url)
    return out


def wait_for_app(pg) -> None:
    pg.wait_for_selector("[data-testid='stApp']", timeout=60_000)
    # The status widget is hidden in the minimal toolbar, so also ask the app whether its script runs,
    # and wait for the elements a rerun left stale to be redrawn.
    pg.wait_for_function(
        """() => {
            const app = document.querySelector('[data-testid="stApp"]');
            return app && app.dataset.testScriptState !== 'running' && app.dataset.testScriptState !== 'rerunRequested'
                && !document.querySelector('[data-stale="true"]')
                && !document.querySelector('[data-testid="stStatusWidget"]');
        }""", timeout=120_000)


def table_cells(pg) -> list[str]:
    """The cells of the page's first table (the data grid keeps them in accessible grid cells)."""
    pg.wait_for_selector("[data-testid='stDataFrame'] [role='gridcell']", state="attached", timeout=120_000)
    wait_for_app(pg)
    return pg.locator("[data-testid='stDataFrame']").first.locator("[role='gridcell']").all_inner_texts()


def table_rows(pg, *, columns: int = 3) -> list[list[str]]:
    """The first table's rows, each its first ``columns`` cells.

    The data grid draws only the columns in view, and how many are in view changes with the page's
    layout, so tables are compared by their leading columns.
    """
    table_cells(pg)
    return pg.evaluate(
        """(n) => [...document.querySelector('[data-testid="stDataFrame"]').querySelectorAll('tr[role="row"]')]
            .map(r => [...r.querySelectorAll('[role="gridcell"]')]
                .filter(c => Number(c.getAttribute('aria-colindex')) <= n).map(c => c.innerText))
            .filter(r => r.length)""", columns)


def new_table_rows(pg, before: list[list[str]], *, timeout_s: float = 120) -> list[list[str]]:
    """The first table's rows once they differ from ``before``: a rerun draws its heading before its table."""
    deadline = time.monotonic() + timeout_s
    while (rows := table_rows(pg)) == before:
        if time.monotonic() > deadline:
            raise AssertionError(f"the table still shows what it showed before after {timeout_s:.0f} s")
        pg.wait_for_timeout(250)
    return rows


def route_table(pg) -> list[str]:
    """The route comparison's cells (a static table, so that its text wraps instead of being cut off)."""
    pg.wait_for_selector("[data-testid='stTable'] td", timeout=120_000)
    wait_for_app(pg)
    return pg.locator("[data-testid='stTable']").first.locator("td").all_inner_texts()


def upload_and_use(pg, app_url: str, path: Path) -> None:
    """Camera data → upload a camera file → "Use these cameras on every page"."""
    pg.goto(f"{app_url}/Camera_data")
    wait_for_app(pg)
    pg.locator("[data-testid='stFileUploader'] input[type='file']").first.set_input_files(str(path))
    pg.get_by_role("button", name="Use these cameras on every page").click(timeout=120_000)
    pg.get_by_role("button", name="Back to the dataset's cameras").wait_for(timeout=120_000)
    wait_for_app(pg)


def type_place(pg, label: str, text: str, *, pick: str | None = None) -> None:
    """Type into a place box; pick a suggestion, or press Enter to take the text as typed."""
    box = pg.get_by_label(label, exact=True)
    box.click()
    box.fill(text)
    if pick is None:
        box.press("Enter")
    else:
        pg.get_by_role("option", name=pick, exact=True).click()
    wait_for_app(pg)
