"""Camera data: the schema, FRT and verification policies, what every source shares, format detection, export.

Each source format has its reader in :mod:`exposure.sources` (``osm``,
``decode``, ``cctv_exposure``, ``table``); :func:`load_cameras` tells the
format of a file and hands it to the right one. Every reader returns a
:class:`CameraLoad`: the good rows in the camera schema
(:data:`CAMERA_COLUMNS`) and a report of the rejected ones, so that bad input is
shown to the user instead of silently dropped.

Which cameras count as facial-recognition-capable (FRT) is a policy, not a fact
in the data: see :func:`frt_policy`. The default policy errs on the side of
counting a camera, because the product protects people:

- PTZ and dome cameras are ``high``: Amnesty International's *Decode
  Surveillance NYC* singled them out as the cameras the NYPD can pan, tilt and
  zoom to capture faces for facial recognition;
- any other camera on street furniture (pole, street lamp, traffic signal) or
  run by a public body is ``medium``: it watches the street and feeds the
  authorities;
- a camera on a building run by a private or unknown operator is ``low``: it
  mostly watches an entrance or a shop floor;
- everything else (fixed or unknown type, unknown mount, unknown operator) is
  ``medium``: unknown is treated as possibly capable.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
import pandas as pd

from exposure import settings
from exposure._errors import CameraDataError, PolicyError
from exposure._parse import (
    JsonError,
    check_csv_columns,
    csv_error_detail,
    first_line,
    json_loads,
    limit_message,
    parse_directions,
    parse_heights,
    to_float,
)
from exposure._tables import neutralise_formulas

if TYPE_CHECKING:
    from exposure.sources.cctv_exposure import cameras_from_cctv_exposure
    from exposure.sources.decode import cameras_from_decode
    from exposure.sources.osm import cameras_from_osm, cameras_from_osm_elements
    from exposure.sources.table import cameras_from_csv, cameras_from_geojson

__all__ = [
    "CAMERA_COLUMNS",
    "FRT_CAPABLE_TIERS",
    "FRT_TIERS",
    "KINDS",
    "MOUNTS",
    "OPERATORS",
    "REJECTED_COLUMNS",
    "VERIFICATIONS",
    "CameraExtent",
    "CameraLoad",
    "FrtPolicy",
    "apply_frt_policy",
    "camera_extent",
    "cameras_from_cctv_exposure",
    "cameras_from_csv",
    "cameras_from_decode",
    "cameras_from_geojson",
    "cameras_from_osm",
    "cameras_from_osm_elements",
    "cameras_to_csv",
    "cameras_to_geojson",
    "describe_policies",
    "frt_policy",
    "load_cameras",
    "load_cameras_bytes",
    "load_extent",
    "select_cameras",
    "verification_policy",
]

#: Columns of a camera table, in this order.
CAMERA_COLUMNS: tuple[str, ...] = (
    "camera_id",
    "lon",
    "lat",
    "source",
    "kind",
    "mount",
    "operator",
    "direction_deg",
    "fov_deg",
    "height_m",
    "verification",
    "agreement",
    "reports",
    "observed",
    "frt_tier",
)
#: Columns of the report of rejected input rows.
REJECTED_COLUMNS: tuple[str, ...] = ("file", "row", "column", "value", "reason")

KINDS: tuple[str, ...] = ("ptz", "dome", "fixed", "unknown")
MOUNTS: tuple[str, ...] = ("street", "building", "unknown")
OPERATORS: tuple[str, ...] = ("public", "private", "unknown")
VERIFICATIONS: tuple[str, ...] = ("verified", "unverified", "disputed")
FRT_TIERS: tuple[str, ...] = ("high", "medium", "low")
#: Tiers that count as facial-recognition-capable in every figure.
FRT_CAPABLE_TIERS: tuple[str, ...] = ("high", "medium")

_FORMATS = ("osm", "decode", "cctv-exposure", "csv", "geojson")
#: One GeoJSON Point feature: (feature number, lon, lat, properties, feature id).
_GeoPoint = tuple[int, float, float, dict[str, Any], Any]
_KEPT = "ignored invalid value, camera kept"


@dataclass(frozen=True)
class CameraLoad:
    """The result of reading a camera file.

    Attributes
    ----------
    cameras
        The good rows, with exactly :data:`CAMERA_COLUMNS` in that order.
    rejected
        One row per problem found (:data:`REJECTED_COLUMNS`). ``row`` is the
        1-based data row (for CSV the header is line 1, so data row ``n`` is line
        ``n + 1``; for GeoJSON it is the feature number; for OSM the position
        among the ``man_made=surveillance`` objects read). A reason ending in
        "camera kept" reports an optional value that was ignored; every other
        reason means the row was dropped.
    source
        The file path or a description of where the rows came from.
    extent
        Where the source looked for cameras, when it says so (a Decode file lists
        the intersections its volunteers counted, cameras or none); None when it
        lists only the cameras it found (see :func:`load_extent`).
    """

    cameras: pd.DataFrame
    rejected: pd.DataFrame
    source: str
    extent: CameraExtent | None = None


@dataclass(frozen=True)
class CameraExtent:
    """Where a camera source looked for cameras: ground outside it has no data, not zero cameras.

    Attributes
    ----------
    geometry
        A shapely geometry in WGS84: the points the source looked at (an area
        holding one of them was looked at), or a box or polygon.
    description
        What the extent is, for captions: "the 10,377 intersections Decode
        Surveillance volunteers counted".
    boroughs
        New York City boroughs the source covered whole (Decode Surveillance
        counted every intersection of a borough): an area with a ``borough``
        attribute is covered when its borough is one of these.
    """

    geometry: Any
    description: str
    boroughs: tuple[str, ...] = ()


def camera_extent(cameras: pd.DataFrame, *, source: str) -> CameraExtent:
    """The box around a table's cameras: all that a file listing only cameras says about where it looked."""
    import shapely  # noqa: PLC0415 - only needed for extents

    lon = cameras["lon"].to_numpy(dtype=float) if len(cameras) else np.zeros(0)
    lat = cameras["lat"].to_numpy(dtype=float) if len(cameras) else np.zeros(0)
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        return CameraExtent(shapely.Polygon(), f"no camera of {Path(source).name}")
    box = shapely.box(lon[ok].min(), lat[ok].min(), lon[ok].max(), lat[ok].max())
    return CameraExtent(box, f"the box around the {int(ok.sum()):,} cameras of {Path(source).name} (the file does "
                             "not say where else it looked)")


