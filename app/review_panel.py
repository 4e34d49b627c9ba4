"""The review panel under a map: a camera's verdict and reviews; confirm, dispute or correct it; or add a camera.

A page draws its map with ``on_select="rerun"`` (and, when adding, the layer of
:func:`app.reviews.click_layer`), then :func:`review_panel` with the map's
selection. Plausibility warnings are shown as the fields are filled in, before
saving, and saved with the review; they never block. A saved review counts at
once on every page (:mod:`app.state` lays the store over the cameras each run).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app.reviews import REVIEWER, Pick, buildings, counted_store, picked, saved, streets, writable_store
from app.text import md
from exposure import settings
from exposure._errors import ReviewError
from exposure.cameras import KINDS
from exposure.datasets import Dataset
from exposure.review import (
    CAMERA_MOUNTS,
    HOWS,
    WARNING_CODES,
    ReviewStore,
    ReviewWarning,
    check_camera,
    store_verdicts,
)
from exposure.review.records import check_reviewer, reviewer_key

__all__ = [
    "HOW_WORDS",
    "MOUNT_CHOICES",
    "STATUS_WORDS",
    "add_toggle",
    "group_reviews",
    "review_panel",
]

#: How a reviewer knows, in words.
HOW_WORDS: dict[str, str] = {"survey": "on site (survey)", "photo": "from my own photo",
                             "imagery": "from aerial or street-level imagery"}
#: What a group's verdict is, in words.
STATUS_WORDS: dict[str, str] = {"verified": "verified", "unverified": "unverified", "disputed": "disputed",
                                "gone": "gone (a majority found no camera there; left out of every count)"}
#: Where a camera hangs, as the form offers it: the schema's mount and OpenStreetMap's ``camera:mount``.
MOUNT_CHOICES: dict[str, tuple[str, str | None]] = {
    label: value for broad in ("building", "street") for label, value in [
        *((f"{broad}: {detail.replace('_', ' ')}", (broad, detail)) for detail, mount in CAMERA_MOUNTS.items()
          if mount == broad),
        (f"{broad} (other)", (broad, None))]
}
_KIND_WORDS = {"ptz": "PTZ (turns and zooms)", "dome": "dome", "fixed": "fixed"}
_OPERATORS = ("public", "private")
# session-state keys: a message to show after the rerun a save makes; the camera a click just added
_FLASH = "rv_flash"


def add_toggle(prefix: str) -> bool:
    """The switch that puts a map in adding mode (its click layer drawn); True when on."""
    return st.toggle("Add a camera: click where it is", key=f"{prefix}_rv_add",
                     help="Then give what you know of it. It counts on every page at once; others confirm it.")


def _reviewer() -> str | None:
    """The session's reviewer name (asked once, kept across pages and reloads), or None until it is usable."""
    REVIEWER.restore()
    name = st.text_input("Your name as a reviewer", key="rv_name", max_chars=80,
                         placeholder="A name your group knows you by: no account",
                         help="Saved with each review you make, in your group's review store; never in an "
                              "OpenStreetMap file.")
    if not name.strip():
        return None
    try:
        return check_reviewer(name)
    except ReviewError as err:
        st.warning(md(err))
        return None


def _flash(kind: str, text: str) -> None:
    st.session_state[_FLASH] = (kind, text)


def _say_flash() -> None:
    said = st.session_state.pop(_FLASH, None)
    if said is not None:
        (st.success if said[0] == "success" else st.info)(said[1])


def review_panel(event: Any, ds: Dataset, *, dataset: str, prefix: str) -> None:
    """What a click on the map picked: a camera's verdict, reviews and review form, or the form of a new camera.

    Parameters
    ----------
    event
        The map's selection (``st.pydeck_chart(..., on_select="rerun")``).
    ds
        The dataset in use, the group's reviews laid over it (:func:`app.state.active`).
    dataset
        The sidebar's dataset: whose review store and streets.
    prefix
        The page's widget-key prefix.
    """
    _panel(event, ds, dataset=dataset, prefix=prefix)


