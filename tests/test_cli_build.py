"""Tests of exposure.cli.build: the build command's own checks (building itself is in tests/test_online.py)."""

from __future__ import annotations

import pytest

from tests.cli_run import run


@pytest.mark.parametrize(("args", "message"), [
    (["--place", "Kallio, Helsinki", "--dist-m", "500"], "--dist-m only applies to --point LAT,LON"),
    (["--bbox", "24.94,60.17"], "--bbox '24.94,60.17' is not 'W,S,E,N': give four numbers"),
    (["--point", "x,y"], "--point 'x,y' is not 'LAT,LON': give two numbers"),
    (["--point", "60.1,24.9", "--name", "../x"], "dataset name '../x' is not valid"),
])
def test_build_options_are_checked_before_any_download(capsys, monkeypatch, args, message) -> None:
    import exposure.online

    def no_download(*_args, **_kwargs):
        msg = "nothing is downloaded for options that cannot be used"
        raise AssertionError(msg)

    monkeypatch.setattr(exposure.online, "build_online", no_download)
    code, out, err = run(capsys, "build", "--name", "x", *args)
    assert code == 2
    assert out == ""
    assert message in err
    assert "Traceback" not in err
