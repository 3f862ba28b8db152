"""The one door to git: every git command qingdan runs is run here, and its output parsed here.

Reading history is one ``git log`` pass along the first-parent line and one
``git cat-file`` process, through GitPython's command wrapper (``repo.git``).
Calling ``iter_commits(paths=...)`` once per file is about 80 times slower and
leaves processes behind on large repositories, so this module never does.
Single commands in a folder go through ``run``; the sample repositories are
written with ``FastImport``.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import io
import os
import queue
import subprocess
import threading
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git

from .errors import QingdanError
from .files import MAX_FILE_BYTES, staged_folder

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


@dataclass(slots=True)
class Authored:
    """A commit reachable from a head: its parents, author, author date and Co-authored-by trailers."""

    sha: str
    parents: list[str]
    author_name: str
    author_email: str
    author_date: str
    co_authors: list[str]  # the trailers' values, as git reads them


def author_log(repo: git.Repo, head: str) -> list[Authored]:
    """Every commit reachable from ``head`` (all branches merged into it), newest first, in one ``git log``."""
    out = repo.git.log("--format=%H%x00%P%x00%an%x00%ae%x00%aI%x00"
                       "%(trailers:key=Co-authored-by,valueonly,separator=%x01)",
                       "-z", "--end-of-options", head, stdout_as_string=False, strip_newline_in_stdout=False)
    fields = out.decode("utf-8", errors="replace").split("\0")
    found = []
    for i in range(0, len(fields) - 5, 6):
        sha, parents, name, email, date, co = fields[i:i + 6]
        found.append(Authored(sha.strip(), parents.split(), name, email, date,
                              [c for c in co.split("\x01") if c.strip()]))
    return found


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
            _check_tree_path(name, rev)
            if mode == "120000":  # as in a checkout (load.not_regular): data is never behind a link
                raise QingdanError(f"版本 {rev[:12]} 中的 {name} 是符号链接，不是普通文件：不会读取、写出或打包它")
            found.append(RawChange("A", NULL_SHA, sha, name[len(prefix):]))
    return found


def _check_tree_path(name: str, rev: str) -> None:
    """Refuse a path no checkout could hold (``lists/../x``, ``lists/.git/x``, an empty part).

    git refuses to check such a tree out, but its low-level commands write one, and a server that
    does not check what is pushed keeps it: written out as it stands, it would land outside the folder.
    """
    parts = name.split("/")
    if any(part in ("", ".", "..") or part.lower() == ".git" or "\\" in part for part in parts):
        raise QingdanError(f"版本 {rev[:12]} 中有不安全的路径 {name!r}（含有 ..、.、.git 或空的部分），不会读取或写出："
                           "git 自己不会检出这样的树，它只能是特意做出来的")


def read_tree(repo: git.Repo, rev: str, folder: str) -> dict[str, bytes]:
    """Every file under ``folder`` at ``rev``: path from the repository root -> content (one cat-file process)."""
    return dict(tree_blobs(repo, rev, folder))


def tree_blobs(repo: git.Repo, rev: str, folder: str) -> Iterator[tuple[str, bytes]]:
    """(path from the repository root, content) of every file under ``folder`` at ``rev``, one at a time."""
    entries = tree_files(repo, rev, folder)
    prefix = lists_prefix(folder)
    with BlobReader(repo) as reader:
        blobs = reader.read_many(entry.new_blob for entry in entries)
        for entry, (_sha, raw) in zip(entries, blobs, strict=True):
            if isinstance(raw, Oversized):
                raise QingdanError(f"{prefix + entry.path} 在 {rev[:12]} 中有 {raw.size:,} 字节，超过数据文件的上限 "
                                   f"{MAX_FILE_BYTES // 2**20} MB，不会读取或写出：校验不会放过这样的文件，"
                                   "它只能是未经检查就推送或合并的")
            if raw is None:
                raise QingdanError(f"仓库缺少 {prefix + entry.path} 在 {rev[:12]} 的内容；请先 git fetch 完整历史")
            yield prefix + entry.path, raw


def write_tree(repo: git.Repo, rev: str, folder: str, dest: Path) -> Path:
    """Write ``folder`` exactly as committed at ``rev`` to ``dest/folder``, whole or not at all; return that path."""
    target = Path(dest) / folder
    with staged_folder(target) as staging:
        for path, raw in tree_blobs(repo, rev, folder):  # each path checked (tree_files)
            out = staging / path[len(lists_prefix(folder)):]
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(raw)
    return target


@dataclass(frozen=True, slots=True)
class Oversized:
    """What a BlobReader with a limit answers for a larger blob: its size only."""

    size: int


Blob = bytes | Oversized | None  # a blob's content, too large to hold, or not in the repository


def content(blob: Blob) -> bytes | None:
    """The bytes of a blob read, or None when git does not have it or it is above the reader's limit."""
    return blob if isinstance(blob, bytes) else None


