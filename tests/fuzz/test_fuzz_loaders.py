"""Mutation fuzzing of every loader on seed files (the sweep's seeds and the real test data).

Each example takes a seed file, overwrites a few of its bytes, cuts it or
repeats a slice of it, and hands it to the loader: it must return a result or
raise its domain error with a one-line message, never anything else. CI runs a
few dozen examples per loader; ``EXPOSURE_FUZZ_EXAMPLES=5000 pytest tests/fuzz``
runs a long campaign.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exposure._errors import BatchError, CameraDataError, PlanError, TrackError
from exposure.areas import AreaError, read_areas
from exposure.audit import read_track
from exposure.batch import read_pairs
from exposure.cameras import load_cameras
from exposure.planning import areas_from_geojson, read_plan, read_points
from tests.conftest import SHARED_DATA
from tests.hostile import one_line, outcome

EXAMPLES = int(os.environ.get("EXPOSURE_FUZZ_EXAMPLES", "40"))
SWEEP = Path(__file__).resolve().parent.parent.parent / "bench" / "hostile_sweep.py"


def _sweep_module() -> Any:
    spec = importlib.util.spec_from_file_location("hostile_sweep", SWEEP)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("hostile_sweep", module)
    spec.loader.exec_module(module)
    return module


_SEEDS: dict[str, list[str]] = _sweep_module().SEEDS


def _real(name: str, lines: int = 60) -> list[bytes]:
    """The first lines of a real test file, when ../shared/data is present."""
    path = SHARED_DATA / name
    if not path.is_file():
        return []
    with path.open("rb") as handle:
        return [b"".join(next(handle, b"") for _ in range(lines))]


#: loader name → (seed files, suffix, how to read a path, the domain error it may raise)
LOADERS: dict[str, tuple[list[bytes], str, Callable[[Path], Any], type[Exception]]] = {
    "cameras-csv": ([s.encode() for s in _SEEDS["camera-csv"] + _SEEDS["camera-cctv"]]
                    + _real("jyvaskyla/cameras.csv"), ".csv", load_cameras, CameraDataError),
    "cameras-decode": ([s.encode() for s in _SEEDS["camera-decode"]]
                       + _real("nyc/decode_counts_per_intersection_brooklyn.csv", 40), ".csv", load_cameras,
                       CameraDataError),
    "cameras-json": ([s.encode() for s in _SEEDS["camera-geojson"] + _SEEDS["camera-overpass"]], ".geojson",
                     load_cameras, CameraDataError),
    "cameras-osm-xml": ([s.encode() for s in _SEEDS["camera-osm-xml"]], ".osm", load_cameras, CameraDataError),
    "track-gpx": ([s.encode() for s in _SEEDS["track-gpx"]] + _real("jyvaskyla/walk1.gpx", 200), ".gpx",
                  read_track, TrackError),
    "track-geojson": ([s.encode() for s in _SEEDS["track-geojson"]], ".geojson", read_track, TrackError),
    "areas": ([s.encode() for s in _SEEDS["areas"]], ".geojson", read_areas, AreaError),
    "plan": ([s.encode() for s in _SEEDS["plan-file"]], ".json", read_plan, PlanError),
    "points": ([s.encode() for s in _SEEDS["points-file"]], ".csv", read_points, PlanError),
    "avoid": ([s.encode() for s in _SEEDS["avoid-file"]], ".geojson", areas_from_geojson, PlanError),
    "pairs": ([s.encode() for s in _SEEDS["pairs-file"]], ".csv", read_pairs, BatchError),
}

_EDITS = st.lists(st.tuples(st.integers(0, 10**6), st.binary(min_size=1, max_size=6)), max_size=6)


def mutated(seed: bytes, edits: list[tuple[int, bytes]], cut: int | None, repeat: tuple[int, int, int]) -> bytes:
    data = bytearray(seed)
    for position, patch in edits:
        if data:
            at = position % len(data)
            data[at : at + len(patch)] = patch
    if repeat[2] > 1 and data:
        a = repeat[0] % len(data)
        b = min(len(data), a + repeat[1] % 200)
        data[b:b] = data[a:b] * repeat[2]
    if cut is not None and data:
        del data[cut % len(data) :]
    return bytes(data)


@pytest.mark.parametrize("loader", sorted(LOADERS))
@given(choice=st.integers(0, 10), edits=_EDITS, cut=st.none() | st.integers(0, 10**6),
       repeat=st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.integers(0, 300)))
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                        HealthCheck.too_slow])
def test_loader_on_mutated_seeds(tmp_path: Path, loader: str, choice: int, edits: list[tuple[int, bytes]],
                                 cut: int | None, repeat: tuple[int, int, int]) -> None:
    seeds, suffix, read, error = LOADERS[loader]
    path = tmp_path / f"fuzz{suffix}"
    path.write_bytes(mutated(seeds[choice % len(seeds)], edits, cut, repeat))
    _, message = outcome(lambda: read(path), error)
    assert one_line(message)