def load_extent(load: CameraLoad) -> CameraExtent:
    """Where a loaded file looked for cameras: what it says, else the box around its cameras."""
    return load.extent if load.extent is not None else camera_extent(load.cameras, source=load.source)


# --------------------------------------------------------------------------- policies

_DEFAULT_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("ptz", "*", "*", "high"),
    ("dome", "*", "*", "high"),
    ("*", "street", "*", "medium"),
    ("*", "*", "public", "medium"),
    ("*", "building", "private", "low"),
    ("*", "building", "unknown", "low"),
    ("*", "*", "*", "medium"),
)


@dataclass(frozen=True)
class FrtPolicy:
    """Which cameras count as facial-recognition-capable: an ordered rule table.

    Attributes
    ----------
    name
        Short name shown with every figure.
    description
        Why the rules are what they are.
    rules
        ``(kind, mount, operator, tier)`` tuples; ``"*"`` matches any value; the
        first matching rule wins; the last rule must be ``("*", "*", "*", tier)``
        so that every camera gets a tier.
    """

    name: str
    description: str
    rules: tuple[tuple[str, str, str, str], ...] = field(default=_DEFAULT_RULES)

    def __post_init__(self) -> None:
        """Check the rules, so that a policy that exists is a valid one."""
        if not self.rules:
            msg = f"FRT policy {self.name!r} has no rules; add at least the row ('*', '*', '*', 'medium')"
            raise PolicyError(msg)
        for number, rule in enumerate(self.rules, start=1):
            if len(rule) != 4:
                msg = (
                    f"FRT policy {self.name!r}, rule {number}: expected "
                    f"(kind, mount, operator, tier), got {rule!r}"
                )
                raise PolicyError(msg)
            _check_rule(rule, where=f"FRT policy {self.name!r}, rule {number}")
        if tuple(self.rules[-1][:3]) != ("*", "*", "*"):
            msg = (
                f"FRT policy {self.name!r}: the last rule must match every camera; "
                f"add a final rule ('*', '*', '*', <tier>) after {self.rules[-1]!r}"
            )
            raise PolicyError(msg)


def _check_rule(rule: Iterable[str], *, where: str) -> None:
    vocabularies = (
        ("kind", KINDS, True),
        ("mount", MOUNTS, True),
        ("operator", OPERATORS, True),
        ("frt_tier", FRT_TIERS, False),
    )
    for value, (column, allowed, wildcard) in zip(rule, vocabularies, strict=True):
        ok = value in allowed or (wildcard and value == "*")
        if not ok:
            choices = ", ".join((*allowed, "*") if wildcard else allowed)
            msg = f"{where}, column {column!r}: {value!r} is not valid; use one of {choices}"
            raise PolicyError(msg)


