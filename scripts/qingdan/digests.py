"""Content digests of the data files, remembered by their stat, as git's index does.

Re-validation after a one-file edit must not read and hash every file (193 MB
at 100,000 items) to find the one that changed. A file whose size, mtime,
ctime and inode are what they were when its digest was taken has the same
content, unless it was written again within the file system's timestamp
granularity of that moment ("racily clean" in git's words). So a remembered
digest is trusted only for a file whose mtime and ctime were already
``MARGIN_NS`` old when the run that remembered it started; any later write
then shows as a newer timestamp. Other files are read and hashed again.

The index is one small file beside the validation cache, marshal data behind
a SHA-256 checksum like the cache entries: damaged or foreign, it is ignored.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import time
from pathlib import Path

from .files import read_regular, write_atomic

MAGIC = b"QDS1"
MARGIN_NS = 2_000_000_000  # coarser than any file system's timestamps (FAT: 2 s)

Key = tuple[int, int, int, int]  # size, mtime_ns, ctime_ns, inode


class FileDigests:
    """SHA-256 of files by path, read again only when their stat says they may have changed."""

    def __init__(self, index: Path | None, *, margin_ns: int = MARGIN_NS) -> None:
        self.index = index
        self.margin_ns = margin_ns
        self.started = time.time_ns()  # before any stat of this run
        self._known: dict[str, tuple] = {}
        self._trusted_before = 0
        self._seen: dict[str, tuple] = {}
        self._hashed = 0
        if index is not None:
            self._load(index)

    def _load(self, index: Path) -> None:
        try:
            blob = index.read_bytes()
            head, checksum, payload = blob[:4], blob[4:36], blob[36:]
            if head != MAGIC or hashlib.sha256(payload).digest() != checksum:
                return
            data = marshal.loads(payload)
            started, files = data["started"], data["files"]
        except (OSError, EOFError, ValueError, TypeError, KeyError):
            return
        if isinstance(started, int) and isinstance(files, dict):
            self._known, self._trusted_before = files, started - self.margin_ns

    def digest(self, path: Path, relpath: str, stat: os.stat_result) -> str:
        """The hex digest of the file at ``path``; ``stat`` must be taken before this call."""
        key: Key = (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)
        known = self._known.get(relpath)
        settled = max(stat.st_mtime_ns, stat.st_ctime_ns) < self._trusted_before
        if known is not None and tuple(known[:4]) == key and settled:
            digest = known[4]
        else:
            digest = hashlib.sha256(read_regular(path)).hexdigest()
            self._hashed += 1
        self._seen[relpath] = (*key, digest)
        return digest

    def save(self) -> None:
        """Remember the digests of this run (only the files it saw); best effort.

        Skipped when every digest was trusted and no file came or went: the
        index on disk already says all of it.
        """
        if self.index is None or (not self._hashed and self._seen.keys() == self._known.keys()):
            return
        payload = marshal.dumps({"started": self.started, "files": self._seen})
        try:
            write_atomic(self.index, MAGIC + hashlib.sha256(payload).digest() + payload)
        except OSError:
            pass  # a read-only cache folder: the next run hashes again
