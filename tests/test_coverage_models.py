"""Tests of exposure.coverage_models: the built-in table, DORI ranges, loading and checking user files."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure import settings
from exposure._errors import PolicyError
from exposure.cameras import KINDS
from exposure.coverage_models import (
    COVERAGE_MODEL_COLUMNS,
    COVERAGE_MODELS_FILE,
    DEFAULT_COVERAGE_MODEL,
    DEFAULT_LEVEL,
    LEVELS,
    PX_PER_M,
    available_coverage_models,
    camera_ranges,
    coverage_model,
    dori_range_m,
    read_coverage_models,
)

BUILT_IN = ("per-kind", "amnesty", "kamerafrei", "dori-low", "dori-typical", "dori-high")


# --------------------------------------------------------------------------- the built-in table


def test_every_built_in_model_is_there_with_every_kind_and_level():
    models = read_coverage_models()
    assert tuple(models) == BUILT_IN
    assert set(available_coverage_models()) == set(BUILT_IN)
    assert DEFAULT_COVERAGE_MODEL in models
    assert DEFAULT_LEVEL == "identify"
    for model in models.values():
        for kind in KINDS:
            for level in LEVELS:
                rule = model.rule(kind, level)
                assert rule.range_m > 0
                assert rule.cone_range_m > 0
                assert 0 < rule.cone_fov_deg <= 360
                assert rule.source


def test_per_kind_is_todays_model():
    model = coverage_model("per-kind")
    assert not model.walls
    assert not model.honours_camera_range
    for kind, radius in settings.radius_m_by_kind.items():
        for level in LEVELS:
            rule = model.rule(kind, level)
            assert rule.range_m == radius == rule.cone_range_m
            assert rule.cone_fov_deg == settings.default_fov_deg


def test_amnesty_and_kamerafrei_are_their_definitions():
    amnesty, kamerafrei = coverage_model("amnesty"), coverage_model("kamerafrei")
    assert (amnesty.walls, amnesty.honours_camera_range) == (False, False)
    assert (kamerafrei.walls, kamerafrei.honours_camera_range) == (True, False)
    for kind in KINDS:
        for level in LEVELS:
            assert (amnesty.rule(kind, level).range_m, amnesty.rule(kind, level).cone_fov_deg) == (120, 360)
            rule = kamerafrei.rule(kind, level)
            assert (rule.range_m, rule.cone_range_m, rule.cone_fov_deg) == (25, 40, 70)


def test_dori_models_follow_the_formula_and_order_their_tiers_and_levels():
    tiers = [coverage_model(name) for name in ("dori-low", "dori-typical", "dori-high")]
    for model in tiers:
        assert model.walls
        assert model.honours_camera_range
        for kind in KINDS:
            ranges = [model.rule(kind, level).range_m for level in LEVELS]
            assert ranges == sorted(ranges)
            for level in LEVELS:
                rule = model.rule(kind, level)
                assert rule.h_pixels
                assert rule.hfov_deg
                assert rule.range_m == pytest.approx(dori_range_m(rule.h_pixels, rule.hfov_deg, level), abs=0.05)
                assert "DORI" in rule.source
                assert "datasheet" in rule.source
    for kind in KINDS:
        for level in LEVELS:
            ladder = [m.rule(kind, level).range_m for m in tiers]
            assert ladder == sorted(ladder)
    # a PTZ pans: the DORI models see a disc whatever its direction
    assert all(m.rule("ptz", "identify").cone_fov_deg == 360 for m in tiers)


def test_dori_range_of_a_1080p_camera_with_a_90_degree_lens():
    assert dori_range_m(1920, 90.0, "identify") == pytest.approx(3.84)
    assert dori_range_m(1920, 90.0, "recognise") == pytest.approx(7.68)
    assert dori_range_m(1920, 90.0, "observe") == pytest.approx(15.36)
    with pytest.raises(PolicyError, match="unknown level 'detect'"):
        dori_range_m(1920, 90.0, "detect")
    with pytest.raises(PolicyError, match="hfov_deg < 180"):
        dori_range_m(1920, 180.0, "identify")


@given(h=st.floats(100, 10_000), hfov=st.floats(0.5, 170))
def test_dori_range_halves_with_each_level_and_grows_with_pixels(h, hfov):
    identify = dori_range_m(h, hfov, "identify")
    assert dori_range_m(h, hfov, "recognise") == pytest.approx(2 * identify)
    assert dori_range_m(h, hfov, "observe") == pytest.approx(4 * identify)
    assert dori_range_m(2 * h, hfov, "identify") == pytest.approx(2 * identify)
    assert identify == pytest.approx(h / (2 * math.tan(math.radians(hfov) / 2) * PX_PER_M["identify"]))


def test_describe_says_model_level_and_walls():
    described = coverage_model("kamerafrei").describe("recognise")
    assert described["model"] == "kamerafrei"
    assert described["level"] == "recognise"
    assert described["walls"] is True
    assert described["range_m_by_kind"]["dome"] == 25
    assert described["cone_by_kind"]["fixed"] == {"range_m": 40, "fov_deg": 70}
    with pytest.raises(PolicyError, match="unknown level"):
        coverage_model("amnesty").rule("ptz", "detect")


def test_a_kind_the_model_does_not_know_counts_as_unknown():
    model = coverage_model("per-kind")
    assert model.rule("speed-dome", "identify") == model.rule("unknown", "identify")


# --------------------------------------------------------------------------- per camera


def cameras(**columns) -> pd.DataFrame:
    base = {"kind": ["ptz", "dome", "fixed", "unknown"], "direction_deg": [np.nan, 90.0, 180.0, np.nan],
            "fov_deg": [np.nan, np.nan, 45.0, np.nan]}
    return pd.DataFrame({**base, **columns})


def test_camera_ranges_use_cones_where_the_direction_is_known():
    ranges = camera_ranges(cameras(), "kamerafrei")
    assert ranges.range_m.tolist() == [25, 40, 40, 25]
    assert ranges.fov_deg.tolist() == [360, 70, 45, 360]  # the camera's own field of view wins
    assert ranges.directed.tolist() == [False, True, True, False]
    assert set(ranges.source) == {"model"}


def test_a_camera_own_range_wins_only_where_the_model_honours_it():
    table = cameras(range_m=[10.0, np.nan, 0.0, 12.0], h_pixels=[np.nan, 1920, np.nan, 1920],
                    hfov_deg=[np.nan, 90.0, np.nan, 90.0])
    typical = camera_ranges(table, "dori-typical", level="identify")
    assert typical.range_m[0] == 10.0
    assert typical.range_m[1] == pytest.approx(3.84)
    assert typical.range_m[2] == coverage_model("dori-typical").rule("fixed", "identify").cone_range_m
    assert typical.range_m[3] == 12.0  # its own range beats its own lens
    assert typical.source.tolist() == ["camera", "camera lens", "model", "camera"]
    assert camera_ranges(table, "amnesty").range_m.tolist() == [120, 120, 120, 120]
    assert set(camera_ranges(table, "per-kind").source) == {"model"}


def test_amnesty_ignores_directions():
    ranges = camera_ranges(cameras(), "amnesty")
    assert ranges.fov_deg.tolist() == [360] * 4
    assert not ranges.directed.any()


def test_indoor_cameras_see_no_street():
    ranges = camera_ranges(cameras(indoor=[True, False, None, False]), "amnesty")
    assert ranges.range_m.tolist() == [0, 120, 120, 120]
    assert ranges.source[0] == "indoor"


# --------------------------------------------------------------------------- user files


def write(tmp_path, rows: list[dict], name: str = "models.csv"):
    path = tmp_path / name
    pd.DataFrame(rows, columns=list(COVERAGE_MODEL_COLUMNS)).to_csv(path, index=False)
    return path


def full_model(name: str = "mine", **overrides) -> list[dict]:
    rows = []
    for kind in KINDS:
        for level in LEVELS:
            rows.append({"model": name, "kind": kind, "level": level, "range_m": 30, "cone_range_m": 50,
                         "cone_fov_deg": 80, "walls": "yes", "honours_camera_range": "no", "h_pixels": "",
                         "hfov_deg": "", "source": "a survey of our street", **overrides})
    return rows


def test_a_user_file_with_one_model(tmp_path):
    model = coverage_model(write(tmp_path, full_model()))
    assert model.name == "mine"
    assert model.walls
    assert "read from" in model.description
    assert model.rule("dome", "observe").cone_range_m == 50


def test_a_dori_row_may_leave_its_ranges_to_the_formula(tmp_path):
    rows = full_model(h_pixels=1920, hfov_deg=90, range_m="", cone_range_m="")
    model = coverage_model(write(tmp_path, rows))
    assert model.rule("fixed", "identify").range_m == pytest.approx(3.84)
    assert model.rule("fixed", "observe").cone_range_m == pytest.approx(15.36)


def test_the_built_in_file_is_the_projects():
    assert COVERAGE_MODELS_FILE.name == "coverage_models.csv"
    assert read_coverage_models(COVERAGE_MODELS_FILE)["amnesty"].description.startswith("Amnesty")


def bad(rows: list[dict], index: int, **change) -> list[dict]:
    rows = [dict(r) for r in rows]
    rows[index].update(change)
    return rows


@pytest.mark.parametrize(("rows", "message"), [
    (bad(full_model(), 3, kind="bullet"), r"data row 4 \(line 5\), column 'kind': 'bullet' is not valid"),
    (bad(full_model(), 0, level="detect"), r"data row 1 \(line 2\), column 'level': 'detect'"),
    (bad(full_model(), 2, range_m="far"), r"data row 3 \(line 4\), column 'range_m': 'far' is not valid"),
    (bad(full_model(), 2, range_m="-5"), r"column 'range_m': '-5' is not valid; give a number above 0"),
    (bad(full_model(), 5, cone_fov_deg="400"), r"column 'cone_fov_deg': '400'"),
    (bad(full_model(), 1, walls="maybe"), r"column 'walls': 'maybe' is not valid; use yes or no"),
    (bad(full_model(), 7, walls="no"), r"data row 8 \(line 9\), column 'walls': model 'mine' says yes at"),
    (bad(full_model(), 4, source=""), r"data row 5 \(line 6\), column 'source': empty"),
    (bad(full_model(), 4, model=""), r"column 'model': empty"),
    (bad(full_model(), 6, h_pixels="1920"), r"data row 7 \(line 8\): give both h_pixels and hfov_deg"),
    (bad(full_model(), 6, h_pixels="1920", hfov_deg="90"), r"column 'range_m': 30 m disagrees with h_pixels and "
                                                           r"hfov_deg, which give 3.8 m"),
    (bad(full_model(), 6, h_pixels="1920", hfov_deg="90", range_m=""), r"'cone_range_m': 50 m disagrees"),
    (full_model()[:-1], r"model 'mine' has no row for unknown/observe \(kind/level\)"),
    (bad(full_model(), 1, level="identify"), r"data row 2 \(line 3\): model 'mine' already has a row for kind ptz, "
                                             r"level identify"),
    (full_model() + full_model("theirs"), r"holds 2 models \(mine, theirs\)"),
])
def test_a_bad_file_is_refused_naming_file_row_and_column(tmp_path, rows, message):
    path = write(tmp_path, rows)
    with pytest.raises(PolicyError, match=message):
        coverage_model(path)
    assert str(path) in _message(path)


def _message(path) -> str:
    try:
        coverage_model(path)
    except PolicyError as err:
        return str(err)
    return ""


def test_files_that_cannot_be_read(tmp_path):
    with pytest.raises(PolicyError, match="not found"):
        coverage_model(tmp_path / "absent.csv")
    missing = tmp_path / "missing.csv"
    missing.write_text("model,kind,level\nx,ptz,identify\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="missing column"):
        coverage_model(missing)
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(COVERAGE_MODEL_COLUMNS) + "\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="has no rows"):
        coverage_model(empty)
    binary = tmp_path / "binary.csv"
    binary.write_bytes(b"\xff\xfe\x00\x00garbage")
    with pytest.raises(PolicyError, match="cannot be read as CSV"):
        coverage_model(binary)


def test_an_unknown_model_name():
    with pytest.raises(PolicyError, match=r"unknown coverage model 'lidar'; use one of per-kind, amnesty"):
        coverage_model("lidar")
    model = coverage_model("amnesty")
    assert coverage_model(model) is model


def test_the_default_in_force_is_the_settings(monkeypatch):
    assert (settings.coverage_model, settings.coverage_level) == (DEFAULT_COVERAGE_MODEL, DEFAULT_LEVEL)
    assert coverage_model().name == DEFAULT_COVERAGE_MODEL
    monkeypatch.setattr(settings, "coverage_model", "kamerafrei")
    assert coverage_model().name == "kamerafrei"
    assert coverage_model(None).name == "kamerafrei"
