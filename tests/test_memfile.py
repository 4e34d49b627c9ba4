"""Uploads read through a file in memory: never on disk, removed at once, nothing left by a killed process."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from exposure import _memfile
from exposure._memfile import PREFIX, memory_folder, safe_name, uploaded_file

RAM = memory_folder()
needs_ram = pytest.mark.skipif(RAM is None, reason="no memory file system (/dev/shm tmpfs) on this machine")


@needs_ram
def test_an_upload_lives_in_memory_under_its_name_and_is_gone_after() -> None:
    assert RAM is not None
    with uploaded_file(b"lat,lon\n60.1,24.9\n", "my walk.csv") as path:
        assert path.name == "my walk.csv"
        assert path.parent.parent == RAM  # /dev/shm: a file system in memory
        assert path.read_bytes() == b"lat,lon\n60.1,24.9\n"
        assert (path.parent.stat().st_mode & 0o777) == 0o700  # nobody else may list or read it
        folder = path.parent
    assert not folder.exists()


@needs_ram
def test_the_system_temporary_folder_is_not_used(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with uploaded_file(b"x", "a.csv") as path:
        assert tmp_path not in path.parents
    assert list(tmp_path.iterdir()) == []


def test_the_file_is_removed_when_the_reader_fails() -> None:
    seen: list[Path] = []

    def read() -> None:
        with uploaded_file(b"x", "a.csv") as path:
            seen.append(path)
            msg = "reader failed"
            raise ValueError(msg)

    with pytest.raises(ValueError, match="reader failed"):
        read()
    assert not seen[0].parent.exists()


@pytest.mark.parametrize(("name", "expected"), [
    ("cameras.csv", "cameras.csv"),
    ("/etc/passwd", "passwd"),
    ("..\\..\\evil.csv", "evil.csv"),
    ("", "upload"),
    ("..", "upload"),
    ("a\x00b.csv", "ab.csv"),
    ("<img src=x onerror=alert(1)>.csv", "<img src=x onerror=alert(1)>.csv"),
])
def test_safe_name(name: str, expected: str) -> None:
    assert safe_name(name) == expected


def test_a_long_name_is_cut_keeping_its_extension() -> None:
    name = safe_name("ä" * 300 + ".osm.pbf")
    assert name.endswith(".osm.pbf")
    assert len(name.encode()) <= 180
    with uploaded_file(b"x", "ä" * 300 + ".osm.pbf") as path:
        assert path.name == name


@needs_ram
def test_folders_left_by_a_killed_process_are_removed_by_the_next_read() -> None:
    assert RAM is not None
    # a process that died between writing and removing (kill -9): its pid no longer exists
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    left = RAM / f"{PREFIX}{int(dead.stdout)}-abc123"
    left.mkdir()
    (left / "walk.gpx").write_bytes(b"<gpx/>")
    mine = RAM / f"{PREFIX}{os.getpid()}-keep"  # this process's own: may be in use
    mine.mkdir()
    try:
        with uploaded_file(b"x", "a.csv"):
            pass
        assert not left.exists()
        assert mine.exists()
    finally:
        _memfile.shutil.rmtree(left, ignore_errors=True)
        _memfile.shutil.rmtree(mine, ignore_errors=True)


def test_without_a_memory_file_system_the_temporary_folder_is_used(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(_memfile, "memory_folder", lambda: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with uploaded_file(b"x", "a.csv") as path:
        assert tmp_path in path.parents
    assert list(tmp_path.iterdir()) == []


def test_memory_folder_is_a_tmpfs_or_none() -> None:
    folder = memory_folder()
    if folder is not None:
        mounts = Path("/proc/mounts").read_text().splitlines()
        assert any(line.split()[1:3] == [str(folder), "tmpfs"] for line in mounts)
