"""Command line: ``python -m exposure route|plan|audit|cameras|network|density|watched|build``, JSON on stdout."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from exposure import settings
from exposure._errors import ExposureError

__all__ = ["build_parser", "main"]


def _progress(msg: str) -> None:
    print(f"… {msg}", file=sys.stderr)


def _add_common(p: argparse.ArgumentParser, *, dataset: bool = True, radius: bool = True,
                out_help: str | None = None) -> None:
    if dataset:
        p.add_argument("--dataset", default="helsinki",
                       help="named dataset (helsinki) or path to an .osm.pbf/.osm extract [helsinki]")
    p.add_argument("--frt-policy", default="default",
                   help="FRT-capability policy: default, all, strict-ptz-dome, or a CSV file [default]")
    p.add_argument("--verification", default="default",
                   help="verification statuses counted: default/any (all), majority, verified, "
                        "or a comma list [default]")
    p.add_argument("--decode-total", default="attachments", choices=["attachments", "n_cameras"],
                   help="Decode Surveillance files: attachments counts each intersection's street + building + "
                        "unknown-mount medians, as Amnesty's published totals do; n_cameras its median total "
                        "count instead (not the published rule) [attachments]")
    if radius:  # only where a camera's view is measured: density and watched count cameras per area
        p.add_argument("--radius-m", type=float, default=None,
                       help="every camera sees a disc of this radius in metres (default: per-kind model)")
    if out_help is None:
        p.add_argument("--out", default=None, help="write the result to this file instead of stdout (says where on "
                                                   "stderr)")
    else:
        p.add_argument("--out", required=True, help=out_help)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (exposed for documentation and tests)."""
    parser = argparse.ArgumentParser(
        prog="exposure",
        description="Surveillance exposure: walking routes past the fewest facial-recognition-capable "
                    "cameras, route audits, camera data and street networks. Works offline.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    r = sub.add_parser("route", help="walking routes from an origin to a destination",
                       description="Walking routes from an origin to a destination: the shortest, the one the "
                                   "objective asks for, and trade-offs between them, with the cameras each passes.")
    r.add_argument("--origin", required=True, help="'lat,lon' or a place name from the dataset")
    r.add_argument("--destination", required=True, help="'lat,lon' or a place name from the dataset")
    r.add_argument("--objective", default="fewest-cameras",
                   choices=["shortest", "fewest-cameras", "least-time-in-view"],
                   help="fewest-cameras: the fewest distinct FRT-capable cameras (exact); least-time-in-view: the "
                        "fewest metres within their view; shortest: the shortest route only; the first two within "
                        "--max-detour [fewest-cameras]")
    r.add_argument("--alternatives", type=int, default=0, metavar="N",
                   help="also return up to N more routes from the trade-off set between length and FRT "
                        "cameras (each the shortest with at most its number of cameras), beyond the shortest "
                        "route and the objective's route [0]")
    r.add_argument("--max-detour", type=float, default=settings.max_detour,
                   help="maximum detour over the shortest route, as a fraction [0.5 = +50 %%]")
    r.add_argument("--cameras", default=None, help="use this camera file instead of the dataset's cameras")
    r.add_argument("--format", default="json", choices=["json", "geojson", "gpx"],
                   help="json: places, settings and routes (see the README); geojson: one line per route; gpx: one "
                        "track per route, for phones [json]")
    _add_common(r)

    _add_plan_parser(sub)

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

    n = sub.add_parser("network", help="export the walking network",
                       description="Export a dataset's walking network as osmnx-compatible GraphML or as GeoJSON "
                                   "(WGS84).")
    n.add_argument("--dataset", default="helsinki", help="named dataset or path to an OSM extract")
    n.add_argument("--format", required=True, choices=["graphml", "geojson"],
                   help="graphml: osmnx-compatible GraphML (needs --out); geojson: street lines (required)")
    n.add_argument("--out", default=None, help="output file (GraphML needs one; GeoJSON defaults to stdout)")
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
    d.add_argument("--cameras", default=None, help="use this camera file instead of the dataset's cameras")
    d.add_argument("--format", default="csv", choices=["csv", "geojson", "json"],
                   help="csv: one row per area; geojson: polygons with the figures; json: rows and settings [csv]")
    _add_common(d, radius=False)
    # with --cameras, the street network is loaded only when --dataset is given (street figures)
    d.set_defaults(dataset=None)
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
    _add_batch(sub)
    return parser


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
    k.add_argument("--objective", default="fewest-cameras", choices=["shortest", "fewest-cameras",
                                                                     "least-time-in-view"],
                   help="what each pair's second route minimises [fewest-cameras]")
    k.add_argument("--max-detour", type=float, default=settings.max_detour,
                   help="maximum detour over the shortest route, as a fraction [0.5 = +50 %%]")
    k.add_argument("--alternatives", type=int, default=0, metavar="N",
                   help="also N more routes per pair from the length/cameras trade-off set [0]")
    k.add_argument("--cameras", default=None, help="use this camera file instead of the dataset's cameras")
    k.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="a running dask.distributed scheduler, e.g. tcp://10.0.0.5:8786 [a LocalCluster here]")
    k.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes of the LocalCluster [one per core]")
    k.add_argument("--chunk-size", type=int, default=200, metavar="N", help="pairs or tracks per task [200]")
    k.add_argument("--resume", action="store_true",
                   help="continue a stopped run of the same request: keep the chunks already written")
    _add_common(k, out_help="the rows: FILE.parquet (GeoParquet), FILE.csv or FILE.geojson (required)")


