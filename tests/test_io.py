"""Tests of exposure._io: file checks, first bytes, text tables and JSON within the limits, for any kind of file."""

from __future__ import annotations

from pathlib import Path

import pytest

from exposure import settings as exposure_settings
from exposure._io import FileKind, check_file, check_rows, looks_like_pbf, read_head, read_json, read_text_table


class NoteError(ValueError):
    """An error of the kind of file these tests read."""


NOTES = FileKind(what="notes file", error=NoteError, size_setting="max_camera_file_mb",
                 rows_setting="max_camera_rows", formats="a .csv file", empty_fix="write some notes")


def test_check_file_returns_a_path(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_text("a\n1\n", encoding="utf-8")
    assert check_file(str(path), kind=NOTES) == path


@pytest.mark.parametrize(("make", "pattern"), [
    (lambda p: None, r"^notes file .*n\.csv not found; check the path$"),
    (lambda p: p.mkdir(), r"n\.csv is not a file; give the path of a \.csv file$"),
    (lambda p: p.write_bytes(b""), r"n\.csv is empty \(0 bytes\); write some notes$"),
])
def test_check_file_refuses_what_is_not_a_file_to_read(tmp_path: Path, make, pattern: str) -> None:
    path = tmp_path / "n.csv"
    make(path)
    with pytest.raises(NoteError, match=pattern):
        check_file(path, kind=NOTES)


def test_check_file_refuses_a_file_over_its_size_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"x" * 2000)
    monkeypatch.setattr(exposure_settings, "max_camera_file_mb", 0.001)
    with pytest.raises(NoteError, match=r"n\.csv is 0\.0 MB, over the 0\.001 MB limit; cut it to your area or "
                                        r"raise exposure\.settings\.max_camera_file_mb"):
        check_file(path, kind=NOTES)


def test_read_head_and_pbf_sniffing(tmp_path: Path) -> None:
    path = tmp_path / "x.osm.pbf"
    path.write_bytes(b"\x00\x00\x00\x0d\n\x09OSMHeader" + bytes(5000))
    head = read_head(path, kind=NOTES)
    assert len(head) == 4096
    assert len(read_head(path, 10, kind=NOTES)) == 10
    assert looks_like_pbf(head)
    assert not looks_like_pbf(b"lat,lon\n")
    with pytest.raises(NoteError, match=r"notes file .*gone cannot be read"):
        read_head(tmp_path / "gone", kind=NOTES)


def test_read_text_table_keeps_every_value_as_text(tmp_path: Path) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(b"\xef\xbb\xbfid, value\n007, NA\n8,\n")
    table = read_text_table(path, kind=NOTES)
    assert list(table.columns) == ["id", "value"]
    assert table.to_numpy().tolist() == [["007", "NA"], ["8", ""]]


@pytest.mark.parametrize(("data", "pattern"), [
    (b"a,b\n\xff\xfe,1\n", r"is not UTF-8 text .*save it as UTF-8 CSV"),
    (b"\n", r"is empty; it needs a header line and at least one data row"),
    (b'a,b\n1,2\n1,2,3\n', r"is not valid CSV .*check the quoting and the number of fields"),
])
def test_read_text_table_errors_name_the_file(tmp_path: Path, data: bytes, pattern: str) -> None:
    path = tmp_path / "n.csv"
    path.write_bytes(data)
    with pytest.raises(NoteError, match=rf"^notes file .*n\.csv {pattern}"):
        read_text_table(path, kind=NOTES)


def test_read_text_table_refuses_more_rows_than_its_setting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "n.csv"
    path.write_text("a\n" + "1\n" * 6, encoding="utf-8")
    monkeypatch.setattr(exposure_settings, "max_camera_rows", 5)
    with pytest.raises(NoteError, match=r"has more than 5 data rows, over the limit of 5 "
                                        r"\(exposure\.settings\.max_camera_rows\)"):
        read_text_table(path, kind=NOTES)
    check_rows(5, source="n.csv", kind=NOTES)
    with pytest.raises(NoteError, match=r"^notes file n\.csv has 6 features, over the limit of 5"):
        check_rows(6, source="n.csv", kind=NOTES, what="features")


def test_read_json(tmp_path: Path) -> None:
    path = tmp_path / "n.json"
    path.write_text('{"a": [1, 2]}', encoding="utf-8")
    assert read_json(path, kind=NOTES) == {"a": [1, 2]}
    path.write_bytes(b'{"a": \xff}')
    with pytest.raises(NoteError, match=r"n\.json is not UTF-8 text .*; save it as UTF-8$"):
        read_json(path, kind=NOTES)
    path.write_text('{"a": ', encoding="utf-8")
    with pytest.raises(NoteError, match=r"n\.json is not valid JSON .*fix the file or export it again$"):
        read_json(path, kind=NOTES)
    path.write_text("[" * 10_000 + "]" * 10_000, encoding="utf-8")
    with pytest.raises(NoteError, match=r"n\.json is not valid JSON"):
        read_json(path, kind=NOTES)
