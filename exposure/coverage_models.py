"""Coverage models: how far each kind of camera identifies, recognises or observes a face; whether walls cut views.

A coverage model is a small documented table, like the FRT policy, that users may
edit (``data/coverage_models.csv``, or a file of their own with the same columns):
one row per model, camera kind and quality level, giving

- ``range_m``: the range where the camera's direction is unknown (a disc);
- ``cone_range_m`` and ``cone_fov_deg``: the range and field of view where it is
  known (a sector; 360 means the model ignores directions, e.g. a PTZ that pans; a
  camera's own ``fov_deg`` wins over the model's);
- ``walls``: whether building walls cut the view (the same for a whole model);
- ``honours_camera_range``: whether a camera's own range (a ``range_m`` column, or
  ``h_pixels`` and ``hfov_deg``) wins over the model's (the same for a whole model);
- ``h_pixels`` and ``hfov_deg``: the resolution and lens a DORI range is computed
  from, where the model has them;
- ``source``: where each number comes from.

The levels are IEC 62676-4's (2015) "DORI" pixel densities: identify 250 px per
metre of scene, recognise 125, observe 62.5; a camera of ``h`` horizontal pixels
behind a lens of horizontal field of view ``hfov`` reaches a level's density out to
``h / (2 tan(hfov / 2) px_per_m)`` metres. (The standard's 2025 edition raises the
density it asks for a sure identification to 500 px/m, which would halve every
identification range below.)

The built-in models:

- ``per-kind``: today's model (PTZ 100 m, dome and fixed 40 m, unknown 25 m; sectors
  of the camera's own or a 90° field of view where the direction is known; no walls),
  kept so that every earlier figure can be reproduced exactly;
- ``amnesty``: 120 m discs for every camera, no walls (Amnesty's Decode Surveillance NYC);
- ``kamerafrei``: 25 m discs, 40 m / 70° cones where the direction is known, cut by walls;
- ``dori-low``, ``dori-typical``, ``dori-high``: DORI ranges for three hardware
  tiers, cut by walls, each number from a named datasheet (see the file's ``source``
  column): 2 MP fixed cameras and domes with the stock 2.8 mm lens and a PTZ left at
  its widest; 4 MP with the stock 2.8 mm lens and a 4 MP 25x PTZ zoomed in; 8 MP
  varifocal cameras set at their narrowest and a 4 MP 32x PTZ zoomed in.

**The default is** ``dori-typical`` **at the identify level** (:data:`DEFAULT_COVERAGE_MODEL`),
because it is the model whose every number can be traced: the pixel density is the
standard's, the resolution and lens are those of the current best-selling lines'
datasheets with the lens most sold (2.8 mm), the PTZ is zoomed as an operator or its
face-capture tracking zooms it, and walls cut every view as they cut a camera's.
``per-kind``'s radii are informed guesses with no hardware behind them, ``amnesty``'s
120 m is an upper bound chosen for one city's count, and ``kamerafrei``'s
25 m / 40 m are a community's convention. Caution is kept where the product already
keeps it: the FRT policy counts any camera that may be capable; a user planning
for the worst can choose ``dori-high`` or the recognise level.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import PolicyError
from exposure.schema import KINDS

__all__ = [
    "COVERAGE_MODELS_FILE",
    "COVERAGE_MODEL_COLUMNS",
    "DEFAULT_COVERAGE_MODEL",
    "DEFAULT_LEVEL",
    "LEVELS",
    "PX_PER_M",
    "CameraRanges",
    "CoverageModel",
    "RangeRule",
    "available_coverage_models",
    "camera_ranges",
    "coverage_model",
    "dori_range_m",
    "read_coverage_models",
]

#: Quality levels, most demanding first.
LEVELS: tuple[str, ...] = ("identify", "recognise", "observe")

#: Pixels per metre of scene each level needs (IEC 62676-4:2015, "DORI").
PX_PER_M: dict[str, float] = {"identify": 250.0, "recognise": 125.0, "observe": 62.5}

#: The model the product ships as its default (see the module's docstring for why); the default in
#: force is ``exposure.settings.coverage_model``, which starts as this one.
DEFAULT_COVERAGE_MODEL = "dori-typical"

#: The level the product ships as its default, the cameras that can identify you; the default in
#: force is ``exposure.settings.coverage_level``.
DEFAULT_LEVEL = "identify"

#: The built-in models' table, beside the presets.
COVERAGE_MODELS_FILE: Path = Path(__file__).resolve().parent.parent / "data" / "coverage_models.csv"

#: Columns of a coverage model file.
COVERAGE_MODEL_COLUMNS: tuple[str, ...] = (
    "model", "kind", "level", "range_m", "cone_range_m", "cone_fov_deg", "walls", "honours_camera_range",
    "h_pixels", "hfov_deg", "source",
)

#: What each built-in model is, shown with every figure that uses it.
_DESCRIPTIONS: dict[str, str] = {
    "per-kind": "today's per-kind radii (PTZ 100 m, dome and fixed 40 m, unknown 25 m), sectors where the direction "
                "is known, no walls: reproduces every earlier figure",
    "amnesty": "Amnesty International's 120 m discs for every camera, no walls",
    "kamerafrei": "kamerafrei's 25 m discs and 40 m / 70° cones where the direction is known, cut by walls",
    "dori-low": "DORI ranges of 2 MP cameras with the stock 2.8 mm lens and of a PTZ left at its widest, cut by walls",
    "dori-typical": "DORI ranges of 4 MP cameras with the stock 2.8 mm lens and of a 4 MP 25x PTZ zoomed in, cut by "
                    "walls",
    "dori-high": "DORI ranges of 8 MP varifocal cameras set at their narrowest and of a 4 MP 32x PTZ zoomed in, cut by "
                 "walls",
}

_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})


def dori_range_m(h_pixels: float, hfov_deg: float, level: str) -> float:
    """How far a camera keeps a level's pixel density: ``h / (2 tan(hfov / 2) px_per_m)`` metres.

    Parameters
    ----------
    h_pixels
        Horizontal resolution, in pixels.
    hfov_deg
        Horizontal field of view of the lens (at the zoom used), in degrees.
    level
        One of :data:`LEVELS`.
    """
    if level not in PX_PER_M:
        msg = f"unknown level {level!r}; use one of {', '.join(LEVELS)}"
        raise PolicyError(msg)
    if not (h_pixels > 0 and 0 < hfov_deg < 180):
        msg = f"a DORI range needs h_pixels > 0 and 0 < hfov_deg < 180, got {h_pixels!r} and {hfov_deg!r}"
        raise PolicyError(msg)
    return float(h_pixels / (2.0 * math.tan(math.radians(hfov_deg) / 2.0) * PX_PER_M[level]))


@dataclass(frozen=True)
class RangeRule:
    """One row of a model: a kind's range at a level, where it is seen, and why."""

    range_m: float
    cone_range_m: float
    cone_fov_deg: float
    h_pixels: float | None
    hfov_deg: float | None
    source: str


