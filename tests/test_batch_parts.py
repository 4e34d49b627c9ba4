"""Tests of exposure.batch.parts: chunks, their part names and the parts folder a resumed run reads back."""

from __future__ import annotations

import pandas as pd

from exposure.batch import BatchRequest, chunk_spans, part_name, parts_folder, write_part


def test_chunks_cover_every_row_once():
    assert chunk_spans(7, 3) == [(0, 3), (3, 6), (6, 7)]
    assert chunk_spans(6, 3) == [(0, 3), (3, 6)]
    assert chunk_spans(0, 3) == []


def test_a_part_is_named_by_its_chunk_its_pairs_and_the_request():
    key = BatchRequest().key()
    name = part_name(4, ["a", "b"], key)
    assert name.startswith("chunk-000004-")
    assert name.endswith(".parquet")
    assert part_name(4, ["a", "b"], key) == name
    assert part_name(4, ["a", "c"], key) != name
    assert part_name(4, ["a", "b"], BatchRequest(objective="shortest").key()) != name


def test_parts_go_beside_the_output_and_are_written_whole(tmp_path):
    assert parts_folder(None) is None
    assert parts_folder(tmp_path / "routes.parquet") == tmp_path / "routes.parquet.parts"
    path = tmp_path / "chunk.parquet"
    write_part(pd.DataFrame({"pair_id": ["a"]}), path)
    assert pd.read_parquet(path)["pair_id"].tolist() == ["a"]
    assert [p.name for p in tmp_path.iterdir()] == ["chunk.parquet"]  # no temporary file left behind
