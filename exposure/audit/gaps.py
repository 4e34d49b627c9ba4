"""Gaps in a recorded walk: stretches between recorded points longer than a limit, filled on the streets or unknown."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pyproj
import shapely
from scipy.sparse.csgraph import dijkstra
from shapely.ops import substring

from exposure import settings
from exposure._errors import TrackError
from exposure.audit._lines import projected
from exposure.audit.tracks import Piece, Track
from exposure.crs import WGS84

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from exposure.network import NetworkIndex

__all__ = ["Gap", "Gaps", "fill_gaps"]

#: A street walk fills a gap only when it is at most this many times the straight gap (plus the two
#: steps to the streets): a longer one (round a river with no bridge in the data) is no guess of the walk.
STREET_DETOUR = 3.0


@dataclass(frozen=True)
class Gap:
    """A stretch between two consecutive recorded points farther apart than the limit.

    ``after_point`` is the 1-based number, in the file, of the point before the
    gap; ``filled_m`` the length of the street walk that fills it, or None when
    it stays unknown (no streets there, or none given).
    """

    track: int
    after_point: int
    straight_m: float
    filled_m: float | None

    @property
    def filled(self) -> bool:
        """True when the dataset's streets filled the gap."""
        return self.filled_m is not None

    def to_dict(self) -> dict[str, Any]:
        """JSON form, metres to 0.1."""
        return {"track": self.track, "after_point": self.after_point, "straight_m": round(self.straight_m, 1),
                "filled": self.filled, "filled_m": None if self.filled_m is None else round(self.filled_m, 1)}


@dataclass(frozen=True, eq=False)
class Gaps:
    """A track with its gaps found: filled ones walked on the streets, the others marked unknown.

    Attributes
    ----------
    track
        The track with each filled gap's street walk put in (its times
        interpolated along it); the rest stays as recorded.
    unknown
        One boolean per stretch between consecutive points of ``track``: True
        where nobody knows where the walker went (a gap the streets did not fill).
    gaps
        Every gap, in file order.
    max_gap_m
        The limit: a gap is longer than this.
    streets
        Whether a street network was given to fill the gaps.
    """

    track: Track
    unknown: np.ndarray
    gaps: tuple[Gap, ...]
    max_gap_m: float
    streets: bool = False


@dataclass(frozen=True)
class _OnStreet:
    """Where a point meets the nearest street: the edge, how far along it, how far off it, and its line."""

    edge: int
    along_m: float
    off_m: float
    line: shapely.LineString