@st.fragment
def _panel(event: Any, ds: Dataset, *, dataset: str, prefix: str) -> None:
    # a fragment: filling in the form reruns the panel alone; a save reruns the whole app
    _say_flash()
    pick = picked(event)
    if pick is None:
        st.caption("Click a camera on the map to see its reviews and confirm, dispute or correct it; switch on "
                   "*Add a camera* and click where one is to add it. Your group's reviews count on every page at "
                   "once; the sidebar's verification **group** counts only what your group verified.")
        return
    try:
        store = counted_store(dataset)
    except ReviewError as err:
        st.error(f"Your group's review store cannot be read: {md(err)}")
        return
    name = _reviewer()
    if pick.camera_id is None:
        _new_camera(pick, ds, store, dataset=dataset, prefix=prefix, name=name)
    else:
        _camera(pick.camera_id, ds, store, dataset=dataset, prefix=prefix, name=name)


# ------------------------------------------------------------------------------------------------ fields
def _what_it_is(key: Callable[[str], str], *, mapped: pd.Series | None) -> dict[str, Any]:
    """Kind, mount, operator, direction and field of view as the reviewer gives them (left out: not said)."""
    def keep(what: str) -> str:
        return f"as mapped ({mapped[what]})" if mapped is not None else "not known"

    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox("Kind", [None, *(k for k in KINDS if k != "unknown")], key=key("kind"),
                        format_func=lambda v: keep("kind") if v is None else _KIND_WORDS.get(v, v))
    mount = c2.selectbox("Mount", [None, *MOUNT_CHOICES], key=key("mount"),
                         format_func=lambda v: keep("mount") if v is None else v)
    operator = c3.selectbox("Operator", [None, *_OPERATORS], key=key("operator"),
                            format_func=lambda v: keep("operator") if v is None else v)
    c4, c5 = st.columns(2)
    direction = c4.number_input(
        "Direction it looks (degrees from north, clockwise)", min_value=0.0, max_value=360.0, value=None, step=5.0,
        key=key("direction"), placeholder=_degrees_now(mapped, "direction_deg"))
    fov = c5.number_input("Field of view (degrees)", min_value=1.0, max_value=360.0, value=None, step=5.0,
                          key=key("fov"), placeholder=_degrees_now(mapped, "fov_deg"))
    fields: dict[str, Any] = {"kind": kind, "operator": operator, "direction_deg": direction, "fov_deg": fov}
    if mount is not None:
        fields["mount"], fields["camera_mount"] = MOUNT_CHOICES[mount]
    return {k: v for k, v in fields.items() if v is not None}


def _degrees_now(mapped: pd.Series | None, column: str) -> str:
    if mapped is None:
        return "not known"
    value = mapped.get(column)
    return "as mapped (none)" if value is None or pd.isna(value) else f"as mapped ({float(value):g}°)"


def _how_and_note(key: Callable[[str], str]) -> tuple[str, str]:
    how = st.radio("How do you know?", list(HOWS), format_func=HOW_WORDS.get, key=key("how"), horizontal=True,
                   help="OpenStreetMap takes what you saw on site or in your own photo, never what is copied "
                        "from imagery: such cameras stay out of the OSM files.")
    note = st.text_input("Note (optional)", key=key("note"), max_chars=2000)
    return str(how), note


def _say_warnings(warnings: list[ReviewWarning]) -> None:
    for w in warnings:
        st.warning(f"**Check before saving** ({md(WARNING_CODES.get(w.code, w.code))}): {md(w.message)}.")
    if warnings:
        st.caption("Warnings never block: they are saved with your review, for your group to weigh.")


