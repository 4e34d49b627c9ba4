"""What a page's map draws that does not change with the request: shared by every session, or kept per session.

The dataset's cameras under a choice (with the group's reviews laid over them, shared
on purpose) are written as map JSON once per process (:mod:`app.cache`) and shared by
every session counting the same cameras; cameras a session uploaded are written once per
session, in that session's state, and never shared with another.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import streamlit as st

from app import cache
from app.state import counted_key, uploaded_source
from exposure.cameras import apply_frt_policy, frt_policy
from exposure.layers import (
    LayerJSON,
    camera_layers,
    camera_points,
    camera_points_by_id,
    camera_points_layer,
    layer_json,
)

if TYPE_CHECKING:
    import pandas as pd

    from app.state import Choice
    from exposure.datasets import Dataset

__all__ = [
    "MEMO",
    "camera_map_layers",
    "camera_records",
    "map_cameras",
    "remembered",
    "shared_key",
    "tiered_cameras",
]

#: Session-state key of the session's own memo (a few recent entries).
MEMO = "maps_memo"
_KEPT = 16
T = TypeVar("T")


def remembered(key: Hashable, make: Callable[[], T]) -> T:
    """``make()``, once per ``key`` in this session (its last few keys are kept): never shared with another."""
    memo: OrderedDict[Hashable, object] = st.session_state.setdefault(MEMO, OrderedDict())
    if key in memo:
        memo.move_to_end(key)
    else:
        memo[key] = make()
        while len(memo) > _KEPT:
            memo.popitem(last=False)
    return memo[key]  # type: ignore[return-value]


def shared_key(ds: Dataset) -> str | None:
    """The key under which every session shares what is made of ``ds``'s cameras; None for a session's own.

    Cameras a session uploaded are its own. The dataset's cameras, with the group's reviews
    laid over them or not, are every session's: their key names their content.
    """
    return None if uploaded_source() is not None else counted_key(ds)


def tiered_cameras(ds: Dataset, choice: Choice) -> pd.DataFrame:
    """The cameras in use with their FRT tier under the sidebar's policy (read only: filter, never change)."""
    shared = shared_key(ds)
    if shared is not None:
        return cache.tiered_cameras(shared, choice.frt_policy, ds.cameras)
    cameras = ds.cameras
    return remembered(("tiered", id(cameras), choice.frt_policy),
                      lambda: _Holding(cameras, apply_frt_policy(cameras, frt_policy(choice.frt_policy)))).value


def map_cameras(ds: Dataset, choice: Choice) -> pd.DataFrame:
    """The cameras in use as maps draw them (:func:`exposure.layers.camera_points`; read only), made once."""
    shared = shared_key(ds)
    if shared is not None:
        return cache.map_cameras(shared, choice.frt_policy, ds.cameras)
    cameras = ds.cameras
    return remembered(("points", id(cameras), choice.frt_policy),
                      lambda: _Holding(cameras, camera_points(tiered_cameras(ds, choice)))).value


def camera_records(ds: Dataset, choice: Choice) -> dict[str, dict[str, object]]:
    """The cameras in use as maps draw them, one record by camera id (read only), made once."""
    shared = shared_key(ds)
    if shared is not None:
        return cache.camera_records(shared, choice.frt_policy, ds.cameras)
    cameras = ds.cameras
    return remembered(("records", id(cameras), choice.frt_policy),
                      lambda: _Holding(cameras, camera_points_by_id(map_cameras(ds, choice)))).value


def camera_map_layers(ds: Dataset, choice: Choice, *, radius_px: int | None = None) -> list[LayerJSON]:
    """The cameras in use as map layers, written as JSON once (per process, or per session for its own cameras).

    ``radius_px`` draws every camera as one dot of that size; None as the Overview draws them.
    """
    shared = shared_key(ds)
    if shared is not None:
        return cache.camera_layers_json(shared, choice.frt_policy, choice.verification, choice.radius_m, ds.cameras,
                                        radius_px=radius_px)
    cameras = ds.cameras

    def make() -> _Holding[list[LayerJSON]]:
        if radius_px is None:
            layers = camera_layers(tiered_cameras(ds, choice))
        else:
            layers = [camera_points_layer(map_cameras(ds, choice), radius_px=radius_px)]
        return _Holding(cameras, [layer_json(layer) for layer in layers])

    key = ("cameras", id(cameras), choice.frt_policy, choice.verification, choice.radius_m, radius_px)
    return remembered(key, make).value


@dataclass(frozen=True)
class _Holding(Generic[T]):
    """A value made from a table, holding the table too: its id, in the key, then names only this table."""

    table: object
    value: T
