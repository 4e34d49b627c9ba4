"""Surveillance exposure: cameras, coverage, least-exposure walking routes and route audits."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