# ------------------------------------------------------------------------------------------------ a new camera
def _new_camera(pick: Pick, ds: Dataset, store: ReviewStore | None, *, dataset: str, prefix: str,
                name: str | None) -> None:
    spot = f"{pick.lat:.6f}_{pick.lon:.6f}"

    def key(what: str) -> str:  # a new click starts a new form
        return f"{prefix}_rv_new_{what}_{spot}"

    st.markdown("**Add a camera here.** Move the point if the click was not quite where it is.")
    c1, c2 = st.columns(2)
    lat = c1.number_input("Latitude", min_value=-90.0, max_value=90.0, value=pick.lat, step=0.00001,
                          format="%.6f", key=key("lat"))
    lon = c2.number_input("Longitude", min_value=-180.0, max_value=180.0, value=pick.lon, step=0.00001,
                          format="%.6f", key=key("lon"))
    fields = _what_it_is(key, mapped=None)
    how, note = _how_and_note(key)
    warnings = check_camera(lon, lat, kind=fields.get("kind"), direction_deg=fields.get("direction_deg"),
                            cameras=ds.cameras, streets=streets(dataset), buildings=buildings(dataset),
                            reviewer=name, added=store.added_cameras() if store is not None and name else None)
    _say_warnings(warnings)
    if st.button("Add this camera", key=key("save"), type="primary", disabled=name is None,
                 help=None if name else "Give your name as a reviewer first."):
        try:
            camera, _ = writable_store(dataset).add_camera(lon, lat, reviewer=str(name), how=how, note=note,
                                                           warnings=warnings, **fields)
        except ReviewError as err:
            st.error(md(err))
            return
        saved()
        more = settings.review_verified_min - 1
        _flash("success", f"Added camera {md(camera.camera_id)}: it counts on every page now, as *unverified* "
                          f"(1 review); {more} more reviewer{'s' if more != 1 else ''} confirming it make"
                          f"{'' if more != 1 else 's'} it verified by your group.")
        st.rerun()


# ------------------------------------------------------------------------------------------------ a known camera
def _verdict(store: ReviewStore | None, camera_id: str) -> pd.Series | None:
    if store is None:
        return None
    table = store_verdicts(store)
    hit = table[table["camera_id"] == store.canonical_ids().get(camera_id, camera_id)]
    return None if hit.empty else hit.iloc[0]


def _reviews_of(store: ReviewStore | None, camera_id: str) -> pd.DataFrame:
    """Every review of the camera (those of cameras merged into it too), withdrawn ones included."""
    if store is None:
        return pd.DataFrame()
    merged = store.canonical_ids()
    head = merged.get(camera_id, camera_id)
    ids = {head} | {alias for alias, into in merged.items() if into == head}
    table = store.reviews()
    return table[table["camera_id"].isin(ids)].reset_index(drop=True)


def _review_table(reviews: pd.DataFrame) -> pd.DataFrame:
    """The reviews as people read them (plain text cells: names and notes come from people)."""
    return pd.DataFrame({
        "Reviewer": reviews["reviewer"], "When (UTC)": reviews["reviewed_utc"].str[:16].str.replace("T", " "),
        "Found": np.where(reviews["exists"], "there", "not there"),
        "Kind": reviews["kind"], "Mount": reviews["camera_mount"].fillna(reviews["mount"]),
        "Operator": reviews["operator"], "Direction (°)": reviews["direction_deg"],
        "Field of view (°)": reviews["fov_deg"], "How": reviews["how"], "Note": reviews["note"],
        "Withdrawn": reviews["withdrawn_utc"].fillna("").str[:16].str.replace("T", " "),
    })


def _say_camera(camera_id: str, row: pd.Series | None, verdict: pd.Series | None) -> None:
    st.markdown(f"**Camera {md(camera_id)}**")
    if row is not None:
        direction = "" if pd.isna(row["direction_deg"]) else f" · looks {float(row['direction_deg']):g}°"
        st.caption(f"{md(row['kind'])} · mount {md(row['mount'])} · operator {md(row['operator'])}{direction} · "
                   f"source {md(row['source'])} · FRT tier {md(row['frt_tier'])}")
    if verdict is None:
        said = "" if row is None else f"; its source says **{md(row['verification'])}**"
        st.write(f"No review by your group yet{said}.")
        return
    n = int(verdict["reviewers"])
    st.write(f"Your group's verdict: **{STATUS_WORDS.get(verdict['status'], verdict['status'])}** — "
             f"{md(verdict['agreement'])} ({n} reviewer{'s' if n != 1 else ''}; "
             f"{int(verdict['exists_yes'])} found it, {int(verdict['exists_no'])} did not).")


