"""A dataset in memory: its street network, cameras, places and buildings, and what it works out once."""

from __future__ import annotations

import contextlib
import gc
import json
import pickle
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import DatasetError
from exposure.buildings import Buildings, buildings_from_footprints, no_buildings
from exposure.cameras import (
    FRT_CAPABLE_TIERS,
    CameraExtent,
    apply_frt_policy,
    camera_extent,
    describe_policies,
    frt_policy,
    verification_policy,
)
from exposure.coverage import Coverage, camera_viewsheds, coverage_from_views, edge_exposure
from exposure.coverage_models import CoverageModel, coverage_model
from exposure.coverage_store import (
    camera_key,
    coverage_file,
    model_key,
    read_coverage,
    reused_coverage,
    walls_key,
    write_coverage,
)
from exposure.network import NetworkIndex
from exposure.osm_features import BuildingFootprints, Passages
from exposure.places import Place, read_presets, resolve_place
from exposure.policies import passes_verification
from exposure.routing import RoutingContext

if TYPE_CHECKING:
    import networkx as nx
    from scipy.spatial import cKDTree

    from exposure.viewsheds import Viewsheds

__all__ = [
    "BUILD_VERSION",
    "COVERAGE_VERSION",
    "Dataset",
    "coverage_cache_file",
    "coverage_model_or_default",
    "load_pickle",
    "read_graph",
    "without_cyclic_gc",
]

#: Bumped whenever a change in this package changes what a build produces (7: the obstacles made from
#: the scan's buildings and passages, the default model's coverage worked out at the build).
BUILD_VERSION = 7

#: Bumped whenever a change in coverage or viewsheds changes what a cached coverage holds.
COVERAGE_VERSION = 1

