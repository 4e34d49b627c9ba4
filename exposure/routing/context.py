"""The routing context (a dataset's network and exposure under one set of policies) and its memo of proven trips."""

from __future__ import annotations

import dataclasses
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from exposure import _search

if TYPE_CHECKING:
    from exposure.coverage import EdgeExposure
    from exposure.network import NetworkIndex

__all__ = ["MEMO_TRIPS", "MemoEntry", "RouteMemo", "RoutingContext"]

#: How many trips a routing context remembers what its camera searches proved (in memory, per process).
MEMO_TRIPS = 2048


@dataclass
class MemoEntry:
    """What the camera searches proved for one trip, as global edge indices.

    ``fewest`` is the best fewest-camera route known and ``fewest_key`` its (FRT
    cameras, metres); ``proven`` says no route is better; ``lower`` is the fewest
    FRT cameras any route can pass, as far as proven. ``capped`` maps a length
    budget to the fewest-camera route within it (proven), and ``frontier`` holds
    the complete trade-off set once a search proved it.
    """

    fewest: tuple[int, ...] | None = None
    fewest_key: tuple[float, float] = (math.inf, math.inf)
    proven: bool = False
    lower: int = 0
    capped: dict[float, tuple[int, ...]] = field(default_factory=dict)
    frontier: tuple[tuple[int, ...], ...] | None = None


class RouteMemo:
    """Proven answers of the camera searches per trip, so that a request once proven is never answered worse.

    One per routing context, so per dataset, policies, coverage model and closed
    edges; keyed by origin, destination and detour. Held in memory only, never
    written to disk (a pickled context carries an empty one); the least recently
    used of more than ``size`` trips are forgotten. Safe to share between threads.
    """

    def __init__(self, size: int = MEMO_TRIPS) -> None:
        self.size = size
        self._items: OrderedDict[tuple[int, int, float], MemoEntry] = OrderedDict()
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        return {"size": self.size}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["size"])  # type: ignore[misc]

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        """Forget every trip (benchmarks time searches, not the memo)."""
        with self._lock:
            self._items.clear()

    def get(self, key: tuple[int, int, float]) -> MemoEntry:
        """A copy of what is known about the trip (an empty entry when nothing is)."""
        with self._lock:
            entry = self._items.get(key)
            if entry is None:
                return MemoEntry()
            self._items.move_to_end(key)
            return dataclasses.replace(entry, capped=dict(entry.capped))

    def learn(self, key: tuple[int, int, float], *, fewest: np.ndarray | None = None,
              fewest_key: tuple[float, float] = (math.inf, math.inf), proven: bool = False, lower: int = 0,
              capped: dict[float, np.ndarray] | None = None, frontier: list[np.ndarray] | None = None) -> None:
        """Keep what a search found, where it is better than what is known."""
        with self._lock:
            entry = self._items.setdefault(key, MemoEntry())
            self._items.move_to_end(key)
            if fewest is not None and (proven or not entry.proven) and fewest_key < entry.fewest_key:
                entry.fewest, entry.fewest_key = tuple(int(e) for e in fewest), fewest_key
            entry.proven = entry.proven or proven
            entry.lower = max(entry.lower, int(lower), int(entry.fewest_key[0]) if entry.proven else 0)
            for c, edges in (capped or {}).items():
                entry.capped[float(c)] = tuple(int(e) for e in edges)
            if frontier is not None:
                entry.frontier = tuple(tuple(int(e) for e in p) for p in frontier)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


