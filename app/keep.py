"""What a browser session keeps across a page reload (uploads, plans, results), in this app's memory only.

Streamlit starts a new session when the page is reloaded, and ``st.session_state``
starts empty. A session that has something worth keeping (cameras it uploaded, a
plan it is making, routes it worked out: the memory keys of :mod:`app.page_state`)
gets a random key, put in the page address as ``s=…``; what it keeps is stored
under that key in this server process's memory — never on disk — and found again
when a reload (or the same address in another tab) starts a new session. Entries
expire after :data:`KEEP_FOR_S` without use, and the store holds at most
:data:`MAX_SESSIONS` entries and :data:`MAX_KEPT_MB` in all (the least recently
used go first). Whoever opens an address with the key (on this machine: the app
listens on 127.0.0.1) sees the same uploads until they expire, so every link the
app offers to share leaves the key out (:func:`shareable`).
"""

from __future__ import annotations

import pickle
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pandas as pd
import streamlit as st

__all__ = [
    "KEEP_FOR_S",
    "MAX_KEPT_MB",
    "MAX_SESSIONS",
    "TOKEN",
    "SessionStore",
    "adopt",
    "drop",
    "kept",
    "restore",
    "save",
    "shareable",
    "store",
    "token",
]

#: The page address parameter that carries a session's key.
TOKEN = "s"
#: How long an entry is kept after its last use, in seconds.
KEEP_FOR_S = 2 * 3600.0
#: Most sessions kept at once, and most memory all of them may hold (the least recently used go first).
MAX_SESSIONS, MAX_KEPT_MB = 100, 512.0
_TOKEN_FORM = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
# session-state keys: this session's key, whether the address's key was already looked up, and what to say
_MINE, _LOOKED_UP, _EXPIRED = "keep_token", "keep_looked_up", "keep_expired"


def _size(value: Any) -> int:
    """Bytes a kept value holds, roughly (data frames by their memory use, the rest as pickled)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, Mapping):
        return sum(_size(k) + _size(v) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return sum(_size(v) for v in value) + 8 * len(value)
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    except (pickle.PicklingError, TypeError, AttributeError):
        return 1024


@dataclass
class _Entry:
    values: dict[str, Any]
    sizes: dict[str, int]
    used: float


class SessionStore:
    """A bounded, expiring, thread-safe map from a session's key to what it keeps (in memory only)."""

    def __init__(self, *, keep_for_s: float = KEEP_FOR_S, max_sessions: int = MAX_SESSIONS,
                 max_bytes: float = MAX_KEPT_MB * 1e6, clock: Callable[[], float] = time.monotonic) -> None:
        self.keep_for_s, self.max_sessions, self.max_bytes = keep_for_s, max_sessions, max_bytes
        self._clock = clock
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def new_token() -> str:
        """A fresh key: 144 random bits, as URL-safe text."""
        return secrets.token_urlsafe(18)

    def __len__(self) -> int:
        with self._lock:
            self._expire()
            return len(self._entries)

    @property
    def bytes(self) -> int:
        """Bytes held by every entry, roughly."""
        with self._lock:
            return sum(sum(e.sizes.values()) for e in self._entries.values())

    def get(self, token: str) -> dict[str, Any] | None:
        """What ``token`` keeps (a copy of the mapping, the values themselves), or None when unknown or expired."""
        with self._lock:
            self._expire()
            entry = self._entries.get(token)
            if entry is None:
                return None
            entry.used = self._clock()
            self._entries.move_to_end(token)
            return dict(entry.values)

    def put(self, token: str, name: str, value: Any) -> None:
        """Keep ``value`` as ``name`` for ``token``; then drop the least recently used entries past the bounds."""
        size = _size(value)
        with self._lock:
            self._expire()
            entry = self._entries.setdefault(token, _Entry({}, {}, self._clock()))
            entry.values[name], entry.sizes[name], entry.used = value, size, self._clock()
            self._entries.move_to_end(token)
            total = sum(sum(e.sizes.values()) for e in self._entries.values())
            while self._entries and (len(self._entries) > self.max_sessions or total > self.max_bytes):
                _, gone = self._entries.popitem(last=False)
                total -= sum(gone.sizes.values())

    def drop(self, token: str, name: str) -> None:
        """Forget ``name`` for ``token`` (and the entry, once it keeps nothing)."""
        with self._lock:
            entry = self._entries.get(token)
            if entry is None:
                return
            entry.values.pop(name, None)
            entry.sizes.pop(name, None)
            if not entry.values:
                del self._entries[token]

    def _expire(self) -> None:
        cutoff = self._clock() - self.keep_for_s
        while self._entries:
            oldest = next(iter(self._entries))
            if self._entries[oldest].used >= cutoff:
                break
            del self._entries[oldest]


@st.cache_resource(show_spinner=False)
def store() -> SessionStore:
    """The one store of this server process, shared by every session (each reads only its own key)."""
    return SessionStore()


def token() -> str | None:
    """The key of what this session keeps, if it keeps anything (the address's, once adopted)."""
    adopt()
    return st.session_state.get(_MINE)


def adopt() -> None:
    """Once per session: adopt the address's key, so that a reload finds what the session kept.

    A key of the wrong form, or one no longer kept (expired, or the app was
    restarted), is dropped from the address, and :func:`restore` says so.
    """
    if st.session_state.get(_LOOKED_UP):
        return
    st.session_state[_LOOKED_UP] = True
    asked = st.query_params.get(TOKEN)
    if not asked:
        return
    if _TOKEN_FORM.match(asked) and store().get(asked) is not None:
        st.session_state[_MINE] = asked
        return
    del st.query_params[TOKEN]
    st.session_state[_EXPIRED] = (
        "The page address carried the key of an earlier session, whose uploads, plans and results are no longer "
        f"kept: they are forgotten {KEEP_FOR_S / 3600:g} h after their last use, or when the app restarts. "
        "Upload them again.")


def restore() -> str | None:
    """Adopt the address's key (:func:`adopt`); once, a note for the user when it was no longer kept, else None."""
    adopt()
    return st.session_state.pop(_EXPIRED, None)  # type: ignore[no-any-return]


def kept(name: str) -> Any:
    """What this session keeps as ``name`` (after a reload too), or None."""
    mine = token()
    if mine is None:
        return None
    values = store().get(mine)
    return None if values is None else values.get(name)


def save(name: str, value: Any, *, start: bool = True) -> None:
    """Keep ``value`` as ``name`` for this session, across reloads.

    Without a key yet, one is made (and put in the page address) only when
    ``start`` is true: a session that keeps nothing worth keeping gets none.
    """
    mine = token()
    if mine is None:
        if not start:
            return
        mine = st.session_state[_MINE] = store().new_token()
    store().put(mine, name, value)
    if st.query_params.get(TOKEN) != mine:
        st.query_params[TOKEN] = mine


def drop(name: str) -> None:
    """Stop keeping ``name`` for this session."""
    mine = token()
    if mine is not None:
        store().drop(mine, name)


def shareable(url: str | None, params: Mapping[str, str | list[str]]) -> str:
    """A link to share: ``url`` with the page's parameters, without the session's key.

    ``url`` is the page's address without its query (``st.context.url``); when
    it is unknown the link is the query alone (``?origin=…``).
    """
    query = urlencode({k: v for k, v in params.items() if k != TOKEN}, doseq=True)
    return f"{url or ''}?{query}" if query else (url or "")
