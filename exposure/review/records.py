"""What a review says: its vocabulary, its records (review, added camera, warning, merge) and their checks."""

from __future__ import annotations

import math
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from exposure._errors import ReviewError
from exposure.cameras import KINDS, MOUNTS, OPERATORS

__all__ = [
    "ADDED_COLUMNS",
    "ADDED_PREFIX",
    "CAMERA_MOUNTS",
    "HOWS",
    "MERGE_COLUMNS",
    "REVIEW_COLUMNS",
    "REVIEW_FIELDS",
    "SURVEILLANCE",
    "WARNING_COLUMNS",
    "AddedCamera",
    "Review",
    "ReviewWarning",
    "check_camera_id",
    "check_position",
    "check_reviewer",
    "make_review",
    "merge_id",
    "new_camera_id",
    "reviewer_key",
    "utc_text",
    "warning_id",
]

#: How a reviewer knows: on site (``survey``), from their own photo (``photo``), or from aerial or
#: street-level imagery (``imagery``; OpenStreetMap does not accept what is copied from it).
HOWS: tuple[str, ...] = ("survey", "photo", "imagery")
#: What a camera watches, as OpenStreetMap's ``surveillance`` tag says it.
SURVEILLANCE: tuple[str, ...] = ("outdoor", "public", "indoor")
#: OpenStreetMap ``camera:mount`` values a reviewer may give, and the camera schema's mount each means.
CAMERA_MOUNTS: dict[str, str] = {
    "pole": "street",
    "street_lamp": "street",
    "traffic_signals": "street",
    "gantry": "street",
    "wall": "building",
    "ceiling": "building",
}
#: The fields a review may state beside whether the camera exists (None: the review says nothing of it).
REVIEW_FIELDS: tuple[str, ...] = (
    "kind", "mount", "camera_mount", "operator", "direction_deg", "fov_deg", "surveillance",
)
#: Columns of a table of reviews.
REVIEW_COLUMNS: tuple[str, ...] = (
    "review_id", "camera_id", "reviewer", "reviewed_utc", "exists", *REVIEW_FIELDS, "how", "note", "withdrawn_utc",
)
#: Columns of a table of the cameras a group added.
ADDED_COLUMNS: tuple[str, ...] = ("camera_id", "lon", "lat", "added_by", "added_utc", "note")
#: Columns of a table of plausibility warnings.
WARNING_COLUMNS: tuple[str, ...] = (
    "warning_id", "code", "camera_id", "other_id", "review_id", "reviewer", "message", "raised_utc",
)
#: Columns of a table of cameras found to be one (two reviewers added the same camera).
MERGE_COLUMNS: tuple[str, ...] = ("merge_id", "first_id", "second_id", "merged_by", "merged_utc")
#: Prefix of the ids of cameras a group added (``review:<uuid>``).
ADDED_PREFIX = "review:"

_MAX_NAME = 80
_MAX_NOTE = 2_000
_MAX_ID = 200
# every warning and merge id derives from its content under this namespace, so that the same
# warning raised in two stores, or the same merge made twice, is one record when the stores merge
_NAMESPACE = uuid.UUID("6f0b3f52-8d7e-4d36-9a49-7c3f7f0e4e21")


@dataclass(frozen=True)
class Review:
    """One reviewer's statement about one camera.

    Attributes
    ----------
    review_id
        A UUID, unique across every store (merging is by this id).
    camera_id
        The camera reviewed: a ``camera_id`` of the camera table in use
        (``osm:node/…``, ``decode:…``, an uploaded file's) or of a camera the group
        added (``review:…``).
    reviewer
        The name the reviewer gave (no account).
    reviewed_utc
        When, in UTC (``2024-05-01T12:00:00.000000Z``).
    exists
        Whether the reviewer found the camera there.
    how
        One of :data:`HOWS`.
    kind, mount, camera_mount, operator, direction_deg, fov_deg, surveillance
        What the reviewer says of the camera; None says nothing.
    note
        Free text.
    withdrawn_utc
        When the reviewer withdrew it; None while it counts.
    """

    review_id: str
    camera_id: str
    reviewer: str
    reviewed_utc: str
    exists: bool
    how: str
    kind: str | None = None
    mount: str | None = None
    camera_mount: str | None = None
    operator: str | None = None
    direction_deg: float | None = None
    fov_deg: float | None = None
    surveillance: str | None = None
    note: str = ""
    withdrawn_utc: str | None = None


