"""Load stage: one data file from bytes to a typed record, every mistake recorded.

    bytes --decode--> text --parse--> plain data --schema--> record

A file that cannot be read is a result with problems, never an exception.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from pydantic import BaseModel

from ..files import FileTooLarge, NotRegularFile, read_regular, walk
from ..layout import KINDS, FileKind, kind_of
from ..problems import Problem
from .marks import Place, scan
from .parse import parse
from .schema import QUOTE_HINT, check
from .text import MAX_FILE_BYTES, decode, invisible_in_values, may_escape_invisible, too_large

__all__ = ["FileResult", "Listing", "discover", "list_tree", "locate", "not_regular", "read_file", "read_path"]

DATA_SUFFIXES = (".yml", ".yaml")


@dataclass
class FileResult:
    """What reading one file gave: the record (None if unusable) and its problems."""

    relpath: str
    kind: FileKind | None
    digest: str
    record: BaseModel | None = None
    problems: list[Problem] = field(default_factory=list)
    data: Any = None  # the parsed data the record was made from (None without a record)


def read_file(raw: bytes, relpath: str, prefix: str = "lists/", max_bytes: int = MAX_FILE_BYTES) -> FileResult:
    """Read one data file given its bytes and its path relative to lists/.

    Problems name the file as ``prefix + relpath``, the path people see. A file
    with YAML errors (syntax, tags, aliases) is not checked against the schema:
    its data is not what its author meant, and the schema's complaints would be
    noise; it has no record.
    """
    kind = kind_of(relpath)
    shown = prefix + relpath
    result = FileResult(relpath, kind, hashlib.sha256(raw).hexdigest())
    if kind is None:
        result.problems.append(_unknown_file(relpath, shown))
        return result
    text = decode(raw, shown, max_bytes)
    result.problems += text.problems
    if text.text is None:
        return result
    parsed = parse(text.text, shown)
    result.problems += _not_caused_by_text(parsed.problems, text.problems)
    if parsed.data is None and not parsed.problems:
        result.problems.append(Problem("empty-file", "文件中只有注释或空值，没有数据", shown, line=1, column=1,
                                       hint="填写内容，或删除这个文件"))
    elif parsed.data is not None and not any(p.severity == "error" for p in parsed.problems):
        result.record, found = check(kind.model, parsed.data, shown)
        result.data = parsed.data if result.record is not None else None
        result.problems = _without_shadowed(result.problems, found) + found
    # Only escapes can put an invisible character in a value that the text scan did not see
    # (walking every value of a large file costs as much as parsing it).
    escaped = invisible_in_values(parsed.data, shown) if parsed.data is not None and may_escape_invisible(
        text.text) else []
    result.problems += escaped
    locate(result.problems, text.text)
    if escaped:
        result.problems = _not_seen_twice(result.problems, escaped)
    if escaped and result.record is not None:
        result.record = result.data = None  # never handed to the build: an export would abort on "\0" halfway
    _inside(result.problems, text.text)
    return result


def _not_seen_twice(problems: list[Problem], escaped: list[Problem]) -> list[Problem]:
    """A value whose invisible character stands in the text as such was reported by the text scan."""
    lines = {p.line for p in problems if p.code == "invisible-char" and p not in escaped}
    return [p for p in problems if not (p in escaped and p.line in lines)]


def _inside(problems: list[Problem], text: str) -> None:
    """Keep every place inside the file: a parser may point just past its end."""
    lines: list[str] | None = None
    for problem in problems:
        if problem.line is None:
            continue
        lines = lines if lines is not None else text.split("\n")
        if problem.line > len(lines):
            problem.line, problem.column = len(lines), len(lines[-1]) + 1
        width = len(lines[problem.line - 1])
        if problem.column is None or problem.column > width + 1:
            problem.column = width + 1 if problem.column else 1


def _not_caused_by_text(parsed: list[Problem], text: list[Problem]) -> list[Problem]:
    """Syntax errors on a line whose tab or invisible character was already reported say it twice."""
    lines = {p.line for p in text if p.code in ("tab", "invisible-char")}
    return [p for p in parsed if not (p.code == "yaml-syntax" and p.line in lines)]


def _without_shadowed(problems: list[Problem], schema: list[Problem]) -> list[Problem]:
    """A YAML 1.1 warning on a value the schema already rejects (sample: yes) adds nothing."""
    rejected = {p.loc for p in schema}
    return [p for p in problems if not (p.code == "yaml11-ambiguous" and p.loc in rejected)]


def read_path(lists_dir: Path, relpath: str, prefix: str = "lists/") -> FileResult:
    """Read lists_dir/relpath from disk: never through a link, never a file above the size limit."""
    kind = kind_of(relpath)
    try:
        raw = read_regular(lists_dir / relpath, root=lists_dir, limit=MAX_FILE_BYTES)
    except NotRegularFile as exc:
        return FileResult(relpath, kind, "", problems=[not_regular(prefix + relpath, exc.what)])
    except FileTooLarge as exc:
        problem = too_large(exc.size, prefix + relpath) if kind else _unknown_file(relpath, prefix + relpath)
        return FileResult(relpath, kind, "", problems=[problem])
    return read_file(raw, relpath, prefix)


def not_regular(shown: str, what: str) -> Problem:
    """The problem of a link or special file where a data file (or folder) should be."""
    return Problem("not-regular-file", f"{shown} 是{what}，不是普通文件：不会读取它指向的内容", shown,
                   line=1, column=1,
                   hint="数据必须直接写在仓库中的普通文件里：删除这个链接，换成含有数据的文件或文件夹"
                        "（git 中链接的模式是 120000，普通文件是 100644）")


@dataclass
class Listing:
    """The data files under lists/ and the entries refused there (links, devices, pipes)."""

    relpaths: list[str]
    refused: list[tuple[str, str]]

    def problems(self, prefix: str) -> list[Problem]:
        """One not-regular-file problem per refused entry, named as people see it."""
        return [not_regular(prefix + relpath, what) for relpath, what in self.refused]


def list_tree(lists_dir: Path) -> Listing:
    """Every regular YAML file under lists/ (sorted POSIX paths) and every entry that is not regular.

    Links are refused whatever their name: a linked folder may hold data too.
    """
    tree = walk(lists_dir)
    return Listing([p for p in tree.files if PurePosixPath(p).suffix.lower() in DATA_SUFFIXES], tree.refused)


def discover(lists_dir: Path) -> list[str]:
    """Every regular YAML file under lists/, as sorted POSIX paths relative to it (links left out)."""
    return list_tree(lists_dir).relpaths


def locate(problems: list[Problem], text: str) -> None:
    """Fill in line and column of problems that only know their path in the record.

    The text is scanned at most once, and only if some problem needs it. A
    problem about the whole file (an empty path) stands on line 1.
    """
    pending = [p for p in problems if p.line is None]
    for problem in pending:
        if not problem.loc:
            problem.line, problem.column = 1, 1
    pending = [p for p in pending if p.loc]
    if not pending:
        return
    found = scan(text, [p.loc for p in pending])
    for problem in pending:
        if problem.code == "implicit-type":
            _quote_hint(problem, found.exact(problem.loc))
        place = found.position(problem.loc, key=problem.code == "unknown-field")
        problem.line, problem.column = (place.line, place.column) if place else (1, 1)


def _quote_hint(problem: Problem, place: Place | None) -> None:
    """Show the value as written (0123, not 123) and its quoted form."""
    if place is None or place.value is None:
        return
    problem.message += f"（原文 {place.value}）"
    if problem.hint == QUOTE_HINT:  # a hint naming the right value (a code) stays
        problem.hint = f'给这个值加上英文双引号："{place.value}"'


def _unknown_file(relpath: str, shown: str) -> Problem:
    path = PurePosixPath(relpath)
    name = path.name
    canonical = path.stem + ".yml"
    kind = next((k for k in KINDS if k.filename in (name, canonical.lower())), None)
    if kind is not None and name != kind.filename:
        hint = f"数据文件的扩展名统一用小写的 .yml：改名为 {kind.filename}"
    elif kind is not None:
        where = f"lists/<部门标识>/{kind.filename}" if kind.per_department else f"lists/{kind.filename}"
        hint = f"{kind.label}应放在 {where}"
    else:
        close = difflib.get_close_matches(name, [k.filename for k in KINDS], n=1)
        hint = (f"是不是 {close[0]}？" if close else "") + (
            "lists/ 下只放 site.yml、regions.yml、sources.yml，以及每个部门文件夹中的 department.yml、"
            "powers.yml、responsibilities.yml、negative_list.yml、regulations.yml")
    return Problem("unknown-file", f"无法识别的数据文件 {shown}，它不会被读取", shown, line=1, column=1, hint=hint)
