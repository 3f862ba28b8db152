"""The build store: bytes made by earlier builds, by the digest of everything they were made from.

A stage that can say what a file (or a part of one) is made from gives that as
an *input key* (:func:`input_key`: the code version and the inputs, digested)
and asks the store for it::

    data = store.made(input_key("page", path, record_digest), lambda: render(page))

The first build makes and keeps it; a later build with the same inputs gets
the kept bytes without making them. Because the key covers the code version
(every file of this package, templates included), a change of code or
templates never reuses bytes made by other code. The store is what makes
rebuilds incremental (``qingdan render --out``, ``mkdocs build``) and what
the shards of a distributed build hand to the merge step (``--shard I/N``):
each shard fills a store with its part, the merge step reads their union.

Layout: ``<folder>/<key[:2]>/<key>``, one file per key, written atomically.
:meth:`Store.prune` removes blobs older than ``KEEP_DAYS`` days that the
build did not use. The store is a private cache of
this checkout (``.qingdan-cache/build`` or ``$QINGDAN_CACHE_DIR/build``):
whoever can write it can change the site, like whoever can write the code.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from stat import S_ISREG
from typing import Any

from .errors import QingdanError
from .files import read_regular, walk, write_atomic
from .workspace import lists_cache_dir

KEEP_DAYS = 7
PRUNED = ".pruned"
_KEY = re.compile(r"[0-9a-f]{64}")


@functools.lru_cache(maxsize=1)
def code_version() -> str:
    """SHA-256 over every file of the qingdan package (path and bytes): any change of code,
    templates or assets gives another version, and so new keys for everything."""
    return folder_digest(Path(str(resources.files("qingdan"))))


def folder_digest(root: Path) -> str:
    """SHA-256 over the regular files below ``root``, path and bytes (template folders, the package)."""
    digest = hashlib.sha256()
    for relpath in walk(root).files:
        if "__pycache__" in relpath.split("/"):
            continue  # compiled copies of the sources, different on every machine
        digest.update(relpath.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(read_regular(root / relpath, root=root)).digest())
    return digest.hexdigest()


def store_for(lists_dir: Path, folder: Path | None = None) -> Store:
    """The build store of the checkout holding ``lists_dir``: ``folder`` if given, else its cache folder
    (``.qingdan-cache/build`` or ``$QINGDAN_CACHE_DIR/build``)."""
    return Store(folder if folder is not None else lists_cache_dir(lists_dir, "build"))


def input_key(*parts: str | bytes) -> str:
    """The key of something made from ``parts`` by this version of the code.

    Each part is length-prefixed, so ("ab", "c") and ("a", "bc") differ.
    """
    digest = _seeded().copy()  # a rebuild keys every page, some twice: the code version is hashed once
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def _seeded() -> Any:
    """A SHA-256 that has read the code version (copied for each key)."""
    return hashlib.sha256(code_version().encode())


def digest_of(data: str | bytes) -> str:
    """SHA-256 of ``data`` (text as UTF-8), to put into a key."""
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


@dataclass
class Store:
    """Bytes by input key, kept in ``folder``; ``folder=None`` keeps nothing (every call makes).

    ``made_count`` counts what was made and ``reused`` what came from the store, for
    the build's report and the tests.
    """

    folder: Path | None
    made_count: int = 0
    reused: int = 0
    used: set[str] = field(default_factory=set)

    def blob(self, key: str) -> Path | None:
        """Where ``key`` is kept (whether or not it is there); None without a folder."""
        if self.folder is None:
            return None
        if not _KEY.fullmatch(key):
            raise QingdanError(f"构建缓存的键无效：{key!r}")
        return self.folder / key[:2] / key

    def get(self, key: str) -> bytes | None:
        """The kept bytes of ``key``, or None (not kept, unreadable, or a link: never followed)."""
        path = self.blob(key)
        if path is None:
            return None
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            return None  # not kept, or a link: never followed
        try:
            with os.fdopen(fd, "rb") as f:
                if not S_ISREG(os.fstat(f.fileno()).st_mode):
                    return None
                data = f.read()
        except OSError:
            return None
        self.used.add(key)
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self.blob(key)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        self.used.add(key)

    def made(self, key: str, make: Callable[[], bytes | str]) -> bytes:
        """The bytes of ``key``: kept ones if there are, else ``make()``'s (then kept)."""
        kept = self.get(key)
        if kept is not None:
            self.reused += 1
            return kept
        made = make()
        data = made.encode("utf-8") if isinstance(made, str) else made
        self.put(key, data)
        self.made_count += 1
        return data

    def absorb(self, other: Path) -> int:
        """Take every blob of the store folder ``other`` (a shard's) that this one lacks; return how many."""
        if self.folder is None:
            return 0
        taken = 0
        for relpath in walk(other).files:
            prefix, _, key = relpath.partition("/")
            if "/" in key or len(key) != 64 or not key.startswith(prefix):
                continue  # not a blob of a store (a stray file): ignored
            target = self.blob(key)
            assert target is not None
            if target.exists():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(other / relpath, target, follow_symlinks=False)
            except OSError:
                write_atomic(target, read_regular(other / relpath, root=other))
            taken += 1
        return taken

    def prune(self, keep_days: float = KEEP_DAYS) -> int:
        """Remove blobs older than ``keep_days`` days that this build did not use; return how many.

        Call it after a whole build: what it used stays, and so does what other
        recent builds (another output folder, another branch) may still want.
        Listing a store of a large site takes a while, so it runs at most once a
        day (the time of the last run is kept in ``PRUNED``).
        """
        if self.folder is None or not self.folder.is_dir():
            return 0
        stamp = self.folder / PRUNED
        now = time.time()
        try:
            if now - stamp.lstat().st_mtime < 86400:
                return 0
        except OSError:
            pass
        write_atomic(stamp, "")
        cutoff = now - keep_days * 86400
        removed = 0
        for relpath in walk(self.folder).files:
            path = self.folder / relpath
            if relpath.rpartition("/")[2] in self.used or relpath == PRUNED:
                continue
            try:
                if path.lstat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except OSError:
                continue
        return removed
