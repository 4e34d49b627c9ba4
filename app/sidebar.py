"""The sidebar controls every page shares: dataset, FRT policy, verification, coverage.

The choices hold for the whole session, whichever page set them: Streamlit drops a
widget's value when a page that does not draw it runs (another page, the browser's
Back), so the values live under a key of their own and every page seeds its widgets
from it. Every choice that changes a figure is also written to the page address
(``dataset``, ``frt_policy``, ``verification`` and ``radius_m`` when one radius is
used), and read from it when a session starts, so that a reload or a shared link
counts the same cameras the same way.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from app import cache, keep
from app.state import bring_back
from app.text import md

#: FRT-capability policies offered in the sidebar, with what each counts.
FRT_POLICIES: dict[str, str] = {
    "default": "PTZ and dome cameras high; street-mounted or publicly run cameras medium; private building "
               "cameras low; unknown counted as medium",
    "all": "every camera counts",
    "strict-ptz-dome": "only PTZ and dome cameras count",
}
#: Verification policies offered in the sidebar, with what each keeps.
VERIFICATIONS: dict[str, str] = {
    "default": "every camera (as Amnesty's totals do)",
    "majority": "drops cameras the volunteers all disagreed on",
    "verified": "unanimous or surveyed cameras only",
}
#: Radius offered when one radius is used for every camera, and its bounds, in metres.
DEFAULT_RADIUS_M, MIN_RADIUS_M, MAX_RADIUS_M = 25.0, 5.0, 300.0

#: Session-state key of the kept choices (not a widget key, so Streamlit never drops it).
KEPT = "sidebar_choice"
#: The address parameters that carry the choices.
ADDRESS = ("dataset", "frt_policy", "verification", "radius_m")
_WIDGETS = {"dataset": "side_dataset", "frt_policy": "side_frt_policy", "verification": "side_verification",
            "uniform": "side_uniform", "radius_m": "side_radius"}


@dataclass(frozen=True)
class Choice:
    """What the user chose to count."""

    dataset: str
    frt_policy: str
    verification: str
    radius_m: float | None


def _radius(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else math.nan
    except ValueError:
        return None
    return value if MIN_RADIUS_M <= value <= MAX_RADIUS_M else None


def _from_address(datasets: dict[str, str]) -> dict[str, Any]:
    """The choices a session starts with: the address's where valid, else the defaults (with a note why)."""
    q = st.query_params
    kept: dict[str, Any] = {"dataset": next(iter(datasets)), "frt_policy": "default", "verification": "default",
                            "uniform": False, "radius_m": DEFAULT_RADIUS_M, "notes": []}
    for name, choices in (("dataset", datasets), ("frt_policy", FRT_POLICIES), ("verification", VERIFICATIONS)):
        asked = q.get(name)
        if asked is None:
            continue
        if asked in choices:
            kept[name] = asked
        else:
            fix = " Build it on the *Build a dataset* page." if name == "dataset" else ""
            kept["notes"].append(f"The address asks for {name.replace('_', ' ')} **{md(asked)}**, which is not "
                                 f"{'on this machine' if name == 'dataset' else 'known'}; showing "
                                 f"**{kept[name]}** instead.{fix}")
    if "radius_m" in q:
        radius = _radius(q.get("radius_m"))
        if radius is None:
            kept["notes"].append(f"The address asks for a radius of {md(repr(q.get('radius_m')))} m; a radius must be "
                                 f"{MIN_RADIUS_M:g}–{MAX_RADIUS_M:g} m, so the per-kind radii are used.")
        else:
            kept["uniform"], kept["radius_m"] = True, radius
    return kept


def _keep(name: str) -> None:
    st.session_state[KEPT][name] = st.session_state[_WIDGETS[name]]
    if name == "dataset":
        st.session_state[KEPT]["notes"] = []


