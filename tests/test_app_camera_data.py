"""The Camera data page: upload, validation report, use on every page, filters and downloads."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from exposure import settings
from exposure.cameras import load_cameras
from tests.app_pages import open_page, visit

#: One good camera and three bad rows: a non-number latitude, an out-of-range longitude, an unknown kind.
BAD_CSV = (
    b"lat,lon,kind\n"
    b"60.17,24.94,ptz\n"
    b"abc,24.94,dome\n"
    b"60.17,999,fixed\n"
    b"60.171,24.941,spaceship\n"
)


def _page() -> AppTest:
    at = open_page("4_Camera_data.py", timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str) -> pd.DataFrame:
    """The page's table that has this column (the camera table has camera_id, the report reason)."""
    tables = [d.value for d in at.dataframe if column in d.value.columns]
    assert len(tables) == 1, [list(d.value.columns) for d in at.dataframe]
    return tables[0]


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="cam_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_default_shows_the_dataset_cameras() -> None:
    at = _page()
    assert len(_table(at, "camera_id")) == 221
    assert _metrics(at)["Cameras shown"] == "221"
    assert "Cameras loaded" not in _metrics(at)  # no upload, no report
    assert "the dataset's cameras" in _captions(at)
    assert [b.key for b in at.button] == ["cam_decode"]  # nothing to use or reset yet; download on request
    assert at.get("deck_gl_json_chart")
    assert [d.label for d in at.get("download_button")] == [
        "Download these cameras (CSV)", "Download these cameras (GeoJSON)",
    ]


def test_filters_narrow_the_table() -> None:
    at = _page()
    at.multiselect(key="cam_kind").set_value(["ptz"]).run()
    table = _table(at, "camera_id")
    assert len(table) == 34
    assert set(table["kind"]) == {"ptz"}
    at.multiselect(key="cam_tier").set_value(["low"]).run()  # PTZ is always high under the default policy
    assert len(_table(at, "camera_id")) == 0
    assert not at.exception


def test_frt_tier_filter_follows_the_sidebar_policy() -> None:
    at = _page()
    at.multiselect(key="cam_tier").set_value(["high"]).run()
    default_high = len(_table(at, "camera_id"))
    at.sidebar.selectbox(key="side_frt_policy").set_value("all").run()
    assert len(_table(at, "camera_id")) == 221 > default_high


def test_bad_rows_are_reported_by_the_loader(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_CSV)
    load = load_cameras(path)
    assert len(load.cameras) == 1
    assert list(load.rejected["row"]) == [2, 3, 4]
    assert list(load.rejected["column"]) == ["lat", "lon", "kind"]


def test_upload_shows_the_validation_report() -> None:
    at = _upload(_page(), "bad.csv", BAD_CSV)
    metrics = _metrics(at)
    assert metrics["Cameras loaded"] == "1"
    assert metrics["Rows rejected"] == "3"
    assert [w.value for w in at.warning if not w.value.startswith("Downloading sends")] == [
        "3 rows were rejected; the other camera is kept. The table below says which rows and why."
    ]
    report = _table(at, "reason")
    assert list(report.columns) == ["file", "row", "column", "value", "reason"]
    assert set(report["file"]) == {"bad.csv"}  # the upload's name, not the temporary copy's path
    assert list(report["row"]) == [2, 3, 4]
    assert len(_table(at, "camera_id")) == 1
    assert "Loaded here only" in _captions(at)


