"""Tell a user whose ``make serve`` process restarted, once, what was lost with it and what was kept.

``make serve``'s proxy ties each browser to one app process by a cookie naming the
process and its start (``w1-3fa9c2``), and every process knows its own from the
environment (``serve.supervisor.WORKER_ENV``). When a process dies, its browsers
reconnect to a running one, still carrying the old cookie: the first run of their new
session sees a cookie that is not this process's start, and says so.
"""

from __future__ import annotations

import os

import streamlit as st

from serve.nginx import WORKER_COOKIE
from serve.supervisor import WORKER_ENV

__all__ = ["NOTICE", "RESTARTED", "restart_notice", "restarted"]

#: How the notice starts (tests look for it).
RESTARTED = "**The server restarted.**"
#: What the notice says was lost and what was kept.
NOTICE = (f"{RESTARTED} The app process that held your session stopped (it was restarted, or stopped answering), "
          "and this page now runs on another. Lost with it: what it held in memory for you — camera files you "
          "uploaded, a plan being made, routes and results worked out (the page address's `s=` key no longer finds "
          "them). Kept: what the page address holds (the dataset, the policies, a route link's places) and every "
          "file you downloaded: a plan file loads back on the *Protest plan* page, a camera file on *Camera data*.")
# session-state key: the notice was considered for this session (it is said at most once)
_SEEN = "restart_seen"


def restarted(mine: str | None, theirs: str | None) -> bool:
    """Whether a browser whose cookie says ``theirs`` lost its process, seen from the process ``mine``.

    Not under ``make serve`` (``mine`` unknown), or a first visit (no cookie): no.
    """
    return bool(mine) and bool(theirs) and theirs != mine


def restart_notice() -> None:
    """Once per session, at its first run: say that the server restarted if this browser's process did."""
    if st.session_state.get(_SEEN):
        return
    st.session_state[_SEEN] = True
    theirs = st.context.cookies.get(WORKER_COOKIE)
    if restarted(os.environ.get(WORKER_ENV), theirs if isinstance(theirs, str) else None):
        st.warning(NOTICE)