_BUILTIN_POLICIES: dict[str, FrtPolicy] = {
    "default": FrtPolicy(
        name="default",
        description=(
            "PTZ and dome cameras are high (Amnesty's Decode Surveillance NYC: the cameras the NYPD can "
            "steer and zoom onto faces); other cameras on street furniture or run by a public body are "
            "medium; cameras on buildings run by a private or unknown operator are low; everything else "
            "(fixed or unknown type, unknown mount or operator) is medium, because an unknown camera is "
            "treated as possibly capable."
        ),
        rules=_DEFAULT_RULES,
    ),
    "all": FrtPolicy(
        name="all",
        description="Every camera is high: counts all cameras, whatever their type.",
        rules=(("*", "*", "*", "high"),),
    ),
    "strict-ptz-dome": FrtPolicy(
        name="strict-ptz-dome",
        description="Only PTZ and dome cameras are high; every other camera is low (not counted).",
        rules=(("ptz", "*", "*", "high"), ("dome", "*", "*", "high"), ("*", "*", "*", "low")),
    ),
}


def frt_policy(spec: str | Path | FrtPolicy) -> FrtPolicy:
    """Resolve an FRT policy from a built-in name, a CSV file or a policy.

    Parameters
    ----------
    spec
        ``"default"``, ``"all"``, ``"strict-ptz-dome"``, a path to a CSV file
        with the columns ``kind,mount,operator,frt_tier`` (one rule a row, first
        match wins, ``*`` matches any value, the last row must be ``*,*,*,<tier>``),
        or an :class:`FrtPolicy`, returned as is.

    Returns
    -------
    FrtPolicy
        The policy.

    Raises
    ------
    PolicyError
        When the name is unknown, or the file is missing or has a bad value
        (the message names the file, line and column).
    """
    if isinstance(spec, FrtPolicy):
        return spec
    if isinstance(spec, str) and spec in _BUILTIN_POLICIES:
        return _BUILTIN_POLICIES[spec]
    path = Path(spec)
    if isinstance(spec, Path) or path.suffix.lower() == ".csv" or path.is_file():
        return _frt_policy_from_csv(path)
    msg = (
        f"unknown FRT policy {spec!r}; use one of {', '.join(_BUILTIN_POLICIES)} "
        "or the path of a CSV file with columns kind,mount,operator,frt_tier"
    )
    raise PolicyError(msg)


# select_cameras and describe_policies take an argument named frt_policy, which hides the function.
_resolve_frt_policy = frt_policy


def _frt_policy_from_csv(path: Path) -> FrtPolicy:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError as err:
        msg = (
            f"FRT policy file {path} not found; "
            f"check the path or use a built-in policy ({', '.join(_BUILTIN_POLICIES)})"
        )
        raise PolicyError(msg) from err
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        msg = (
            f"FRT policy file {path} cannot be read as CSV ({err}); "
            "save it as UTF-8 CSV with columns kind,mount,operator,frt_tier"
        )
        raise PolicyError(msg) from err
    table.columns = [str(c).strip().lower() for c in table.columns]
    needed = ("kind", "mount", "operator", "frt_tier")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        msg = (
            f"FRT policy file {path}: missing column(s) {', '.join(missing)}; "
            "the header must be kind,mount,operator,frt_tier"
        )
        raise PolicyError(msg)
    if table.empty:
        msg = f"FRT policy file {path} has no rules; add at least the row *,*,*,medium"
        raise PolicyError(msg)
    rules = []
    for position, values in enumerate(table[list(needed)].itertuples(index=False), start=1):
        rule = tuple(str(v).strip().lower() for v in values)
        _check_rule(rule, where=f"FRT policy file {path}, data row {position} (line {position + 1})")
        rules.append(rule)
    return FrtPolicy(name=path.stem, description=f"rules read from {path}", rules=tuple(rules))  # type: ignore[arg-type]


def apply_frt_policy(cameras: pd.DataFrame, policy: FrtPolicy) -> pd.DataFrame:
    """Set each camera's ``frt_tier`` from a policy.

    Parameters
    ----------
    cameras
        Camera table with ``kind``, ``mount`` and ``operator`` columns.
    policy
        The FRT policy (see :func:`frt_policy`).

    Returns
    -------
    pandas.DataFrame
        A copy of ``cameras`` with ``frt_tier`` set.
    """
    missing = [c for c in ("kind", "mount", "operator") if c not in cameras.columns]
    if missing:
        msg = f"camera table lacks column(s) {', '.join(missing)}; load it with load_cameras()"
        raise CameraDataError(msg)
    out = cameras.copy()
    n = len(out)
    # a code per camera (index into FRT_TIERS), compared column-wise: no Python object per camera
    codes = np.full(n, -1, dtype=np.int8)
    for kind, mount, operator, tier in policy.rules:
        mask = codes < 0
        for column, wanted in (("kind", kind), ("mount", mount), ("operator", operator)):
            if wanted != "*":
                mask &= out[column].eq(wanted).to_numpy(dtype=bool, na_value=False)
        codes[mask] = FRT_TIERS.index(tier)
    names = [*FRT_TIERS, "None"]  # -1 (no rule matched) is the last name
    codes[codes < 0] = len(names) - 1
    out["frt_tier"] = (
        pd.Series(pd.Categorical.from_codes(codes, names), index=out.index).astype(str) if n
        else pd.Series([], dtype=str)
    )
    return out


