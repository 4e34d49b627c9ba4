"""Tests of exposure.batch.run: bulk routes and audits on Dask equal the same work done one by one."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from exposure._errors import BatchError, ExposureError
from exposure.audit import audit_track
from exposure.batch import (
    ROUTE_COLUMNS,
    BatchRequest,
    local_client,
    read_pairs,
    run_batch,
    track_files,
)
from exposure.batch import parts as batch_parts
from exposure.cameras import REJECTED_COLUMNS, load_cameras
from exposure.datasets import Dataset, load_dataset
from exposure.network import index_graph
from exposure.routing import routes

BENCH_CITY = Path(__file__).resolve().parent.parent / "bench" / "city.py"


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


@pytest.fixture(scope="module")
def client():
    """Two worker processes on this machine, as the command's default cluster would have on two cores."""
    c = local_client(2)
    yield c
    c.close()
    c.cluster.close()


def _pairs(ds: Dataset, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nodes = rng.choice(ds.index.n_nodes, size=(n, 2))
    lonlat = ds.index.node_lonlat
    text = [f"{lonlat[a, 1]:.6f},{lonlat[a, 0]:.6f}" for a in nodes[:, 0]]
    dest = [f"{lonlat[b, 1]:.6f},{lonlat[b, 0]:.6f}" for b in nodes[:, 1]]
    return pd.DataFrame({"pair_id": [f"p{i}" for i in range(n)], "origin": text, "destination": dest})


def _serial_rows(ds: Dataset, pairs: pd.DataFrame, request: BatchRequest) -> list[tuple]:
    """The same pairs, each alone through exposure.routing.routes, as the rows' key figures."""
    ctx = ds.context(frt_policy_spec=request.frt_policy, verification=request.verification,
                     radius_m=request.radius_m)
    out = []
    for pair in pairs.itertuples(index=False):
        try:
            o, d = ds.resolve(pair.origin), ds.resolve(pair.destination)
            found = routes(ctx, o.node, d.node, objective=request.objective, max_detour=request.max_detour,
                           alternatives=request.alternatives)
        except (ExposureError, ValueError) as err:
            out.append((pair.pair_id, None, None, None, None, str(err)))
            continue
        out += [(pair.pair_id, r.label, r.frt_cameras, round(r.length_m, 1), r.optimal, None) for r in found]
    return out


def _batch_rows(rows: pd.DataFrame) -> list[tuple]:
    return [(r.pair_id, None if pd.isna(r.label) else r.label, None if pd.isna(r.frt_cameras) else int(r.frt_cameras),
             None if pd.isna(r.length_m) else round(float(r.length_m), 1),
             None if pd.isna(r.optimal) else bool(r.optimal), None if pd.isna(r.error) else r.error)
            for r in rows.itertuples(index=False)]


def test_batch_on_two_workers_equals_routing_each_pair_alone_on_helsinki(helsinki, client, tmp_path):
    pairs = _pairs(helsinki, 24, seed=1)
    pairs.loc[3, "origin"] = "Atlantis"  # an unknown place: a row with its error, not a failed job
    pairs.loc[7, "destination"] = "0,0"  # a point off the map
    request = BatchRequest(objective="fewest-cameras", alternatives=2)
    out = tmp_path / "routes.parquet"
    result = run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=5)
    assert result.chunks == 5
    assert _batch_rows(result.rows) == _serial_rows(helsinki, pairs, request)
    errors = result.rows[result.rows["error"].notna()]
    assert set(errors["pair_id"]) == {"p3", "p7"}
    assert "no place called 'Atlantis'" in errors.iloc[0]["error"]
    assert result.summary["pairs"] == 24
    assert result.summary["pairs_with_errors"] == 2
    # GeoParquet: WGS84 LineStrings and the documented columns, in the pairs file's order
    saved = gpd.read_parquet(out)
    assert saved.crs.to_epsg() == 4326
    assert list(saved.columns) == [*ROUTE_COLUMNS, "geometry"]
    assert saved["pair_id"].drop_duplicates().tolist() == pairs["pair_id"].tolist()
    ok = saved[saved["error"].isna()]
    assert (ok.geometry.geom_type == "LineString").all()
    assert saved.loc[saved["error"].notna(), "geometry"].isna().all()
    first = ok.iloc[1]
    ids = json.loads(first["frt_camera_ids"])
    assert len(ids) == first["frt_cameras"] > 0
    assert not out.with_name(out.name + ".parts").exists()  # parts are removed once the file is whole


def test_local_workers_never_spill_to_disk(client):
    def memory_config() -> dict:
        import dask

        return {k: dask.config.get(f"distributed.worker.memory.{k}") for k in ("target", "spill")}

    for config in client.run(memory_config).values():
        assert config == {"target": False, "spill": False}  # pairs and routes say where people go


def test_batch_on_a_generated_city_equals_routing_each_pair_alone(client):
    spec = importlib.util.spec_from_file_location("bench_city", BENCH_CITY)
    city = importlib.util.module_from_spec(spec)
    sys.modules["bench_city"] = city
    spec.loader.exec_module(city)
    G, cameras = city.nyc_like_city(n_edges=6_000, cameras_per_intersection=2.0, seed=3)
    empty = pd.DataFrame(columns=["key", "name", "lon", "lat", "kind", "features"])
    ds = Dataset(name="generated", description="generated city for a test", source="test", checksum="test",
                 index=index_graph(G), cameras=cameras, rejected=pd.DataFrame(columns=list(REJECTED_COLUMNS)),
                 places=empty, info={}, graph=G)
    pairs = _pairs(ds, 16, seed=4)
    for objective in ("fewest-cameras", "least-time-in-view"):
        request = BatchRequest(objective=objective, alternatives=1 if objective == "fewest-cameras" else 0)
        result = run_batch(ds, pairs=pairs, request=request, client=client, chunk_size=6)
        assert _batch_rows(result.rows) == _serial_rows(ds, pairs, request)


