"""The cameras' viewsheds as a map layer for the sidebar's choice: worked out once per camera table, model and level."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

import numpy as np

from app import cache
from app.maps import remembered, shared_key, tiered_cameras
from app.state import Choice, counted_key, coverage_said
from exposure.layers import LayerJSON, layer_json, viewshed_layer
from exposure.style import VIEWSHED_CAPTION
from exposure.viewsheds import viewshed_polygons

if TYPE_CHECKING:
    from exposure.datasets import Dataset
    from exposure.routing import RoutingContext

__all__ = ["viewshed_outlines", "viewsheds_caption", "viewsheds_layer"]


def viewshed_outlines(ds: Dataset, choice: Choice) -> np.ndarray:
    """Each camera in use's viewshed under the sidebar's choice, as a WGS84 polygon (read only), made once.

    The dataset's cameras (with the group's reviews laid over them or not) are every
    session's: their outlines are kept once per process (:func:`app.cache.viewshed_outlines`).
    Cameras a session uploaded are its own: their outlines are kept in that session only.
    """
    shared = shared_key(ds)
    if shared is not None:
        return cache.viewshed_outlines(shared, ds, choice.radius_m, choice.coverage_model, choice.level)

    def make() -> np.ndarray:
        views = ds.viewsheds(radius_m=choice.radius_m, coverage_model=choice.coverage_model, level=choice.level)
        return viewshed_polygons(views, crs=ds.index.crs)

    return remembered(("viewsheds", counted_key(ds), choice.radius_m, choice.coverage_model, choice.level), make)


def viewsheds_layer(ds: Dataset, choice: Choice, *, only: Collection[str] | None = None) -> LayerJSON:
    """What the cameras in use see under the sidebar's coverage model and level, shaded by FRT tier, as map JSON.

    Parameters
    ----------
    ds
        The dataset counted (its cameras, perhaps uploaded or overlaid by reviews).
    choice
        The sidebar's choice (its FRT policy, coverage model, level or uniform radius).
    only
        The ids of the cameras to draw (e.g. those a route passes: written once per answer);
        None: every one, written once per camera table and choice (per process for the
        dataset's cameras, per session for a session's own).

    Returns
    -------
    LayerJSON
        One ``PolygonLayer`` with id ``viewsheds``, not pickable.
    """
    shared = shared_key(ds)
    if only is None and shared is not None:
        return cache.viewshed_layer_json(shared, choice.frt_policy, choice.radius_m, choice.coverage_model,
                                         choice.level, ds)

    def make() -> LayerJSON:
        outlines = viewshed_outlines(ds, choice)
        cameras = tiered_cameras(ds, choice)
        ids = cameras["camera_id"].astype(str).to_numpy()
        keep = np.ones(len(ids), dtype=bool) if only is None else np.isin(ids, list(only))
        return layer_json(viewshed_layer(outlines[keep], cameras["frt_tier"].astype(str).to_numpy()[keep], ids[keep]))

    if only is not None:
        return make()
    return remembered(("viewsheds-layer", counted_key(ds), choice.frt_policy, choice.radius_m,
                       choice.coverage_model, choice.level), make)


def viewsheds_caption(ctx: RoutingContext) -> str:
    """The caption of a map drawing viewsheds: what the shading is, under which model and level, walls or not."""
    return f"{VIEWSHED_CAPTION}: {coverage_said(ctx.settings['coverage'])}."