#: Named verification policies. The default counts every camera, as Amnesty's
#: published Decode Surveillance totals do (each intersection's median count,
#: whatever the volunteers' agreement); ``majority`` drops cameras whose three
#: counts all disagreed; ``verified`` keeps unanimous or surveyed ones only.
_VERIFICATION_NAMES: dict[str, frozenset[str]] = {
    "default": frozenset(VERIFICATIONS),
    "any": frozenset(VERIFICATIONS),
    "majority": frozenset({"verified", "unverified"}),
    "verified": frozenset({"verified"}),
}


def verification_policy(spec: str | Iterable[str]) -> frozenset[str]:
    """Resolve which verification statuses are counted.

    Parameters
    ----------
    spec
        ``"default"`` or ``"any"`` (all three), ``"majority"`` (verified and
        unverified), ``"verified"``, a comma-separated list such as ``"verified,disputed"``,
        or an iterable of statuses.

    Returns
    -------
    frozenset of str
        The statuses counted.

    Raises
    ------
    PolicyError
        When a status is not one of verified, unverified, disputed, or none is given.
    """
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in _VERIFICATION_NAMES:
            return _VERIFICATION_NAMES[key]
        items = [part.strip().lower() for part in key.split(",") if part.strip()]
    else:
        items = [str(part).strip().lower() for part in spec]
    bad = [item for item in items if item not in VERIFICATIONS]
    if bad or not items:
        what = f"{', '.join(repr(b) for b in bad)} not valid" if bad else "no status given"
        msg = (
            f"verification policy {spec!r}: {what}; use default, any, majority, verified, or a comma list of "
            f"{', '.join(VERIFICATIONS)}"
        )
        raise PolicyError(msg)
    return frozenset(items)


def select_cameras(
    cameras: pd.DataFrame,
    *,
    frt_policy: str | Path | FrtPolicy = "default",
    verification: str | Iterable[str] = "default",
) -> pd.DataFrame:
    """Apply an FRT and a verification policy to a camera table.

    Parameters
    ----------
    cameras
        Camera table (see :data:`CAMERA_COLUMNS`).
    frt_policy
        The FRT policy or its name or file (see :func:`frt_policy`).
    verification
        The verification statuses counted (see :func:`verification_policy`).

    Returns
    -------
    pandas.DataFrame
        The cameras whose verification is counted, with ``frt_tier`` set and a
        boolean ``frt_capable`` column (tier in :data:`FRT_CAPABLE_TIERS`); index reset.
    """
    policy = _resolve_frt_policy(frt_policy)
    statuses = verification_policy(verification)
    if "verification" not in cameras.columns:
        msg = "camera table lacks the column verification; load it with load_cameras()"
        raise CameraDataError(msg)
    tiered = apply_frt_policy(cameras, policy)
    kept = tiered[tiered["verification"].isin(statuses).to_numpy()].reset_index(drop=True)
    kept["frt_capable"] = kept["frt_tier"].isin(FRT_CAPABLE_TIERS).to_numpy(dtype=bool)
    return kept


def describe_policies(
    frt_policy: str | Path | FrtPolicy = "default",
    verification: str | Iterable[str] = "default",
) -> dict[str, Any]:
    """Describe the policies behind a figure, for JSON output and captions.

    Parameters
    ----------
    frt_policy
        The FRT policy or its name or file.
    verification
        The verification statuses counted.

    Returns
    -------
    dict
        ``{"frt_policy": name, "frt_capable_tiers": [...], "verification": [...]}``.
    """
    policy = _resolve_frt_policy(frt_policy)
    return {
        "frt_policy": policy.name,
        "frt_capable_tiers": list(FRT_CAPABLE_TIERS),
        "verification": sorted(verification_policy(verification)),
    }


# --------------------------------------------------------------------------- shared helpers

def _parse_direction(value: str) -> tuple[float, float]:
    """Parse one OSM ``direction``: degrees, compass letters, or a clockwise range ``from-to``.

    Returns ``(direction_deg, fov_deg)``; ``fov_deg`` is NaN unless a range is given.
    Raises ``ValueError`` when the value cannot be read. Loaders parse whole
    columns with :func:`exposure._parse.parse_directions`; this is the same rule for one value.
    """
    direction, fov, bad = parse_directions(pd.Series([str(value)], dtype=object))
    if bad[0] or np.isnan(direction[0]):
        msg = f"direction {value!r} is not degrees, compass letters or a range such as 90-270"
        raise ValueError(msg)
    return float(direction[0]), float(fov[0])


