"""Exposure in bulk on Dask: many origin-destination pairs, or many recorded walks, one row per route."""

from __future__ import annotations

from exposure.batch.output import output_format, rows_to_bytes, summarise, write_rows
from exposure.batch.pairs import pairs_from_points, read_od_points, read_pairs, track_files
from exposure.batch.parts import chunk_spans, part_name, parts_folder, write_part
from exposure.batch.run import LOCAL_WORKER_CONFIG, BatchResult, local_client, run_batch
from exposure.batch.tasks import (
    ROUTE_COLUMNS,
    TRACK_FILE_COLUMNS,
    BatchRequest,
    prepare_worker,
    route_chunk,
    route_row_columns,
    track_chunk,
)

__all__ = [
    "LOCAL_WORKER_CONFIG",
    "ROUTE_COLUMNS",
    "TRACK_FILE_COLUMNS",
    "BatchRequest",
    "BatchResult",
    "chunk_spans",
    "local_client",
    "output_format",
    "pairs_from_points",
    "part_name",
    "parts_folder",
    "prepare_worker",
    "read_od_points",
    "read_pairs",
    "route_chunk",
    "route_row_columns",
    "rows_to_bytes",
    "run_batch",
    "summarise",
    "track_chunk",
    "track_files",
    "write_part",
    "write_rows",
]
