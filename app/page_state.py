"""One way for every page to keep its state (choices, uploads, results) across pages, reloads and links.

Streamlit forgets a widget's value whenever a run does not draw it: another page,
the browser's Back, a reload. A page therefore declares its keys once, each with
where it is kept, and calls :meth:`PageState.restore` before drawing its widgets:

- :func:`address` keys (places, choices: what a link should carry) are read from
  the page address when a session first opens the page and written back to it on
  every run, so a reload or a shared link shows the same thing;
- :func:`memory` keys (uploads, results, plans: what must never be in a link) are
  kept in this app's memory under the session's key (:mod:`app.keep`, the ``s=``
  address parameter), so a reload finds them again;
- :func:`session` keys last as long as the browser session, across pages only.

Every declared key also survives a visit to another page: its value lives under a
key of its own (not a widget key, so Streamlit never drops it) and the widget is
seeded from it. A key's name is its widget key; read and set values through the
:class:`PageState` (``STATE["rp_origin"]``, ``STATE["mt_result"] = ...``), or
read ``st.session_state`` as before: after :meth:`~PageState.restore` both agree.
A file uploader cannot be seeded, so an ``upload=True`` key keeps the file's name
and bytes and :meth:`PageState.upload` gives the file in the uploader, or else the
one kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import streamlit as st
from streamlit.errors import StreamlitAPIException

from app import keep

if TYPE_CHECKING:
    from streamlit.runtime.uploaded_file_manager import UploadedFile

__all__ = [
    "KeptFile",
    "Key",
    "PageState",
    "Where",
    "address",
    "int_between",
    "memory",
    "one_of",
    "remember_all",
    "session",
    "set_address",
]

#: Where a key's value is kept beyond the page's own runs (see the module's docstring).
Where = Literal["address", "memory", "session"]

#: Session-state key of every group's record (not a widget key, so Streamlit never drops it).
STORE = "page_state"


def _as_text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True)
class Key:
    """One kept value of a page: its session-state (and widget) key, its default and where it is kept.

    ``param`` is the address parameter of an ``address`` key; ``parse`` turns the
    address's text into the value (raising ``ValueError`` — with a message for the
    user, or an empty one to fall back silently — when the text is not valid), and
    ``show`` turns the value into the address's text (None: not in the address;
    ``show=None`` itself: another key writes the parameter). ``only_if`` names a
    key of the same page whose value must be true for this one to be written.
    ``upload`` marks a file uploader's key (kept as :class:`KeptFile`).
    """

    name: str
    default: Any = None
    where: Where = "session"
    param: str | None = None
    parse: Callable[[str], Any] = str
    show: Callable[[Any], str | None] | None = _as_text
    only_if: str | None = None
    upload: bool = False


def address(name: str, default: Any = None, *, param: str, parse: Callable[[str], Any] = str,
            show: Callable[[Any], str | None] | None = _as_text, only_if: str | None = None) -> Key:
    """A key shared by the page address (``param``): a link or a reload shows the same."""
    return Key(name, default, "address", param=param, parse=parse, show=show, only_if=only_if)


def memory(name: str, default: Any = None, *, upload: bool = False) -> Key:
    """A key kept in this app's memory for the session, across reloads too (never in a link)."""
    return Key(name, default, "memory", upload=upload)


def session(name: str, default: Any = None) -> Key:
    """A key kept for the browser session, across pages (a reload starts afresh)."""
    return Key(name, default, "session")


def one_of(options: Iterable[str]) -> Callable[[str], str]:
    """An address reader for a choice among ``options``: anything else falls back to the key's default, silently."""
    allowed = tuple(options)

    def parse(text: str) -> str:
        if text not in allowed:
            raise ValueError  # a link someone typed: the default, silently
        return text
    return parse


def int_between(low: int, high: int) -> Callable[[str], int]:
    """An address reader for a whole number, brought within ``low``..``high`` (text that is no number: the default)."""
    def parse(text: str) -> int:
        try:
            return min(high, max(low, int(float(text))))
        except (ValueError, OverflowError):  # "many", nan, inf: the default, silently
            raise ValueError from None
    return parse


@dataclass(frozen=True)
class KeptFile:
    """An uploaded file as kept: its name and bytes (read like Streamlit's ``UploadedFile``)."""

    name: str
    data: bytes = field(repr=False)

    @property
    def size(self) -> int:
        """Bytes in the file."""
        return len(self.data)

    def getvalue(self) -> bytes:
        """The file's bytes."""
        return self.data


