"""The lower bound on the cameras a route must still meet: moats grown around the destination (numba; private)."""

from __future__ import annotations

import numba
import numpy as np

from exposure._search._bits import _grow

__all__ = ["moat_bound"]


@numba.njit(cache=True)
def _absorb(stack: np.ndarray, top: int, enter: np.ndarray, k: int, in_ptr: np.ndarray, in_edge: np.ndarray,
            e_u: np.ndarray, fresh: np.ndarray, in_bnd: np.ndarray, bnd: np.ndarray, n_bnd: int) -> int:
    """Grow the moat over edges no unopened group sees; edges still seen join its boundary (returns its size)."""
    while top > 0:
        top -= 1
        x = stack[top]
        for j in range(in_ptr[x], in_ptr[x + 1]):
            e = in_edge[j]
            y = e_u[e]
            if enter[y] >= 0:
                continue
            if fresh[e] == 0:
                enter[y] = k
                stack[top] = y
                top += 1
            elif not in_bnd[e]:
                in_bnd[e] = True
                bnd[n_bnd] = e
                n_bnd += 1
    return n_bnd


@numba.njit(cache=True)
def _boundary_groups(bnd: np.ndarray, n_bnd: int, in_bnd: np.ndarray, enter: np.ndarray, e_u: np.ndarray,
                     fresh: np.ndarray, ep: np.ndarray, eg: np.ndarray, opened: np.ndarray, stamp: np.ndarray, k: int,
                     members: np.ndarray, share: np.ndarray) -> tuple[int, int]:
    """Drop boundary edges the moat has swallowed; list the unopened groups on the rest.

    ``share[g]`` becomes the fewest unopened groups on any boundary edge ``g`` is on:
    charging ``g`` a ``1 / share[g]`` part of the moat's value gives every
    boundary edge at least the whole value. Returns the boundary size and the
    number of groups listed in ``members``.
    """
    kept = 0
    n_mem = 0
    for i in range(n_bnd):
        e = bnd[i]
        if enter[e_u[e]] >= 0 or fresh[e] == 0:
            in_bnd[e] = False
            continue
        bnd[kept] = e
        kept += 1
        for j in range(ep[e], ep[e + 1]):
            g = eg[j]
            if opened[g]:
                continue
            if stamp[g] != k:
                stamp[g] = k
                members[n_mem] = g
                n_mem += 1
                share[g] = fresh[e]
            share[g] = min(share[g], fresh[e])
    return kept, n_mem


@numba.njit(cache=True)
def _open(g: int, k: int, opened: np.ndarray, gp: np.ndarray, ge: np.ndarray, fresh: np.ndarray, in_bnd: np.ndarray,
          e_u: np.ndarray, enter: np.ndarray, stack: np.ndarray, top: int) -> int:
    """Open group ``g``: boundary edges it alone still blocked let their tails into the moat. Returns the stack top."""
    opened[g] = True
    for j in range(gp[g], gp[g + 1]):
        e = ge[j]
        fresh[e] -= 1
        if fresh[e] == 0 and in_bnd[e] and enter[e_u[e]] < 0:
            enter[e_u[e]] = k
            stack[top] = e_u[e]
            top += 1
    return top


@numba.njit(cache=True)
def _charge(members: np.ndarray, n_mem: int, y: float, k: int, share: np.ndarray, res: np.ndarray,
            g_weight: np.ndarray, records: tuple[np.ndarray, np.ndarray, np.ndarray], n_rec: int,
            state: tuple[np.ndarray, ...]) -> int:
    """Charge moat ``k``'s value ``y`` to the groups on its boundary, record it, open those used up.

    Returns the stack top: the nodes that opened groups let into the next moat.
    """
    rec_g, rec_k, rec_p = records
    opened, gp, ge, fresh, in_bnd, e_u, enter, stack = state
    top = 0
    for i in range(n_mem):
        g = members[i]
        rec_g[n_rec + i], rec_k[n_rec + i], rec_p[n_rec + i] = g, k, 1.0 / share[g]
        res[g] -= y / share[g]
        if res[g] <= 1e-9 * g_weight[g]:
            top = _open(g, k + 1, opened, gp, ge, fresh, in_bnd, e_u, enter, stack, top)
    return top


