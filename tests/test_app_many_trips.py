"""The Many trips page: a pairs file routed on a local Dask cluster, figures, histogram and downloads."""

from __future__ import annotations

import io
from pathlib import Path

import geopandas as gpd
from streamlit.testing.v1 import AppTest

from exposure import settings

PAGE = str(Path(__file__).resolve().parent.parent / "pages" / "8_Many_trips.py")
PAIRS = (b"id,origin,destination\n"
         b"a,Rautatientori,Kauppatori\n"
         b"b,Senaatintori,Rautatientori\n"
         b"c,Atlantis,Kauppatori\n")


def _page() -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=180).run()
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
