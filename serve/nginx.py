"""The nginx configuration of ``make serve``: one proxy in front of the app's processes, sticky by cookie."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import resource
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

from exposure import settings

__all__ = [
    "INSTALL_HINT",
    "WORKER_COOKIE",
    "WORKER_HEADER",
    "Backend",
    "ProxyOptions",
    "find_nginx",
    "max_upload_bytes",
    "nginx_conf",
    "write_passphrase",
]

#: The cookie that ties a browser to one app process; its value is the process's name and start
#: (``w1-3fa9c2``), so that a browser whose process restarted is sent to a running one and the
#: page can tell that it restarted.
WORKER_COOKIE = "exposure_worker"
#: The response header naming the process that answered (the cookie's value), for tests and operators.
WORKER_HEADER = "X-Exposure-Worker"
#: What to do when nginx is missing.
INSTALL_HINT = ("make serve needs nginx, the reverse proxy in front of the app's processes. Install it from "
                "your distribution: `sudo apt-get install nginx` (Debian, Ubuntu), `sudo dnf install nginx` "
                "(Fedora), `brew install nginx` (macOS); its system service need not run, make serve starts "
                "its own.")
# the multipart framing around one uploaded file (Streamlit allows the same margin)
_MULTIPART_MARGIN_BYTES = 1024 * 1024
_NAME = re.compile(r"^w[0-9]+-[0-9a-f]+$")


@dataclass(frozen=True)
class Backend:
    """One app process as the proxy sees it.

    Attributes
    ----------
    cookie
        Its name and start, ``w1-3fa9c2``: the value of :data:`WORKER_COOKIE` that routes to it.
    port
        Its port on 127.0.0.1.
    """

    cookie: str
    port: int

    def __post_init__(self) -> None:
        if not _NAME.match(self.cookie):
            msg = f"backend cookie {self.cookie!r} is not of the form w<number>-<hex>"
            raise ValueError(msg)

    @property
    def upstream(self) -> str:
        """The name of its nginx upstream group (its name without the start: ``w1``)."""
        return self.cookie.split("-", 1)[0]


@dataclass(frozen=True)
class ProxyOptions:
    """Where and how the proxy listens.

    Attributes
    ----------
    run_folder
        Folder of the generated configuration, the logs and nginx's temporary folders.
    host, port
        The address the proxy listens on.
    tls_cert, tls_key
        The operator's certificate (chain) and private key, PEM files; both or neither.
    passphrase_file
        An htpasswd file (:func:`write_passphrase`): when given, every request needs it.
    """

    run_folder: Path
    host: str = "127.0.0.1"
    port: int = 8501
    tls_cert: Path | None = None
    tls_key: Path | None = None
    passphrase_file: Path | None = None

    def __post_init__(self) -> None:
        if (self.tls_cert is None) != (self.tls_key is None):
            msg = "give both --tls-cert and --tls-key (the certificate and its private key), or neither"
            raise ValueError(msg)

    @property
    def tls(self) -> bool:
        """Whether the proxy speaks HTTPS."""
        return self.tls_cert is not None

    @property
    def url(self) -> str:
        """The address people open."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"


def find_nginx() -> str | None:
    """The nginx binary: on the PATH, or in /usr/sbin (not on an ordinary user's PATH on Debian)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")


def max_upload_bytes() -> int:
    """Largest request body the proxy lets through: the app's camera file limit and the multipart framing."""
    return int(settings.max_camera_file_mb * 1e6) + _MULTIPART_MARGIN_BYTES


def write_passphrase(path: Path, passphrase: str, *, user: str) -> None:
    """Write an htpasswd file for nginx's basic authentication: ``user`` and the salted SHA-1 of ``passphrase``.

    Only the operator may read it (mode 600); nginx reads the ``{SSHA}`` scheme on every platform.
    """
    if not passphrase or "\n" in passphrase:
        msg = "the passphrase must be one non-empty line"
        raise ValueError(msg)
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", user):
        msg = f"user name {user!r}: use letters, digits, '.', '_' or '-'"
        raise ValueError(msg)
    salt = secrets.token_bytes(8)
    digest = hashlib.sha1(passphrase.encode() + salt, usedforsecurity=True).digest()
    line = f"{user}:{{SSHA}}{base64.b64encode(digest + salt).decode()}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(line)


