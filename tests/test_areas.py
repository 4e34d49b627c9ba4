"""The areas package: every public name of its modules is importable from ``exposure.areas``, as before the split."""

from __future__ import annotations

import importlib

import pytest

import exposure.areas

MODULES = ("sets", "read", "density", "extent", "ranking", "figures", "layer")


@pytest.mark.parametrize("module", MODULES)
def test_every_public_name_is_re_exported(module: str) -> None:
    names = importlib.import_module(f"exposure.areas.{module}").__all__
    assert set(names) <= set(exposure.areas.__all__)
    for name in names:
        assert getattr(exposure.areas, name) is getattr(importlib.import_module(f"exposure.areas.{module}"), name)


def test_the_names_users_import_today_still_work() -> None:
    from exposure.areas import (  # noqa: F401 - the import is the test
        DENSITY_TOOLTIP,
        EFFECTIVE_QUAD_SEGS,
        MEASURES,
        NO_DATA_COLOUR,
        UNDEFINED_COLOUR,
        AreaError,
        area_sets,
        dataset_bounds,
        density_by_area,
        density_figure,
        density_layer,
        density_legend,
        density_png,
        density_to_csv,
        density_to_geojson,
        h3_areas,
        name_by_places,
        named_areas,
        osm_place_areas,
        read_areas,
    )

    assert all(hasattr(exposure.areas, name) for name in exposure.areas.__all__)
