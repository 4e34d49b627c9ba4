"""What choosing a coverage model changes: the compare-models study (:func:`exposure.compare_models`) as a panel."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd
import streamlit as st

from app import busy
from app.maps import remembered, shared_key
from app.state import Choice, counted_key
from app.text import md
from exposure import settings
from exposure._errors import ExposureError
from exposure.compare_models import COMPARED_MODELS, ModelComparison, compare_models

if TYPE_CHECKING:
    from exposure.datasets import Dataset

__all__ = ["COMPARE_LABELS", "compare_panel", "comparison_table"]

#: How the panel's table names the columns of :attr:`exposure.compare_models.ModelComparison.rows`.
COMPARE_LABELS: dict[str, str] = {
    "model": "Coverage model",
    "walls": "Walls cut views",
    "street_m_in_view": "Street m in view",
    "blocked_share": "Blocked by walls",
    "frt_cameras_shortest_median": "FRT cameras, shortest (median)",
    "frt_cameras_fewest_median": "FRT cameras, fewest (median)",
    "zero_frt_share": "Trips reaching 0 FRT",
    "zero_frt_detour_median": "Their median detour",
    "different_best_route": "Other best route",
}


def comparison_table(found: ModelComparison) -> pd.DataFrame:
    """The comparison's rows as the panel shows them: shares as percentages, the columns named in words."""
    rows = found.rows[list(COMPARE_LABELS)].copy()
    rows["walls"] = rows["walls"].map({True: "yes", False: "no"})
    rows["street_m_in_view"] = rows["street_m_in_view"].map(lambda v: f"{v:,.0f}")
    for column in ("blocked_share", "zero_frt_share"):
        rows[column] = rows[column].map(lambda v: f"{100 * v:.0f} %")
    rows["zero_frt_detour_median"] = rows["zero_frt_detour_median"].map(
        lambda v: "–" if v is None or pd.isna(v) else f"+{100 * v:.1f} %")
    return rows.rename(columns=COMPARE_LABELS)


def _study(ds: Dataset, *, frt_policy: str, verification: str, level: str | None, trips: int,
           seed: int) -> ModelComparison:
    """The study for the cameras in use and a choice: the same seed, the same walks."""
    return compare_models(ds, models=COMPARED_MODELS, level=level, trips=trips, seed=seed, frt_policy=frt_policy,
                          verification=verification, time_limit_s=settings.interactive_time_limit_s)


@st.cache_resource(show_spinner=False, max_entries=8)
def _compared(key: str, _ds: Dataset, frt_policy: str, verification: str, level: str | None, trips: int,
              seed: int) -> ModelComparison:
    """The study for one camera table every session shares (``key``: :func:`app.maps.shared_key`) and choice."""
    return _study(_ds, frt_policy=frt_policy, verification=verification, level=level, trips=trips, seed=seed)


def _found(ds: Dataset, args: dict[str, Any]) -> ModelComparison:
    """The study, made once: per process for the dataset's cameras, in this session only for its own uploads."""
    shared = shared_key(ds)
    if shared is not None:
        return _compared(shared, ds, **args)
    return remembered(("compare-models", counted_key(ds), *sorted(args.items())), lambda: _study(ds, **args))


def compare_panel(ds: Dataset, choice: Choice, *, prefix: str) -> None:
    """The panel: the same seeded random trips under every built-in model, one row per model.

    Run on demand (a button): each model routes every trip twice, a heavy job
    (:func:`app.busy.heavy_job`: it waits for one of the instance's slots, or is
    refused). The result is kept per camera table and choice, so the button shows it
    again at once (in an answer slot, :func:`app.busy.gate`, should it be made again).
    """
    st.subheader("What choosing a coverage model changes")
    st.write("The same random walks on this dataset's streets, counted under each coverage model at the level "
             "chosen in the sidebar: how much street each model says is in view, how much of it walls hide, how "
             "many FRT cameras the shortest and the fewest-camera walks pass, how many walks can avoid every FRT "
             "camera within the detour, and how many get another best route than under per-kind. "
             "`python -m exposure compare-models` prints the same study.")
    c1, c2, c3 = st.columns([1, 1, 2])
    trips = int(c1.number_input("Walks", 5, 200, value=20, step=5, key=f"{prefix}_cmp_trips",
                                help="More walks, steadier medians; each model routes every walk twice."))
    seed = int(c2.number_input("Seed", 0, 10_000, value=0, key=f"{prefix}_cmp_seed",
                               help="The seed that draws the walks: the same seed, the same walks."))
    args: dict[str, Any] = {"frt_policy": choice.frt_policy, "verification": choice.verification,
                            "level": choice.level, "trips": trips, "seed": seed}
    key = counted_key(ds)
    shown = st.session_state.get(f"{prefix}_cmp_shown") == (key, args)
    pressed = c3.button("Compare the models", key=f"{prefix}_cmp_run")
    if pressed or shown:
        turn = (busy.heavy_job("model comparison") if pressed else
                busy.gate("The comparison of the models is shown as soon as the server is free."))
        with turn, st.spinner(f"Routing {trips} walks under {len(COMPARED_MODELS)} coverage models…"):
            try:
                found = _found(ds, args)
            except ExposureError as err:
                st.error(md(str(err)))
                return
        st.session_state[f"{prefix}_cmp_shown"] = (key, args)
        st.dataframe(comparison_table(found), hide_index=True, key=f"{prefix}_cmp_table")
        s = found.settings
        st.caption(f"{s['trips']} walks of {s['length_band_m'][0]:g}–{s['length_band_m'][1]:g} m along the streets, "
                   f"seed {s['seed']}, level {s['level']}, detour at most +{100 * s['max_detour']:g} %, dataset "
                   f"{md(s['dataset'])}; other best route: against {s['reference_model']}. Street metres count each "
                   "street once, in view of any counted camera.")