@dataclass(frozen=True)
class CoverageModel:
    """A named coverage model: per (kind, level) a :class:`RangeRule`, walls or not, camera ranges honoured or not."""

    name: str
    description: str
    walls: bool
    honours_camera_range: bool
    rules: dict[tuple[str, str], RangeRule] = field(repr=False)

    def rule(self, kind: str, level: str) -> RangeRule:
        """The rule of a camera kind at a level (a kind the model does not know counts as ``unknown``)."""
        if level not in PX_PER_M:
            msg = f"unknown level {level!r}; use one of {', '.join(LEVELS)}"
            raise PolicyError(msg)
        return self.rules.get((kind, level)) or self.rules[("unknown", level)]

    def describe(self, level: str = DEFAULT_LEVEL) -> dict[str, Any]:
        """JSON-able description of the model at a level, for every figure that uses it."""
        return {
            "model": self.name,
            "description": self.description,
            "level": level,
            "walls": self.walls,
            "honours_camera_range": self.honours_camera_range,
            "range_m_by_kind": {k: self.rule(k, level).range_m for k in KINDS},
            "cone_by_kind": {k: {"range_m": self.rule(k, level).cone_range_m,
                                 "fov_deg": self.rule(k, level).cone_fov_deg} for k in KINDS},
        }


def _flag(value: str, *, where: str, column: str) -> bool:
    text = value.strip().lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    msg = f"{where}, column {column!r}: {value!r} is not valid; use yes or no"
    raise PolicyError(msg)


