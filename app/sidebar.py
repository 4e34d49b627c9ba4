"""The sidebar controls every page shares: dataset, FRT policy, verification, coverage."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from exposure.datasets import available_datasets


@dataclass(frozen=True)
class Choice:
    """What the user chose to count."""

    dataset: str
    frt_policy: str
    verification: str
    radius_m: float | None


def sidebar() -> Choice:
    """Draw the shared sidebar and return the choice (kept in session state across pages)."""
    st.sidebar.header("What is counted")
    datasets = available_datasets()
    name = st.sidebar.selectbox("Dataset", list(datasets), key="side_dataset",
                                help="\n\n".join(f"**{k}**: {v}" for k, v in datasets.items()) +
                                "\n\nBuild another city on the *Build a dataset* page.")
    policy = st.sidebar.selectbox(
        "FRT-capability policy", ["default", "all", "strict-ptz-dome"], key="side_frt_policy",
        help="default: PTZ and dome cameras high; street-mounted or publicly run cameras medium; "
             "private building cameras low; unknown counted as medium. all: every camera counts. "
             "strict-ptz-dome: only PTZ and dome cameras count.",
    )
    verification = st.sidebar.selectbox(
        "Verification", ["default", "majority", "verified"], key="side_verification",
        help="default counts every camera (as Amnesty's totals do); majority drops cameras the "
             "volunteers all disagreed on; verified keeps unanimous or surveyed cameras only.",
    )
    uniform = st.sidebar.checkbox("One radius for every camera", key="side_uniform",
                                  help="Compare with other tools: Amnesty 120 m, kamerafrei 25 m, "
                                       "CCTV-Exposure 10 m.")
    radius = st.sidebar.number_input("Radius (m)", 5.0, 300.0, 25.0, 5.0, key="side_radius",
                                     disabled=not uniform)
    return Choice(name, policy, verification, float(radius) if uniform else None)
