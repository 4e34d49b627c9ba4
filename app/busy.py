"""Many users on one instance: a visible, bounded wait when a process is busy, and limits on heavy jobs and uploads.

Three limits, each a setting of :mod:`exposure.settings` that its refusal names:

- **page answers** (:func:`gate`): one app process works on at most
  ``max_concurrent_requests`` answers at once; a request beyond them waits its turn,
  first come first served, its page saying "busy, your answer is coming" and how many
  are ahead, for at most ``max_request_wait_s``; then it says the server is busy and stops;
- **heavy jobs** (:func:`heavy_job`: batches, dataset builds, route cards, long plans):
  at most ``max_heavy_jobs`` on the whole instance (slots are files locked with
  ``flock`` in the cache folder, which every process of ``make serve`` shares, and which
  the system frees when a process dies), waiting at most ``max_heavy_wait_s`` for one,
  and ``max_session_heavy_jobs`` per browser (all its tabs);
- **uploads** (:func:`upload_allowed`): what one session's uploaded files hold at once,
  ``max_session_upload_mb`` (``make serve``'s proxy also bounds uploads in flight).

A refusal is a warning that starts with :data:`REFUSED` (the load client counts those
apart from errors); a wait shows a notice that starts with :data:`BUSY`.
"""

from __future__ import annotations

import contextlib
import contextvars
import fcntl
import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app.text import md
from exposure import settings

__all__ = [
    "BUSY",
    "REFUSED",
    "Gate",
    "HeavySlots",
    "browser_key",
    "gate",
    "heavy_job",
    "heavy_slots",
    "page_slots",
    "refuse",
    "upload_allowed",
    "upload_refusal",
]

#: How a page's notice of a wait starts.
BUSY = "**Busy — your answer is coming.**"
#: How every refusal starts (the load client counts these apart from errors).
REFUSED = "**Refused — the server is busy.**"
# session-state key: the sizes of the files this session's uploaders hold, by uploader
_UPLOADS = "busy_uploads"
# how often a waiting page says how long it has waited (and lets a new run of its session stop the wait)
_TICK_S = 1.0


class _Slot:
    """Whether this page run holds one of its process's answer slots (a heavy job hands it back while it runs)."""

    def __init__(self) -> None:
        self.held = False


_SLOT: contextvars.ContextVar[_Slot | None] = contextvars.ContextVar("busy_slot", default=None)


class Gate:
    """Slots handed out first come, first served, with a bounded wait (thread-safe; one per process).

    Parameters
    ----------
    slots
        How many holders at once.
    """

    def __init__(self, slots: int) -> None:
        self.slots = max(1, int(slots))
        self._busy = 0
        self._queue: deque[object] = deque()
        self._cond = threading.Condition()

    @property
    def busy(self) -> int:
        """Slots held now."""
        return self._busy

    @property
    def waiting(self) -> int:
        """Requests waiting now."""
        return len(self._queue)

    def try_acquire(self) -> bool:
        """Take a slot if one is free and nobody waits for it (never blocks)."""
        with self._cond:
            if self._queue or self._busy >= self.slots:
                return False
            self._busy += 1
            return True

    def acquire(self, *, timeout_s: float, tick: Callable[[int, float], None] | None = None,
                tick_s: float = _TICK_S) -> bool:
        """Wait for a slot, in turn, at most ``timeout_s``; whether one was taken.

        ``tick(ahead, waited_s)`` is called about every ``tick_s`` while waiting, outside the
        lock; an exception it raises (the page's run was stopped) gives up the place in the queue.
        """
        ticket = object()
        started = time.monotonic()
        with self._cond:
            self._queue.append(ticket)
        try:
            while True:
                with self._cond:
                    if self._queue[0] is ticket and self._busy < self.slots:
                        self._queue.popleft()
                        self._busy += 1
                        self._cond.notify_all()
                        return True
                    waited = time.monotonic() - started
                    if waited >= timeout_s:
                        return False
                    ahead = self._queue.index(ticket) + self._busy - self.slots + 1
                    self._cond.wait(min(tick_s, timeout_s - waited))
                if tick is not None:
                    tick(max(1, ahead), time.monotonic() - started)
        finally:
            with self._cond:
                if ticket in self._queue:
                    self._queue.remove(ticket)
                    self._cond.notify_all()

    def release(self) -> None:
        """Give a slot back."""
        with self._cond:
            self._busy = max(0, self._busy - 1)
            self._cond.notify_all()