@dataclass(frozen=True)
class RoutingContext:
    """Everything a query needs, built once per dataset, policy and coverage model; read-only.

    Parameters
    ----------
    index
        The network in array form.
    exposure
        Per-edge exposure for the counted cameras.
    camera_ids
        Camera id per camera row (aligned with the exposure's camera indices).
    settings
        JSON-able description of the policies and coverage model in force.
    blocked
        Edges no route may use (a boolean per edge), e.g. those entering an area to
        avoid; see :meth:`without`.

    Built from them: ``length_csr`` (the network by length, the cheapest of parallel
    edges, with the edge behind each entry) and ``length_csr_reverse``;
    ``out_edges_ptr``/``out_edges`` (every usable edge leaving each node);
    ``line_factor`` (no street is shorter than this share of the straight line
    between its ends); ``node_x``/``node_y``; and ``memo``, what the camera searches
    proved per trip (:class:`RouteMemo`).
    """

    index: NetworkIndex
    exposure: EdgeExposure
    camera_ids: np.ndarray
    settings: dict[str, Any]
    blocked: np.ndarray | None = None
    length_csr: tuple[csr_matrix, np.ndarray] = field(init=False, repr=False)
    length_csr_reverse: csr_matrix = field(init=False, repr=False)
    out_edges_ptr: np.ndarray = field(init=False, repr=False)
    out_edges: np.ndarray = field(init=False, repr=False)
    memo: RouteMemo = field(init=False, repr=False, compare=False)
    line_factor: float = field(init=False, repr=False)
    node_x: np.ndarray = field(init=False, repr=False)
    node_y: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "memo", RouteMemo())
        keep = None if self.blocked is None else ~np.asarray(self.blocked, dtype=bool)
        m, entry = self.index.csr(self.index.length_m, keep=keep)
        object.__setattr__(self, "length_csr", (m, entry))
        # distances *to* a node: only lengths are needed, never which edge
        reverse = m.T.tocsr()
        reverse.sort_indices()
        object.__setattr__(self, "length_csr_reverse", reverse)
        # every usable edge (parallel ones too) leaving each node, to cut the detour ellipse out of a city
        allowed = np.arange(self.index.n_edges) if keep is None else np.flatnonzero(keep)
        ptr, order = _search.adjacency(self.index.edge_u[allowed], self.index.n_nodes)
        object.__setattr__(self, "out_edges_ptr", ptr)
        object.__setattr__(self, "out_edges", allowed[order])
        # no street is shorter than this share of the straight line between its ends (1 but for rounding and
        # projection): the straight line to the destination then bounds every walk there from below
        line = np.hypot(*(self.index.node_xy[self.index.edge_u] - self.index.node_xy[self.index.edge_v]).T)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(line > 0, self.index.length_m / line, np.inf)
        object.__setattr__(self, "line_factor", float(min(1.0, ratio.min(initial=1.0))) * (1.0 - 1e-9))
        object.__setattr__(self, "node_x", np.ascontiguousarray(self.index.node_xy[:, 0], dtype=np.float64))
        object.__setattr__(self, "node_y", np.ascontiguousarray(self.index.node_xy[:, 1], dtype=np.float64))

    def without(self, blocked: np.ndarray) -> RoutingContext:
        """The same context with these edges (a boolean per edge) closed too, for hard constraints.

        Every objective then routes around them; the detour bound is measured from
        the shortest route that avoids them.
        """
        blocked = np.asarray(blocked, dtype=bool)
        if blocked.shape != (self.index.n_edges,):
            msg = f"blocked must be one boolean per edge ({self.index.n_edges}), got shape {blocked.shape}"
            raise ValueError(msg)
        if self.blocked is not None:
            blocked = blocked | self.blocked
        return dataclasses.replace(self, blocked=blocked)

    def length_distances(self, source: int, *, limit: float = np.inf, reverse: bool = False) -> tuple[
            np.ndarray, np.ndarray]:
        """Walking metres from ``source`` to every node (``reverse``: to ``source``)."""
        m = self.length_csr_reverse if reverse else self.length_csr[0]
        dist, pred = dijkstra(m, directed=True, indices=source, return_predecessors=True, limit=limit)
        return dist, pred

    def edge_between(self, a: int, b: int) -> int:
        """The cheapest-by-length edge from node index ``a`` to ``b``."""
        m, entry = self.length_csr
        row = m.indices[m.indptr[a] : m.indptr[a + 1]]
        j = int(np.searchsorted(row, b))
        return int(entry[m.indptr[a] + j])
