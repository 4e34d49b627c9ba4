"""The entry script's navigation: every visit runs through dashboard.py, which draws the sidebar once.

These tests also guard the one private Streamlit hook the app needs (app/navigation.py):
they fail when Streamlit changes its folder mode, so that the hook is changed (or
dropped) with it.
"""

from __future__ import annotations

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from app import navigation, sidebar
from tests.app_pages import ROOT, open_page, visit

TITLES = ["Overview", "Route planner", "Neighbourhoods", "Camera data", "Who is watched", "Build a dataset",
          "Protest plan", "Many trips"]


def navigation_names(at: AppTest) -> list[str]:
    """The page names the last run's navigation listed (AppTest keeps them privately; no public view exists)."""
    return [str(info.get("page_name")) for info in at._registered_pages.values()]


@pytest.fixture
def folder_mode_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    """As when a server starts: Streamlit has not yet decided whether it is in folder mode."""
    monkeypatch.setattr(PagesManager, "uses_pages_directory", None)


@pytest.mark.usefixtures("folder_mode_unset")
def test_streamlit_still_starts_in_the_folder_mode_the_hook_leaves() -> None:
    assert "uses_pages_directory" in vars(PagesManager), "Streamlit renamed its folder-mode flag: see app/navigation"
    PagesManager(str(navigation.ENTRY))  # the server's first session: a pages/ folder beside the entry script
    assert navigation.in_folder_mode()
    assert navigation.leave_folder_mode() is True
    assert PagesManager.uses_pages_directory is False
    assert navigation.leave_folder_mode() is False
    assert navigation.ENTRY == ROOT / "dashboard.py"


@pytest.mark.parametrize("page", ["4_Camera_data.py", "8_Many_trips.py"])
def test_a_first_visitor_to_a_page_address_goes_through_the_entry(page: str) -> None:
    # AppTest starts every run as a new server does, in folder mode: this is the first visitor's run
    at = open_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    assert navigation_names(at) == TITLES  # the entry's navigation, not the folder's file names
    assert at.title[0].value == TITLES[int(page[0]) - 1]
    assert [s.key for s in at.sidebar.selectbox].count("side_dataset") == 1
    assert not navigation.in_folder_mode()


def test_without_the_hook_that_visitor_would_get_the_folder_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sidebar, "in_folder_mode", lambda: False)
    at = open_page("4_Camera_data.py").run()
    assert "dashboard" in navigation_names(at)  # what Streamlit's folder mode lists: why the hook exists


def test_the_entry_draws_the_sidebar_once_on_every_page() -> None:
    at = AppTest.from_file(str(ROOT / "dashboard.py"), default_timeout=120).run()
    for page in ("2_Route_planner.py", "6_Build_a_dataset.py", "7_Protest_plan.py", "1_Overview.py"):
        visit(at, page)
        assert not at.exception, (page, [e.value for e in at.exception])
        assert [s.key for s in at.sidebar.selectbox] == ["side_dataset", "side_frt_policy", "side_verification",
                                                         "side_model", "side_level"]
        assert [c.key for c in at.sidebar.checkbox] == ["side_uniform"]


def test_a_page_file_run_on_its_own_draws_the_sidebar_itself() -> None:
    at = AppTest.from_file(str(ROOT / "pages" / "1_Overview.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.key for s in at.sidebar.selectbox] == ["side_dataset", "side_frt_policy", "side_verification",
                                                     "side_model", "side_level"]
