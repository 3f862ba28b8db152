"""Reading git: one ``git log`` pass along the first-parent line, one ``git cat-file`` process.

Everything goes through GitPython's command wrapper (``repo.git``). Calling
``iter_commits(paths=...)`` once per file is about 80 times slower and leaves
processes behind on large repositories, so this module never does.
"""

from __future__ import annotations

import fcntl
import queue
import subprocess
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git

from ..errors import QingdanError

NULL_SHA = "0" * 40

# One commit header: a record mark, then fields separated by NUL. With -z git
# ends the header with one more NUL and puts the raw diff after it.
_FIELDS = ("%H", "%P", "%an", "%ae", "%aI", "%cn", "%ce", "%cI", "%B")
_FORMAT = "%x1eC" + "%x00".join(_FIELDS)
_MARK = b"\x1eC"


@dataclass(slots=True)
class RawChange:
    """One file changed by a commit (``git log --raw``), path relative to lists/."""

    status: str
    old_blob: str
    new_blob: str
    path: str


@dataclass(slots=True)
class Commit:
    """One commit on the first-parent line, with the files it changed under lists/."""

    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    author_date: str
    committer_name: str
    committer_email: str
    commit_date: str
    message: str
    changes: list[RawChange] = field(default_factory=list)


def open_repo(path: Path | str) -> git.Repo:
    """The git repository at ``path`` (or above it), or a Chinese error."""
    try:
        return git.Repo(path, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise QingdanError(f"{path} 不是 git 仓库（也不在 git 仓库中）；修订历史只能从 git 仓库读取") from None


def resolve(repo: git.Repo, rev: str) -> str:
    """The full sha of the commit ``rev`` names, or a Chinese error."""
    try:
        return repo.git.rev_parse("--verify", "--quiet", "--end-of-options", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise QingdanError(f"找不到版本 {rev}：请写分支名、标签名或提交编号") from None


def lists_prefix(subdir: str) -> str:
    """``lists/`` from ``lists`` (the folder inside the repository, POSIX style)."""
    return subdir.strip("/") + "/" if subdir.strip("/") else ""


def first_parent_log(repo: git.Repo, head: str, subdir: str = "lists", stop: str | None = None) -> list[Commit]:
    """Commits on the first-parent line of ``head`` that changed ``subdir``, oldest first.

    A merge is one step: its changes are those against its first parent. With
    ``stop`` the walk ends at that commit (excluded), for a rebuild that only
    reads new commits.
    """
    args = ["--first-parent", f"--format={_FORMAT}", "--raw", "-z", "--no-abbrev", "--no-renames",
            "--no-color", "--end-of-options", head]
    if stop:
        args.append(f"^{stop}")
    out = repo.git.log(*args, "--", subdir or ".", stdout_as_string=False, strip_newline_in_stdout=False)
    commits = list(parse_log(out, lists_prefix(subdir)))
    commits.reverse()
    return commits


def first_parent_touching(repo: git.Repo, head: str, paths: list[str]) -> list[Commit]:
    """Commits on the first-parent line of ``head`` that changed any of ``paths`` (from the top), oldest first."""
    out = repo.git.log("--first-parent", f"--format={_FORMAT}", "--raw", "-z", "--no-abbrev", "--no-renames",
                       "--no-color", "--end-of-options", head, "--", *paths, stdout_as_string=False,
                       strip_newline_in_stdout=False)
    commits = list(parse_log(out, ""))
    commits.reverse()
    return commits


def first_parent_line(repo: git.Repo, head: str) -> list[str]:
    """Every commit on the first-parent line of ``head``, oldest first."""
    return repo.git.rev_list("--first-parent", "--reverse", "--end-of-options", head).split()


def parse_log(out: bytes, prefix: str) -> Iterator[Commit]:
    """Commits from the output of ``git log -z --raw`` with this module's format."""
    tokens = out.split(b"\0")
    i, n = 0, len(tokens)
    while i < n:
        token = tokens[i].lstrip(b"\n")
        if not token.startswith(_MARK):
            i += 1
            continue
        values = [token[len(_MARK):], *tokens[i + 1:i + len(_FIELDS)]]
        text = [v.decode("utf-8", errors="replace") for v in values]
        commit = Commit(text[0], text[1].split(), *text[2:8], message=text[8])
        i = _raw_entries(tokens, i + len(_FIELDS), prefix, commit.changes)
        yield commit


def _raw_entries(tokens: list[bytes], i: int, prefix: str, into: list[RawChange]) -> int:
    """Read ``:mode mode sha sha status\0path`` entries from ``tokens[i:]`` up to the next commit."""
    while i < len(tokens):
        meta = tokens[i].lstrip(b"\n")
        if meta.startswith(_MARK):
            break
        if not meta.startswith(b":"):
            i += 1
            continue
        path = tokens[i + 1].decode("utf-8", errors="surrogateescape")
        i += 2
        parts = meta[1:].decode("ascii").split()
        if path.startswith(prefix):
            into.append(RawChange(parts[4][:1], parts[2], parts[3], path[len(prefix):]))
    return i


def diff_trees(repo: git.Repo, old: str, new: str, subdir: str = "lists") -> list[RawChange]:
    """The files under ``subdir`` that differ between two commits."""
    out = repo.git.diff_tree("-r", "--raw", "-z", "--no-abbrev", "--no-renames", "--end-of-options",
                             old, new, "--", subdir or ".", stdout_as_string=False,
                             strip_newline_in_stdout=False)
    changes: list[RawChange] = []
    _raw_entries(out.split(b"\0"), 0, lists_prefix(subdir), changes)
    return changes


def tree_size(repo: git.Repo, rev: str, subdir: str = "lists") -> int:
    """The total size in bytes of the files under ``subdir`` at ``rev``."""
    out = repo.git.ls_tree("-r", "-l", "--full-tree", "--end-of-options", rev, "--", subdir or ".")
    return sum(int(parts[3]) for parts in (line.split(None, 4) for line in out.splitlines())
               if len(parts) > 3 and parts[3].isdigit())


def tree_files(repo: git.Repo, rev: str, subdir: str = "lists") -> list[RawChange]:
    """Every file under ``subdir`` at ``rev``, as additions (for comparing with nothing)."""
    out = repo.git.ls_tree("-r", "-z", "--full-tree", "--end-of-options", rev, "--", subdir or ".",
                           stdout_as_string=False, strip_newline_in_stdout=False)
    prefix = lists_prefix(subdir)
    found = []
    for entry in out.split(b"\0"):
        if not entry:
            continue
        meta, _tab, path = entry.partition(b"\t")
        mode, kind, sha = meta.decode("ascii").split()
        name = path.decode("utf-8", errors="surrogateescape")
        if kind == "blob" and name.startswith(prefix):
            found.append(RawChange("A", NULL_SHA, sha, name[len(prefix):]))
    return found


class BlobReader:
    """File contents by blob sha from one ``git cat-file --batch`` process.

    Use as a context manager: the process is closed and waited for on exit,
    never left to the garbage collector. ``read_many`` feeds requests from a
    thread so git inflates the next blob while Python works on this one.
    """

    def __init__(self, repo: git.Repo, cache_bytes: int | None = None) -> None:
        self.repo = repo
        self.cache_bytes = cache_bytes
        self._handle = None  # GitPython's AutoInterrupt: dropping it kills the process
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> "BlobReader":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _process(self) -> subprocess.Popen:
        if self._proc is None:
            # Reading every version of large files in order, git applies each delta to the
            # version before it: a delta base cache that holds one version of every file
            # keeps that a single step instead of a replay of the whole chain.
            options = {"c": f"core.deltaBaseCacheLimit={self.cache_bytes}"} if self.cache_bytes else {}
            self._handle = self.repo.git(**options).cat_file("--batch", as_process=True, istream=subprocess.PIPE)
            self._proc = self._handle.proc
            _widen(self._proc.stdout)
        return self._proc

    def close(self) -> None:
        """End the git process and wait for it."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream:
                stream.close()
        proc.wait()
        self._handle = None

    def read(self, sha: str) -> bytes | None:
        """The content of one blob (None if git does not have it)."""
        return next(self.read_many([sha]))[1]

    def read_many(self, shas: Iterable[str]) -> Iterator[tuple[str, bytes | None]]:
        """(sha, content) for each sha, in order.

        A thread writes the requests and another reads the answers into a
        small queue, so git inflates the next files while Python works on
        this one (a pipe holds less than one large file).
        """
        wanted = list(shas)
        if not wanted:
            return
        with self._lock:
            proc = self._process()
            box: queue.Queue = queue.Queue(maxsize=8)
            writer = threading.Thread(target=_feed, args=(proc.stdin, wanted), daemon=True)
            reader = threading.Thread(target=_drain, args=(proc.stdout, wanted, box), daemon=True)
            writer.start()
            reader.start()
            try:
                for _sha in wanted:
                    got = box.get()
                    if isinstance(got, BaseException):
                        raise got
                    yield got
            finally:
                # A consumer that stopped early leaves answers coming: let the reader
                # take them all, so the next request gets its own answer.
                while reader.is_alive():
                    try:
                        box.get(timeout=0.05)
                    except queue.Empty:
                        pass
                writer.join()


def _drain(stream, wanted: list[str], box: queue.Queue) -> None:
    try:
        for sha in wanted:
            box.put((sha, _answer(stream)))
    except BaseException as exc:  # handed to the consumer, which raises it
        box.put(exc)


def _widen(stream) -> None:
    """A 1 MiB pipe instead of 64 KiB: fewer switches between git and Python for large files."""
    try:
        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (OSError, ValueError, AttributeError):
        pass  # not Linux, or the system limit is lower: the default pipe works too


def _feed(stream, shas: list[str]) -> None:
    try:
        stream.write("".join(f"{sha}\n" for sha in shas).encode("ascii"))
        stream.flush()
    except (BrokenPipeError, ValueError):
        pass  # the reader stopped early; close() ends the process


def _answer(stream) -> bytes | None:
    header = stream.readline()
    if not header:
        raise QingdanError("git cat-file 意外退出，无法读取文件内容")
    parts = header.split()
    if len(parts) < 3 or parts[1] != b"blob":
        return None  # "<sha> missing", or not a blob
    size = int(parts[2])
    data = stream.read(size)
    stream.read(1)  # the newline after the content
    return data
