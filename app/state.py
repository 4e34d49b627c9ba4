"""The active dataset and routing context for this session (uploaded cameras included)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from app import cache

if TYPE_CHECKING:
    from app.sidebar import Choice
    from exposure.datasets import Dataset
    from exposure.routing import RoutingContext

_UPLOAD = "uploaded_cameras"


def set_uploaded(cameras: pd.DataFrame, rejected: pd.DataFrame, *, source: str) -> None:
    """Switch this session to uploaded cameras (every page then counts them)."""
    st.session_state[_UPLOAD] = {"cameras": cameras, "rejected": rejected, "source": source, "memo": {}}


def clear_uploaded() -> None:
    """Go back to the dataset's own cameras."""
    st.session_state.pop(_UPLOAD, None)


def uploaded_source() -> str | None:
    """Name of the uploaded camera file in use, if any."""
    up = st.session_state.get(_UPLOAD)
    return None if up is None else str(up["source"])


def active(choice: Choice) -> tuple[Dataset, RoutingContext]:
    """The dataset and routing context every page should use for this choice."""
    up = st.session_state.get(_UPLOAD)
    if up is None:
        ds = cache.dataset(choice.dataset)
        return ds, cache.context(choice.dataset, choice.frt_policy, choice.verification, choice.radius_m)
    key = (choice.dataset, choice.frt_policy, choice.verification, choice.radius_m)
    memo = up["memo"]
    if key not in memo:
        # per session: an upload is private to whoever made it
        ds = cache.dataset(choice.dataset).with_cameras(up["cameras"], up["rejected"], source=up["source"])
        memo[key] = (ds, ds.context(frt_policy_spec=choice.frt_policy, verification=choice.verification,
                                    radius_m=choice.radius_m))
    return memo[key]  # type: ignore[no-any-return]


def counted_caption(ctx: RoutingContext) -> str:
    """One line saying which cameras every figure on the page counted."""
    s = ctx.settings
    cov = s["coverage"]
    radius = (f"uniform {cov['radius_m']:g} m discs" if "radius_m" in cov else
              "per-kind radii " + ", ".join(f"{k} {v:g} m" for k, v in cov["radius_m_by_kind"].items()))
    source = uploaded_source()
    cams = f"uploaded cameras from **{source}**" if source else "the dataset's cameras"
    return (f"Counted: {cams}; FRT policy **{s['frt_policy']}** (capable tiers: "
            f"{', '.join(s['frt_capable_tiers'])}); verification statuses **{', '.join(s['verification'])}**; "
            f"coverage {radius}.")
