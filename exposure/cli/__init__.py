"""Command line: ``python -m exposure route|plan|audit|viewsheds|compare-models|…`` (``--help`` lists them all)."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable
from typing import Any

from exposure import settings
from exposure._errors import ExposureError
from exposure.cli.models_args import add_compare_models, add_coverage_options, add_models, add_viewsheds
from exposure.cli.review_args import add_review

__all__ = ["COMMANDS", "build_parser", "main"]

#: Each command's module (in this package) and the function that runs it. A command's module
#: imports the engine it needs (pandas, geopandas, the street network: a second or more);
#: :func:`main` imports only the module of the command asked for, so that ``--help`` and a
#: usage error answer at once.
COMMANDS: dict[str, tuple[str, str]] = {
    "route": ("walks", "route"),
    "plan": ("plan", "plan"),
    "audit": ("walks", "audit"),
    "cameras": ("data", "cameras"),
    "network": ("data", "network"),
    "density": ("density", "density"),
    "watched": ("density", "watched"),
    "build": ("build", "build_dataset"),
    "batch": ("bulk", "batch"),
    "review": ("review", "review"),
    "models": ("models", "models"),
    "viewsheds": ("viewsheds", "viewsheds"),
    "compare-models": ("models", "compare_models"),
}

_OBJECTIVES = ["shortest", "fewest-cameras", "least-time-in-view"]
_DETOUR_HELP = "maximum detour over the shortest route, as a fraction [0.5 = +50 %%]"
_CAMERAS_HELP = "use this camera file instead of the dataset's cameras"


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    module, name = COMMANDS[args.command]
    # the one lazy import of the command line: only the chosen command's engine is loaded
    run: Callable[[argparse.Namespace], None] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    try:
        run(args)
    except (ExposureError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="exposure",
        description="Surveillance exposure: walking routes past the fewest facial-recognition-capable "
                    "cameras, route audits, camera data and street networks. Works offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (_add_route, _add_plan, _add_audit, _add_cameras, _add_network, _add_density, _add_watched,
                _add_build, _add_batch, add_review, add_models):
        add(sub)
    add_viewsheds(sub, common=_add_common)
    add_compare_models(sub, common=_add_common)
    return parser


def _add_common(p: argparse.ArgumentParser, *, dataset: bool = True, radius: bool = True,
                out_help: str | None = None, coverage: bool | None = None) -> None:
    if dataset:
        p.add_argument("--dataset", default="helsinki",
                       help="named dataset (helsinki) or path to an .osm.pbf/.osm extract [helsinki]")
    p.add_argument("--frt-policy", default="default",
                   help="FRT-capability policy: default, all, strict-ptz-dome, or a CSV file [default]")
    p.add_argument("--verification", default="default",
                   help="verification statuses counted: default/any (all), majority, verified, group (verified "
                        "by your group's reviews: verified@group), or a comma list [default]")
    p.add_argument("--decode-total", default="attachments", choices=["attachments", "n_cameras"],
                   help="Decode Surveillance files: attachments counts each intersection's street + building + "
                        "unknown-mount medians, as Amnesty's published totals do; n_cameras its median total "
                        "count instead (not the published rule) [attachments]")
    p.add_argument("--store", default=None, metavar="FILE",
                   help="count the verdicts of this review store (`exposure review`), e.g. with --verification "
                        "group; none: the sources' verification alone [the dataset's store, when there is one]")
    if radius:  # only where a camera's view is measured: density and watched count cameras per area
        p.add_argument("--radius-m", type=float, default=None,
                       help="every camera sees a disc of this radius in metres, not cut by walls (overrides "
                            "--coverage-model, for comparisons)")
    if radius if coverage is None else coverage:
        add_coverage_options(p)
    if out_help is None:
        p.add_argument("--out", default=None, help="write the result to this file instead of stdout (says where on "
                                                   "stderr)")
    else:
        p.add_argument("--out", required=True, help=out_help)


def _add_route(sub: Any) -> None:
    r = sub.add_parser("route", help="walking routes from an origin to a destination",
                       description="Walking routes from an origin to a destination: the shortest, the one the "
                                   "objective asks for, and trade-offs between them, with the cameras each passes.")
    r.add_argument("--origin", required=True, help="'lat,lon' or a place name from the dataset")
    r.add_argument("--destination", required=True, help="'lat,lon' or a place name from the dataset")
    r.add_argument("--objective", default="fewest-cameras", choices=_OBJECTIVES,
                   help="fewest-cameras: the fewest distinct FRT-capable cameras (exact); least-time-in-view: the "
                        "fewest metres within their view; shortest: the shortest route only; the first two within "
                        "--max-detour [fewest-cameras]")
    r.add_argument("--alternatives", type=int, default=0, metavar="N",
                   help="also return up to N more routes from the trade-off set between length and FRT "
                        "cameras (each the shortest with at most its number of cameras), beyond the shortest "
                        "route and the objective's route [0]")
    r.add_argument("--max-detour", type=float, default=settings.max_detour, help=_DETOUR_HELP)
    r.add_argument("--cameras", default=None, help=_CAMERAS_HELP)
    r.add_argument("--format", default="json", choices=["json", "geojson", "gpx"],
                   help="json: places, settings and routes (see the README); geojson: one line per route; gpx: one "
                        "track per route, for phones [json]")
    _add_common(r)


def _add_plan(sub: Any) -> None:
    p = sub.add_parser(
        "plan", help="protest plan: many gathering points to a site, via points, a way out, places to avoid",
        description="Routes from every gathering point (through the via points, in order) to the site, and from the "
                    "site to every dispersal point: the shortest and the objective's route for each, with totals "
                    "(cameras shared between routes counted once). What is avoided is a hard constraint; when no "
                    "route can keep to it, the least-bad route is given with what it breaks.")
    p.add_argument("--site", default=None, help="the protest site: 'lat,lon' or a place name")
    p.add_argument("--from", dest="gathering", action="append", default=[], metavar="PLACE",
                   help="a gathering point ('lat,lon' or a name); repeat for several")
    p.add_argument("--from-file", dest="gathering_file", default=None, metavar="FILE",
                   help="gathering points from a CSV (name, lat, lon) or GeoJSON (Point features) file")
    p.add_argument("--to", dest="dispersal", action="append", default=[], metavar="PLACE",
                   help="a dispersal point for the way out; repeat for several")
    p.add_argument("--to-file", dest="dispersal_file", default=None, metavar="FILE",
                   help="dispersal points from a CSV or GeoJSON file")
    p.add_argument("--via", action="append", default=[], metavar="PLACE",
                   help="a via point on the way in, in order (gathering point → via … → site); repeat for several")
    p.add_argument("--avoid", action="append", default=[], metavar="FILE|LAT,LON,M",
                   help="areas to avoid: a GeoJSON file of polygons (or Points with radius_m), or 'lat,lon,radius_m'; "
                        "repeat for several")
    p.add_argument("--avoid-camera", action="append", default=[], metavar="ID",
                   help="a camera id to avoid (no route passes a street it sees); repeat for several")
    p.add_argument("--no-frt-cameras", action="store_true",
                   help="no route may pass a street any FRT-capable camera sees")
    p.add_argument("--keep-order", default=None, metavar="NAMES",
                   help="what to keep first when no route can keep everything, a comma list of avoided-areas, "
                        "avoided-cameras, no-frt-cameras (then the fewest) and max-detour; those left out follow in "
                        "this order, which is the default: the least-bad route says what it relaxed and by how much")
    p.add_argument("--regroup-radius", type=float, default=0.0, metavar="M",
                   help="suggest regroup points within this walking distance of the site, fewest cameras first "
                        "[0: none]")
    p.add_argument("--objective", default="fewest-cameras", choices=_OBJECTIVES,
                   help="what each way in and out minimises, within the detour; the shortest is always shown beside "
                        "it [fewest-cameras]")
    p.add_argument("--max-detour", type=float, default=settings.max_detour, help=_DETOUR_HELP)
    p.add_argument("--time-limit", type=float, default=None, metavar="S",
                   help=f"seconds for the whole plan; routes not proven optimal by then say so "
                        f"[{settings.plan_time_limit_s:g}]")
    p.add_argument("--plan", default=None, metavar="FILE",
                   help="plan again from a saved plan file (the JSON this command writes); the points, avoidances "
                        "and options come from the file")
    p.add_argument("--format", default="json", choices=["json", "geojson", "gpx", "kml", "pdf"],
                   help="json: the whole plan (also a plan file for --plan); geojson/gpx/kml: routes and points; "
                        "pdf: printable route cards, one page per route [json]")
    _add_common(p)
    p.set_defaults(dataset=None)  # a saved plan names its dataset


def _add_audit(sub: Any) -> None:
    a = sub.add_parser("audit", help="exposure of a walked track (GPX or GeoJSON)",
                       description="Exposure of a walk already made: metres and seconds within view of cameras, "
                                   "per camera and per track of the file (never across the gap between tracks).")
    a.add_argument("--track", required=True, help="GPX or GeoJSON LineString file")
    a.add_argument("--cameras", default=None, help="camera file (default: the dataset's cameras)")
    a.add_argument("--format", default="json", choices=["json", "csv"],
                   help="json: the whole audit, with a row per track and the total; csv: the table --table "
                        "chooses [json]")
    a.add_argument("--table", default="cameras", choices=["cameras", "tracks"],
                   help="with --format csv: cameras, metres in view per camera; tracks, one row per track of the "
                        "file (each measured on its own, never across the gap to the next) and a total [cameras]")
    a.add_argument("--compare", action="store_true",
                   help="what could I have avoided? with --format json, also the fewest-camera route on the "
                        "dataset's streets between each track's start and end, and the difference (key compare)")
    _add_common(a)
    # with --cameras, a dataset is loaded only when --dataset names one: its streets fill the track's gaps
    # (stretches between recorded points longer than settings.track_gap_m) and --compare routes on them
    a.set_defaults(dataset=None)


def _add_cameras(sub: Any) -> None:
    c = sub.add_parser("cameras", help="load, validate and convert camera data",
                       description="Load a camera file (OpenStreetMap, Decode Surveillance, CCTV-Exposure, any "
                                   "CSV/GeoJSON with coordinates), report rejected rows on stderr, convert it.")
    c.add_argument("--source", default=None,
                   help="camera file, a https:// address, or decode-nyc to download Amnesty's Decode "
                        "Surveillance NYC counts once (default: the dataset's cameras)")
    c.add_argument("--format", default="csv", choices=["csv", "geojson", "json"],
                   help="csv: one row per camera; geojson: points with the camera's fields; json: a list of "
                        "cameras [csv]")
    c.add_argument("--summary", action="store_true",
                   help="Decode Surveillance files: instead of the cameras, one row per borough as in Amnesty's "
                        "published tables: intersections, cameras, on street furniture, by type, cameras per "
                        "intersection (csv or json)")
    _add_common(c)


def _add_network(sub: Any) -> None:
    n = sub.add_parser("network", help="export the walking network",
                       description="Export a dataset's walking network as osmnx-compatible GraphML or as GeoJSON "
                                   "(WGS84).")
    n.add_argument("--dataset", default="helsinki", help="named dataset or path to an OSM extract")
    n.add_argument("--format", required=True, choices=["graphml", "geojson"],
                   help="graphml: osmnx-compatible GraphML (needs --out); geojson: street lines (required)")
    n.add_argument("--out", default=None, help="output file (GraphML needs one; GeoJSON defaults to stdout)")


def _add_density(sub: Any) -> None:
    d = sub.add_parser("density", help="cameras per area: per km², per km of street, per 1,000 residents",
                       description="Cameras per area (per km², per km of street, per 1,000 residents, Amnesty's "
                                   "effective cameras); areas outside where the camera source looked have no "
                                   "camera data (empty), not 0.")
    d.add_argument("--areas", default="h3:9",
                   help="h3:RES (H3 hexagons, e.g. h3:9), osm-places (Voronoi cells around the extract's OSM "
                        "suburb/neighbourhood points, not official boundaries), nyc-nta/nyc-borough/nyc-cd/"
                        "nyc-council/nyc-precinct (New York City with ACS population and race, offline), or a "
                        "GeoJSON file of polygons [h3:9]")
    d.add_argument("--id-column", default=None, help="area id column of the areas file (default: guessed)")
    d.add_argument("--name-column", default=None, help="area name column of the areas file (default: guessed)")
    d.add_argument("--cameras", default=None, help=_CAMERAS_HELP)
    d.add_argument("--format", default="csv", choices=["csv", "geojson", "json"],
                   help="csv: one row per area; geojson: polygons with the figures; json: rows and settings [csv]")
    _add_common(d, radius=False, coverage=True)
    # with --cameras, the street network is loaded only when --dataset is given (street figures)
    d.set_defaults(dataset=None)


def _add_watched(sub: Any) -> None:
    w = sub.add_parser("watched", help="who is watched: camera density against non-white share per NYC area",
                       description="Who is watched: camera density against the share of non-white residents per "
                                   "New York City area (Spearman's rho with a 95 % interval, per borough) and "
                                   "Amnesty's binomial model, with caveats.")
    w.add_argument("--cameras", required=True,
                   help="camera file, e.g. Decode Surveillance counts_per_intersections.csv")
    w.add_argument("--areas", default="nyc-nta", choices=["nyc-nta", "nyc-cd", "nyc-council", "nyc-precinct",
                                                          "nyc-borough"], help="NYC area set [nyc-nta]")
    w.add_argument("--measure", default="cameras_per_km2",
                   choices=["cameras_per_km2", "frt_cameras_per_km2", "cameras_per_1000_residents",
                            "frt_cameras_per_1000_residents", "effective_cameras_per_km2",
                            "frt_effective_cameras_per_km2", "effective_cameras_per_1000_residents",
                            "frt_effective_cameras_per_1000_residents"],
                   help="density to compare; effective_*: Amnesty's effective cameras (120 m discs around "
                        "street-furniture cameras, overlaps once) [cameras_per_km2]")
    w.add_argument("--min-population", type=float, default=500, help="leave out areas with fewer residents [500]")
    w.add_argument("--format", default="json", choices=["json", "csv"],
                   help="json: correlations, fit, caveats and rows; csv: one row per area [json]")
    _add_common(w, dataset=False, radius=False)


def _add_build(sub: Any) -> None:
    b = sub.add_parser("build", help="build a named dataset from a place, box, point or OSM extract",
                       description="Build a named dataset (walking network, cameras, place names) from an OSM "
                                   "extract offline, or from a place, box or point online; then --dataset NAME.")
    b.add_argument("--name", required=True, help="name to save it under; then --dataset NAME everywhere")
    src = b.add_mutually_exclusive_group(required=True)
    src.add_argument("--place", help="online: a place with a boundary in OpenStreetMap, e.g. 'Kallio, Helsinki'")
    src.add_argument("--bbox", metavar="W,S,E,N",
                     help="online: a bounding box in degrees (write --bbox=-74.01,40.70,... when it starts with -)")
    src.add_argument("--point", metavar="LAT,LON",
                     help="online: the box --dist-m around a point (--point=-33.9,18.4 when it starts with -)")
    src.add_argument("--pbf", metavar="FILE", help="offline: an .osm.pbf/.osm extract (Geofabrik, BBBike)")
    b.add_argument("--dist-m", type=float, default=None, help="half-width of the --point box in metres [1500]")
    b.add_argument("--cameras", default=None, help="use this camera file instead of OpenStreetMap's cameras")
    b.add_argument("--names", action=argparse.BooleanOptionalAction, default=True,
                   help="online: also download squares, stations and landmarks for place names [on]")


def _add_batch(sub: Any) -> None:
    k = sub.add_parser(
        "batch", help="routes or audits in bulk on Dask: many pairs, origins x destinations, or a folder of tracks",
        description="Route many origin-destination pairs (or audit many recorded walks) on a Dask cluster: a "
                    "LocalCluster on every core of this machine by default, or a running dask.distributed "
                    "scheduler. One row per route in a GeoParquet (or CSV) file, and a summary on stderr.")
    what = k.add_mutually_exclusive_group(required=True)
    what.add_argument("--pairs", metavar="FILE", help="CSV/Parquet of pairs: origin, destination (place names or "
                      "'lat,lon', or origin_lat/origin_lon/destination_lat/destination_lon), optional id")
    what.add_argument("--origins", metavar="FILE", help="CSV/Parquet of points (name, place or lat/lon): routes "
                      "from each to every --destinations point, or to its --nearest K")
    what.add_argument("--tracks", metavar="DIR", help="a folder of GPX/GeoJSON walks to audit, one row per file")
    k.add_argument("--destinations", metavar="FILE", help="CSV/Parquet of points, with --origins")
    k.add_argument("--nearest", type=int, default=None, metavar="K",
                   help="with --origins: only each origin's K nearest destinations in a straight line [all]")
    k.add_argument("--objective", default="fewest-cameras", choices=_OBJECTIVES,
                   help="what each pair's second route minimises [fewest-cameras]")
    k.add_argument("--max-detour", type=float, default=settings.max_detour, help=_DETOUR_HELP)
    k.add_argument("--alternatives", type=int, default=0, metavar="N",
                   help="also N more routes per pair from the length/cameras trade-off set [0]")
    k.add_argument("--cameras", default=None, help=_CAMERAS_HELP)
    k.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 [a LocalCluster here]")
    k.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the LocalCluster [one per core]")
    k.add_argument("--chunk-size", type=int, default=200, metavar="N", help="pairs or tracks per task [200]")
    k.add_argument("--resume", action="store_true",
                   help="continue a stopped run of the same request: keep the chunks already written")
    _add_common(k, out_help="the rows: FILE.parquet (GeoParquet), FILE.csv or FILE.geojson (required)")
