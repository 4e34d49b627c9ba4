"""The README's sample output and figures are what the code gives today (they are checked, not hoped)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from exposure.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
PLACEHOLDERS = ("…", "...")


def block_after(heading: str, language: str) -> str:
    """The first fenced block of a language after a heading."""
    rest = README[README.index(heading):]
    match = re.search(rf"```{language}\n(.*?)```", rest, flags=re.S)
    assert match, heading
    return match.group(1)


def agrees(doc: Any, real: Any, where: str = "") -> list[str]:
    """Where a documented sample differs from real output: numbers to the decimals the sample shows,
    placeholders ("…") stand for anything, and a dict documents all of its keys."""
    if isinstance(doc, str) and any(p in doc for p in PLACEHOLDERS):
        return []
    if isinstance(doc, dict):
        if set(doc) <= {"...", "…"}:
            return []
        problems = [f"{where}: keys {sorted(set(doc) ^ set(real))} differ"] if set(doc) != set(real) else []
        return problems + [p for k in doc if k in real for p in agrees(doc[k], real[k], f"{where}.{k}")]
    if isinstance(doc, list):
        return [p for i, d in enumerate(doc) if i < len(real) for p in agrees(d, real[i], f"{where}[{i}]")]
    if isinstance(doc, float) and not isinstance(real, bool):
        decimals = len(repr(doc).split(".")[1]) if "." in repr(doc) else 0
        return [] if round(float(real), decimals) == doc else [f"{where}: README {doc}, code {real}"]
    return [] if doc == real else [f"{where}: README {doc!r}, code {real!r}"]


def test_the_route_json_sample_is_what_the_route_command_prints(capsys) -> None:
    sample = json.loads(block_after("### `route` JSON (stable)", "json"))
    assert main(["route", "--origin", "Rautatientori", "--destination", "Kauppatori"]) == 0
    real = json.loads(capsys.readouterr().out)
    assert agrees(sample, real) == []


def test_the_decode_summary_sample_is_what_the_command_prints(capsys, shared_data) -> None:
    match = re.search(r"\n```\n(borough,intersections,.*?)```", README, flags=re.S)
    assert match
    sample = match.group(1)
    path = shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv"
    assert main(["cameras", "--source", str(path), "--summary"]) == 0
    assert capsys.readouterr().out == sample


def number(pattern: str) -> float:
    match = re.search(pattern, README.replace("\n", " "))
    assert match, pattern
    return float(match.group(1).replace("−", "-").replace("+", "").replace(",", ""))


def test_the_brooklyn_figures_in_the_readme(shared_data, capsys) -> None:
    path = str(shared_data / "nyc" / "decode_counts_per_intersection_brooklyn.csv")
    assert main(["density", "--cameras", path, "--areas", "nyc-borough", "--format", "json"]) == 0
    brooklyn = next(r for r in json.loads(capsys.readouterr().out)["rows"] if r["area_id"] == "BK")
    assert round(brooklyn["effective_cameras"], 1) == number(r"cameras are worth ([\d.,]+) effective cameras")
    assert round(brooklyn["effective_cameras_per_1000_residents"], 2) == number(
        r"effective cameras \(([\d.]+) per 1,000 residents\)")
    assert brooklyn["street_cameras"] == number(r"Brooklyn's ([\d,]+) street-furniture cameras")
    assert main(["watched", "--cameras", path, "--format", "json"]) == 0
    fit = json.loads(capsys.readouterr().out)["amnesty_model"]["fits"][0]
    assert fit["n"] == number(r"On the Brooklyn file: (\d+) NTAs")
    assert fit["n_above"] == number(r"residents, (\d+) above the threshold")
    assert round(fit["coef"], 2) == number(r"coefficient ([+−-][\d.]+) log-odds")
    assert round(fit["ci_low"], 2) == number(r"95 % CI ([+−-]?[\d.]+) to")
    assert round(fit["ci_high"], 2) == number(r"95 % CI [+−-]?[\d.]+ to ([+−-][\d.]+)")
    assert round(fit["p_value"], 2) == number(r"p = ([\d.]+)\)")
    assert round(fit["odds_ratio_per_10_points"], 2) == number(r"odds × ([\d.]+) per 10")


@pytest.mark.parametrize("mistake", [{"length_m": 1.0}, {"surprise": 1}])
def test_a_stale_sample_is_caught(mistake: dict[str, float]) -> None:
    real = {"length_m": 886.0, "label": "shortest"}
    assert agrees({**real, **mistake}, real)


def test_every_input_limit_is_in_the_readme_table_with_its_default() -> None:
    from exposure import settings

    table = README[README.index("| setting | default | bounds | checked |"):]
    table = table[: table.index("\n\n")]
    rows = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for name in re.findall(r"`(\w+)`", cells[0]):
            rows[name] = cells[1]
    # max_detour is the default detour of a request, not a limit (max_detour_allowed is)
    limits = [name for name in vars(settings) if name.startswith("max_") and name != "max_detour"]
    assert sorted(set(limits) - set(rows)) == []
    for name in limits:
        documented = float(re.match(r"[0-9,.]+", rows[name]).group(0).replace(",", ""))
        assert documented == float(getattr(settings, name)), name
