"""Uploads handed to readers that need a path, held in memory (a RAM file system), never written to disk."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["memory_folder", "uploaded_file"]

#: Where Linux keeps a file system in memory (tmpfs), private to this machine and gone at power-off.
RAM_FOLDER = Path("/dev/shm")
#: Prefix of the private folders made here; the creating process's id follows it.
PREFIX = "exposure-upload-"
# a file name longer than this is cut, keeping its extension (file systems allow 255 bytes)
_MAX_NAME_BYTES = 180


def memory_folder() -> Path | None:
    """The folder on a memory-backed file system uploads are read from, or None when this system has none."""
    try:
        mounts = Path("/proc/mounts").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == str(RAM_FOLDER) and fields[2] == "tmpfs":
            return RAM_FOLDER if os.access(RAM_FOLDER, os.W_OK | os.X_OK) else None
    return None


def safe_name(name: str) -> str:
    """A file name to read an upload under: no folders, no NUL, not empty, not too long."""
    base = Path(str(name).replace("\x00", "").replace("\\", "/")).name.strip() or "upload"
    if base in (".", ".."):
        base = "upload"
    if len(base.encode("utf-8")) <= _MAX_NAME_BYTES:
        return base
    suffix = "".join(Path(base).suffixes[-2:])[:20]
    stem = base[: len(base) - len(suffix)] if suffix else base
    while len((stem + suffix).encode("utf-8")) > _MAX_NAME_BYTES:
        stem = stem[:-1]
    return stem + suffix


def _clear_left_behind(folder: Path) -> None:
    """Remove the folders of processes that died while reading an upload (kill -9 between write and removal)."""
    for old in folder.glob(f"{PREFIX}*"):
        pid_text = old.name.removeprefix(PREFIX).split("-", 1)[0]
        if not pid_text.isdigit() or int(pid_text) == os.getpid():
            continue
        try:
            os.kill(int(pid_text), 0)
        except ProcessLookupError:
            shutil.rmtree(old, ignore_errors=True)
        except OSError:  # alive, but someone else's: leave it
            continue


@contextlib.contextmanager
def uploaded_file(data: bytes, name: str) -> Iterator[Path]:
    """A file holding ``data`` under the name ``name``, for as long as the ``with`` block runs.

    On Linux the file lives in ``/dev/shm``, a file system in memory: its bytes
    never reach a disk, and it is removed when the block ends. The folder holding
    it is private to this user (mode 0700) and named after this process, so a
    process killed in the middle leaves nothing a later one does not remove.
    Elsewhere the system's temporary folder is used, removed the same way.
    """
    ram = memory_folder()
    if ram is not None:
        _clear_left_behind(ram)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=ram))
    try:
        path = folder / safe_name(name)
        with path.open("wb") as f:
            f.write(data)
        yield path
    finally:
        shutil.rmtree(folder, ignore_errors=True)
