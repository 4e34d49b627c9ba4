"""Coverage kept between sessions and reused between camera tables: files keyed by everything the views depend on."""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import pickle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._io import write_pickle_atomically
from exposure.coverage import Coverage, edge_coverage
from exposure.schema import OWN_VIEW_COLUMNS

if TYPE_CHECKING:
    from exposure.buildings import Buildings
    from exposure.coverage_models import CoverageModel
    from exposure.network import NetworkIndex

__all__ = [
    "VIEW_DEPENDS_ON",
    "camera_key",
    "coverage_file",
    "model_key",
    "read_coverage",
    "reused_coverage",
    "walls_key",
    "write_coverage",
]

#: What a camera's view depends on: a camera that differs from another table's in none of these
#: sees the same street pieces, so its coverage is reused.
VIEW_DEPENDS_ON: tuple[str, ...] = ("lon", "lat", "kind", "mount", "direction_deg", "fov_deg", "height_m",
                                    *OWN_VIEW_COLUMNS)


def model_key(model: CoverageModel, level: str) -> str:
    """What a model's views depend on at a level (its name, walls, ranges and cones): equal keys, equal views."""
    return json.dumps({"name": model.name, "walls": model.walls, "honours": model.honours_camera_range,
                       "level": level, "rules": {f"{k}/{lv}": [r.range_m, r.cone_range_m, r.cone_fov_deg]
                                                 for (k, lv), r in sorted(model.rules.items())}}, sort_keys=True)


def camera_key(cameras: pd.DataFrame) -> str:
    """A digest of a camera table's content (rows in order, every column): equal tables, equal keys."""
    digest = hashlib.sha256(",".join(map(str, cameras.columns)).encode())
    digest.update(pd.util.hash_pandas_object(cameras, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def walls_key(buildings: Buildings) -> str:
    """A digest of the obstacles' walls: the same walls, the same key."""
    return hashlib.sha256(np.ascontiguousarray(buildings.walls.seg).tobytes()).hexdigest()


def coverage_file(*, about: dict[str, Any], model: CoverageModel, level: str) -> Path | None:
    """Where a coverage is kept on disk (``settings.cache_folder / "coverage"``), or None when the cache is off.

    Parameters
    ----------
    about
        What else the coverage depends on, JSON-able: the dataset's source checksum
        and build version, its number of edges, :func:`camera_key` of its cameras,
        :func:`walls_key` of its buildings. Any change gives another file.
    model, level
        The coverage model and level (:func:`model_key`).
    """
    if not settings.use_cache:
        return None
    recipe = json.dumps({**about, "model": model_key(model, level)}, sort_keys=True, default=str)
    key = hashlib.sha256(recipe.encode()).hexdigest()[:24]
    return Path(settings.cache_folder) / "coverage" / f"{key}.pickle"


def read_coverage(path: Path) -> Coverage | None:
    """A coverage kept by :func:`write_coverage`, or None when there is none or it cannot be read."""
    if not path.is_file():
        return None
    gc_was_on = gc.isenabled()
    gc.disable()  # a few large arrays and many small objects: the cyclic collector only slows the read
    try:
        with path.open("rb") as f:
            found = pickle.load(f)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ModuleNotFoundError, TypeError):
        return None  # unreadable (an older or half-copied file): measured again
    finally:
        if gc_was_on:
            gc.enable()
    return found if isinstance(found, Coverage) else None


def write_coverage(coverage: Coverage, path: Path) -> None:
    """Keep a coverage on disk, atomically (each writer its own temporary file); a failure is silent.

    A read-only folder or a full disk leaves the coverage in memory only: it is measured again next time.
    """
    with contextlib.suppress(OSError):
        write_pickle_atomically(coverage, path)


def _merged_ranges_from(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The settings of a coverage pieced from an old one and a measured one: where the ranges came from, summed."""
    a, b = old.get("ranges_from", {}), new.get("ranges_from", {})
    counts = {k: a.get(k, 0) + b.get(k, 0) for k in {*a, *b}}
    return {**new, **({"ranges_from": dict(sorted(counts.items()))} if counts else {})}


def reused_coverage(index: NetworkIndex, buildings: Buildings, old: Coverage, before: pd.DataFrame,
                    after: pd.DataFrame, *, radius_m: float | None, model: CoverageModel,
                    level: str) -> Coverage | None:
    """Coverage of ``after`` from that of ``before``: pieces of unchanged cameras kept, the others measured.

    A camera's view depends on it alone (:data:`VIEW_DEPENDS_ON`) and on the
    buildings, never on other cameras, so the pieces of a camera that did not
    change are the same. Returns None when cameras cannot be matched by id (ids
    repeated), or when most cameras changed (measuring them all is then as quick).
    """
    old_ids, new_ids = before["camera_id"].astype(str), after["camera_id"].astype(str)
    if old.n_cameras != len(before) or not old_ids.is_unique or not new_ids.is_unique:
        return None
    columns = [c for c in VIEW_DEPENDS_ON if c in before.columns and c in after.columns]
    position = pd.Series(np.arange(len(before)), index=old_ids.to_numpy())
    was = new_ids.map(position)
    same = was.notna().to_numpy(copy=True)
    if same.any():
        a = before[columns].iloc[was[same].astype(int).to_numpy()].reset_index(drop=True)
        b = after[columns].iloc[np.flatnonzero(same)].reset_index(drop=True)
        equal = ((a == b) | (a.isna() & b.isna())).all(axis=1).to_numpy()
        same[np.flatnonzero(same)[~equal]] = False
    fresh = np.flatnonzero(~same)
    if len(fresh) > len(after) // 2:
        return None
    to_new = np.full(len(before), -1, dtype=np.int64)
    to_new[was[same].astype(int).to_numpy()] = np.flatnonzero(same)
    kept = to_new[old.camera] >= 0
    parts = [(old.edge[kept], to_new[old.camera[kept]], old.start_m[kept], old.end_m[kept])]
    used = old.settings
    if len(fresh):
        measured = edge_coverage(index, after.iloc[fresh].reset_index(drop=True), radius_m=radius_m,
                                 coverage_model=model, level=level, buildings=buildings)
        parts.append((measured.edge, fresh[measured.camera], measured.start_m, measured.end_m))
        used = _merged_ranges_from(old.settings, measured.settings)
    edge, camera, start, end = (np.concatenate(p) for p in zip(*parts, strict=True))
    order = np.lexsort((start, camera, edge))
    return Coverage(edge=edge[order], camera=camera[order].astype(old.camera.dtype, copy=False),
                    start_m=start[order], end_m=end[order], n_edges=old.n_edges, n_cameras=len(after),
                    settings=used)
