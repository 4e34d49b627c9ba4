"""Every page runs in Streamlit's AppTest without an exception, and shows what it counted."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "dashboard.py", *sorted((ROOT / "pages").glob("[!_]*.py"))]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_page_runs(page: Path) -> None:
    at = AppTest.from_file(str(page), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]


def test_overview_figures_and_policy_switch() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cameras counted"] == "221"
    assert "policy **default**" in " ".join(c.value for c in at.caption)
    at.sidebar.selectbox(key="side_frt_policy").set_value("strict-ptz-dome").run()
    assert not at.exception
    strict = {m.label: m.value for m in at.metric}
    assert int(strict["FRT-capable"]) < 221
    assert "policy **strict-ptz-dome**" in " ".join(c.value for c in at.caption)


def test_uniform_radius_changes_share() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=60).run()
    before = {m.label: m.value for m in at.metric}["Street length in view of FRT cameras"]
    at.sidebar.checkbox(key="side_uniform").check().run()
    at.sidebar.number_input(key="side_radius").set_value(10.0).run()
    after = {m.label: m.value for m in at.metric}["Street length in view of FRT cameras"]
    assert float(after.rstrip(" %")) < float(before.rstrip(" %"))
    assert "uniform 10 m discs" in " ".join(c.value for c in at.caption)