@numba.njit(cache=True)
def _by_group(rec_g: np.ndarray, rec_k: np.ndarray, rec_p: np.ndarray, n_groups: int) -> tuple[
        np.ndarray, np.ndarray, np.ndarray]:
    """The charges grouped by group (CSR ``r_ptr``), each group's in moat order: moats and parts."""
    r_ptr = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(len(rec_g)):
        r_ptr[rec_g[i] + 1] += 1
    r_ptr = np.cumsum(r_ptr)
    r_step = np.empty(len(rec_g), dtype=np.int64)
    r_part = np.empty(len(rec_g), dtype=np.float64)
    fill = r_ptr[:-1].copy()
    for i in range(len(rec_g)):
        g = rec_g[i]
        r_step[fill[g]] = rec_k[i]
        r_part[fill[g]] = rec_p[i]
        fill[g] += 1
    return r_ptr, r_step, r_part


@numba.njit(cache=True, nogil=True)
def moat_bound(in_ptr: np.ndarray, in_edge: np.ndarray, e_u: np.ndarray, ep: np.ndarray, eg: np.ndarray,
               gp: np.ndarray, ge: np.ndarray, g_weight: np.ndarray, target: int, source: int) -> tuple[
                   np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """A lower bound on the cameras still to meet: moats grown around the target (primal-dual on cuts).

    Moat ``k`` is every node that reaches the target on edges whose groups are all
    opened. Every route from outside it crosses one of its boundary edges and meets
    every unopened group there. Its value ``ys[k]`` is charged to those groups, each
    a ``1 / share`` part where ``share`` is the fewest unopened groups on a boundary
    edge it is on, so that any boundary edge carries the whole value; it is as large
    as the groups' remaining weight allows, and groups whose weight is used up open,
    which grows the next moat. No group is charged more than its weight, so a route
    from a node outside moats ``0..k-1`` meets at least ``ys[0] + ... + ys[k-1]``
    cameras, less what groups it already met were charged for those moats (see
    :func:`camera_search`). Growth stops once the source is inside.

    Returns ``enter`` (the first moat each node is in: its bound is ``cum[enter]``),
    ``ys``, ``cum`` (running sums of ``ys``) and, per group, its charges as CSR
    ``r_ptr`` into ``r_step`` (the moat) and ``r_part`` (the part of its value).
    """
    n = len(in_ptr) - 1
    n_groups = len(g_weight)
    enter = np.full(n, -1, dtype=np.int64)
    res = g_weight.astype(np.float64)
    opened = np.zeros(n_groups, dtype=np.bool_)
    fresh = ep[1:] - ep[:-1]
    in_bnd = np.zeros(len(e_u), dtype=np.bool_)
    bnd = np.empty(len(e_u), dtype=np.int64)
    share = np.zeros(n_groups, dtype=np.int64)
    stamp = np.full(n_groups, -1, dtype=np.int64)
    members = np.empty(n_groups, dtype=np.int64)
    ys = np.empty(64, dtype=np.float64)
    rec_g = np.empty(1024, dtype=np.int64)
    rec_k = np.empty(1024, dtype=np.int64)
    rec_p = np.empty(1024, dtype=np.float64)
    n_rec = 0
    stack = np.empty(n, dtype=np.int64)
    stack[0] = target
    top = 1
    enter[target] = 0
    n_bnd = 0
    k = 0
    while True:
        n_bnd = _absorb(stack, top, enter, k, in_ptr, in_edge, e_u, fresh, in_bnd, bnd, n_bnd)
        top = 0
        if enter[source] >= 0:
            break
        n_bnd, n_mem = _boundary_groups(bnd, n_bnd, in_bnd, enter, e_u, fresh, ep, eg, opened, stamp, k, members,
                                        share)
        if n_mem == 0:
            break
        y = np.inf
        for i in range(n_mem):
            y = min(y, res[members[i]] * share[members[i]])
        if k == len(ys):
            ys = _grow(ys, 2 * k)
        ys[k] = y
        if n_rec + n_mem > len(rec_g):
            rec_g, rec_k, rec_p = _grow(rec_g, 2 * (n_rec + n_mem)), _grow(rec_k, 2 * (n_rec + n_mem)), _grow(
                rec_p, 2 * (n_rec + n_mem))
        top = _charge(members, n_mem, y, k, share, res, g_weight, (rec_g, rec_k, rec_p), n_rec,
                      (opened, gp, ge, fresh, in_bnd, e_u, enter, stack))
        n_rec += n_mem
        k += 1
    # nodes the moats never reached before the source did lie outside all of them
    for v in range(n):
        if enter[v] < 0:
            enter[v] = k
    cum = np.zeros(k + 1, dtype=np.float64)
    for i in range(k):
        cum[i + 1] = cum[i] + ys[i]
    r_ptr, r_step, r_part = _by_group(rec_g[:n_rec], rec_k[:n_rec], rec_p[:n_rec], n_groups)
    return enter, ys[:k].copy(), cum, r_ptr, r_step, r_part
