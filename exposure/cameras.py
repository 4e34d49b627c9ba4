"""Camera data: the schema, loaders for OSM, Decode, CCTV-Exposure and generic files, FRT policies.

Every loader returns a :class:`CameraLoad`: the good rows in the camera schema
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

import contextlib
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import pandas as pd
import pyrosm
from pyrosm.exceptions import PBFException

from exposure import settings
from exposure._errors import CameraDataError, PolicyError

__all__ = [
    "CAMERA_COLUMNS",
    "FRT_CAPABLE_TIERS",
    "FRT_TIERS",
    "KINDS",
    "MOUNTS",
    "OPERATORS",
    "REJECTED_COLUMNS",
    "VERIFICATIONS",
    "CameraLoad",
    "FrtPolicy",
    "apply_frt_policy",
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

#: One OSM object: (osm id such as "node/123", lon, lat, tags).
_OsmElement = tuple[str | int, float, float, Mapping[str, str]]

_FORMATS = ("osm", "decode", "cctv-exposure", "csv", "geojson")
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
    """

    cameras: pd.DataFrame
    rejected: pd.DataFrame
    source: str


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
    values = {c: out[c].astype(object).to_numpy() for c in ("kind", "mount", "operator")}
    tiers = np.full(n, None, dtype=object)
    assigned = np.zeros(n, dtype=bool)
    for kind, mount, operator, tier in policy.rules:
        mask = ~assigned
        for column, wanted in (("kind", kind), ("mount", mount), ("operator", operator)):
            if wanted != "*":
                mask &= values[column] == wanted
        tiers[mask] = tier
        assigned |= mask
    out["frt_tier"] = (
        pd.Series(tiers, index=out.index, dtype=object).astype(str) if n else pd.Series([], dtype=str)
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

_COMPASS = {
    name: index * 22.5
    for index, name in enumerate(
        ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")
    )
}


def _wrap_deg(value: float) -> float:
    wrapped = math.fmod(value, 360.0)
    if wrapped < 0:
        wrapped += 360.0
    # fmod of a tiny negative number plus 360 rounds to 360.0.
    return 0.0 if wrapped >= 360.0 else wrapped + 0.0


def _bearing(text: str) -> float:
    text = text.strip().rstrip("°").strip()
    upper = text.upper()
    if upper in _COMPASS:
        return _COMPASS[upper]
    number = float(text)  # ValueError for anything else
    if not math.isfinite(number):
        msg = f"bearing {text!r} is not finite"
        raise ValueError(msg)
    return _wrap_deg(number)


def _parse_direction(value: str) -> tuple[float, float]:
    """Parse an OSM ``direction``: degrees, compass letters, or a clockwise range ``from-to``.

    Returns ``(direction_deg, fov_deg)``; ``fov_deg`` is NaN unless a range is given.
    Raises ``ValueError`` when the value cannot be read.
    """
    text = str(value).strip()
    # Try every inner minus sign as the range separator: a leading one is a sign, and one
    # inside a number (1e-5) does not leave two bearings.
    for position, character in enumerate(text):
        if character != "-" or position == 0:
            continue
        try:
            start, end = _bearing(text[:position]), _bearing(text[position + 1 :])
        except ValueError:
            continue
        width = (end - start) % 360.0
        if width <= 0.0:
            width = 360.0
        return _wrap_deg(start + width / 2.0), width
    return _bearing(text), math.nan


def _parse_height(value: str) -> float:
    text = str(value).strip().lower()
    text = re.sub(r"\s*(m|metres|meters|meter|metre)$", "", text)
    number = float(text)
    if not math.isfinite(number) or number < 0:
        msg = f"height {value!r} is not a non-negative number"
        raise ValueError(msg)
    return number


def _to_float(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _problem(file: str, row: int, column: str, value: Any, reason: str) -> dict[str, Any]:
    return {
        "file": file,
        "row": int(row),
        "column": column,
        "value": "" if value is None else str(value),
        "reason": reason,
    }


def _rejected_frame(problems: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(problems, columns=list(REJECTED_COLUMNS))
    return frame.astype({"row": "int64"}).reset_index(drop=True)


def _camera_frame(columns: Mapping[str, Any]) -> pd.DataFrame:
    """Build a camera table with the schema's columns, dtypes and the default FRT tier."""
    n = len(columns["camera_id"])
    frame = pd.DataFrame(
        {
            "camera_id": pd.Series(columns["camera_id"], dtype=object).astype(str),
            "lon": pd.Series(columns["lon"], dtype="float64"),
            "lat": pd.Series(columns["lat"], dtype="float64"),
            "source": pd.Series(columns["source"], dtype=object).astype(str),
            "kind": pd.Series(columns["kind"], dtype=object).astype(str),
            "mount": pd.Series(columns["mount"], dtype=object).astype(str),
            "operator": pd.Series(columns["operator"], dtype=object).astype(str),
            "direction_deg": pd.Series(columns["direction_deg"], dtype="float64"),
            "fov_deg": pd.Series(columns["fov_deg"], dtype="float64"),
            "height_m": pd.Series(columns["height_m"], dtype="float64"),
            "verification": pd.Series(columns["verification"], dtype=object).astype(str),
            "agreement": pd.Series(columns["agreement"], dtype=object).astype(str),
            "reports": pd.Series(columns["reports"], dtype="int64"),
            "observed": pd.Series(columns["observed"], dtype=object),
            "frt_tier": pd.Series(["medium"] * n, dtype=object).astype(str),
        },
        columns=list(CAMERA_COLUMNS),
    )
    frame["observed"] = frame["observed"].astype(object).where(frame["observed"].notna(), None)
    return apply_frt_policy(frame, _BUILTIN_POLICIES["default"])


_ROW_LABELS = {"csv": "data row {n} (line {line})", "feature": "feature {n}", "osm": "object {n}"}


def _finish(
    columns: Mapping[str, Any],
    problems: list[dict[str, Any]],
    *,
    source: str,
    good_inputs: int | None = None,
    unit: str = "csv",
) -> CameraLoad:
    """Assemble a load; raise when no input row was usable (``unit`` says how rows are counted)."""
    cameras = _camera_frame(columns)
    rejected = _rejected_frame(problems)
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
    size_mb = path.stat().st_size / 1e6
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
    """Read a CSV file with every value as text, so that reports can quote the raw value."""
    try:
        return pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=True
        )
    except UnicodeDecodeError as err:
        msg = f"camera file {path} is not UTF-8 text ({err}); save it as UTF-8 CSV"
        raise CameraDataError(msg) from err
    except pd.errors.EmptyDataError as err:
        msg = f"camera file {path} is empty; it needs a header line and at least one data row"
        raise CameraDataError(msg) from err
    except pd.errors.ParserError as err:
        msg = (
            f"camera file {path} is not valid CSV ({err}); "
            "check the quoting and the number of fields on that line"
        )
        raise CameraDataError(msg) from err
    except OSError as err:
        msg = f"camera file {path} cannot be read ({err}); check its permissions"
        raise CameraDataError(msg) from err


def _read_json(path: Path) -> Any:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as err:
        msg = (
            f"camera file {path} is not valid JSON (line {err.lineno}, column {err.colno}: {err.msg}); "
            "fix the file or export it again"
        )
        raise CameraDataError(msg) from err
    except UnicodeDecodeError as err:
        msg = f"camera file {path} is not UTF-8 text ({err}); save it as UTF-8"
        raise CameraDataError(msg) from err
    except OSError as err:
        msg = f"camera file {path} cannot be read ({err}); check its permissions"
        raise CameraDataError(msg) from err


# --------------------------------------------------------------------------- dispatch


def load_cameras(path: str | Path, *, format: str | None = None) -> CameraLoad:
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
    path = _check_file(path)
    if format is not None:
        readers = {
            "osm": cameras_from_osm,
            "decode": cameras_from_decode,
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
    return _cameras_from_any_csv(path)


def _looks_like_pbf(head: bytes) -> bool:
    # An OSM PBF starts with a 4-byte header length and a BlobHeader of type "OSMHeader".
    return b"OSMHeader" in head[:32]


def _cameras_from_any_csv(path: Path) -> CameraLoad:
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError, OSError):
        return cameras_from_csv(path)  # it reports the problem in full
    columns = {str(c).strip() for c in header}
    lower = {c.lower() for c in columns}
    if "PanoramaId" in columns and any(c.endswith("_median") for c in columns):
        return cameras_from_decode(path)
    if {"latitude", "longitude", "camera_type", "radius", "angle_of_view"} <= lower:
        return cameras_from_cctv_exposure(path)
    return cameras_from_csv(path)


# --------------------------------------------------------------------------- OpenStreetMap

_OSM_TAG_COLUMNS = [
    "man_made",
    "surveillance",
    "surveillance:type",
    "camera:type",
    "camera:mount",
    "camera:direction",
    "direction",
    "revolving",
    "height",
    "camera:height",
    "operator",
    "operator:type",
    "check_date",
    "survey:date",
]
_OSM_CAMERA_TYPE = {"dome": "dome", "fixed": "fixed", "panning": "ptz", "ptz": "ptz"}
_OSM_MOUNT = {
    "pole": "street",
    "street_lamp": "street",
    "street_light": "street",
    "traffic_signals": "street",
    "gantry": "street",
    "wall": "building",
    "building": "building",
    "ceiling": "building",
    "facade": "building",
}
_OSM_OPERATOR_TYPE = {
    "public": "public",
    "government": "public",
    "private": "private",
    "commercial": "private",
}


def cameras_from_osm(path: str | Path) -> CameraLoad:
    """Read ``man_made=surveillance`` nodes from an OSM PBF, OSM XML, Overpass JSON or GeoJSON file.

    Parameters
    ----------
    path
        The file; its kind is told from the name (``.pbf``) or the content.

    Returns
    -------
    CameraLoad
        The cameras (see :func:`cameras_from_osm_elements` for the tag rules).

    Raises
    ------
    CameraDataError
        When the file cannot be read or holds no usable camera node.
    """
    path = _check_file(path)
    head = _head(path).lstrip(b"\xef\xbb\xbf").lstrip()
    if path.name.lower().endswith(".pbf") or not (head.startswith((b"<", b"{"))):
        return _cameras_from_osm_pbf(path)
    if head.startswith(b"<"):
        return _cameras_from_osm_xml(path)
    data = _read_json(path)
    if isinstance(data, dict) and "elements" in data:
        return _cameras_from_overpass(data, source=str(path))
    return _cameras_from_geojson_data(data, path=path, osm=True)


def _cameras_from_osm_pbf(path: Path) -> CameraLoad:
    if not path.name.lower().endswith(".pbf"):
        # pyrosm only opens files named *.pbf.
        what = "looks like an OSM PBF" if _looks_like_pbf(_head(path)) else "is not text"
        msg = f"camera file {path} {what}; rename it to end in .osm.pbf (or export cameras as CSV/GeoJSON)"
        raise CameraDataError(msg)
    try:
        nodes = pyrosm.OSM(str(path)).get_data_by_custom_criteria(
            custom_filter={"man_made": ["surveillance"]},
            filter_type="keep",
            keep_nodes=True,
            keep_ways=False,
            keep_relations=False,
            tags_as_columns=_OSM_TAG_COLUMNS,
        )
    except (PBFException, OSError, ValueError, RuntimeError, KeyError, TypeError) as err:
        msg = f"camera file {path} cannot be read as OSM PBF ({err}); check that it is a .osm.pbf extract"
        raise CameraDataError(msg) from err
    if nodes is None or len(nodes) == 0:
        msg = (
            f"{path}: no man_made=surveillance nodes in this OSM extract; "
            "cameras must be mapped as such nodes"
        )
        raise CameraDataError(msg)
    tag_columns = [c for c in _OSM_TAG_COLUMNS if c in nodes.columns]
    extra = nodes["tags"] if "tags" in nodes.columns else pd.Series([None] * len(nodes), index=nodes.index)
    elements = []
    for record, more in zip(
        nodes[["id", "lon", "lat", *tag_columns]].itertuples(index=False), extra, strict=True
    ):
        tags: dict[str, str] = {}
        if isinstance(more, str) and more:
            # A tags value we cannot read still leaves the tag columns to use.
            with contextlib.suppress(json.JSONDecodeError, AttributeError):
                tags.update({str(k): str(v) for k, v in json.loads(more).items()})
        for key, value in zip(tag_columns, record[3:], strict=True):
            if isinstance(value, str) and value:
                tags[key] = value
        elements.append((f"node/{int(record[0])}", float(record[1]), float(record[2]), tags))
    return _finish_osm(elements, source=str(path))


def _cameras_from_osm_xml(path: Path) -> CameraLoad:
    elements: list[_OsmElement] = []
    root_seen = False
    try:
        for event, elem in ET.iterparse(path, events=("start", "end")):
            if event == "start":
                if not root_seen:
                    root_seen = True
                    if elem.tag != "osm":
                        msg = (
                            f"camera file {path} is XML with root <{elem.tag}>, not an OSM file (<osm>); "
                            "export it from OSM or Overpass as .osm"
                        )
                        raise CameraDataError(msg)
                continue
            if elem.tag in ("node", "way", "relation"):
                tags = {t.get("k", ""): t.get("v", "") for t in elem.iter("tag")}
                if tags.get("man_made") == "surveillance":
                    lon, lat = _to_float(elem.get("lon")), _to_float(elem.get("lat"))
                    elements.append((f"{elem.tag}/{elem.get('id', '?')}", lon, lat, tags))
                elem.clear()
    except ET.ParseError as err:
        line, column = err.position
        msg = (
            f"camera file {path} is not valid XML (line {line}, column {column}: {err}); "
            "fix the file or export it again"
        )
        raise CameraDataError(msg) from err
    return _finish_osm(elements, source=str(path))


def _cameras_from_overpass(data: Mapping[str, Any], *, source: str) -> CameraLoad:
    raw = data.get("elements")
    if not isinstance(raw, list):
        msg = f"{source}: 'elements' is not a list; this is not Overpass JSON output"
        raise CameraDataError(msg)
    elements = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        tags = item.get("tags") or {}
        if not isinstance(tags, dict) or tags.get("man_made") != "surveillance":
            continue
        where = item.get("center", item) if item.get("type") != "node" else item
        elements.append(
            (
                f"{item.get('type', 'node')}/{item.get('id', '?')}",
                _to_float(where.get("lon")),
                _to_float(where.get("lat")),
                {str(k): str(v) for k, v in tags.items()},
            )
        )
    return _finish_osm(elements, source=source)


def _finish_osm(elements: Sequence[_OsmElement], *, source: str) -> CameraLoad:
    if not elements:
        msg = (
            f"{source}: no man_made=surveillance objects found; "
            "cameras must be mapped as man_made=surveillance nodes"
        )
        raise CameraDataError(msg)
    columns, problems = _osm_rows(elements, source=source, rows=None)
    return _finish(columns, problems, source=source, unit="osm")


def cameras_from_osm_elements(
    elements: Iterable[_OsmElement],
    *,
    source: str,
) -> CameraLoad:
    """Turn OSM ``man_made=surveillance`` nodes into cameras (pure, no I/O).

    Rules: ``camera_id`` is ``osm:node/<id>``. ``kind``: ``revolving=yes`` is
    ptz; else ``camera:type`` dome/fixed/panning gives dome/fixed/ptz;
    ``surveillance:type=ALPR`` is fixed; else unknown. ``surveillance:type=guard``
    (or any other non-camera type) is rejected. ``mount`` from ``camera:mount``
    (pole, street lamp, traffic signals, gantry: street; wall, building,
    ceiling, facade: building). ``operator`` from ``operator:type``
    (public/government: public; private/commercial: private); the
    ``surveillance`` tag says what is watched, not who runs the camera, so it is
    not used. ``direction_deg``/``fov_deg`` from ``camera:direction`` or
    ``direction``: degrees, compass letters, or a clockwise range ``from-to``
    (the direction is the middle of the range, the field of view its width).
    ``height_m`` from ``height`` or ``camera:height``. ``verification`` is
    unverified (one mapper) unless ``check_date`` or ``survey:date`` is set,
    which also gives ``observed``. ``reports`` is 1. An unreadable optional tag
    is reported and ignored; the camera is kept.

    Parameters
    ----------
    elements
        ``(osm id, lon, lat, tags)``; the id is ``"node/<n>"`` or a bare number
        (a node); ways and relations are rejected.
    source
        Where the elements came from, used in the report.

    Returns
    -------
    CameraLoad
        The cameras (possibly none) and the report.
    """
    columns, problems = _osm_rows(list(elements), source=source, rows=None)
    return CameraLoad(cameras=_camera_frame(columns), rejected=_rejected_frame(problems), source=source)


def _empty_columns() -> dict[str, list[Any]]:
    return {name: [] for name in CAMERA_COLUMNS if name != "frt_tier"}


def _osm_rows(
    elements: Sequence[_OsmElement],
    *,
    source: str,
    rows: list[int] | None,
) -> tuple[dict[str, list[Any]], list[dict[str, Any]]]:
    columns = _empty_columns()
    problems: list[dict[str, Any]] = []
    seen: set[str] = set()
    for position, (osm_id, lon, lat, tags) in enumerate(elements):
        row = rows[position] if rows is not None else position + 1
        ident = str(osm_id)
        if "/" not in ident:
            ident = f"node/{ident}"
        osm_type = ident.split("/", 1)[0]

        def reject(column: str, value: Any, reason: str, *, row: int = row, ident: str = ident) -> None:
            problems.append(_problem(source, row, column, value, f"{ident}: {reason}"))

        if osm_type != "node":
            reject(
                "type",
                osm_type,
                "only nodes are read as cameras; map each camera as a man_made=surveillance node",
            )
            continue
        if tags.get("man_made") != "surveillance":
            reject("man_made", tags.get("man_made"), "not tagged man_made=surveillance, so not a camera")
            continue
        surveillance_type = str(tags.get("surveillance:type", "camera")).strip()
        if surveillance_type.lower() not in ("camera", "alpr"):
            reject(
                "surveillance:type",
                surveillance_type,
                f"surveillance:type={surveillance_type} is not a camera (only camera and ALPR are)",
            )
            continue
        lon_f, lat_f = _to_float(lon), _to_float(lat)
        if not (math.isfinite(lat_f) and -90 <= lat_f <= 90):
            reject("lat", lat, "latitude missing or outside [-90, 90]; fix the node's position")
            continue
        if not (math.isfinite(lon_f) and -180 <= lon_f <= 180):
            reject("lon", lon, "longitude missing or outside [-180, 180]; fix the node's position")
            continue
        camera_id = f"osm:{ident}"
        if camera_id in seen:
            reject("id", ident, "duplicate node; only the first copy is kept")
            continue
        seen.add(camera_id)

        def note(column: str, value: Any, *, row: int = row, ident: str = ident) -> None:
            problems.append(_problem(source, row, column, value, f"{ident}: {_KEPT}"))

        kind = "unknown"
        camera_type = tags.get("camera:type")
        if camera_type is not None:
            if camera_type.strip().lower() in _OSM_CAMERA_TYPE:
                kind = _OSM_CAMERA_TYPE[camera_type.strip().lower()]
            else:
                note("camera:type", camera_type)
        if kind == "unknown" and surveillance_type.lower() == "alpr":
            kind = "fixed"
        if str(tags.get("revolving", "")).strip().lower() == "yes":
            kind = "ptz"

        mount = "unknown"
        camera_mount = tags.get("camera:mount")
        if camera_mount is not None:
            if camera_mount.strip().lower() in _OSM_MOUNT:
                mount = _OSM_MOUNT[camera_mount.strip().lower()]
            else:
                note("camera:mount", camera_mount)

        operator = "unknown"
        operator_type = tags.get("operator:type")
        if operator_type is not None:
            if operator_type.strip().lower() in _OSM_OPERATOR_TYPE:
                operator = _OSM_OPERATOR_TYPE[operator_type.strip().lower()]
            else:
                note("operator:type", operator_type)

        direction = fov = math.nan
        direction_key = "camera:direction" if "camera:direction" in tags else "direction"
        if direction_key in tags:
            try:
                direction, fov = _parse_direction(tags[direction_key])
            except ValueError:
                note(direction_key, tags[direction_key])

        height = math.nan
        height_key = "height" if "height" in tags else "camera:height"
        if height_key in tags:
            try:
                height = _parse_height(tags[height_key])
            except ValueError:
                note(height_key, tags[height_key])

        observed = tags.get("check_date") or tags.get("survey:date") or None
        columns["camera_id"].append(camera_id)
        columns["lon"].append(lon_f)
        columns["lat"].append(lat_f)
        columns["source"].append("osm")
        columns["kind"].append(kind)
        columns["mount"].append(mount)
        columns["operator"].append(operator)
        columns["direction_deg"].append(direction)
        columns["fov_deg"].append(fov)
        columns["height_m"].append(height)
        columns["verification"].append("verified" if observed else "unverified")
        columns["agreement"].append("")
        columns["reports"].append(1)
        columns["observed"].append(observed)
    return columns, problems


# --------------------------------------------------------------------------- GeoJSON


def cameras_from_geojson(path: str | Path) -> CameraLoad:
    """Read cameras from a GeoJSON FeatureCollection of Point features.

    Features tagged ``man_made=surveillance`` (an Overpass export) follow the
    OSM rules of :func:`cameras_from_osm_elements`; otherwise properties named
    like the schema's columns are used as in :func:`cameras_from_csv`. Features
    that are not Points are rejected, naming the feature number.

    Parameters
    ----------
    path
        The ``.geojson`` or ``.json`` file.

    Returns
    -------
    CameraLoad
        The cameras and the report.

    Raises
    ------
    CameraDataError
        When the file is not a GeoJSON FeatureCollection or has no usable feature.
    """
    path = _check_file(path)
    return _cameras_from_geojson_data(_read_json(path), path=path, osm=None)


def _cameras_from_geojson_data(data: Any, *, path: Path, osm: bool | None) -> CameraLoad:
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
    problems: list[dict[str, Any]] = []
    points: list[tuple[int, float, float, dict[str, Any], Any]] = []
    for number, feature in enumerate(features, start=1):
        if not isinstance(feature, dict):
            problems.append(
                _problem(source, number, "feature", feature, f"feature {number} is not a GeoJSON object")
            )
            continue
        geometry = feature.get("geometry") or {}
        properties = feature.get("properties") or {}
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        if kind != "Point":
            problems.append(
                _problem(
                    source,
                    number,
                    "geometry",
                    kind,
                    f"feature {number} is a {kind} geometry; only Point features are read as cameras",
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
                    coords,
                    f"feature {number} has no [lon, lat] coordinates; fix its geometry",
                )
            )
            continue
        points.append(
            (number, _to_float(coords[0]), _to_float(coords[1]), dict(properties), feature.get("id"))
        )
    if osm is None:
        osm = any(p[3].get("man_made") == "surveillance" for p in points)
    if osm:
        elements = []
        rows = []
        for number, lon, lat, properties, feature_id in points:
            ident = properties.get("@id") or feature_id or properties.get("id") or f"?{number}"
            tags = {
                str(k): str(v) for k, v in properties.items() if not str(k).startswith("@") and v is not None
            }
            elements.append((str(ident), lon, lat, tags))
            rows.append(number)
        columns, more = _osm_rows(elements, source=source, rows=rows)
        return _finish(columns, problems + more, source=source, unit="feature")
    table = pd.DataFrame([{str(k): "" if v is None else str(v) for k, v in p[3].items()} for p in points])
    table = table.reindex(range(len(points)))
    table["__lon"] = [repr(p[1]) for p in points]
    table["__lat"] = [repr(p[2]) for p in points]
    table = table.fillna("")
    rows_geo = np.array([p[0] for p in points], dtype="int64")
    return _cameras_from_table(
        table, problems, path=path, rows=rows_geo, lon_col="__lon", lat_col="__lat", unit="feature"
    )


# --------------------------------------------------------------------------- generic CSV

_LAT_NAMES = ("lat", "latitude", "y")
_LON_NAMES = ("lon", "lng", "long", "longitude", "x")
_ALIASES = {
    "camera_id": ("camera_id", "id"),
    "source": ("source",),
    "kind": ("kind",),
    "mount": ("mount",),
    "operator": ("operator",),
    "direction_deg": ("direction_deg", "direction"),
    "fov_deg": ("fov_deg", "fov"),
    "height_m": ("height_m", "height"),
    "verification": ("verification",),
    "agreement": ("agreement",),
    "reports": ("reports",),
    "observed": ("observed",),
}


def cameras_from_csv(path: str | Path) -> CameraLoad:
    """Read cameras from a generic CSV file with latitude and longitude columns.

    Coordinates come from columns named (any case) ``lat``/``latitude``/``y``
    and ``lon``/``lng``/``long``/``longitude``/``x``. Columns named like the
    schema (:data:`CAMERA_COLUMNS`; also ``id``, ``direction``, ``fov``,
    ``height``) are used and checked: a bad value rejects the row, naming the
    column. ``kind``/``mount``/``operator`` default to unknown, ``verification``
    to unverified, ``reports`` to 1, ``camera_id`` to ``<file stem>:<row>``.
    ``frt_tier`` is always recomputed with the default FRT policy. Files written
    by :func:`cameras_to_csv` read back unchanged.

    Parameters
    ----------
    path
        The CSV file (UTF-8, comma-separated, header on line 1).

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the data row; line = row + 1).

    Raises
    ------
    CameraDataError
        When the file is unreadable, has no coordinate columns or no usable row.
    """
    path = _check_file(path)
    table = _read_text_table(path)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    lat_col = next((lookup[n] for n in _LAT_NAMES if n in lookup), None)
    lon_col = next((lookup[n] for n in _LON_NAMES if n in lookup), None)
    if lat_col is None or lon_col is None:
        missing = "latitude" if lat_col is None else "longitude"
        msg = (
            f"camera file {path}: no {missing} column in the header "
            f"(line 1: {', '.join(map(str, table.columns))}); "
            f"name the columns lat and lon (also accepted: {', '.join(_LAT_NAMES)} / {', '.join(_LON_NAMES)})"
        )
        raise CameraDataError(msg)
    rows = np.arange(1, len(table) + 1, dtype="int64")
    return _cameras_from_table(table, [], path=path, rows=rows, lon_col=lon_col, lat_col=lat_col)


def _cameras_from_table(
    table: pd.DataFrame,
    problems: list[dict[str, Any]],
    *,
    path: Path,
    rows: np.ndarray,
    lon_col: str,
    lat_col: str,
    unit: str = "csv",
) -> CameraLoad:
    """Validate a text table of cameras (every value a string) and build the load."""
    source = str(path)
    n = len(table)
    bad = np.zeros(n, dtype=bool)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    found = {
        name: next((lookup[a] for a in aliases if a in lookup and lookup[a] not in (lat_col, lon_col)), None)
        for name, aliases in _ALIASES.items()
    }

    def text(name: str) -> pd.Series:
        column = found[name]
        if column is None:
            return pd.Series([""] * n, index=table.index, dtype=object)
        return table[column].astype(object).fillna("").map(str).str.strip()

    def flag(mask: np.ndarray, column: str, values: pd.Series, reason: str) -> None:
        for index in np.flatnonzero(mask):
            problems.append(_problem(source, rows[index], column, values.iloc[index], reason))
        bad[mask] = True

    out: dict[str, Any] = {}
    for name, column, low, high in (("lat", lat_col, -90, 90), ("lon", lon_col, -180, 180)):
        raw = table[column].astype(object).fillna("").map(str).str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        finite = np.isfinite(number)
        flag(~finite, str(column), raw, f"{column} is missing or not a number; write decimal degrees (WGS84)")
        outside = finite & ((number < low) | (number > high))
        flag(
            outside,
            str(column),
            raw,
            f"{column} is outside [{low}, {high}]; check that lat and lon are not swapped",
        )
        out[name] = number

    for name, allowed, default in (
        ("kind", KINDS, "unknown"),
        ("mount", MOUNTS, "unknown"),
        ("operator", OPERATORS, "unknown"),
        ("verification", VERIFICATIONS, "unverified"),
    ):
        raw = text(name)
        values = raw.str.lower().replace("", default)
        invalid = ~values.isin(allowed).to_numpy()
        flag(
            invalid,
            str(found[name]),
            raw,
            f"{found[name]} must be one of {', '.join(allowed)} (or empty for {default})",
        )
        out[name] = values.to_numpy(dtype=object)

    raw_fov = text("fov_deg")
    fov = pd.to_numeric(raw_fov.replace("", "nan"), errors="coerce").to_numpy(dtype="float64", copy=True)
    invalid = (raw_fov != "").to_numpy() & ~((fov > 0) & (fov <= 360))
    flag(
        invalid,
        str(found["fov_deg"]),
        raw_fov,
        f"{found['fov_deg']} must be a number in (0, 360] degrees, or empty",
    )

    raw_direction = text("direction_deg")
    direction = np.full(n, np.nan)
    for index in np.flatnonzero((raw_direction != "").to_numpy()):
        try:
            direction[index], range_fov = _parse_direction(raw_direction.iloc[index])
        except ValueError:
            flag(
                np.arange(n) == index,
                str(found["direction_deg"]),
                raw_direction,
                f"{found['direction_deg']} must be degrees from north (0-360), "
                "compass letters (NE) or a range (90-270)",
            )
            continue
        if math.isnan(fov[index]) and not math.isnan(range_fov):
            fov[index] = range_fov

    raw_height = text("height_m")
    height = np.full(n, np.nan)
    for index in np.flatnonzero((raw_height != "").to_numpy()):
        try:
            height[index] = _parse_height(raw_height.iloc[index])
        except ValueError:
            flag(
                np.arange(n) == index,
                str(found["height_m"]),
                raw_height,
                f"{found['height_m']} must be a non-negative number of metres, or empty",
            )

    raw_reports = text("reports")
    reports = pd.to_numeric(raw_reports.replace("", "1"), errors="coerce").to_numpy(dtype="float64")
    invalid = ~(np.isfinite(reports) & (reports >= 0) & (np.floor(reports) == reports))
    flag(
        invalid,
        str(found["reports"]),
        raw_reports,
        f"{found['reports']} must be a whole number >= 0, or empty for 1",
    )

    ids = text("camera_id")
    default_ids = pd.Series([f"{path.stem}:{r}" for r in rows], index=table.index, dtype=object)
    ids = ids.where(ids != "", default_ids)
    duplicate = _not_first_good(ids, bad) & ~bad
    flag(
        duplicate,
        str(found["camera_id"] or "camera_id"),
        ids,
        "duplicate camera_id; only the first row with it is kept, give each camera its own id",
    )

    keep = ~bad
    sources = text("source").replace("", path.name)
    observed = text("observed")
    columns = {
        "camera_id": ids.to_numpy(dtype=object)[keep],
        "lon": out["lon"][keep],
        "lat": out["lat"][keep],
        "source": sources.to_numpy(dtype=object)[keep],
        "kind": out["kind"][keep],
        "mount": out["mount"][keep],
        "operator": out["operator"][keep],
        "direction_deg": direction[keep],
        "fov_deg": fov[keep],
        "height_m": height[keep],
        "verification": out["verification"][keep],
        "agreement": text("agreement").to_numpy(dtype=object)[keep],
        "reports": np.nan_to_num(reports[keep]).astype("int64"),
        "observed": [v or None for v in observed.to_numpy(dtype=object)[keep]],
    }
    problems.sort(key=lambda p: p["row"])
    return _finish(columns, problems, source=source, unit=unit)


# --------------------------------------------------------------------------- CCTV-Exposure


def cameras_from_cctv_exposure(path: str | Path) -> CameraLoad:
    """Read a CCTV-Exposure camera map (Turtiainen et al. 2022).

    Columns ``latitude,longitude,camera_type,radius,angle_of_view,...``.
    ``camera_type`` round (a 360° dome) becomes kind dome, directed becomes
    fixed; the file gives no direction, so directed cameras have an unknown
    ``direction_deg``. ``angle_of_view`` becomes ``fov_deg``. The ``radius``
    column is not part of the schema: coverage radii come from
    ``settings.radius_m_by_kind`` or a ``radius_m`` override. The cameras were
    mapped on site by researchers, so they are verified; mount and operator
    are unknown. ``camera_id`` is ``cctvx:<data row>``.

    Parameters
    ----------
    path
        The CSV file (CCTV-Exposure names it ``.xml``; it is CSV).

    Returns
    -------
    CameraLoad
        The cameras and the report.

    Raises
    ------
    CameraDataError
        When the file is unreadable, lacks a needed column or has no usable row.
    """
    path = _check_file(path)
    source = str(path)
    table = _read_text_table(path)
    lookup = {str(c).strip().lower(): c for c in table.columns}
    missing = [c for c in ("latitude", "longitude", "camera_type") if c not in lookup]
    if missing:
        msg = (
            f"camera file {path}: missing CCTV-Exposure column(s) {', '.join(missing)} "
            "in the header (line 1); "
            "use format='csv' for other CSV files"
        )
        raise CameraDataError(msg)
    n = len(table)
    rows = np.arange(1, n + 1)
    problems: list[dict[str, Any]] = []
    bad = np.zeros(n, dtype=bool)
    coords = {}
    for name, column, low, high in (("lat", "latitude", -90, 90), ("lon", "longitude", -180, 180)):
        raw = table[lookup[column]].str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        invalid = ~(np.isfinite(number) & (number >= low) & (number <= high))
        for index in np.flatnonzero(invalid & ~bad):
            problems.append(
                _problem(
                    source,
                    rows[index],
                    column,
                    raw.iloc[index],
                    f"{column} is missing, not a number or outside [{low}, {high}]; write decimal degrees",
                )
            )
        bad |= invalid
        coords[name] = number
    raw_type = table[lookup["camera_type"]].str.strip()
    kind = raw_type.str.lower().map({"round": "dome", "directed": "fixed"})
    invalid = kind.isna().to_numpy()
    for index in np.flatnonzero(invalid & ~bad):
        problems.append(
            _problem(
                source,
                rows[index],
                "camera_type",
                raw_type.iloc[index],
                "camera_type must be round or directed",
            )
        )
    bad |= invalid
    fov = np.full(n, np.nan)
    if "angle_of_view" in lookup:
        raw_fov = table[lookup["angle_of_view"]].str.strip()
        number = pd.to_numeric(raw_fov, errors="coerce").to_numpy(dtype="float64")
        valid = (number > 0) & (number <= 360)
        fov = np.where(valid, number, np.nan)
        for index in np.flatnonzero(~valid & (raw_fov != "").to_numpy() & ~bad):
            problems.append(_problem(source, rows[index], "angle_of_view", raw_fov.iloc[index], _KEPT))
    keep = ~bad
    count = int(keep.sum())
    columns = {
        "camera_id": [f"cctvx:{r}" for r in rows[keep]],
        "lon": coords["lon"][keep],
        "lat": coords["lat"][keep],
        "source": ["cctv-exposure"] * count,
        "kind": kind.to_numpy(dtype=object)[keep],
        "mount": ["unknown"] * count,
        "operator": ["unknown"] * count,
        "direction_deg": np.full(count, np.nan),
        "fov_deg": fov[keep],
        "height_m": np.full(count, np.nan),
        "verification": ["verified"] * count,
        "agreement": [""] * count,
        "reports": np.ones(count, dtype="int64"),
        "observed": [None] * count,
    }
    problems.sort(key=lambda p: p["row"])
    return _finish(columns, problems, source=source)


# --------------------------------------------------------------------------- Decode Surveillance NYC

_DECODE_COUNTS = (
    "n_cameras_median",
    "attached_street_median",
    "attached_building_median",
    "type_dome_median",
    "type_bullet_median",
)
_DECODE_AGREEMENT = {"Unanimous": "verified", "2 vs 1": "unverified", "All disagree": "disputed"}


def cameras_from_decode(path: str | Path) -> CameraLoad:
    """Read Amnesty International's Decode Surveillance NYC ``counts_per_intersections.csv``.

    Each intersection (Street View panorama) holds the median of three
    volunteers' counts per category; each category's median is taken
    independently, so the sub-counts need not add up to ``n_cameras_median``.
    The intersection expands into ``n = round(n_cameras_median)`` camera rows
    (half up; none when 0) at the panorama's position, with ids
    ``decode:<PanoramaId>:<i>`` (``i`` from 0):

    - mount: the first ``attached_street_median`` rows are street, the next
      ``attached_building_median`` building, the rest unknown (truncated at
      ``n`` in that order when the sub-counts add up to more);
    - kind: the first ``type_dome_median`` rows are dome, the next
      ``type_bullet_median`` fixed (bullet), the rest unknown. In Amnesty's
      methodology only cameras on street furniture get a type, so dome and
      bullet counts describe street cameras: placing them first puts them on
      the street rows. The joint mount-by-type split is not in the data; this
      order is an assumption (exact whenever the type counts do not exceed the
      street count, true of all but 4 of 10,377 Brooklyn intersections);
    - verification from ``n_cameras_agreement``: Unanimous is verified,
      2 vs 1 unverified, All disagree disputed; ``agreement`` keeps the raw text;
      ``reports`` is 3 (three volunteers); ``observed`` is ``ImageDate``;
      operator is unknown.

    Rows with a missing or invalid ``Lat``/``Long``, count or agreement are
    rejected naming the column; a repeated ``PanoramaId`` keeps the first row.

    Parameters
    ----------
    path
        The CSV file.

    Returns
    -------
    CameraLoad
        The cameras and the report (``row`` is the data row; line = row + 1).

    Raises
    ------
    CameraDataError
        When the file is unreadable, lacks a needed column or has no usable intersection.
    """
    path = _check_file(path)
    source = str(path)
    table = _read_text_table(path)
    table.columns = [str(c).strip() for c in table.columns]
    needed = ("PanoramaId", "n_cameras_median", "n_cameras_agreement", "Lat", "Long")
    missing = [c for c in needed if c not in table.columns]
    if missing:
        msg = (
            f"camera file {path}: missing Decode Surveillance column(s) {', '.join(missing)} "
            "in the header (line 1); "
            "use Amnesty's counts_per_intersections.csv, or format='csv' for other CSV files"
        )
        raise CameraDataError(msg)
    n_rows = len(table)
    rows = np.arange(1, n_rows + 1)
    bad = np.zeros(n_rows, dtype=bool)
    problems: list[dict[str, Any]] = []

    def flag(mask: np.ndarray, column: str, raw: pd.Series, reason: str) -> None:
        new = mask & ~bad
        for index in np.flatnonzero(new):
            problems.append(_problem(source, rows[index], column, raw.iloc[index], reason))
        bad[new] = True

    pano = table["PanoramaId"].str.strip()
    flag(
        (pano == "").to_numpy(),
        "PanoramaId",
        pano,
        "PanoramaId is empty; every intersection needs its panorama id",
    )
    coords = {}
    for column, low, high in (("Lat", -90, 90), ("Long", -180, 180)):
        raw = table[column].str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        invalid = ~(np.isfinite(number) & (number >= low) & (number <= high))
        flag(
            invalid,
            column,
            raw,
            f"{column} is missing, not a number or outside [{low}, {high}]; write decimal degrees",
        )
        coords[column] = number
    counts = {}
    for column in _DECODE_COUNTS:
        if column not in table.columns:
            counts[column] = np.zeros(n_rows, dtype="int64")
            continue
        raw = table[column].str.strip()
        number = pd.to_numeric(raw, errors="coerce").to_numpy(dtype="float64")
        invalid = ~(np.isfinite(number) & (number >= 0))
        flag(invalid, column, raw, f"{column} must be a count >= 0")
        counts[column] = np.floor(np.nan_to_num(number, nan=0.0, posinf=0.0) + 0.5).astype("int64")
    agreement = table["n_cameras_agreement"].str.strip()
    verification = agreement.map(_DECODE_AGREEMENT)
    flag(
        verification.isna().to_numpy(),
        "n_cameras_agreement",
        agreement,
        f"n_cameras_agreement must be one of {', '.join(_DECODE_AGREEMENT)}",
    )
    duplicate = _not_first_good(pano, bad) & ~bad
    flag(duplicate, "PanoramaId", pano, "duplicate panorama; only the first row of this PanoramaId is kept")

    keep = ~bad
    n = np.where(keep, counts["n_cameras_median"], 0)
    total = int(n.sum())
    owner = np.repeat(np.arange(n_rows), n)
    starts = np.repeat(np.cumsum(n) - n, n)
    position = np.arange(total) - starts
    street = counts["attached_street_median"][owner]
    building = counts["attached_building_median"][owner]
    dome = counts["type_dome_median"][owner]
    bullet = counts["type_bullet_median"][owner]
    mount = np.where(
        position < street, "street", np.where(position < street + building, "building", "unknown")
    )
    kind = np.where(position < dome, "dome", np.where(position < dome + bullet, "fixed", "unknown"))
    pano_values = pano.to_numpy(dtype=object)[owner]
    ids = pd.Series(pano_values, dtype=object).radd("decode:") + ":" + pd.Series(position).astype(str)
    image_date = table["ImageDate"].str.strip() if "ImageDate" in table.columns else pd.Series([""] * n_rows)
    observed = image_date.to_numpy(dtype=object)[owner]
    columns = {
        "camera_id": ids.to_numpy(dtype=object),
        "lon": coords["Long"][owner],
        "lat": coords["Lat"][owner],
        "source": np.full(total, "decode", dtype=object),
        "kind": kind.astype(object),
        "mount": mount.astype(object),
        "operator": np.full(total, "unknown", dtype=object),
        "direction_deg": np.full(total, np.nan),
        "fov_deg": np.full(total, np.nan),
        "height_m": np.full(total, np.nan),
        "verification": verification.to_numpy(dtype=object)[owner],
        "agreement": agreement.to_numpy(dtype=object)[owner],
        "reports": np.full(total, 3, dtype="int64"),
        "observed": np.where(observed == "", None, observed),
    }
    problems.sort(key=lambda p: p["row"])
    return _finish(columns, problems, source=source, good_inputs=int(keep.sum()))


def _not_first_good(values: pd.Series, bad: np.ndarray) -> np.ndarray:
    """Mark the rows whose value already appeared on an earlier good row."""
    seen: set[Any] = set()
    result = np.zeros(len(values), dtype=bool)
    for index, value in enumerate(values.to_numpy(dtype=object)):
        if value in seen:
            result[index] = True
        elif not bad[index]:
            seen.add(value)
    return result


# --------------------------------------------------------------------------- export


def cameras_to_csv(cameras: pd.DataFrame, path_or_buf: str | Path | TextIO | None = None) -> str | None:
    """Write a camera table as CSV (readable again by :func:`cameras_from_csv`).

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
    return cameras[order].to_csv(path_or_buf, index=False)


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
