"""The ``review`` command: add, confirm, dispute, withdraw, show, report, export and merge reviews; JSON out."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pandas as pd

from exposure import datasets, settings
from exposure._errors import PlaceError, ReviewError
from exposure.cameras import load_extent
from exposure.cli._common import emit, load_camera_file, progress, say
from exposure.cli.review_args import FIELD_OPTIONS
from exposure.places import parse_lat_lon
from exposure.review import (
    NO_STORE,
    WARNING_CODES,
    ReviewOverlay,
    ReviewStore,
    ReviewWarning,
    basemap_buildings,
    check_camera,
    default_store_path,
    export_reviews,
    make_review,
    merge_cameras,
    merge_store,
    open_store,
    osm_edits,
    osm_nodes_from_file,
    overlay_reviews,
    plausibility_report,
    store_verdicts,
    write_osm_export,
)
from exposure.review.records import check_reviewer

__all__ = ["review"]

_OSM_SUFFIXES = (".pbf", ".osm")


def review(args: argparse.Namespace) -> None:
    """``exposure review ACTION``: run one action on the review store (see ``exposure review --help``)."""
    _ACTIONS[args.action](args)


# ---------------------------------------------------------------------------------------------- arguments
def _reviewer(args: argparse.Namespace) -> str:
    if args.reviewer is None:
        msg = "--reviewer NAME is needed: say who you are (a name, no account)"
        raise ReviewError(msg)
    try:
        return check_reviewer(args.reviewer)
    except ReviewError as err:
        msg = f"--reviewer: {err}"
        raise ReviewError(msg) from err


def _how(args: argparse.Namespace) -> str:
    try:
        return make_review("check", reviewer="check", how=args.how).how
    except ReviewError as err:
        msg = f"--how: {err}"
        raise ReviewError(msg) from err


def _fields(args: argparse.Namespace) -> dict[str, Any]:
    """What the options say of the camera, each checked on its own so that an error names its option."""
    given = {name: getattr(args, name) for name in FIELD_OPTIONS if getattr(args, name, None) is not None}
    for name, value in given.items():
        try:
            make_review("check", reviewer="check", how="survey", **{name: value})
        except ReviewError as err:
            msg = f"{FIELD_OPTIONS[name]}: {err}"
            raise ReviewError(msg) from err
    if "mount" in given and "camera_mount" in given:
        try:
            make_review("check", reviewer="check", how="survey", mount=given["mount"],
                        camera_mount=given["camera_mount"])
        except ReviewError as err:
            msg = f"--mount and --camera-mount: {err}"
            raise ReviewError(msg) from err
    return given


def _position(text: str) -> tuple[float, float]:
    """``--at LAT,LON`` as lon, lat."""
    try:
        found = parse_lat_lon(text)
    except PlaceError as err:
        msg = f"--at: {err}"
        raise ReviewError(msg) from err
    if found is None:
        msg = f"--at {text!r} is not LAT,LON; give decimal degrees, latitude first, e.g. --at 60.1699,24.9384"
        raise ReviewError(msg)
    lat, lon = found
    return lon, lat


def _store(args: argparse.Namespace, *, create: bool) -> ReviewStore:
    """The store the action reads or writes: ``--store``, else the dataset's."""
    if args.store is not None and args.store.strip().lower() == NO_STORE:
        msg = f"--store {NO_STORE} counts no store; give the review store to use, or leave --store out"
        raise ReviewError(msg)
    path = Path(args.store).expanduser() if args.store else default_store_path(datasets.dataset_name(args.dataset))
    if not create and not path.exists():
        msg = (f"no review store at {path} yet: add, confirm or dispute a camera first, or give the store with "
               "--store FILE")
        raise ReviewError(msg)
    return open_store(path, create=create)


def _in_use(args: argparse.Namespace) -> datasets.Dataset:
    """The dataset, with ``--cameras`` in place of its own cameras when given (no review laid over them)."""
    ds = datasets.load_dataset(args.dataset, progress=progress)
    if getattr(args, "cameras", None):
        loaded = load_camera_file(args.cameras)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras, extent=load_extent(loaded))
    return ds


# ---------------------------------------------------------------------------------------------- answers
def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return table.astype(object).where(table.notna(), None).to_dict(orient="records")


def _verdict(store: ReviewStore, camera_id: str) -> dict[str, Any] | None:
    """What the group's reviews now make of a camera (None: no review of it counts)."""
    canonical = store.canonical_ids().get(camera_id, camera_id)
    table = store_verdicts(store)
    hit = table[table["camera_id"] == canonical]
    return None if hit.empty else _records(hit)[0]


def _warnings(warnings: list[ReviewWarning], camera_id: str) -> list[dict[str, str]]:
    """Warnings for the answer (and on stderr: they never block, but they are read)."""
    for w in warnings:
        say(f"warning ({w.code}): {w.message}")
    return [{"code": w.code, "camera_id": w.camera_id or camera_id, "other_id": w.other_id, "message": w.message}
            for w in warnings]


