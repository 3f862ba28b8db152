"""Contributed files (search index, downloads) made in a child process.

Building a large site is two kinds of work: writing one page per item, and
building the search index and the download files. They do not depend on each
other, and the machine has two cores, so the second runs in a forked child
that writes its files straight into the output folder while the pages are
written (pages link those files by paths known beforehand: extras.linked_paths).

Where ``fork`` is not available, the work runs in this process instead.

The objects that exist at the fork (the loaded dataset, a gigabyte at 100,000
items) are frozen out of the garbage collector until the child is done: a
collection would write to every one of them and so copy every memory page the
two processes share.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import threading
import traceback
from collections.abc import Callable, Collection
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..dataset import Dataset
from ..errors import QingdanError
from ..memory import freeze_shared, thaw_shared
from ..store import Store
from .extras import contributions
from .history import History
from .incremental import Found, SiteWriter, writing


def _write_all(dataset: Dataset, history: History | None, out_dir: Path, pages: Callable[[], Collection[str]],
               store: Store | None, writer: SiteWriter | None) -> list[str]:
    write = writing(out_dir, writer)
    paths: list[str] = []
    for stage in contributions(dataset, history, pages, store=store):
        paths += write(stage)
        del stage  # one stage in memory at a time
    return paths


def _produce(dataset: Dataset, history: History | None, out_dir: Path, conn: Connection,
             pages: Collection[str] | Connection = (), store: Store | None = None,
             writer: SiteWriter | None = None, walk: bool = False) -> None:
    """The child's work; ``pages`` are the site's pages, or the end of a pipe they will come through.

    With ``walk``, the child first clears the output folder for ``writer`` (SiteWriter.clear) and
    sends what it found to the parent, whose first write waits for it.
    """
    sending: threading.Thread | None = None
    try:
        # Read first: the parent's send of the pages (megabytes at 100,000 items) waits for a reader.
        given = _receiving(pages, "页面列表") if isinstance(pages, Connection) else lambda: pages
        if walk and writer is not None:
            found = writer.clear()
            writer.walked(found)
            # Sent from a thread: what was found (megabytes at 100,000 files) fills the pipe, and the
            # parent reads it only at its first write, once it has planned the pages.
            sending = threading.Thread(target=conn.send, args=(("walked", found),), daemon=True)
            sending.start()
        mark = writer.mark() if writer is not None else None
        paths = _write_all(dataset, history, out_dir, given, store, writer)
        # The parent's writer learns what this copy of it wrote (SiteWriter.absorb), and its store
        # what this copy of it used (Store.prune keeps it).
        result: tuple[str, Any] = ("ok", (paths, writer.since(mark, paths) if writer is not None else None,
                                          store.used if store is not None else set()))
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises
        result = ("error", traceback.format_exc())
    try:
        if sending is not None:
            sending.join()  # one message after the other
        conn.send(result)
    finally:
        conn.close()


def _receiving(conn: Connection, what: str) -> Callable[[], Any]:
    """What the parent sends through ``conn`` (the pages once it has planned them), read as it comes
    (a thread, so that the parent's send never waits for this child to be free); ``what`` names it
    in the error when the parent stopped first."""
    got: list[Any] = []

    def read() -> None:
        with contextlib.suppress(EOFError):  # the parent stopped first: received() says so
            got.append(conn.recv())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def received() -> Any:
        reader.join()
        if not got:
            raise QingdanError(f"没有收到{what}（生成页面的进程已停止）")
        return got[0]

    return received


class Contributions:
    """The files of :func:`extras.contributions`, written under ``out_dir`` in the background.

    ``pages`` are the site's pages (feeds link only those). None starts the child
    before the pages are planned: search index, downloads and releases need no
    pages, and the feeds, made last, wait for :meth:`planned`.

    The output folder is walked (SiteWriter.clear) by the child while this
    process plans: the child's share is the lighter one, even in a process that
    keeps its records between builds (render --watch).
    """

    def __init__(self, dataset: Dataset, out_dir: Path, history: History | None = None,
                 pages: Collection[str] | None = (), store: Store | None = None,
                 writer: SiteWriter | None = None) -> None:
        self._paths: list[str] | None = None
        self._process: Any = None
        self._frozen = False
        self._writer = writer  # writes in place, leaving unchanged files alone (render --out)
        self._store = store
        self._pages_out: Any = None
        self._inline: Callable[[Callable[[], Collection[str]]], list[str]] | None = None
        self._failed: tuple[str, Any] | None = None  # the child's error, received while waiting for its walk
        if "fork" not in multiprocessing.get_all_start_methods():
            self._inline = functools.partial(_write_all, dataset, history, out_dir, store=store, writer=writer)
            if pages is not None:
                self.planned(pages)
            return
        ctx = multiprocessing.get_context("fork")
        self._conn, child = ctx.Pipe(duplex=False)
        pages_in = None
        if pages is None:
            pages_in, self._pages_out = ctx.Pipe(duplex=False)
        # The child walks the output folder (two seconds at 100,000 files) while this process plans.
        walk = writer is not None and writer.unwalked
        self._process = ctx.Process(target=_produce, daemon=True, args=(
            dataset, history, out_dir, child, pages if pages_in is None else pages_in, store, writer, walk))
        freeze_shared()
        self._frozen = True
        self._process.start()
        child.close()
        if pages_in is not None:
            pages_in.close()
        if walk:
            writer.walked_elsewhere(self._walked)  # type: ignore[union-attr]

    def _walked(self) -> Found:
        """What the child found clearing the output folder; its error if it failed first."""
        status, value = self._receive()
        if status != "walked":
            self._failed = (status, value)
            raise QingdanError(f"生成搜索索引和下载文件时出错：\n{value}")
        return value

    def planned(self, pages: Collection[str]) -> None:
        """Give the child the site's pages (when it was started without them)."""
        if self._inline is not None:
            self._paths = self._inline(lambda: pages)
            self._inline = None
        elif self._pages_out is not None:
            # A child with no feeds to make may be done already: it had no use for them.
            with contextlib.suppress(BrokenPipeError):
                self._pages_out.send(frozenset(pages))
            self._pages_out.close()
            self._pages_out = None

    def paths(self) -> list[str]:
        """The paths written (relative to ``out_dir``); waits for the child to finish."""
        if self._inline is not None or self._pages_out is not None:
            raise RuntimeError("Contributions.planned() must come first: the feeds need the pages")
        if self._paths is None:
            if self._failed is None and self._writer is not None:
                with contextlib.suppress(QingdanError):  # the child's failure is kept, and raised below
                    self._writer.ready()  # the child's first message: what it found walking the folder
            status, value = self._failed or self._receive()
            self._process.join()
            self._thaw()
            if status != "ok":
                raise QingdanError(f"生成搜索索引和下载文件时出错：\n{value}")
            paths, written, used = value
            if self._writer is not None:
                self._writer.absorb(written)
            if self._store is not None:
                self._store.used |= used
            self._paths = paths
        return self._paths

    def _receive(self) -> tuple[str, Any]:
        try:
            return self._conn.recv()
        except EOFError:
            return "error", "子进程意外退出（可能是内存不足）"

    def cancel(self) -> None:
        """Stop the child (the build failed elsewhere)."""
        if self._pages_out is not None:
            self._pages_out.close()
            self._pages_out = None
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()
        self._thaw()

    def _thaw(self) -> None:
        """Give the objects frozen at the fork back to the garbage collector, once."""
        if self._frozen:
            thaw_shared()
            self._frozen = False
