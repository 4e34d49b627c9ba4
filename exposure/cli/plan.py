"""The ``plan`` command: a protest plan from gathering points to a site and out again, or again from a plan file."""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from exposure import datasets, settings
from exposure._errors import ExposureError
from exposure.cli._common import emit, progress, say
from exposure.export import plan_to_geojson, plan_to_gpx, plan_to_kml
from exposure.planning import (
    Avoidance,
    AvoidArea,
    Plan,
    PlanPoint,
    PlanRequest,
    PointFailure,
    area_around,
    areas_from_geojson,
    keep_order,
    make_plan,
    point_from_text,
    points_from_text,
    read_plan,
    read_points,
)
from exposure.review import reviewed_dataset

__all__ = ["plan"]


def plan(args: argparse.Namespace) -> None:
    """``exposure plan``: every way in and out, with totals, as JSON (a plan file), GeoJSON, GPX, KML or PDF."""
    failures: tuple[PointFailure, ...] = ()
    if args.plan:
        _check_nothing_beside_the_plan_file(args)
        request = read_plan(args.plan)
        ds = datasets.load_dataset(args.dataset or request.dataset or "helsinki", progress=progress)
    else:
        ds = datasets.load_dataset(args.dataset or "helsinki", progress=progress)
        request, failures = _plan_request(args, ds)
    ds = reviewed_dataset(ds, args.store)
    # what a camera sees: the options' model and level, else the plan file's, else the default; the plan file
    # keeps them by name, so that it is planned the same way again whatever the default becomes
    request = replace(request, coverage_model=args.coverage_model or request.coverage_model or settings.coverage_model,
                      level=args.level or request.level or settings.coverage_level)
    chosen = {"radius_m": args.radius_m, "coverage_model": request.coverage_model, "level": request.level}
    ctx = ds.context(frt_policy_spec=args.frt_policy, verification=args.verification, **chosen)
    started = time.perf_counter()
    made = make_plan(ctx, request, cameras=ds.cameras, time_limit_s=args.time_limit, failures=failures,
                     extent=ds.extent, views=ds.viewsheds(**chosen))
    say(f"… planned {len(made.journeys)} journeys in {time.perf_counter() - started:.1f} s")
    for failure in made.failures:
        say(f"warning: {failure.describe()}; left out of the plan, the other points are planned")
    for note in made.notes:
        say(f"note: {note}")
    if made.counting is not None and made.counting.notice:
        say(f"note: {made.counting.notice}")
    for journey in made.journeys:
        if not journey.feasible:
            say(f"warning: no route from {journey.stops[0].name} to {journey.stops[-1].name} avoids everything "
                f"asked; keeping first {', '.join(made.request.keep_order)}, it relaxes "
                f"{', '.join(journey.relaxed)}: the least-bad one {'; '.join(journey.breaks)}")
    _write_plan(args, made, ds)


def _check_nothing_beside_the_plan_file(args: argparse.Namespace) -> None:
    given = [o for o, v in (("--site", args.site), ("--from", args.gathering), ("--to", args.dispersal),
                            ("--via", args.via), ("--avoid", args.avoid), ("--avoid-camera", args.avoid_camera),
                            ("--from-file", args.gathering_file), ("--to-file", args.dispersal_file),
                            ("--keep-order", args.keep_order)) if v]
    if given:
        msg = f"--plan takes the points and avoidances from the file; leave out {', '.join(given)}"
        raise ExposureError(msg)


def _write_plan(args: argparse.Namespace, made: Plan, ds: datasets.Dataset) -> None:
    if args.format == "pdf":
        _write_cards(args, made, ds)
    elif args.format == "gpx":
        emit(plan_to_gpx(made), args.out)
    elif args.format == "kml":
        emit(plan_to_kml(made), args.out)
    elif args.format == "geojson":
        emit(plan_to_geojson(made), args.out)
    else:
        emit(made.to_dict(), args.out)


def _write_cards(args: argparse.Namespace, made: Plan, ds: datasets.Dataset) -> None:
    """The printable route cards, to ``--out`` or as bytes on stdout."""
    # cards draws with matplotlib, slow to import: only --format pdf loads it
    from exposure.cards import data_date, plan_cards_pdf  # noqa: PLC0415 - matplotlib only for a PDF

    pdf = plan_cards_pdf(made, index=ds.index, basemap=ds.basemap, when=data_date(ds), cameras=ds.cameras)
    if args.out:
        Path(args.out).write_bytes(pdf)
        say(f"wrote {args.out}")
    else:
        sys.stdout.buffer.write(pdf)
        sys.stdout.flush()


def _plan_request(args: argparse.Namespace, ds: datasets.Dataset) -> tuple[PlanRequest, tuple[PointFailure, ...]]:
    """The request the options describe (places resolved in the dataset, areas read, cameras named).

    A gathering or dispersal point not found is left out and returned with why;
    the site and the via points, which every way in needs, must be found.
    """
    if not args.site:
        msg = "plan needs --site (the protest site), or --plan FILE"
        raise ExposureError(msg)

    def place(text: str) -> PlanPoint:
        # "name | lat,lon" names a point of one's own, as on the Protest plan page
        return point_from_text(text, ds.resolve)

    areas = _avoid_areas(args.avoid)
    site, via = place(args.site), tuple(place(t) for t in args.via)
    gathering, missing_in = points_from_text(args.gathering, ds.resolve, role="gathering")
    dispersal, missing_out = points_from_text(args.dispersal, ds.resolve, role="dispersal")
    return PlanRequest(
        site=site,
        gathering=gathering + tuple(_points_file(args.gathering_file)),
        dispersal=dispersal + tuple(_points_file(args.dispersal_file)),
        via=via,
        avoid=Avoidance(areas=areas, cameras=tuple(args.avoid_camera),
                        no_frt_cameras=args.no_frt_cameras),
        objective=args.objective, max_detour=args.max_detour, regroup_radius_m=args.regroup_radius,
        dataset=ds.name, keep_order=keep_order(args.keep_order, where="--keep-order"),
    ), missing_in + missing_out


def _points_file(path: str | None) -> list[PlanPoint]:
    """The points of ``--from-file``/``--to-file``; the rows left out are said on stderr."""
    if not path:
        return []
    loaded = read_points(path)
    for row, reason in loaded.rejected:
        say(f"{path}: row {row} left out: {reason}")
    return list(loaded.points)


def _avoid_areas(specs: list[str]) -> tuple[AvoidArea, ...]:
    """The areas of every ``--avoid``: a GeoJSON file, or ``lat,lon,radius_m``."""
    areas: list[AvoidArea] = []
    for spec in specs:
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
    return tuple(areas)