def _batch(args: argparse.Namespace) -> None:
    from exposure.batch import (  # noqa: PLC0415
        BatchRequest,
        pairs_from_points,
        read_od_points,
        read_pairs,
        run_batch,
        track_files,
    )
    from exposure.datasets import load_dataset  # noqa: PLC0415

    request = BatchRequest(objective=args.objective, max_detour=args.max_detour, alternatives=args.alternatives,
                           frt_policy=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    if args.destinations and not args.origins:
        msg = "--destinations goes with --origins"
        raise ExposureError(msg)
    if args.tracks:
        cameras = _load_cameras(args.cameras, decode_total=args.decode_total).cameras if args.cameras else None
        ds = None if cameras is not None else load_dataset(args.dataset, progress=_progress)
        result = run_batch(ds, tracks=track_files(args.tracks), cameras=cameras, request=request, out=args.out,
                           resume=args.resume, scheduler=args.scheduler, workers=args.workers,
                           chunk_size=args.chunk_size, progress=_progress)
    else:
        ds = load_dataset(args.dataset, progress=_progress)
        if args.cameras:
            loaded = _load_cameras(args.cameras, decode_total=args.decode_total)
            ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
        if args.pairs:
            pairs = read_pairs(args.pairs)
        else:
            if not args.destinations:
                msg = "--origins needs --destinations"
                raise ExposureError(msg)

            def where(text: str) -> tuple[float, float]:
                place = ds.resolve(text)
                return place.lon, place.lat

            pairs = pairs_from_points(read_od_points(args.origins), read_od_points(args.destinations),
                                      nearest=args.nearest, resolve=where)
        result = run_batch(ds, pairs=pairs, request=request, out=args.out, resume=args.resume,
                           scheduler=args.scheduler, workers=args.workers, chunk_size=args.chunk_size,
                           progress=_progress)
    print(f"wrote {args.out}: {len(result.rows):,} rows", file=sys.stderr)
    _emit({**result.summary, "out": str(args.out), "chunks": result.chunks, "chunks_resumed": result.chunks_resumed,
           "workers": result.workers, "settings": {**request.__dict__, "dataset": args.dataset}}, None)
def _add_plan_parser(sub: Any) -> None:
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
    p.add_argument("--regroup-radius", type=float, default=0.0, metavar="M",
                   help="suggest regroup points within this walking distance of the site, fewest cameras first "
                        "[0: none]")
    p.add_argument("--objective", default="fewest-cameras",
                   choices=["shortest", "fewest-cameras", "least-time-in-view"],
                   help="what each way in and out minimises, within the detour; the shortest is always shown beside "
                        "it [fewest-cameras]")
    p.add_argument("--max-detour", type=float, default=settings.max_detour,
                   help="maximum detour over the shortest route, as a fraction [0.5 = +50 %%]")
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


def _plan(args: argparse.Namespace) -> None:
    import time  # noqa: PLC0415

    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.export import plan_to_geojson, plan_to_gpx, plan_to_kml  # noqa: PLC0415
    from exposure.planning import make_plan, read_plan  # noqa: PLC0415

    if args.plan:
        given = [o for o, v in (("--site", args.site), ("--from", args.gathering), ("--to", args.dispersal),
                                ("--via", args.via), ("--avoid", args.avoid), ("--avoid-camera", args.avoid_camera),
                                ("--from-file", args.gathering_file), ("--to-file", args.dispersal_file)) if v]
        if given:
            msg = f"--plan takes the points and avoidances from the file; leave out {', '.join(given)}"
            raise ExposureError(msg)
        request = read_plan(args.plan)
        ds = load_dataset(args.dataset or request.dataset or "helsinki", progress=_progress)
    else:
        ds = load_dataset(args.dataset or "helsinki", progress=_progress)
        request = _plan_request(args, ds)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    started = time.perf_counter()
    plan = make_plan(ctx, request, cameras=ds.cameras, time_limit_s=args.time_limit)
    print(f"… planned {len(plan.journeys)} journeys in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    for note in plan.notes:
        print(f"note: {note}", file=sys.stderr)
    for journey in plan.journeys:
        if not journey.feasible:
            print(f"warning: no route from {journey.stops[0].name} to {journey.stops[-1].name} avoids everything "
                  f"asked; the least-bad one {'; '.join(journey.breaks)}", file=sys.stderr)
    if args.format == "pdf":
        from exposure.cards import data_date, plan_cards_pdf  # noqa: PLC0415

        pdf = plan_cards_pdf(plan, index=ds.index, basemap=ds.basemap, when=data_date(ds), cameras=ds.cameras)
        if args.out:
            Path(args.out).write_bytes(pdf)
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(pdf)
            sys.stdout.flush()
    elif args.format == "gpx":
        _emit(plan_to_gpx(plan), args.out)
    elif args.format == "kml":
        _emit(plan_to_kml(plan), args.out)
    elif args.format == "geojson":
        _emit(plan_to_geojson(plan), args.out)
    else:
        _emit(plan.to_dict(), args.out)


def _plan_request(args: argparse.Namespace, ds: Any) -> Any:
    """The request the options describe: places resolved in the dataset, areas read, cameras named."""
    from exposure.planning import (  # noqa: PLC0415
        Avoidance,
        PlanPoint,
        PlanRequest,
        area_around,
        areas_from_geojson,
        read_points,
    )

    if not args.site:
        msg = "plan needs --site (the protest site), or --plan FILE"
        raise ExposureError(msg)

    def place(text: str) -> Any:
        return PlanPoint.from_place(ds.resolve(text))

    def from_file(path: str | None) -> list[Any]:
        if not path:
            return []
        loaded = read_points(path)
        for row, reason in loaded.rejected:
            print(f"{path}: row {row} left out: {reason}", file=sys.stderr)
        return list(loaded.points)

    areas = []
    for spec in args.avoid:
        parts = spec.split(",")
        if not Path(spec).is_file() and len(parts) == 3:
            try:
                lat, lon, radius = (float(v) for v in parts)
            except ValueError as err:
                msg = f"--avoid {spec!r}: give a GeoJSON file or 'lat,lon,radius_m' (three numbers)"
                raise ExposureError(msg) from err
            areas.append(area_around(lat, lon, radius, name=f"{radius:g} m around {lat:.5f}, {lon:.5f}"))
        else:
            areas.extend(areas_from_geojson(spec))
    return PlanRequest(
        site=place(args.site),
        gathering=tuple([place(t) for t in args.gathering] + from_file(args.gathering_file)),
        dispersal=tuple([place(t) for t in args.dispersal] + from_file(args.dispersal_file)),
        via=tuple(place(t) for t in args.via),
        avoid=Avoidance(areas=tuple(areas), cameras=tuple(args.avoid_camera), no_frt_cameras=args.no_frt_cameras),
        objective=args.objective, max_detour=args.max_detour, regroup_radius_m=args.regroup_radius,
        dataset=ds.name,
    )


def _emit(result: str | dict[str, Any] | list[Any], out: str | None) -> None:
    from exposure.export import write_output  # noqa: PLC0415 - keeps --help fast

    write_output(result, out)
    if out is not None:  # every command says where its file went
        print(f"wrote {out}", file=sys.stderr)


def _local_file(path: str) -> str:
    """The local path of a camera file; a URL, or ``decode-nyc`` for Amnesty's file, is downloaded once (asked for)."""
    from exposure.downloads import DECODE_NYC_URL, fetch_camera_file, is_url  # noqa: PLC0415

    source = DECODE_NYC_URL if path == "decode-nyc" else path
    return str(fetch_camera_file(source, progress=_progress)) if is_url(source) else source


def _load_cameras(path: str, *, decode_total: str = "attachments") -> Any:
    """Load a camera file (see :func:`_local_file`), reporting rejected rows on stderr."""
    from exposure.cameras import load_cameras  # noqa: PLC0415

    loaded = load_cameras(_local_file(path), decode_total=decode_total)
    _report_rejected(loaded.rejected, path)
    return loaded


def _report_rejected(rejected: Any, source: str) -> None:
    if len(rejected):
        print(f"{source}: {len(rejected)} row(s) rejected or corrected:", file=sys.stderr)
        for rec in rejected.head(50).itertuples(index=False):
            print(f"  row {rec.row}, column {rec.column}: {rec.reason}", file=sys.stderr)
        if len(rejected) > 50:
            print(f"  … and {len(rejected) - 50} more", file=sys.stderr)


def _route(args: argparse.Namespace) -> None:
    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.export import routes_to_geojson, routes_to_gpx  # noqa: PLC0415
    from exposure.routing import routes  # noqa: PLC0415

    ds = load_dataset(args.dataset, progress=_progress)
    if args.cameras:
        loaded = _load_cameras(args.cameras, decode_total=args.decode_total)
        ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    origin, destination = ds.resolve(args.origin), ds.resolve(args.destination)
    found = routes(ctx, origin.node, destination.node, objective=args.objective,
                   max_detour=args.max_detour, alternatives=args.alternatives)
    used = {**ctx.settings, "objective": args.objective, "max_detour": args.max_detour,
            "walk_speed_m_per_min": settings.walk_speed_m_per_min}
    if args.format == "gpx":
        _emit(routes_to_gpx(found), args.out)
    elif args.format == "geojson":
        _emit(routes_to_geojson(found, settings=used), args.out)
    else:
        _emit({"origin": origin.to_dict(), "destination": destination.to_dict(), "settings": used,
               "routes": [r.to_dict() for r in found]}, args.out)


def _audit(args: argparse.Namespace) -> None:
    from exposure.audit import audit_track, read_track  # noqa: PLC0415
    from exposure.export import audit_per_camera_csv, audit_to_json, audit_tracks_csv  # noqa: PLC0415

    ds = None
    if args.cameras:
        cameras = _load_cameras(args.cameras, decode_total=args.decode_total).cameras
    else:
        from exposure.datasets import load_dataset  # noqa: PLC0415

        ds = load_dataset(args.dataset, progress=_progress)
        cameras = ds.cameras
    track = read_track(args.track)
    result = audit_track(track, cameras, frt_policy=args.frt_policy, verification=args.verification,
                         radius_m=args.radius_m)
    if args.format == "csv":
        _emit(audit_tracks_csv(result) if args.table == "tracks" else audit_per_camera_csv(result), args.out)
    else:
        out = audit_to_json(result)
        if args.compare:
            out["compare"] = _compare_walks(args, ds, cameras, result, track)
        _emit(out, args.out)
    for note in result.notes:
        print(f"{args.track}: {note}", file=sys.stderr)


def _compare_walks(args: argparse.Namespace, ds: Any, cameras: Any, result: Any, track: Any) -> list[Any]:
    """Each track beside the fewest-camera route between its ends, counted as the audit counted."""
    from exposure._tables import json_safe  # noqa: PLC0415
    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.planning import walk_alternatives  # noqa: PLC0415

    if ds is None:
        ds = load_dataset(args.dataset, progress=_progress).with_cameras(cameras, cameras.iloc[:0],
                                                                         source=args.cameras)
    if not ds.covers(track.coordinates[:, 0], track.coordinates[:, 1]).any():
        msg = f"--compare: {args.track} lies outside dataset {args.dataset!r}; give --dataset for where it was walked"
        raise ExposureError(msg)
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, radius_m=args.radius_m)
    return [json_safe(c.to_dict()) for c in walk_alternatives(ctx, result, track)]


def _cameras(args: argparse.Namespace) -> None:
    from exposure.cameras import cameras_to_csv, cameras_to_geojson, select_cameras  # noqa: PLC0415

    if args.summary:
        _decode_summary(args)
        return
    if args.source:
        cameras = _load_cameras(args.source, decode_total=args.decode_total).cameras
    else:
        from exposure.datasets import load_dataset  # noqa: PLC0415

        ds = load_dataset(args.dataset, progress=_progress)
        _report_rejected(ds.rejected, ds.source)
        cameras = ds.cameras
    selected = select_cameras(cameras, frt_policy=args.frt_policy, verification=args.verification)
    if args.format == "csv":
        _emit(cameras_to_csv(selected) or "", args.out)
    elif args.format == "geojson":
        _emit(cameras_to_geojson(selected), args.out)
    else:
        records = json.loads(selected.to_json(orient="records"))
        _emit(records, args.out)


def _decode_summary(args: argparse.Namespace) -> None:
    from exposure.sources.decode import decode_summary  # noqa: PLC0415

    if not args.source:
        msg = "--summary needs --source: a Decode Surveillance counts_per_intersections.csv (or decode-nyc)"
        raise ExposureError(msg)
    if args.format == "geojson":
        msg = "--summary gives a table per borough; use --format csv or --format json"
        raise ExposureError(msg)
    table = decode_summary(_local_file(args.source), total=args.decode_total, verification=args.verification)
    if table.attrs["rejected_rows"]:
        print(f"{args.source}: {table.attrs['rejected_rows']} row(s) rejected; `exposure cameras --source` lists them",
              file=sys.stderr)
    if args.format == "csv":
        from exposure._tables import neutralise_formulas  # noqa: PLC0415

        _emit(neutralise_formulas(table).to_csv(index=False, lineterminator="\n"), args.out)
    else:
        _emit({"source": args.source, "decode_total": args.decode_total, "method": table.attrs["method"],
               "verification": table.attrs["verification"], "rows": table.to_dict(orient="records")}, args.out)


def _network(args: argparse.Namespace) -> None:
    from exposure.datasets import load_dataset  # noqa: PLC0415
    from exposure.network import graph_to_geojson, save_graphml  # noqa: PLC0415

    ds = load_dataset(args.dataset, progress=_progress)
    if args.format == "graphml":
        if not args.out:
            msg = "--format graphml needs --out FILE.graphml"
            raise ExposureError(msg)
        save_graphml(ds.G, args.out)
        print(f"wrote {Path(args.out)} ({ds.G.number_of_nodes():,} nodes, {ds.G.number_of_edges():,} edges)",
              file=sys.stderr)
    else:
        _emit(graph_to_geojson(ds.G), args.out)


def _density(args: argparse.Namespace) -> None:
    from exposure.areas import (  # noqa: PLC0415
        density_by_area,
        density_to_csv,
        density_to_geojson,
        named_areas,
    )
    from exposure.datasets import load_dataset  # noqa: PLC0415

    if args.cameras and args.dataset is None:
        # no street network: street columns are NaN, and nothing but the camera file is read
        table = _density_without_dataset(args)
        settings_used = table.attrs["settings"]
    else:
        from exposure.cameras import load_extent  # noqa: PLC0415

        ds = load_dataset(args.dataset or "helsinki", progress=_progress)
        if args.cameras:
            loaded = _load_cameras(args.cameras, decode_total=args.decode_total)
            ds = ds.with_cameras(loaded.cameras, loaded.rejected, source=args.cameras, extent=load_extent(loaded))
        ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification)
        # cameras are counted per area, not by what they see: the coverage model plays no part
        settings_used = {k: v for k, v in ctx.settings.items() if k != "coverage"}
        areas = _read_density_areas(args, lambda: named_areas(args.areas, ds))
        table = density_by_area(areas, ds.cameras, counted=ctx.exposure.counted, frt=ctx.exposure.frt,
                                index=ds.index, settings=settings_used, extent=ds.extent)
    if args.format == "csv":
        _emit(density_to_csv(table), args.out)
    elif args.format == "geojson":
        _emit(density_to_geojson(table), args.out)
    else:
        records = density_to_geojson(table)
        _emit({"settings": settings_used, "areas": args.areas, "note": table.attrs.get("note", ""),
               "effective": table.attrs.get("effective", ""), "extent": table.attrs.get("extent", ""),
               "no_camera_data": table.attrs.get("no_camera_data", 0),
               "rows": [f["properties"] for f in records["features"]]}, args.out)


