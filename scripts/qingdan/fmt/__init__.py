"""qingdan fmt: every data file in canonical YAML — lossless, comments kept, idempotent.

A file is formatted only if the project's own reader reads the same data before
and after; a file it cannot read is reported and left untouched.
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ruamel.yaml.error import YAMLError

from ..files import write_atomic
from ..layout import kind_of
from ..files import NotRegularFile, read_regular
from ..load import list_tree, not_regular
from ..load.parse import parse
from ..load.text import decode
from ..problems import Problem
from ..workers import map_files
from ..workspace import lists_cache_dir
from .emit import load_tree, dump, normalise, render, to_tree
from .fix import Fix, fix_tabs, fix_tree

__all__ = ["Fix", "Formatted", "default_fmt_cache", "dump", "format_text", "format_tree", "load_tree", "normalise",
           "render", "to_tree"]

# The formatter's own code: a cached "already canonical" holds only for the code that said so.
_FORMATTER = hashlib.sha256(b"".join(
    p.read_bytes() for p in sorted(Path(__file__).parent.glob("*.py")))).hexdigest()[:16]

# Problems that mean the file's data cannot be trusted to survive a rewrite.
_BLOCKING = {"yaml-syntax", "duplicate-key", "yaml-tag", "yaml-alias", "file-too-large",
             "encoding-gbk", "encoding-invalid", "empty-file"}


@dataclass
class Formatted:
    """The outcome for one file: its canonical text, or why it was left alone."""

    relpath: str
    original: str | None
    text: str | None
    problems: list[str] = field(default_factory=list)
    fixes: list[Fix] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original


def format_text(raw: bytes | str, relpath: str, prefix: str = "lists/", fix: bool = False) -> Formatted:
    """Canonical text of one data file given its content and its path relative to lists/.

    With ``fix`` the mistakes that have exactly one correction (load/fixes.py) are corrected
    too, and listed in ``fixes``; without it the data never changes.
    """
    shown = prefix + relpath
    kind = kind_of(relpath)
    if kind is None:
        return Formatted(relpath, None, None, [f"{shown}: 不是清单数据文件，未格式化"])
    raw = raw.encode("utf-8") if isinstance(raw, str) else raw
    decoded = decode(raw, shown)
    blocking = [p for p in decoded.problems if p.code in _BLOCKING]
    if decoded.text is None or blocking:
        return Formatted(relpath, None, None, [_line(p) for p in decoded.problems])
    original = raw.decode("utf-8")  # with its BOM, if any: removing it is a change
    source, fixes = fix_tabs(decoded.text) if fix else (decoded.text, [])
    before = parse(source, shown)
    blocking = [p for p in before.problems if p.code in _BLOCKING]
    if before.data is None or blocking:
        return Formatted(relpath, original, None, [_line(p) for p in before.problems])
    try:
        tree = load_tree(source)
        corrected = fix_tree(tree, kind.model) if fix else []
        if corrected:  # the corrected data is what the canonical text must keep
            fixes += corrected
            source = dump(tree)
            tree, before = load_tree(source), parse(source, shown)
        text = dump(normalise(tree, kind.model))
    except YAMLError as exc:
        return Formatted(relpath, original, None, [f"{shown}: 无法按 YAML 读取：{exc}"])
    if parse(text, shown).data != before.data:
        return Formatted(relpath, original, None, [
            f"{shown}: 格式化后读出的数据与原文件不同，为避免改动数据，未格式化（请把此文件报告给维护者）"])
    return Formatted(relpath, original, text, fixes=fixes)


def format_tree(lists_dir: Path, relpaths: list[str] | None = None, *, write: bool = False,
                prefix: str = "lists/", cache_dir: Path | None = None, fix: bool = False) -> list[Formatted]:
    """Format every data file under ``lists_dir`` (or the given ones); write changes if ``write``.

    With ``cache_dir``, files already known to be canonical (same bytes, same
    formatter) are not formatted again. Many files are formatted in worker
    processes, as validate reads them (QINGDAN_WORKERS sets how many). With ``fix``,
    unambiguous mistakes are corrected too (a canonical file may still hold one: no cache).
    """
    known = _Canonical(None if fix else cache_dir, prefix)
    done: dict[str, Formatted] = {}
    if relpaths is None:
        listing = list_tree(lists_dir)
        order = listing.relpaths
        for relpath, what in listing.refused:
            done[relpath] = Formatted(relpath, None, None, [_line(not_regular(prefix + relpath, what))])
        order = order + [relpath for relpath, _what in listing.refused]
    else:
        order = list(relpaths)
    missed: list[tuple[str, int]] = []
    for relpath in order:
        if relpath in done:
            continue
        try:
            raw = read_regular(lists_dir / relpath, root=lists_dir)
        except NotRegularFile as exc:
            done[relpath] = Formatted(relpath, None, None, [_line(not_regular(prefix + relpath, exc.what))])
            continue
        if known.holds(relpath, hashlib.sha256(raw).hexdigest()):
            text = raw.decode("utf-8")
            done[relpath] = Formatted(relpath, text, text)
        else:
            missed.append((relpath, len(raw)))
    one = functools.partial(_format_path, lists_dir, prefix, write, fix)
    for relpath, result, digest in map_files(one, missed, None):
        done[relpath] = result
        if digest is not None:
            known.add(relpath, digest)
    known.save()
    return [done[relpath] for relpath in order]


def _format_path(lists_dir: Path, prefix: str, write: bool, fix: bool,
                 relpath: str) -> tuple[str, Formatted, str | None]:
    """Format one file (and write it if asked); the digest of its canonical bytes, if it now has them."""
    path = lists_dir / relpath
    raw = read_regular(path, root=lists_dir)
    result = format_text(raw, relpath, prefix, fix)
    if result.text is None or (result.changed and not write):
        return relpath, result, None
    if result.changed:
        write_atomic(path, result.text)
        raw = result.text.encode("utf-8")
    return relpath, result, hashlib.sha256(raw).hexdigest()


class _Canonical:
    """Files known to be canonical: path -> content digest, for this formatter's code only.

    One small JSON file per formatter version; an entry only counts when the
    file's bytes still have the recorded digest, so a stale cache costs time, never correctness.
    """

    def __init__(self, directory: Path | None, prefix: str) -> None:
        self.path = directory / f"canonical-{_FORMATTER}.json" if directory else None
        self.prefix = prefix
        self.entries: dict[str, str] = {}
        self.dirty = False
        if self.path is not None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                pass  # no cache yet, or a damaged one: start afresh

    def holds(self, relpath: str, digest: str) -> bool:
        return self.entries.get(self.prefix + relpath) == digest

    def add(self, relpath: str, digest: str) -> None:
        if not self.holds(relpath, digest):
            self.entries[self.prefix + relpath] = digest
            self.dirty = True

    def save(self) -> None:
        if self.path is None or not self.dirty:
            return
        try:
            write_atomic(self.path, json.dumps(self.entries, ensure_ascii=False, sort_keys=True))
        except OSError:
            pass  # a read-only checkout still formats, only slower


def default_fmt_cache(lists_dir: Path) -> Path:
    """Beside validate's cache: .qingdan-cache/fmt (or $QINGDAN_CACHE_DIR/fmt)."""
    return lists_cache_dir(lists_dir, "fmt")


def _line(problem: Problem) -> str:
    where = problem.file + (f":{problem.line}" if problem.line else "")
    return f"{where}: [{problem.code}] {problem.message}" + (f"（{problem.hint}）" if problem.hint else "")
