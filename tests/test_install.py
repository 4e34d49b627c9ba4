"""The install `make` runs: no failing first attempt, no deprecated metadata (checked on the files it uses)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def install_recipe() -> list[str]:
    """The commands of the Makefile rule that creates and fills the virtual environment."""
    lines = (ROOT / "Makefile").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("$(VENV)/.installed:"))
    recipe = []
    for line in lines[start + 1:]:
        if not line.startswith("\t"):
            break
        if not line.strip().startswith("#"):
            recipe.append(line.strip())
    return recipe


def test_the_editable_install_has_no_failing_first_attempt() -> None:
    recipe = install_recipe()
    editable = [i for i, line in enumerate(recipe) if " -e ." in line]
    assert len(editable) == 1, recipe
    assert "||" not in recipe[editable[0]]  # no attempt that fails (red) before a fallback succeeds
    assert "--no-build-isolation" in recipe[editable[0]]
    # without build isolation the venv's own setuptools builds: it must be one that builds wheels by itself
    # (>= 70.1, no separate `wheel`) and reads an SPDX licence string (>= 77), installed before
    backend = [i for i, line in enumerate(recipe) if re.search(r'"setuptools>=(\d+)"', line)]
    assert backend, recipe
    assert backend[0] < editable[0]
    assert int(re.search(r'"setuptools>=(\d+)"', recipe[backend[0]]).group(1)) >= 77


def test_the_metadata_uses_an_spdx_licence_and_a_backend_that_reads_it() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["license"] == "MIT"  # a table here is deprecated by setuptools >= 77
    assert "setuptools>=77" in project["build-system"]["requires"]
    # explicit top-level packages: the editable install is a plain .pth file, without an import-finder warning
    assert project["tool"]["setuptools"]["package-dir"] == {"": "."}


def test_every_package_of_exposure_is_installed() -> None:
    # the packages are listed outright (see above): a new subpackage left off the list is missing from a wheel
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "exposure").rglob("__init__.py")}
    assert found == set(project["tool"]["setuptools"]["packages"])
