"""Build benchmark: a generated city's OpenStreetMap extract built by the product's own build, in a fresh process.

    .venv/bin/python bench/bench_build.py                        # the 1.9 M-node extract (side 300, ~50 MB)
    .venv/bin/python bench/bench_build.py --side 40              # a small city
    .venv/bin/python bench/bench_build.py --extract city.osm.pbf # any extract
    .venv/bin/python bench/bench_build.py --locations-on-disk    # node locations in a file, as for a country

The extract comes from ``bench/make_extract.py`` (seeded, invented, placed near
Helsinki only so that coordinates and UTM behave; never shown as a real place) and
is written once under ``data/cache/bench/``, keyed by its side, seed and the
generator's own hash. The build is :func:`exposure.datasets.load_dataset` in a new
Python process with an empty cache folder: the seconds of each stage
(:data:`exposure.datasets.BUILD_STAGES`, ``viewsheds`` included, which the viewshed
integration fills), the whole build from process start and the processor time it
used (on a shared machine the wall time grows with the others' load, the processor
time much less), the peak resident memory (``ru_maxrss``) and what was built. A second new process then loads the cached
dataset, as every later start does. JSON to ``bench/results/build.json`` (or
``--out``); progress, with the time and memory at each message, to stderr.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
EXTRACTS = ROOT / "data" / "cache" / "bench"

#: What a complete build of the 1.9 M-node extract must stay within (issue 17): seconds and MiB.
TARGET_SECONDS = 180.0
TARGET_PEAK_MIB = 4096.0

_BUILD = """
import json, resource, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
from exposure import settings
settings.cache_folder = Path({cache!r})
if {on_disk!r}:
    settings.node_locations_in_memory_mb = 0.0
from exposure.datasets import load_dataset

def say(message):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"[{{time.perf_counter() - started:7.1f}} s {{peak:6.0f}} MiB] {{message}}", file=sys.stderr, flush=True)

imported = time.perf_counter() - started
timings = {{}}
ds = load_dataset({path!r}, progress=say, timings=timings)
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{
    "seconds": seconds, "cpu_s": usage.ru_utime + usage.ru_stime, "imports_s": imported, "stages_s": timings,
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "nodes": ds.index.n_nodes, "edges": ds.index.n_edges, "cameras": len(ds.cameras),
    "rejected_camera_rows": len(ds.rejected), "places": len(ds.places), "buildings": len(ds.buildings),
    "buildings_clipped": int(ds.buildings.clipped.sum()), "passages": len(ds.passages),
    "basemap_rings": {{kind: len(rings) for kind, rings in ds.basemap.items()}},
    "scan": ds.info.get("scan", {{}}),
}}, default=str))
"""

_LOAD = """
import json, resource, sys, time
started = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
from exposure import settings
settings.cache_folder = Path({cache!r})
from exposure.datasets import load_dataset
ds = load_dataset({path!r})
assert ds.info["from_cache"], "the second process built the dataset again"
print(json.dumps({{"seconds": time.perf_counter() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def extract_path(side: int, seed: int) -> Path:
    """Where the generated extract of these parameters is kept (the generator's hash in its name)."""
    digest = hashlib.sha256((HERE / "make_extract.py").read_bytes()).hexdigest()[:10]
    return EXTRACTS / f"city-side{side}-seed{seed}-{digest}.osm.pbf"


def ensure_extract(side: int, seed: int) -> tuple[Path, dict[str, Any]]:
    """The generated extract, written unless already there, and what it holds.

    The generator runs in a process of its own: a build process started from this one
    must not inherit a large peak memory (Linux keeps ``ru_maxrss`` across ``exec``).
    """
    path = extract_path(side, seed)
    summary_file = path.with_suffix(".json")
    if not (path.is_file() and summary_file.is_file()):
        made = subprocess.run([sys.executable, str(HERE / "make_extract.py"), str(path), "--side", str(side),
                               "--seed", str(seed)], stdout=subprocess.PIPE, text=True, check=True)
        summary_file.write_text(made.stdout)
    return path, json.loads(summary_file.read_text())


def _child(code: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def measure(path: Path, *, on_disk: bool) -> dict[str, Any]:
    """Build the extract in a fresh process, then load the cached build in another."""
    with tempfile.TemporaryDirectory(prefix="bench-build-") as cache:
        built = _child(_BUILD.format(root=str(ROOT), cache=cache, path=str(path), on_disk=on_disk))
        loaded = _child(_LOAD.format(root=str(ROOT), cache=cache, path=str(path)))
        files = sorted(Path(cache).glob("*"))
        # files by kind (graph, pickle); folders by name with everything in them (the build's coverage/)
        cached_mb = {f"{f.name}/" if f.is_dir() else f.suffix.lstrip("."): round(_size(f) / 1e6, 1) for f in files}
    return {"build": built, "load_from_cache": loaded, "cache_files_mb": cached_mb}


def _size(path: Path) -> int:
    """Bytes in a file, or in every file under a folder."""
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


def _load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return []


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Command line: generate (once) and build an extract, write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--side", type=int, default=300, help="intersections on a side of the generated city")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--extract", type=Path, help="build this extract instead of a generated one")
    parser.add_argument("--locations-on-disk", action="store_true",
                        help="keep node locations in a file on disk, as an extract too large for memory does")
    parser.add_argument("--out", type=Path, default=RESULTS / "build.json")
    args = parser.parse_args(argv)
    if args.extract is not None:
        path, summary = args.extract, {"path": str(args.extract)}
    else:
        path, summary = ensure_extract(args.side, args.seed)
    load_before = _load_average()
    result: dict[str, Any] = {
        "extract": {**summary, "file_mb": round(path.stat().st_size / 1e6, 1)},
        "locations_on_disk": args.locations_on_disk,
        **measure(path, on_disk=args.locations_on_disk),
        "targets": {"seconds": TARGET_SECONDS, "peak_rss_mib": TARGET_PEAK_MIB},
        "machine": {"python": platform.python_version(), "machine": platform.machine(), "cpus": os.cpu_count(),
                    "load_average_before": load_before, "load_average_after": _load_average(),
                    "date": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
    }
    build = result["build"]
    result["within_targets"] = bool(build["seconds"] <= TARGET_SECONDS and build["peak_rss_mib"] <= TARGET_PEAK_MIB)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
