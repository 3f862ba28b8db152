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
  run on every run, and they read each file's brief (rules.brief: codes, names,
  types, statuses, setting sources by column), not its facts. The briefs and
  every file's own problems are packed in one cache file (``_Files``), so a
  warm run reads that file, and the facts only of the context files and of the
  files it judges again: after a one-file edit, that file (BENCHMARKS.md,
  re-validation after a one-file edit).
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
import hashlib
from array import array
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG
from typing import Any

from pydantic import BaseModel

from .. import __version__
from ..digests import FileDigests
from ..facts import extract
from ..laws.catalogue import installed_catalogue
from ..files import FileTooLarge, NotRegularFile, read_regular
from ..layout import kind_of
from ..load import list_tree, read_file, read_path
from ..load.schema import check as check_schema
from ..load.text import MAX_FILE_BYTES
from ..memory import gc_paused
from ..problems import Problem
from ..rules import Brief, Index, brief, is_context
from ..workers import map_files
from ..workspace import lists_cache_dir
from .across import ACROSS_CODE, across, fingerprint, kept
from .cache import PYTHON, Cache, code_digest
from .result import Report

__all__ = ["Cache", "Checked", "Memo", "Report", "check", "check_file", "default_cache_dir", "validate"]

Progress = Callable[[int, int, str], None]
DEFAULT_CATALOGUE: Any = object()  # catalogue not given: the installed national law catalogue, if any


@dataclass
class Checked:
    """What a run found: the Report, the facts the rules read, and (on request) the typed records."""

    report: Report
    # The facts of the files read in full: every file without a cache; on a warm run, the context
    # files and those the per-file rules judged again (the others are known by their brief).
    facts: dict[str, dict] = field(repr=False)
    records: dict[str, BaseModel] = field(default_factory=dict, repr=False)
    digests: dict[str, str] = field(default_factory=dict, repr=False)  # SHA-256 of the bytes each record was read from
    briefs: dict[str, dict] = field(default_factory=dict, repr=False)  # every file's (rules.brief)


class Memo:
    """Each file's result and typed record by its content digest, kept between runs in one process;
    and its brief (rules.brief), made once per content."""

    def __init__(self) -> None:
        self._kept: dict[str, tuple[str | None, dict, BaseModel | None]] = {}
        self._briefs: dict[str, tuple[str, Brief]] = {}

    def get(self, relpath: str, digest: str | None) -> tuple[dict, BaseModel | None] | None:
        hit = self._kept.get(relpath)
        return (hit[1], hit[2]) if hit is not None and digest is not None and hit[0] == digest else None

    def put(self, relpath: str, digest: str | None, entry: dict, record: BaseModel | None) -> None:
        if digest is not None:
            self._kept[relpath] = (digest, entry, record)

    def brief(self, relpath: str, digest: str | None, facts: dict) -> Brief:
        """The brief of a file's facts, made again only when its content changed."""
        hit = self._briefs.get(relpath)
        if hit is not None and digest is not None and hit[0] == digest:
            return hit[1]
        made = brief(facts)
        if digest is not None:
            self._briefs[relpath] = (digest, made)
        return made

    def keep(self, relpaths: Iterable[str]) -> None:
        """Forget the files that are gone."""
        wanted = set(relpaths)
        for kept in (self._kept, self._briefs):
            for relpath in [r for r in kept if r not in wanted]:
                del kept[relpath]


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
    today = today or dt.date.today()
    if catalogue is DEFAULT_CATALOGUE:
        catalogue = installed_catalogue()
    with gc_paused():
        files = _Files(lists_dir, relpaths, prefix, cache, keep_records, progress, workers, memo)
        if keep_records:  # every file read: the digests are those of the bytes read
            files.load(lambda relpath: True)
        digests = dict(files.digests)
        context, known = kept(cache, lists_dir, relpaths, digests, prefix, today, catalogue)
        # In full: the context files, and those whose per-file rule results are not cached; the
        # others are known by their brief, which is all the rules comparing files read.
        files.load(lambda relpath: is_context(relpath) or relpath not in known)
        final = fingerprint(relpaths, files.digests, prefix, today, catalogue) if context is not None else None
        if final != context:  # a context file changed while it was read: judge every file again
            context, known = final, {}
            files.load(lambda relpath: True)
        # A file read (so in full) whose content was not the one the digest index said: judged again.
        known = {path: result for path, result in known.items() if files.digests[path] == digests[path]}
        files.save()
        problems = listing.problems(prefix)
        problems += [Problem.from_dict(p) for relpath in relpaths for p in files.problems[relpath]]
        # In file order, whatever order the files were read in: the rules' first uses are the first in it.
        facts = {relpath: files.facts[relpath] for relpath in relpaths if relpath in files.facts}
        briefs = {relpath: files.briefs[relpath] for relpath in relpaths}
        index = Index(facts, today=today, prefix=prefix, catalogue=catalogue, changed=frozenset(changed),
                      briefs=briefs)
        # The rules across records, then those that read the national law catalogue (laws/checks.py).
        found, coverage = across(index, lists_dir, cache, files.digests, context, known)
    problems += found
    problems.sort(key=Problem.sort_key)
    records = files.records
    read = {relpath: digest for relpath, digest in files.digests.items() if relpath in records and digest is not None}
    return Checked(Report(problems, len(relpaths), coverage), facts, records, read, briefs)


