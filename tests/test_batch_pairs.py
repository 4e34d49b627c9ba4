"""Tests of exposure.batch.pairs: pairs files, points files made into pairs, and folders of tracks, read safely."""

from __future__ import annotations

import pandas as pd
import pytest

from exposure._errors import BatchError
from exposure.batch import pairs_from_points, read_od_points, read_pairs, track_files


def test_reading_pairs_and_points(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("id,origin_lat,origin_lon,destination_lat,destination_lon\nx,60.17,24.94,60.168,24.95\n")
    assert read_pairs(f).to_dict(orient="records") == [
        {"pair_id": "x", "origin": "60.17,24.94", "destination": "60.168,24.95", "id": "x"}]
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
    points = read_od_points(p)
    assert points["place"].tolist() == ["60.170,24.940", "60.171,24.941", "60.160,24.950"]
    every = pairs_from_points(points, points)
    assert len(every) == 9
    nearest = pairs_from_points(points.iloc[:1], points, nearest=2)
    assert nearest["destination"].tolist() == ["60.170,24.940", "60.171,24.941"]
    with pytest.raises(BatchError, match="at least 1"):
        pairs_from_points(points, points, nearest=0)




def test_every_spelling_of_longitude_is_read(tmp_path):
    p = tmp_path / "points.csv"
    for lat, lon in (("lat", "long"), ("Latitude", "Longitude"), ("y", "x"), ("lat", "lng")):
        p.write_text(f"name,{lat},{lon}\nschool,60.170,24.940\n")
        assert read_od_points(p).to_dict(orient="records") == [{"point_id": "school", "place": "60.170,24.940"}]
    f = tmp_path / "pairs.csv"
    f.write_text("origin_lat,origin_long,destination_latitude,destination_longitude\n60.17,24.94,60.168,24.95\n")
    assert read_pairs(f).iloc[0].tolist() == ["1", "60.17,24.94", "60.168,24.95"]


def test_a_pairs_file_keeps_its_id_column_and_every_other_column(tmp_path):
    f = tmp_path / "pairs.csv"
    f.write_text("ID,origin,destination,school year,label,pair_pos,\n"
                 "a,Rautatientori,Kauppatori,3,mine,9,\n"
                 "b,60.17,24.94,4,mine,9,\n")
    pairs = read_pairs(f)
    # the user's ID stays as it was beside pair_id; a column named like one the batch writes is the batch's;
    # a blank header over empty cells is a trailing comma, not a column
    assert list(pairs.columns) == ["pair_id", "origin", "destination", "ID", "school year"]
    assert pairs["ID"].tolist() == pairs["pair_id"].tolist() == ["a", "b"]
    assert pairs["school year"].tolist() == ["3", "4"]
    f.write_text("pair_id,from,to,,team\nx,Rautatientori,Kauppatori,kept,red\n")
    assert read_pairs(f).to_dict(orient="records") == [
        {"pair_id": "x", "origin": "Rautatientori", "destination": "Kauppatori", "Unnamed: 3": "kept",
         "team": "red"}]
    parquet = tmp_path / "pairs.parquet"
    pd.DataFrame({"id": [7, 8], "origin": ["Rautatientori", "Kauppatori"], "destination": ["Kauppatori", "x"],
                  "weight": [0.5, 1.5]}).to_parquet(parquet)
    pairs = read_pairs(parquet)
    assert pairs["pair_id"].tolist() == ["7", "8"]
    assert pairs["id"].tolist() == [7, 8]  # the user's column keeps its type
    assert pairs["weight"].tolist() == [0.5, 1.5]


def test_track_files_are_the_gpx_and_geojson_files_of_a_folder(tmp_path):
    for name in ("b.gpx", "a.GeoJSON", "c.json", "notes.txt"):
        (tmp_path / name).write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d.gpx").write_text("")
    assert [p.name for p in track_files(tmp_path)] == ["a.GeoJSON", "b.gpx", "c.json"]
    for not_a_folder in (tmp_path / "missing", tmp_path / "b.gpx"):
        with pytest.raises(BatchError, match="tracks folder not found"):
            track_files(not_a_folder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BatchError, match=r"no \.gpx, \.geojson or \.json track"):
        track_files(tmp_path / "empty")


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
