"""Group review of cameras: a store of reviews, agreement among reviewers, plausibility, merging, OSM export."""

from __future__ import annotations

__all__: list[str] = []
