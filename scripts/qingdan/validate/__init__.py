"""Validate stage: every file read (or its cached result), then the rules across records.

    discover -> read_file (or cache) -> facts -> rules -> locate -> Report

``validate`` gives the Report (result.py) that reporters print; ``check``
beside it also gives the facts and, on request, the typed records, for
load_dataset. The per-file cache is cache.py; the worker processes are
qingdan.workers (fmt uses them too).

Where the time goes and why (measured in benchmarks/bench_validate.py):

- A file's own result (its problems and facts) is cached by its content, so a
  re-run reads and checks again only the files that changed; the content
  digests themselves are remembered by the files' stat (digests.py), so a
  re-run reads only files whose size or timestamps changed.
- Files missing from the cache are checked by a pool of processes when there
  is enough to read to pay for starting them.
- The rules across records that judge one file against the context every file
  shares (most of them, and the law catalogue's) run file by file and their
  results are cached too (across.py); only the few that compare records of
  different files (duplicate codes, consistency across regions, successions)
  read every file's facts on every run.
- A load for the stages that need the typed records (load_dataset) keeps each
  file's parsed data beside its result: with the cache warm, a file's record
  is made again from that data (no YAML parsing, no text scans). A preview
  server keeps the records themselves between its builds (Memo).
- The garbage collector is paused during a run: the run builds millions of
  small objects that all live to its end, and each collection would only walk
  them again (it made a warm run on 100,000 items 2.6 times slower).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from pydantic import BaseModel

from ..digests import FileDigests
from ..facts import extract
from ..laws.catalogue import installed_catalogue
from ..files import FileTooLarge, NotRegularFile, read_regular
from ..layout import kind_of
from ..load import list_tree, read_file, read_path
from ..load.schema import check as check_schema
from ..load.text import MAX_FILE_BYTES
from ..problems import Problem
from ..rules import Index
from ..workers import map_files
from ..workspace import lists_cache_dir
from .across import across
from .cache import Cache
from .result import Report

__all__ = ["Cache", "Checked", "Memo", "Report", "check", "check_file", "default_cache_dir", "validate"]

Progress = Callable[[int, int, str], None]
DEFAULT_CATALOGUE: Any = object()  # catalogue not given: the installed national law catalogue, if any


@dataclass
class Checked:
    """What a run found: the Report, the facts the rules read, and (on request) the typed records."""

    report: Report
    facts: dict[str, dict] = field(repr=False)
    records: dict[str, BaseModel] = field(default_factory=dict, repr=False)
    digests: dict[str, str] = field(default_factory=dict, repr=False)  # SHA-256 of the bytes each record was read from


class Memo:
    """Each file's result and typed record by its content digest, kept between runs in one process."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str | None, dict, BaseModel | None]] = {}

    def get(self, relpath: str, digest: str | None) -> tuple[dict, BaseModel | None] | None:
        hit = self._kept.get(relpath)
        return (hit[1], hit[2]) if hit is not None and digest is not None and hit[0] == digest else None

    def put(self, relpath: str, digest: str | None, entry: dict, record: BaseModel | None) -> None:
        if digest is not None:
            self._kept[relpath] = (digest, entry, record)

    def keep(self, relpaths: Iterable[str]) -> None:
        """Forget the files that are gone."""
        wanted = set(relpaths)
        for relpath in [r for r in self._kept if r not in wanted]:
            del self._kept[relpath]


def default_cache_dir(lists_dir: Path) -> Path:
    """Where ``qingdan validate`` caches per-file results for ``lists_dir`` (workspace.py's rule)."""
    return lists_cache_dir(lists_dir, "validate")


def check_file(raw: bytes, relpath: str, prefix: str) -> tuple[dict, BaseModel | None, Any]:
    """The cacheable result of one file (its own problems and its facts), its record and the
    parsed data the record was made from."""
    result = read_file(raw, relpath, prefix)
    facts = extract(result.kind.key, result.record, relpath) if result.record is not None else {}
    return {"problems": [p.to_dict() for p in result.problems], "facts": facts}, result.record, result.data


def validate(
    lists_dir: Path,
    *,
    cache_dir: Path | None = None,
    today: dt.date | None = None,
    prefix: str | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
    catalogue: Any = DEFAULT_CATALOGUE,
    changed: Iterable[str] = (),
) -> Report:
    """Validate every data file under ``lists_dir`` and the rules across them.

    ``workers`` caps the processes that check files (default: the CPUs this
    process may use); 1 checks every file in this process. ``changed`` names the
    files (under lists/) a change touches, for rules that compare two files. ``catalogue`` is the
    national law catalogue the legal bases are checked against (default: the installed one, if
    any; None: not checked, and one warning says so).
    """
    return check(lists_dir, cache_dir=cache_dir, today=today, prefix=prefix, progress=progress,
                 workers=workers, changed=changed, catalogue=catalogue).report