class _Streets:
    """The shortest walk on a network's streets between two points, each met where it is nearest a street."""

    def __init__(self, index: NetworkIndex, max_snap_m: float) -> None:
        self.index = index
        self.max_snap_m = max_snap_m
        self.to_xy = pyproj.Transformer.from_crs(WGS84, index.crs, always_xy=True)
        self.to_lonlat = pyproj.Transformer.from_crs(index.crs, WGS84, always_xy=True)
        starts = index.geom_start[:-1]
        x, y = index.xy[:, 0], index.xy[:, 1]
        self.bounds = np.column_stack([np.minimum.reduceat(x, starts), np.minimum.reduceat(y, starts),
                                       np.maximum.reduceat(x, starts), np.maximum.reduceat(y, starts)])
        self._matrix: tuple[csr_matrix, np.ndarray] | None = None

    def matrix(self) -> tuple[csr_matrix, np.ndarray]:
        if self._matrix is None:  # built once, and only when a gap lies near the streets
            self._matrix = self.index.csr(self.index.length_m)
        return self._matrix

    def nearest(self, xy: np.ndarray) -> _OnStreet | None:
        """The street nearest a point (projected), if one lies within the snapping distance."""
        r = self.max_snap_m
        b = self.bounds
        near = np.flatnonzero((b[:, 0] <= xy[0] + r) & (b[:, 2] >= xy[0] - r) & (b[:, 1] <= xy[1] + r)
                              & (b[:, 3] >= xy[1] - r))
        if not len(near):
            return None
        lines = np.array([shapely.LineString(self.index.edge_xy(int(e))) for e in near], dtype=object)
        point = shapely.Point(float(xy[0]), float(xy[1]))
        dist = shapely.distance(lines, point)
        k = int(np.argmin(dist))
        if dist[k] > r:
            return None
        return _OnStreet(edge=int(near[k]), along_m=float(shapely.line_locate_point(lines[k], point)),
                         off_m=float(dist[k]), line=lines[k])

    def walk(self, a: np.ndarray, b: np.ndarray, straight_m: float) -> tuple[list[tuple[float, float]], float] | None:
        """The points (lon, lat) of the shortest street walk from ``a`` to ``b`` and its length, or None."""
        pa, pb = (np.array(self.to_xy.transform(float(p[0]), float(p[1])), dtype=float) for p in (a, b))
        on_a, on_b = self.nearest(pa), self.nearest(pb)
        if on_a is None or on_b is None:
            return None
        if self.index.street_id[on_a.edge] == self.index.street_id[on_b.edge]:  # along one street
            along_b = float(shapely.line_locate_point(on_a.line, shapely.Point(*pb)))
            xy = np.asarray(substring(on_a.line, on_a.along_m, along_b).coords, dtype=float).reshape(-1, 2)
            length = abs(along_b - on_a.along_m)
        else:
            found = self._between(on_a, on_b, most=STREET_DETOUR * straight_m)
            if found is None:
                return None
            xy, length = found
        if length > STREET_DETOUR * straight_m:
            return None
        lon, lat = self.to_lonlat.transform(xy[:, 0], xy[:, 1])
        points = [(round(float(x), 7), round(float(y), 7)) for x, y in zip(np.atleast_1d(lon), np.atleast_1d(lat),
                                                                           strict=True)]
        return points, length + on_a.off_m + on_b.off_m

    def _between(self, on_a: _OnStreet, on_b: _OnStreet, *, most: float) -> tuple[np.ndarray, float] | None:
        """The shortest walk between two points on different streets: out at either end of one, in at either end."""
        index = self.index
        m, entry = self.matrix()
        len_a, len_b = float(on_a.line.length), float(on_b.line.length)
        # leaving the first street by its start or its end, reaching the second by its start or its end
        outs = [(int(index.edge_u[on_a.edge]), on_a.along_m, substring(on_a.line, on_a.along_m, 0.0)),
                (int(index.edge_v[on_a.edge]), len_a - on_a.along_m, substring(on_a.line, on_a.along_m, len_a))]
        ins = [(int(index.edge_u[on_b.edge]), on_b.along_m, substring(on_b.line, 0.0, on_b.along_m)),
               (int(index.edge_v[on_b.edge]), len_b - on_b.along_m, substring(on_b.line, len_b, on_b.along_m))]
        dist, pred = dijkstra(m, directed=True, indices=[n for n, _, _ in outs], return_predecessors=True,
                              limit=most)
        best = None
        for k, (start, d_out, part_out) in enumerate(outs):
            for end, d_in, part_in in ins:
                total = d_out + float(dist[k, end]) + d_in
                if np.isfinite(total) and (best is None or total < best[0]):
                    best = (total, k, start, end, part_out, part_in)
        if best is None or best[0] > most:
            return None
        total, k, start, end, part_out, part_in = best
        nodes = [end]
        while nodes[-1] != start:
            nodes.append(int(pred[k, nodes[-1]]))
        nodes.reverse()
        pieces = [np.asarray(part_out.coords, dtype=float).reshape(-1, 2)]
        for u, v in zip(nodes[:-1], nodes[1:], strict=True):
            lo, hi = m.indptr[u], m.indptr[u + 1]
            pieces.append(index.edge_xy(int(entry[lo + int(np.searchsorted(m.indices[lo:hi], v))])))
        pieces.append(np.asarray(part_in.coords, dtype=float).reshape(-1, 2))
        return np.concatenate(pieces), total