def _read_density_areas(args: argparse.Namespace, named: Any) -> Any:
    from exposure.areas import read_areas  # noqa: PLC0415

    if Path(args.areas).suffix.lower() in {".geojson", ".json", ".gpkg", ".shp"} or Path(args.areas).is_file():
        areas = read_areas(args.areas, id_column=args.id_column, name_column=args.name_column)
        for rec in areas.attrs.get("rejected", []):
            print(f"{args.areas}: feature {rec['feature']}: {rec['reason']}", file=sys.stderr)
        return areas
    return named()


def _density_without_dataset(args: argparse.Namespace) -> Any:
    """Density of a camera file alone: policies applied to the file, H3 cells over its cameras."""
    selected, settings_used, extent = _file_cameras(args)
    return _file_density(args, selected, settings_used, args.areas, extent=extent)


def _file_cameras(args: argparse.Namespace) -> tuple[Any, dict[str, Any], Any]:
    """The cameras of ``--cameras`` under the policies (with ``frt_capable``), what was counted, where it looked."""
    from exposure.cameras import describe_policies, load_extent, select_cameras  # noqa: PLC0415

    loaded = _load_cameras(args.cameras, decode_total=args.decode_total)
    selected = select_cameras(loaded.cameras, frt_policy=args.frt_policy, verification=args.verification)
    settings_used = {**describe_policies(args.frt_policy, args.verification), "cameras": args.cameras}
    if loaded.cameras["source"].eq("decode").any():
        settings_used["decode_total"] = args.decode_total
    return selected, settings_used, load_extent(loaded)


