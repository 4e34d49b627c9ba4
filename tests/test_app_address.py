"""Hostile page addresses: whatever a link carries, a page opens with valid choices and no traceback (issue 12)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app import cache, sidebar
from tests.app_pages import open_page

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
        patch.setattr(cache, "choices", lambda: datasets)
        asked, notes = sidebar.SIDEBAR.from_address(address)
    assert asked.get("side_dataset", "helsinki") in datasets
    assert asked.get("side_frt_policy", "default") in sidebar.FRT_POLICIES
    assert asked.get("side_verification", "default") in sidebar.VERIFICATION_POLICIES
    assert sidebar.MIN_RADIUS_M <= asked.get("side_radius", sidebar.DEFAULT_RADIUS_M) <= sidebar.MAX_RADIUS_M
    assert asked.get("side_uniform", False) is ("side_radius" in asked)
    # every choice the address asks for and does not get is said, once
    refused = [name for name, key in (("dataset", "side_dataset"), ("frt_policy", "side_frt_policy"),
                                      ("verification", "side_verification"), ("radius_m", "side_radius"))
               if name in address and key not in asked]
    assert len(notes) == len(refused)


@pytest.mark.parametrize("address", [
    {"detour": "inf", "alternatives": "1e400"},
    {"detour": "1" * 5000, "alternatives": "9" * 5000, "objective": "<script>alert(1)</script>"},
    {"origin": "Senaatintori" * 100, "destination": "1e400,1e400"},
    {"origin": "91,181", "destination": "nan,nan", "mode": "audit'"},
    {"origin": "\x00", "destination": "=cmd|' /C calc'!A0", "radius_m": "-inf", "dataset": "../../x"},
], ids=["inf-detour", "huge-numbers", "long-place", "bad-coordinates", "odd-text"])
def test_the_route_planner_opens_any_address(address: dict[str, str]) -> None:
    at = open_page("2_Route_planner.py", **address).run()
    assert not at.exception
    assert 0 <= at.slider(key="rp_detour").value <= 100