def _camera(camera_id: str, ds: Dataset, store: ReviewStore | None, *, dataset: str, prefix: str,
            name: str | None) -> None:
    def key(what: str) -> str:  # another camera starts a new form
        return f"{prefix}_rv_{what}_{camera_id}"

    hit = ds.cameras[ds.cameras["camera_id"].astype(str) == camera_id]
    row = hit.iloc[0] if len(hit) else None
    verdict = _verdict(store, camera_id)
    _say_camera(camera_id, row, verdict)
    reviews = _reviews_of(store, camera_id)
    if len(reviews):
        st.dataframe(_review_table(reviews), hide_index=True, key=key("reviews"))
        _withdraw(reviews, store, name=name, key=key, camera_id=camera_id)
    if row is None:
        st.info("This camera is not among the cameras in use, so it cannot be reviewed here.")
        return
    found = st.radio("What did you find?", ["there", "not there"], key=key("found"), horizontal=True,
                     format_func=lambda v: "It is there (confirm, or correct it)" if v == "there"
                     else "It is not there (dispute)")
    there = found == "there"
    fields = _what_it_is(key, mapped=row) if there else {}
    how, note = _how_and_note(key)
    warnings: list[ReviewWarning] = []
    if "kind" in fields or "direction_deg" in fields:  # a correction is checked as a new camera is
        warnings = check_camera(float(row["lon"]), float(row["lat"]), kind=fields.get("kind", row["kind"]),
                                direction_deg=fields.get("direction_deg"), camera_id=camera_id, cameras=ds.cameras,
                                buildings=buildings(dataset))
    _say_warnings(warnings)
    label = "Confirm it" if there and not fields else "Save my correction" if there else "Dispute it"
    if st.button(label, key=key("save"), type="primary", disabled=name is None,
                 help=None if name else "Give your name as a reviewer first."):
        try:
            writable_store(dataset).add_review(camera_id, reviewer=str(name), how=how, exists=there, note=note,
                                               warnings=warnings, **fields)
        except ReviewError as err:
            st.error(md(err))
            return
        saved()
        _flash("success", f"Saved your review of camera {md(camera_id)}: it counts on every page now.")
        st.rerun()


def _withdraw(reviews: pd.DataFrame, store: ReviewStore | None, *, name: str | None, key: Callable[[str], str],
              camera_id: str) -> None:
    """A button per review of the reviewer's own that still counts."""
    if store is None or name is None:
        return
    mine = reviews[(reviews["reviewer"].map(reviewer_key) == reviewer_key(name)) & reviews["withdrawn_utc"].isna()]
    for review in mine.itertuples(index=False):
        when = str(review.reviewed_utc)[:16].replace("T", " ")
        if st.button(f"Withdraw my review of {when} UTC", key=key(f"withdraw_{review.review_id}")):
            try:
                store.withdraw(str(review.review_id), reviewer=name)
            except ReviewError as err:
                st.error(md(err))
                return
            saved()
            _flash("info", f"Withdrew your review of camera {md(camera_id)}; it stays in the store as history.")
            st.rerun()


# ------------------------------------------------------------------------------------------------ the whole store
def group_reviews(dataset: str, *, prefix: str) -> None:
    """The group's store at a glance: how many reviews, the verdict of each camera reviewed, the warnings recorded."""
    try:
        store = counted_store(dataset)
    except ReviewError as err:
        st.error(f"Your group's review store cannot be read: {md(err)}")
        return
    if store is None:
        st.caption("No review yet: add, confirm or dispute a camera on the map to start your group's store.")
        return
    info = store.info()
    verdicts = store_verdicts(store)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Reviews", f"{info['reviews'] - info['withdrawn_reviews']:,}",
              help=f"{info['withdrawn_reviews']:,} more withdrawn, kept as history")
    c2.metric("Cameras added", f"{info['added_cameras']:,}")
    c3.metric("Verified by your group", f"{int(verdicts['status'].eq('verified').sum()):,}")
    c4.metric("Found gone", f"{int(verdicts['status'].eq('gone').sum()):,}")
    st.caption(f"Store: `{md(store.path.name)}`, shared by everyone using this app: it is your group's. Verified "
               f"takes at least {settings.review_verified_min} reviewers all finding the camera (\"Unanimous\"); "
               "the command line exports it for OpenStreetMap and merges other reviewers' stores.")
    if len(verdicts):
        st.dataframe(verdicts[["camera_id", "status", "agreement", "reviewers", "kind", "mount", "operator",
                               "direction_deg", "last_reviewed_utc"]], hide_index=True, key=f"{prefix}_rv_verdicts")
    warnings = store.warnings()
    if len(warnings):
        st.caption("Plausibility warnings saved with the reviews:")
        st.dataframe(warnings[["code", "camera_id", "other_id", "reviewer", "message", "raised_utc"]],
                     hide_index=True, key=f"{prefix}_rv_warnings")