def fill_gaps(track: Track, *, max_gap_m: float | None = None, streets: NetworkIndex | None = None) -> Gaps:
    """Find the gaps of a recorded walk and fill those the streets cover with the shortest walk on them.

    A gap is a stretch between two consecutive recorded points of one track
    segment longer than ``max_gap_m`` (default ``settings.track_gap_m``): a
    straight line there would run through whatever stands between them. Where
    both points lie within ``max_gap_m`` of the dataset's streets and a walk on
    them joins the two (at most :data:`STREET_DETOUR` times the gap), only that
    gap is replaced by the walk: from each point to where it is nearest a street,
    and along the streets between; any other gap stays unknown.

    Raises
    ------
    TrackError
        When ``max_gap_m`` is not a positive number of metres.
    """
    limit = settings.track_gap_m if max_gap_m is None else max_gap_m
    if not (isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0 and not math.isnan(limit)):
        msg = f"the longest gap between recorded points must be a positive number of metres, got {limit!r}"
        raise TrackError(msg)
    coords = track.coordinates
    pieces = track.split()
    _, xy = projected(coords)
    step = np.hypot(*np.diff(xy, axis=0).T) if len(xy) > 1 else np.zeros(0)
    same_piece = np.zeros(len(step), dtype=bool)
    for _, span in pieces:
        same_piece[span.start : max(span.start, span.stop - 1)] = True
    # "longer than": points laid the limit apart, give or take a millimetre of rounding in the file, are no gap
    long = np.flatnonzero(same_piece & (step > limit + 1e-3))
    if not len(long):
        return Gaps(track=track, unknown=np.zeros(len(step), dtype=bool), gaps=(), max_gap_m=float(limit),
                    streets=streets is not None)
    finder = _Streets(streets, limit) if streets is not None else None
    inserted: dict[int, list[tuple[float, float]]] = {}
    gaps = []
    track_of = np.zeros(len(coords), dtype=np.int64)
    for piece, span in pieces:
        track_of[span] = piece.track
    for i in long.tolist():
        found = finder.walk(coords[i], coords[i + 1], float(step[i])) if finder is not None else None
        if found is not None:
            inserted[i] = found[0]
        gaps.append(Gap(track=int(track_of[i]), after_point=i + 1, straight_m=float(step[i]),
                        filled_m=None if found is None else found[1]))
    filled = _with_walks(track, inserted)
    unknown = np.zeros(len(filled.coordinates) - 1, dtype=bool)
    shift = 0
    for i in long.tolist():  # where each unfilled gap's stretch lies in the filled track
        if i in inserted:
            shift += len(inserted[i])
        else:
            unknown[i + shift] = True
    return Gaps(track=filled, unknown=unknown, gaps=tuple(gaps), max_gap_m=float(limit), streets=streets is not None)


def _with_walks(track: Track, inserted: dict[int, list[tuple[float, float]]]) -> Track:
    """The track with the points of each street walk put in after its gap's first point, times spread along it."""
    if not inserted:
        return track
    coords = track.coordinates
    out: list[np.ndarray] = []
    times: list[np.ndarray] = []
    raw = None if track.times is None else track.times.astype("datetime64[s]").astype(np.int64)
    starts = [p.start for p in track.pieces]
    new_starts = list(starts)
    for i in range(len(coords)):
        out.append(coords[i : i + 1])
        if raw is not None:
            times.append(raw[i : i + 1])
        walk = inserted.get(i)
        if walk is None:
            continue
        points = np.asarray(walk, dtype=float).reshape(-1, 2)
        out.append(points)
        if raw is not None:
            times.append(_spread_times(coords[i], points, coords[i + 1], int(raw[i]), int(raw[i + 1])))
        new_starts = [s + len(points) if s > i else s for s in new_starts]
    new_coords = np.concatenate(out)
    new_times = None if raw is None else np.concatenate(times).astype("datetime64[s]")
    pieces = tuple(Piece(start=s, track=p.track, segment=p.segment, name=p.name)
                   for s, p in zip(new_starts, track.pieces, strict=True))
    return Track(coordinates=new_coords, times=new_times, name=track.name, source=track.source, pieces=pieces)


def _spread_times(a: np.ndarray, points: np.ndarray, b: np.ndarray, t_a: int, t_b: int) -> np.ndarray:
    """Seconds at each point of a street walk, running evenly with the distance from ``a`` to ``b`` (in degrees)."""
    line = np.vstack([a, points, b])
    lat = np.radians(float(np.mean(line[:, 1])))
    d = np.hypot(np.diff(line[:, 0]) * math.cos(lat), np.diff(line[:, 1]))
    along = np.cumsum(d)
    frac = along[:-1] / along[-1] if along[-1] > 0 else np.zeros(len(points))
    return np.floor(t_a + frac * (t_b - t_a)).astype(np.int64)