def _file_density(args: argparse.Namespace, selected: Any, settings_used: dict[str, Any], areas_spec: str, *,
                  extent: Any = None) -> Any:
    import numpy as np  # noqa: PLC0415

    from exposure.areas import density_by_area, named_areas  # noqa: PLC0415

    lon, lat = selected["lon"].to_numpy(dtype=float), selected["lat"].to_numpy(dtype=float)
    bounds = (lon.min(), lat.min(), lon.max(), lat.max()) if len(selected) else None
    if bounds is None and areas_spec.strip().lower().startswith("h3:"):
        msg = f"{args.cameras}: no camera is counted, so there is no box to cover with H3 cells"
        raise ExposureError(msg)
    if areas_spec == args.areas:
        areas = _read_density_areas(args, lambda: named_areas(areas_spec, bounds=bounds) if bounds is not None
                                    else named_areas(areas_spec))
    else:
        areas = named_areas(areas_spec)
    return density_by_area(areas, selected, counted=np.ones(len(selected), dtype=bool),
                           frt=selected["frt_capable"].to_numpy(dtype=bool), settings=settings_used, extent=extent)


def _watched(args: argparse.Namespace) -> None:
    from exposure.watched import amnesty_model, watched_analysis  # noqa: PLC0415

    args.id_column, args.name_column = None, None  # the areas are named NYC sets, never a file
    selected, settings_used, extent = _file_cameras(args)
    table = _file_density(args, selected, settings_used, args.areas, extent=extent)
    result = watched_analysis(table, measure=args.measure, min_population=args.min_population)
    if args.format == "csv":
        _emit(result.rows_to_csv(), args.out)
        return
    # Amnesty's model at the finest areas with demographics, whatever --areas compares
    finest = table if args.areas == "nyc-nta" else _file_density(args, selected, settings_used, "nyc-nta",
                                                                 extent=extent)
    model = amnesty_model(finest, frt_only=args.measure.startswith("frt_"), min_population=args.min_population)
    _emit({**result.to_dict(), "amnesty_model": model.to_dict()}, args.out)