@dataclass
class _Group:
    """What a session keeps of one page: the values, notes about its address, and bookkeeping."""

    keys: tuple[Key, ...]
    values: dict[str, Any]
    notes: list[str]
    seen: dict[str, str | None] = field(default_factory=dict)  # the file id each uploader held last run
    pending: set[str] = field(default_factory=set)  # set after their widget was drawn: seed it next run
    saved: dict[str, Any] | None = None  # what the memory store holds, to save only changes


def _store() -> dict[str, _Group]:
    return st.session_state.setdefault(STORE, {})  # type: ignore[no-any-return]


def _copy(value: Any) -> Any:
    """A shallow copy of a list, set or dict (their owner may change them in place), else the value."""
    return type(value)(value) if isinstance(value, (list, set, dict)) else value


def _same(a: Any, b: Any) -> bool:
    """Whether two kept values are the same: plain data by equality, anything else (frames…) by identity."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return isinstance(a, (str, int, float, bool, set, frozenset, KeptFile)) and bool(a == b)


def set_address(**params: str | None) -> None:
    """Set (or, for None, remove) parameters of the page address, touching only those that change.

    Every change of the address is a step in the browser's history, so an unchanged
    value is never written again: Back then steps through real changes, not reruns.
    """
    changed = {k: v for k, v in params.items() if v is not None and st.query_params.get(k) != v}
    if changed:
        st.query_params.update(changed)
    for k in [k for k, v in params.items() if v is None and k in st.query_params]:
        del st.query_params[k]


class PageState:
    """The keys one page (or the sidebar) keeps, declared once; see the module's docstring.

    Parameters
    ----------
    group
        A name of its own (``"rp"``, ``"side"``): what the session and the memory store keep it under.
    keys
        The page's keys, made with :func:`address`, :func:`memory` and :func:`session`.
    """

    def __init__(self, group: str, keys: Iterable[Key]) -> None:
        self.group = group
        self.keys = tuple(keys)
        self._by_name = {k.name: k for k in self.keys}
        if len(self._by_name) != len(self.keys):
            msg = f"page state {group!r} declares a key twice"
            raise ValueError(msg)

    # ------------------------------------------------------------------ reading an address

    def from_address(self, query: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
        """The values of the address keys that ``query`` carries, and a note for each it carries badly.

        A value the address does not carry, or carries in a form its key cannot read,
        is left out (the key keeps its default); a key that can say why adds a note.
        """
        values: dict[str, Any] = {}
        notes: list[str] = []
        for key in self.keys:
            if key.where != "address" or key.param is None or key.param not in query:
                continue
            try:
                values[key.name] = key.parse(query[key.param])
            except (ValueError, OverflowError) as err:
                if str(err) and str(err) not in notes:
                    notes.append(str(err))
        return values, notes

    # ------------------------------------------------------------------ the session's record

    def _record(self) -> _Group:
        """The session's record of the page, made on first use: memory keys as kept, address keys as asked."""
        groups = _store()
        record = groups.get(self.group)
        if record is None:
            values = {k.name: _copy(k.default) for k in self.keys}
            kept = keep.kept(self.group) or {}
            values.update({k.name: _copy(kept[k.name]) for k in self.keys if k.where == "memory" and k.name in kept})
            asked, notes = self.from_address(st.query_params)
            values.update(asked)
            record = groups[self.group] = _Group(self.keys, values, notes, saved=kept or None)
        else:  # this run's declaration (its readers may use this run's dataset; the code may have changed)
            record.keys = self.keys
            for key in self.keys:
                record.values.setdefault(key.name, _copy(key.default))
        return record

    @property
    def notes(self) -> list[str]:
        """What the page address asked that could not be used (the page says these; it may clear them)."""
        return self._record().notes

    def __getitem__(self, name: str) -> Any:
        """A key's value (an upload key's: the kept file, or None)."""
        key = self._key(name)
        return self._record().values[key.name]

    def __setitem__(self, name: str, value: Any) -> None:
        """Set a key's value now: its widget shows it (at the next run if already drawn), and it is kept."""
        key, record = self._key(name), self._record()
        record.values[name] = value
        if not key.upload:
            try:
                st.session_state[name] = value
            except StreamlitAPIException:  # its widget was drawn in this run: seed it next run
                record.pending.add(name)
        _save(self.group, record)
        if key.where == "address":
            self._write_address(record)

    def _key(self, name: str) -> Key:
        try:
            return self._by_name[name]
        except KeyError:
            msg = f"page state {self.group!r} has no key {name!r}; declare it in the page's keys"
            raise KeyError(msg) from None

    # ------------------------------------------------------------------ each run

    def restore(self) -> PageState:
        """Call once per run before the page's widgets: seed them from what is kept, and keep what they hold.

        A widget the page drew last run holds the user's latest value: that is kept. A
        widget Streamlit dropped (another page ran, or this is a new session) is seeded
        from the value kept. Then the memory keys are saved (when they changed) and the
        address keys written to the page address.
        """
        record = self._record()
        _take_live(record, at_start=True)
        for key in self.keys:
            if not key.upload and key.name not in st.session_state:
                st.session_state[key.name] = record.values[key.name]
        _save(self.group, record)
        self._write_address(record)
        return self

    def remember(self) -> None:
        """Keep the values as they are now (e.g. before long work that a reload may interrupt)."""
        record = self._record()
        _take_live(record)
        _save(self.group, record)

    def upload(self, name: str) -> KeptFile | None:
        """The file in uploader ``name`` now, or else the one kept from before (after a page switch or reload)."""
        key = self._key(name)
        if not key.upload:
            msg = f"{name!r} is not an upload key of page state {self.group!r}"
            raise KeyError(msg)
        record = self._record()
        _take_upload(record, key)
        _save(self.group, record)
        return record.values[name]  # type: ignore[no-any-return]

    def _write_address(self, record: _Group) -> None:
        params: dict[str, str | None] = {}
        for key in self.keys:
            if key.where != "address" or key.param is None or key.show is None:
                continue
            wanted = key.only_if is None or bool(record.values.get(key.only_if))
            params[key.param] = key.show(record.values[key.name]) if wanted else None
        set_address(**params)


