"""Tests of exposure.batch: bulk routes and audits on Dask equal the same work done one by one."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from exposure import batch as batch_module
from exposure._errors import BatchError, ExposureError
from exposure.audit import audit_track
from exposure.batch import (
    BatchRequest,
    local_client,
    pairs_from_points,
    read_pairs,
    read_points,
    route_chunk,
    run_batch,
    track_files,
)
from exposure.cameras import REJECTED_COLUMNS, load_cameras
from exposure.cli import main
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
    assert list(saved.columns) == [*batch_module.ROUTE_COLUMNS, "geometry"]
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
    real_write = batch_module._write_part
    written: list[str] = []

    class Stop(Exception):
        pass

    def write_then_stop(table, path):
        real_write(table, path)
        written.append(path.name)
        if len(written) == 2:
            raise Stop  # the job dies here, as if stopped by the user or a crash

    monkeypatch.setattr(batch_module, "_write_part", write_then_stop)
    with pytest.raises(Stop):
        run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=3)
    parts = out.with_name(out.name + ".parts")
    assert sorted(p.name for p in parts.glob("chunk-*.parquet")) == sorted(written)
    with pytest.raises(BatchError, match="add --resume"):
        run_batch(helsinki, pairs=pairs, request=request, out=out, client=client, chunk_size=3)
    first = list(written)
    written.clear()
    monkeypatch.setattr(batch_module, "_write_part", lambda table, path: (written.append(path.name),
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
    assert batch_module._part_name(0, ["a"], request.key()) != batch_module._part_name(
        0, ["a"], BatchRequest(objective="fewest-cameras").key())


def test_route_chunk_keeps_the_pairs_and_reports_errors(helsinki):
    pairs = pd.DataFrame({"pair_id": ["a", "b"], "origin": ["Rautatientori", ""],
                          "destination": ["Kauppatori", "Kauppatori"]})
    rows = route_chunk(helsinki, pairs, BatchRequest(objective="shortest"))
    assert rows["pair_id"].tolist() == ["a", "b"]
    assert rows["label"].iloc[0] == "shortest"
    assert "empty place" in rows["error"].iloc[1]


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


def test_reading_pairs_and_points(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("id,origin_lat,origin_lon,destination_lat,destination_lon\nx,60.17,24.94,60.168,24.95\n")
    assert read_pairs(f).to_dict(orient="records") == [
        {"pair_id": "x", "origin": "60.17,24.94", "destination": "60.168,24.95"}]
    f.write_text("from,to\nRautatientori,Kauppatori\n")
    assert read_pairs(f).iloc[0].tolist() == ["1", "Rautatientori", "Kauppatori"]
    f.write_text("a,b\n1,2\n")
    with pytest.raises(BatchError, match="no origin column"):
        read_pairs(f)
    f.write_text("origin,destination\n")
    with pytest.raises(BatchError, match="has no rows"):
        read_pairs(f)
    with pytest.raises(BatchError, match="not found"):
        read_pairs(tmp_path / "missing.csv")
    p = tmp_path / "points.csv"
    p.write_text("name,lat,lon\nschool,60.170,24.940\nstation,60.171,24.941\npark,60.160,24.950\n")
    points = read_points(p)
    assert points["place"].tolist() == ["60.170,24.940", "60.171,24.941", "60.160,24.950"]
    every = pairs_from_points(points, points)
    assert len(every) == 9
    nearest = pairs_from_points(points.iloc[:1], points, nearest=2)
    assert nearest["destination"].tolist() == ["60.170,24.940", "60.171,24.941"]
    with pytest.raises(BatchError, match="at least 1"):
        pairs_from_points(points, points, nearest=0)


def test_a_batch_needs_pairs_or_tracks(helsinki):
    with pytest.raises(BatchError, match="one of them"):
        run_batch(helsinki)
    with pytest.raises(BatchError, match="chunk size"):
        run_batch(helsinki, pairs=_pairs(helsinki, 1, 0), chunk_size=0)


def test_cli_batch_runs_on_a_local_cluster(tmp_path, capsys):
    f = tmp_path / "pairs.csv"
    f.write_text("id,origin,destination\na,Rautatientori,Kauppatori\nb,Senaatintori,Rautatientori\n")
    out = tmp_path / "out.parquet"
    assert main(["batch", "--pairs", str(f), "--out", str(out), "--workers", "1", "--objective", "shortest"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pairs"] == 2
    assert summary["workers"] == 1
    assert len(gpd.read_parquet(out)) == 2
    with pytest.raises(SystemExit):  # --out is required
        main(["batch", "--pairs", str(f)])
    assert "--out" in capsys.readouterr().err


# --- hostile input and bounds (issue 12) ---------------------------------------------------------


def test_pairs_files_are_bounded_before_they_are_read(tmp_path, monkeypatch):
    from exposure import settings as exposure_settings

    f = tmp_path / "pairs.csv"
    f.write_text("origin,destination\n" + '"60.17,24.94","60.168,24.95"\n' * 5)
    assert len(read_pairs(f)) == 5
    monkeypatch.setattr(exposure_settings, "max_batch_pairs", 4)
    with pytest.raises(BatchError, match=r"pairs file .*pairs\.csv has more than 4 rows, over the limit of 4 "
                                         r"\(exposure\.settings\.max_batch_pairs\); split it into several jobs"):
        read_pairs(f)
    with pytest.raises(BatchError, match=r"over the limit of 4"):
        read_pairs("up.csv", data=f.read_bytes())
    monkeypatch.setattr(exposure_settings, "max_pairs_file_mb", 0.00001)
    with pytest.raises(BatchError, match=r"pairs file .*pairs\.csv: it is 0\.0 MB, over the limit of 1e-05 MB "
                                         r"\(exposure\.settings\.max_pairs_file_mb\)"):
        read_pairs(f)


def test_a_product_of_points_over_the_limit_is_refused_before_it_is_made(monkeypatch):
    from exposure import settings as exposure_settings

    points = pd.DataFrame({"point_id": [str(i) for i in range(3000)],
                           "place": [f"{60.1 + i * 1e-5:.5f},24.94" for i in range(3000)]})
    monkeypatch.setattr(exposure_settings, "max_batch_pairs", 1_000_000)
    with pytest.raises(BatchError, match=r"3,000 origins and 3,000 destinations make 9,000,000 pairs, over the "
                                         r"limit of 1,000,000 \(exposure\.settings\.max_batch_pairs\); give --nearest"):
        pairs_from_points(points, points)
    nearest = pairs_from_points(points, points, nearest=2)  # a tree, not a 3,000 x 3,000 matrix
    assert len(nearest) == 6000
    assert (nearest["origin"].to_numpy()[::2] == nearest["destination"].to_numpy()[::2]).all()


@pytest.mark.parametrize(("data", "match"), [
    (b'origin,destination\n"60.17,24.94\n', r"line 2: a quoted value is never closed"),
    (b"origin,destination\na,b\na,b,c,d\n", r"line 3: 4 fields where the header has 2"),
    (b"\xff\xfe\x00o", r"cannot be read as CSV or Parquet"),
    (b"PAR1garbage", r"cannot be read as CSV or Parquet"),
])
def test_broken_pairs_files_are_one_line_batch_errors(data, match):
    name = "p.parquet" if data.startswith(b"PAR1") else "p.csv"
    with pytest.raises(BatchError, match=match) as info:
        read_pairs(name, data=data)
    assert "\n" not in str(info.value)