class _Files:
    """Every file's own problems, brief and (where asked for) facts: from the cache where it holds
    them, else read and checked (cached for the next run).

    The briefs, the own problems and the context files' facts of every file are kept together in
    one packed cache file per lists folder (``briefs-*.idx``), by content digest, so a run that
    needs no file in full reads that one file; the facts of a file, bigger, come from its own
    cache entry (cache.py) when asked for. The files read since that packed file was written go
    to a small one beside it (``briefs-new-*.idx``), so that an edit does not write the big one
    (15 MB at 100,000 items) again, until they are many.
    """

    def __init__(self, lists_dir: Path, relpaths: list[str], prefix: str, cache: Cache, keep_records: bool,
                 progress: Progress | None, workers: int | None, memo: Memo | None = None) -> None:
        self.lists_dir, self.relpaths, self.prefix, self.cache = lists_dir, relpaths, prefix, cache
        self.keep_records, self.progress, self.workers, self.memo = keep_records, progress, workers, memo
        # With keep_records every file is read, and its digest is that of the bytes read; the index of
        # digests by stat (``qingdan validate``'s) is neither used nor written.
        self.known = FileDigests(None if keep_records else cache.digest_index(lists_dir))
        # Content digests (None without a cache, or for a file not read), by the files' stat where trusted.
        self.digests: dict[str, str | None] = {
            relpath: None if keep_records else _digest(cache, self.known, lists_dir, relpath) for relpath in relpaths}
        self.problems: dict[str, list[dict]] = {}
        self.briefs: dict[str, Brief] = {}
        self.facts: dict[str, dict] = {}
        self.records: dict[str, BaseModel] = {}
        self.store = cache.packed(lists_dir, "briefs")
        self.newer = cache.packed(lists_dir, "briefs-new")
        reads = self.store is not None and self.newer is not None and not keep_records
        self.base: dict[str, list] = _read_briefs(cache, self.store) if reads else {}  # type: ignore[arg-type]
        self.delta: dict[str, list] = _read_briefs(cache, self.newer) if reads else {}  # type: ignore[arg-type]
        self.stored = {**self.base, **self.delta}
        self.added: set[str] = set()  # the files read or taken from their own entries, not from the briefs

    def load(self, in_full: Callable[[str], bool]) -> None:
        """Every file's problems and brief, and the facts of the files ``in_full`` names."""
        missed: list[tuple[str, int]] = []
        done = 0
        for relpath in self.relpaths:
            digest = self.digests[relpath]
            full = in_full(relpath)
            if relpath in self.facts or (relpath in self.briefs and not full):
                continue
            hit = self.stored.get(relpath)
            unpacked = None
            if digest is not None and hit is not None and hit[0] == digest and (not full or hit[3] is not None):
                unpacked = _unpacked(hit[2])
            if unpacked is not None:
                self.problems[relpath], self.briefs[relpath] = hit[1], unpacked
                if hit[3] is not None:
                    self.facts[relpath] = hit[3]
            else:
                entry = self.cache.get(relpath, digest) if digest is not None else None
                if entry is None:
                    missed.append((relpath, _size(self.lists_dir / relpath)))
                    continue
                self._add(relpath, entry)
            done += 1
            if self.progress:
                self.progress(done, len(self.relpaths), relpath)
        check_one = functools.partial(_check_path, self.lists_dir, self.prefix, self.cache, self.keep_records,
                                      self.memo)
        if self.memo is not None:
            self.memo.keep(self.relpaths)
        # Typed records cost more to send back from a worker than to build here.
        for relpath, entry, digest, record in map_files(check_one, missed, 1 if self.keep_records else self.workers):
            self.digests[relpath] = digest
            self._add(relpath, entry)
            if record is not None:
                self.records[relpath] = record
            done += 1
            if self.progress:
                self.progress(done, len(self.relpaths), relpath)

    def _add(self, relpath: str, entry: dict) -> None:
        self.problems[relpath], self.facts[relpath] = entry["problems"], entry["facts"]
        if self.memo is not None:
            self.briefs[relpath] = self.memo.brief(relpath, self.digests[relpath], entry["facts"])
        else:
            self.briefs[relpath] = brief(entry["facts"])
        self.added.add(relpath)

    def save(self) -> None:
        """Remember the digests, and the briefs of the files read (see the class's docstring)."""
        self.known.save()
        if self.store is None or self.newer is None or self.keep_records:
            return  # a load for the records (a build) leaves the packed briefs to qingdan validate
        new = {relpath: [digest, self.problems[relpath], _packed(self.briefs[relpath]),
                         self.facts[relpath] if is_context(relpath) else None]
               for relpath in self.added if (digest := self.digests[relpath]) is not None}
        if not new:
            return
        delta = {relpath: hit for relpath, hit in self.delta.items() if self.digests.get(relpath) == hit[0]}
        delta.update(new)
        if self.base and len(delta) <= len(self.relpaths) // 16:
            self.cache.write(self.newer, {"code": _briefs_code(), "files": delta})
            return
        files = {}
        for relpath in self.relpaths:
            hit = new.get(relpath) or self.stored.get(relpath)
            if hit is not None and hit[0] == self.digests[relpath]:
                files[relpath] = hit
        self.cache.write(self.store, {"code": _briefs_code(), "files": files})
        try:
            self.newer.unlink(missing_ok=True)
        except OSError:
            pass  # its entries are checked by digest like the others'


