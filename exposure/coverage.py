"""Which cameras see which street edges, and for how many metres: their viewsheds cut to the streets.

A camera's view is its disc or sector under a named coverage model at a quality
level (:mod:`exposure.coverage_models`), cut by the buildings around it where the
model uses walls (:mod:`exposure.viewsheds`); a uniform ``radius_m`` overrides the
model with plain discs, for comparisons. The disc and sector geometry lives in
:mod:`exposure.discs` and is re-exported here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
import shapely.geometry

from exposure import coverage_models, settings
from exposure._errors import PolicyError
from exposure.coverage_models import LEVELS, CoverageModel, camera_ranges
from exposure.discs import CameraGeometry, camera_geometry, candidate_pairs, polyline_intervals, union_length
from exposure.viewsheds import (
    Viewsheds,
    camera_views,
    compute_viewsheds,
    street_metres_in_view,
    street_segments,
    visible_intervals,
)

if TYPE_CHECKING:
    from pathlib import Path

    import pandas as pd
    import pyproj

    from exposure.buildings import Buildings
    from exposure.network import NetworkIndex

__all__ = [
    "NO_BUILDING_DATA",
    "CameraGeometry",
    "Coverage",
    "EdgeExposure",
    "camera_geometry",
    "camera_viewsheds",
    "candidate_pairs",
    "coverage_from_views",
    "coverage_settings",
    "coverage_words",
    "edge_coverage",
    "edge_exposure",
    "largest_range_m",
    "polyline_intervals",
    "union_length",
    "viewshed_features",
    "viewshed_table",
]

#: What every figure says when the model cuts views by walls but the dataset has no buildings.
NO_BUILDING_DATA = "no building data: views are not cut by walls"

#: What every figure says when the model does not cut views by walls.
_MODEL_WITHOUT_WALLS = "the coverage model does not cut views by walls"

def _check_level(level: str | None) -> str:
    """The level asked (the default in force, ``settings.coverage_level``, for None), checked."""
    if level is None:
        level = settings.coverage_level
    if level not in LEVELS:
        msg = f"unknown level {level!r}; use one of {', '.join(LEVELS)}"
        raise PolicyError(msg)
    return level


def _model_of(spec: str | Path | CoverageModel | None) -> CoverageModel:
    """The model a spec names (the default in force, ``settings.coverage_model``, for None)."""
    return coverage_models.coverage_model(spec)


def coverage_settings(
    *, radius_m: float | None = None, coverage_model: str | Path | CoverageModel | None = None,
    level: str | None = None, buildings: Buildings | None = None, ranges_from: dict[str, int] | None = None,
) -> dict[str, Any]:
    """JSON-able description of the coverage in force, for every reported figure.

    Says which model (or ``"uniform disc"`` of ``radius_m``), which level, whether
    walls cut the views (``walls``) and why or why not (``walls_note``; a model that
    uses walls on a dataset without buildings: :data:`NO_BUILDING_DATA`), the ranges
    per kind (``radius_m_by_kind``: discs, ``cone_by_kind``: where a direction is
    known) and, when some cameras' ranges are not the model's, how many came from
    where (``ranges_from``: ``camera``, ``camera lens``, ``indoor``).

    Parameters
    ----------
    radius_m
        A uniform disc radius overriding the model (no walls).
    coverage_model
        The model, by name, file or value (:func:`exposure.coverage_models.coverage_model`);
        default ``exposure.settings.coverage_model``.
    level
        The quality level counted (identify, recognise or observe; default
        ``exposure.settings.coverage_level``, identify).
    buildings
        The obstacles the views were cut by (None or empty: no building data).
    ranges_from
        How many cameras took their range from each source (``CameraRanges.source``).
    """
    level = _check_level(level)
    if radius_m is not None:
        return {"model": "uniform disc", "radius_m": float(radius_m), "level": level, "walls": False,
                "walls_note": f"a uniform {float(radius_m):g} m disc is not cut by walls"}
    model = _model_of(coverage_model)
    used = model.walls and buildings is not None and not buildings.is_empty
    if used:
        note = f"views cut by the walls of {len(buildings.polygons):,} building blocks"  # type: ignore[union-attr]
    else:
        note = NO_BUILDING_DATA if model.walls else _MODEL_WITHOUT_WALLS
    about = model.describe(level)
    out = {**about, "walls": used, "walls_note": note, "model_uses_walls": model.walls,
           # the captions' older name for the disc ranges
           "radius_m_by_kind": about["range_m_by_kind"]}
    others = {k: v for k, v in (ranges_from or {}).items() if k != "model" and v}
    if others:
        out["ranges_from"] = dict(sorted(others.items()))
    return out


def coverage_words(used: dict[str, Any]) -> str:
    """What a figure's coverage settings (:func:`coverage_settings`) say, in words, for captions and printed cards.

    E.g. "cameras that can identify you (coverage model dori-typical; views cut by the
    walls of 290 building blocks)", or "every camera a 30 m disc, not cut by walls".
    """
    if not used:
        return "coverage model not stated"
    if "radius_m" in used:
        return f"every camera a {float(used['radius_m']):g} m disc, not cut by walls"
    level = used.get("level", settings.coverage_level)
    note = used.get("walls_note") or ("views cut by walls" if used.get("walls") else "views not cut by walls")
    return f"cameras that can {level} you (coverage model {used.get('model', '?')}; {note})"


def camera_viewsheds(
    cameras: pd.DataFrame, crs: str | pyproj.CRS, *, radius_m: float | None = None,
    coverage_model: str | Path | CoverageModel | None = None, level: str | None = None,
    buildings: Buildings | None = None,
) -> tuple[Viewsheds, dict[str, Any]]:
    """The cameras' viewsheds under a coverage model at a level, and the settings that say so.

    Parameters
    ----------
    cameras
        Camera table; row ``i`` is camera ``i`` of the views.
    crs
        The metric CRS of the views (the network's).
    radius_m
        A uniform disc radius overriding the model: every camera sees a full disc,
        not cut by walls (to compare with tools that use one radius).
    coverage_model
        The model, by name, file or value; its ranges at ``level``, its walls and
        whether it honours a camera's own range.
    level
        ``identify``, ``recognise`` or ``observe``.
    buildings
        The obstacles, in any metric CRS (projected to ``crs`` if needed); used only
        where the model cuts views by walls. None or empty: no building data.

    Returns
    -------
    views, settings
        The viewsheds and :func:`coverage_settings` of them.
    """
    level = _check_level(level)
    if radius_m is not None:
        geom = camera_geometry(cameras, crs, radius_m=radius_m)
        return compute_viewsheds(geom, None), coverage_settings(radius_m=radius_m, level=level)
    model = _model_of(coverage_model)
    ranges = camera_ranges(cameras, model, level=level)
    geom = camera_views(cameras, crs, model=model, level=level, ranges=ranges)
    obstacles = buildings if model.walls and buildings is not None and not buildings.is_empty else None
    if obstacles is not None:
        obstacles = obstacles.to_crs(crs)
    views = compute_viewsheds(geom, obstacles)
    used = coverage_settings(coverage_model=model, level=level, buildings=obstacles,
                             ranges_from=dict(Counter(ranges.source.tolist())))
    return views, used


@dataclass(frozen=True)
class Coverage:
    """Visible pieces of street edges: one row per (edge, camera, piece).

    ``start_m``/``end_m`` are metres from the edge's start, in the edge's direction,
    scaled to the edge's ``length`` so that pieces never add up to more than it.
    ``views`` are the viewsheds the pieces were cut from, when kept (a coverage
    pieced together from another's keeps none: :meth:`exposure.datasets.Dataset.viewsheds`
    computes them again).
    """

    edge: np.ndarray
    camera: np.ndarray
    start_m: np.ndarray
    end_m: np.ndarray
    n_edges: int
    n_cameras: int
    settings: dict[str, Any]
    views: Viewsheds | None = field(default=None, repr=False, compare=False)

    def metres_per_edge_camera(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distinct (edge, camera) pairs and the metres each camera sees of each edge."""
        key = self.edge * max(self.n_cameras, 1) + self.camera
        uniq, inverse = np.unique(key, return_inverse=True)
        metres = np.bincount(inverse, weights=self.end_m - self.start_m, minlength=len(uniq))
        return uniq // max(self.n_cameras, 1), uniq % max(self.n_cameras, 1), metres


def largest_range_m(cameras: pd.DataFrame, *, radius_m: float | None = None,
                    coverage_model: str | Path | CoverageModel | None = None,
                    level: str | None = None) -> float:
    """How far any of the cameras can see under a model at a level, in metres (0 for no camera).

    Beyond it no camera sees anything: a walk or an area looks only at the cameras
    that near (:func:`camera_viewsheds` then gives each its own range).
    """
    level = _check_level(level)
    if radius_m is not None:
        return float(radius_m)
    if cameras.empty:
        return 0.0
    ranges = camera_ranges(cameras, _model_of(coverage_model), level=level)
    finite = ranges.range_m[np.isfinite(ranges.range_m)]
    return float(finite.max()) if len(finite) else 0.0


def coverage_from_views(index: NetworkIndex, views: Viewsheds, *, settings: dict[str, Any]) -> Coverage:
    """Where each camera's viewshed meets each edge of a network: every straight segment cut exactly.

    Parameters
    ----------
    index
        The network in array form, in the views' CRS.
    views
        The cameras' viewsheds (:func:`camera_viewsheds`).
    settings
        What the views are (:func:`coverage_settings`), kept with the coverage.
    """
    segs = street_segments(index)
    pairs = candidate_pairs(segs.a, segs.b, views.geometry)
    s, c, t0, t1 = visible_intervals(segs.a, segs.b, views, pairs=pairs)
    e = segs.edge[s]
    start = (segs.offset_m[s] + t0 * segs.length_m[s]) * segs.scale[e]
    end = (segs.offset_m[s] + t1 * segs.length_m[s]) * segs.scale[e]
    order = np.lexsort((start, c, e))
    return Coverage(
        edge=e[order], camera=c[order], start_m=start[order], end_m=end[order],
        n_edges=index.n_edges, n_cameras=views.n_cameras, settings=settings, views=views,
    )


def edge_coverage(
    index: NetworkIndex, cameras: pd.DataFrame, *, radius_m: float | None = None,
    coverage_model: str | Path | CoverageModel | None = None, level: str | None = None,
    buildings: Buildings | None = None,
) -> Coverage:
    """Compute which cameras see which edges of a network, and where along each edge.

    Parameters
    ----------
    index
        The network in array form.
    cameras
        Camera table; row ``i`` is camera ``i`` in the result.
    radius_m
        Uniform disc radius overriding the model (no walls).
    coverage_model
        The coverage model (default ``exposure.settings.coverage_model``, ``dori-typical``;
        ``per-kind`` gives today's per-kind discs and sectors).
    level
        The quality level counted: ``identify`` (default), ``recognise`` or ``observe``.
    buildings
        The obstacles cutting the views where the model uses walls (None: no building data).
    """
    views, used = camera_viewsheds(cameras, index.crs, radius_m=radius_m, coverage_model=coverage_model,
                                   level=level, buildings=buildings)
    return coverage_from_views(index, views, settings=used)


def viewshed_table(index: NetworkIndex, cameras: pd.DataFrame, views: Viewsheds, *,
                   settings: dict[str, Any]) -> pd.DataFrame:
    """One row per camera: what it sees of the streets under the views' model and level.

    Columns ``camera_id``, ``model``, ``level``, ``walls`` (whether buildings cut
    the views), ``range_m``, ``street_m_in_view`` (metres of street it sees, each
    street once whatever its directions) and ``blocked_share`` (1 − that length over
    the length the same camera would see without walls; empty where it would see
    none either).

    Parameters
    ----------
    index
        The network the views were cut to.
    cameras
        The camera table of the views (row ``i``, camera ``i``).
    views
        The viewsheds.
    settings
        Their :func:`coverage_settings`.
    """
    import pandas as pd  # noqa: PLC0415 - only for the table

    seen = street_metres_in_view(index, views)
    whole = seen if not views.walls_used else street_metres_in_view(index, compute_viewsheds(views.geometry, None))
    with np.errstate(invalid="ignore", divide="ignore"):
        blocked = np.where(whole > 0, 1.0 - seen / np.where(whole > 0, whole, 1.0), np.nan)
    return pd.DataFrame({
        "camera_id": cameras["camera_id"].astype(str).to_numpy(),
        "model": settings["model"],
        "level": settings["level"],
        "walls": bool(settings["walls"]),
        "range_m": np.round(np.asarray(views.geometry.radius_m, dtype=float), 2),
        "street_m_in_view": np.round(seen, 2),
        "blocked_share": np.round(np.clip(blocked, 0.0, 1.0), 4),
    })


@dataclass(frozen=True)
class EdgeExposure:
    """Per-edge exposure for one choice of counted cameras: costs ready for routing.

    ``in_view_m`` counts FRT-capable cameras; ``in_view_any_m`` every counted one.
    ``edge_cams_ptr``/``edge_cams`` list, per edge, the counted cameras that see it
    (CSR layout); ``frt`` flags which cameras are FRT-capable.
    """

    in_view_m: np.ndarray
    in_view_any_m: np.ndarray
    edge_cams_ptr: np.ndarray
    edge_cams: np.ndarray
    frt: np.ndarray
    counted: np.ndarray

    def cameras_on(self, edges: np.ndarray) -> np.ndarray:
        """Distinct counted cameras seeing any of ``edges``."""
        if len(edges) == 0:
            return np.empty(0, dtype=np.int64)
        parts = [self.edge_cams[self.edge_cams_ptr[e] : self.edge_cams_ptr[e + 1]] for e in edges]
        return np.unique(np.concatenate(parts))

    def frt_count_on_edge(self) -> np.ndarray:
        """Number of FRT-capable counted cameras seeing each edge."""
        ptr = self.edge_cams_ptr
        flags = self.frt[self.edge_cams].astype(np.int64)
        csum = np.concatenate([[0], np.cumsum(flags)])
        return np.asarray(csum[ptr[1:]] - csum[ptr[:-1]], dtype=np.int64)


def edge_exposure(coverage: Coverage, *, counted: np.ndarray, frt: np.ndarray) -> EdgeExposure:
    """Reduce coverage to per-edge figures for the counted cameras.

    Parameters
    ----------
    coverage
        Output of :func:`edge_coverage`.
    counted
        Boolean per camera: passes the verification policy.
    frt
        Boolean per camera: FRT-capable under the FRT policy.
    """
    counted = np.asarray(counted, dtype=bool)
    frt = np.asarray(frt, dtype=bool) & counted
    n = coverage.n_edges
    keep_any = counted[coverage.camera]
    keep_frt = frt[coverage.camera]
    any_m = union_length(coverage.edge[keep_any], coverage.start_m[keep_any], coverage.end_m[keep_any], n_groups=n)
    frt_m = union_length(coverage.edge[keep_frt], coverage.start_m[keep_frt], coverage.end_m[keep_frt], n_groups=n)
    pair_edge = coverage.edge[keep_any]
    pair_cam = coverage.camera[keep_any]
    key = np.unique(pair_edge * max(coverage.n_cameras, 1) + pair_cam)
    e = key // max(coverage.n_cameras, 1)
    ptr = np.concatenate([[0], np.cumsum(np.bincount(e, minlength=n))]).astype(np.int64)
    return EdgeExposure(
        in_view_m=frt_m, in_view_any_m=any_m, edge_cams_ptr=ptr,
        edge_cams=(key % max(coverage.n_cameras, 1)).astype(np.int64), frt=frt, counted=counted,
    )


def viewshed_features(index: NetworkIndex, cameras: pd.DataFrame, views: Viewsheds, *,
                      settings: dict[str, Any]) -> dict[str, Any]:
    """The viewsheds as a GeoJSON FeatureCollection: one polygon per camera (WGS84), its :func:`viewshed_table` row.

    A camera that sees nothing has a null geometry; ``settings`` (what the views
    are: :func:`coverage_settings`) is the collection's own member, as every figure
    the product writes has it.
    """
    from exposure.viewsheds import viewshed_polygons  # noqa: PLC0415 - polygons only for maps and files

    table = viewshed_table(index, cameras, views, settings=settings)
    polygons = viewshed_polygons(views, crs=index.crs)
    empty = shapely.is_empty(polygons)
    features = [{"type": "Feature", "geometry": None if none else shapely.geometry.mapping(poly), "properties": row}
                for poly, none, row in zip(polygons, empty, table.to_dict(orient="records"), strict=True)]
    return {"type": "FeatureCollection", "features": features, "settings": settings}
