"""Tests of exposure.coverage_store: coverage files keyed by what views depend on, and coverage reused."""

from __future__ import annotations

import numpy as np
import pytest

from exposure import settings
from exposure.coverage_models import coverage_model
from exposure.coverage_store import camera_key, coverage_file, model_key, read_coverage, walls_key, write_coverage
from exposure.datasets import load_dataset


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def test_keys_follow_what_the_views_depend_on(helsinki, monkeypatch):
    a = model_key(coverage_model("dori-typical"), "identify")
    assert a == model_key(coverage_model("dori-typical"), "identify")
    assert a != model_key(coverage_model("dori-typical"), "recognise")
    assert a != model_key(coverage_model("dori-high"), "identify")
    before = model_key(coverage_model("per-kind"), "identify")
    monkeypatch.setitem(settings.radius_m_by_kind, "ptz", 80.0)
    assert model_key(coverage_model("per-kind"), "identify") != before  # per-kind is the settings in force
    cams = helsinki.cameras
    assert camera_key(cams) == camera_key(cams.copy())
    moved = cams.copy()
    moved.loc[0, "lon"] += 1e-6
    assert camera_key(moved) != camera_key(cams)
    assert walls_key(helsinki.buildings_as_obstacles) == walls_key(helsinki.buildings_as_obstacles)


def test_a_coverage_written_reads_back_and_a_broken_file_is_measured_again(helsinki, tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path)
    model = coverage_model("kamerafrei")
    path = coverage_file(about={"checksum": "x"}, model=model, level="identify")
    assert path is not None
    assert path.parent == tmp_path / "coverage"
    assert path != coverage_file(about={"checksum": "y"}, model=model, level="identify")
    assert read_coverage(path) is None
    cov = helsinki.coverage(coverage_model="kamerafrei")
    write_coverage(cov, path)
    back = read_coverage(path)
    assert back is not None
    np.testing.assert_array_equal(back.edge, cov.edge)
    assert back.settings == cov.settings
    assert back.views is not None
    path.write_bytes(b"not a pickle")
    assert read_coverage(path) is None
    monkeypatch.setattr(settings, "use_cache", False)
    assert coverage_file(about={"checksum": "x"}, model=model, level="identify") is None


def test_a_folder_that_cannot_be_written_leaves_the_coverage_in_memory(helsinki, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("a file where a folder should be")
    write_coverage(helsinki.coverage(coverage_model="kamerafrei"), blocker / "coverage" / "k.pickle")  # no error
    assert not (blocker / "coverage").exists()