def _parse_height(value: str) -> float:
    """Parse one height in metres (``4``, ``3.5 m``); ``ValueError`` unless it is a number >= 0."""
    height, bad = parse_heights(pd.Series([str(value)], dtype=object))
    if bad[0] or np.isnan(height[0]):
        msg = f"height {value!r} is not a non-negative number"
        raise ValueError(msg)
    return float(height[0])


#: A number from any JSON or text value, never raising (NaN or ±inf when it is not a usable float).
_to_float = to_float


def _problem(file: str, row: int, column: str, value: Any, reason: str) -> dict[str, Any]:
    return {
        "file": file,
        "row": int(row),
        "column": column,
        "value": "" if value is None else str(_clip(value)),
        "reason": reason,
    }


def _rejected_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(problems, columns=list(REJECTED_COLUMNS))
    return frame.astype({"row": "int64"}).reset_index(drop=True)


def _text_column(values: Any) -> pd.Series:
    """A text column of the camera table; a pandas string column stays in its compact form."""
    if isinstance(values, pd.Series):
        return values.reset_index(drop=True).astype(str)
    return pd.Series(values, dtype=object).astype(str)


def _camera_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Build a camera table with the schema's columns, dtypes and the default FRT tier."""
    n = len(columns["camera_id"])
    observed = pd.Series(columns["observed"], dtype=object) if not isinstance(columns["observed"], pd.Series) \
        else columns["observed"].reset_index(drop=True).astype(object)
    frame = pd.DataFrame(
        {
            "camera_id": _text_column(columns["camera_id"]),
            "lon": pd.Series(np.asarray(columns["lon"], dtype="float64")),
            "lat": pd.Series(np.asarray(columns["lat"], dtype="float64")),
            "source": _text_column(columns["source"]),
            "kind": _text_column(columns["kind"]),
            "mount": _text_column(columns["mount"]),
            "operator": _text_column(columns["operator"]),
            "direction_deg": pd.Series(np.asarray(columns["direction_deg"], dtype="float64")),
            "fov_deg": pd.Series(np.asarray(columns["fov_deg"], dtype="float64")),
            "height_m": pd.Series(np.asarray(columns["height_m"], dtype="float64")),
            "verification": _text_column(columns["verification"]),
            "agreement": _text_column(columns["agreement"]),
            "reports": pd.Series(np.asarray(columns["reports"], dtype="int64")),
            "observed": observed.where(observed.notna() & observed.ne(""), None),
            "frt_tier": pd.Series(pd.Categorical.from_codes(np.zeros(n, dtype=np.int8), ["medium"])).astype(str),
        },
        columns=list(CAMERA_COLUMNS),
    )
    return apply_frt_policy(frame, _BUILTIN_POLICIES["default"])


_ROW_LABELS = {"csv": "data row {n} (line {line})", "feature": "feature {n}", "osm": "object {n}"}


def _finish(
    columns: Mapping[str, Any],
    problems: list[dict[str, Any]] | pd.DataFrame,
    *,
    source: str,
    good_inputs: int | None = None,
    unit: str = "csv",
) -> CameraLoad:
    """Assemble a load; raise when no input row was usable (``unit`` says how rows are counted)."""
    n = len(next(iter(columns.values()), ()))
    if n > settings.max_cameras:
        msg = (f"{source}: {n:,} cameras, over the limit of {settings.max_cameras:,} for one file "
               "(exposure.settings.max_cameras); cut the file to your area, or raise exposure.settings.max_cameras")
        raise CameraDataError(msg)
    cameras = _camera_frame(columns)
    rejected = (problems.reset_index(drop=True).astype({"row": "int64"}) if isinstance(problems, pd.DataFrame)
                else _rejected_frame(problems))
    usable = len(cameras) if good_inputs is None else good_inputs
    if usable == 0:
        if rejected.empty:
            msg = f"{source}: no camera rows found; check that this is a camera file"
        else:
            first = "; ".join(
                f"{_ROW_LABELS[unit].format(n=r.row, line=r.row + 1)}, column {r.column!r}: {r.reason}"
                for r in rejected.head(3).itertuples(index=False)
            )
            msg = (
                f"{source}: no usable camera row ({len(rejected)} problem(s)); "
                f"first: {first}. Fix these rows and load the file again"
            )
        raise CameraDataError(msg)
    return CameraLoad(cameras=cameras, rejected=rejected, source=source)


def _check_file(path: str | Path) -> Path:
    path = Path(path)
    if not path.exists():
        msg = f"camera file {path} not found; check the path"
        raise CameraDataError(msg)
    if not path.is_file():
        msg = (
            f"camera file {path} is not a file; "
            "give the path of a .csv, .geojson, .json, .osm or .osm.pbf file"
        )
        raise CameraDataError(msg)
    size = path.stat().st_size
    if size == 0:
        msg = f"camera file {path} is empty (0 bytes); export the cameras again"
        raise CameraDataError(msg)
    size_mb = size / 1e6
    if size_mb > settings.max_camera_file_mb:
        msg = (
            f"camera file {path} is {size_mb:.1f} MB, over the {settings.max_camera_file_mb:g} MB limit; "
            "cut it to your area or raise exposure.settings.max_camera_file_mb"
        )
        raise CameraDataError(msg)
    return path