class HeavySlots:
    """The instance's heavy-job slots: ``slots`` files in ``folder``, each held by an exclusive ``flock``.

    Every process of the instance that uses the same folder shares them; the system
    releases a dead process's locks, so a crash never leaks a slot.
    """

    def __init__(self, folder: Path, slots: int) -> None:
        self.folder, self.slots = folder, max(1, int(slots))

    def try_acquire(self) -> IO[bytes] | None:
        """An open, locked slot file (close it to give the slot back), or None when every slot is taken."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for i in range(self.slots):
            handle = (self.folder / f"slot-{i}.lock").open("ab")
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.close()
                continue
            return handle
        return None

    def held(self) -> int:
        """How many slots are taken now (by any process)."""
        taken = 0
        for i in range(self.slots):
            path = self.folder / f"slot-{i}.lock"
            if not path.exists():
                continue
            with path.open("ab") as handle:
                try:
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    taken += 1
                else:
                    fcntl.flock(handle, fcntl.LOCK_UN)
        return taken


@st.cache_resource(show_spinner=False)
def _page_gate(slots: int) -> Gate:
    return Gate(slots)


def page_slots() -> Gate:
    """The slots for page answers of this process (``max_concurrent_requests`` of them)."""
    return _page_gate(settings.max_concurrent_requests)


def heavy_slots() -> HeavySlots:
    """The instance's heavy-job slots (``max_heavy_jobs`` files in ``<cache_folder>/jobs``)."""
    return HeavySlots(Path(settings.cache_folder) / "jobs", settings.max_heavy_jobs)


@st.cache_resource(show_spinner=False)
def _jobs_by_browser() -> tuple[threading.Lock, dict[str, int]]:
    return threading.Lock(), {}


def refuse(text: str) -> None:
    """Say that a request is refused, naming its limit (a warning: the user did nothing wrong)."""
    st.warning(f"{REFUSED} {text}")


def browser_key() -> str:
    """A key for this browser (all its tabs), never its cookie itself; this session's id without cookies."""
    xsrf = st.context.cookies.get("_streamlit_xsrf")
    if isinstance(xsrf, str) and xsrf:
        return "b:" + hashlib.sha256(xsrf.encode()).hexdigest()[:32]
    ctx = get_script_run_ctx()
    return "s:" + (ctx.session_id if ctx is not None else "none")


@contextlib.contextmanager
def gate(what: str) -> Iterator[None]:
    """Work on a page's answer in one of this process's ``max_concurrent_requests`` slots.

    When none is free the page says it is busy (how many are ahead, how long it waited)
    until its turn comes; after ``max_request_wait_s`` it says the server is busy and the
    run stops there. ``what`` says what the answer is (shown while it waits).
    """
    if _SLOT.get() is not None:  # already in a slot (a gated part of a gated page)
        yield
        return
    slots = page_slots()
    if not slots.try_acquire():
        _wait_for_slot(slots, what)
    slot = _Slot()
    slot.held = True
    token = _SLOT.set(slot)
    try:
        yield
    finally:
        _SLOT.reset(token)
        if slot.held:
            slots.release()


def _wait_for_slot(slots: Gate, what: str) -> None:
    """Wait for an answer slot, saying so; refuse and stop the run after ``max_request_wait_s``."""
    notice = st.empty()

    def tick(ahead: int, waited_s: float) -> None:
        notice.info(f"{BUSY} {md(what)} {ahead} request(s) ahead of yours; waited {waited_s:.0f} s of at most "
                    f"{settings.max_request_wait_s:g} s.")

    tick(slots.waiting + 1, 0.0)
    if not slots.acquire(timeout_s=settings.max_request_wait_s, tick=tick):
        notice.empty()
        refuse(f"Every one of this server's {slots.slots} answer slots stayed taken for "
               f"{settings.max_request_wait_s:g} s (exposure.settings.max_concurrent_requests, "
               "max_request_wait_s). Ask again in a minute: nothing you chose is lost.")
        st.stop()
    notice.empty()


