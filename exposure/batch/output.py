"""A batch's rows as files (GeoParquet, CSV, GeoJSON) and its headline figures."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from exposure._errors import BatchError
from exposure._tables import neutralise_formulas

__all__ = ["output_format", "rows_to_bytes", "summarise", "write_rows"]

_FORMAT_OF_SUFFIX = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".geojson": "geojson",
                     ".json": "geojson"}


def summarise(rows: pd.DataFrame, *, seconds: float, routes: bool = True) -> dict[str, Any]:
    """Headline figures of a batch: pairs, routes, errors, cameras on the shortest and the best route."""
    if not routes:
        ok = rows[rows["error"].isna()] if "error" in rows else rows
        return {"tracks": len(rows), "errors": int(rows["error"].notna().sum()) if "error" in rows else 0,
                "frt_cameras_median": float(ok["frt_cameras"].median()) if len(ok) else None,
                "seconds": round(seconds, 2)}
    errors = rows[rows["error"].notna()]
    ok = rows[rows["error"].isna()]
    shortest = ok[ok["label"] == "shortest"].set_index("pair_id")["frt_cameras"]
    best = ok[ok["label"] != "shortest"].groupby("pair_id")["frt_cameras"].min()
    best = best.reindex(shortest.index).fillna(shortest)
    avoided = (shortest - best).astype(float)
    pairs = rows["pair_id"].nunique()
    return {
        "pairs": int(pairs), "routes": len(ok), "pairs_with_errors": int(errors["pair_id"].nunique()),
        "frt_cameras_shortest_median": float(shortest.median()) if len(shortest) else None,
        "frt_cameras_best_median": float(best.median()) if len(best) else None,
        "frt_cameras_avoided_mean": round(float(avoided.mean()), 2) if len(avoided) else None,
        "not_proven": int((ok["optimal"] == False).sum()),  # noqa: E712 - a column of True/False/None
        "seconds": round(seconds, 2), "pairs_per_second": round(pairs / seconds, 2) if seconds > 0 else None,
    }


def rows_to_bytes(rows: pd.DataFrame, fmt: str) -> bytes:
    """A batch's rows as a file's bytes: ``parquet`` (GeoParquet, WGS84 LineStrings), ``csv`` or ``geojson``.

    CSV carries the geometry as WKT in ``geometry_wkt``, and text cells a
    spreadsheet would run as a formula are neutralised.
    """
    geometry = [shapely.LineString(c) if isinstance(c, (list, np.ndarray)) and len(c) >= 2 else None
                for c in rows.get("coordinates", pd.Series([None] * len(rows)))]
    table = gpd.GeoDataFrame(rows.drop(columns=["coordinates"], errors="ignore"), geometry=geometry,
                             crs="EPSG:4326")
    if fmt == "parquet":
        buffer = io.BytesIO()
        table.to_parquet(buffer, index=False)
        return buffer.getvalue()
    if fmt == "csv":
        frame = pd.DataFrame(table.drop(columns="geometry"))
        frame["geometry_wkt"] = [g.wkt if g is not None else "" for g in table.geometry]
        text: str = neutralise_formulas(frame).to_csv(index=False)
        return text.encode("utf-8")
    if fmt == "geojson":
        geojson: str = table.to_json(na="null", show_bbox=False, drop_id=True)
        return geojson.encode("utf-8")
    msg = f"unknown batch output format {fmt!r}; use parquet, csv or geojson"
    raise BatchError(msg)


def output_format(out: str | Path) -> str:
    """The format :func:`write_rows` writes ``out`` in, from its suffix: ``parquet``, ``csv`` or ``geojson``.

    Raises
    ------
    BatchError
        When the suffix names none of them.
    """
    fmt = _FORMAT_OF_SUFFIX.get(Path(out).suffix.lower())
    if fmt is None:
        msg = f"cannot write {out}: give a .parquet (GeoParquet), .csv or .geojson file"
        raise BatchError(msg)
    return fmt


def write_rows(rows: pd.DataFrame, out: Path) -> None:
    """Write a batch's rows to ``out``, in the format its suffix names (see :func:`rows_to_bytes`)."""
    fmt = output_format(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(rows_to_bytes(rows, fmt))
    tmp.replace(out)
