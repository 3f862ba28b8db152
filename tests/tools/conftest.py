"""Fixtures for the tools tests: the sample dataset, loaded once from a copy of lists/."""

from __future__ import annotations

import shutil

import pytest

from qingdan.dataset import Dataset, load_dataset

from toolsupport import SAMPLE


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    """The sample dataset, read from a private copy (tests may write next to it)."""
    copy = tmp_path_factory.mktemp("sample") / "lists"
    shutil.copytree(SAMPLE, copy)
    return load_dataset(copy)
