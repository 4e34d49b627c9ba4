"""Tests of exposure.cli: the entry points, the parser of every command, usage errors with exit status 2."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

import pytest

from exposure.cli import main
from tests.cli_run import run


def test_python_dash_m_entry_point() -> None:
    proc = subprocess.run([sys.executable, "-m", "exposure", "--help"], capture_output=True, text=True,
                          check=False, timeout=60)
    assert proc.returncode == 0
    assert "route" in proc.stdout
    assert "audit" in proc.stdout


@pytest.mark.parametrize("args", [["route", "--origin", "x"], ["bogus"]])
def test_usage_errors_exit_2(args: list[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2


@pytest.mark.parametrize("command", [["density"], ["watched", "--cameras", "x.csv"]])
def test_density_and_watched_have_no_radius_that_does_nothing(command: list[str], capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main([*command, "--radius-m", "25"])
    assert info.value.code == 2
    assert "unrecognized arguments: --radius-m 25" in capsys.readouterr().err


def test_every_subcommand_describes_itself_and_its_format_and_objective() -> None:
    from exposure.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in sub.choices.items():
        assert len(command.description or "") > 40, name
        for action in command._actions:
            if action.option_strings and action.option_strings[0] in ("--format", "--objective"):
                assert action.help, (name, action.option_strings)
                default = action.default if action.default is not None else "required"
                assert f"[{default}]" in action.help or "(required)" in action.help, (name, action.help)


@pytest.mark.parametrize("args", [
    ["route", "--origin", "Rautatientori", "--destination", "Kauppatori", "--objective", "shortest"],
    ["cameras"],
    ["network", "--format", "geojson"],
])
def test_every_out_says_where_it_wrote(capsys, tmp_path, args: list[str]) -> None:
    out = tmp_path / "result.txt"
    code, stdout, err = run(capsys, *args, "--out", str(out))
    assert code == 0
    assert stdout == ""
    assert f"wrote {out}" in err
    assert out.stat().st_size > 0


def test_every_command_has_its_module_and_function() -> None:
    from exposure.cli import COMMANDS, build_parser

    usage = build_parser().format_usage()  # "usage: exposure [-h] {route,plan,...} ..."
    assert usage[usage.index("{") + 1:usage.index("}")].split(",") == list(COMMANDS)
    for command, (module, name) in COMMANDS.items():
        assert callable(getattr(importlib.import_module(f"exposure.cli.{module}"), name)), command


def test_help_and_usage_errors_load_no_engine() -> None:
    # the command line answers --help at once: the engine (pandas, the street network) loads with a command
    code = ("import sys\nfrom exposure.cli import main\ntry:\n    main(['route', '--help'])\nexcept SystemExit:\n"
            "    pass\nprint(sorted(m for m in ('numpy', 'pandas', 'exposure.datasets', 'exposure.cli.walks') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert proc.stdout.splitlines()[-1] == "[]"