def choose_dataset(name: str) -> None:
    """Make ``name`` the dataset of every page for the rest of the session (e.g. one just built)."""
    kept = kept_choice()
    kept["dataset"], kept["notes"] = name, []


def kept_choice() -> dict[str, Any]:
    """The choices kept for this session (read from the page address when the session starts)."""
    if KEPT not in st.session_state:
        st.session_state[KEPT] = _from_address(cache.choices())
    return st.session_state[KEPT]  # type: ignore[no-any-return]


def _use_the_entry_navigation() -> None:
    """Run the page through ``dashboard.py``'s navigation, even for the server's first visitor.

    Streamlit starts a server whose entry script has a ``pages/`` folder beside it in
    its old folder mode, and leaves that mode only once the entry script has run: if the
    first visitor opens a page's own address (``/Neighbourhoods``), the entry never runs
    and every session shows the folder's file names ("dashboard") as the navigation.
    Leaving that mode here and running again sends the visit through ``dashboard.py``.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def sidebar() -> Choice:
    """Draw the shared sidebar and return the choice, the same on every page of the session."""
    _use_the_entry_navigation()
    expired = keep.restore()
    bring_back()
    datasets = cache.choices()
    kept = kept_choice()
    if kept["dataset"] not in datasets:  # deleted since it was chosen
        gone, kept["dataset"] = kept["dataset"], next(iter(datasets))
        kept["notes"].append(f"The dataset **{md(gone)}** is no longer on this machine (its saved file was "
                             f"removed); showing **{md(kept['dataset'])}** instead. Build it again on the *Build a "
                             "dataset* page.")
    for name, widget in _WIDGETS.items():
        st.session_state[widget] = kept[name]

    st.sidebar.header("What is counted")
    name = st.sidebar.selectbox("Dataset", list(datasets), key="side_dataset", on_change=_keep, args=("dataset",),
                                help="\n\n".join(f"**{md(k)}**: {md(v)}" for k, v in datasets.items()) +
                                "\n\nBuild another city on the *Build a dataset* page.")
    policy = st.sidebar.selectbox(
        "FRT-capability policy", list(FRT_POLICIES), key="side_frt_policy", on_change=_keep, args=("frt_policy",),
        help=". ".join(f"{k}: {v}" for k, v in FRT_POLICIES.items()) + ".",
    )
    verification = st.sidebar.selectbox(
        "Verification", list(VERIFICATIONS), key="side_verification", on_change=_keep, args=("verification",),
        help="; ".join(f"{k} {v}" for k, v in VERIFICATIONS.items()) + ".",
    )
    uniform = st.sidebar.checkbox("One radius for every camera", key="side_uniform", on_change=_keep,
                                  args=("uniform",), help="Compare with other tools: Amnesty 120 m, kamerafrei "
                                                          "25 m, CCTV-Exposure 10 m.")
    radius = st.sidebar.number_input("Radius (m)", MIN_RADIUS_M, MAX_RADIUS_M, step=5.0, key="side_radius",
                                     on_change=_keep, args=("radius_m",), disabled=not uniform)
    for note in kept["notes"]:
        st.sidebar.warning(note)
    if expired:
        st.sidebar.info(expired)
    st.sidebar.caption("These choices hold on every page and are in the page address, so a reload or a shared "
                       "link counts the same way. Uploaded cameras and your plan stay in this app's memory, never "
                       "in a link: the address's `s=` key finds them again after a reload, so leave it out when "
                       "you pass the address on.")
    choice = Choice(name, policy, verification, float(radius) if uniform else None)
    _to_address(choice)
    return choice


def _to_address(choice: Choice) -> None:
    """Write the choice to the page address (the address may also hold the page's own parameters)."""
    set_address(dataset=choice.dataset, frt_policy=choice.frt_policy, verification=choice.verification,
                radius_m=None if choice.radius_m is None else f"{choice.radius_m:g}", **{keep.TOKEN: keep.token()})


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
