"""The parts a batch writes beside its output, one per finished chunk, so that a stopped run resumes."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

__all__ = ["chunk_spans", "part_name", "parts_folder", "write_part"]


def chunk_spans(n: int, size: int) -> list[tuple[int, int]]:
    """The ``(start, stop)`` rows of each chunk of ``size`` rows among ``n``."""
    return [(lo, min(lo + size, n)) for lo in range(0, n, size)]


def part_name(index: int, ids: Sequence[str], request_key: str) -> str:
    """The file name of a chunk's part: its number, and a hash of its pairs (or tracks) and of the request.

    A resumed run reads back only the parts of the same chunks asked the same
    question (:meth:`exposure.batch.BatchRequest.key`).
    """
    digest = hashlib.sha256(("\x1f".join(map(str, ids)) + request_key).encode()).hexdigest()[:10]
    return f"chunk-{index:06d}-{digest}.parquet"


def parts_folder(out: str | Path | None) -> Path | None:
    """Where the parts of a run writing ``out`` go (``<out>.parts``); None without an output file."""
    return None if out is None else Path(out).with_name(Path(out).name + ".parts")


def write_part(table: pd.DataFrame, path: Path) -> None:
    """Write a finished chunk's rows to its part, whole or not at all: a resumed run trusts what it finds."""
    tmp = path.with_name(f".{path.name}.tmp")
    table.to_parquet(tmp, index=False)
    tmp.replace(path)