def _camera(ds: datasets.Dataset, store: ReviewStore, overlay: ReviewOverlay, camera_id: str) -> pd.Series:
    """The row of a camera in use, of one found gone, or of one the group added: where it is and what it is."""
    canonical = store.canonical_ids().get(camera_id, camera_id)
    for table in (overlay.cameras, overlay.gone):
        hit = table[table["camera_id"] == canonical]
        if len(hit):
            return hit.iloc[0]
    added = store.added_cameras()
    hit = added[added["camera_id"] == canonical]
    if len(hit):  # added, then every review of it withdrawn
        return pd.Series({"camera_id": canonical, "lon": hit.iloc[0]["lon"], "lat": hit.iloc[0]["lat"],
                          "kind": "unknown"})
    msg = (f"CAMERA_ID {camera_id!r} is neither among the {len(ds.cameras):,} cameras in use ({ds.name}) nor added "
           f"to review store {store.path}; `exposure cameras --format csv` lists the camera_id of each, "
           "`exposure review show` the ones the group added")
    raise ReviewError(msg)


# ---------------------------------------------------------------------------------------------- actions
def _add(args: argparse.Namespace) -> None:
    reviewer, how, fields = _reviewer(args), _how(args), _fields(args)
    lon, lat = _position(args.at)
    ds = _in_use(args)
    store = _store(args, create=True)
    overlay = overlay_reviews(ds.cameras, store)
    warnings = check_camera(lon, lat, kind=fields.get("kind"), direction_deg=fields.get("direction_deg"),
                            cameras=overlay.cameras, streets=ds.index, buildings=basemap_buildings(ds.basemap),
                            reviewer=reviewer, added=store.added_cameras())
    camera, made = store.add_camera(lon, lat, reviewer=reviewer, how=how, note=args.note, warnings=warnings,
                                    **fields)
    emit({"action": "add", "store": str(store.path), "camera": asdict(camera), "review": asdict(made),
          "warnings": _warnings(warnings, camera.camera_id), "verdict": _verdict(store, camera.camera_id)}, args.out)


def _confirm(args: argparse.Namespace) -> None:
    reviewer, how, fields = _reviewer(args), _how(args), _fields(args)
    ds = _in_use(args)
    store = _store(args, create=True)
    overlay = overlay_reviews(ds.cameras, store)
    row = _camera(ds, store, overlay, args.camera_id)
    warnings: list[ReviewWarning] = []
    if "kind" in fields or "direction_deg" in fields:  # a correction is checked as a new camera is
        warnings = check_camera(float(row["lon"]), float(row["lat"]), kind=fields.get("kind", row["kind"]),
                                direction_deg=fields.get("direction_deg"), camera_id=str(row["camera_id"]),
                                cameras=overlay.cameras, buildings=basemap_buildings(ds.basemap))
    made = store.add_review(args.camera_id, reviewer=reviewer, how=how, exists=True, note=args.note,
                            warnings=warnings, **fields)
    emit({"action": "confirm", "store": str(store.path), "review": asdict(made),
          "warnings": _warnings(warnings, made.camera_id), "verdict": _verdict(store, made.camera_id)}, args.out)


def _dispute(args: argparse.Namespace) -> None:
    reviewer, how = _reviewer(args), _how(args)
    ds = _in_use(args)
    store = _store(args, create=True)
    _camera(ds, store, overlay_reviews(ds.cameras, store), args.camera_id)
    made = store.add_review(args.camera_id, reviewer=reviewer, how=how, exists=False, note=args.note)
    emit({"action": "dispute", "store": str(store.path), "review": asdict(made), "warnings": [],
          "verdict": _verdict(store, made.camera_id)}, args.out)


def _withdraw(args: argparse.Namespace) -> None:
    reviewer = _reviewer(args)
    store = _store(args, create=False)
    made = store.withdraw(args.review_id, reviewer=reviewer)
    emit({"action": "withdraw", "store": str(store.path), "review": asdict(made),
          "verdict": _verdict(store, made.camera_id)}, args.out)


def _show(args: argparse.Namespace) -> None:
    ds = _in_use(args)
    store = _store(args, create=False)
    overlay = overlay_reviews(ds.cameras, store)
    reviews = store.reviews(reviewer=args.reviewer)
    if args.camera_id is None:
        emit({"store": store.info(), "summary": overlay.summary(), "verdicts": _records(overlay.verdicts),
              "reviews": _records(reviews), "merges": _records(store.merges())}, args.out)
        return
    aliases = store.canonical_ids()
    canonical = aliases.get(args.camera_id, args.camera_id)
    ids = {canonical} | {alias for alias, head in aliases.items() if head == canonical}
    row = _camera(ds, store, overlay, args.camera_id)
    gone = bool(overlay.gone["camera_id"].eq(canonical).any())
    emit({"store": str(store.path), "camera_id": args.camera_id, "counts_as": canonical,
          "camera": row.to_dict(), "gone": gone,
          "verdict": _verdict(store, canonical), "reviews": _records(reviews[reviews["camera_id"].isin(ids)])},
         args.out)


