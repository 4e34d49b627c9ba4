"""Hostile page addresses: whatever a link carries, a page opens with valid choices and no traceback (issue 12)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

from app import sidebar

ROOT = Path(__file__).resolve().parent.parent

_HOSTILE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["inf", "-inf", "nan", "1e400", "1" * 5000, "-1", "0", "300.0000001", "<script>alert(1)</script>",
                     "=HYPERLINK(\"http://x\")", "helsinki", "default", "all", "majority", "\x00", "../../etc/passwd",
                     "**bold**", "[link](http://x)"]),
)


@given(st.dictionaries(st.sampled_from(["dataset", "frt_policy", "verification", "radius_m", "x"]), _HOSTILE,
                       max_size=5))
@settings(max_examples=300, deadline=None)
def test_the_sidebar_reads_any_address_into_valid_choices(address: dict[str, str]) -> None:
    datasets = {"helsinki": "the embedded default", "kallio": "a built one"}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sidebar.st, "query_params", address)
        kept = sidebar._from_address(datasets)
    assert kept["dataset"] in datasets
    assert kept["frt_policy"] in sidebar.FRT_POLICIES
    assert kept["verification"] in sidebar.VERIFICATIONS
    assert sidebar.MIN_RADIUS_M <= kept["radius_m"] <= sidebar.MAX_RADIUS_M


@pytest.mark.parametrize("address", [
    {"detour": "inf", "alternatives": "1e400"},
    {"detour": "1" * 5000, "alternatives": "9" * 5000, "objective": "<script>alert(1)</script>"},
    {"origin": "Senaatintori" * 100, "destination": "1e400,1e400"},
    {"origin": "91,181", "destination": "nan,nan", "mode": "audit'"},
    {"origin": "\x00", "destination": "=cmd|' /C calc'!A0", "radius_m": "-inf", "dataset": "../../x"},
], ids=["inf-detour", "huge-numbers", "long-place", "bad-coordinates", "odd-text"])
def test_the_route_planner_opens_any_address(address: dict[str, str]) -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "2_Route_planner.py"), default_timeout=120)
    at.query_params.update(address)
    at.run()
    assert not at.exception
    assert 0 <= at.slider(key="rp_detour").value <= 100