class BlobReader:
    """File contents by blob sha from one ``git cat-file --batch`` process.

    Use as a context manager: the process is closed and waited for on exit,
    never left to the garbage collector. ``read_many`` feeds requests from a
    thread so git inflates the next blob while Python works on this one.

    A blob above ``limit`` (the loader's limit unless another is given) is read
    past and answers :class:`Oversized`: whoever pushes may commit a file of
    gigabytes that git keeps in a few compressed megabytes.
    """

    def __init__(self, repo: git.Repo, cache_bytes: int | None = None, limit: int | None = MAX_FILE_BYTES) -> None:
        self.repo = repo
        self.cache_bytes = cache_bytes
        self.limit = limit  # a larger blob is read past, never held: it answers Oversized
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

    def read(self, sha: str) -> Blob:
        """The content of one blob (None if git does not have it; Oversized above the reader's limit)."""
        return next(self.read_many([sha]))[1]

    def read_many(self, shas: Iterable[str]) -> Iterator[tuple[str, Blob]]:
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
            reader = threading.Thread(target=_drain, args=(proc.stdout, wanted, box, self.limit), daemon=True)
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


def _drain(stream, wanted: list[str], box: queue.Queue, limit: int | None) -> None:
    try:
        for sha in wanted:
            box.put((sha, _answer(stream, limit)))
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


def _answer(stream, limit: int | None = None) -> Blob:
    header = stream.readline()
    if not header:
        raise QingdanError("git cat-file 意外退出，无法读取文件内容")
    parts = header.split()
    if len(parts) < 3 or parts[1] != b"blob":
        return None  # "<sha> missing", or not a blob
    size = int(parts[2])
    if limit is not None and size > limit:
        # A few compressed megabytes in git can stand for gigabytes: read past them a piece at a time.
        left = size
        while left:
            piece = stream.read(min(left, 1 << 20))
            if not piece:
                raise QingdanError("git cat-file 意外退出，无法读取文件内容")
            left -= len(piece)
        stream.read(1)
        return Oversized(size)
    data = stream.read(size)
    stream.read(1)  # the newline after the content
    return data


# -- refs and revisions -----------------------------------------------------------------


def follows(repo: git.Repo, old: str, new: str) -> bool:
    """True when ``old`` lies on the first-parent line of ``new`` (only new commits to read)."""
    out = repo.git.rev_list("--first-parent", "--parents", "--end-of-options", new, f"^{old}")
    lines = out.split("\n") if out else []
    if not lines:
        return False  # new is old or behind it: nothing new, or history went back
    parents = lines[-1].split()[1:]
    return bool(parents) and parents[0] == old


def contains(repo: git.Repo, head: str, old: str) -> bool:
    """True when ``old`` is an ancestor of ``head`` (the branch only moved on, by a merge perhaps)."""
    try:
        repo.git.merge_base("--is-ancestor", old, head)
    except git.GitCommandError:
        return False
    return True


def merge_base(repo: git.Repo, a: str, b: str) -> str:
    """The commit where ``b`` branched off ``a``."""
    return repo.git.merge_base(a, b)