@dataclass
class Dataset:
    """A walking network, its cameras, place names and buildings; shared read-only once built.

    Routing, coverage and maps use the array form (``index``). ``buildings`` are the
    extract's building footprints (WGS84 polygons, courtyards as inner rings, those
    the extract cuts clipped to its box, with their tags) and ``passages`` the streets
    that run through buildings (``tunnel``, ``covered``, ``layer`` < 0): both empty for
    a dataset without building data (built online or from a camera file). The osmnx graph
    ``G`` is only needed to export the network, so a dataset read from disk loads
    it on first use, from the file beside the dataset's own (``graph_file``): a
    city of a million edges then loads in seconds instead of a quarter of a minute.
    ``obstacles`` are those buildings as obstacles to the cameras' views (in the
    network's CRS), made from ``buildings`` and ``passages`` (the one source of a
    dataset's buildings) by :attr:`buildings_as_obstacles`; empty when there is no
    building data (every figure then says so).
    """

    name: str
    description: str
    source: str
    checksum: str
    index: NetworkIndex
    cameras: pd.DataFrame
    rejected: pd.DataFrame
    places: pd.DataFrame
    info: dict[str, Any]
    basemap: dict[str, list[list[list[float]]]] = field(default_factory=dict)
    buildings: BuildingFootprints = field(default_factory=BuildingFootprints.empty, repr=False)
    passages: Passages = field(default_factory=Passages.empty, repr=False)
    graph: nx.MultiDiGraph | None = field(default=None, repr=False)
    graph_file: Path | None = field(default=None, repr=False)
    camera_extent: CameraExtent | None = field(default=None, repr=False)
    obstacles: Buildings | None = field(default=None, repr=False)
    _memo: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __getstate__(self) -> dict[str, Any]:
        # memoised coverage, contexts and trees are rebuilt on demand, never stored on disk;
        # the graph is stored in a file of its own
        return {**self.__dict__, "_memo": {}, "graph": None, "graph_file": None}

    @property
    def G(self) -> nx.MultiDiGraph:
        """The walking network as an osmnx-compatible graph (loaded from disk on first use)."""
        if self.graph is None:
            if self.graph_file is None:
                msg = f"dataset {self.name!r} has no street graph attached; build it again"
                raise DatasetError(msg)
            self.graph = read_graph(self.graph_file)
        return self.graph

    @property
    def node_tree(self) -> cKDTree:
        """KD-tree over the projected street nodes."""
        if "tree" not in self._memo:
            from scipy.spatial import cKDTree  # noqa: PLC0415

            self._memo["tree"] = cKDTree(self.index.node_xy)
        return self._memo["tree"]

    @property
    def buildings_as_obstacles(self) -> Buildings:
        """The buildings that cut the cameras' views, made from ``buildings`` and ``passages`` once.

        Made by :func:`exposure.buildings.buildings_from_footprints` in the build's
        viewshed stage and kept in ``obstacles`` (and in the cache) from then on;
        none (:func:`exposure.buildings.no_buildings`) without building data.
        """
        if self.obstacles is None:
            self.obstacles = (buildings_from_footprints(self.buildings, self.passages, crs=self.index.crs)
                              if len(self.buildings) else no_buildings(self.index.crs))
        return self.obstacles

    def _coverage_key(self, radius_m: float | None, model: CoverageModel, level: str) -> tuple[Any, ...]:
        if radius_m is not None:
            return ("coverage", float(radius_m), level)
        return ("coverage", None, model_key(model, level))

    def coverage(
        self, *, radius_m: float | None = None, coverage_model: str | Path | CoverageModel | None = None,
        level: str | None = None,
    ) -> Coverage:
        """Which of the dataset's cameras see which edges: their viewsheds cut to the streets (memoised).

        Memoised per model and level (or radius), and kept on disk beside the
        dataset's cache where the model cuts views by walls (see :func:`coverage_cache_file`).
        A dataset made by :meth:`with_camera_overlay` reuses what the dataset it
        overlays worked out already: only the cameras the overlay added, moved
        or changed are measured again.

        Parameters
        ----------
        radius_m
            A uniform disc radius overriding the model (no walls), for comparisons.
        coverage_model
            The coverage model, by name, file or value; default
            ``exposure.settings.coverage_model``.
        level
            ``identify`` (default), ``recognise`` or ``observe``.
        """
        model = coverage_model_or_default(coverage_model)
        level = level or settings.coverage_level
        key = self._coverage_key(radius_m, model, level)
        if key not in self._memo:
            self._memo[key] = self._measured_coverage(key, radius_m=radius_m, model=model, level=level)
        return self._memo[key]  # type: ignore[no-any-return]

    def _measured_coverage(self, key: tuple[Any, ...], *, radius_m: float | None, model: CoverageModel,
                           level: str) -> Coverage:
        """The coverage of ``key``: reused from an overlaid dataset, read from disk, or measured (and kept)."""
        base = self._memo.get("overlay_of")
        old = base._memo.get(key) if isinstance(base, Dataset) else None
        if isinstance(base, Dataset) and isinstance(old, Coverage):
            reused = reused_coverage(self.index, self.buildings_as_obstacles, old, base.cameras, self.cameras,
                                     radius_m=radius_m, model=model, level=level)
            if reused is not None:
                return reused
        disk = coverage_cache_file(self, model, level) if radius_m is None and model.walls else None
        found = read_coverage(disk) if disk is not None else None
        if found is not None and found.n_cameras == len(self.cameras) and found.n_edges == self.index.n_edges:
            return found
        views, used = camera_viewsheds(self.cameras, self.index.crs, radius_m=radius_m, coverage_model=model,
                                       level=level, buildings=self.buildings_as_obstacles)
        measured = coverage_from_views(self.index, views, settings=used)
        if disk is not None:
            write_coverage(measured, disk)
        return measured

    def viewsheds(self, *, radius_m: float | None = None, coverage_model: str | Path | CoverageModel | None = None,
                  level: str | None = None) -> Viewsheds:
        """The cameras' viewsheds the coverage of the same arguments was cut from (see :meth:`coverage`)."""
        cov = self.coverage(radius_m=radius_m, coverage_model=coverage_model, level=level)
        if cov.views is not None:
            return cov.views
        key = ("views", *self._coverage_key(radius_m, coverage_model_or_default(coverage_model),
                                            level or settings.coverage_level))
        if key not in self._memo:
            self._memo[key] = camera_viewsheds(
                self.cameras, self.index.crs, radius_m=radius_m, coverage_model=coverage_model_or_default(
                    coverage_model), level=level or settings.coverage_level, buildings=self.buildings_as_obstacles)[0]
        return self._memo[key]  # type: ignore[no-any-return]

    def context(
        self, *, frt_policy_spec: str | Path = "default", verification: str = "default",
        radius_m: float | None = None, coverage_model: str | Path | CoverageModel | None = None,
        level: str | None = None,
    ) -> RoutingContext:
        """A routing context for a choice of policies and coverage model at a level (memoised).

        ``coverage_model`` and ``level`` choose what a camera sees (default
        ``exposure.settings.coverage_model`` at ``settings.coverage_level``: ``dori-typical``
        at ``identify``);
        ``radius_m`` overrides them with uniform discs (see :meth:`coverage`).
        """
        model = coverage_model_or_default(coverage_model)
        level = level or settings.coverage_level
        key = ("context", str(frt_policy_spec), str(verification), self._coverage_key(radius_m, model, level))
        if key not in self._memo:
            policy = frt_policy(frt_policy_spec)
            statuses = verification_policy(verification)
            tiers = apply_frt_policy(self.cameras, policy)["frt_tier"]
            counted = passes_verification(self.cameras, statuses)
            frt = tiers.isin(FRT_CAPABLE_TIERS).to_numpy()
            cov = self.coverage(radius_m=radius_m, coverage_model=model, level=level)
            used = {**describe_policies(policy, statuses), "coverage": cov.settings, "dataset": self.name}
            if "reviews" in self.info:  # whose verdicts every figure counted, and how many
                used["reviews"] = self.info["reviews"]
            self._memo[key] = RoutingContext(
                index=self.index,
                exposure=edge_exposure(cov, counted=counted, frt=frt),
                camera_ids=self.cameras["camera_id"].astype(str).to_numpy(),
                settings=used,
            )
        return self._memo[key]  # type: ignore[no-any-return]

    def resolve(self, text: str) -> Place:
        """Resolve ``lat,lon``, a preset (★ label) or a place name to a street node of this dataset."""
        # one point needs no tree; a tree someone already built (for many points) is used
        return resolve_place(text, self.index, self.places, tree=self._memo.get("tree"), presets=self.presets)

    @property
    def presets(self) -> pd.DataFrame:
        """The dataset's named gathering points and protest sites (:func:`exposure.places.read_presets`)."""
        if "presets" not in self._memo:
            self._memo["presets"] = read_presets(self.name.split(" + ")[0])
        return self._memo["presets"]  # type: ignore[no-any-return]

    def with_cameras(self, cameras: pd.DataFrame, rejected: pd.DataFrame, *, source: str,
                     extent: CameraExtent | None = None) -> Dataset:
        """The same streets with another camera table (e.g. an uploaded file).

        ``extent`` is where that file looked for cameras (:func:`exposure.cameras.load_extent`);
        default the box around its cameras.
        """
        cameras = cameras.reset_index(drop=True)
        made = Dataset(
            name=f"{self.name} + {Path(source).name}", description=self.description, source=self.source,
            checksum=self.checksum, index=self.index, cameras=cameras,
            rejected=rejected, places=self.places,
            # another camera table: an overlay of reviews laid over the old one no longer holds
            info={**{k: v for k, v in self.info.items() if k != "reviews"}, "cameras_source": source},
            basemap=self.basemap, buildings=self.buildings, passages=self.passages, graph=self.graph,
            graph_file=self.graph_file,
            camera_extent=extent if extent is not None else camera_extent(cameras, source=source),
            obstacles=self.obstacles,
        )
        # another's cameras: their coverage is not kept on disk (one file per upload would pile up)
        made._memo["derived"] = True
        return made

    def with_camera_overlay(self, cameras: pd.DataFrame, *, about: dict[str, Any]) -> Dataset:
        """The same dataset with its camera table overlaid (e.g. by a group's reviews: :mod:`exposure.review`).

        The overlay keeps the dataset's name, streets and camera extent; ``about``
        goes into ``info["reviews"]`` and into the settings of every routing
        context, so each figure says what it counted. The result is memoised by
        the content of the camera table: the same overlaid cameras give the same
        dataset (its coverage and contexts kept), other cameras (a review added a
        camera, or changed one's kind or direction) give another, whose coverage
        is measured again only for the cameras that differ from this dataset's.
        The last ``settings.review_overlays_kept`` overlays are kept.

        Parameters
        ----------
        cameras
            The overlaid camera table (the columns of this dataset's, perhaps more).
        about
            What the overlay is (JSON-able): its source and counts.

        Returns
        -------
        Dataset
            The overlaid dataset.
        """
        cameras = cameras.reset_index(drop=True)
        key = ("overlay", camera_key(cameras), json.dumps(about, sort_keys=True, default=str))
        found = self._memo.get(key)
        if isinstance(found, Dataset):
            return found
        made = Dataset(
            name=self.name, description=self.description, source=self.source, checksum=self.checksum,
            index=self.index, cameras=cameras, rejected=self.rejected, places=self.places,
            info={**self.info, "reviews": about}, basemap=self.basemap, buildings=self.buildings,
            passages=self.passages, graph=self.graph, graph_file=self.graph_file, camera_extent=self.camera_extent,
            obstacles=self.buildings_as_obstacles,
        )
        made._memo["overlay_of"] = self
        made._memo["derived"] = True
        if "tree" in self._memo:  # the same streets: their tree serves both
            made._memo["tree"] = self._memo["tree"]
        # a long-running app sees a new overlay at each review: keep the latest few, not all
        older = [k for k in list(self._memo) if isinstance(k, tuple) and k[0] == "overlay"]
        for stale in older[: max(0, len(older) - settings.review_overlays_kept + 1)]:
            self._memo.pop(stale, None)
        self._memo[key] = made
        return made

    @property
    def extent(self) -> CameraExtent:
        """Where this dataset's cameras were looked for, within its streets: outside it there is no camera data.

        The dataset's own cameras come from its OpenStreetMap extract, which maps
        the box of its streets; cameras from a file (:meth:`with_cameras`) cover
        where that file looked, within that box.
        """
        import shapely  # noqa: PLC0415 - only needed for extents

        box = shapely.box(*self.bounds)
        if self.camera_extent is None:
            return CameraExtent(box, f"the box of {self.name}'s streets, whose OpenStreetMap data maps the cameras")
        inside = shapely.intersection(self.camera_extent.geometry, box)
        return CameraExtent(inside, f"{self.camera_extent.description}, within the box of the streets of "
                                    f"{self.name.split(' + ')[0]}")

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east, north of the dataset's streets (WGS84)."""
        (west, south), (east, north) = self.index.node_lonlat.min(axis=0), self.index.node_lonlat.max(axis=0)
        return float(west), float(south), float(east), float(north)

    def covers(self, lon: Any, lat: Any) -> Any:
        """Which points lie within the box of the dataset's streets (arrays of lon/lat in, booleans out)."""
        west, south, east, north = self.bounds
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        return (lon >= west) & (lon <= east) & (lat >= south) & (lat <= north)

    def summary(self) -> dict[str, Any]:
        """Headline figures for this dataset."""
        return {
            "name": self.name,
            "description": self.description,
            "source": self.source,
            "nodes": self.index.n_nodes,
            "edges": self.index.n_edges,
            "street_km": round(self.index.street_length_m / 1000.0, 2),
            "cameras": len(self.cameras),
            "rejected_camera_rows": len(self.rejected),
            "bounds": list(self.bounds),
        }


