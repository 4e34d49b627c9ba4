"""The caches every session shares: long-lived objects kept out of the garbage collector's way, presets re-read
when their file changes, and no full collection after each page run."""

from __future__ import annotations

import gc
import os
import tomllib
from pathlib import Path

from app import cache
from exposure import settings

ROOT = Path(__file__).resolve().parent.parent


def test_what_is_alive_once_a_dataset_is_made_is_frozen_out_of_the_collectors_way() -> None:
    gc.unfreeze()
    try:
        made = object()
        assert cache.settled(made) is made
        assert gc.get_freeze_count() > 1000  # every object alive now: a full collection no longer walks them
    finally:
        gc.unfreeze()


def test_no_full_collection_after_every_page_run() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False


def test_presets_are_read_again_when_their_file_changes(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(settings, "presets_folder", tmp_path)
    path = tmp_path / "helsinki.csv"
    path.write_text("name,lat,lon,note\nA,60.17,24.94,\n")
    first = cache.presets("helsinki")
    assert first["name"].tolist() == ["A"]
    assert cache.presets("helsinki") is first  # unchanged: read once
    path.write_text("name,lat,lon,note\nA,60.17,24.94,\nB,60.16,24.95,\n")


    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    assert cache.presets("helsinki")["name"].tolist() == ["A", "B"]
