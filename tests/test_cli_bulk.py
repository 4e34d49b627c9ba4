"""Tests of exposure.cli.bulk: the batch command on pairs and on origins x destinations, and its errors."""

from __future__ import annotations

import json

import geopandas as gpd
import pandas as pd
import pytest

from exposure.cli import main


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



def test_cli_batch_from_origins_to_their_nearest_destinations(tmp_path, capsys):
    origins = tmp_path / "homes.csv"
    origins.write_text("name,lat,long\nhome,60.1709,24.9414\n")
    schools = tmp_path / "schools.csv"
    schools.write_text('name,place\nnear,Kauppatori\nfar,"60.1640,24.9300"\n')
    out = tmp_path / "out.csv"
    assert main(["batch", "--origins", str(origins), "--destinations", str(schools), "--nearest", "1",
                 "--out", str(out), "--workers", "1", "--objective", "shortest"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["pairs"] == 1
    assert summary["settings"]["objective"] == "shortest"
    row = pd.read_csv(out).iloc[0]
    assert [row["pair_id"], row["origin"], row["destination"]] == ["home → near", "60.1709,24.9414", "Kauppatori"]


@pytest.mark.parametrize(("args", "message"), [
    (["--origins", "o.csv"], "--origins needs --destinations"),
    (["--pairs", "p.csv", "--destinations", "d.csv"], "--destinations goes with --origins"),
    (["--pairs", "missing.csv"], "pairs file not found: missing.csv"),
])
def test_cli_batch_errors_are_readable(tmp_path, capsys, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "o.csv").write_text("name,lat,lon\na,60.17,24.94\n")
    assert main(["batch", *args, "--out", "out.parquet"]) == 2
    err = capsys.readouterr().err
    assert f"error: {message}" in err
    assert "Traceback" not in err


def test_cli_batch_says_when_nothing_is_counted(tmp_path, capsys):
    f = tmp_path / "pairs.csv"
    f.write_text("id,origin,destination\na,Rautatientori,Kauppatori\n")
    out = tmp_path / "out.csv"
    assert main(["batch", "--pairs", str(f), "--out", str(out), "--workers", "1", "--objective", "shortest",
                 "--verification", "verified"]) == 0
    captured = capsys.readouterr()
    summary = json.loads(captured.out)
    assert summary["settings"]["counting"]["case"] == "nothing-counted"
    assert "note: 0 of 221 cameras are counted: none is verified" in captured.err
    assert (pd.read_csv(out)["frt_cameras"] == 0).all()