def branch_name(repo: git.Repo, rev: str) -> str:
    """The full name of the ref ``rev`` stands for (refs/heads/main), or "" for a detached HEAD or a bare commit."""
    try:
        if rev == "HEAD":  # the branch checked out, if any (rev-parse would answer "HEAD")
            return repo.git.symbolic_ref("-q", "HEAD")
        return repo.git.rev_parse("--symbolic-full-name", "--end-of-options", rev)
    except git.GitCommandError:
        return ""


def merged_tags(repo: git.Repo, head: str) -> list[tuple[str, str, str, str]]:
    """(name, commit, ISO date, subject) of every tag reachable from ``head``, newest first."""
    fmt = "%(refname:short)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)%00%(contents:subject)"
    out = repo.git.for_each_ref("--sort=-creatordate", f"--merged={head}", f"--format={fmt}", "refs/tags")
    found = []
    for line in out.splitlines():
        name, obj, peeled, date, subject = (line.split("\0") + [""] * 5)[:5]
        found.append((name, peeled or obj, date, subject))
    return found


def unmerged_tags(repo: git.Repo, head: str) -> list[str]:
    """Tags whose commit is not in the history of ``head``."""
    return repo.git.tag("--no-merged", head).split()


def commit_before(repo: git.Repo, head: str, moment: dt.datetime) -> str | None:
    """The commit of the first-parent line of ``head`` that was current at ``moment`` (None if none was yet)."""
    out = repo.git.rev_list("--first-parent", "-1", f"--before={moment.isoformat()}", "--end-of-options", head)
    return out.strip() or None


def archive(repo: git.Repo, rev: str, subdir: str = "lists") -> bytes:
    """The folder ``subdir`` at ``rev`` as a zip: every file exactly as committed, byte-identical for the same commit.

    Made here, not by ``git archive``, which follows the tree's own .gitattributes: a
    ``lists/.gitattributes`` in a data change could leave files out of a release
    (``export-ignore``) or rewrite them (``export-subst``). Files in path order, each
    dated by the commit; no links and no unsafe paths (tree_files refuses them).
    """
    sha = resolve(repo, rev)
    when = _zip_time(repo.git.log("-1", "--format=%ct", sha))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path, raw in tree_blobs(repo, sha, subdir):
            info = zipfile.ZipInfo(path, date_time=when)
            info.create_system, info.external_attr, info.compress_type = 3, 0o100644 << 16, zipfile.ZIP_DEFLATED
            zipped.writestr(info, raw)
    if not zipped.filelist:
        raise QingdanError(f"版本 {rev} 中没有 {subdir}/ 文件夹")
    return out.getvalue()


def _zip_time(seconds: str) -> tuple[int, int, int, int, int, int]:
    """A commit time (Unix seconds, UTC) as a zip entry's time, within what the format holds (1980–2107)."""
    try:
        moment = dt.datetime.fromtimestamp(int(seconds), dt.timezone.utc)
    except (ValueError, OverflowError, OSError):
        moment = dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)
    moment = min(max(moment, dt.datetime(1980, 1, 1, tzinfo=dt.timezone.utc)),
                 dt.datetime(2107, 12, 31, 23, 59, 58, tzinfo=dt.timezone.utc))
    return moment.timetuple()[:6]


def file_at(repo: git.Repo, rev: str, path: str) -> str | None:
    """The text of ``path`` (from the repository root) at ``rev``, or None when it is not there."""
    try:
        return repo.git.show(f"{rev}:{path}", strip_newline_in_stdout=False)
    except git.GitCommandError:
        return None


