"""What every page counts: the sidebar's choice, the cameras in use (the dataset's or uploaded), and the context.

The cameras in use always have the group's reviews laid over them
(:func:`exposure.review.reviewed_dataset` with the store of :mod:`app.reviews`):
cameras found gone leave every figure, cameras the group added join them, and the
verification policy ``group`` counts what the group verified. The overlaid
dataset is memoised by its cameras, so a run after a review that changed nothing
reuses everything, and one after a review that added a camera or changed one's
kind or direction measures coverage again only for that camera.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from app import cache, reviews
from app.page_state import PageState, memory
from app.text import md
from exposure._errors import DatasetError, ReviewError
from exposure.cameras import camera_extent
from exposure.coverage import coverage_words
from exposure.policies import verification_words
from exposure.review import reviewed_dataset

if TYPE_CHECKING:
    from exposure.cameras import CameraExtent
    from exposure.datasets import Dataset
    from exposure.routing import RoutingContext

__all__ = [
    "CAMERAS",
    "LOADED",
    "UPLOADED",
    "Choice",
    "active",
    "clear_uploaded",
    "counted_caption",
    "counted_key",
    "coverage_said",
    "forget_loaded",
    "loaded_file",
    "loaded_waiting",
    "outside_notice",
    "set_loaded",
    "set_uploaded",
    "try_active",
    "uploaded_cameras",
    "uploaded_source",
    "use_loaded",
]


@dataclass(frozen=True)
class Choice:
    """What the user chose to count (in the shared sidebar).

    ``coverage_model`` and ``level`` say what each camera sees (None: the defaults
    in force, ``settings.coverage_model`` at ``settings.coverage_level``);
    ``radius_m``, when given, overrides them with one disc for every camera.
    """

    dataset: str
    frt_policy: str
    verification: str
    radius_m: float | None
    coverage_model: str | None = None
    level: str | None = None


#: Session-state key of the uploaded cameras in use on every page (``cameras``, ``rejected``, ``source``, ``extent``).
UPLOADED = "uploaded_cameras"
#: Session-state key of the last file read on the Camera data page (in use or not), kept across pages.
LOADED = "cam_loaded"
#: The session's camera files, kept across pages and reloads (the sidebar restores them on every run).
CAMERAS = PageState("cameras", [memory(UPLOADED), memory(LOADED)])
# the dataset made with the uploaded cameras (its overlays and contexts memoised on it): made again after a reload
_MEMO = "uploaded_memo"


def set_uploaded(cameras: pd.DataFrame, rejected: pd.DataFrame, *, source: str,
                 extent: CameraExtent | None = None) -> None:
    """Switch this session to uploaded cameras (every page then counts them).

    ``extent`` is where the file looked for cameras (default: the box around them).
    """
    CAMERAS[UPLOADED] = {"cameras": cameras, "rejected": rejected, "source": source, "extent": extent}


def set_loaded(loaded: dict[str, Any]) -> None:
    """Show this camera file on the Camera data page (``cameras``, ``rejected``, ``source``, ``extent``, ``stamp``)."""
    CAMERAS[LOADED] = loaded


def forget_loaded() -> None:
    """Forget the camera file read on the Camera data page."""
    CAMERAS[LOADED] = None


def loaded_file() -> dict[str, Any] | None:
    """The last camera file read on the Camera data page (``cameras``, ``rejected``, ``source``, ``extent``)."""
    return CAMERAS[LOADED]  # type: ignore[no-any-return]


def loaded_waiting() -> dict[str, Any] | None:
    """A file read on the Camera data page but not yet in use on every page, if any."""
    loaded = loaded_file()
    if loaded is None or loaded["source"] == uploaded_source():
        return None
    return loaded


def use_loaded() -> None:
    """Use the file last read on the Camera data page on every page (a button's callback)."""
    loaded = loaded_file()
    if loaded is not None:
        set_uploaded(loaded["cameras"], loaded["rejected"], source=loaded["source"], extent=loaded.get("extent"))


def clear_uploaded() -> None:
    """Go back to the dataset's own cameras."""
    CAMERAS[UPLOADED] = None


def uploaded_source() -> str | None:
    """Name of the uploaded camera file in use, if any."""
    up = CAMERAS[UPLOADED]
    return None if up is None else str(up["source"])


def uploaded_cameras() -> tuple[pd.DataFrame, CameraExtent] | None:
    """The uploaded cameras in use and where their file looked, if any (not cut to a dataset's streets)."""
    up = CAMERAS[UPLOADED]
    if up is None:
        return None
    extent = up.get("extent") or camera_extent(up["cameras"], source=str(up["source"]))
    return up["cameras"], extent


def active(choice: Choice) -> tuple[Dataset, RoutingContext]:
    """The dataset and routing context every page should use for this choice.

    When the dataset cannot be loaded the page says so, naming it and why, and
    stops there: the sidebar still offers the other datasets.
    """
    found = try_active(choice)
    if found is None:
        st.stop()
    return found


def try_active(choice: Choice) -> tuple[Dataset, RoutingContext] | None:
    """:func:`active`, or None (after saying why) when the dataset cannot be loaded."""
    try:
        found = _active(choice)
    except DatasetError as err:
        others = [n for n in cache.choices() if n != choice.dataset]
        st.error(f"The dataset **{md(choice.dataset)}** cannot be loaded: {md(err)}. "
                 + ("Choose another in the sidebar (" + ", ".join(f"**{md(n)}**" for n in others) + ")"
                    if others else "Build another on the *Build a dataset* page")
                 + "; the pages that need no street network (*Who is watched* with a camera file, *Build a "
                   "dataset*) work without it.")
        return None
    note = found[0].info.get("cache_note")
    if note:
        st.sidebar.info(f"**{md(choice.dataset)}**: {md(note)}.")
    return found


def _active(choice: Choice) -> tuple[Dataset, RoutingContext]:
    base = _in_use(choice.dataset)
    ds = _reviewed(base, choice.dataset)
    if ds is base and CAMERAS[UPLOADED] is None:  # no review counts: the context every session shares
        return ds, cache.context(choice.dataset, choice.frt_policy, choice.verification, choice.radius_m,
                                 choice.coverage_model, choice.level)
    with st.spinner("Counting the cameras with your group's reviews…"):
        return ds, ds.context(frt_policy_spec=choice.frt_policy, verification=choice.verification,
                              radius_m=choice.radius_m, coverage_model=choice.coverage_model, level=choice.level)


def _in_use(dataset: str) -> Dataset:
    """The dataset, or its streets with this session's uploaded cameras (private to whoever uploaded them)."""
    up = CAMERAS[UPLOADED]
    if up is None:
        return cache.dataset(dataset)
    memo = st.session_state.get(_MEMO)
    if memo is None or memo["upload"] is not up or memo["dataset"] != dataset:
        ds = cache.dataset(dataset).with_cameras(up["cameras"], up["rejected"], source=up["source"],
                                                 extent=up.get("extent"))
        memo = st.session_state[_MEMO] = {"upload": up, "dataset": dataset, "ds": ds}
    return memo["ds"]  # type: ignore[no-any-return]


def _reviewed(ds: Dataset, dataset: str) -> Dataset:
    """The cameras in use with the group's reviews laid over them (``ds`` itself before the first review).

    Worked out again only when the store changed: shared by every session for the
    dataset's own cameras, per session for an upload.
    """
    try:
        store = reviews.counted_store(dataset)
        if store is None:
            return ds
        version = reviews.store_version(store)
        if CAMERAS[UPLOADED] is None:
            return reviews.reviewed(ds, store, version=version)
        memo = st.session_state[_MEMO]
        if memo.get("version") != version:
            memo["reviewed"], memo["version"] = reviewed_dataset(ds, store), version
        return memo["reviewed"]  # type: ignore[no-any-return]
    except ReviewError as err:  # a damaged store must not take every page down: count without it, and say so
        st.sidebar.warning(f"Your group's reviews are not counted: {md(err)}.")
        return ds


# a digest of each camera table a page counted lately, by the dataset holding it (kept alive here, so that an
# id is never that of a dataset since forgotten)
_KEYS: dict[int, tuple[Dataset, str]] = {}
_KEYS_LOCK = threading.Lock()


def counted_key(ds: Dataset) -> str:
    """What identifies the cameras a page counts, for the keys of the results it keeps (routes, plans).

    The same cameras give the same key in every session (a result kept across a
    reload is found again); a review that adds a camera or changes one gives
    another, so no route worked out before it is shown after it.
    """
    with _KEYS_LOCK:
        found = _KEYS.get(id(ds))
        if found is not None and found[0] is ds:
            return found[1]
    digest = hashlib.sha256(pd.util.hash_pandas_object(ds.cameras, index=False).to_numpy().tobytes())
    digest.update(",".join(map(str, ds.cameras.columns)).encode())
    key = f"{ds.name}:{digest.hexdigest()[:32]}"
    with _KEYS_LOCK:
        while len(_KEYS) >= 32:
            _KEYS.pop(next(iter(_KEYS)))
        _KEYS[id(ds)] = (ds, key)
    return key


def counted_caption(ctx: RoutingContext) -> str:
    """One line saying which cameras every figure on the page counted, and whose reviews."""
    s = ctx.settings
    radius = coverage_said(s["coverage"])
    source = uploaded_source()
    cams = f"uploaded cameras from **{md(source)}**" if source else "the dataset's cameras"
    words = s.get("verification_words") or verification_words(s["verification"])
    return (f"Counted: {cams}; FRT policy **{s['frt_policy']}** (capable tiers: "
            f"{', '.join(s['frt_capable_tiers'])}); verification: **{md(words)}**; views: {radius}."
            + _reviews_said(s.get("reviews")))


def coverage_said(cov: dict[str, Any]) -> str:
    """A figure's coverage in words: the model, the level, whether walls cut the views (and the ranges per kind).

    E.g. "cameras that can identify you (coverage model dori-typical; views cut by the
    walls of 290 building blocks), ranges: fixed 6 m, ..." (:func:`exposure.coverage.coverage_words`).
    """
    if "radius_m" in cov:
        return f"uniform {float(cov['radius_m']):g} m discs, not cut by walls"
    ranges = cov.get("radius_m_by_kind") or {}
    said = ", ".join(f"{k} {float(v):g} m" for k, v in ranges.items() if v is not None)
    return coverage_words(cov) + (f"; ranges {said}" if said else "")


def _reviews_said(about: dict[str, Any] | None) -> str:
    """The group's reviews a caption counted, in words ("" when none counts)."""
    if not about:
        return ""
    n = int(about.get("reviewed", 0))
    gone, added = int(about.get("gone", 0)), int(about.get("added", 0))
    return (f" Your group's reviews counted: {n:,} camera{'s' if n != 1 else ''} reviewed, "
            f"{int(about.get('verified_by_group', 0)):,} verified by your group, {added:,} added, {gone:,} found gone.")


def outside_notice(ds: Dataset, dataset: str, *, consequence: str) -> None:
    """Say how many of the cameras in use lie outside the dataset's streets (another city's file), if any."""
    outside = ~ds.covers(ds.cameras["lon"], ds.cameras["lat"])
    if not outside.any():
        return
    source = uploaded_source()
    where = f"the uploaded cameras from **{md(source)}**" if source else "the dataset's cameras"
    st.info(f"{int(outside.sum()):,} of {where} ({len(ds.cameras):,}) lie outside the streets of **{md(dataset)}**, "
            f"so {consequence}. Choose the dataset that covers them in the sidebar, or build one on the *Build a "
            "dataset* page; the *Who is watched* page counts New York cameras without a street network.")
