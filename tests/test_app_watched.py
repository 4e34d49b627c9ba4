"""The Who is watched page: a hint without NYC cameras; the correlation from a path or an upload."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from exposure.areas import NO_DATA_COLOUR
from tests.app_pages import open_page, query, reload, visit

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "5_Who_is_watched.py")


@pytest.fixture
def page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture
def decode_file(shared_data) -> Path:
    return shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_without_nyc_cameras_the_page_explains(page: AppTest) -> None:
    assert any("not in New York City" in i.value for i in page.info)
    assert not page.metric
    assert not page.error


def test_path_field_shows_the_correlation(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    assert any("Give the path" in i.value for i in page.info)
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    assert not page.exception, [e.value for e in page.exception]
    assert not page.error
    shown = metrics(page)
    rho = float(shown["Spearman rho (Brooklyn)"])  # the file counts Brooklyn alone: not a citywide figure
    assert "Spearman rho (citywide)" not in shown
    low, high = (float(v) for v in shown["95 % interval"].split(" to "))
    assert -1 <= low <= rho <= high <= 1
    assert int(shown["Areas compared"]) > 40
    groups = page.dataframe[0].value
    assert groups["Borough"].tolist() == ["Brooklyn"]
    ranked = page.dataframe[-1].value
    assert ranked["Rank"].tolist()[:3] == [1, 2, 3]
    assert ranked["Code"].str.startswith("BK").all()
    assert ranked["Cameras per km²"].is_monotonic_decreasing
    caveats = " ".join(i.value for i in page.info)
    assert "undercount" in caveats
    assert "not a cause" in caveats
    assert "population < 500" in caveats
    captions = " ".join(c.value for c in page.caption)
    assert "decode_counts_per_intersection_brooklyn.csv" in captions
    assert "FRT policy **default**" in captions
    assert "ACS 2019–2023" in captions


def test_measure_frt_and_area_set_switch(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    page.toggle(key="ww_frt").set_value(True).run()
    page.selectbox(key="ww_measure").set_value("per_1000_residents").run()
    assert not page.exception
    assert "FRT-capable cameras per 1,000 residents" in page.dataframe[-1].value.columns
    page.selectbox(key="ww_areas").set_value("nyc-precinct").run()
    assert not page.exception
    assert not page.error
    assert len(page.dataframe[-1].value) <= 77


def test_upload_shows_the_correlation(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("upload").run()
    if not hasattr(page.file_uploader(key="ww_upload"), "set_value"):  # pragma: no cover - older Streamlit
        pytest.skip("this Streamlit's AppTest cannot fill a file_uploader; the path test covers the engine")
    page.file_uploader(key="ww_upload").set_value(
        ("counts_per_intersections.csv", decode_file.read_bytes(), "text/csv")).run()
    assert not page.exception, [e.value for e in page.exception]
    assert "Spearman rho (Brooklyn)" in metrics(page)
    assert "counts_per_intersections.csv" in " ".join(c.value for c in page.caption)


def test_bad_path_is_an_error_not_a_traceback(page: AppTest, tmp_path: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(tmp_path / "missing.csv")).run()
    assert not page.exception
    assert any("missing.csv" in e.value for e in page.error)


def test_amnestys_model_sits_beside_the_correlation(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    assert not page.exception, [e.value for e in page.exception]
    (model,) = [d.value for d in page.dataframe if "Coefficient (log-odds per unit share)" in d.value.columns]
    assert model["Borough"].tolist() == ["Brooklyn"]
    row = model.iloc[0]
    assert row["95 % low"] <= row["Coefficient (log-odds per unit share)"] <= row["95 % high"]
    assert 0 <= row["p-value"] <= 1
    assert row["Areas"] > 40
    assert 0 < row["Above threshold"] < row["Areas"]
    (warning,) = [w.value for w in page.warning if "Not the same study" in w.value]
    assert "2019 census tracts with the ACS 2015–2019" in warning
    assert "Black plus Hispanic" in warning
    assert "Street View" not in warning  # said once, with the other caveats
    # the model stays at NTAs when the comparison switches to precincts
    page.selectbox(key="ww_areas").set_value("nyc-precinct").run()
    assert not page.exception
    (again,) = [d.value for d in page.dataframe if "Coefficient (log-odds per unit share)" in d.value.columns]
    assert again["Areas"].tolist() == model["Areas"].tolist()


def test_effective_cameras_measure(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    page.selectbox(key="ww_measure").set_value("effective_per_1000_residents").run()
    assert not page.exception, [e.value for e in page.exception]
    assert not page.error
    ranked = page.dataframe[-1].value
    assert ranked["Effective cameras (Amnesty) per 1,000 residents"].is_monotonic_decreasing
    page.toggle(key="ww_frt").set_value(True).run()
    assert "FRT-capable effective cameras (Amnesty) per 1,000 residents" in page.dataframe[-1].value.columns


NYC_CSV = "lat,lon,kind,mount\n" + "\n".join(
    f"{lat:.5f},{lon:.5f},dome,street" for lat, lon in [
        (40.7282, -73.9540), (40.7128, -73.9610), (40.6930, -73.9900), (40.6500, -73.9500),
        (40.6000, -73.9600), (40.6800, -73.9400), (40.6700, -73.9800), (40.7000, -73.9200),
    ])


def test_caveats_fit_a_file_that_is_not_decode(page: AppTest, tmp_path: Path) -> None:
    path = tmp_path / "my_cameras.csv"
    path.write_text(NYC_CSV)
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(path)).run()
    assert not page.exception, [e.value for e in page.exception]
    caveats = " ".join(i.value for i in page.info)
    assert "Cameras from my_cameras.csv" in caveats
    assert "Street View" not in caveats
    assert "undercount" not in caveats
    assert "not a cause" in caveats


def deck_layers(at: AppTest) -> list[dict]:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)["layers"]


def test_boroughs_the_file_did_not_count_are_no_data_not_few_cameras(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    assert not page.exception, [e.value for e in page.exception]
    polygons = deck_layers(page)[0]["data"]
    by_colour: dict[tuple, set[str]] = {}
    for p in polygons:
        by_colour.setdefault(tuple(p["colour"]), set()).add(p["name"])
    no_data = {name for colour, names in by_colour.items() if list(colour) == NO_DATA_COLOUR for name in names}
    values = {p["name"]: p["value"] for p in polygons}
    assert len(no_data) == 193  # every NTA outside Brooklyn, in its own grey
    assert {values[n] for n in no_data} == {"no camera data"}
    assert all(values[n] != "no camera data" for names in by_colour.values() for n in names if n not in no_data)
    legend_text = " ".join(m.value for m in page.markdown)
    assert "no camera data: outside the camera source's coverage (193 areas)" in legend_text
    caveats = " ".join(i.value for i in page.info)
    assert "193 area(s) left out: outside where the camera source looked" in caveats
    shown = metrics(page)
    assert shown["Cameras counted"] == "9,216"
    assert shown["In New York City"] == "9,216"
    assert shown["Areas with camera data"] == "69 of 262"
    ranked = page.dataframe[-1].value
    assert ranked["Code"].str.startswith("BK").all()  # statistics rest on Brooklyn alone


def test_a_file_read_on_camera_data_is_offered_here(decode_file: Path) -> None:
    root = Path(PAGE).parent.parent
    at = AppTest.from_file(str(root / "dashboard.py"), default_timeout=120).run()
    at.switch_page(str(root / "pages" / "4_Camera_data.py")).run()
    at.file_uploader(key="cam_file").set_value(("brooklyn.csv", decode_file.read_bytes(), "text/csv")).run()
    at.switch_page(PAGE).run()  # without pressing "Use these cameras on every page"
    assert not at.exception, [e.value for e in at.exception]
    notes = " ".join(i.value for i in at.info)
    assert "A file you read on the *Camera data* page is waiting: **brooklyn.csv**, 9,216 cameras, 9,216 of them " \
           "in New York City" in notes
    assert "not in New York City" in notes
    at.button(key="ww_use_loaded").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not any("is waiting" in i.value for i in at.info)
    assert metrics(at)["Cameras counted"] == "9,216"
    assert "uploaded cameras from **brooklyn.csv**" in " ".join(c.value for c in at.caption)


def test_measures_are_named_as_written(page: AppTest) -> None:
    options = page.selectbox(key="ww_measure").options
    assert "Effective cameras (Amnesty) per km²" in options
    assert not any("(amnesty)" in o for o in options)  # str.capitalize lowered the A
    assert all(o[:1].isupper() for o in options)


def test_scatter_points_stand_clear_of_the_axes(page: AppTest, decode_file: Path) -> None:
    page.radio(key="ww_source").set_value("path").run()
    page.text_input(key="ww_path").set_value(str(decode_file)).run()
    assert not page.exception, [e.value for e in page.exception]
    (chart,) = page.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    points = next(layer for layer in spec["layer"] if layer["mark"]["type"] == "circle")
    radius = (points["mark"]["size"] / 3.14159) ** 0.5
    for axis in ("x", "y"):
        # areas at 0 % non-white, at 100 %, or with no camera sit on an axis: the scale keeps a margin wider
        # than a point, so that none is drawn half outside the plot
        assert points["encoding"][axis]["scale"].get("padding", 0) > radius, axis


def test_choices_and_the_path_hold_across_another_page_and_a_reload(decode_file: Path) -> None:
    at = open_page("5_Who_is_watched.py").run()
    at.radio(key="ww_source").set_value("path").run()
    at.text_input(key="ww_path").set_value(str(decode_file)).run()
    at.selectbox(key="ww_areas").set_value("nyc-cd").run()
    at.selectbox(key="ww_measure").set_value("per_1000_residents").run()
    at.toggle(key="ww_frt").set_value(True).run()
    at.number_input(key="ww_min_population").set_value(1000).run()
    assert not at.exception, [e.value for e in at.exception]
    shown = metrics(at)
    chosen = {"ww_source": "path", "ww_path": str(decode_file), "ww_areas": "nyc-cd",
              "ww_measure": "per_1000_residents", "ww_frt": True, "ww_min_population": 1000}

    def choices(page: AppTest) -> dict[str, object]:
        return {"ww_source": page.radio(key="ww_source").value, "ww_path": page.text_input(key="ww_path").value,
                "ww_areas": page.selectbox(key="ww_areas").value, "ww_measure": page.selectbox(key="ww_measure").value,
                "ww_frt": page.toggle(key="ww_frt").value,
                "ww_min_population": page.number_input(key="ww_min_population").value}

    visit(at, "3_Neighbourhoods.py")
    visit(at, "5_Who_is_watched.py")
    assert not at.exception, [e.value for e in at.exception]
    assert choices(at) == chosen
    assert metrics(at) == shown
    assert {k: query(at, k) for k in ("areas", "measure", "frt", "min_population")} == {
        "areas": "nyc-cd", "measure": "per_1000_residents", "frt": "yes", "min_population": "1000"}
    again = reload(at, "5_Who_is_watched.py")
    assert not again.exception, [e.value for e in again.exception]
    assert choices(again) == chosen
    assert metrics(again) == shown
    address = " ".join(str(query(again, k)) for k in again.query_params)
    assert "counts_per" not in address  # a path on this computer is never in a link
    assert "path" not in address


def test_a_link_with_choices_it_cannot_read_opens_the_defaults() -> None:
    at = open_page("5_Who_is_watched.py", areas="atlantis", measure="per_street_km", frt="maybe",
                   min_population="-5").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="ww_areas").value == "nyc-nta"
    assert at.selectbox(key="ww_measure").value == "per_km2"
    assert at.toggle(key="ww_frt").value is False
    assert at.number_input(key="ww_min_population").value == 0  # clamped to the least allowed


def test_an_uploaded_camera_file_holds_across_another_page_and_a_reload(decode_file: Path) -> None:
    at = open_page("5_Who_is_watched.py").run()
    at.radio(key="ww_source").set_value("upload").run()
    at.file_uploader(key="ww_upload").set_value(
        ("counts_per_intersections.csv", decode_file.read_bytes(), "text/csv")).run()
    shown = metrics(at)
    assert "Spearman rho (Brooklyn)" in shown
    visit(at, "1_Overview.py")
    visit(at, "5_Who_is_watched.py")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="ww_source").value == "upload"
    assert metrics(at) == shown
    assert "**counts_per_intersections.csv**, uploaded before" in " ".join(c.value for c in at.caption)
    again = reload(at, "5_Who_is_watched.py")
    assert metrics(again) == shown
