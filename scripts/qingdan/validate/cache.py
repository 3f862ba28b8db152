"""The validator's per-file cache: each file's own result, keyed by its content and the code that judged it."""

from __future__ import annotations

import functools
import hashlib
import marshal
import sys
from pathlib import Path

from .. import __version__
from ..files import write_atomic

# marshal's format may change between Python versions, so they do not share entries.
PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}/{marshal.version}"


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
        text = f"{__version__}\0{code_digest()}\0{PYTHON}\0{self.prefix}\0{relpath}\0{digest}"
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
        entry = self.read(path) if path is not None else None
        return entry if isinstance(entry, dict) and {"problems", "facts"} <= entry.keys() else None

    def put(self, relpath: str, digest: str, entry: dict) -> None:
        path = self._path(relpath, digest)
        if path is not None:
            self.write(path, entry)

    def get_data(self, relpath: str, digest: str) -> tuple[bool, object]:
        """(found, the parsed data a file's record is made from, None if it gave none)."""
        path = self._path(relpath + "\0data", digest)
        held = self.read(path) if path is not None else None
        return (True, held["data"]) if isinstance(held, dict) and held.keys() == {"data"} else (False, None)

    def put_data(self, relpath: str, digest: str, data: object) -> None:
        path = self._path(relpath + "\0data", digest)
        if path is not None:
            self.write(path, {"data": data})

    def packed(self, lists_dir: Path, name: str) -> Path | None:
        """A file holding data of every file of ``lists_dir`` at once (validate/across.py), one per folder."""
        index = self.digest_index(lists_dir)
        return index.with_name(index.name.replace("digests-", f"{name}-", 1)) if index is not None else None

    def read(self, path: Path) -> object | None:
        """The data of one cache file, or None if it is missing, damaged or foreign."""
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        magic, checksum, payload = blob[: len(self.MAGIC)], blob[len(self.MAGIC): self._HEAD], blob[self._HEAD:]
        if magic != self.MAGIC or checksum != hashlib.sha256(payload).digest():
            return None  # a damaged entry is recomputed, never trusted
        try:
            return marshal.loads(payload)
        except (EOFError, ValueError, TypeError):
            return None

    def write(self, path: Path, data: object) -> None:
        """Write one cache file (best effort)."""
        try:
            payload = marshal.dumps(data)
            write_atomic(path, self.MAGIC + hashlib.sha256(payload).digest() + payload)
        except (OSError, ValueError):
            pass  # a read-only checkout still validates, only slower


# The modules whose code decides a file's own result: a change to any of them
# makes every cached entry stale, even without a version bump.
_PER_FILE_CODE = ("load", "model", "problems.py", "facts.py", "layout.py")


@functools.lru_cache(maxsize=4)
def code_digest(names: tuple[str, ...] = _PER_FILE_CODE) -> str:
    """A digest of the package's modules and folders ``names`` (the code a cached result came from)."""
    package = Path(__file__).parent.parent
    digest = hashlib.sha256()
    for name in names:
        target = package / name
        for path in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]