def test_seeded_upload_survives_a_rerun_without_the_uploader(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(BAD_CSV)
    load = load_cameras(path)
    at = open_page("4_Camera_data.py", timeout=60)
    at.session_state["cam_loaded"] = {
        "cameras": load.cameras, "rejected": load.rejected, "source": "bad.csv", "stamp": None,
    }
    at.run()
    assert not at.exception
    assert _metrics(at)["Rows rejected"] == "3"
    assert len(_table(at, "reason")) == 3
    at.run()
    assert _metrics(at)["Cameras loaded"] == "1"


def test_use_and_reset_switch_the_counted_cameras() -> None:
    at = _upload(_page(), "bad.csv", BAD_CSV)
    at.button(key="cam_use").click().run()
    assert not at.exception
    assert "uploaded cameras from **bad.csv**" in _captions(at)
    # in use: the button that would use them is gone, and the page says they are in use
    assert [b.key for b in at.button] == ["cam_decode", "cam_reset"]
    assert any("(bad.csv) are in use on every page" in s.value for s in at.success)
    at.button(key="cam_reset").click().run()
    assert not at.exception
    assert "the dataset's cameras" in _captions(at)
    assert "bad.csv" not in " ".join(c.value for c in at.caption if c.value.startswith("Counted"))
    assert [b.key for b in at.button] == ["cam_decode", "cam_use"]


def test_removing_the_file_goes_back_to_the_dataset() -> None:
    at = _upload(_page(), "bad.csv", BAD_CSV)
    at.file_uploader(key="cam_file").set_value(None).run()
    assert not at.exception
    assert "Cameras loaded" not in _metrics(at)
    assert len(_table(at, "camera_id")) == 221


def test_unreadable_file_shows_the_error_not_a_traceback() -> None:
    at = _upload(_page(), "notes.csv", b"foo\nbar\n")
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert errors[0].startswith("camera file notes.csv: no latitude column")
    assert "/tmp" not in errors[0]
    assert len(_table(at, "camera_id")) == 221  # the page goes on with the dataset's cameras


def test_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(settings, "max_camera_file_mb", 0.00001)  # 10 bytes
    at = _upload(_page(), "bad.csv", BAD_CSV)
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "bad.csv" in errors[0]
    assert "1e-05 MB limit" in errors[0]
    assert "Cameras loaded" not in _metrics(at)


def test_format_override_is_passed_to_the_loader() -> None:
    at = _page()
    at.selectbox(key="cam_format").set_value("decode").run()
    at = _upload(at, "bad.csv", BAD_CSV)
    errors = [e.value for e in at.error]
    assert len(errors) == 1
    assert "missing Decode Surveillance column(s)" in errors[0]


def test_map_shows_the_filtered_cameras_without_a_basemap() -> None:
    at = _page()
    at.multiselect(key="cam_kind").set_value(["ptz"]).run()
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    cameras = next(layer for layer in spec["layers"] if layer["@@type"] == "ScatterplotLayer")
    assert len(cameras["data"]) == 34
    # The sentinel Streamlit reads as "no basemap": no tile or style request leaves the machine.
    assert spec["mapStyle"] == "__MAP_STYLE__"


def test_jyvaskyla_upload_is_outside_helsinki(shared_data: Path) -> None:
    data = (shared_data / "jyvaskyla" / "cameras.csv").read_bytes()
    # CCTV-Exposure publishes this CSV under an .xml name; the loader must see through it.
    at = _upload(_page(), "cameras.xml", data)
    assert _metrics(at)["Cameras loaded"] == "450"
    assert _metrics(at)["Rows rejected"] == "0"
    assert [s.value for s in at.success] == ["Every row of cameras.xml was read: 450 cameras."]
    assert any("outside the streets of helsinki; routes won't see them" in i.value for i in at.info)
    assert len(_table(at, "camera_id")) == 450


def test_decode_upload_says_how_the_counts_combine(shared_data: Path) -> None:
    data = (shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv").read_bytes()
    at = _upload(_page(), "counts_per_intersections.csv", data)
    assert _metrics(at)["Cameras loaded"] == "9,216"
    (how,) = [i.value for i in at.info if "How the Decode Surveillance counts combine" in i.value]
    assert "attached_street_median + attached_building_median + attached_unknown_median" in how
    assert "AMR 51/5205/2022" in how
    assert "9,216 cameras, 869 of them on street furniture (595 dome)" in how
    assert "--decode-total n_cameras" in how


def test_other_files_get_no_decode_note() -> None:
    at = _upload(_page(), "bad.csv", BAD_CSV)
    assert not any("Decode" in i.value for i in at.info)


def test_the_file_read_the_format_and_the_filters_hold_while_another_page_is_visited() -> None:
    at = _upload(_page(), "bad.csv", BAD_CSV)
    at.selectbox(key="cam_format").set_value("csv").run()
    at.multiselect(key="cam_kind").set_value(["ptz"]).run()
    visit(at, "1_Overview.py")
    visit(at, "4_Camera_data.py")
    assert not at.exception, [e.value for e in at.exception]
    assert _metrics(at)["Rows rejected"] == "3"
    assert at.selectbox(key="cam_format").value == "csv"
    assert at.multiselect(key="cam_kind").value == ["ptz"]