def check(
    lists_dir: Path,
    *,
    cache_dir: Path | None = None,
    today: dt.date | None = None,
    prefix: str | None = None,
    progress: Progress | None = None,
    keep_records: bool = False,
    workers: int | None = None,
    catalogue: Any = DEFAULT_CATALOGUE,
    changed: Iterable[str] = (),
    memo: Memo | None = None,
) -> Checked:
    """``validate``, also giving the facts and, with ``keep_records``, the typed records.

    With ``keep_records`` every file is read in full and in this process, for
    the stages that need the data itself (load_dataset); ``cache_dir`` then
    serves the rules across files only. ``memo`` (with ``keep_records``) keeps
    each file's result and record by its content digest between runs of one
    process (a preview server): a file whose bytes did not change is not
    parsed again.
    """
    prefix = _prefix(lists_dir) if prefix is None else prefix
    cache = Cache(cache_dir, prefix)
    listing = list_tree(lists_dir)
    relpaths = listing.relpaths
    with gc_paused():
        entries, digests, records = _check_files(lists_dir, relpaths, prefix, cache, keep_records, progress, workers,
                                                 memo)
        problems = listing.problems(prefix)
        problems += [Problem.from_dict(p) for relpath in relpaths for p in entries[relpath]["problems"]]
        facts = {relpath: entries[relpath]["facts"] for relpath in relpaths}
        if catalogue is DEFAULT_CATALOGUE:
            catalogue = installed_catalogue()
        index = Index(facts, today=today or dt.date.today(), prefix=prefix, catalogue=catalogue,
                      changed=frozenset(changed))
        # The rules across records, then those that read the national law catalogue (laws/checks.py).
        found, coverage = across(index, lists_dir, cache, digests)
    problems += found
    problems.sort(key=Problem.sort_key)
    read = {relpath: digest for relpath, digest in digests.items() if relpath in records and digest is not None}
    return Checked(Report(problems, len(relpaths), coverage), facts, records, read)


@contextmanager
def gc_paused() -> Iterator[None]:
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
                 progress: Progress | None, workers: int | None, memo: Memo | None = None
                 ) -> tuple[dict[str, dict], dict[str, str | None], dict[str, BaseModel]]:
    """The cacheable result of every file, from the cache where it is there, its content digest
    (None without a cache, or for a file not read), and the records read."""
    entries: dict[str, dict] = {}
    digests: dict[str, str | None] = {}
    records: dict[str, BaseModel] = {}
    missed: list[tuple[str, int]] = []
    known = FileDigests(cache.digest_index(lists_dir))
    for relpath in relpaths:
        entry, digests[relpath] = (None, None) if keep_records else _cached(cache, known, lists_dir, relpath)
        if entry is None:
            missed.append((relpath, _size(lists_dir / relpath)))
            continue
        entries[relpath] = entry
        if progress:
            progress(len(entries), len(relpaths), relpath)
    check_one = functools.partial(_check_path, lists_dir, prefix, cache, keep_records, memo)
    if memo is not None:
        memo.keep(relpaths)
    # Typed records cost more to send back from a worker than to build here.
    for relpath, entry, digest, record in map_files(check_one, missed, 1 if keep_records else workers):
        entries[relpath], digests[relpath] = entry, digest
        if record is not None:
            records[relpath] = record
        if progress:
            progress(len(entries), len(relpaths), relpath)
    known.save()
    return entries, digests, records


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _cached(cache: Cache, digests: FileDigests, lists_dir: Path, relpath: str) -> tuple[dict | None, str | None]:
    """The cached result of a file and its content digest, each None when unknown."""
    path = lists_dir / relpath
    if cache.directory is None:
        return None, None
    try:
        stat = path.lstat()  # a link is never cached: _check_path reports it
        if stat.st_size > MAX_FILE_BYTES or not S_ISREG(stat.st_mode):
            return None, None  # not even worth hashing the file
        digest = digests.digest(path, relpath, stat)
        return cache.get(relpath, digest), digest
    except (FileNotFoundError, NotRegularFile):
        return None, None


def _check_path(lists_dir: Path, prefix: str, cache: Cache, keep_records: bool, memo: Memo | None,
                relpath: str) -> tuple[str, dict, str | None, BaseModel | None]:
    """Check one file and cache its result under the digest of the bytes actually read (also returned)."""
    path = lists_dir / relpath
    try:
        raw = read_regular(path, root=lists_dir, limit=MAX_FILE_BYTES)
    except (NotRegularFile, FileTooLarge):
        result = read_path(lists_dir, relpath, prefix)  # reports the link or the size without reading
        return relpath, {"problems": [p.to_dict() for p in result.problems], "facts": {}}, None, None
    except FileNotFoundError:
        return relpath, {"problems": [], "facts": {}}, None, None  # removed while validating: nothing left to check
    digest = None
    if cache.directory is not None or keep_records:  # the build store keys pages by it (render/keys.py)
        digest = hashlib.sha256(raw).hexdigest()
    kept = memo.get(relpath, digest) if memo is not None else None
    if kept is not None:
        return relpath, kept[0], digest, kept[1]
    cached = _cached_record(cache, relpath, digest) if keep_records and digest is not None else None
    if cached is not None:
        entry, record = cached
    else:
        entry, record, data = check_file(raw, relpath, prefix)
        if cache.directory is not None:
            cache.put(relpath, digest, entry)
            if keep_records:
                cache.put_data(relpath, digest, data)
    if memo is not None:
        memo.put(relpath, digest, entry, record)
    return relpath, entry, digest, record if keep_records else None


def _cached_record(cache: Cache, relpath: str, digest: str) -> tuple[dict, BaseModel | None] | None:
    """A file's cached result and its record, made again from the cached parsed data (a fifth of
    the cost of reading the file: no YAML, no text scans); None when either is not cached."""
    entry = cache.get(relpath, digest)
    if entry is None:
        return None
    found, data = cache.get_data(relpath, digest)
    if not found:
        return None
    kind = kind_of(relpath)
    if data is None or kind is None:
        return entry, None  # the file gave no record
    record, problems = check_schema(kind.model, data, relpath)
    return (entry, record) if not problems else None


def _prefix(lists_dir: Path) -> str:
    """How files are named in problems: relative to the working directory if below it."""
    try:
        rel = lists_dir.resolve().relative_to(Path.cwd().resolve())
    except ValueError:
        return lists_dir.as_posix().rstrip("/") + "/"
    return "" if str(rel) == "." else rel.as_posix() + "/"
