"""The ``review`` command's options: add, confirm, dispute and withdraw reviews, show, report, export and merge.

Kept apart from :mod:`exposure.cli.review`, which runs it, so that ``--help``
and usage errors answer without loading the engine. The values each option
takes are checked when the command runs, against the engine's own lists.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["FIELD_OPTIONS", "add_review"]

#: The options that state what a camera is, by the review field each sets.
FIELD_OPTIONS: dict[str, str] = {
    "kind": "--kind",
    "mount": "--mount",
    "camera_mount": "--camera-mount",
    "operator": "--operator",
    "direction_deg": "--direction-deg",
    "fov_deg": "--fov-deg",
    "surveillance": "--surveillance",
}

_STORE_HELP = ("the review store, a GeoPackage (default: the EXPOSURE_REVIEW_STORE file, else one per dataset in "
               "the cache folder, data/cache/reviews/<dataset>.gpkg, made by the first review)")
_REVIEWER_HELP = "your name as the group knows you (no account; it stays out of OpenStreetMap files)"
_HOW_HELP = ("how you know: survey (on site), photo (your own photo) or imagery (street-level or aerial imagery; "
             "never exported to OpenStreetMap) (required)")


def add_review(sub: Any) -> None:
    """Add the ``review`` command and its actions to the command line's subparsers."""
    r = sub.add_parser(
        "review", help="verify cameras as a group: add, confirm, dispute, withdraw, show, report, export, merge",
        description="Verify cameras as a group, as Decode Surveillance's volunteers did: add the cameras you find, "
                    "confirm or dispute mapped ones, and let the reviewers' agreement verify them (three agreeing "
                    "reviewers: verified). Reviews live in a GeoPackage store; stores merge without a server; "
                    "verified cameras go back to OpenStreetMap only as files you check and upload yourself. "
                    "JSON out.")
    actions = r.add_subparsers(dest="action", required=True, metavar="ACTION")
    _add_add(actions)
    _add_confirm(actions)
    _add_dispute(actions)
    _add_withdraw(actions)
    _add_show(actions)
    _add_report(actions)
    _add_export(actions)
    _add_merge(actions)


def _common(p: argparse.ArgumentParser, *, cameras: bool = True, out: bool = True) -> None:
    p.add_argument("--store", default=None, metavar="FILE", help=_STORE_HELP)
    p.add_argument("--dataset", default="helsinki",
                   help="the dataset whose cameras are reviewed (and whose store is the default): a named dataset "
                        "or an .osm.pbf/.osm extract [helsinki]")
    if cameras:
        p.add_argument("--cameras", default=None, metavar="FILE",
                       help="review the cameras of this file (their camera_id) instead of the dataset's")
    if out:
        p.add_argument("--out", default=None, help="write the JSON answer to this file instead of stdout (says where "
                                                   "on stderr)")


def _fields(p: argparse.ArgumentParser) -> None:
    p.add_argument("--kind", default=None, help="ptz, dome, fixed or unknown")
    p.add_argument("--mount", default=None, help="street, building or unknown")
    p.add_argument("--camera-mount", default=None,
                   help="OpenStreetMap's camera:mount: pole, street_lamp, traffic_signals, gantry (street), wall or "
                        "ceiling (building); gives --mount when that is left out")
    p.add_argument("--operator", default=None, help="public, private or unknown")
    p.add_argument("--direction-deg", type=float, default=None, metavar="DEG",
                   help="where it looks, degrees clockwise from north (0-360)")
    p.add_argument("--fov-deg", type=float, default=None, metavar="DEG", help="its field of view in degrees (0-360]")
    p.add_argument("--surveillance", default=None, help="what it watches: outdoor, public or indoor")
    p.add_argument("--note", default="", help="free text (at most 2,000 characters; stays out of OSM files)")


def _add_add(actions: Any) -> None:
    a = actions.add_parser(
        "add", help="add a camera the group found, with your review of it",
        description="Add a camera the group found (it gets a review:… id) with your review saying it is there. "
                    "Plausibility warnings (a likely duplicate within 15 m, far from any street, a direction into "
                    "its wall, many cameras added in a short time) are shown and recorded; they never block.")
    a.add_argument("--at", required=True, metavar="LAT,LON",
                   help="where it is, latitude first (write --at=-33.9,18.4 when it starts with -)")
    a.add_argument("--reviewer", required=True, help=_REVIEWER_HELP)
    a.add_argument("--how", required=True, help=_HOW_HELP)
    _fields(a)
    _common(a)


def _add_confirm(actions: Any) -> None:
    c = actions.add_parser(
        "confirm", help="say a camera is there, perhaps correcting its kind, mount, direction …",
        description="Say a camera of the cameras in use (or one the group added) is there; give what you saw to "
                    "correct it (the reviewers' majority decides each field). A correction of its kind or direction "
                    "is checked for plausibility first.")
    c.add_argument("camera_id", metavar="CAMERA_ID", help="the camera's camera_id (osm:node/…, review:…, …)")
    c.add_argument("--reviewer", required=True, help=_REVIEWER_HELP)
    c.add_argument("--how", required=True, help=_HOW_HELP)
    _fields(c)
    _common(c)