@contextlib.contextmanager
def _slot_handed_back() -> Iterator[None]:
    """While a heavy job runs, its page's answer slot serves others (the job has the instance's slots)."""
    slot = _SLOT.get()
    if slot is None or not slot.held:
        yield
        return
    slots = page_slots()
    slots.release()
    slot.held = False
    try:
        yield
    finally:
        if not slots.try_acquire():  # the rest of the page, after the job: in its turn again
            _wait_for_slot(slots, "The rest of the page is drawn as soon as the server is free.")
        slot.held = True


@contextlib.contextmanager
def _browser_job(kind: str) -> Iterator[None]:
    lock, counts = _jobs_by_browser()
    me = browser_key()
    with lock:
        running = counts.get(me, 0)
        if running >= settings.max_session_heavy_jobs:
            refuse(f"You already run {running} heavy job(s) (route cards, a batch, a dataset build or a long plan), "
                   f"the most one browser may run at once (exposure.settings.max_session_heavy_jobs = "
                   f"{settings.max_session_heavy_jobs}). Ask for the {md(kind)} again once it is done.")
            st.stop()
        counts[me] = running + 1
    try:
        yield
    finally:
        with lock:
            counts[me] -= 1
            if counts[me] <= 0:
                del counts[me]


@contextlib.contextmanager
def heavy_job(kind: str) -> Iterator[None]:
    """Run a heavy job (``kind``: "route cards", "batch"…) in one of the instance's slots, or refuse it.

    A browser that already runs ``max_session_heavy_jobs`` is refused at once; otherwise the
    job waits for one of the instance's ``max_heavy_jobs`` slots, its page saying so, at most
    ``max_heavy_wait_s``, and is refused after that. Every refusal names its limit and stops
    the run there. While the job runs, the page's answer slot (:func:`gate`) serves others.
    """
    with _browser_job(kind), _slot_handed_back():
        slots = heavy_slots()
        held: IO[bytes] | None
        try:
            held = slots.try_acquire() or _wait_for_heavy(slots, kind)
        except OSError:  # no writable cache folder (a read-only install): the per-browser limit alone holds
            held = None
        try:
            yield
        finally:
            if held is not None:
                with contextlib.suppress(OSError):
                    held.close()


def _wait_for_heavy(slots: HeavySlots, kind: str) -> IO[bytes]:
    notice = st.empty()
    started = time.monotonic()
    while True:
        waited = time.monotonic() - started
        notice.info(f"{BUSY} {slots.slots} heavy job(s) are running on this server, the most it runs at once "
                    f"(exposure.settings.max_heavy_jobs); your {md(kind)} starts when one ends (waited "
                    f"{waited:.0f} s of at most {settings.max_heavy_wait_s:g} s).")
        held = slots.try_acquire()
        if held is not None:
            notice.empty()
            return held
        if waited >= settings.max_heavy_wait_s:
            notice.empty()
            refuse(f"The {md(kind)} waited {settings.max_heavy_wait_s:g} s (exposure.settings.max_heavy_wait_s) for "
                   f"one of the {slots.slots} heavy jobs this server runs at once (exposure.settings.max_heavy_jobs). "
                   "Ask again in a few minutes: nothing you chose is lost.")
            st.stop()
        time.sleep(_TICK_S)


def upload_refusal(key: str, file: Any) -> str | None:
    """Why this session may not hold ``file`` (an upload, or None) in uploader ``key``, or None when it may.

    The files a session's uploaders hold together may take ``max_session_upload_mb``; the
    refusal starts with :data:`REFUSED` and names the limit (show it with ``st.warning``).
    """
    held: dict[str, int] = st.session_state.setdefault(_UPLOADS, {})
    if file is None:
        held.pop(key, None)
        return None
    size = int(getattr(file, "size", 0) or len(file.getvalue()))
    others = sum(v for k, v in held.items() if k != key)
    if others + size > settings.max_session_upload_mb * 1e6:
        held.pop(key, None)
        return (f"{REFUSED} {md(getattr(file, 'name', 'this file'))} ({size / 1e6:.1f} MB) would bring your uploads "
                f"to {(others + size) / 1e6:.1f} MB, over the {settings.max_session_upload_mb:g} MB one session may "
                "hold (exposure.settings.max_session_upload_mb). Remove a file you no longer need first.")
    held[key] = size
    return None


def upload_allowed(key: str, file: Any) -> bool:
    """Whether this session may hold ``file`` in uploader ``key`` (:func:`upload_refusal`); says why not."""
    refusal = upload_refusal(key, file)
    if refusal is not None:
        st.warning(refusal)
    return refusal is None
