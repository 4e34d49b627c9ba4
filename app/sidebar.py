"""The sidebar every page shares: dataset, FRT policy, verification, coverage; drawn once per run by the entry.

``dashboard.py`` draws it around each run of the chosen page (:func:`shared_sidebar`),
and the pages read its choice with :func:`sidebar`. The choices are
:mod:`app.page_state` address keys: they hold for the whole session, whichever
page set them, and are in the page address (``dataset``, ``frt_policy``,
``verification``, ``coverage_model``, ``level`` and ``radius_m`` when one radius is
used), so that a reload or a shared link counts the same cameras the same way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import streamlit as st

from app import cache, keep
from app.navigation import in_folder_mode, run_through_entry
from app.page_state import PageState, address, one_of, remember_all, set_address
from app.state import CAMERAS, Choice
from app.text import md
from exposure import settings
from exposure.coverage_models import LEVELS, available_coverage_models

__all__ = [
    "ADDRESS",
    "COVERAGE_MODELS",
    "DEFAULT_RADIUS_M",
    "FRT_POLICIES",
    "LEVEL_LABELS",
    "MAX_RADIUS_M",
    "MIN_RADIUS_M",
    "SIDEBAR",
    "VERIFICATION_POLICIES",
    "Choice",
    "choose_dataset",
    "set_address",
    "shared_sidebar",
    "sidebar",
]

#: FRT-capability policies offered in the sidebar, with what each counts.
FRT_POLICIES: dict[str, str] = {
    "default": "PTZ and dome cameras high; street-mounted or publicly run cameras medium; private building "
               "cameras low; unknown counted as medium",
    "all": "every camera counts",
    "strict-ptz-dome": "only PTZ and dome cameras count",
}
#: Verification policies offered in the sidebar, with which cameras each keeps (``exposure.cameras.VERIFICATIONS``
#: are the statuses a camera can have; these are the choices of which statuses to count).
VERIFICATION_POLICIES: dict[str, str] = {
    "default": "every camera (as Amnesty's totals do)",
    "majority": "drops cameras the volunteers all disagreed on",
    "verified": "unanimous or surveyed cameras only",
    "group": "only the cameras your group's own reviews verified (review them on the map or the Camera data page)",
}
#: Radius offered when one radius is used for every camera, and its bounds, in metres.
DEFAULT_RADIUS_M, MIN_RADIUS_M, MAX_RADIUS_M = 25.0, 5.0, 300.0
#: Coverage models offered in the sidebar (the built-in table, ``data/coverage_models.csv``), with what each is.
COVERAGE_MODELS: dict[str, str] = available_coverage_models()
#: How each quality level is offered: what a camera that reaches you at that level can do.
LEVEL_LABELS: dict[str, str] = {
    "identify": "Identify you (a face matched)",
    "recognise": "Recognise you (someone who knows you)",
    "observe": "Observe you (what you wear and do)",
}
#: The address parameters that carry the choices.
ADDRESS = ("dataset", "frt_policy", "verification", "coverage_model", "level", "radius_m")


def _radius(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if MIN_RADIUS_M <= value <= MAX_RADIUS_M else None


def _dataset(text: str) -> str:
    datasets = cache.choices()
    if text in datasets:
        return text
    msg = (f"The address asks for dataset **{md(text)}**, which is not on this machine; showing "
           f"**{md(next(iter(datasets)))}** instead. Build it on the *Build a dataset* page.")
    raise ValueError(msg)


def _one_of(choices: dict[str, str], what: str) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text in choices:
            return text
        msg = f"The address asks for {what} **{md(text)}**, which is not known; showing **default** instead."
        raise ValueError(msg)
    return parse


def _radius_m(text: str) -> float:
    radius = _radius(text)
    if radius is None:
        msg = (f"The address asks for a radius of {md(repr(text))} m; a radius must be "
               f"{MIN_RADIUS_M:g}–{MAX_RADIUS_M:g} m, so the per-kind radii are used.")
        raise ValueError(msg)
    return radius


def _model(text: str) -> str:
    if text in COVERAGE_MODELS:
        return text
    msg = (f"The address asks for coverage model **{md(text)}**, which is not known; showing "
           f"**{md(settings.coverage_model)}** instead.")
    raise ValueError(msg)


#: The sidebar's keys: every one shared by the page address. Its dataset starts empty (the first one offered), and
#: so do the coverage model and level (the defaults in force then: ``settings.coverage_model``, ``coverage_level``).
SIDEBAR = PageState("side", [
    address("side_dataset", None, param="dataset", parse=_dataset),
    address("side_frt_policy", "default", param="frt_policy", parse=_one_of(FRT_POLICIES, "frt policy")),
    address("side_verification", "default", param="verification",
            parse=_one_of(VERIFICATION_POLICIES, "verification")),
    address("side_model", None, param="coverage_model", parse=_model),
    address("side_level", None, param="level", parse=one_of(LEVELS)),
    # one parameter for two widgets: a valid radius_m means one radius for every camera, of that size
    address("side_uniform", False, param="radius_m", parse=lambda text: _radius(text) is not None, show=None),
    address("side_radius", DEFAULT_RADIUS_M, param="radius_m", parse=_radius_m, show=lambda r: f"{r:g}",
            only_if="side_uniform"),
])
# the choice of this run, set by the entry script around its page's run
_THIS_RUN: ContextVar[Choice | None] = ContextVar("sidebar_choice", default=None)


def _dataset_changed() -> None:
    SIDEBAR.notes.clear()  # they were about the dataset the address asked for


def choose_dataset(name: str) -> None:
    """Make ``name`` the dataset of every page for the rest of the session (e.g. one just built)."""
    SIDEBAR["side_dataset"] = name
    SIDEBAR.notes.clear()


def _draw() -> Choice:
    """Draw the sidebar and return the choice, the same on every page of the session."""
    expired = keep.restore()
    CAMERAS.restore()
    datasets = cache.choices()
    kept = SIDEBAR["side_dataset"]
    if kept not in datasets:
        if kept is not None:  # deleted since it was chosen
            SIDEBAR.notes.append(f"The dataset **{md(kept)}** is no longer on this machine (its saved file was "
                                 f"removed); showing **{md(next(iter(datasets)))}** instead. Build it again on the "
                                 "*Build a dataset* page.")
        SIDEBAR["side_dataset"] = next(iter(datasets))
    if SIDEBAR["side_model"] is None:
        SIDEBAR["side_model"] = settings.coverage_model
    if SIDEBAR["side_level"] is None:
        SIDEBAR["side_level"] = settings.coverage_level
    SIDEBAR.restore()
    set_address(**{keep.TOKEN: keep.token()})  # the session's key comes back after a page switch cleared it

    st.sidebar.header("What is counted")
    name = st.sidebar.selectbox("Dataset", list(datasets), key="side_dataset", on_change=_dataset_changed,
                                help="\n\n".join(f"**{md(k)}**: {md(v)}" for k, v in datasets.items()) +
                                "\n\nBuild another city on the *Build a dataset* page.")
    policy = st.sidebar.selectbox(
        "FRT-capability policy", list(FRT_POLICIES), key="side_frt_policy",
        help=". ".join(f"{k}: {v}" for k, v in FRT_POLICIES.items()) + ".",
    )
    verification = st.sidebar.selectbox(
        "Verification", list(VERIFICATION_POLICIES), key="side_verification",
        help="; ".join(f"{k} {v}" for k, v in VERIFICATION_POLICIES.items()) + ".",
    )
    model, level = _coverage_choice()
    uniform = st.sidebar.checkbox("One radius for every camera", key="side_uniform",
                                  help="Compare with other tools: Amnesty 120 m, kamerafrei 25 m, CCTV-Exposure 10 m.")
    radius = st.sidebar.number_input("Radius (m)", MIN_RADIUS_M, MAX_RADIUS_M, step=5.0, key="side_radius",
                                     disabled=not uniform)
    for note in SIDEBAR.notes:
        st.sidebar.warning(note)
    if expired:
        st.sidebar.info(expired)
    st.sidebar.caption("These choices hold on every page and are in the page address, so a reload or a shared "
                       "link counts the same way. Uploaded files, plans and results stay in this app's memory, never "
                       "in a link: the address's `s=` key finds them again after a reload, so leave it out when "
                       "you pass the address on.")
    return Choice(name, policy, verification, float(radius) if uniform else None, model, level)


def _coverage_choice() -> tuple[str, str]:
    """The coverage model and level widgets: which cameras count, as what they can do to you at what distance."""
    models = dict(COVERAGE_MODELS)
    models.setdefault(str(SIDEBAR["side_model"]), "a coverage model file named in the settings")
    model = st.sidebar.selectbox(
        "Coverage model", list(models), key="side_model",
        help="What each camera sees and how far: " + "; ".join(f"**{md(k)}** {md(v)}" for k, v in models.items())
        + ". Every figure says the model, the level and whether walls cut the views.")
    level = st.sidebar.selectbox("Cameras that can…", list(LEVELS), key="side_level",
                                 format_func=lambda lv: LEVEL_LABELS.get(lv, lv),
                                 help="Count the cameras that can identify you (the default), or those that can "
                                      "recognise or merely observe you: farther ranges, more cameras.")
    return str(model), str(level)


@contextmanager
def shared_sidebar() -> Iterator[Choice]:
    """Draw the sidebar once for this run; the page run inside reads its choice with :func:`sidebar`.

    The entry script wraps its page's run in this. Before drawing, it keeps what
    every page's widgets hold (:func:`app.page_state.remember_all`).
    """
    remember_all()
    choice = _draw()
    token = _THIS_RUN.set(choice)
    try:
        yield choice
    finally:
        _THIS_RUN.reset(token)


def sidebar() -> Choice:
    """The sidebar's choice for this run, as the entry script drew it.

    A page file that runs without the entry script is either Streamlit's folder mode
    (the server's first visitor opened a page's own address: the visit then runs
    through ``dashboard.py`` instead, :func:`app.navigation.run_through_entry`) or a
    page run on its own (a test): it then draws the sidebar itself.
    """
    choice = _THIS_RUN.get()
    if choice is not None:
        return choice
    if in_folder_mode():
        run_through_entry()
    return _draw()