def _worker_connections() -> int:
    # a websocket holds two connections (browser and app); stay inside the open-file limit
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return max(256, min(4096, (soft if soft != resource.RLIM_INFINITY else 8192) // 2))


def _maps(backends: list[Backend], *, tls: bool) -> str:
    routes = "\n".join(f"        {b.cookie} {b.upstream};" for b in backends)
    answered = "\n".join(f"        ~127\\.0\\.0\\.1:{b.port}$ {b.cookie};" for b in backends)
    secure = "; Secure" if tls else ""
    return f"""
    # the browser's process, by its cookie; without one (or with a process that has since restarted) the pool
    map $cookie_{WORKER_COOKIE} $sticky {{
        default pool;
{routes}
    }}
    # the process that answered (the last address tried), as the cookie that leads back to it
    map $upstream_addr $answered_by {{
        default "";
{answered}
    }}
    map $answered_by $worker_cookie {{
        "" "";
        default "{WORKER_COOKIE}=$answered_by; Path=/; HttpOnly; SameSite=Lax{secure}";
    }}
    # a cookie only when the request came without a valid one
    map $sticky $set_cookie {{
        pool $worker_cookie;
        default "";
    }}
    map $http_upgrade $connection_upgrade {{
        default upgrade;
        "" close;
    }}
    # uploads in flight: per Streamlit session (its id is in the upload's path) and for everyone together
    map $uri $upload_session {{
        "~^/_stcore/upload_file/(?<session>[^/]+)/" $session;
        default "";
    }}
    map $uri $upload_any {{
        "~^/_stcore/upload_file/" uploads;
        default "";
    }}
    limit_conn_zone $upload_session zone=upload_session:1m;
    limit_conn_zone $upload_any zone=uploads:64k;
"""


def _upstreams(backends: list[Backend]) -> str:
    # passive health checks: a process that refuses a connection is left out of the pool for 10 s
    pool = "\n".join(f"        server 127.0.0.1:{b.port} max_fails=1 fail_timeout=10s;" for b in backends)
    singles = "".join(f"    upstream {b.upstream} {{\n        server 127.0.0.1:{b.port};\n    }}\n" for b in backends)
    return f"""
    upstream pool {{
        zone pool 64k;
        least_conn;
{pool}
    }}
{singles}"""


def _server(options: ProxyOptions) -> str:
    tls = ""
    if options.tls:
        tls = f"""
        ssl_certificate {options.tls_cert};
        ssl_certificate_key {options.tls_key};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:tls:1m;"""
    auth = ""
    if options.passphrase_file is not None:
        auth = f"""
        auth_basic "Surveillance exposure map";
        auth_basic_user_file {options.passphrase_file};"""
    host = f"[{options.host}]" if ":" in options.host else options.host
    common = f"""
            add_header {WORKER_HEADER} $answered_by always;
            add_header Referrer-Policy same-origin always;
            add_header X-Content-Type-Options nosniff always;"""
    return f"""
    server {{
        listen {host}:{options.port}{" ssl" if options.tls else ""};{tls}{auth}
        # no request body but an upload; the app never sees the passphrase
        client_max_body_size 64k;
        proxy_set_header Authorization "";
        proxy_set_header Host $http_host;
        proxy_set_header Upgrade $http_upgrade;
        proxy_set_header Connection $connection_upgrade;
        error_page 413 @too_large;
        # the failover's own failure (no process answers) goes to @down
        recursive_error_pages on;

        location / {{
            proxy_pass http://$sticky;
            # the browser's process is down or restarting: a running one takes the browser over
            error_page 502 504 = @failover;{common}
            add_header Set-Cookie $set_cookie always;
        }}
        location /_stcore/upload_file/ {{
            # over the app's camera file limit: refused here, before the app reads a byte
            client_max_body_size {max_upload_bytes()};
            # streamed to the app, which keeps uploads in memory: never written to the proxy's disk
            proxy_request_buffering off;
            # a few at once per session and for everyone: the rest are refused, naming the limit
            limit_conn upload_session {settings.max_session_uploads_at_once};
            limit_conn uploads {settings.max_uploads_at_once};
            limit_conn_status 429;
            limit_conn_log_level info;
            # (a location's error_page drops the server's: the size limit's is repeated here)
            error_page 413 @too_large;
            error_page 429 @too_many_uploads;
            proxy_pass http://$sticky;{common}
        }}
        location @failover {{
            proxy_pass http://pool;
            # every process is down (all restarting at once): say so plainly instead of nginx's error page
            error_page 502 504 = @down;{common}
            add_header Set-Cookie $worker_cookie always;
        }}
        location @down {{
            default_type text/plain;
            add_header Retry-After 5 always;
            return 503 "The server is restarting. Reload this page in a few seconds.\n";
        }}
        location @too_many_uploads {{
            default_type text/plain;
            add_header Retry-After 10 always;
            return 429 "Too many uploads at once: at most {settings.max_session_uploads_at_once} per session \
(exposure.settings.max_session_uploads_at_once) and {settings.max_uploads_at_once} for everyone \
(exposure.settings.max_uploads_at_once). Try again in a few seconds.\\n";
        }}
        location @too_large {{
            default_type text/plain;
            return 413 "Too large: the limit is {settings.max_camera_file_mb:g} MB for a camera file \
(exposure.settings.max_camera_file_mb) and 64 KiB for anything else.\\n";
        }}
    }}
"""


def nginx_conf(options: ProxyOptions, backends: list[Backend]) -> str:
    """The whole nginx configuration for ``backends`` behind ``options``' address.

    Sticky sessions: a browser without a valid :data:`WORKER_COOKIE` goes to the least busy
    process (least open connections, that is, sessions), which gives it the cookie; with one,
    it goes to that process, so its page, its websocket and its uploads meet one Streamlit
    session. When that process is down (refused or timed out), the pool takes over and the
    cookie changes. Logs hold no query string, referrer, address or agent: a shared route link
    carries places in its query, and errors (which nginx logs with the request line) are not
    logged below ``crit``. No body or response is written to disk.
    """
    if not backends:
        msg = "at least one app process is needed behind the proxy"
        raise ValueError(msg)
    run = options.run_folder.resolve()
    # started as root, nginx's worker would run as nobody, who cannot read the run folder's files
    user = "user root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(f"    {kind}_temp_path {run / 'tmp' / kind};"
                     for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""# Written by `make serve` (serve/supervisor.py) on every start and restart; edits are overwritten.
{user}worker_processes 1;
# after a reload (each time a process restarts) the old worker closes its websockets within 2 min; their
# browsers reconnect at once to the same process and session, and no old worker is left behind
worker_shutdown_timeout 2m;
pid {run / 'nginx.pid'};
# errors are logged with their request line (and so a route link's places): only critical ones are kept
error_log {run / 'logs' / 'error.log'} crit;

events {{
    worker_connections {_worker_connections()};
}}

http {{
    server_tokens off;
    default_type application/octet-stream;
    log_format private '$time_iso8601 $status $request_method $uri $body_bytes_sent $request_time $upstream_addr';
    access_log {run / 'logs' / 'access.log'} private;
{temp}
    # answers (a route's GPX, a plan's PDF) pass through memory, never a temporary file
    proxy_max_temp_file_size 0;
    proxy_http_version 1.1;
    proxy_connect_timeout 2s;
    # Streamlit's websocket stays open while the tab does (the app pings it)
    proxy_read_timeout 1h;
    proxy_send_timeout 1h;
{_maps(backends, tls=options.tls)}{_upstreams(backends)}{_server(options)}}}
"""
