"""Exact visibility among building walls: the angular sweep and the cut of street pieces (numba kernels; private).

Angles are radians counter-clockwise from the metric grid's east, in ``[0, 2π)``. A
camera's *wedges* are the angular intervals in which a wall stands within its range:
each wedge names the nearest wall across it, and what lies beyond that wall's line
inside the wedge is hidden. Between wedges the camera sees out to its range.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = ["cut_pieces", "outline_vertices", "sweep_wedges"]

_TAU = 2.0 * math.pi

#: A point this close to a wall's line, in metres, is on the wall, not behind it: a street
#: drawn along a wall (sharing its nodes) is seen from the wall's own side.
_ON_WALL_M = 1e-6

#: Columns of the per-camera wall table: a clipped wall's start (relative to the camera),
#: its direction, the angles of its start and end, its angular span and its distance from the camera.
#: The end's angle is its own (not start + span), so that two walls meeting at a corner give the
#: corner one angle and leave no sliver of sky between them.
_PX, _PY, _EX, _EY, _A1, _A2, _SPAN, _DMIN = range(8)


@numba.njit(cache=True, inline="always")
def _mod_tau(a: float) -> float:
    a = a % _TAU
    return 0.0 if a >= _TAU else a


@numba.njit(cache=True)
def _grow(a: np.ndarray, n: int) -> np.ndarray:
    """A copy of ``a`` with room for at least ``n`` rows (doubling)."""
    out = np.empty((max(2 * a.shape[0], n),) + a.shape[1:], dtype=a.dtype)  # noqa: RUF005 - numba has no unpacking
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True, inline="always")
def _in_sector(a1: float, span: float, s0: float, width: float) -> bool:
    """Whether the arc ``[a1, a1 + span]`` meets the sector ``[s0, s0 + width]``."""
    if width >= _TAU:
        return True
    return _mod_tau(a1 - s0) <= width or _mod_tau(s0 - a1) <= span


@numba.njit(cache=True)
def _clipped_wall(px: float, py: float, ex: float, ey: float, r: float) -> tuple[bool, float, float, float, float]:
    """The part of the wall ``p + t e`` (``0 <= t <= 1``) within ``r`` of the origin, counter-clockwise.

    Returns ``(found, ax, ay, bx, by)``: its ends in counter-clockwise order seen
    from the origin; ``found`` is False when no part is within reach or the wall is in
    line with the origin (it hides nothing).
    """
    qa = ex * ex + ey * ey
    qb = px * ex + py * ey
    disc = qb * qb - qa * (px * px + py * py - r * r)
    if qa <= 0.0 or disc <= 0.0:
        return False, 0.0, 0.0, 0.0, 0.0
    root = math.sqrt(disc)
    t0 = max(0.0, (-qb - root) / qa)
    t1 = min(1.0, (-qb + root) / qa)
    ax, ay, bx, by = px + t0 * ex, py + t0 * ey, px + t1 * ex, py + t1 * ey
    cross = ax * by - ay * bx
    if t1 <= t0 or cross == 0.0:
        return False, 0.0, 0.0, 0.0, 0.0
    if cross < 0.0:
        return True, bx, by, ax, ay
    return True, ax, ay, bx, by


@numba.njit(cache=True)
def _gather(c: int, vx: float, vy: float, r: float, s0: float, width: float, seg: np.ndarray, origin: np.ndarray,
            cell_m: float, shape: tuple[int, int], cell_ptr: np.ndarray, cell_walls: np.ndarray, stamp: np.ndarray,
            w_id: np.ndarray, geo: np.ndarray) -> tuple[int, np.ndarray, np.ndarray]:
    """The walls within camera ``c``'s reach that meet its sector, clipped to its disc, in ``w_id``/``geo``."""
    nx, ny = shape
    i0 = max(math.floor((vx - r - origin[0]) / cell_m), 0)
    i1 = min(math.floor((vx + r - origin[0]) / cell_m), nx - 1)
    j0 = max(math.floor((vy - r - origin[1]) / cell_m), 0)
    j1 = min(math.floor((vy + r - origin[1]) / cell_m), ny - 1)
    k = 0
    for ci in range(i0, i1 + 1):
        for cell in range(ci * ny + j0, ci * ny + j1 + 1):
            for p in range(cell_ptr[cell], cell_ptr[cell + 1]):
                w = cell_walls[p]
                if stamp[w] == c:
                    continue
                stamp[w] = c
                found, ax, ay, bx, by = _clipped_wall(seg[w, 0] - vx, seg[w, 1] - vy, seg[w, 2] - seg[w, 0],
                                                      seg[w, 3] - seg[w, 1], r)
                if not found:
                    continue
                a1 = _mod_tau(math.atan2(ay, ax))
                span = math.atan2(ax * by - ay * bx, ax * bx + ay * by)
                if not _in_sector(a1, span, s0, width):
                    continue
                if k == len(w_id):
                    w_id, geo = _grow(w_id, k + 1), _grow(geo, k + 1)
                dx, dy = bx - ax, by - ay
                tt = min(1.0, max(0.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
                w_id[k] = w
                geo[k, _PX], geo[k, _PY], geo[k, _EX], geo[k, _EY] = ax, ay, dx, dy
                geo[k, _A1], geo[k, _A2], geo[k, _SPAN] = a1, _mod_tau(math.atan2(by, bx)), span
                geo[k, _DMIN] = math.hypot(ax + tt * dx, ay + tt * dy)
                k += 1
    return k, w_id, geo


@numba.njit(cache=True)
def _nearest(mid: float, geo: np.ndarray, order: np.ndarray, k: int) -> int:
    """The row of ``geo`` nearest the origin along the ray at angle ``mid`` (-1: none crosses it)."""
    ux, uy = math.cos(mid), math.sin(mid)
    best = math.inf
    found = -1
    for oi in range(k):
        j = order[oi]
        if geo[j, _DMIN] >= best:
            break  # walls come nearest first: none farther on can be nearer along the ray
        rel = mid - geo[j, _A1]
        if rel < 0.0:
            rel += _TAU
        den = ux * geo[j, _EY] - uy * geo[j, _EX]
        if rel >= geo[j, _SPAN] or den == 0.0:
            continue
        rho = (geo[j, _PX] * geo[j, _EY] - geo[j, _PY] * geo[j, _EX]) / den
        if rho < best:
            best = rho
            found = j
    return found


@numba.njit(cache=True)
def _camera_wedges(k: int, w_id: np.ndarray, geo: np.ndarray, out: np.ndarray, out_w: np.ndarray,
                   m: int) -> tuple[int, np.ndarray, np.ndarray]:
    """Append one camera's wedges (``out[:, 0:2]`` angles, ``out_w`` walls) from its ``k`` gathered walls."""
    events = np.empty(2 * k + 1)
    events[0] = 0.0
    for i in range(k):
        events[1 + 2 * i] = geo[i, _A1]
        events[2 + 2 * i] = geo[i, _A2]
    events.sort()
    order = np.argsort(geo[:k, _DMIN])
    prev = -1
    for e in range(len(events)):
        lo = events[e]
        hi = events[e + 1] if e + 1 < len(events) else _TAU
        if hi - lo <= 1e-13:
            continue
        j = _nearest(0.5 * (lo + hi), geo, order, k)
        wall = w_id[j] if j >= 0 else -1
        if wall >= 0 and wall == prev and lo - out[m - 1, 1] <= 1e-12:
            out[m - 1, 1] = hi
        elif wall >= 0:
            if m == len(out_w):
                out, out_w = _grow(out, m + 1), _grow(out_w, m + 1)
            out[m, 0], out[m, 1], out_w[m] = lo, hi, wall
            m += 1
        prev = wall
    return m, out, out_w


@numba.njit(cache=True)
def sweep_wedges(vxy: np.ndarray, radius: np.ndarray, sector_start: np.ndarray, sector_width: np.ndarray,
                 seg: np.ndarray, origin: np.ndarray, cell_m: float, nx: int, ny: int, cell_ptr: np.ndarray,
                 cell_walls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every camera's wedges: ``ptr`` (CSR per camera), ``lo``, ``hi`` (angles) and ``wall`` (index into ``seg``).

    Walls are first clipped to the camera's disc (a wall beyond the range hides
    nothing within it) and kept only where they meet its sector. Their endpoints'
    angles cut the circle into elementary intervals; walls meet only at their ends
    (obstacles are unions of valid polygons), so within one interval the nearest wall
    does not change, and the one hit by the ray through the interval's middle is it.
    Consecutive intervals with the same wall are merged.
    """
    n = len(vxy)
    ptr = np.zeros(n + 1, dtype=np.int64)
    out = np.empty((max(1024, 4 * n), 2))
    out_w = np.empty(len(out), dtype=np.int64)
    m = 0
    stamp = np.full(len(seg), -1, dtype=np.int64)
    w_id = np.empty(256, dtype=np.int64)
    geo = np.empty((256, 8))
    for c in range(n):
        if radius[c] > 0.0 and len(seg) > 0:
            k, w_id, geo = _gather(c, vxy[c, 0], vxy[c, 1], radius[c], sector_start[c], sector_width[c], seg,
                                   origin, cell_m, (nx, ny), cell_ptr, cell_walls, stamp, w_id, geo)
            if k > 0:
                m, out, out_w = _camera_wedges(k, w_id, geo, out, out_w, m)
        ptr[c + 1] = m
    return ptr, out[:m, 0].copy(), out[:m, 1].copy(), out_w[:m].copy()


@numba.njit(cache=True, inline="always")
def _narrow(lo: float, hi: float, alpha: float, beta: float) -> tuple[float, float]:
    """Narrow ``[lo, hi]`` to where ``alpha + t * beta >= 0``."""
    if beta == 0.0:
        return (lo, hi) if alpha >= 0.0 else (lo, lo - 1.0)
    t = -alpha / beta
    if beta > 0.0:
        return max(lo, t), hi
    return lo, min(hi, t)


@numba.njit(cache=True)
def _hidden(ax: float, ay: float, dx: float, dy: float, t0: float, t1: float, lo: float, hi: float,
            wall: np.ndarray) -> tuple[float, float]:
    """Where the piece ``a + t d`` (``t0..t1``) lies inside the wedge ``lo..hi`` and beyond the wall's line.

    ``wall`` is ``(px, py, ex, ey)``: a point of the wall relative to the camera and its direction.
    """
    px, py, ex, ey = wall[0], wall[1], wall[2], wall[3]
    b1x, b1y = math.cos(lo), math.sin(lo)
    b2x, b2y = math.cos(hi), math.sin(hi)
    s, e = _narrow(t0, t1, b1x * ay - b1y * ax, b1x * dy - b1y * dx)
    s, e = _narrow(s, e, ax * b2y - ay * b2x, dx * b2y - dy * b2x)
    # the camera (the origin) is on the side where ex * (y - py) - ey * (x - px) has the sign of
    # ey * px - ex * py; hidden points are on the other side, farther than _ON_WALL_M from the line
    side = 1.0 if ey * px - ex * py > 0.0 else -1.0
    alpha = -side * (ex * (ay - py) - ey * (ax - px)) - _ON_WALL_M * math.hypot(ex, ey)
    return _narrow(s, e, alpha, -side * (ex * dy - ey * dx))


@numba.njit(cache=True)
def _angles_of(ax: float, ay: float, dx: float, dy: float, t0: float, t1: float) -> tuple[float, float]:
    """The angular range ``[start, stop]`` (``stop`` may pass ``2π``) the piece ``t0..t1`` of ``a + t d`` spans.

    A piece through the camera itself spans half a turn; a little slack keeps the
    wedges at its ends.
    """
    p0x, p0y = ax + t0 * dx, ay + t0 * dy
    p1x, p1y = ax + t1 * dx, ay + t1 * dy
    # a piece that starts or ends at the camera itself lies on one ray: that of its other end
    if p0x == 0.0 and p0y == 0.0:
        p0x, p0y = p1x, p1y
    elif p1x == 0.0 and p1y == 0.0:
        p1x, p1y = p0x, p0y
    if ax * dy - ay * dx < 0.0:
        p0x, p0y, p1x, p1y = p1x, p1y, p0x, p0y
    start = math.atan2(p0y, p0x)
    sweep = abs(math.atan2(p0x * p1y - p0y * p1x, p0x * p1x + p0y * p1y))
    start = _mod_tau(start - 1e-9)
    return start, start + sweep + 2e-9


@numba.njit(cache=True)
def _hidden_parts(i: int, cam: int, s: np.ndarray, t0: np.ndarray, t1: np.ndarray, seg_a: np.ndarray,
                  seg_b: np.ndarray, vxy: np.ndarray, ptr: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray,
                  w_wall: np.ndarray, walls: np.ndarray, hid: np.ndarray) -> tuple[int, np.ndarray]:
    """The intervals of piece ``i`` that camera ``cam``'s wedges hide, in ``hid`` (rows ``lo, hi``)."""
    w0, w1 = ptr[cam], ptr[cam + 1]
    vx, vy = vxy[cam, 0], vxy[cam, 1]
    ax, ay = seg_a[s[i], 0] - vx, seg_a[s[i], 1] - vy
    dx, dy = seg_b[s[i], 0] - seg_a[s[i], 0], seg_b[s[i], 1] - seg_a[s[i], 1]
    start, stop = _angles_of(ax, ay, dx, dy, t0[i], t1[i])
    rel = np.empty(4)
    nb = 0
    for turn in range(2):
        a_lo, a_hi = start - turn * _TAU, stop - turn * _TAU
        j = w0 + np.searchsorted(w_hi[w0:w1], max(a_lo, 0.0), side="right")
        while a_hi > 0.0 and j < w1 and w_lo[j] < a_hi:
            w = w_wall[j]
            rel[0], rel[1] = walls[w, 0] - vx, walls[w, 1] - vy
            rel[2], rel[3] = walls[w, 2] - walls[w, 0], walls[w, 3] - walls[w, 1]
            bs, be = _hidden(ax, ay, dx, dy, t0[i], t1[i], w_lo[j], w_hi[j], rel)
            if be > bs:
                if nb == len(hid):
                    hid = _grow(hid, nb + 1)
                hid[nb, 0], hid[nb, 1] = bs, be
                nb += 1
            j += 1
    return nb, hid


@numba.njit(cache=True)
def cut_pieces(s: np.ndarray, c: np.ndarray, t0: np.ndarray, t1: np.ndarray, seg_a: np.ndarray, seg_b: np.ndarray,
               vxy: np.ndarray, ptr: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, w_wall: np.ndarray,
               walls: np.ndarray, min_t: float) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Remove from each visible piece ``(s, c, t0, t1)`` what the camera's wedges hide.

    A piece of a camera with no wedge passes unchanged. Otherwise the wedges its
    angular range meets each hide one interval of it (a line meets a convex wedge,
    and the half-plane beyond a wall, in an interval); what is left is emitted in
    pieces longer than ``min_t``.
    """
    out_i = np.empty(len(s) + 16, dtype=np.int64)
    out_t = np.empty((len(s) + 16, 2))
    m = 0
    hid = np.empty((64, 2))
    for i in range(len(s)):
        nb = 0
        if ptr[c[i] + 1] > ptr[c[i]]:
            nb, hid = _hidden_parts(i, c[i], s, t0, t1, seg_a, seg_b, vxy, ptr, w_lo, w_hi, w_wall, walls, hid)
        if m + nb + 1 > len(out_i):
            out_i, out_t = _grow(out_i, m + nb + 1), _grow(out_t, m + nb + 1)
        cur = t0[i]
        for k in np.argsort(hid[:nb, 0]):
            if hid[k, 0] - cur > min_t:
                out_i[m], out_t[m, 0], out_t[m, 1] = i, cur, hid[k, 0]
                m += 1
            cur = max(cur, hid[k, 1])
        if nb == 0 or t1[i] - cur > min_t:
            out_i[m], out_t[m, 0], out_t[m, 1] = i, cur, t1[i]
            m += 1
    rows = out_i[:m]
    return s[rows], c[rows], out_t[:m, 0].copy(), out_t[:m, 1].copy()


@numba.njit(cache=True, inline="always")
def _arc(out: np.ndarray, m: int, vx: float, vy: float, r: float, a: float, b: float, step: float) -> int:
    """Append the arc of radius ``r`` from angle ``a`` to ``b`` (both ends included); return the new length."""
    steps = max(1, math.ceil((b - a) / step))
    for q in range(steps + 1):
        t = a + (b - a) * q / steps
        out[m, 0], out[m, 1] = vx + r * math.cos(t), vy + r * math.sin(t)
        m += 1
    return m


@numba.njit(cache=True)
def _wall_ends(out: np.ndarray, m: int, vx: float, vy: float, r: float, lo: float, hi: float,
               wall: np.ndarray) -> int:
    """Append where the rays at ``lo`` and ``hi`` meet the wall's line (``wall`` as in :func:`_hidden`)."""
    px, py, ex, ey = wall[0], wall[1], wall[2], wall[3]
    for a in (lo, hi):
        ux, uy = math.cos(a), math.sin(a)
        den = ux * ey - uy * ex
        rho = (px * ey - py * ex) / den if den != 0.0 else r
        rho = min(max(rho, 0.0), r)
        out[m, 0], out[m, 1] = vx + rho * ux, vy + rho * uy
        m += 1
    return m


@numba.njit(cache=True)
def _outline(c: int, out: np.ndarray, m: int, vxy: np.ndarray, r: float, cur: float, end: float, ptr: np.ndarray,
             w_lo: np.ndarray, w_hi: np.ndarray, w_wall: np.ndarray, walls: np.ndarray, arc_step: float) -> int:
    """Append camera ``c``'s boundary from angle ``cur`` to ``end``: walls across its wedges, arcs between."""
    vx, vy = vxy[c, 0], vxy[c, 1]
    rel = np.empty(4)
    # the wedges in angle order from the start, over two turns so that a sector across east is whole
    for base in (0.0, _TAU):
        for j in range(ptr[c], ptr[c + 1]):
            lo, hi = max(w_lo[j] + base, cur), min(w_hi[j] + base, end)
            if w_lo[j] + base >= end:
                break
            if hi <= lo:
                continue
            if lo > cur + 1e-12:
                m = _arc(out, m, vx, vy, r, cur, lo, arc_step)
            w = w_wall[j]
            rel[0], rel[1] = walls[w, 0] - vx, walls[w, 1] - vy
            rel[2], rel[3] = walls[w, 2] - walls[w, 0], walls[w, 3] - walls[w, 1]
            m = _wall_ends(out, m, vx, vy, r, lo, hi, rel)
            cur = hi
    if end > cur:
        m = _arc(out, m, vx, vy, r, cur, end, arc_step)
    return m


@numba.njit(cache=True)
def outline_vertices(vxy: np.ndarray, radius: np.ndarray, sector_start: np.ndarray, sector_width: np.ndarray,
                     ptr: np.ndarray, w_lo: np.ndarray, w_hi: np.ndarray, w_wall: np.ndarray, walls: np.ndarray,
                     arc_step: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each camera's visibility polygon as one closed ring: ``coords`` and ``offsets`` (one ring per camera).

    The ring follows the sector's angles counter-clockwise from ``sector_start``
    (in ``[0, 2π)``): a wall's line across each wedge, an arc of the range (a vertex
    every ``arc_step[c]`` radians at most) between wedges, and the camera itself at
    the two ends of a sector. A camera with no range gets an empty ring.
    """
    n = len(vxy)
    offsets = np.zeros(n + 1, dtype=np.int64)
    out = np.empty((64 * n + 16, 2))
    m = 0
    for c in range(n):
        width = min(sector_width[c], _TAU)
        start = 0.0 if width >= _TAU else sector_start[c]
        need = m + 16 + math.ceil(width / arc_step[c]) + 4 * (ptr[c + 1] - ptr[c])
        if need > len(out):
            out = _grow(out, need)
        first = m
        if radius[c] > 0.0 and width > 0.0:
            if width < _TAU:
                out[m, 0], out[m, 1] = vxy[c, 0], vxy[c, 1]
                m += 1
            m = _outline(c, out, m, vxy, radius[c], start, start + width, ptr, w_lo, w_hi, w_wall, walls,
                         arc_step[c])
            out[m] = out[first]
            m += 1
        offsets[c + 1] = m
    return out[:m].copy(), offsets