# The columns of a brief's power items, packed: strings joined into one, numbers into bytes. One
# object reads many times faster than a list of 100,000 (marshal makes an object of each).
_TEXT_COLUMNS = ("code", "name", "type", "status", "sub_code")
_NUMBER_COLUMNS = ("basis", "sub_item")
_SEPARATOR = "\0"  # YAML allows no NUL in a document, so no value holds one (checked all the same)


def _packed(brief: Brief) -> Brief:
    powers = brief.get("powers")
    if not powers:
        return brief
    packed = dict(powers)
    for column in _TEXT_COLUMNS:
        values = powers[column]
        text = _SEPARATOR.join(values)
        if values and text.count(_SEPARATOR) == len(values) - 1:
            packed[column] = text
    for column in _NUMBER_COLUMNS:
        packed[column] = array("q", powers[column]).tobytes()
    return {**brief, "powers": packed}


def _unpacked(brief: Brief) -> Brief | None:
    """A brief as rules.brief gives it, or None if ``brief`` is not one _packed gave."""
    powers = brief.get("powers")
    if not powers:
        return brief
    try:
        powers = dict(powers)
        for column in _TEXT_COLUMNS:
            if isinstance(powers[column], str):
                powers[column] = powers[column].split(_SEPARATOR)
        for column in _NUMBER_COLUMNS:
            numbers = array("q")
            numbers.frombytes(powers[column])
            powers[column] = numbers.tolist()
    except (KeyError, TypeError, ValueError):
        return None
    return {**brief, "powers": powers}


def _briefs_code() -> str:
    """What the packed briefs were made by: the version, the code of the per-file stage and of the briefs."""
    return f"{__version__}\0{code_digest(ACROSS_CODE)}\0{PYTHON}"


def _read_briefs(cache: Cache, store: Path) -> dict[str, list]:
    """The packed briefs by path, each [digest, own problems, brief, facts or None]; {} if stale or damaged."""
    data = cache.read(store)
    if not isinstance(data, dict) or data.get("code") != _briefs_code() or not isinstance(data.get("files"), dict):
        return {}
    return {relpath: hit for relpath, hit in data["files"].items()
            if isinstance(hit, list) and len(hit) == 4 and isinstance(hit[1], list) and isinstance(hit[2], dict)
            and (hit[3] is None or isinstance(hit[3], dict))}


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _digest(cache: Cache, digests: FileDigests, lists_dir: Path, relpath: str) -> str | None:
    """The content digest of a file, None without a cache or for a file not cached (a link, too big, gone)."""
    path = lists_dir / relpath
    if cache.directory is None:
        return None
    try:
        stat = path.lstat()  # a link is never cached: _check_path reports it
        if stat.st_size > MAX_FILE_BYTES or not S_ISREG(stat.st_mode):
            return None  # not even worth hashing the file
        return digests.digest(path, relpath, stat)
    except (FileNotFoundError, NotRegularFile):
        return None


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