def _number(value: str, *, where: str, column: str, low: float, high: float, optional: bool = False) -> float | None:
    """A number in ``(low, high]`` (an empty cell is None where ``optional``)."""
    text = value.strip()
    if not text and optional:
        return None
    try:
        number = float(text)
    except ValueError:
        number = math.nan
    if not (math.isfinite(number) and low < number <= high):
        need = "a number" if not text else f"a number above {low:g} and at most {high:g}"
        msg = f"{where}, column {column!r}: {value!r} is not valid; give {need}"
        raise PolicyError(msg)
    return number


def _range(row: dict[str, str], column: str, dori: float | None, *, where: str) -> float:
    """A range column: as written, checked against the DORI formula, or the formula's where the cell is empty."""
    given = _number(row[column], where=where, column=column, low=0.0, high=1e6, optional=dori is not None)
    if given is None:
        return float(dori)  # type: ignore[arg-type]
    if dori is not None and abs(given - dori) > max(0.1, 0.01 * dori):
        msg = (f"{where}, column {column!r}: {given:g} m disagrees with h_pixels and hfov_deg, which give "
               f"{dori:.1f} m at this level; correct one of them, or leave {column} empty to compute it")
        raise PolicyError(msg)
    return given


def _rule(row: dict[str, str], *, where: str) -> RangeRule:
    h_pixels = _number(row["h_pixels"], where=where, column="h_pixels", low=0.0, high=1e5, optional=True)
    hfov = _number(row["hfov_deg"], where=where, column="hfov_deg", low=0.0, high=179.9, optional=True)
    if (h_pixels is None) != (hfov is None):
        msg = f"{where}: give both h_pixels and hfov_deg (a resolution and a lens) or neither"
        raise PolicyError(msg)
    dori = dori_range_m(h_pixels, hfov, row["level"]) if h_pixels is not None and hfov is not None else None
    if not row["source"].strip():
        msg = f"{where}, column 'source': empty; say where the numbers come from (a datasheet, a study, a convention)"
        raise PolicyError(msg)
    return RangeRule(
        range_m=_range(row, "range_m", dori, where=where),
        cone_range_m=_range(row, "cone_range_m", dori, where=where),
        cone_fov_deg=_number(row["cone_fov_deg"], where=where, column="cone_fov_deg", low=0.0, high=360.0) or 0.0,
        h_pixels=h_pixels, hfov_deg=hfov, source=row["source"].strip(),
    )


def _read_table(path: Path) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as err:
        msg = (f"coverage model file {path} not found; check the path or use a built-in model "
               f"({', '.join(_DESCRIPTIONS)})")
        raise PolicyError(msg) from err
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = (f"coverage model file {path} cannot be read as CSV ({err}); save it as UTF-8 CSV with columns "
               f"{','.join(COVERAGE_MODEL_COLUMNS)}")
        raise PolicyError(msg) from err
    table.columns = [str(c).strip().lower() for c in table.columns]
    missing = [c for c in COVERAGE_MODEL_COLUMNS if c not in table.columns]
    if missing:
        msg = (f"coverage model file {path}: missing column(s) {', '.join(missing)}; the header must be "
               f"{','.join(COVERAGE_MODEL_COLUMNS)}")
        raise PolicyError(msg)
    if table.empty:
        msg = f"coverage model file {path} has no rows; add one row per model, kind and level"
        raise PolicyError(msg)
    return table


def _check_row(row: dict[str, str], *, where: str) -> None:
    if not row["model"]:
        msg = f"{where}, column 'model': empty; name the model the row belongs to"
        raise PolicyError(msg)
    for column, allowed in (("kind", KINDS), ("level", LEVELS)):
        if row[column] not in allowed:
            msg = f"{where}, column {column!r}: {row[column]!r} is not valid; use one of {', '.join(allowed)}"
            raise PolicyError(msg)


