"""The Many trips page: a pairs file routed on a local Dask cluster, figures, histogram and downloads."""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd
import pyarrow as pa
from streamlit.testing.v1 import AppTest

from exposure import settings
from tests.app_pages import open_page, visit

PAIRS = (b"id,origin,destination\n"
         b"a,Rautatientori,Kauppatori\n"
         b"b,Senaatintori,Rautatientori\n"
         b"c,Atlantis,Kauppatori\n")


def _page() -> AppTest:
    at = open_page("8_Many_trips.py", timeout=180).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_file_the_page_explains_the_format() -> None:
    at = _page()
    assert "Upload a pairs file" in at.info[0].value
    assert not at.button


def test_a_pairs_file_is_routed_on_local_workers_and_downloads(monkeypatch) -> None:
    # today's per-kind model, under which each pair has a route past fewer cameras than its shortest; the
    # page counts under the default in force (the batch names it to its workers); the app's caches are keyed
    # without it, so they are emptied
    import streamlit as st

    monkeypatch.setattr(settings, "coverage_model", "per-kind")
    st.cache_resource.clear()
    at = _page()
    at.number_input(key="mt_workers").set_value(1)
    at.file_uploader(key="mt_pairs").set_value(("pairs.csv", PAIRS, "text/csv")).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "3 pairs" in " ".join(m.value for m in at.markdown)
    at.button(key="mt_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Pairs routed"] == "2 of 3"
    assert int(metrics["Median FRT cameras, shortest walk"]) > int(metrics["Median FRT cameras, best walk"])
    assert "1 pair(s) could not be routed" in at.warning[0].value
    rows = at.dataframe[-1].value  # the routes, one row each, in the file's order
    assert rows["pair_id"].tolist() == ["a", "a", "b", "b", "c"]
    assert "FRT policy" in " ".join(c.value for c in at.caption)
    assert [b.key for b in at.get("download_button")] == ["mt_parquet", "mt_csv"]
    # the histogram (pair a avoids 8 FRT cameras under today's per-kind radii, pair b 2): every bin from 0 to
    # the highest is drawn, the empty ones at 0, so that 2 and 8 do not stand side by side
    (chart,) = at.get("vega_lite_chart")
    (data,) = chart.proto.datasets
    bins = pa.ipc.open_stream(data.data.data).read_all().to_pandas()
    assert bins["cameras avoided"].tolist() == list(range(int(bins["cameras avoided"].max()) + 1))
    assert bins["pairs"].sum() == 2
    assert (bins["pairs"] == 0).sum() == len(bins) - 2
    st.cache_resource.clear()


def test_too_many_pairs_names_the_limit(monkeypatch) -> None:
    monkeypatch.setattr(settings, "max_batch_pairs_dashboard", 2)
    at = _page()
    at.file_uploader(key="mt_pairs").set_value(("pairs.csv", PAIRS, "text/csv")).run()
    assert "settings.max_batch_pairs_dashboard" in at.error[0].value
    assert not at.button


def test_a_bad_file_is_an_error_not_a_crash() -> None:
    at = _page()
    at.file_uploader(key="mt_pairs").set_value(("pairs.csv", b"a,b\n1,2\n", "text/csv")).run()
    assert not at.exception
    assert "no origin column" in at.error[0].value


def test_rows_download_as_geoparquet() -> None:
    from exposure.batch import BatchRequest, read_pairs, route_chunk, rows_to_bytes
    from exposure.datasets import load_dataset

    rows = route_chunk(load_dataset("helsinki"), read_pairs("p.csv", data=PAIRS), BatchRequest(objective="shortest"))
    table = gpd.read_parquet(io.BytesIO(rows_to_bytes(rows, "parquet")))
    assert table.crs.to_epsg() == 4326
    assert len(table) == 3


def test_the_file_the_choices_and_the_routes_hold_while_another_page_is_visited() -> None:
    at = open_page("8_Many_trips.py", timeout=180).run()
    at.number_input(key="mt_workers").set_value(1)
    at.slider(key="mt_detour").set_value(30)
    at.file_uploader(key="mt_pairs").set_value(("pairs.csv", PAIRS, "text/csv")).run()
    at.button(key="mt_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    routed = at.dataframe[-1].value
    overview = visit(at, "1_Overview.py")
    assert not overview.exception, [e.value for e in overview.exception]
    assert overview.title[0].value == "Surveillance exposure map"
    back = visit(at, "8_Many_trips.py")
    assert not back.exception, [e.value for e in back.exception]
    assert "**3 pairs** in pairs.csv." in [m.value for m in back.markdown]
    assert "**pairs.csv** was uploaded before" in " ".join(c.value for c in back.caption)
    assert back.slider(key="mt_detour").value == 30
    assert back.number_input(key="mt_workers").value == 1
    assert {m.label: m.value for m in back.metric}["Pairs routed"] == "2 of 3"
    pd.testing.assert_frame_equal(back.dataframe[-1].value, routed)
    # a file removed from the uploader is forgotten, with its routes
    back.file_uploader(key="mt_pairs").set_value(("other.csv", PAIRS[:-25], "text/csv")).run()
    assert "**2 pairs** in other.csv." in [m.value for m in back.markdown]
    assert not back.metric  # routed for the other file: not shown for this one
    back.file_uploader(key="mt_pairs").clear().run()
    assert "Upload a pairs file" in back.info[0].value