def test_an_interrupted_batch_resumes_without_redoing_finished_chunks(helsinki, client, tmp_path, monkeypatch):
    pairs = _pairs(helsinki, 12, seed=2)
    request = BatchRequest(objective="shortest")
    out = tmp_path / "routes.csv"
    real_write = batch_parts.write_part
    written: list[str] = []

    class Stop(Exception):
        pass

    def write_then_stop(table, path):
        real_write(table, path)
        written.append(path.name)
        if len(written) == 2:
            raise Stop  # the job dies here, as if stopped by the user or a crash

    monkeypatch.setattr(batch_parts, "write_part", write_then_stop)
    with pytest.raises(Stop):
        run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=3)
    parts = out.with_name(out.name + ".parts")
    assert sorted(p.name for p in parts.glob("chunk-*.parquet")) == sorted(written)
    with pytest.raises(BatchError, match="add --resume"):
        run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=3)
    first = list(written)
    written.clear()
    monkeypatch.setattr(batch_parts, "write_part", lambda table, path: (written.append(path.name),
                                                                          real_write(table, path)))
    result = run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=3, resume=True)
    # the two chunks written before are read back, never computed again; the other two are computed
    assert result.chunks == 4
    assert result.chunks_resumed == 2
    assert len(written) == 2
    assert not set(written) & set(first)
    assert _batch_rows(result.rows) == _serial_rows(helsinki, pairs, request)
    saved = pd.read_csv(out)
    assert len(saved) == len(pairs)
    assert saved["geometry_wkt"].str.startswith("LINESTRING").all()
    # a resumed run of another request never mixes in these parts
    assert batch_parts.part_name(0, ["a"], request.key()) != batch_parts.part_name(
        0, ["a"], BatchRequest(objective="fewest-cameras").key())


def test_audits_in_bulk_equal_one_by_one(shared_data, client, tmp_path):
    cameras = load_cameras(shared_data / "jyvaskyla" / "cameras.csv").cameras
    files = track_files(shared_data / "jyvaskyla")
    assert [f.name for f in files] == ["walk1.gpx", "walk2.gpx", "walk3.gpx", "walk4.gpx"]
    request = BatchRequest(radius_m=10.0)
    result = run_batch(None, tracks=files, cameras=cameras, request=request, client=client, chunk_size=3,
                       out=tmp_path / "walks.parquet")
    for row, path in zip(result.rows.itertuples(index=False), files, strict=True):
        one = audit_track(path, cameras, radius_m=10.0).to_dict()  # the documented audit JSON
        assert row.track == str(path)
        assert row.frt_cameras == one["frt_cameras"]
        assert row.metres_in_view == one["metres_in_view"]
        assert row.seconds_in_view == one["seconds_in_view"]
    assert gpd.read_parquet(tmp_path / "walks.parquet").geometry.geom_type.eq("LineString").all()


def test_a_batch_needs_pairs_or_tracks(helsinki):
    with pytest.raises(BatchError, match="one of them"):
        run_batch(helsinki)
    with pytest.raises(BatchError, match="chunk size"):
        run_batch(helsinki, pairs=_pairs(helsinki, 1, 0), chunk_size=0)


def test_the_pairs_files_own_columns_reach_every_row_of_the_output(helsinki, client, tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("id,origin,destination,group,note\n"
                 "home-1,Rautatientori,Kauppatori,north,=1+1\n"
                 "home-2,Atlantis,Kauppatori,south,lost\n"
                 "home-3,Senaatintori,Rautatientori,north,\n")
    pairs = read_pairs(f)
    out = tmp_path / "routes.parquet"
    result = run_batch(helsinki, pairs=pairs, request=BatchRequest(objective="fewest-cameras"), out=out,
                       client=client, chunk_size=2)
    # the user's id column stays beside pair_id, and every other column follows the route columns
    assert list(result.rows.columns) == [*ROUTE_COLUMNS, "id", "group", "note", "coordinates"]
    saved = gpd.read_parquet(out)
    assert list(saved.columns) == [*ROUTE_COLUMNS, "id", "group", "note", "geometry"]
    assert saved["id"].drop_duplicates().tolist() == ["home-1", "home-2", "home-3"]
    assert (saved["id"] == saved["pair_id"]).all()
    by_pair = saved.groupby("id")[["group", "note"]].agg(set)
    assert by_pair.loc["home-1"].tolist() == [{"north"}, {"=1+1"}]  # each route of a pair carries its columns
    assert by_pair.loc["home-2"].tolist() == [{"south"}, {"lost"}]  # the failed pair's row too
    assert saved.loc[saved["id"] == "home-2", "error"].str.contains("Atlantis").all()
    csv = tmp_path / "routes.csv"
    run_batch(helsinki, pairs=pairs, request=BatchRequest(objective="shortest"), out=csv, client=client)
    table = pd.read_csv(csv, dtype=str, keep_default_na=False)
    assert table["note"].tolist() == ["'=1+1", "lost", ""]  # a spreadsheet never runs a user's cell