def _add_dispute(actions: Any) -> None:
    d = actions.add_parser(
        "dispute", help="say a camera is not there",
        description="Say a camera is not there. When a majority of its reviewers say so it is gone: left out of "
                    "every count, kept in the store with its history (and proposed for deletion from "
                    "OpenStreetMap when it came from there).")
    d.add_argument("camera_id", metavar="CAMERA_ID", help="the camera's camera_id")
    d.add_argument("--reviewer", required=True, help=_REVIEWER_HELP)
    d.add_argument("--how", required=True, help=_HOW_HELP)
    d.add_argument("--note", default="", help="free text, e.g. what is there instead")
    _common(d)


def _add_withdraw(actions: Any) -> None:
    w = actions.add_parser(
        "withdraw", help="withdraw one of your own reviews",
        description="Withdraw one of your own reviews: it stops counting and stays in the store as history.")
    w.add_argument("review_id", metavar="REVIEW_ID", help="the review's id (`review show` lists them)")
    w.add_argument("--reviewer", required=True, help="your name: only a review's reviewer can withdraw it")
    _common(w, cameras=False)


def _add_show(actions: Any) -> None:
    s = actions.add_parser(
        "show", help="a camera's verdict and reviews, or the whole store's",
        description="A camera's verdict (status and agreement as Decode defined them, agreed fields) and its "
                    "reviews; without CAMERA_ID, what the store holds: counts, every verdict and every review.")
    s.add_argument("camera_id", metavar="CAMERA_ID", nargs="?", default=None, help="the camera (default: all)")
    s.add_argument("--reviewer", default=None, help="only this reviewer's reviews")
    _common(s)


def _add_report(actions: Any) -> None:
    p = actions.add_parser(
        "report", help="the plausibility report over the store",
        description="Plausibility warnings over the whole store: added cameras within 15 m of another of the same "
                    "kind (likely duplicates), farther than 50 m from any street, directions into the wall a camera "
                    "hangs on (the dataset's buildings), reviewers who added many cameras in a short time. The "
                    "numbers are settings (review_*). Warnings are recorded in the store; they never block.")
    p.add_argument("--no-record", action="store_true", help="only show the warnings; do not record them")
    _common(p)


def _add_export(actions: Any) -> None:
    e = actions.add_parser(
        "export", help="your reviews as one file to merge, or the verified cameras for OpenStreetMap",
        description="reviews: your reviews (or the whole store's) as one file another store merges. josm / "
                    "osmchange: the cameras the group verified as a JOSM file (upload=\"false\") or an osmChange, "
                    "for you to check and upload yourself: this program never uploads anything. Cameras known only "
                    "from imagery (every Decode Surveillance camera) are never exported; reviewer names and notes "
                    "never go into OSM files. The answer on stdout says what was written and what was left out.")
    e.add_argument("--format", required=True, choices=["reviews", "josm", "osmchange"],
                   help="reviews: a review store file (.gpkg) to merge; josm: OSM XML for JOSM, upload=\"false\"; "
                        "osmchange: for an upload script once checked (required)")
    e.add_argument("--out", required=True, metavar="FILE", help="the file to write (required)")
    e.add_argument("--reviewer", default=None, help="reviews: only this reviewer's reviews [everyone's]")
    e.add_argument("--overwrite", action="store_true",
                   help="reviews: replace a review store file at --out (any other file is never replaced)")
    e.add_argument("--statuses", default="verified", choices=["verified", "majority"],
                   help="josm/osmchange: verified exports cameras as many reviewers as settings.review_verified_min "
                        "(3) all confirmed (or all found gone); majority also those a majority confirmed [verified]")
    e.add_argument("--osm-file", default=None, metavar="FILE",
                   help="josm/osmchange: the .osm.pbf/.osm the mapped cameras came from, for their versions and "
                        "tags [the dataset's extract]")
    _common(e, out=False)


def _add_merge(actions: Any) -> None:
    m = actions.add_parser(
        "merge", help="merge other stores or exported files into this store, or count two cameras as one",
        description="Merge other review stores (or files `review export --format reviews` wrote) into this one: "
                    "idempotent, by review and camera id; disagreeing reviews are all kept. Cameras the stores added "
                    "separately within a few metres with the same kind are offered as one (candidates); count them "
                    "as one with --same FIRST SECOND.")
    m.add_argument("files", metavar="FILE", nargs="*", help="stores or exported files to merge in")
    m.add_argument("--same", nargs=2, metavar=("FIRST_ID", "SECOND_ID"), default=None,
                   help="count these two cameras as one (at least one added by the group)")
    m.add_argument("--reviewer", default=None, help="with --same: who says they are one (required with --same)")
    _common(m, cameras=False)