def signature_log(repo: git.Repo, shas: list[str], options: list[str],
                  env: dict[str, str] | None) -> list[tuple[str, str, str, str, str, str]]:
    """(sha, %G? status, signer, key, fingerprint, primary key's fingerprint) of each commit, in one ``git log``.

    The signatures are checked as ``git verify-commit`` checks them. ``options`` go before the command (``-c gpg.ssh.allowedSignersFile=…``);
    ``env`` may name the GnuPG home that holds the trusted keys.
    """
    out = repo.git.execute(["git", *options, "log", "--no-walk=unsorted",
                            "--format=%H%x00%G?%x00%GS%x00%GK%x00%GF%x00%GP", "--end-of-options", *shas], env=env)
    return [tuple((line.split("\0") + [""] * 5)[:6]) for line in out.splitlines()]


# -- single commands in a folder -------------------------------------------------------


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    """Run ``git -C repo args`` (with extra environment ``env``) and return its standard output."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False,
                              env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise QingdanError("找不到 git 命令，请先安装 git") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip()
        raise QingdanError(f"git {' '.join(args[:2])} 失败：{detail}")
    return done.stdout


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    """True when ``ancestor`` is reachable from ``descendant``."""
    done = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor", ancestor, descendant],
                          capture_output=True, check=False)
    return done.returncode == 0


# -- writing a history in one ``git fast-import`` process (the demonstration and benchmark repositories) --
# Commits get their dates and identities from the stream, so the same input
# always gives the same commit ids. Git's global and system configuration is
# kept out, so a user's settings (signing, hooks) cannot change the result.


@dataclass(frozen=True)
class Who:
    """An identity with a moment: ``Name <email> <unix time> <zone>``."""

    name: str
    email: str
    when: int
    zone: str = "+0800"

    def line(self) -> bytes:
        return f"{self.name} <{self.email}> {self.when} {self.zone}".encode()


def git_env() -> dict[str, str]:
    """An environment in which git reads no global or system configuration."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def init(path: Path) -> None:
    """A new empty repository whose main branch is ``main``."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=git_env(),
                   stdout=subprocess.DEVNULL)


class FastImport:
    """A ``git fast-import`` stream: blobs and commits by mark, then ``close()``."""

    def __init__(self, repo: Path, compression: int | None = None) -> None:
        options = ["-c", f"core.compression={compression}"] if compression is not None else []
        self.proc = subprocess.Popen(["git", *options, "fast-import", "--quiet", "--done"], cwd=repo,
                                     stdin=subprocess.PIPE, env=git_env())
        self.w = self.proc.stdin
        self.mark = 0

    def _data(self, data: bytes) -> None:
        self.w.write(b"data %d\n" % len(data))
        self.w.write(data)
        self.w.write(b"\n")

    def blob(self, data: bytes) -> int:
        """Store a file's content; returns its mark."""
        self.mark += 1
        self.w.write(b"blob\nmark :%d\n" % self.mark)
        self._data(data)
        return self.mark

    def commit(self, ref: str, author: Who, committer: Who, message: str, files: dict[str, int | None],
               parents: tuple[int | str, ...] = ()) -> int:
        """A commit on ``ref``: ``files`` maps paths to blob marks (None deletes). Returns its mark."""
        self.mark += 1
        w = self.w
        w.write(b"commit %s\nmark :%d\n" % (ref.encode(), self.mark))
        w.write(b"author " + author.line() + b"\ncommitter " + committer.line() + b"\n")
        self._data(message.encode())
        for i, parent in enumerate(parents):
            name = f":{parent}" if isinstance(parent, int) else parent
            w.write(f"{'from' if i == 0 else 'merge'} {name}\n".encode())
        for path, blob in sorted(files.items()):
            w.write(f"D {path}\n".encode() if blob is None else f"M 100644 :{blob} {path}\n".encode())
        return self.mark

    def tag(self, name: str, target: int, tagger: Who, message: str) -> None:
        """An annotated tag (a published release)."""
        self.w.write(f"tag {name}\nfrom :{target}\n".encode() + b"tagger " + tagger.line() + b"\n")
        self._data(message.encode())

    def close(self) -> None:
        """Finish the stream and wait for git; a failure is an error."""
        self.w.write(b"done\n")
        self.w.close()
        if self.proc.wait() != 0:
            raise QingdanError("git fast-import 失败，仓库没有建成")
