"""Reading trees whose files must be regular files: never through a link, a device or a pipe.

A symbolic link under lists/, content/ or a built site lets one path stand for
another file: a secret of the machine (/etc/passwd would be printed in an
error and land in public CI logs), or a file outside the repository that no
review sees and whose later edits no audit records. Every reader of those
trees goes through this module, which refuses what is not a regular file
instead of following it.

A link is refused where it stands: the last component is opened with
O_NOFOLLOW (no window between a check and the read), the folders between the
tree's root and the file are checked with lstat, and the listing never enters
a linked folder.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from .errors import QingdanError

# The largest data file qingdan reads, from disk or from git (load/text.py says so to staff).
MAX_FILE_BYTES = 64 * 1024 * 1024

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)


class NotRegularFile(QingdanError):
    """A path that is a link, a device, a pipe or a socket where a regular file was expected."""

    def __init__(self, path: Path | str, what: str) -> None:
        super().__init__(f"{path} 是{what}，不是普通文件，不会被读取")
        self.path = str(path)
        self.what = what


class FileTooLarge(QingdanError):
    """A regular file above the size its reader accepts; nothing of it was read."""

    def __init__(self, path: Path | str, size: int, limit: int) -> None:
        super().__init__(f"{path} 有 {size:,} 字节，超过上限 {limit:,} 字节")
        self.path = str(path)
        self.size = size
        self.limit = limit


def describe(mode: int) -> str | None:
    """What a file of ``mode`` (from lstat) is, in Chinese; None for a regular file or a folder."""
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return None
    if stat.S_ISLNK(mode):
        return "符号链接"
    if stat.S_ISFIFO(mode):
        return "命名管道"
    if stat.S_ISSOCK(mode):
        return "套接字"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "设备文件"
    return "特殊文件"


class Digested(NamedTuple):
    """Bytes to write, and their SHA-256 (hex) when whoever made them had to work it out anyway: a
    site-wide download is listed in the data package by its hash, and is a quarter of a gigabyte at
    100,000 items; a writer recording digests takes this one instead of hashing the bytes again."""

    data: bytes
    sha256: str

    @classmethod
    def of(cls, data: bytes) -> Digested:
        return cls(data, hashlib.sha256(data).hexdigest())


@dataclass
class Tree:
    """The regular files below a root, and every entry refused (relative POSIX path, what it is)."""

    files: list[str] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)
    folders: list[str] = field(default_factory=list)  # every folder entered (unsorted)
    stats: dict[str, tuple[int, int]] = field(default_factory=dict)  # file -> size, mtime_ns (walk(stats=True))


def walk(root: Path, *, stats: bool = False) -> Tree:
    """Every entry below ``root`` sorted: regular files kept, anything else refused.

    A linked folder is refused as an entry and never entered; hidden entries
    are listed like the others (a link is a link wherever it stands). Entries
    are read with os.scandir, whose listing already says what each is: a site
    folder of 100,000 files is listed without a stat call per file, unless
    ``stats`` asks for each file's size and modification time.
    """
    tree = Tree()
    folders = [("", os.fspath(root))]
    while folders:
        prefix, folder = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # removed while listing, or not to be read (as os.walk skips it)
        for entry in entries:
            relpath = prefix + entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((relpath + "/", entry.path))
                    tree.folders.append(relpath)
                    continue
                if entry.is_symlink():
                    linked_dir = os.path.isdir(entry.path)
                    tree.refused.append((relpath, "符号链接（指向文件夹）" if linked_dir else "符号链接"))
                    continue
                what = None if entry.is_file(follow_symlinks=False) else describe(entry.stat(follow_symlinks=False).st_mode)
                if what is None and stats:
                    st = entry.stat(follow_symlinks=False)
                    tree.stats[relpath] = (st.st_size, st.st_mtime_ns)
            except FileNotFoundError:
                continue  # removed while listing
            if what is None:
                tree.files.append(relpath)
            else:
                tree.refused.append((relpath, what))
    tree.files.sort()
    tree.refused.sort()
    return tree


def check_inside(path: Path, root: Path | None) -> None:
    """Raise NotRegularFile when a folder between ``root`` and ``path`` is a link."""
    if root is None:
        return
    try:
        parts = path.relative_to(root).parts[:-1]
    except ValueError:
        return  # not below root: the caller named the file itself
    current = root
    for part in parts:
        current = current / part
        if current.is_symlink():
            raise NotRegularFile(current, "符号链接（指向文件夹）")


def read_regular(path: Path, *, root: Path | None = None, limit: int | None = None) -> bytes:
    """The bytes of ``path``, which must be a regular file reached without links below ``root``.

    With ``limit``, a file larger than ``limit`` bytes raises FileTooLarge
    before any of it is read. FileNotFoundError passes through (IsADirectoryError
    for a folder); a link or special file raises NotRegularFile.
    """
    check_inside(path, root)
    try:
        fd = os.open(path, _READ_FLAGS)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.EMLINK) and path.is_symlink():
            raise NotRegularFile(path, "符号链接") from None
        raise
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
        what = describe(info.st_mode)
        if what is not None:
            raise NotRegularFile(path, what)
        if limit is not None and info.st_size > limit:
            raise FileTooLarge(path, info.st_size, limit)
        # A file that grows while it is read is cut at the limit, never read without end.
        return handle.read() if limit is None else handle.read(limit + 1)


def is_regular(path: Path) -> bool:
    """True for a regular file that is not a link (lstat: the link itself is judged)."""
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except FileNotFoundError:
        return False


# -- writing: whole or not at all ---------------------------------------------------
# Readers (a web server, an editor, the next run of a command) see the old
# content or the new one, never a half-written file or folder.


def remove(path: Path) -> None:
    """Remove ``path`` whatever it is: a folder with what it holds, a file, a link (never followed)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` whole or not at all: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def staged_folder(target: Path) -> Iterator[Path]:
    """A fresh folder beside ``target`` to fill; it takes ``target``'s place when the block ends without error.

    An existing ``target`` is replaced as a whole (renamed aside, then
    removed); on an error ``target`` stays as it was and the staging folder
    is removed, and so are the folders above ``target`` made for it. The caller
    decides beforehand whether ``target`` may be replaced.
    """
    made = [parent for parent in (target.parent, *target.parent.parents) if not parent.exists()]
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    done = False
    try:
        yield staging
        if target.exists():
            old = target.rename(target.with_name(f"{staging.name}.old"))
            staging.rename(target)
            shutil.rmtree(old)
        else:
            staging.rename(target)
        done = True
    finally:
        if staging.exists():
            shutil.rmtree(staging)
        for parent in made if not done else ():  # innermost first; one someone else filled meanwhile stays
            with suppress(OSError):
                parent.rmdir()


@contextmanager
def folder_lock(folder: Path, waiting: Callable[[], None] | None = None) -> Iterator[None]:
    """One writer at a time in ``folder`` (created if missing): an advisory lock on the folder itself.

    A second holder waits for the first, calling ``waiting()`` once before it does.
    The lock goes with the process, however it ends (a killed build leaves no stale
    lock file behind), and it puts no file in the folder; a folder made here and
    still empty at the end (nothing was written: the data had errors) is removed.
    Where the system has no ``flock`` (Windows) nothing is locked.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        yield
        return
    made = not folder.exists()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError as exc:
        raise QingdanError(f"无法创建或打开文件夹 {folder}：{exc.strerror or exc}；请换一个可以写入的文件夹") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if waiting is not None:
                waiting()
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
        if made:
            with suppress(OSError):
                folder.rmdir()  # only if empty


def is_sha256(value: object) -> bool:
    """``value`` is a SHA-256 as hexdigest() writes it (64 lowercase hex digits)."""
    return isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks so large downloads do not fill memory."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
