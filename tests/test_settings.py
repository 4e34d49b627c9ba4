"""Tests of the package settings that come from the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def cache_folder_in_a_new_process(**env: str) -> Path:
    code = "from exposure import settings; print(settings.cache_folder)"
    clean = {k: v for k, v in os.environ.items() if k != "EXPOSURE_CACHE_FOLDER"}
    out = subprocess.run([sys.executable, "-c", code], env={**clean, "PYTHONPATH": str(ROOT), **env},
                         capture_output=True, text=True, check=True)
    return Path(out.stdout.strip())


def test_the_cache_folder_is_data_cache_beside_the_package_by_default() -> None:
    assert cache_folder_in_a_new_process() == ROOT / "data" / "cache"


def test_exposure_cache_folder_names_another_cache_folder(tmp_path: Path) -> None:
    assert cache_folder_in_a_new_process(EXPOSURE_CACHE_FOLDER=str(tmp_path / "mine")) == tmp_path / "mine"


def test_an_empty_exposure_cache_folder_keeps_the_default() -> None:
    assert cache_folder_in_a_new_process(EXPOSURE_CACHE_FOLDER="") == ROOT / "data" / "cache"
