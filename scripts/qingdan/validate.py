"""Validate stage: every file read (or its cached result), then the rules across records.

    discover -> read_file (or cache) -> facts -> rules -> locate -> Report

Where the time goes and why (measured in benchmarks/bench_validate.py):

- A file's own result (its problems and facts) is cached by its content, so a
  re-run reads and checks again only the files that changed; the content
  digests themselves are remembered by the files' stat (digests.py), so a
  re-run reads only files whose size or timestamps changed.
- Files missing from the cache are checked by a pool of processes when there
  is enough to read to pay for starting them.
- The garbage collector is paused during a run: the run builds millions of
  small objects that all live to its end, and each collection would only walk
  them again (it made a warm run on 100,000 items 2.6 times slower).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
import marshal
import multiprocessing
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from pydantic import BaseModel

from . import __version__
from .digests import FileDigests
from .errors import QingdanError
from .facts import extract
from .files import FileTooLarge, NotRegularFile, read_regular
from .load import list_tree, locate, read_file, read_path
from .load.text import MAX_FILE_BYTES
from .problems import CATALOGUE, Problem
from .rules import Index, run

Progress = Callable[[int, int, str], None]

# Below this many bytes to check, starting worker processes costs more than it saves.
PARALLEL_MIN_BYTES = 8 * 1024 * 1024
MAX_WORKERS = 8


@dataclass
class Report:
    """The outcome of a validation: problems, most useful first, and what was checked."""

    problems: list[Problem]
    files: int
    facts: dict[str, dict] = field(default_factory=dict, repr=False)
    records: dict[str, BaseModel] = field(default_factory=dict, repr=False)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> "Report":
        only, skip = set(only), set(skip)
        kept = [p for p in self.problems if (not only or p.code in only) and p.code not in skip]
        return Report(kept, self.files, self.facts, self.records)


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
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_bytes(self.MAGIC + hashlib.sha256(payload).digest() + payload)
            tmp.replace(path)
        except (OSError, ValueError):
            pass  # a read-only checkout still validates, only slower


# The modules whose code decides a file's own result: a change to any of them
# makes every cached entry stale, even without a version bump.
_PER_FILE_CODE = ("load", "model", "problems.py", "facts.py", "layout.py")


@functools.lru_cache(maxsize=1)
def _code_digest() -> str:
    package = Path(__file__).parent
    digest = hashlib.sha256()
    for name in _PER_FILE_CODE:
        target = package / name
        for path in sorted(target.rglob("*.py")) if target.is_dir() else [target]:
            digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def default_cache_dir(lists_dir: Path) -> Path:
    env = os.environ.get("QINGDAN_CACHE_DIR")
    return Path(env) if env else lists_dir.resolve().parent / ".qingdan-cache" / "validate"


def check_file(raw: bytes, relpath: str, prefix: str) -> tuple[dict, BaseModel | None]:
    """The cacheable result of one file (its own problems and its facts), and its record."""
    result = read_file(raw, relpath, prefix)
    facts = extract(result.kind.key, result.record, relpath) if result.record is not None else {}
    return {"problems": [p.to_dict() for p in result.problems], "facts": facts}, result.record


def validate(
    lists_dir: Path,
    *,
    cache_dir: Path | None = None,
    today: dt.date | None = None,
    prefix: str | None = None,
    progress: Progress | None = None,
    keep_records: bool = False,
    workers: int | None = None,
) -> Report:
    """Validate every data file under ``lists_dir`` and the rules across them.

    With ``keep_records`` every file is read in full (no cache) and the typed
    records are kept in the report, for the stages that need the data itself.
    ``workers`` caps the processes that check files (default: the CPUs this
    process may use); 1 checks every file in this process.
    """
    prefix = _prefix(lists_dir) if prefix is None else prefix
    cache = Cache(None if keep_records else cache_dir, prefix)
    listing = list_tree(lists_dir)
    relpaths = listing.relpaths
    with _gc_paused():
        entries, records = _check_files(lists_dir, relpaths, prefix, cache, keep_records, progress, workers)
        problems = listing.problems(prefix)
        problems += [Problem.from_dict(p) for relpath in relpaths for p in entries[relpath]["problems"]]
        facts = {relpath: entries[relpath]["facts"] for relpath in relpaths}
        across = run(Index(facts, today=today or dt.date.today(), prefix=prefix))
    _locate_across(lists_dir, prefix, across)
    problems += across
    problems.sort(key=Problem.sort_key)
    return Report(problems, len(relpaths), facts, records)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection inside; what was built ends in the oldest generation.

    Freezing then unfreezing moves every object to the oldest generation at
    once, so the first collection after the run does not walk the millions of
    new objects as young ones (0.3 s on 100,000 items). Skipped if the caller
    froze objects itself, as unfreezing would undo that.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_freeze_count() == 0:
            gc.freeze()
            gc.unfreeze()
        if enabled:
            gc.enable()


def _check_files(lists_dir: Path, relpaths: list[str], prefix: str, cache: Cache, keep_records: bool,
                 progress: Progress | None, workers: int | None) -> tuple[dict[str, dict], dict[str, BaseModel]]:
    """The cacheable result of every file, from the cache where it is there, and the records read."""
    entries: dict[str, dict] = {}
    records: dict[str, BaseModel] = {}
    missed: list[tuple[str, int]] = []
    digests = FileDigests(cache.digest_index(lists_dir))
    for relpath in relpaths:
        entry = _cached(cache, digests, lists_dir, relpath)
        if entry is None:
            missed.append((relpath, _size(lists_dir / relpath)))
            continue
        entries[relpath] = entry
        if progress:
            progress(len(entries), len(relpaths), relpath)
    check = functools.partial(_check_path, lists_dir, prefix, cache, keep_records)
    # Typed records cost more to send back from a worker than to build here.
    for relpath, entry, record in map_files(check, missed, 1 if keep_records else workers):
        entries[relpath] = entry
        if record is not None:
            records[relpath] = record
        if progress:
            progress(len(entries), len(relpaths), relpath)
    digests.save()
    return entries, records


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _cached(cache: Cache, digests: FileDigests, lists_dir: Path, relpath: str) -> dict | None:
    path = lists_dir / relpath
    if cache.directory is None:
        return None
    try:
        stat = path.lstat()  # a link is never cached: _check_path reports it
        if stat.st_size > MAX_FILE_BYTES or not S_ISREG(stat.st_mode):
            return None  # not even worth hashing the file
        return cache.get(relpath, digests.digest(path, relpath, stat))
    except (FileNotFoundError, NotRegularFile):
        return None


def _check_path(lists_dir: Path, prefix: str, cache: Cache, keep_records: bool,
                relpath: str) -> tuple[str, dict, BaseModel | None]:
    """Check one file and cache its result under the digest of the bytes actually read."""
    path = lists_dir / relpath
    try:
        raw = read_regular(path, root=lists_dir, limit=MAX_FILE_BYTES)
    except (NotRegularFile, FileTooLarge):
        result = read_path(lists_dir, relpath, prefix)  # reports the link or the size without reading
        return relpath, {"problems": [p.to_dict() for p in result.problems], "facts": {}}, None
    except FileNotFoundError:
        return relpath, {"problems": [], "facts": {}}, None  # removed while validating: nothing left to check
    entry, record = check_file(raw, relpath, prefix)
    if cache.directory is not None:
        cache.put(relpath, hashlib.sha256(raw).hexdigest(), entry)
    return relpath, entry, record if keep_records else None


def map_files(check: Callable[[str], tuple], missed: list[tuple[str, int]], workers: int | None) -> Iterator[tuple]:
    """``check`` over the missed files, in worker processes when that pays off."""
    count = _worker_count(workers, [size for _relpath, size in missed])
    if count < 2:
        yield from (check(relpath) for relpath, _size in missed)
        return
    # Biggest first, so that no worker is left alone with a big file at the end.
    order = [relpath for relpath, _size in sorted(missed, key=lambda m: -m[1])]
    with ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(check, order)


def _worker_count(requested: int | None, sizes: list[int]) -> int:
    """How many processes to check ``sizes`` bytes of files with; 1 means this process alone.

    Without ``requested``: QINGDAN_WORKERS if set, else the CPUs this process
    may use, and only when there is enough to read.
    """
    if requested is None:
        requested = _workers_from_env() or min(_usable_cpus(), MAX_WORKERS)
        if sum(sizes) < PARALLEL_MIN_BYTES:
            return 1
    # fork is the only start method that does not import the caller's main
    # module again; it is unsafe when other threads run (a lock may be held),
    # and a daemon process (a worker of someone else's pool) may not have children.
    if ("fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1
            or multiprocessing.current_process().daemon):
        return 1
    return max(1, min(requested, len(sizes)))


def _workers_from_env() -> int | None:
    value = os.environ.get("QINGDAN_WORKERS", "").strip()
    if not value:
        return None
    if not value.isdigit() or int(value) < 1:
        raise QingdanError(f"环境变量 QINGDAN_WORKERS 的值 {value!r} 无效：应为正整数，例如 2；1 表示不用多进程")
    return int(value)


def _usable_cpus() -> int:
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _prefix(lists_dir: Path) -> str:
    """How files are named in problems: relative to the working directory if below it."""
    try:
        rel = lists_dir.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return lists_dir.as_posix().rstrip("/") + "/"
    return "" if str(rel) == "." else rel.as_posix() + "/"


def _locate_across(lists_dir: Path, prefix: str, problems: list[Problem]) -> None:
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    for shown, found in by_file.items():
        path = lists_dir / shown[len(prefix):]
        if _size(path) > MAX_FILE_BYTES:
            continue
        try:
            text = read_regular(path, root=lists_dir).decode("utf-8", errors="replace")
        except (FileNotFoundError, NotRegularFile):
            continue  # removed while validating: the problem keeps its path, without a line
        locate(found, text)


def known_codes() -> list[str]:
    return sorted(CATALOGUE)
