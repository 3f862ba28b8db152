"""Validate stage: every file read (or its cached result), then the rules across records.

    discover -> read_file (or cache) -> facts -> rules -> locate -> Report
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from . import __version__
from .facts import extract
from .load import discover, locate, read_file
from .problems import CATALOGUE, Problem
from .rules import Index, run

Progress = Callable[[int, int, str], None]


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
    """Per-file results keyed by content, path and tool version, as JSON files."""

    def __init__(self, directory: Path | None, prefix: str) -> None:
        self.directory = directory
        self.prefix = prefix

    def _path(self, relpath: str, digest: str) -> Path | None:
        if self.directory is None:
            return None
        key = hashlib.sha256(f"{__version__}\0{self.prefix}\0{relpath}\0{digest}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.json"

    def get(self, relpath: str, digest: str) -> dict | None:
        path = self._path(relpath, digest)
        if path is None or not path.is_file():
            return None
        try:
            return json.loads(path.read_bytes())
        except (OSError, ValueError):
            return None  # a damaged entry is recomputed, never trusted

    def put(self, relpath: str, digest: str, entry: dict) -> None:
        path = self._path(relpath, digest)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(entry, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)
        except OSError:
            pass  # a read-only checkout still validates, only slower


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
) -> Report:
    """Validate every data file under ``lists_dir`` and the rules across them.

    With ``keep_records`` every file is read in full (no cache) and the typed
    records are kept in the report, for the stages that need the data itself.
    """
    prefix = _prefix(lists_dir) if prefix is None else prefix
    cache = Cache(None if keep_records else cache_dir, prefix)
    relpaths = discover(lists_dir)
    problems: list[Problem] = []
    facts: dict[str, dict] = {}
    records: dict[str, BaseModel] = {}
    for n, relpath in enumerate(relpaths, 1):
        raw = (lists_dir / relpath).read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        entry = cache.get(relpath, digest)
        if entry is None:
            entry, record = check_file(raw, relpath, prefix)
            cache.put(relpath, digest, entry)
            if keep_records and record is not None:
                records[relpath] = record
        problems += [Problem.from_dict(p) for p in entry["problems"]]
        facts[relpath] = entry["facts"]
        if progress:
            progress(n, len(relpaths), relpath)
    across = run(Index(facts, today=today or dt.date.today(), prefix=prefix))
    _locate_across(lists_dir, prefix, across)
    problems += across
    problems.sort(key=Problem.sort_key)
    return Report(problems, len(relpaths), facts, records)


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
        text = path.read_bytes().decode("utf-8", errors="replace")
        locate(found, text)


def known_codes() -> list[str]:
    return sorted(CATALOGUE)