@dataclass(frozen=True)
class AddedCamera:
    """A camera a reviewer added: where, who and when (what it is comes from its reviews)."""

    camera_id: str
    lon: float
    lat: float
    added_by: str
    added_utc: str
    note: str = ""


@dataclass(frozen=True)
class ReviewWarning:
    """A plausibility warning about a camera: shown, recorded, never blocking.

    ``code`` names the check (``duplicate``, ``far_from_street``, ``into_wall``,
    ``burst``); ``other_id`` is the other camera of a likely duplicate.
    """

    code: str
    message: str
    camera_id: str = ""
    other_id: str = ""
    review_id: str = ""
    reviewer: str = ""


def utc_text(when: datetime | None = None) -> str:
    """A moment as the store writes it: UTC, microseconds, ``Z`` (text that sorts in time order).

    A naive datetime is taken to be UTC already.
    """
    moment = datetime.now(UTC) if when is None else when
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _text(value: Any, *, what: str, most: int) -> str:
    """Text a person typed: no control characters (they break tables and files), at most ``most`` characters."""
    text = unicodedata.normalize("NFC", str(value)).strip()
    if any(unicodedata.category(c) == "Cc" for c in text if c not in "\n\t"):
        msg = f"{what} holds control characters; type it again as plain text"
        raise ReviewError(msg)
    if len(text) > most:
        msg = f"{what} has {len(text):,} characters, more than {most:,}; shorten it"
        raise ReviewError(msg)
    return text


def check_reviewer(name: Any) -> str:
    """A reviewer name, stripped; ``ReviewError`` when it is empty, too long or holds control characters."""
    text = _text(name, what="reviewer name", most=_MAX_NAME)
    if not text or "\n" in text or "\t" in text:
        msg = f"reviewer name {text!r} is not usable; give a name of one line (no account is needed)"
        raise ReviewError(msg)
    return text


def reviewer_key(name: str) -> str:
    """The form two reviewer names are compared in: "Ana" and " ana" are one reviewer."""
    return unicodedata.normalize("NFC", str(name)).strip().casefold()


def check_camera_id(camera_id: Any) -> str:
    """A camera id, stripped; ``ReviewError`` when it is empty, too long or holds control characters."""
    text = _text(camera_id, what="camera id", most=_MAX_ID)
    if not text or "\n" in text or "\t" in text:
        msg = f"camera id {text!r} is not usable; give the camera_id of a camera table row or of an added camera"
        raise ReviewError(msg)
    return text


def check_position(lon: Any, lat: Any) -> tuple[float, float]:
    """Longitude and latitude as floats in range; ``ReviewError`` naming the bad one."""
    try:
        lon_f, lat_f = float(lon), float(lat)
    except (TypeError, ValueError) as err:
        msg = f"position ({lon!r}, {lat!r}) is not two numbers; give lon and lat in decimal degrees"
        raise ReviewError(msg) from err
    if not (math.isfinite(lat_f) and -90.0 <= lat_f <= 90.0):
        msg = f"latitude {lat!r} is missing or outside [-90, 90]; give decimal degrees"
        raise ReviewError(msg)
    if not (math.isfinite(lon_f) and -180.0 <= lon_f <= 180.0):
        msg = f"longitude {lon!r} is missing or outside [-180, 180]; give decimal degrees"
        raise ReviewError(msg)
    return lon_f, lat_f


def _choice(value: Any, allowed: tuple[str, ...], *, what: str) -> str | None:
    if value is None:
        return None
    text = str(value).strip().lower()
    if text not in allowed:
        msg = f"{what} {value!r} is not valid; use one of {', '.join(allowed)}"
        raise ReviewError(msg)
    return text


def _degrees(value: Any, *, what: str, low: float, high: float, wrap: bool) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as err:
        msg = f"{what} {value!r} is not a number of degrees"
        raise ReviewError(msg) from err
    if not math.isfinite(number):
        return None  # NaN: the review says nothing of it, as in a camera table
    if not low <= number <= high:
        msg = f"{what} {value!r} is outside [{low:g}, {high:g}] degrees"
        raise ReviewError(msg)
    return number % 360.0 if wrap else number


