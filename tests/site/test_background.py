"""The background child that writes the search index and downloads while pages are rendered."""

from __future__ import annotations

import gc
import multiprocessing
from pathlib import Path

import pytest

from qingdan.dataset import Dataset
from qingdan.errors import QingdanError
from qingdan.render.background import Contributions


def test_child_writes_every_contributed_file_and_gives_the_objects_back_to_gc(sample: Dataset,
                                                                              tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    work = Contributions(sample, tmp_path)
    assert gc.get_freeze_count() > before  # the dataset is frozen while the child shares it
    paths = work.paths()
    assert gc.get_freeze_count() == before
    assert "search-index/meta.json" in paths and "downloads/datapackage.json" in paths
    assert all((tmp_path / path).is_file() for path in paths)
    work.cancel()  # after the end: nothing to stop, nothing thawed twice
    assert gc.get_freeze_count() == before


def test_a_failing_child_is_a_clear_error(sample: Dataset, tmp_path: Path) -> None:
    blocked = tmp_path / "site"
    blocked.write_text("not a folder", encoding="utf-8")
    before = gc.get_freeze_count()
    with pytest.raises(QingdanError, match="生成搜索索引和下载文件时出错"):
        Contributions(sample, blocked).paths()
    assert gc.get_freeze_count() == before


def test_cancel_stops_the_child_and_thaws(sample: Dataset, tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    work = Contributions(sample, tmp_path)
    work.cancel()
    assert gc.get_freeze_count() == before
    assert not multiprocessing.active_children()


def test_a_child_started_before_the_pages_are_planned_makes_all_but_the_feeds_meanwhile(sample: Dataset,
                                                                                       tmp_path: Path) -> None:
    """write_site starts the child before planning the pages (pages=None): the search index and the
    downloads are made while no page is known; the pages come through planned()."""
    import time

    work = Contributions(sample, tmp_path, pages=None)
    deadline = time.monotonic() + 120
    while not (tmp_path / "downloads" / "datapackage.json").is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert (tmp_path / "downloads" / "datapackage.json").is_file()  # before the pages were given
    work.planned({"index.md"})
    paths = work.paths()
    assert "search-index/meta.json" in paths and all((tmp_path / path).is_file() for path in paths)


def test_asking_for_the_paths_before_the_pages_are_planned_is_refused_not_a_hang(sample: Dataset,
                                                                                  tmp_path: Path) -> None:
    before = gc.get_freeze_count()
    work = Contributions(sample, tmp_path, pages=None)
    with pytest.raises(RuntimeError, match="planned"):
        work.paths()
    work.cancel()
    assert gc.get_freeze_count() == before
    assert not multiprocessing.active_children()
