"""What a count of cameras means: nothing counted under the settings, a true zero, or no camera data there."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import shapely

if TYPE_CHECKING:
    from exposure.cameras import CameraExtent

__all__ = ["COUNTING_CASES", "Counting", "counting"]

#: What a count of FRT cameras can mean. ``counted``: cameras were found; ``true-zero``: cameras are
#: counted and the data looked here, but none is within reach; ``nothing-counted``: no camera (or no
#: FRT-capable one) is counted under these settings, so every count is 0 whatever is there;
#: ``no-data``: the place lies outside where the camera data looked, so there is no count at all.
COUNTING_CASES: tuple[str, ...] = ("counted", "true-zero", "nothing-counted", "no-data")


@dataclass(frozen=True)
class Counting:
    """What a count of FRT cameras means, and the notice to show beside it (empty when none is needed).

    Attributes
    ----------
    case
        One of :data:`COUNTING_CASES`.
    cameras
        Cameras in the data in use.
    counted
        Of those, the cameras counted under the verification policy.
    frt
        Of those, the ones the FRT policy deems capable; None when not counted
        (an answer that found FRT cameras already shows some are counted).
    found
        FRT cameras the answer found (on a route, a walk, in an area).
    outside_share
        Share (0 to 1) of the place that lies outside where the camera data looked.
    notice
        What to say beside the figures, or ``""`` when they speak for themselves.
    """

    case: str
    cameras: int
    counted: int
    frt: int | None
    found: int
    outside_share: float
    notice: str

    @property
    def zero_means_nothing(self) -> bool:
        """True when a count of 0 says nothing about the cameras there (nothing counted, or no data)."""
        return self.case in ("nothing-counted", "no-data")

    def to_dict(self) -> dict[str, Any]:
        """JSON form: every attribute, the share to 0.001."""
        return {"case": self.case, "cameras": self.cameras, "counted": self.counted, "frt": self.frt,
                "found": self.found, "outside_share": round(self.outside_share, 3), "notice": self.notice}


def _statuses(verification: Iterable[str]) -> str:
    names = sorted(str(v) for v in verification)
    if not names:
        return "counted"
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _looked_at(extent: CameraExtent) -> Any:
    """The ground the camera data looked at, as an area: points (intersections counted) become their hull."""
    geometry = extent.geometry
    if geometry is None or geometry.is_empty:
        return shapely.Polygon()
    if shapely.get_dimensions(geometry) == 0:
        hull = shapely.convex_hull(geometry)
        return hull if shapely.get_dimensions(hull) == 2 else shapely.buffer(hull, 1e-3)
    return geometry


def _outside_share(extent: CameraExtent | None, where: Any) -> float:
    """How much of ``where`` (a line's length, an area's area, points' number) lies outside the extent."""
    if extent is None or where is None or where.is_empty:
        return 0.0
    looked = _looked_at(extent)
    if looked.is_empty:
        return 1.0
    dimension = shapely.get_dimensions(where)
    if dimension == 0:
        points = shapely.get_parts(where)
        return float(1.0 - shapely.intersects(points, looked).mean())
    measure = shapely.length if dimension == 1 else shapely.area
    # part by part: an intersection of a whole collection would merge two routes along a shared street
    parts = shapely.get_parts(where)
    total = float(measure(parts).sum())
    if total <= 0:
        return 0.0 if shapely.intersects(where, looked) else 1.0
    inside = float(measure(shapely.intersection(parts, looked)).sum())
    return min(1.0, max(0.0, 1.0 - inside / total))


def counting(
    *, cameras: int, counted: int, frt: int | None, found: int, settings: Mapping[str, Any],
    extent: CameraExtent | None = None, where: Any = None, what: str = "this route",
) -> Counting:
    """Tell apart what a count of FRT cameras means, and say it: the one rule for routes, audits, plans and areas.

    Parameters
    ----------
    cameras
        Cameras in the data in use.
    counted
        Cameras counted under the verification policy.
    frt
        Counted cameras the FRT policy deems capable; may be None when ``found`` > 0.
    found
        FRT cameras the answer found.
    settings
        The policies behind the count (``verification``, ``frt_policy``), as every
        answer's ``settings`` holds them.
    extent
        Where the camera data looked (:class:`~exposure.cameras.CameraExtent`); None
        when unknown (then the place is taken to be covered).
    where
        The place asked about, in WGS84 (a shapely line, area or points).
    what
        The place in words, for the notice ("this route", "this walk", "this area").

    Returns
    -------
    Counting
        ``nothing-counted`` first (whatever the place, every count is 0), then
        ``no-data`` (the place lies wholly outside where the data looked), then
        ``counted`` or ``true-zero``; the notice says so, and says when part of
        the place lies outside the data.
    """
    share = _outside_share(extent, where)
    looked = f" ({extent.description})" if extent is not None and extent.description else ""

    def answer(case: str, notice: str) -> Counting:
        return Counting(case=case, cameras=cameras, counted=counted, frt=frt, found=found, outside_share=share,
                        notice=notice)

    if counted == 0:
        why = ("the camera data in use holds no camera" if cameras == 0 else
               f"0 of {cameras:,} cameras are counted: none is {_statuses(settings.get('verification', ()))}")
        return answer("nothing-counted", f"{why}. Every count of cameras here is 0 because of that, not because "
                      "no camera is there: count more verification statuses.")
    if frt is None and found == 0:
        msg = "counting: give the number of FRT-capable cameras counted when the answer found none"
        raise ValueError(msg)
    if frt == 0:
        return answer("nothing-counted", f"{counted:,} cameras are counted but none is FRT-capable under the FRT "
                      f"policy '{settings.get('frt_policy', '?')}'. Every count of FRT cameras here is 0 because of "
                      "that, not because no such camera is there: choose another FRT policy.")
    if share >= 1.0 - 1e-9:
        only = f" (it looked at {extent.description} only)" if extent is not None and extent.description else ""
        return answer("no-data", f"No camera data covers {what}{only}: there is no data here, which is not the "
                      "same as no camera. Use camera data of this place.")
    part = ""
    if share > 1e-3:
        part = (f" {math.ceil(100 * share):.0f} % of {what} lies outside where the camera data looked{looked}: "
                "cameras there are not counted.")
    if found == 0:
        return answer("true-zero", f"None of the {frt or 0:,} counted FRT-capable cameras sees {what}: a true "
                      f"zero.{part}")
    return answer("counted", part.strip())