def _head(path: Path, size: int = 4096) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(size)
    except OSError as err:
        msg = f"camera file {path} cannot be read ({err}); check its permissions"
        raise CameraDataError(msg) from err


def _read_text_table(path: Path) -> pd.DataFrame:
    """Read a CSV file with every value as text, so that reports can quote the raw value.

    At most ``settings.max_camera_rows`` data rows and ``settings.max_csv_columns``
    columns are read; a file with more is refused before its values are checked.
    Every column is read, so that a line with more fields than the header is an
    error rather than shifted values.
    """
    check_csv_columns(_head(path, 1 << 20), where=f"camera file {path}", error=CameraDataError)
    limit = settings.max_camera_rows
    try:
        table = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True, nrows=limit + 1
        )
    except UnicodeDecodeError as err:
        msg = f"camera file {path} is not UTF-8 text ({first_line(err)}); save it as UTF-8 CSV"
        raise CameraDataError(msg) from err
    except pd.errors.EmptyDataError as err:
        msg = f"camera file {path} is empty; it needs a header line and at least one data row"
        raise CameraDataError(msg) from err
    except (pd.errors.ParserError, ValueError) as err:
        msg = (
            f"camera file {path} is not valid CSV ({csv_error_detail(err)}); "
            "check the quoting and the number of fields on that line"
        )
        raise CameraDataError(msg) from err
    except OSError as err:
        msg = f"camera file {path} cannot be read ({first_line(err)}); check its permissions"
        raise CameraDataError(msg) from err
    if len(table) > limit:
        msg = limit_message(f"camera file {path} has more than {limit:,} data rows", "max_camera_rows",
                            "cut it to your area")
        raise CameraDataError(msg)
    return table


def _check_rows(n: int, *, source: str, what: str = "data rows") -> None:
    """Refuse more than ``settings.max_camera_rows`` rows (features, OSM objects) before they are checked."""
    if n > settings.max_camera_rows:
        msg = limit_message(f"camera file {source} has {n:,} {what}", "max_camera_rows", "cut it to your area")
        raise CameraDataError(msg)


def _read_json(path: Path) -> Any:
    try:
        data = path.read_bytes()
    except OSError as err:
        msg = f"camera file {path} cannot be read ({first_line(err)}); check its permissions"
        raise CameraDataError(msg) from err
    try:
        return json_loads(data)
    except JsonError as err:
        if err.detail.startswith("not UTF-8"):
            msg = f"camera file {path} is not UTF-8 text ({err.detail}); save it as UTF-8"
        else:
            msg = f"camera file {path} is not valid JSON ({err.detail}); fix the file or export it again"
        raise CameraDataError(msg) from err


