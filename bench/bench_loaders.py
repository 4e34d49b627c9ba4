"""Loader benchmark: time and peak memory of reading a million camera rows, and of writing them as JSON.

    .venv/bin/python bench/bench_loaders.py                 # 1,000,000 rows of each format
    .venv/bin/python bench/bench_loaders.py --rows 200000

Two generated files (seeded, invented, placed near Helsinki and Brooklyn only so
that coordinates look real): a generic CSV with every column of the camera
schema (directions as degrees, compass points and ranges, heights with units, a
tenth of the directions and heights malformed, so that the report has rows to
name), and a Decode Surveillance ``counts_per_intersections.csv`` of the same
rows, with the URL and geometry columns of Amnesty's file. Each is loaded by
:func:`exposure.cameras.load_cameras` in a new Python process; the time is the
load alone, the memory the process's peak resident set (``ru_maxrss``), imports
included. Each file is then converted by ``exposure cameras --source FILE
--format json`` in another new process (read, select under the default
policies, write the JSON to ``/dev/null``), whose peak must stay within
:data:`JSON_LIMIT_MIB` at the row limit (``exposure.settings.max_camera_rows``,
1,000,000). The file size limit is raised for the run when a file is over it.
JSON goes to ``bench/results/loaders.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
#: The peak resident memory ``exposure cameras --format json`` may take at the row limit, in MiB (2 GiB).
JSON_LIMIT_MIB = 2048

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from exposure import settings
settings.max_camera_file_mb = max(settings.max_camera_file_mb, {mb})
from exposure.cameras import load_cameras
started = time.perf_counter()
load = load_cameras({path!r})
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "cameras": len(load.cameras), "rejected": len(load.rejected),
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


_TO_JSON = """
import contextlib, io, json, resource, sys, time
sys.path.insert(0, {root!r})
from exposure import settings
settings.max_camera_file_mb = max(settings.max_camera_file_mb, {mb})
from exposure.cli import main
started = time.perf_counter()
with contextlib.redirect_stderr(io.StringIO()):  # the rejected rows' report
    code = main(["cameras", "--source", {path!r}, "--format", "json", "--out", {out!r}])
seconds = time.perf_counter() - started
print(json.dumps({{"seconds": seconds, "exit": code,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def generic_csv(path: Path, n: int, seed: int) -> None:
    """Every schema column; a tenth of directions and heights malformed."""
    rng = np.random.default_rng(seed)
    directions = np.array(["90", "NE", "90-270", "", "45.5", "S", "300-60", "north-ish"])
    heights = np.array(["4 m", "3.5", "", "12 metres", "tall"])
    pd.DataFrame({
        "camera_id": np.char.add("c", np.arange(n).astype(str)),
        "lon": (24.8 + rng.random(n) * 0.3).round(7), "lat": (60.1 + rng.random(n) * 0.2).round(7),
        "source": "bench", "kind": rng.choice(["ptz", "dome", "fixed", "unknown"], n),
        "mount": rng.choice(["street", "building", "unknown"], n), "operator": "unknown",
        "direction_deg": directions[rng.choice(len(directions), n, p=[.2, .2, .2, .2, .05, .05, .0, .1])],
        "fov_deg": "", "height_m": heights[rng.choice(len(heights), n, p=[.3, .3, .2, .1, .1])],
        "verification": "unverified", "agreement": "", "reports": 1, "observed": "2024-05-01",
    }).to_csv(path, index=False)


def decode_csv(path: Path, n: int, seed: int) -> None:
    """Amnesty's columns, with counts drawn to Brooklyn's mean (0.89 cameras an intersection)."""
    rng = np.random.default_rng(seed)
    street = rng.choice([0, 0, 0, 0, 0, 0, 0, 0, 1, 2], n)  # 0.3, 0.5 and 0.09 a row: 0.89, Brooklyn's mean
    building = rng.choice([0, 0, 0, 0, 0, 1, 1, 2], n)
    unknown = rng.choice([0] * 10 + [1], n)
    dome = np.minimum(street, rng.choice([0, 1], n))
    bullet = np.minimum(street - dome, rng.choice([0, 1], n))
    agree = np.array(["Unanimous", "2 vs 1", "All disagree"])
    lat = (40.57 + rng.random(n) * 0.17).round(8)
    lon = (-74.04 + rng.random(n) * 0.18).round(8)
    pano = np.char.add("pano", np.arange(n).astype(str))
    point = np.char.add(np.char.add(np.char.add("POINT (", lon.astype(str)), np.char.add(" ", lat.astype(str))), ")")

    def agreements() -> np.ndarray:
        return agree[rng.choice(3, n, p=[.6, .3, .1])]

    pd.DataFrame({
        "": np.arange(n), "PanoramaId": pano, "n_cameras_median": street + building + unknown,
        "attached_street_median": street, "attached_building_median": building, "attached_unknown_median": unknown,
        "type_dome_median": dome, "type_bullet_median": bullet, "type_unknown_median": street - dome - bullet,
        "n_cameras_agreement": agreements(), "attached_street_agreement": agreements(),
        "attached_building_agreement": agreements(), "attached_unknown_agreement": agreements(),
        "type_dome_agreement": agreements(), "type_bullet_agreement": agreements(),
        "type_unknown_agreement": agreements(), "Lat": lat, "Long": lon, "geometry_pano": point,
        "BoroName": "Brooklyn", "URL": np.char.add("https://www.google.com/maps/@?api=1&map_action=pano&pano=", pano),
        "ImageDate": "2020-11", "geometry": point,
    }).to_csv(path, index=False)


def _child(template: str, path: Path) -> dict[str, Any]:
    code = template.format(root=str(HERE.parent), mb=path.stat().st_size / 1e6 + 1, path=str(path), out=os.devnull)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def measure(path: Path) -> dict[str, Any]:
    """The load of a file in a fresh process, then its conversion to JSON by the command line in another."""
    load = _child(_CHILD, path)
    to_json = _child(_TO_JSON, path)
    to_json["limit_mib"] = JSON_LIMIT_MIB
    to_json["within_limit"] = to_json["peak_rss_mib"] <= JSON_LIMIT_MIB
    return {"file_mb": round(path.stat().st_size / 1e6, 1), **load, "to_json": to_json}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    result: dict[str, Any] = {"rows": args.rows, "machine": {"python": platform.python_version(),
                                                            "processor": platform.processor() or platform.machine()}}
    with tempfile.TemporaryDirectory(prefix="loaders-") as folder:
        for name, make in (("generic_csv", generic_csv), ("decode_csv", decode_csv)):
            path = Path(folder) / f"{name}.csv"
            make(path, args.rows, args.seed)
            result[name] = measure(path)
            print(f"{name}: {result[name]}", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "loaders.json").write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
