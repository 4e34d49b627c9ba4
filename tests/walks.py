"""Walks and cameras laid out in metres around central Helsinki, and GPX text, for the audit tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
from hypothesis import strategies as st

from exposure.audit import Track
from exposure.cameras import CAMERA_COLUMNS
from exposure.crs import local_crs

ORIGIN = (24.94, 60.17)  # lon, lat: central Helsinki, well inside UTM zone 35
CRS = local_crs(*ORIGIN)
TO_XY = pyproj.Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
TO_LONLAT = pyproj.Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
X0, Y0 = TO_XY.transform(*ORIGIN)


def lonlat(dx: float, dy: float) -> tuple[float, float]:
    """The (lon, lat) of a point ``dx`` metres east and ``dy`` north of the origin."""
    lon, lat = TO_LONLAT.transform(X0 + dx, Y0 + dy)
    return float(lon), float(lat)


def cameras_at(rows: list[dict]) -> pd.DataFrame:
    """A camera table; each row gives ``dx``, ``dy`` and optionally any schema column."""
    records = []
    for number, row in enumerate(rows, start=1):
        lon, lat = lonlat(row["dx"], row["dy"])
        record = {
            "camera_id": row.get("camera_id", f"test:{number}"), "lon": lon, "lat": lat,
            "source": "test", "kind": "fixed", "mount": "street", "operator": "unknown",
            "direction_deg": np.nan, "fov_deg": np.nan, "height_m": np.nan,
            "verification": "verified", "agreement": "", "reports": 1, "observed": None, "frt_tier": "medium",
        }
        record.update({k: v for k, v in row.items() if k in CAMERA_COLUMNS and k not in ("lon", "lat")})
        records.append(record)
    return pd.DataFrame(records, columns=list(CAMERA_COLUMNS))


def line_track(points_m: list[tuple[float, float]], *, seconds: list[float] | None = None) -> Track:
    coords = np.array([lonlat(dx, dy) for dx, dy in points_m])
    times = None
    if seconds is not None:
        times = np.datetime64("2024-05-01T10:00:00", "s") + np.array(seconds).astype("timedelta64[s]")
    return Track(coordinates=coords, times=times, name="test", source="test")


STRAIGHT = [(-100.0, 0.0), (-50.0, 0.0), (0.0, 0.0), (50.0, 0.0), (100.0, 0.0)]


@st.composite
def scenes(draw: st.DrawFn) -> tuple[Track, pd.DataFrame]:
    coordinate = st.floats(-300, 300, allow_nan=False)
    points = draw(st.lists(st.tuples(coordinate, coordinate), min_size=2, max_size=8))
    if len({(round(x, 6), round(y, 6)) for x, y in points}) < 2:
        points = [*points, (points[0][0] + 1.0, points[0][1])]
    rows = draw(st.lists(st.fixed_dictionaries({
        "dx": coordinate, "dy": coordinate,
        "kind": st.sampled_from(["ptz", "dome", "fixed", "unknown"]),
        "mount": st.sampled_from(["street", "building", "unknown"]),
        "operator": st.sampled_from(["public", "private", "unknown"]),
        "direction_deg": st.one_of(st.just(np.nan), st.floats(0, 360)),
        "fov_deg": st.one_of(st.just(np.nan), st.floats(1, 360)),
    }), max_size=12))
    return line_track(points), cameras_at(rows)


GPX_HEAD = '<?xml version="1.0"?>\n<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">'


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def gpx_of(tracks: list[list[list[tuple[float, float, int | None]]]], names: list[str] | None = None) -> str:
    """A GPX file: tracks of segments of (dx, dy, seconds or None) points."""
    out = [GPX_HEAD]
    for i, segments in enumerate(tracks):
        out.append("<trk>" + (f"<name>{names[i]}</name>" if names else ""))
        for segment in segments:
            out.append("<trkseg>")
            for dx, dy, sec in segment:
                lon, lat = lonlat(dx, dy)
                stamp = "" if sec is None else f"<time>2024-05-01T10:{sec // 60:02d}:{sec % 60:02d}Z</time>"
                out.append(f'<trkpt lat="{lat:.9f}" lon="{lon:.9f}">{stamp}</trkpt>')
            out.append("</trkseg>")
        out.append("</trk>")
    return "".join(out) + "</gpx>"


def pt(lat: str, lon: str, time: str | None = None) -> str:
    return f'<trkpt lat="{lat}" lon="{lon}">' + (f"<time>{time}</time>" if time else "") + "</trkpt>"