def _model(name: str, rows: list[tuple[str, dict[str, str]]], *, path: Path) -> CoverageModel:
    """One model from its rows (each with where it was read): one flag value, every kind at every level."""
    rules: dict[tuple[str, str], RangeRule] = {}
    flags: dict[str, tuple[bool, str]] = {}
    for where, row in rows:
        key = (row["kind"], row["level"])
        if key in rules:
            msg = f"{where}: model {name!r} already has a row for kind {key[0]}, level {key[1]}; keep one"
            raise PolicyError(msg)
        rules[key] = _rule(row, where=where)
        for column in ("walls", "honours_camera_range"):
            value = _flag(row[column], where=where, column=column)
            first = flags.setdefault(column, (value, where))
            if first[0] != value:
                msg = (f"{where}, column {column!r}: model {name!r} says {'yes' if first[0] else 'no'} at "
                       f"{first[1]}; a model's {column} is the same on every row")
                raise PolicyError(msg)
    lacking = [f"{k}/{lv}" for k in KINDS for lv in LEVELS if (k, lv) not in rules]
    if lacking:
        msg = f"coverage model file {path}: model {name!r} has no row for {', '.join(lacking)} (kind/level); add them"
        raise PolicyError(msg)
    description = _DESCRIPTIONS.get(name, f"read from {path}") if path == COVERAGE_MODELS_FILE else f"read from {path}"
    return CoverageModel(name, description, flags["walls"][0], flags["honours_camera_range"][0], rules)


def read_coverage_models(path: str | Path = COVERAGE_MODELS_FILE) -> dict[str, CoverageModel]:
    """Read and check a coverage model file: every model in it, by name.

    Raises
    ------
    PolicyError
        When the file is missing or unreadable, a column is missing, or a value is
        not valid (the message names the file, data row, line and column).
    """
    path = Path(path)
    table = _read_table(path)
    grouped: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for position, record in enumerate(table[list(COVERAGE_MODEL_COLUMNS)].to_dict("records"), start=1):
        row = {k: str(v).strip() for k, v in record.items()}
        row["kind"], row["level"] = row["kind"].lower(), row["level"].lower()
        where = f"coverage model file {path}, data row {position} (line {position + 1})"
        _check_row(row, where=where)
        grouped.setdefault(row["model"], []).append((where, row))
    return {name: _model(name, rows, path=path) for name, rows in grouped.items()}


@functools.lru_cache(maxsize=4)
def _builtin(path: Path, mtime_ns: int) -> dict[str, CoverageModel]:
    """The built-in models, read once per version of their file."""
    del mtime_ns  # part of the cache key only: an edited file is read again
    return read_coverage_models(path)


def _builtin_models() -> dict[str, CoverageModel]:
    path = COVERAGE_MODELS_FILE
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as err:
        msg = f"the built-in coverage models' file {path} is missing; restore it from the project's data folder"
        raise PolicyError(msg) from err
    return _builtin(path, mtime)


def _per_kind_as_set(model: CoverageModel) -> CoverageModel:
    """``per-kind`` with the radii and field of view of :mod:`exposure.settings` in force.

    Today's model is defined by ``settings.radius_m_by_kind`` and ``settings.default_fov_deg``
    (the file's rows give their defaults and sources): a user who changes them changes it too,
    as before coverage models existed.
    """
    radii, fov = settings.radius_m_by_kind, float(settings.default_fov_deg)
    default = float(radii.get("unknown", model.rule("unknown", DEFAULT_LEVEL).range_m))
    rules = {}
    for (kind, level), rule in model.rules.items():
        radius = float(radii.get(kind, default))
        if (rule.range_m, rule.cone_range_m, rule.cone_fov_deg) == (radius, radius, fov):
            rules[kind, level] = rule
        else:
            why = f"exposure.settings (radius_m_by_kind, default_fov_deg) as set; {rule.source}"
            rules[kind, level] = RangeRule(radius, radius, fov, None, None, why)
    return CoverageModel(model.name, model.description, model.walls, model.honours_camera_range, rules)


def available_coverage_models() -> dict[str, str]:
    """The built-in models' names and descriptions."""
    return {name: model.description for name, model in _builtin_models().items()}


