"""Shared fixtures: a small valid lists/ tree that a test can spoil one file at a time.

Usage::

    def test_something(make_tree):
        lists = make_tree({"520000-scjgj/powers.yml": "items: []\\n"})
        report = validate(lists, today=TODAY)

``make_tree(files)`` writes ``VALID_FILES`` with ``files`` laid over them into
``tmp_path/lists`` and returns that folder. A value of ``None`` leaves the file
out; ``bytes`` are written as they are (for encoding tests); ``str`` is written
as UTF-8. The tree and its constants (``TODAY``, ``VALID_FILES``,
``PROVINCE_DEPT``, ``CITY_DEPT``) live in tests/tree_support.py: import them
from there, as ``from conftest import`` is ambiguous when several folders have
a conftest.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from qingdan.dataset import Dataset, load_dataset

from tree_support import (  # noqa: F401  (re-exported for older imports)
    CITY_DEPT, CORPUS, PROVINCE_DEPT, TODAY, VALID_FILES, TreeFiles, assert_problems, changed_files,
    write_tree,
)


@pytest.fixture
def make_tree(tmp_path: Path) -> Callable[..., Path]:
    """A factory: ``make_tree(files={}, base=VALID_FILES)`` → the lists/ folder it wrote.

    Call it at most once per test (every call writes into the same tmp_path).
    """

    def make(files: TreeFiles | None = None, base: Mapping[str, str] = VALID_FILES) -> Path:
        return write_tree(tmp_path, files or {}, base)

    return make


@pytest.fixture
def valid_tree(make_tree: Callable[..., Path]) -> Path:
    """The valid tree, unchanged."""
    return make_tree()


@pytest.fixture(scope="session")
def sample() -> Dataset:
    """The repository's sample lists/, loaded and validated once per session."""
    data = load_dataset(Path(__file__).resolve().parents[1] / "lists")
    assert data.ok, "the sample lists/ must be valid"
    return data


def pytest_configure(config: pytest.Config) -> None:
    """Fetch the national law catalogue once if this machine lacks it: its tests never skip."""
    from qingdan.laws import data

    if data.locate() is None:
        data.fetch()
