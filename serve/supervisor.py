"""The supervisor of ``make serve``: N dashboard processes behind nginx, each restarted when it dies or hangs."""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from serve.nginx import (
    INSTALL_HINT,
    Backend,
    ProxyOptions,
    find_nginx,
    nginx_conf,
    write_passphrase,
)

__all__ = [
    "PASSPHRASE_ENV",
    "ROOT",
    "WORKER_ENV",
    "ServeOptions",
    "Supervisor",
    "Worker",
    "default_processes",
    "main",
    "parse_args",
]

#: The project folder (``dashboard.py``, ``.streamlit/config.toml``).
ROOT = Path(__file__).resolve().parent.parent
#: The environment variable that tells an app process its name and start (the cookie that leads to it).
WORKER_ENV = "EXPOSURE_WORKER"
#: The environment variable that may hold the shared passphrase (instead of ``--passphrase-file``).
PASSPHRASE_ENV = "EXPOSURE_SERVE_PASSPHRASE"
# the two steps of `make dataset`: the default dataset built once on disk, the route search compiled once
_PREPARE = ("from exposure.datasets import load_dataset; load_dataset('helsinki', progress=print); "
            "from exposure._search import warm_up; warm_up()")


def default_processes() -> int:
    """One app process per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _die_with_parent(signame: str) -> list[str]:
    """A command prefix that sends a child ``signame`` when the supervisor ends, however it ends (util-linux)."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", signame, "--"] if setpriv and sys.platform == "linux" else []


@dataclass
class ServeOptions:
    """What ``make serve`` runs.

    Attributes
    ----------
    proxy
        The proxy's address, TLS and passphrase.
    processes
        How many app processes.
    health_every_s
        How often the supervisor asks each process for ``/_stcore/health``.
    unhealthy_after_s
        A process that has not answered it for this long is killed (and so restarted).
    start_timeout_s
        How long a process may take to answer its first health check.
    prepare
        Build the default dataset on disk and compile the route search before the processes start.
    """

    proxy: ProxyOptions
    processes: int = field(default_factory=default_processes)
    health_every_s: float = 2.0
    unhealthy_after_s: float = 30.0
    start_timeout_s: float = 120.0
    prepare: bool = True


@dataclass
class Worker:
    """One app process: its name, and its current start (port, cookie, process)."""

    name: str
    port: int = 0
    generation: str = ""
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    restarts: int = 0
    healthy: bool = False
    last_answer: float = 0.0
    next_check: float = 0.0
    restart_at: float = 0.0
    quick_deaths: int = 0

    @property
    def cookie(self) -> str:
        """The cookie value that routes to this start of the process."""
        return f"{self.name}-{self.generation}"

    def backend(self) -> Backend:
        """The proxy's view of this start: its cookie and port."""
        return Backend(self.cookie, self.port)