def _report(args: argparse.Namespace) -> None:
    ds = _in_use(args)
    store = _store(args, create=False)
    table = plausibility_report(store, ds.cameras, streets=ds.index, buildings=basemap_buildings(ds.basemap),
                                record=not args.no_record)
    counts = {code: int(table["code"].eq(code).sum()) for code in WARNING_CODES}
    emit({"store": str(store.path), "checks": WARNING_CODES, "recorded": not args.no_record, "counts": counts,
          "settings": {"review_duplicate_m": settings.review_duplicate_m,
                       "review_street_max_m": settings.review_street_max_m,
                       "review_wall_near_m": settings.review_wall_near_m,
                       "review_burst_count": settings.review_burst_count,
                       "review_burst_minutes": settings.review_burst_minutes},
          "warnings": _records(table)}, args.out)


def _export(args: argparse.Namespace) -> None:
    store = _store(args, create=False)
    if args.format == "reviews":
        _export_reviews(args, store)
        return
    for option, value in (("--reviewer", args.reviewer), ("--overwrite", args.overwrite)):
        if value:
            msg = f"{option} goes with --format reviews; an OSM file holds the group's verified cameras, no names"
            raise ReviewError(msg)
    ds = _in_use(args)
    osm_file = _osm_file(args, ds)
    reviewed = [c for c in store_verdicts(store)["camera_id"] if str(c).startswith("osm:node/")]
    nodes = osm_nodes_from_file(osm_file, camera_ids=reviewed) if osm_file is not None and reviewed else {}
    statuses = ("verified",) if args.statuses == "verified" else ("verified", "unverified")
    found = osm_edits(store, ds.cameras, osm_nodes=nodes, statuses=statuses)
    path = write_osm_export(found, args.out, format=args.format)
    say(f"wrote {path}: check it in JOSM and upload it yourself; nothing was uploaded")
    edits = [{"action": e.action, "camera_id": e.camera_id, "osm_id": e.node.id, "version": e.node.version,
              "changed": list(e.changed)} for e in found.edits]
    emit({"format": args.format, "out": str(path), "statuses": list(statuses),
          "osm_file": None if osm_file is None else str(osm_file), **found.summary(), "edits": edits,
          "skipped": _records(found.skipped), "uploaded": False}, None)


def _osm_file(args: argparse.Namespace, ds: datasets.Dataset) -> Path | None:
    """The OSM file the mapped cameras came from: ``--osm-file``, else the dataset's extract (without ``--cameras``)."""
    if args.osm_file is not None:
        path = Path(args.osm_file).expanduser()
        if not path.is_file():
            msg = f"--osm-file {path} not found; give the .osm.pbf or .osm the cameras came from"
            raise ReviewError(msg)
        return path
    source = Path(ds.source)
    if args.cameras is None and source.suffix.lower() in _OSM_SUFFIXES and source.is_file():
        return source
    say("no OSM file for the mapped cameras' versions: reviews of OSM cameras are left out (give --osm-file)")
    return None


def _export_reviews(args: argparse.Namespace, store: ReviewStore) -> None:
    target = Path(args.out).expanduser()
    if target.exists() and not args.overwrite:
        msg = f"--out {target} exists already; give a new file name, or --overwrite to replace a review store there"
        raise ReviewError(msg)
    if args.reviewer is not None:
        args.reviewer = _reviewer(args)
    path = export_reviews(store, target, reviewer=args.reviewer, overwrite=args.overwrite)
    say(f"wrote {path}")
    info = ReviewStore(path, create=False).info()
    emit({"format": "reviews", "out": str(path), "reviewer": args.reviewer,
          **{k: info[k] for k in ("reviews", "withdrawn_reviews", "added_cameras", "warnings", "merges")}}, None)


def _merge(args: argparse.Namespace) -> None:
    if args.same and args.files:
        msg = "give FILE … to merge stores, or --same FIRST_ID SECOND_ID to count two cameras as one, not both"
        raise ReviewError(msg)
    if not args.same and not args.files:
        msg = "give the stores to merge (FILE …), or --same FIRST_ID SECOND_ID to count two cameras as one"
        raise ReviewError(msg)
    if args.same:
        if args.reviewer is None:
            msg = "--same needs --reviewer NAME: who says the two cameras are one"
            raise ReviewError(msg)
        reviewer = _reviewer(args)
        store = _store(args, create=True)
        counts_as = merge_cameras(store, *args.same, reviewer=reviewer)
        emit({"store": str(store.path), "same": list(args.same), "counts_as": counts_as,
              "verdict": _verdict(store, counts_as)}, args.out)
        return
    for name in args.files:
        if not Path(name).expanduser().is_file():
            msg = (f"FILE {name} not found; give a review store or a file `exposure review export --format reviews` "
                   "wrote")
            raise ReviewError(msg)
    store = _store(args, create=True)
    merged = [merge_store(store, Path(name).expanduser()).summary() for name in args.files]
    emit({"store": str(store.path), "merged": merged, "now": store.info()}, args.out)


_ACTIONS: dict[str, Callable[[argparse.Namespace], None]] = {
    "add": _add, "confirm": _confirm, "dispute": _dispute, "withdraw": _withdraw, "show": _show, "report": _report,
    "export": _export, "merge": _merge,
}
