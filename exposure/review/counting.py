"""The group's verdicts in every figure: which review store a figure counts, laid over the cameras in use.

A command or a page picks its dataset (or camera file) as before, then passes
it through :func:`reviewed_dataset` (or :func:`reviewed_cameras`): the cameras
the group found gone leave every count, the cameras it added join, the ones it
reviewed take its verdict (``verification`` and ``verified_by``), and the
verification policy ``group`` (``verified@group``) counts what the group
verified, like any other status. The overlaid dataset is memoised by its
cameras (:meth:`exposure.datasets.Dataset.with_camera_overlay`): a review that
changes nothing a figure reads reuses the coverage already worked out, one that
adds a camera or changes its kind or direction has it measured again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from exposure import settings
from exposure._errors import ReviewError
from exposure.cameras import FrtPolicy
from exposure.datasets import Dataset
from exposure.review.agreement import ReviewOverlay, overlay_reviews
from exposure.review.store import ReviewStore, default_store_path

__all__ = [
    "NO_STORE",
    "counted_store",
    "overlay_about",
    "reviewed_cameras",
    "reviewed_dataset",
]

#: The ``store`` that counts no review at all (``--store none``): the sources' verification alone.
NO_STORE = "none"


def counted_store(store: str | Path | ReviewStore | None = None, *, dataset: str | None = None) -> ReviewStore | None:
    """The review store a figure counts, or None when it counts none.

    Parameters
    ----------
    store
        A store, or the path of one (it must exist: a figure never makes a
        store); :data:`NO_STORE` for none; None for ``settings.review_store``,
        else the dataset's own store (:func:`~exposure.review.store.default_store_path`),
        when that file exists.
    dataset
        The dataset in use (its name); None when the cameras come from a file
        alone: then only ``settings.review_store`` is a default.

    Returns
    -------
    ReviewStore or None
        The store.

    Raises
    ------
    ReviewError
        When ``store`` names no file, or a file that is not a review store.
    """
    if isinstance(store, ReviewStore):
        return store
    if store is not None:
        if str(store).strip().lower() == NO_STORE:
            return None
        path = Path(store).expanduser()
        if not path.exists():
            msg = (f"review store {path} not found; give --store the file the review command wrote, or "
                   f"--store {NO_STORE} to count no group's reviews")
            raise ReviewError(msg)
        return ReviewStore(path, create=False)
    if settings.review_store is None and dataset is None:
        return None
    path = default_store_path(dataset or "")
    return ReviewStore(path, create=False) if path.is_file() else None


def overlay_about(store: ReviewStore, overlay: ReviewOverlay) -> dict[str, Any]:
    """What an overlay counted, for the settings of every figure: the store and how many cameras it changed."""
    summary = overlay.summary()
    return {"store": str(store.path), "reviewed": summary["reviewed"],
            "verified_by_group": summary["verified_by_group"], "gone": summary["gone"], "added": summary["added"]}


def reviewed_dataset(ds: Dataset, store: str | Path | ReviewStore | None = None, *,
                     frt_policy: str | Path | FrtPolicy = "default") -> Dataset:
    """The dataset with the group's verdicts laid over its cameras (the dataset itself when no review counts).

    Parameters
    ----------
    ds
        The dataset in use (perhaps with a camera file: :meth:`Dataset.with_cameras`).
    store
        As in :func:`counted_store`; the default is the dataset's own store.
    frt_policy
        The FRT policy the tiers of reviewed cameras are set with (the figures
        apply their own again).

    Returns
    -------
    Dataset
        The overlaid dataset: same name and streets, ``info["reviews"]`` (and
        each routing context's ``settings["reviews"]``) saying which store and
        how many cameras it changed. Memoised by its cameras on ``ds``.
    """
    found = counted_store(store, dataset=ds.name)
    if found is None or not found.info()["reviews"]:
        return ds
    overlay = overlay_reviews(ds.cameras, found, frt_policy=frt_policy)
    return ds.with_camera_overlay(overlay.cameras, about=overlay_about(found, overlay))


def reviewed_cameras(cameras: pd.DataFrame, store: str | Path | ReviewStore | None = None, *,
                     dataset: str | None = None, frt_policy: str | Path | FrtPolicy = "default") -> pd.DataFrame:
    """A camera table with the group's verdicts laid over it (the table itself when no review counts).

    Parameters
    ----------
    cameras
        The camera table in use (a dataset's, or a file's).
    store
        As in :func:`counted_store`.
    dataset
        The dataset the cameras belong to, for its default store; None for a camera file alone.
    frt_policy
        As in :func:`reviewed_dataset`.

    Returns
    -------
    pandas.DataFrame
        The overlaid table (with ``verified_by``), or ``cameras`` unchanged.
    """
    found = counted_store(store, dataset=dataset)
    if found is None or not found.info()["reviews"]:
        return cameras
    return overlay_reviews(cameras, found, frt_policy=frt_policy).cameras
