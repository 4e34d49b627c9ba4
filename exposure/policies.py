"""Which cameras a figure counts: the FRT policy (which are facial-recognition-capable) and the verification policy.

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

Which verification statuses are counted is the second policy
(:func:`verification_policy`). A status may name who set it: ``verified@group``
is a camera the group's own reviews verified (:mod:`exposure.review`),
``verified@source`` one its source file verified, and plain ``verified`` either;
``group`` names the first. :func:`passes_verification` says which cameras a
policy counts, :func:`select_cameras` applies both policies and
:func:`describe_policies` names them, in words too, for every figure. Policies about what a
camera sees (coverage models) are a third kind and live beside these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exposure._errors import CameraDataError, PolicyError
from exposure.schema import FRT_CAPABLE_TIERS, FRT_TIERS, KINDS, MOUNTS, OPERATORS, VERIFICATIONS

__all__ = [
    "VERIFIED_BY",
    "FrtPolicy",
    "apply_frt_policy",
    "describe_policies",
    "frt_policy",
    "passes_verification",
    "select_cameras",
    "verification_policy",
    "verification_words",
]

#: Who set a camera's ``verification``: its source file, or the group's reviews. A camera table
#: with a ``verified_by`` column says it per camera (an overlay of reviews adds it); a table
#: without one was verified by its source alone.
VERIFIED_BY: tuple[str, ...] = ("source", "group")

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
#: counts all disagreed; ``verified`` keeps unanimous or surveyed ones only, by
#: whomever; ``group`` keeps the cameras the group's own reviews verified.
_VERIFICATION_NAMES: dict[str, frozenset[str]] = {
    "default": frozenset(VERIFICATIONS),
    "any": frozenset(VERIFICATIONS),
    "majority": frozenset({"verified", "unverified"}),
    "verified": frozenset({"verified"}),
    "group": frozenset({"verified@group"}),
}
_WHO_WORDS = {"source": "by the source", "group": "by your group"}


def _valid_status(item: str) -> bool:
    """A status (``verified``) or a status and who set it (``verified@group``)."""
    status, at, who = item.partition("@")
    return status in VERIFICATIONS and (not at or who in VERIFIED_BY)


def verification_policy(spec: str | Iterable[str]) -> frozenset[str]:
    """Resolve which verification statuses are counted.

    Parameters
    ----------
    spec
        ``"default"`` or ``"any"`` (all three), ``"majority"`` (verified and
        unverified), ``"verified"``, ``"group"`` (verified by the group's reviews:
        ``verified@group``), a comma-separated list such as ``"verified,disputed"``
        or ``"verified@group,unverified@group"``, or an iterable of statuses. A
        status with ``@source`` or ``@group`` counts only the cameras whose status
        that one set (see :data:`VERIFIED_BY`).

    Returns
    -------
    frozenset of str
        The statuses counted.

    Raises
    ------
    PolicyError
        When a status is not one of verified, unverified, disputed (with or
        without ``@source`` or ``@group``), or none is given.
    """
    if isinstance(spec, str):
        key = spec.strip().lower()
        if key in _VERIFICATION_NAMES:
            return _VERIFICATION_NAMES[key]
        items = [part.strip().lower() for part in key.split(",") if part.strip()]
    else:
        items = [str(part).strip().lower() for part in spec]
    bad = [item for item in items if not _valid_status(item)]
    if bad or not items:
        what = f"{', '.join(repr(b) for b in bad)} not valid" if bad else "no status given"
        msg = (
            f"verification policy {spec!r}: {what}; use default, any, majority, verified, group, or a comma list of "
            f"{', '.join(VERIFICATIONS)} (each perhaps with @{' or @'.join(VERIFIED_BY)}: who set it)"
        )
        raise PolicyError(msg)
    return frozenset(items)


def passes_verification(cameras: pd.DataFrame, verification: str | Iterable[str] = "default") -> np.ndarray:
    """Which cameras a verification policy counts: the one rule every figure follows.

    A camera counts when its ``verification`` is among the statuses, or its
    ``verification@verified_by`` is (``verified@group``: the group's reviews
    verified it). A table without ``verified_by`` was verified by its source.

    Parameters
    ----------
    cameras
        Camera table with ``verification`` (and perhaps ``verified_by``).
    verification
        The statuses counted (see :func:`verification_policy`).

    Returns
    -------
    numpy.ndarray
        One boolean per camera, in the table's order.
    """
    if "verification" not in cameras.columns:
        msg = "camera table lacks the column verification; load it with load_cameras()"
        raise CameraDataError(msg)
    statuses = verification_policy(verification)
    status = cameras["verification"].astype(str)
    counted = status.isin(statuses).to_numpy(dtype=bool)
    if any("@" in s for s in statuses):
        who = cameras["verified_by"].astype(str) if "verified_by" in cameras.columns else "source"
        counted = counted | (status + "@" + who).isin(statuses).to_numpy(dtype=bool)
    return counted


def verification_words(verification: str | Iterable[str] = "default") -> str:
    """The statuses a policy counts, in words for captions: ``"verified by your group"``.

    Parameters
    ----------
    verification
        The statuses counted (see :func:`verification_policy`).

    Returns
    -------
    str
        ``"every status"`` when all three count whoever set them; else the
        statuses, each with who set it when the policy says.
    """
    statuses = verification_policy(verification)
    if set(VERIFICATIONS) <= statuses:
        return "every status"
    words = []
    for item in sorted(statuses, key=lambda s: (VERIFICATIONS.index(s.partition("@")[0]), s)):
        status, _, who = item.partition("@")
        words.append(f"{status} {_WHO_WORDS[who]}" if who else status)
    return ", ".join(words)


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
    counted = passes_verification(cameras, verification)
    tiered = apply_frt_policy(cameras, policy)
    kept = tiered[counted].reset_index(drop=True)
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
        ``{"frt_policy": name, "frt_capable_tiers": [...], "verification": [...],
        "verification_words": "..."}`` (:func:`verification_words`).
    """
    policy = _resolve_frt_policy(frt_policy)
    return {
        "frt_policy": policy.name,
        "frt_capable_tiers": list(FRT_CAPABLE_TIERS),
        "verification": sorted(verification_policy(verification)),
        "verification_words": verification_words(verification),
    }