def _save(group: str, record: _Group) -> None:
    """Save the memory keys under the session's key when they changed since last saved."""
    kept = {k.name: record.values[k.name] for k in record.keys if k.where == "memory"}
    if not kept or (record.saved is not None and _same(kept, record.saved)):
        return
    if all(_same(kept[k.name], k.default) for k in record.keys if k.where == "memory"):
        keep.drop(group)  # back to its defaults: nothing worth keeping
    else:
        keep.save(group, {n: _copy(v) for n, v in kept.items()})  # a session gets its key only now
    record.saved = {n: _copy(v) for n, v in kept.items()}


def _take_upload(record: _Group, key: Key) -> None:
    """Keep the file an uploader holds; forget the kept one when the user removed it from the uploader."""
    if key.name not in st.session_state:  # a fresh uploader (another page ran, or a reload): the kept file stays
        record.seen[key.name] = None
        return
    live: UploadedFile | None = st.session_state[key.name]
    if live is None:
        if record.seen.get(key.name) is not None:  # it held a file last run: the user removed it
            record.values[key.name] = None
        record.seen[key.name] = None
    elif record.seen.get(key.name) != live.file_id:
        record.values[key.name] = KeptFile(str(live.name), live.getvalue())
        record.seen[key.name] = live.file_id


def _take_live(record: _Group, *, at_start: bool = False) -> None:
    """Copy what the widgets (and keys set directly) hold now into the record; uploads as files.

    At the start of a run (before any widget is drawn) each value is also written back
    under its key, and a value set after its widget was drawn is written there now.
    That write matters: a value written under a widget's key while the widget is not
    drawn stays in the session, and comes back as the key's value once Streamlit drops
    the widget (another page ran). Written on every run, it is never older than the
    widget's last value.
    """
    for key in record.keys:
        if key.upload:
            _take_upload(record, key)
        elif key.name in record.pending:
            if at_start:
                st.session_state[key.name] = record.values[key.name]
                record.pending.discard(key.name)
        elif key.name in st.session_state:
            record.values[key.name] = st.session_state[key.name]
            if at_start:
                st.session_state[key.name] = record.values[key.name]


def remember_all() -> None:
    """Keep what every page of this session holds now (the entry script calls this before each run's page).

    A widget the user changed just before moving to another page reaches only the run
    of that other page; Streamlit drops it at that run's end, so it is taken here.
    """
    for group, record in _store().items():
        _take_live(record, at_start=True)
        _save(group, record)