def _mounts(mount: Any, camera_mount: Any) -> tuple[str | None, str | None]:
    """The schema mount and the OSM ``camera:mount``; the second gives the first when only it is given."""
    detail = _choice(camera_mount, tuple(CAMERA_MOUNTS), what="camera:mount")
    broad = _choice(mount, MOUNTS, what="mount")
    if detail is not None:
        if broad is None:
            broad = CAMERA_MOUNTS[detail]
        elif broad != CAMERA_MOUNTS[detail]:
            msg = f"mount {broad!r} and camera:mount {detail!r} disagree: {detail} is a {CAMERA_MOUNTS[detail]} mount"
            raise ReviewError(msg)
    return broad, detail


def make_review(
    camera_id: str,
    *,
    reviewer: str,
    how: str,
    exists: bool = True,
    kind: str | None = None,
    mount: str | None = None,
    camera_mount: str | None = None,
    operator: str | None = None,
    direction_deg: float | None = None,
    fov_deg: float | None = None,
    surveillance: str | None = None,
    note: str = "",
    when: datetime | None = None,
    review_id: str | None = None,
) -> Review:
    """A checked review (see :class:`Review` for the fields).

    Parameters
    ----------
    camera_id
        The camera reviewed.
    reviewer
        The reviewer's name.
    how
        One of :data:`HOWS`.
    exists
        False disputes the camera: the reviewer found none there. Such a review
        states no other field.
    kind, mount, camera_mount, operator
        One of :data:`exposure.cameras.KINDS`, ``MOUNTS``, :data:`CAMERA_MOUNTS`
        (which gives ``mount`` when that is left out), ``OPERATORS``.
    direction_deg, fov_deg
        Degrees from north, clockwise (``360`` is ``0``), and the field of view (0-360].
    surveillance
        One of :data:`SURVEILLANCE`.
    note
        Free text (at most 2,000 characters).
    when
        When it was made; default now (UTC).
    review_id
        Its id; default a new UUID (only a merge gives one).

    Returns
    -------
    Review
        The review.

    Raises
    ------
    ReviewError
        When a value is not valid (the message names it and the values allowed).
    """
    fields: dict[str, Any] = {
        "kind": _choice(kind, KINDS, what="kind"),
        "operator": _choice(operator, OPERATORS, what="operator"),
        "surveillance": _choice(surveillance, SURVEILLANCE, what="surveillance"),
        "direction_deg": _degrees(direction_deg, what="direction", low=0.0, high=360.0, wrap=True),
        "fov_deg": _degrees(fov_deg, what="field of view", low=0.0, high=360.0, wrap=False),
    }
    fields["mount"], fields["camera_mount"] = _mounts(mount, camera_mount)
    if fields["fov_deg"] == 0.0:
        msg = "field of view 0 is not valid; give degrees in (0, 360]"
        raise ReviewError(msg)
    if not isinstance(exists, bool):
        msg = f"exists must be True or False, not {exists!r}"
        raise ReviewError(msg)
    if not exists and any(v is not None for v in fields.values()):
        given = ", ".join(k for k, v in fields.items() if v is not None)
        msg = f"a review saying the camera does not exist cannot also give {given}; leave them out"
        raise ReviewError(msg)
    return Review(
        review_id=str(uuid.UUID(str(review_id))) if review_id is not None else str(uuid.uuid4()),
        camera_id=check_camera_id(camera_id),
        reviewer=check_reviewer(reviewer),
        reviewed_utc=utc_text(when),
        exists=exists,
        how=str(_choice(how, HOWS, what="how (how the reviewer knows)")),
        note=_text(note or "", what="note", most=_MAX_NOTE),
        **fields,
    )


def new_camera_id() -> str:
    """A new id for a camera a group adds: ``review:<uuid>``."""
    return f"{ADDED_PREFIX}{uuid.uuid4()}"


def warning_id(code: str, camera_id: str, other_id: str = "") -> str:
    """The id of a warning, from what it is about: the same warning raised twice is one record."""
    return str(uuid.uuid5(_NAMESPACE, f"warning|{code}|{camera_id}|{other_id}"))


def merge_id(first_id: str, second_id: str) -> str:
    """The id of a merge of two cameras, whichever order they are given in."""
    a, b = sorted((first_id, second_id))
    return str(uuid.uuid5(_NAMESPACE, f"merge|{a}|{b}"))