def _not_first_good(values: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Mark the good rows whose value already appeared on an earlier good row (rows already bad are not marked)."""
    result = np.zeros(len(values), dtype=bool)
    good = ~np.asarray(bad, dtype=bool)
    result[good] = values[good].duplicated(keep="first").to_numpy()
    return result


def _geojson_points(data: Any, *, path: Path) -> tuple[list[_GeoPoint], list[dict[str, Any]]]:
    """The Point features of GeoJSON data, and a report of the features that are not usable points."""
    source = str(path)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = {"type": "FeatureCollection", "features": [data]}
    if not (isinstance(data, dict) and isinstance(data.get("features"), list)):
        msg = (
            f"camera file {path} is JSON but neither a GeoJSON FeatureCollection (no 'features' list) "
            "nor Overpass JSON (no 'elements'); export it again as GeoJSON"
        )
        raise CameraDataError(msg)
    features = data["features"]
    _check_rows(len(features), source=source, what="features")
    problems: list[dict[str, Any]] = []
    points: list[_GeoPoint] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            problems.append(
                _problem(source, number, "feature", _clip(feature), f"feature {number} is not a GeoJSON object")
            )
            continue
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind != "Point" or not isinstance(geometry, dict):
            what = f"a {_clip(kind)} geometry" if isinstance(kind, str) else "without a geometry"
            problems.append(
                _problem(
                    source,
                    number,
                    "geometry",
                    _clip(kind),
                    f"feature {number} is {what}; only Point features are read as cameras",
                )
            )
            continue
        coords = geometry.get("coordinates")
        if not (isinstance(coords, list | tuple) and len(coords) >= 2):
            problems.append(
                _problem(
                    source,
                    number,
                    "geometry",
                    _clip(coords),
                    f"feature {number} has no [lon, lat] coordinates; fix its geometry",
                )
            )
            continue
        properties = feature.get("properties")
        if properties is None:
            properties = {}
        elif not isinstance(properties, dict):
            problems.append(_problem(source, number, "properties", _clip(properties),
                                     f"feature {number}: properties is not a JSON object; {_KEPT}"))
            properties = {}
        ident = feature.get("id")
        points.append(
            (number, to_float(coords[0]), to_float(coords[1]), dict(properties),
             ident if isinstance(ident, str | int) and not isinstance(ident, bool) else None)
        )
    return points, problems


def _clip(value: Any, most: int = 200) -> Any:
    """A value quoted in a report, cut to ``most`` characters (a feature may hold megabytes)."""
    if value is None or isinstance(value, int | float):
        return value
    text = str(value)
    return text if len(text) <= most else text[: most - 1] + "…"


# --------------------------------------------------------------------------- dispatch


def load_cameras(path: str | Path, *, format: str | None = None, decode_total: str = "attachments") -> CameraLoad:
    """Read a camera file of any supported format.

    Parameters
    ----------
    path
        The file. ``.osm.pbf``/``.pbf``: OpenStreetMap PBF; ``.osm``/``.xml``
        with an ``<osm>`` root: OSM XML (an ``.xml`` file that is really CSV,
        like CCTV-Exposure's camera map, is read as CSV); ``.geojson``/``.json``:
        Overpass JSON (has ``elements``) or GeoJSON (OSM rules when features are
        tagged ``man_made=surveillance``, else generic); ``.csv``: Decode
        Surveillance NYC, CCTV-Exposure or a generic lat/lon CSV.
    format
        Force a reader: one of ``"osm"``, ``"decode"``, ``"cctv-exposure"``,
        ``"csv"``, ``"geojson"``.
    decode_total
        How a Decode Surveillance intersection's counts become cameras:
        ``"attachments"`` (the sum of the attachment medians, Amnesty's
        published rule) or ``"n_cameras"`` (the median total); see
        :func:`exposure.sources.decode.cameras_from_decode`. Other formats ignore it.

    Returns
    -------
    CameraLoad
        The cameras and the report of rejected rows.

    Raises
    ------
    CameraDataError
        When the file is missing, unreadable, too large, has no usable
        coordinate columns or no usable row.
    """
    # The readers import this module's helpers, so they are imported here, not at the top.
    from exposure.sources.cctv_exposure import cameras_from_cctv_exposure  # noqa: PLC0415
    from exposure.sources.decode import DECODE_TOTALS, cameras_from_decode  # noqa: PLC0415
    from exposure.sources.osm import (  # noqa: PLC0415
        _cameras_from_osm_xml,
        _cameras_from_overpass,
        cameras_from_osm,
    )
    from exposure.sources.table import (  # noqa: PLC0415
        _cameras_from_geojson_data,
        cameras_from_csv,
        cameras_from_geojson,
    )

    if decode_total not in DECODE_TOTALS:
        msg = f"unknown Decode counting rule {decode_total!r}; use one of {', '.join(DECODE_TOTALS)}"
        raise CameraDataError(msg)
    path = _check_file(path)
    if format is not None:
        readers: dict[str, Callable[[Path], CameraLoad]] = {
            "osm": cameras_from_osm,
            "decode": functools.partial(cameras_from_decode, total=decode_total),
            "cctv-exposure": cameras_from_cctv_exposure,
            "csv": cameras_from_csv,
            "geojson": cameras_from_geojson,
        }
        if format not in readers:
            msg = (
                f"unknown camera file format {format!r}; "
                f"use one of {', '.join(_FORMATS)} or leave it out to detect it"
            )
            raise CameraDataError(msg)
        return readers[format](path)
    name = path.name.lower()
    raw_head = _head(path)
    if name.endswith(".pbf") or _looks_like_pbf(raw_head):
        return cameras_from_osm(path)
    head = raw_head.lstrip(b"\xef\xbb\xbf").lstrip()
    if name.endswith((".geojson", ".json")) or head.startswith(b"{"):
        data = _read_json(path)
        if isinstance(data, dict) and "elements" in data:
            return _cameras_from_overpass(data, source=str(path))
        return _cameras_from_geojson_data(data, path=path, osm=None)
    if head.startswith(b"<"):
        return _cameras_from_osm_xml(path)
    return _cameras_from_any_csv(path, decode_total=decode_total)


def load_cameras_bytes(data: bytes, *, name: str, format: str | None = None,
                       decode_total: str = "attachments") -> CameraLoad:
    """Read a camera file given as bytes (an upload) under its own name, never writing it to disk.

    Parameters
    ----------
    data
        The file's content.
    name
        The file's name (folders are dropped): it chooses the format as in
        :func:`load_cameras`, and the report, the errors, ``source`` and the
        default camera ids (``<stem>:<row>``) use it.
    format, decode_total
        As in :func:`load_cameras`.

    Returns
    -------
    CameraLoad
        As :func:`load_cameras` returns it, with ``source`` the file's name.

    Raises
    ------
    CameraDataError
        As :func:`load_cameras` raises it, naming the file by ``name``.

    Notes
    -----
    Some readers (pyrosm for ``.osm.pbf``) only open a path, so the bytes are
    handed to them as a file in memory (``/dev/shm`` on Linux), removed as soon as
    it is read (:func:`exposure._memfile.uploaded_file`).
    """
    from exposure._memfile import safe_name, uploaded_file  # noqa: PLC0415

    shown = safe_name(name)
    with uploaded_file(data, shown) as path:
        where = str(path)
        try:
            load = load_cameras(path, format=format, decode_total=decode_total)
        except CameraDataError as err:
            raise CameraDataError(str(err).replace(where, shown)) from err
    rejected = load.rejected.copy()
    rejected["file"] = rejected["file"].astype(str).str.replace(where, shown, regex=False)
    extent = load.extent
    if extent is not None and where in extent.description:
        extent = CameraExtent(extent.geometry, extent.description.replace(where, shown))
    return CameraLoad(cameras=load.cameras, rejected=rejected, source=shown, extent=extent)


def _looks_like_pbf(head: bytes) -> bool:
    # An OSM PBF starts with a 4-byte header length and a BlobHeader of type "OSMHeader".
    return b"OSMHeader" in head[:32]


def _cameras_from_any_csv(path: Path, *, decode_total: str) -> CameraLoad:
    from exposure.sources.cctv_exposure import cameras_from_cctv_exposure  # noqa: PLC0415
    from exposure.sources.decode import cameras_from_decode  # noqa: PLC0415
    from exposure.sources.table import cameras_from_csv  # noqa: PLC0415

    check_csv_columns(_head(path, 1 << 20), where=f"camera file {path}", error=CameraDataError)
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (pd.errors.EmptyDataError, pd.errors.ParserError, ValueError, OSError):
        return cameras_from_csv(path)  # it reports the problem in full
    columns = {str(c).strip() for c in header}
    lower = {c.lower() for c in columns}
    if "PanoramaId" in columns and any(c.endswith("_median") for c in columns):
        return cameras_from_decode(path, total=decode_total)
    if {"latitude", "longitude", "camera_type", "radius", "angle_of_view"} <= lower:
        return cameras_from_cctv_exposure(path)
    return cameras_from_csv(path)


# --------------------------------------------------------------------------- export


def cameras_to_csv(cameras: pd.DataFrame, path_or_buf: str | Path | TextIO | None = None) -> str | None:
    """Write a camera table as CSV (readable again by :func:`cameras_from_csv`).

    Camera ids, sources and agreement texts come from other people's files, so
    a text cell that a spreadsheet would run as a formula is prefixed with ``'``
    (:func:`exposure.export.neutralise_formulas`).

    Parameters
    ----------
    cameras
        Camera table.
    path_or_buf
        File path or text buffer; ``None`` returns the CSV text.

    Returns
    -------
    str or None
        The CSV text when ``path_or_buf`` is ``None``.
    """
    order = [c for c in CAMERA_COLUMNS if c in cameras.columns]
    order += [c for c in cameras.columns if c not in order]
    return neutralise_formulas(cameras[order]).to_csv(path_or_buf, index=False)


def cameras_to_geojson(cameras: pd.DataFrame) -> dict[str, Any]:
    """Convert a camera table to a GeoJSON FeatureCollection of Points.

    Parameters
    ----------
    cameras
        Camera table.

    Returns
    -------
    dict
        The FeatureCollection; every column but ``lon``/``lat`` is a property,
        NaN becomes ``null``.
    """
    others = [c for c in cameras.columns if c not in ("lon", "lat")]
    properties = cameras[others].astype(object)
    properties = properties.where(pd.notna(properties), None)
    records = properties.to_dict(orient="records")
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lon), float(lat)]},
            "properties": {k: _plain(v) for k, v in record.items()},
        }
        for lon, lat, record in zip(cameras["lon"], cameras["lat"], records, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


#: Readers re-exported here, where they lived before each source got its own module.
_READERS = {
    "cameras_from_cctv_exposure": "exposure.sources.cctv_exposure",
    "cameras_from_csv": "exposure.sources.table",
    "cameras_from_decode": "exposure.sources.decode",
    "cameras_from_geojson": "exposure.sources.table",
    "cameras_from_osm": "exposure.sources.osm",
    "cameras_from_osm_elements": "exposure.sources.osm",
}


def __getattr__(name: str) -> Any:
    """Import a reader from its source module on first use (the readers import this module)."""
    if name in _READERS:
        import importlib  # noqa: PLC0415

        return getattr(importlib.import_module(_READERS[name]), name)
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
