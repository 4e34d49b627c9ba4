"""What every command shares: progress and notes on stderr, results to stdout or a file, camera files read."""

from __future__ import annotations

import sys
from typing import Any

from exposure import cameras, downloads
from exposure.export import write_output

__all__ = ["emit", "load_camera_file", "local_camera_file", "progress", "report_rejected", "say"]


def say(message: str) -> None:
    """A line for the person at the terminal (stderr), never mixed into the result on stdout."""
    print(message, file=sys.stderr)


def progress(message: str) -> None:
    """A progress line on stderr, as the engine reports its steps."""
    say(f"… {message}")


def emit(result: str | dict[str, Any] | list[Any], out: str | None) -> None:
    """Write a command's result (text, or a dict/list as JSON) to ``out`` or stdout; say where a file went."""
    write_output(result, out)
    if out is not None:  # every command says where its file went
        say(f"wrote {out}")


def local_camera_file(path: str) -> str:
    """The local path of a camera file; a URL, or ``decode-nyc`` for Amnesty's file, is downloaded once (asked for)."""
    source = downloads.DECODE_NYC_URL if path == "decode-nyc" else path
    return str(downloads.fetch_camera_file(source, progress=progress)) if downloads.is_url(source) else source


def load_camera_file(path: str, *, decode_total: str = "attachments") -> cameras.CameraLoad:
    """Load a camera file (see :func:`local_camera_file`), reporting rejected rows on stderr."""
    loaded = cameras.load_cameras(local_camera_file(path), decode_total=decode_total)
    report_rejected(loaded.rejected, path)
    return loaded


def report_rejected(rejected: Any, source: str) -> None:
    """The rows of a camera file that were left out or corrected, at most 50 of them, on stderr."""
    if len(rejected):
        say(f"{source}: {len(rejected)} row(s) rejected or corrected:")
        for rec in rejected.head(50).itertuples(index=False):
            say(f"  row {rec.row}, column {rec.column}: {rec.reason}")
        if len(rejected) > 50:
            say(f"  … and {len(rejected) - 50} more")