class Supervisor:
    """Starts nginx and the app processes, and keeps them running until :meth:`stop`."""

    def __init__(self, options: ServeOptions, *, out: IO[str] | None = None) -> None:
        self.options = options
        self.run_folder = options.proxy.run_folder.resolve()
        self.out = out or sys.stdout
        nginx = find_nginx()
        if nginx is None:
            raise FileNotFoundError(INSTALL_HINT)
        self.nginx = nginx
        self.workers = [Worker(f"w{i + 1}") for i in range(options.processes)]
        self.proxy: subprocess.Popen[bytes] | None = None
        self._proxy_started = 0.0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        # one secret for every process, so that a signed cookie one of them set is valid in the others
        self._cookie_secret = secrets.token_hex(32)

    # --- output -----------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        """A line of the supervisor's own, on its output."""
        with self._lock:
            self.out.write(f"serve: {text}\n")
            self.out.flush()

    def _forward(self, name: str, stream: IO[bytes]) -> None:
        # a child's output goes to the supervisor's, line by line, never to a file
        for raw in stream:
            with self._lock:
                self.out.write(f"[{name}] {raw.decode(errors='replace')}")
                self.out.flush()

    def _spawn(self, name: str, command: list[str], *, env: dict[str, str] | None = None,
               on_orphan: str = "KILL") -> subprocess.Popen[bytes]:
        # KILL for the app: a Streamlit process asked to stop writes to its output, a pipe nobody reads any
        # more, and never ends; TERM for nginx, whose master then ends its workers
        proc = subprocess.Popen([*_die_with_parent(on_orphan), *command], cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        assert proc.stdout is not None
        threading.Thread(target=self._forward, args=(name, proc.stdout), daemon=True).start()
        return proc

    def _env(self) -> dict[str, str]:
        # the project's own packages first, as `make run` and the tests import them
        path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
        return {**os.environ, "PYTHONPATH": path}

    # --- the proxy ----------------------------------------------------------------------------------

    @property
    def conf_path(self) -> Path:
        """The generated nginx configuration."""
        return self.run_folder / "nginx.conf"

    def _nginx_command(self, *extra: str) -> list[str]:
        return [self.nginx, "-p", str(self.run_folder), "-c", str(self.conf_path),
                "-e", str(self.run_folder / "logs" / "error.log"), *extra]

    def write_conf(self) -> None:
        """Write the proxy's configuration for the processes' current starts, and check it with ``nginx -t``."""
        for sub in ("logs", "tmp"):
            (self.run_folder / sub).mkdir(parents=True, exist_ok=True)
        text = nginx_conf(self.options.proxy, [w.backend() for w in self.workers])
        tmp = self.conf_path.with_suffix(".tmp")
        tmp.write_text(text)
        tmp.replace(self.conf_path)
        check = subprocess.run(self._nginx_command("-t", "-q"), capture_output=True, text=True, check=False)
        if check.returncode:
            msg = f"nginx refused the configuration {self.conf_path}: {check.stderr.strip() or check.stdout.strip()}"
            raise RuntimeError(msg)

    def _start_proxy(self, *, timeout_s: float = 10.0) -> None:
        """Start nginx and wait until it listens; say why when it cannot (the port is taken, or privileged)."""
        pid_file = self.run_folder / "nginx.pid"
        pid_file.unlink(missing_ok=True)
        self.proxy = self._spawn("nginx", self._nginx_command("-g", "daemon off;"), on_orphan="TERM")
        self._proxy_started = time.monotonic()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and self.proxy.poll() is None:
            # nginx writes its pid file once its listening socket is bound
            with contextlib.suppress(OSError):
                if pid_file.read_text().strip() == str(self.proxy.pid):
                    return
            time.sleep(0.1)
        if self.proxy.poll() is None:
            self.proxy.kill()
            self.proxy.wait()
        msg = (f"nginx could not listen on {self.options.proxy.url} (its message is above, and in "
               f"{self.run_folder / 'logs' / 'error.log'}): is the port already in use, or below 1024?")
        raise RuntimeError(msg)

    def _reload_proxy(self) -> None:
        if self.proxy is not None and self.proxy.poll() is None:
            self.proxy.send_signal(signal.SIGHUP)  # a graceful reload: open websockets carry on

    # --- the app processes ------------------------------------------------------------------------

    @staticmethod
    def _new_start(worker: Worker) -> None:
        # a new port (the old one may still be held) and a new cookie, which tells its browsers it restarted
        worker.port, worker.generation = _free_port(), secrets.token_hex(3)

    def _start_worker(self, worker: Worker, *, reconfigure: bool = True) -> None:
        """Start ``worker``'s process on its port; with ``reconfigure``, first on a new port and cookie."""
        if reconfigure:
            self._new_start(worker)
        worker.started = worker.last_answer = time.monotonic()
        worker.healthy, worker.next_check = False, worker.started + 1.0
        env = {**self._env(), WORKER_ENV: worker.cookie, "STREAMLIT_SERVER_COOKIE_SECRET": self._cookie_secret,
               # every page run is a thread of its own: without a bound, the C allocator keeps an arena per
               # thread and a process holds on to memory its sessions freed long ago
               "MALLOC_ARENA_MAX": os.environ.get("MALLOC_ARENA_MAX", "2")}
        command = [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard.py"),
                   "--server.address", "127.0.0.1", "--server.port", str(worker.port),
                   "--server.headless", "true", "--browser.gatherUsageStats", "false",
                   # on whatever .streamlit/config.toml says: uploads and the websocket need the page's token
                   "--server.enableXsrfProtection", "true", "--server.enableCORS", "true",
                   "--server.fileWatcherType", "none",
                   # the address to open is the proxy's, not this process's
                   "--logger.hideWelcomeMessage", "true"]
        worker.process = self._spawn(worker.name, command, env=env)
        if reconfigure:
            # the proxy learns the new start (its port, its cookie) before it can answer: until then it
            # refuses connections and its browsers fail over to a running process
            self.write_conf()
            self._reload_proxy()
            self._write_state()

    def _healthy(self, worker: Worker) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/_stcore/health", timeout=2) as r:
                return bool(r.status == 200)
        except OSError:
            return False

    def _check(self, worker: Worker, now: float) -> None:
        """One look at a process: restart it when it died, kill it when it stopped answering."""
        if worker.process is None:
            if now >= worker.restart_at and not self._stopping.is_set():
                worker.restarts += 1
                self._start_worker(worker)
                self.say(f"{worker.name} restarted (pid {worker.process.pid if worker.process else '?'})")
            return
        code = worker.process.poll()
        if code is not None:
            lived = now - worker.started
            # a process that dies young again and again waits longer each time (1 s, 2 s … 1 min)
            worker.quick_deaths = worker.quick_deaths + 1 if lived < 30 else 0
            delay = min(60.0, 2.0 ** (worker.quick_deaths - 1)) if worker.quick_deaths else 0.0
            self.say(f"{worker.name} (pid {worker.process.pid}) ended with code {code} after {lived:.0f} s; "
                     f"its users reconnect to another process; restarting it in {delay:.0f} s")
            worker.process, worker.healthy, worker.restart_at = None, False, now + delay
            self._write_state()
            return
        if now < worker.next_check:
            return
        worker.next_check = now + self.options.health_every_s
        if self._healthy(worker):
            if not worker.healthy:
                self.say(f"{worker.name} is up on 127.0.0.1:{worker.port} (pid {worker.process.pid})")
                worker.healthy = True
                self._write_state()
            worker.last_answer = now
            return
        limit = self.options.unhealthy_after_s if worker.healthy else self.options.start_timeout_s
        if now - worker.last_answer > limit:
            self.say(f"{worker.name} (pid {worker.process.pid}) has not answered its health check for "
                     f"{now - worker.last_answer:.0f} s; killing it")
            worker.process.kill()

    def _write_state(self) -> None:
        """``workers.json`` in the run folder: each process's name, cookie, port and pid (for tests and operators)."""
        state = {
            "url": self.options.proxy.url,
            "proxy_pid": self.proxy.pid if self.proxy else None,
            "workers": [{"name": w.name, "cookie": w.cookie, "port": w.port, "healthy": w.healthy,
                         "pid": w.process.pid if w.process else None, "restarts": w.restarts}
                        for w in self.workers],
        }
        tmp = self.run_folder / "workers.json.tmp"
        tmp.write_text(json.dumps(state, indent=1) + "\n")
        tmp.replace(self.run_folder / "workers.json")

    # --- the whole --------------------------------------------------------------------------------

    def prepare(self) -> None:
        """Build the default dataset on disk and compile the route search once, before any process starts.

        Every process then reads the dataset from the disk cache instead of building its own.
        """
        self.say("preparing the default dataset and the route search (as make dataset does)")
        proc = self._spawn("prepare", [sys.executable, "-c", _PREPARE], env=self._env())
        if proc.wait():
            msg = f"preparing the dataset failed (code {proc.returncode}); see the lines above"
            raise RuntimeError(msg)

    def start(self) -> None:
        """Start the processes and the proxy, and wait until every process answers (or its start timeout)."""
        self.run_folder.mkdir(parents=True, exist_ok=True)
        if self.options.prepare:
            self.prepare()
        # the proxy first: when it cannot listen, no process is started for nothing
        for worker in self.workers:
            self._new_start(worker)
        self.write_conf()
        self._start_proxy()
        for worker in self.workers:
            self._start_worker(worker, reconfigure=False)
        self._write_state()
        deadline = time.monotonic() + self.options.start_timeout_s
        while not self._stopping.is_set() and time.monotonic() < deadline:
            self.step()
            if all(w.healthy for w in self.workers):
                break
            self._stopping.wait(0.5)
        ready = sum(w.healthy for w in self.workers)
        self.say(f"serving {ready} of {len(self.workers)} app processes at {self.options.proxy.url} "
                 f"(logs and configuration in {self.run_folder})")

    def step(self) -> None:
        """One round of the supervisor's loop: each process, then the proxy."""
        now = time.monotonic()
        for worker in self.workers:
            self._check(worker, now)
        if self.proxy is None or self.proxy.poll() is None or self._stopping.is_set():
            return
        if now - self._proxy_started < 5.0:  # one that keeps ending is started again every 5 s, not in a spin
            return
        self.say(f"nginx ended with code {self.proxy.returncode}; starting it again")
        self.write_conf()
        try:
            self._start_proxy()
        except RuntimeError as err:
            self.say(str(err))
        self._write_state()

    def run(self) -> None:
        """Keep everything running until :meth:`stop` (or SIGINT, SIGTERM) is asked for."""
        while not self._stopping.is_set():
            self.step()
            self._stopping.wait(0.5)

    def stop(self) -> None:
        """Ask the loop to end."""
        self._stopping.set()

    def shutdown(self, *, grace_s: float = 10.0) -> None:
        """End the proxy and every process (SIGTERM, then SIGKILL after ``grace_s``)."""
        self._stopping.set()
        procs = [p for p in [self.proxy, *(w.process for w in self.workers)] if p is not None]
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + grace_s
        for proc in procs:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --- the command -------------------------------------------------------------------------------------


def _passphrase(args: argparse.Namespace) -> str | None:
    if args.passphrase_file is not None:
        try:
            lines = Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()
        except OSError as err:
            msg = f"cannot read the passphrase file {args.passphrase_file}: {err.strerror or err}"
            raise SystemExit(msg) from err
        if not lines or not lines[0]:
            msg = f"the passphrase file {args.passphrase_file} is empty: put the passphrase on its first line"
            raise SystemExit(msg)
        return lines[0]
    return os.environ.get(PASSPHRASE_ENV) or None


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def parse_args(argv: list[str] | None = None) -> tuple[ServeOptions, str | None]:
    """The command line of ``python -m serve``: the options, and the passphrase if one is asked for."""
    from exposure import settings  # noqa: PLC0415 -- only to name the default run folder

    parser = argparse.ArgumentParser(
        prog="python -m serve",
        description="The dashboard for many users: N app processes behind nginx, sticky by cookie, restarted "
                    "when they die. `make run` stays the one-user command.")
    parser.add_argument("--processes", type=int, default=default_processes(),
                        help="app processes (default: one per core, here %(default)s)")
    parser.add_argument("--host", default="127.0.0.1", help="address the proxy listens on (default %(default)s)")
    parser.add_argument("--port", type=int, default=8501, help="port the proxy listens on (default %(default)s)")
    parser.add_argument("--tls-cert", type=Path, help="certificate (chain), PEM: the proxy speaks HTTPS")
    parser.add_argument("--tls-key", type=Path, help="the certificate's private key, PEM")
    parser.add_argument("--passphrase-file", type=Path,
                        help="a file whose first line is a passphrase every visitor must give "
                             f"(or set {PASSPHRASE_ENV})")
    parser.add_argument("--user", default="group",
                        help="the user name that goes with the passphrase (default %(default)s)")
    parser.add_argument("--run-folder", type=Path, default=Path(settings.cache_folder) / "serve",
                        help="configuration, logs and the proxy's temporary folders (default %(default)s)")
    parser.add_argument("--no-prepare", action="store_true",
                        help="do not build the default dataset and compile the route search first")
    args = parser.parse_args(argv)
    if args.processes < 1:
        parser.error("--processes must be at least 1")
    for path in (args.tls_cert, args.tls_key):
        if path is not None and not path.is_file():
            parser.error(f"{path} is not a file")
    passphrase = _passphrase(args)
    run_folder = args.run_folder.expanduser().resolve()
    try:
        proxy = ProxyOptions(run_folder=run_folder, host=args.host, port=args.port,
                             tls_cert=args.tls_cert.resolve() if args.tls_cert else None,
                             tls_key=args.tls_key.resolve() if args.tls_key else None,
                             passphrase_file=run_folder / "passphrase" if passphrase else None)
    except ValueError as err:
        parser.error(str(err))
    options = ServeOptions(proxy=proxy, processes=args.processes, prepare=not args.no_prepare)
    if passphrase is not None and proxy.passphrase_file is not None:
        write_passphrase(proxy.passphrase_file, passphrase, user=args.user)
    elif proxy.passphrase_file is None:
        (run_folder / "passphrase").unlink(missing_ok=True)
    return options, args.user if passphrase else None


def _warnings(options: ServeOptions, user: str | None) -> list[str]:
    out = []
    if not _loopback(options.proxy.host) and not options.proxy.tls:
        out.append("listening beyond this machine without TLS: anyone on the network path can read the places "
                   "people type and the files they upload (and the passphrase); give --tls-cert and --tls-key")
    if not _loopback(options.proxy.host) and user is None:
        out.append("listening beyond this machine without a passphrase: anyone who can reach "
                   f"{options.proxy.url} can use the app (--passphrase-file or {PASSPHRASE_ENV})")
    if os.geteuid() == 0:
        out.append("running as root: the app's processes and nginx's worker run as root too; an ordinary user "
                   "is safer (a port below 1024 then needs `sudo setcap cap_net_bind_service=+ep "
                   "/usr/sbin/nginx`, or use a port such as 8443)")
    return out


def main(argv: list[str] | None = None) -> int:
    """Run ``make serve`` until interrupted; the exit code."""
    options, user = parse_args(argv)
    try:
        supervisor = Supervisor(options)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 1
    for warning in _warnings(options, user):
        supervisor.say(f"warning: {warning}")
    if user is not None:
        supervisor.say(f"every visitor must give the user name {user!r} and the passphrase")

    def on_signal(signum: int, frame: Any) -> None:
        supervisor.stop()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        supervisor.start()
        supervisor.run()
    except RuntimeError as err:
        supervisor.say(str(err))
        return 1
    finally:
        supervisor.say("stopping")
        with contextlib.suppress(OSError):
            supervisor.shutdown()
    return 0
