"""Places: 'lat,lon' and offline names resolve to street nodes, with clear errors otherwise."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exposure._errors import PlaceError
from exposure.datasets import load_dataset
from exposure.places import normalise_name, parse_lat_lon, place_table, search_options
from tests.hostile import one_line, outcome


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.mark.parametrize(("query", "name"), [
    ("Senaatintori", "Senaatintori"),
    ("Rautatientori", "Rautatientori"),
    ("  rautatientori ", "Rautatientori"),
    ("Kauppatori", "Kauppatori"),
    ("Pohjoisesplanadi", "Pohjoisesplanadi"),
])
def test_names_resolve_within_the_dataset(helsinki, query: str, name: str) -> None:
    place = helsinki.resolve(query)
    assert place.name == name
    west, south, east, north = helsinki.summary()["bounds"]
    assert west <= place.lon <= east
    assert south <= place.lat <= north
    assert place.snap_m < 100


def test_senaatintori_is_near_the_square(helsinki) -> None:
    # the Senate Square is around 60.1693 N, 24.9522 E
    place = helsinki.resolve("Senaatintori")
    assert abs(place.lat - 60.1693) < 0.002
    assert abs(place.lon - 24.9522) < 0.004


def test_lat_lon_snaps_to_the_nearest_node(helsinki) -> None:
    place = helsinki.resolve("60.1699, 24.9384")
    node_lon, node_lat = helsinki.index.node_lonlat[place.node]
    assert abs(node_lon - 24.9384) < 0.002
    assert abs(node_lat - 60.1699) < 0.002


def test_unknown_name_lists_close_matches(helsinki) -> None:
    with pytest.raises(PlaceError, match=r"no place called 'Senaattori'.*Close matches: .*Senaatintori"):
        helsinki.resolve("Senaattori")


def test_far_point_is_refused(helsinki) -> None:
    with pytest.raises(PlaceError, match=r"from the nearest street of this dataset"):
        helsinki.resolve("60.30,25.10")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_place(helsinki, text: str) -> None:
    with pytest.raises(PlaceError, match="empty place"):
        helsinki.resolve(text)


def test_out_of_range_coordinates() -> None:
    with pytest.raises(PlaceError, match="latitude must be within"):
        parse_lat_lon("95.0,24.9")


def test_normalise_name_ignores_case_accents_and_spaces() -> None:
    assert normalise_name("  Ympyrä\ttalo ") == normalise_name("ympyra talo")


@given(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
def test_parse_lat_lon_round_trips(lat: float, lon: float) -> None:
    assert parse_lat_lon(f"{lat:.6f},{lon:.6f}") == pytest.approx((round(lat, 6), round(lon, 6)))


def test_place_table_keeps_one_point_per_name_on_a_feature() -> None:
    named = [("Tori", 24.0, 60.0, "a"), ("Tori", 24.002, 60.0, "b"), ("tori ", 24.001, 60.0, "c"),
             ("Katu", 25.0, 61.0, "d")]
    table = place_table(named)
    assert sorted(table["key"]) == ["katu", "tori"]
    tori = table[table["key"] == "tori"].iloc[0]
    assert (tori["lon"], tori["lat"]) == (24.001, 60.0)  # the feature nearest the middle
    assert tori["features"] == 3


@pytest.mark.parametrize("query", ["★ Narinkkatori (Kamppi)", "Narinkkatori (Kamppi)", " narinkkatori (KAMPPI) "])
def test_a_preset_resolves_by_its_label_and_keeps_its_name(helsinki, query: str) -> None:
    place = helsinki.resolve(query)
    assert place.name == "Narinkkatori (Kamppi)"
    assert (place.lat, place.lon) == (60.16934, 24.93628)
    assert place.query == query.strip()


def test_presets_of_a_dataset_without_a_file_are_none(tmp_path, monkeypatch) -> None:
    from exposure import settings
    from exposure.places import read_presets

    monkeypatch.setattr(settings, "presets_folder", tmp_path)
    assert read_presets("helsinki").empty
    (tmp_path / "bad.csv").write_text("title,lat\nx,1\n")
    with pytest.raises(PlaceError, match=r"bad\.csv lacks the column\(s\) name, lon"):
        read_presets("bad")


def test_the_cli_takes_a_preset_by_name(capsys) -> None:
    import json

    from exposure.cli import main

    assert main(["route", "--origin", "Narinkkatori (Kamppi)", "--destination", "Kauppatori",
                 "--objective", "shortest"]) == 0
    assert json.loads(capsys.readouterr().out)["origin"]["name"] == "Narinkkatori (Kamppi)"


# --- hostile place strings (issue 12) ------------------------------------------------------------


def test_place_text_longer_than_the_limit_is_refused(helsinki) -> None:
    text = "Senaatintori" * 1000
    with pytest.raises(PlaceError, match=r"a place of 12,000 characters \('SenaatintoriSenaatintori.*'…\), over the "
                                         r"limit of 200 \(exposure\.settings\.max_place_chars\)"):
        helsinki.resolve(text)
    with pytest.raises(PlaceError, match=r"over the limit of 200"):
        parse_lat_lon("60.1" + " " * 100_000 + "x")


def test_lat_lon_pattern_is_linear_on_long_runs_of_spaces(monkeypatch) -> None:
    from exposure import settings as exposure_settings

    monkeypatch.setattr(exposure_settings, "max_place_chars", 10_000_000)
    assert parse_lat_lon("60.1" + " " * 200_000 + "x") is None  # a quadratic pattern took minutes here
    assert parse_lat_lon("60.1" + " " * 1000 + "24.9") == (60.1, 24.9)
    assert parse_lat_lon("60.1 ; 24.9") == (60.1, 24.9)


@given(st.text(max_size=60) | st.sampled_from(["60.17,24.94", "91,0", "1e400,0", "nan,nan", "★ Kauppatori",
                                               "<script>alert(1)</script>", "=HYPERLINK(\"x\")", "\x00", "\u202eabc"]))
def test_any_place_text_resolves_or_is_one_place_error(helsinki, text: str) -> None:
    _, message = outcome(lambda: helsinki.resolve(text), PlaceError)
    assert one_line(message) or "\n" in text


def test_snap_to_street_gives_the_nearest_node_or_names_the_point(helsinki) -> None:
    from scipy.spatial import cKDTree

    from exposure.places import nearest_node, snap_to_street

    lon, lat = 24.9384, 60.1699
    node, dist = snap_to_street(helsinki.index, lon, lat, label="the start")
    assert (node, dist) == pytest.approx(nearest_node(helsinki.index, lon, lat))
    tree = cKDTree(helsinki.index.node_xy)
    assert snap_to_street(helsinki.index, lon, lat, label="the start", tree=tree)[0] == node
    with pytest.raises(PlaceError, match=r"^via point 'Far' is [0-9,]+ m from the nearest street of this dataset "
                                         r"\(limit 500 m\): choose a point inside"):
        snap_to_street(helsinki.index, 25.10, 60.30, label="via point 'Far'", max_snap_m=500.0)


def test_the_search_offers_protest_sites_first_and_stops_last(helsinki) -> None:
    options = search_options(helsinki.presets, helsinki.places)
    assert options[:5] == ["★ Senaatintori (Senate Square)", "★ Rautatientori (Railway Square)",
                           "★ Narinkkatori (Kamppi)", "★ Kauppatori (Market Square)", "★ Esplanadi park"]
    assert len(options) == len(set(options))
    typed = [o for o in options if "rautat" in o.casefold()]  # what a box filtering by substring keeps, in order
    assert typed[0] == "★ Rautatientori (Railway Square)"
    platforms = [o for o in typed if "laituri" in o]
    assert len(platforms) == 13
    assert typed[-13:] == platforms  # the 13 platforms of the bus station after every other place
    assert platforms[:3] == ["Rautatientori, laituri 1", "Rautatientori, laituri 2", "Rautatientori, laituri 3"]
    assert typed.index("Rautatieaseman kellotorni") < typed.index("Rautatientori, laituri 1")


def test_the_search_without_presets_or_places() -> None:
    assert search_options(None, None) == []
    places = place_table([("Kiosk", 24.9, 60.1, "shop=kiosk"), ("Stop 2", 24.9, 60.1, "highway=bus_stop")])
    assert search_options(None, places) == ["Kiosk", "Stop 2"]
