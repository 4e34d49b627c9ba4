"""The cameras' viewsheds as a map layer for the sidebar's choice: worked out once per camera table, model and level."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from app import cache
from app.state import Choice, counted_key, coverage_said
from exposure.layers import viewshed_layer
from exposure.style import VIEWSHED_CAPTION

if TYPE_CHECKING:
    import pandas as pd
    import pydeck as pdk

    from exposure.datasets import Dataset
    from exposure.routing import RoutingContext

__all__ = ["viewsheds_caption", "viewsheds_layer"]


def viewsheds_layer(ds: Dataset, choice: Choice, cameras: pd.DataFrame, *,
                    only: Collection[str] | None = None) -> pdk.Layer:
    """What the cameras in use see under the sidebar's coverage model and level, shaded by FRT tier.

    Parameters
    ----------
    ds
        The dataset counted (its cameras, perhaps uploaded or overlaid by reviews).
    choice
        The sidebar's choice (its coverage model, level or uniform radius).
    cameras
        ``ds.cameras`` with their ``frt_tier`` (:func:`exposure.cameras.apply_frt_policy`), row for row.
    only
        The ids of the cameras to draw (e.g. those a route passes); None: every one.
    """
    outlines = cache.viewshed_outlines(counted_key(ds), ds, choice.radius_m, choice.coverage_model, choice.level)
    ids = cameras["camera_id"].astype(str).to_numpy()
    keep = np.ones(len(ids), dtype=bool) if only is None else np.isin(ids, list(only))
    return viewshed_layer(outlines[keep], cameras["frt_tier"].astype(str).to_numpy()[keep], ids[keep])


def viewsheds_caption(ctx: RoutingContext) -> str:
    """The caption of a map drawing viewsheds: what the shading is, under which model and level, walls or not."""
    return f"{VIEWSHED_CAPTION}: {coverage_said(ctx.settings['coverage'])}."
