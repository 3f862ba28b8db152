"""The validator's per-file cache: each file's own result, keyed by its content and the code that judged it."""

from __future__ import annotations

import functools
import hashlib
import marshal
import sys
from pathlib import Path

from .. import __version__
from ..files import write_atomic


class Cache:
    """Per-file results keyed by content, path and tool version.

    An entry is marshal data behind a SHA-256 checksum. marshal reads several
    times faster than JSON and, unlike pickle, never runs code; the checksum
    turns a damaged or truncated entry into a miss instead of trusted data.
    """

    MAGIC = b"QDC2"
    _HEAD = len(MAGIC) + 32

    def __init__(self, directory: Path | None, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix

    def _path(self, relpath: str, digest: str) -> Path | None:
        if self.directory is None:
            return None
        # marshal's format may change between Python versions, so they do not share entries.
        python = f"{sys.version_info[0]}.{sys.version_info[1]}/{marshal.version}"
        text = f"{__version__}\0{_code_digest()}\0{python}\0{self.prefix}\0{relpath}\0{digest}"
        key = hashlib.sha256(text.encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.bin"

    def digest_index(self, lists_dir: Path) -> Path | None:
        """Where the file digests of ``lists_dir`` are remembered (digests.py), one index per folder."""
        if self.directory is None:
            return None
        folder = hashlib.sha256(f"{lists_dir.resolve()}\0{self.prefix}".encode()).hexdigest()[:16]
        return self.directory / f"digests-{folder}.idx"

    def get(self, relpath: str, digest: str) -> dict | None:
        path = self._path(relpath, digest)
        if path is None:
            return None
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        magic, checksum, payload = blob[: len(self.MAGIC)], blob[len(self.MAGIC): self._HEAD], blob[self._HEAD:]
        if magic != self.MAGIC or checksum != hashlib.sha256(payload).digest():
            return None  # a damaged entry is recomputed, never trusted
        try:
            entry = marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None
        return entry if isinstance(entry, dict) and {"problems", "facts"} <= entry.keys() else None

    def put(self, relpath: str, digest: str, entry: dict) -> None:
        path = self._path(relpath, digest)
        if path is None:
            return
        try:
            payload = marshal.dumps(entry)
            write_atomic(path, self.MAGIC + hashlib.sha256(payload).digest() + payload)
        except (OSError, ValueError):
            pass  # a read-only checkout still validates, only slower


# The modules whose code decides a file's own result: a change to any of them
# makes every cached entry stale, even without a version bump.
_PER_FILE_CODE = ("load", "model", "problems.py", "facts.py", "layout.py")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    package = Path(__file__).parent.parent
    digest = hashlib.sha256()
    for name in _PER_FILE_CODE:
        target = package / name
        for path in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