def coverage_model(spec: str | Path | CoverageModel | None = None) -> CoverageModel:
    """Resolve a coverage model from a built-in name, a CSV file (with one model) or a model.

    None is the default in force, ``exposure.settings.coverage_model``.

    Raises
    ------
    PolicyError
        When the name is unknown, or the file is not valid or holds several models.
    """
    if spec is None:
        spec = settings.coverage_model
    if isinstance(spec, CoverageModel):
        return spec
    builtin = _builtin_models()
    if isinstance(spec, str) and spec in builtin:
        return _per_kind_as_set(builtin[spec]) if spec == "per-kind" else builtin[spec]
    path = Path(spec)
    if isinstance(spec, Path) or path.suffix.lower() == ".csv" or path.is_file():
        models = read_coverage_models(path)
        if len(models) != 1:
            msg = (f"coverage model file {path} holds {len(models)} models ({', '.join(models)}); "
                   "give a file with one, or name a built-in model")
            raise PolicyError(msg)
        return next(iter(models.values()))
    msg = (f"unknown coverage model {spec!r}; use one of {', '.join(builtin)} or the path of a CSV file with "
           f"columns {','.join(COVERAGE_MODEL_COLUMNS)}")
    raise PolicyError(msg)


@dataclass(frozen=True)
class CameraRanges:
    """Each camera's range and field of view under a model at a level, and where the range came from.

    ``range_m`` is the radius of its disc or sector; ``fov_deg`` is 360 for a disc;
    ``directed`` says whether its direction is used (known, and the model uses directions);
    ``source`` is ``"model"``, ``"camera"`` (its own range) or ``"camera lens"`` (its own
    resolution and lens) or ``"indoor"`` (an indoor camera sees no street).
    """

    range_m: np.ndarray
    fov_deg: np.ndarray
    directed: np.ndarray
    source: np.ndarray


def _column(cameras: pd.DataFrame, name: str) -> np.ndarray:
    if name not in cameras.columns:
        return np.full(len(cameras), np.nan)
    values: np.ndarray = pd.to_numeric(cameras[name], errors="coerce").to_numpy(float)
    return values


def camera_ranges(cameras: pd.DataFrame, model: str | Path | CoverageModel = DEFAULT_COVERAGE_MODEL, *,
                  level: str = DEFAULT_LEVEL) -> CameraRanges:
    """Each camera's range and field of view: its own data where the model honours it, else the model's.

    Parameters
    ----------
    cameras
        Camera table (``kind``, ``direction_deg``, ``fov_deg``; optionally a camera's
        own ``range_m``, or ``h_pixels`` and ``hfov_deg``, and ``indoor``).
    model
        The model or its name or file (:func:`coverage_model`).
    level
        One of :data:`LEVELS`.
    """
    model = coverage_model(model)
    kinds = (cameras["kind"].astype(str) if "kind" in cameras.columns
             else pd.Series(["unknown"] * len(cameras), index=cameras.index, dtype=object))
    # one rule per kind present, spread by kind: a city's hundred thousand cameras have four kinds
    codes, present = pd.factorize(kinds, sort=False)
    rules = [model.rule(str(k), level) for k in present]
    disc = np.array([r.range_m for r in rules] or [0.0], dtype=float)[codes]
    cone = np.array([r.cone_range_m for r in rules] or [0.0], dtype=float)[codes]
    cone_fov = np.array([r.cone_fov_deg for r in rules] or [360.0], dtype=float)[codes]
    direction = _column(cameras, "direction_deg")
    own_fov = _column(cameras, "fov_deg")
    directed = ~np.isnan(direction) & (cone_fov < 360.0)
    range_m = np.where(directed, cone, disc).astype(float)
    fov = np.where(directed, np.where(np.isnan(own_fov), cone_fov, np.clip(own_fov, 0.0, 360.0)), 360.0)
    source = np.full(len(cameras), "model", dtype=object)
    if model.honours_camera_range:
        h_pixels, hfov = _column(cameras, "h_pixels"), _column(cameras, "hfov_deg")
        lens = (h_pixels > 0) & (hfov > 0) & (hfov < 180)
        with np.errstate(invalid="ignore", divide="ignore"):
            dori = h_pixels / (2.0 * np.tan(np.radians(hfov) / 2.0) * PX_PER_M[level])
        range_m = np.where(lens, dori, range_m)
        source[lens] = "camera lens"
        own = _column(cameras, "range_m")
        has_own = own > 0
        range_m = np.where(has_own, own, range_m)
        source[has_own] = "camera"
    if "indoor" in cameras.columns:
        indoor = cameras["indoor"].eq(True).to_numpy()  # empty (NaN) is not indoor
        range_m = np.where(indoor, 0.0, range_m)
        source[indoor] = "indoor"
    return CameraRanges(range_m=range_m, fov_deg=fov, directed=directed, source=source)
