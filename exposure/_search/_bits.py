"""Bit tricks, the clock and growable arrays the search kernels share (numba; private to the package)."""

from __future__ import annotations

import time

import numba
import numpy as np

__all__: list[str] = []

_ONE = np.uint64(1)
_MAGIC = np.uint64(0x03F79D71B4CB0A89)
_SHIFT = np.uint64(58)
# position of the lowest set bit, by de Bruijn multiplication (x & -x) * magic >> 58
_DEBRUIJN = np.array([
    0, 1, 48, 2, 57, 49, 28, 3, 61, 58, 50, 42, 38, 29, 17, 4, 62, 55, 59, 36, 53, 51, 43, 22, 45, 39, 33, 30, 24,
    18, 12, 5, 63, 47, 56, 27, 60, 41, 37, 16, 54, 35, 52, 21, 44, 32, 23, 11, 46, 26, 40, 15, 34, 20, 31, 10, 25,
    14, 19, 9, 13, 8, 7, 6,
], dtype=np.int64)
_EPS = 1e-9
# a bound is rounded up to whole cameras only past this much float noise, so that it never exceeds the truth
_ROUND = 1e-6


@numba.njit(cache=True, inline="always")
def _low_index(low: np.uint64) -> int:
    return _DEBRUIJN[(low * _MAGIC) >> _SHIFT]


@numba.njit(cache=True)
def _now() -> float:
    t = 0.0
    with numba.objmode(t="float64"):
        t = time.perf_counter()
    return t


@numba.njit(cache=True)
def _grow(a: np.ndarray, size: int) -> np.ndarray:
    out = np.empty((size, *a.shape[1:]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True)
def _room(size: int, cap: int, max_size: int) -> int:
    """The capacity to grow to so that ``size`` items fit (doubling), -1 if over ``max_size``."""
    if size <= cap:
        return cap
    if size > max_size:
        return -1
    return min(max(2 * cap, size), max_size)
