"""Many users on one instance: the dashboard's processes behind nginx, sticky by cookie, kept running.

``make serve`` (``python -m serve``) starts one app process per core behind a reverse proxy from
the distribution (nginx), each browser held to one process by a cookie, and restarts a process
that dies or stops answering. ``make run`` stays the one-user command.
"""

from __future__ import annotations

from serve.nginx import (
    INSTALL_HINT,
    WORKER_COOKIE,
    WORKER_HEADER,
    Backend,
    ProxyOptions,
    find_nginx,
    max_upload_bytes,
    nginx_conf,
    write_passphrase,
)
from serve.supervisor import PASSPHRASE_ENV, WORKER_ENV, ServeOptions, Supervisor, Worker, default_processes, main

__all__ = [
    "INSTALL_HINT",
    "PASSPHRASE_ENV",
    "WORKER_COOKIE",
    "WORKER_ENV",
    "WORKER_HEADER",
    "Backend",
    "ProxyOptions",
    "ServeOptions",
    "Supervisor",
    "Worker",
    "default_processes",
    "find_nginx",
    "main",
    "max_upload_bytes",
    "nginx_conf",
    "write_passphrase",
]
