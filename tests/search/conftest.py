"""Fixtures: the sample lists built into a search index once per session.

The index is built by qingdan.search.build from lists/ (the sample data) and
queried through search.js under node, exactly as the browser would run it.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qingdan import search
from qingdan.dataset import Dataset

import node_runner as node

SAMPLE = Path(__file__).resolve().parents[2] / "lists"


@pytest.fixture(scope="session")
def sample_files(sample: Dataset) -> dict[str, bytes]:
    return search.build(sample)


@pytest.fixture(scope="session")
def sample_site(sample_files: dict[str, bytes], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return node.write_site(sample_files, tmp_path_factory.mktemp("site"))