def coverage_model_or_default(spec: str | Path | CoverageModel | None) -> CoverageModel:
    """The coverage model a spec names, or the default in force (``exposure.settings.coverage_model``)."""
    return coverage_model(spec)


def coverage_cache_file(dataset: Dataset, model: CoverageModel, level: str) -> Path | None:
    """Where a dataset's coverage under a model and level is kept on disk, or None when it is not kept.

    Kept under ``settings.cache_folder / "coverage"`` when the cache is on, for the
    dataset's own cameras (not an uploaded or overlaid table), keyed by the dataset's
    source checksum, build and coverage versions, the content of its camera table and
    buildings, the model's ranges and the level (:func:`exposure.coverage_store.coverage_file`).
    """
    if dataset._memo.get("derived"):
        return None
    if "camera_key" not in dataset._memo:
        dataset._memo["camera_key"] = camera_key(dataset.cameras)
    if "walls_key" not in dataset._memo:
        dataset._memo["walls_key"] = walls_key(dataset.buildings_as_obstacles)
    about = {"checksum": dataset.checksum, "build": BUILD_VERSION, "coverage": COVERAGE_VERSION,
             "edges": dataset.index.n_edges, "cameras": dataset._memo["camera_key"],
             "walls": dataset._memo["walls_key"]}
    return coverage_file(about=about, model=model, level=level)


#: The stages of a build from an extract, in order, as :func:`load_dataset` times them: one pass over
#: the extract, the walking graph, its arrays, cameras and names, the viewsheds (computed once per
#: dataset), and writing the cache.
@contextlib.contextmanager
def without_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while a dataset is read or built.

    A dataset is a few large arrays and millions of small objects that hold no
    cycle; the collector would walk them again and again as they are made, for
    nothing (a third of a city's graph stage).
    """
    gc_was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc_was_on:
            gc.enable()


def load_pickle(path: Path) -> Any:
    """What a pickle file holds, read with the cyclic collector paused."""
    with without_cyclic_gc(), path.open("rb") as f:
        return pickle.load(f)


def read_graph(path: Path) -> nx.MultiDiGraph:
    """The street graph stored beside a dataset file, read on first use."""
    import networkx as nx  # noqa: PLC0415 - networkx only when a page needs the graph itself

    try:
        graph = load_pickle(path)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ModuleNotFoundError) as err:
        msg = f"the street graph stored in {path} cannot be read ({err}); build the dataset again"
        raise DatasetError(msg) from err
    if not isinstance(graph, nx.MultiDiGraph):
        msg = f"{path} does not hold a street graph; build the dataset again"
        raise DatasetError(msg)
    return graph


