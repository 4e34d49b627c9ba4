"""make serve: the dashboard's processes behind nginx, sticky by cookie, restarted when they die, private (issue 21).

The configuration is checked as text everywhere; the rest runs nginx and two app processes
(marker ``serve``: ``make test`` runs them after the others, on their own) and is skipped, saying
why, where nginx is not installed (``.ci/run`` installs it). The load test through the proxy has
the marker ``load`` too.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import http.client
import importlib.util
import io
import json
import os
import random
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
from pathlib import Path
from urllib.parse import urlencode, urlparse

import pytest

from serve.nginx import (
    WORKER_COOKIE,
    WORKER_HEADER,
    Backend,
    ProxyOptions,
    find_nginx,
    max_upload_bytes,
    nginx_conf,
    write_passphrase,
)
from serve.supervisor import WORKER_ENV, parse_args

LOAD = Path(__file__).resolve().parent.parent / "bench" / "load.py"
NGINX = find_nginx()
NO_NGINX = "nginx is not installed (make serve's proxy; .ci/run installs it)"
needs_nginx = pytest.mark.skipif(NGINX is None, reason=NO_NGINX)
serve_marks = [pytest.mark.serve, pytest.mark.slow, needs_nginx]
#: The load test through the proxy: 10 sessions for 20 s on two processes.
SESSIONS, SECONDS, PROCESSES = 10, float(os.environ.get("EXPOSURE_SERVE_LOAD_SECONDS", "20")), 2
#: As tests/test_load.py: memory per session beyond the warm processes, and how much slower (p95) the
#: others may be while the slow request runs.
PER_SESSION_MIB, FAIRNESS = 15.0, 2.0


def load_module():
    spec = importlib.util.spec_from_file_location("load", LOAD)
    module = importlib.util.module_from_spec(spec)
    sys.modules["load"] = module  # its dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


BACKENDS = [Backend("w1-0a1b2c", 18601), Backend("w2-3d4e5f", 18602)]


def conf(tmp_path: Path, **options) -> str:
    return nginx_conf(ProxyOptions(run_folder=tmp_path, port=18500, **options), BACKENDS)


# --- the configuration, as text ------------------------------------------------------------------


def test_the_proxy_routes_by_the_cookie_and_falls_back_to_the_least_busy_process(tmp_path) -> None:
    text = conf(tmp_path)
    assert f"map $cookie_{WORKER_COOKIE} $sticky" in text
    assert "w1-0a1b2c w1;" in text
    assert "w2-3d4e5f w2;" in text
    assert "least_conn;" in text
    assert "server 127.0.0.1:18601 max_fails=1 fail_timeout=10s;" in text  # passive health checks
    assert "error_page 502 504 = @failover;" in text
    assert "error_page 502 504 = @down;" in text  # no process at all: a plain "restarting" page
    assert "$remote_addr" not in text  # never by address: a whole network shares one
    assert "HttpOnly; SameSite=Lax" in text
    assert "Secure" not in text


def test_the_logs_hold_no_query_string_referrer_or_address(tmp_path) -> None:
    text = conf(tmp_path)
    log_format = re.search(r"log_format private '([^']*)'", text).group(1)
    for leak in ("$request ", "$request'", "$request_uri", "$args", "$query_string", "$http_referer",
                 "$remote_addr", "$http_user_agent", "$http_cookie", "$http_x_forwarded_for"):
        assert leak not in log_format + "'", leak
    assert "$uri" in log_format
    assert re.search(r"error_log \S+ crit;", text)  # errors carry the request line: only critical ones
    assert "access_log off" not in text


def test_uploads_over_the_camera_file_limit_are_refused_at_the_proxy_and_never_touch_its_disk(tmp_path) -> None:
    from exposure import settings

    text = conf(tmp_path)
    upload = text[text.index("location /_stcore/upload_file/"):]
    upload = upload[:upload.index("}")]
    assert f"client_max_body_size {max_upload_bytes()};" in upload
    assert max_upload_bytes() == int(settings.max_camera_file_mb * 1e6) + 1024 * 1024
    assert "proxy_request_buffering off;" in upload
    assert "client_max_body_size 64k;" in text  # nothing else takes a body
    assert "proxy_max_temp_file_size 0;" in text


def test_uploads_in_flight_are_limited_per_session_and_for_everyone_at_the_proxy(tmp_path) -> None:
    from exposure import settings

    text = conf(tmp_path)
    upload = text[text.index("location /_stcore/upload_file/"):]
    upload = upload[:upload.index("}")]
    assert f"limit_conn upload_session {settings.max_session_uploads_at_once};" in upload
    assert f"limit_conn uploads {settings.max_uploads_at_once};" in upload
    assert "error_page 413 @too_large;" in upload  # its own error pages do not lose the size limit's
    assert "limit_conn_zone $upload_session" in text
    refusal = text[text.index("location @too_many_uploads"):]
    assert "exposure.settings.max_session_uploads_at_once" in refusal[:refusal.index("}")]
    assert "exposure.settings.max_uploads_at_once" in refusal[:refusal.index("}")]


def test_tls_and_a_passphrase_are_set_at_the_proxy_and_the_app_never_sees_the_passphrase(tmp_path) -> None:
    text = conf(tmp_path, tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "key.pem",
                passphrase_file=tmp_path / "passphrase")
    assert "listen 127.0.0.1:18500 ssl;" in text
    assert f"ssl_certificate {tmp_path / 'cert.pem'};" in text
    assert f"auth_basic_user_file {tmp_path / 'passphrase'};" in text
    assert 'proxy_set_header Authorization "";' in text
    assert "SameSite=Lax; Secure" in text
    with pytest.raises(ValueError, match="both --tls-cert and --tls-key"):
        ProxyOptions(run_folder=tmp_path, tls_cert=tmp_path / "cert.pem")


def test_a_backend_name_must_be_a_process_and_a_start() -> None:
    with pytest.raises(ValueError, match="w<number>-<hex>"):
        Backend("w1; evil", 1)
    assert Backend("w12-abc", 1).upstream == "w12"


def test_the_passphrase_file_holds_a_salted_hash_only_the_operator_can_read(tmp_path) -> None:
    path = tmp_path / "passphrase"
    write_passphrase(path, "correct horse", user="group")
    user, scheme = path.read_text().strip().split(":", 1)
    assert user == "group"
    assert scheme.startswith("{SSHA}")
    raw = base64.b64decode(scheme.removeprefix("{SSHA}"))
    digest, salt = raw[:20], raw[20:]
    assert hashlib.sha1(b"correct horse" + salt).digest() == digest
    assert "correct horse" not in path.read_text()
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="one non-empty line"):
        write_passphrase(path, "two\nlines", user="group")
    with pytest.raises(ValueError, match="user name"):
        write_passphrase(path, "x", user="a:b")


def test_the_command_reads_the_passphrase_from_a_file_and_checks_tls_files(tmp_path, capsys) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("shared words\n")
    options, user = parse_args(["--run-folder", str(tmp_path / "run"), "--passphrase-file", str(secret),
                                "--processes", "3", "--port", "9443"])
    assert (options.processes, options.proxy.port, user) == (3, 9443, "group")
    assert options.proxy.passphrase_file == (tmp_path / "run" / "passphrase").resolve()
    assert "shared words" not in options.proxy.passphrase_file.read_text()
    with pytest.raises(SystemExit):
        parse_args(["--run-folder", str(tmp_path / "run"), "--tls-cert", str(secret)])
    assert "both --tls-cert and --tls-key" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        parse_args(["--run-folder", str(tmp_path / "run"), "--processes", "0"])


@needs_nginx
def test_nginx_accepts_every_variant_of_the_configuration(tmp_path) -> None:
    cert, key = self_signed(tmp_path)
    write_passphrase(tmp_path / "passphrase", "x", user="group")
    for options in ({}, {"tls_cert": cert, "tls_key": key}, {"passphrase_file": tmp_path / "passphrase"}):
        for sub in ("logs", "tmp"):
            (tmp_path / sub).mkdir(exist_ok=True)
        (tmp_path / "nginx.conf").write_text(conf(tmp_path, **options))
        check = subprocess.run([NGINX, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                                "-e", str(tmp_path / "logs" / "error.log")], capture_output=True, text=True,
                               check=False)
        assert check.returncode == 0, (options, check.stderr)


def test_make_serve_says_how_to_install_nginx_when_it_is_missing(tmp_path, monkeypatch, capsys) -> None:
    from serve import supervisor

    monkeypatch.setattr(supervisor, "find_nginx", lambda: None)
    assert supervisor.main(["--run-folder", str(tmp_path)]) == 1
    assert "apt-get install nginx" in capsys.readouterr().err


def supervisor_for(tmp_path, monkeypatch, **options):
    from serve import supervisor

    monkeypatch.setattr(supervisor, "find_nginx", lambda: "/usr/sbin/nginx")
    out = io.StringIO()
    sup = supervisor.Supervisor(supervisor.ServeOptions(proxy=ProxyOptions(run_folder=tmp_path), processes=1,
                                                        **options), out=out)
    monkeypatch.setattr(sup, "write_conf", lambda: None)
    monkeypatch.setattr(sup, "_reload_proxy", lambda: None)
    return sup, out


def test_a_process_that_stops_answering_is_killed_and_one_that_keeps_dying_waits_longer(tmp_path, monkeypatch) -> None:
    sup, out = supervisor_for(tmp_path, monkeypatch, unhealthy_after_s=30.0)
    started = []
    monkeypatch.setattr(sup, "_start_worker", lambda w, **_: started.append(w.name))
    monkeypatch.setattr(sup, "_healthy", lambda w: False)
    worker = sup.workers[0]
    worker.generation, worker.port = "abc123", 1
    worker.process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    now = time.monotonic()
    worker.healthy, worker.started, worker.last_answer, worker.next_check = True, now - 100, now - 31, 0.0
    sup._check(worker, now)  # silent for 31 s: killed
    assert worker.process.wait(timeout=10) == -signal.SIGKILL
    assert "has not answered its health check for 31 s; killing it" in out.getvalue()
    sup._check(worker, now)  # then seen to have ended, and restarted at once (it lived 100 s)
    assert worker.process is None
    assert worker.restart_at == now
    sup._check(worker, now)
    assert started == ["w1"]
    assert worker.restarts == 1
    delays = []
    for _ in range(4):  # dying young again and again: 1 s, 2 s, 4 s, 8 s
        worker.process = subprocess.Popen([sys.executable, "-c", "pass"])
        worker.process.wait()
        worker.started = now - 1
        sup._check(worker, now)
        delays.append(worker.restart_at - now)
    assert delays == [1.0, 2.0, 4.0, 8.0]


@needs_nginx
def test_make_serve_says_so_when_its_port_is_taken(tmp_path, capsys, monkeypatch) -> None:
    from serve import supervisor

    monkeypatch.setattr(signal, "signal", lambda *_: None)  # pytest keeps its own handlers
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = supervisor.main(["--port", str(port), "--processes", "1", "--no-prepare",
                                "--run-folder", str(tmp_path)])
    assert code == 1
    assert f"nginx could not listen on http://127.0.0.1:{port}" in capsys.readouterr().out


# --- through the proxy ----------------------------------------------------------------------------


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by openssl (skips when it is missing)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is not installed: no certificate to test TLS with")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    return cert, key


@pytest.fixture(scope="module")
def load():
    return load_module()


@pytest.fixture(scope="module")
def trips(load):
    from exposure.datasets import load_dataset

    ds = load_dataset("helsinki")  # on disk before the processes start, as make serve prepares it
    return load.route_trips(ds, ds.context(), 6, seed=21)


@pytest.fixture(scope="module")
def served(load, trips, tmp_path_factory):
    if NGINX is None:
        pytest.skip(NO_NGINX)
    with load.running_proxy(2, run_folder=tmp_path_factory.mktemp("serve")) as proxy:
        yield proxy


def logs(served) -> str:
    """Everything the proxy and the app processes wrote: nginx's logs and the supervisor's output."""
    folder = served.run_folder / "logs"
    return "".join(p.read_text(errors="replace") for p in sorted(folder.glob("*.log"))) + served.log()


def multipart(name: str, data: bytes) -> tuple[bytes, str]:
    boundary = "exposure-test-boundary"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
            f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def upload(browser, session_id: str, *, xsrf: bool = True) -> int:
    body, kind = multipart("cameras.csv", b"lat,lon\n60.17,24.94\n")
    headers = {"Content-Type": kind}
    if xsrf:
        headers["X-Xsrftoken"] = browser.cookies["_streamlit_xsrf"]
    status, _, _ = browser.get(f"/_stcore/upload_file/{session_id}/file-{random.randrange(10**9)}", method="PUT",
                               data=body, headers=headers)
    return status


@pytest.mark.usefixtures("served")
class TestThroughTheProxy:
    pytestmark = serve_marks

    def test_new_browsers_are_spread_over_the_processes_each_given_its_cookie(self, load, served) -> None:
        cookies = {w["cookie"] for w in served.workers()}
        given = []
        for _ in range(4):
            browser = load.Browser(served.url)
            status, headers, _ = browser.get("/")
            assert status == 200
            assert browser.cookies[WORKER_COOKIE] == headers[WORKER_HEADER]
            given.append(browser.cookies[WORKER_COOKIE])
        assert set(given) == cookies  # least busy first: with nobody connected, each in turn

    def test_a_browsers_page_websocket_and_uploads_meet_one_process(self, load, served, trips) -> None:
        browser = load.Browser(served.url)
        browser.get("/")
        mine = browser.cookies[WORKER_COOKIE]
        status, headers, _ = browser.get("/_stcore/health")  # the XSRF cookie, as the page's script gets it
        assert (status, headers[WORKER_HEADER]) == (200, mine)

        other = next(w["cookie"] for w in served.workers() if w["cookie"] != mine)
        elsewhere = load.Browser(served.url, cookies={**browser.cookies, WORKER_COOKIE: other})

        async def session() -> tuple[list[int], int, int]:
            async with load.Session(browser) as s:
                assert s.response_headers[WORKER_HEADER] == mine  # the websocket's handshake went to it too
                run = await s.run(page="Route_planner", query_string=trips[0].query_string())
                assert run.errors == []
                # Streamlit keeps uploads per session, in the process that holds it (while it is open)
                here = [await asyncio.to_thread(upload, browser, s.session_id) for _ in range(10)]
                there = await asyncio.to_thread(upload, elsewhere, s.session_id)
                unguarded = await asyncio.to_thread(upload, browser, s.session_id, xsrf=False)
            return here, there, unguarded

        here, there, unguarded = asyncio.run(session())
        assert here == [204] * 10  # all ten reached it
        assert there == 400  # the other process knows no such session
        assert unguarded == 403  # Streamlit's XSRF protection is on

    def test_an_oversized_upload_is_refused_by_the_proxy_before_the_app_reads_it(self, served) -> None:
        address = urlparse(served.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
        # a body announced over the limit: refused on its headers, before any of it is sent
        connection.putrequest("PUT", "/_stcore/upload_file/some-session/some-file")
        connection.putheader("Content-Length", str(max_upload_bytes() + 1))
        connection.putheader("Content-Type", "multipart/form-data; boundary=x")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 413
        assert "the limit is 200 MB for a camera file" in response.read().decode()
        connection.close()
        time.sleep(0.5)
        line = [x for x in (served.run_folder / "logs" / "access.log").read_text().splitlines() if " 413 PUT " in x]
        assert line
        assert line[-1].endswith(" -")  # no process was asked

    def test_uploads_beyond_the_limits_at_once_are_refused_by_the_proxy_naming_them(self, served) -> None:
        from exposure import settings

        address = urlparse(served.url)

        def start_upload(session: str) -> http.client.HTTPConnection:
            # an upload whose body is still coming: it holds its place until it ends
            connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
            connection.putrequest("PUT", f"/_stcore/upload_file/{session}/file-{random.randrange(10**9)}")
            connection.putheader("Content-Length", "100000")
            connection.putheader("Content-Type", "multipart/form-data; boundary=x")
            connection.endheaders()
            connection.send(b"--x\r\n")
            return connection

        def refused(session: str) -> str | None:
            connection = start_upload(session)
            connection.sock.settimeout(3)
            try:
                response = connection.getresponse()
            except TimeoutError:  # let through: the app waits for the rest of its body
                return None
            try:  # let through, the app may also refuse it at once (no XSRF token here): anything but 429
                return response.read().decode() if response.status == 429 else None
            except TimeoutError:
                return None
            finally:
                connection.close()

        held = [start_upload("session-a") for _ in range(settings.max_session_uploads_at_once)]
        try:
            time.sleep(0.5)
            said = refused("session-a")
            assert said is not None
            assert "max_session_uploads_at_once" in said
            held += [start_upload(f"session-{i}") for i in range(settings.max_uploads_at_once
                                                                   - settings.max_session_uploads_at_once)]
            time.sleep(0.5)
            said = refused("session-z")
            assert said is not None
            assert "max_uploads_at_once" in said
        finally:
            for connection in held:
                connection.close()
        time.sleep(0.5)
        assert refused("session-a") is None  # the ones in flight ended: uploads go through again

    def test_nothing_typed_reaches_the_logs(self, load, served) -> None:
        marker = f"Secretplace{random.randrange(10**9)}"
        browser = load.Browser(served.url)
        browser.get("/?" + urlencode({"origin": marker, "destination": marker + "b"}))
        browser.get("/Route_planner?" + urlencode({"origin": marker}))

        async def route_link() -> None:
            async with load.Session(browser) as s:
                await s.run(page="Route_planner", query_string=urlencode({"origin": marker, "destination": "x"}))

        asyncio.run(route_link())
        time.sleep(0.5)
        text = logs(served)
        assert "GET /Route_planner " in text  # the request is logged, its query is not
        assert marker not in text
        assert "?" not in (served.run_folder / "logs" / "access.log").read_text()

    def test_a_killed_process_is_restarted_and_the_others_keep_answering(self, load, served, trips) -> None:
        workers = served.workers()
        victim, survivor = workers
        browsers = [load.Browser(served.url, cookies={WORKER_COOKIE: w["cookie"]}) for w in (victim, survivor) * 2]
        records: dict[int, list[list[str]]] = {i: [] for i in range(len(browsers))}
        killed = 0.0

        async def user(i: int, until: float) -> None:
            rng = random.Random(i)
            while time.monotonic() < until:
                try:
                    problems = await load.route_request(browsers[i], rng.choice(trips))
                except (OSError, TimeoutError, load.WebSocketException) as err:
                    problems = [f"{type(err).__name__}: {err}"]
                records[i].append(problems)

        async def under_load() -> None:
            nonlocal killed
            until = time.monotonic() + 20
            tasks = [asyncio.create_task(user(i, until)) for i in range(len(browsers))]
            await asyncio.sleep(6)
            os.kill(victim["pid"], signal.SIGKILL)
            killed = time.monotonic()
            await asyncio.gather(*tasks)

        asyncio.run(under_load())
        for i in (1, 3):  # the survivor's users carry on as if nothing happened
            assert records[i], i
            assert all(p == [] for p in records[i]), records[i]
        for i in (0, 2):  # the victim's users lose at most the request in flight, then are answered elsewhere
            assert sum(bool(p) for p in records[i]) <= 1, records[i]
            assert records[i][-1] == [], records[i]
            assert browsers[i].cookies[WORKER_COOKIE] != victim["cookie"]

        restarted = served.wait_healthy(timeout_s=180, restarts=1)
        again = next(w for w in restarted if w["name"] == victim["name"])
        assert again["pid"] != victim["pid"]
        assert again["cookie"] != victim["cookie"]  # a new start: its browsers can tell it restarted
        assert f"{victim['name']} (pid {victim['pid']}) ended" in served.log()
        environ = Path(f"/proc/{again['pid']}/environ")
        if environ.exists():  # the page learns its own start from the environment (Linux shows it here)
            assert f"{WORKER_ENV}={again['cookie']}".encode() in environ.read_bytes().split(b"\0")
        stale = load.Browser(served.url, cookies={WORKER_COOKIE: victim["cookie"]})
        status, _, _ = stale.get("/")
        assert status == 200
        assert stale.cookies[WORKER_COOKIE] in {w["cookie"] for w in restarted}
        assert time.monotonic() - killed < 200

        # a browser whose process was killed reconnects (its websocket carries the old cookie): its page says,
        # once, that the server restarted and what was lost; a browser whose process runs on is told nothing
        from app.restarted import RESTARTED

        async def notices(browser) -> list[list[str]]:
            async with load.Session(browser) as s:
                return [[t for t in (await s.run(page="Route_planner", query_string=trips[0].query_string())).alerts()
                         if RESTARTED in t] for _ in range(2)]

        lost = load.Browser(served.url, cookies={WORKER_COOKIE: victim["cookie"]})
        first, second = asyncio.run(notices(lost))
        assert len(first) == 1
        assert "camera files you uploaded" in first[0]
        assert second == []  # once per session
        assert lost.cookies[WORKER_COOKIE] != victim["cookie"]  # and it now holds a running process's cookie
        assert asyncio.run(notices(load.Browser(served.url, cookies={WORKER_COOKIE: survivor["cookie"]}))) == [[], []]


@pytest.mark.serve
@pytest.mark.slow
@needs_nginx
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="util-linux's setpriv is not installed")
def test_nothing_outlives_a_supervisor_that_is_killed(load, trips, tmp_path) -> None:
    import psutil

    with load.running_proxy(1, run_folder=tmp_path / "run") as proxy:
        nginx = json.loads((proxy.run_folder / "workers.json").read_text())["proxy_pid"]
        children = [psutil.Process(pid) for pid in [*proxy.pids(), nginx]]
        children += psutil.Process(nginx).children()  # nginx's own worker
        os.kill(proxy.pid, signal.SIGKILL)
        _, alive = psutil.wait_procs(children, timeout=20)
        assert alive == [], [p.cmdline() for p in alive]


@pytest.mark.serve
@pytest.mark.slow
@needs_nginx
def test_tls_and_the_passphrase_guard_every_request_and_the_websocket(load, trips, tmp_path) -> None:
    cert, key = self_signed(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("shared words\n")
    extra = ("--tls-cert", str(cert), "--tls-key", str(key), "--passphrase-file", str(secret))
    tls = ssl.create_default_context(cafile=str(cert))
    with load.running_proxy(1, run_folder=tmp_path / "run", extra=extra) as proxy:
        assert proxy.url.startswith("https://")
        assert load.Browser(proxy.url, tls=tls).get("/")[0] == 401
        wrong = base64.b64encode(b"group:other words").decode()
        assert load.Browser(proxy.url, tls=tls, headers={"Authorization": f"Basic {wrong}"}).get("/")[0] == 401
        right = base64.b64encode(b"group:shared words").decode()
        browser = load.Browser(proxy.url, tls=tls, headers={"Authorization": f"Basic {right}"})
        status, headers, _ = browser.get("/")
        assert status == 200
        assert "Secure" in headers["Set-Cookie"]
        problems = asyncio.run(load.route_request(browser, trips[0]))
        assert problems == []
        with pytest.raises(urllib.error.URLError) as refused:  # a client that does not trust the certificate stops
            load.Browser(proxy.url).get("/")
        assert isinstance(refused.value.reason, ssl.SSLError)
        assert "shared words" not in proxy.log()


@pytest.fixture(scope="module")
def result(load, tmp_path_factory):
    if NGINX is None:
        pytest.skip(NO_NGINX)
    with load.running_proxy(PROCESSES, run_folder=tmp_path_factory.mktemp("serve-load")) as proxy:
        result = load.measure(sessions=SESSIONS, seconds=SECONDS, trips=16, plans=6, served=proxy)
        result["logs"] = logs(proxy)
    return result


@pytest.mark.serve
@pytest.mark.load
@needs_nginx
class TestLoadThroughTheProxy:
    """10 sessions for 20 s on two processes behind nginx: correct answers, shared memory, no waiting."""

    def test_every_session_gets_the_engines_answers_without_an_error(self, result) -> None:
        assert result["through_proxy"]
        assert result["processes"] == PROCESSES
        assert result["warm_up"]["errors"] == []
        assert result["errors"] == 0, result["problems"]
        assert result["refused_share"] < 0.01  # too busy: counted apart from errors, and rare at this load
        assert result["latency"]["route"]["n"] >= SESSIONS
        assert result["latency"]["plan"]["n"] >= 1
        assert result["latency"]["slow"]["n"] >= 1

    def test_the_processes_share_their_memory_among_sessions(self, result) -> None:
        bound = result["rss_warm_mib"] + SESSIONS * PER_SESSION_MIB
        assert result["rss_peak_mib"] <= bound, (result["rss_warm_mib"], result["rss_peak_mib"])

    def test_one_slow_request_does_not_hold_up_the_others(self, result) -> None:
        before, during = result["fast_before_slow"], result["fast_during_slow"]
        assert before["n"] >= 3
        assert during["n"] >= 3
        assert during["p95_s"] <= FAIRNESS * before["p95_s"] + 3.0, (before, during)

    def test_no_place_anyone_typed_is_in_the_logs(self, load, result) -> None:
        from exposure.datasets import load_dataset

        ds = load_dataset("helsinki")
        ctx = ds.context()
        typed = {t for trip in load.route_trips(ds, ctx, 16, seed=12) for t in (trip.origin, trip.destination)}
        typed |= {g for plan in load.plan_trips(ds, ctx, 6, seed=13) for g in (plan.site, *plan.gathering)}
        assert "GET /Route_planner " in result["logs"] or "GET /_stcore/stream " in result["logs"]
        assert [t for t in typed if t in result["logs"]] == []
