"""The background child that writes the search index and downloads while pages are rendered."""

from __future__ import annotations

import gc
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from qingdan.dataset import Dataset
from qingdan.errors import QingdanError
from qingdan.render.background import Contributions
from qingdan.render.incremental import Found, SiteWriter


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


class _NotingWriter(SiteWriter):
    """A writer that notes, beside the output folder, which process cleared the folder."""

    def clear(self) -> Found:
        found = super().clear()
        (self.out_dir.parent / "cleared-by").write_text(str(os.getpid()), encoding="utf-8")
        return found


def test_the_child_clears_the_output_folder_and_the_first_page_write_waits_for_it(sample: Dataset,
                                                                                  tmp_path: Path) -> None:
    """Walking 100,000 files takes a second or more: the child does it while the parent plans; a link is
    gone before either writes, and the strays it found are removed at the end."""
    out = tmp_path / "site"
    (out / "old").mkdir(parents=True)
    (out / "old" / "stray.md").write_text("不是构建生成的", encoding="utf-8")
    (out / "empty").mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / "pages").symlink_to(outside, target_is_directory=True)
    writer = _NotingWriter(out)
    writer.start()
    work = Contributions(sample, out, pages={"pages/index.md"}, writer=writer)
    assert not writer.unwalked  # the child walks; this writer waits for what it found
    writer.write([("pages/index.md", "# 首页\n")])  # through the link, had it still been there
    assert (out / "pages").is_dir() and not (out / "pages").is_symlink()
    assert not any(outside.iterdir())
    assert int((tmp_path / "cleared-by").read_text(encoding="utf-8")) != os.getpid()
    work.paths()
    writer.finish()
    assert not (out / "old").exists() and not (out / "empty").exists()
    assert (out / "pages" / "index.md").read_text(encoding="utf-8") == "# 首页\n"


def _stray_and_linked_downloads(tmp_path: Path) -> tuple[Path, Path, _NotingWriter]:
    """An output folder holding a stray file and, where the downloads go, a link to a folder outside;
    and a started writer for it."""
    out = tmp_path / "site"
    (out / "old").mkdir(parents=True)
    (out / "old" / "stray.md").write_text("不是构建生成的", encoding="utf-8")
    outside = tmp_path / "outside"
    outside.mkdir()
    (out / "downloads").symlink_to(outside, target_is_directory=True)
    writer = _NotingWriter(out)
    writer.start()
    return out, outside, writer


def test_the_child_goes_on_while_what_it_found_waits_for_the_parent(sample: Dataset, tmp_path: Path) -> None:
    """What the walk found fills the pipe (megabytes at 100,000 files); the parent reads it only at its
    first write, once it has planned. The child makes its files meanwhile, never through the link its walk
    removed, and the strays go at the end."""
    out, outside, writer = _stray_and_linked_downloads(tmp_path)
    many = out / "many"
    many.mkdir()
    for n in range(4000):  # far more than a pipe holds (64 KiB) once listed
        (many / f"stray-file-with-a-long-name-{n:05d}.md").write_bytes(b"")
    work = Contributions(sample, out, pages={"index.md"}, writer=writer)
    package = out / "downloads" / "datapackage.json"
    deadline = time.monotonic() + 120
    while not package.is_file() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert package.is_file()  # made before this process read what the child found
    assert not any(outside.iterdir())  # the child's downloads went into a real folder
    writer.write([("index.md", "# 首页\n")])
    paths = work.paths()
    writer.finish()
    assert "downloads/datapackage.json" in paths and not (out / "downloads").is_symlink()
    assert not (out / "old").exists() and not many.exists()
    assert set(writer.digests) >= {"index.md", "downloads/datapackage.json"}


class _FailingWriter(SiteWriter):
    def clear(self) -> Found:
        raise QingdanError("输出文件夹无法读取")


def test_a_child_failing_to_clear_the_folder_stops_the_first_write_with_its_error(sample: Dataset,
                                                                                  tmp_path: Path) -> None:
    writer = _FailingWriter(tmp_path / "site")
    writer.start()
    before = gc.get_freeze_count()
    work = Contributions(sample, tmp_path / "site", pages=set(), writer=writer)
    with pytest.raises(QingdanError, match="输出文件夹无法读取"):
        writer.write([("index.md", "# 首页\n")])
    assert not (tmp_path / "site" / "index.md").exists()
    with pytest.raises(QingdanError, match="输出文件夹无法读取"):
        work.paths()  # the same error again, not a hang waiting for a message that never comes
    assert gc.get_freeze_count() == before


class _HeldWriter(SiteWriter):
    """A writer whose walk of the folder waits until a file named ``go`` appears beside it."""

    def clear(self) -> Found:
        deadline = time.monotonic() + 60
        while not (self.out_dir.parent / "go").exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return super().clear()


def test_the_pages_reach_the_child_while_it_is_still_walking(sample: Dataset, tmp_path: Path) -> None:
    """The parent sends the planned pages (megabytes at 100,000 items, more than a pipe holds) while the
    child may still be walking the output folder: the send must not wait for the walk."""
    writer = _HeldWriter(tmp_path / "site")
    writer.start()
    work = Contributions(sample, tmp_path / "site", pages=None, writer=writer)
    pages = {f"items/{n:06d}/index.md" for n in range(20_000)}
    started = time.monotonic()
    work.planned(pages)
    assert time.monotonic() - started < 30  # the walk is held for 60 s
    (tmp_path / "go").touch()
    assert "search-index/meta.json" in work.paths()


def test_without_fork_the_work_runs_here_and_the_folder_is_cleared_before_the_first_write(
        sample: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where fork is not available (Windows, macOS' default), the contributed files are made in this process:
    the writer clears the folder itself before its first write."""
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    out, outside, writer = _stray_and_linked_downloads(tmp_path)
    work = Contributions(sample, out, pages={"index.md"}, writer=writer)  # made here, at once
    assert int((tmp_path / "cleared-by").read_text(encoding="utf-8")) == os.getpid()
    assert not any(outside.iterdir())  # the downloads went into a real folder, not through the link
    paths = work.paths()
    writer.write([("index.md", "# 首页\n")])
    writer.finish()
    assert "downloads/datapackage.json" in paths and (out / "downloads" / "datapackage.json").is_file()
    assert not (out / "downloads").is_symlink() and not (out / "old").exists()
