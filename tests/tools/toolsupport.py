"""Shared by the tools tests: where the sample data lives, and a marker to skip without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "lists"
needs_sample = pytest.mark.skipif(not (SAMPLE / "site.yml").is_file(), reason="sample data not present")

# A day before the sample site's publication deadline (as in tests/conftest.py), so no list is overdue.
TODAY = dt.date(2025, 6, 1)