def _build_dataset(args: argparse.Namespace) -> None:
    from exposure import online  # noqa: PLC0415

    if args.dist_m is not None and not args.point:
        msg = "--dist-m only applies to --point LAT,LON"
        raise ExposureError(msg)
    if args.pbf:
        print(f"Building {args.name} offline from {args.pbf}", file=sys.stderr)
        ds = online.build_from_pbf(args.pbf, name=args.name, cameras=args.cameras, progress=_progress)
    else:
        if args.place:
            area = online.Area("place", place=args.place)
        elif args.bbox:
            area = online.Area("bbox", bbox=online.parse_bbox(args.bbox))
        else:
            area = online.Area("point", point=online.parse_point(args.point),
                               dist_m=1500.0 if args.dist_m is None else args.dist_m)
        online.check_dataset_name(args.name)
        print(f"note: {online.PRIVACY_NOTICE} Offline instead: exposure build --name {args.name} --pbf FILE.osm.pbf",
              file=sys.stderr)
        ds = online.build_online(area, name=args.name, names=args.names, cameras=args.cameras,
                                 progress=_progress)
    _report_rejected(ds.rejected, ds.source)
    _emit({**ds.summary(), "saved": ds.info.get("saved")}, None)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 2 bad input)."""
    args = build_parser().parse_args(argv)
    handlers = {"route": _route, "plan": _plan, "audit": _audit, "cameras": _cameras, "network": _network,
                "density": _density, "build": _build_dataset, "watched": _watched, "batch": _batch}
    try:
        handlers[args.command](args)
    except (ExposureError, ValueError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
