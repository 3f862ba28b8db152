"""Load stage: one data file from bytes to a typed record, every mistake recorded.

    bytes --decode--> text --parse--> plain data --schema--> record

A file that cannot be read is a result with problems, never an exception.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from ..layout import FileKind, kind_of
from ..problems import Problem
from .marks import MarkedTree
from .parse import parse
from .schema import check
from .text import decode

__all__ = ["FileResult", "discover", "locate", "read_file", "read_path"]

DATA_SUFFIXES = (".yml", ".yaml")


@dataclass
class FileResult:
    """What reading one file gave: the record (None if unusable) and its problems."""

    relpath: str
    kind: FileKind | None
    digest: str
    record: BaseModel | None = None
    problems: list[Problem] = field(default_factory=list)


def read_file(raw: bytes, relpath: str, prefix: str = "lists/") -> FileResult:
    """Read one data file given its bytes and its path relative to lists/.

    Problems name the file as ``prefix + relpath``, the path people see.
    """
    kind = kind_of(relpath)
    shown = prefix + relpath
    result = FileResult(relpath, kind, hashlib.sha256(raw).hexdigest())
    if kind is None:
        result.problems.append(_unknown_file(shown))
        return result
    text = decode(raw, shown)
    result.problems += text.problems
    if text.text is None:
        return result
    parsed = parse(text.text, shown)
    result.problems += parsed.problems
    if parsed.data is not None:
        result.record, found = check(kind.model, parsed.data, shown)
        result.problems += found
    locate(result.problems, text.text, parsed.tree)
    return result


def read_path(lists_dir: Path, relpath: str, prefix: str = "lists/") -> FileResult:
    """Read lists_dir/relpath from disk."""
    return read_file((lists_dir / relpath).read_bytes(), relpath, prefix)


def discover(lists_dir: Path) -> list[str]:
    """Every YAML file under lists/, as sorted POSIX paths relative to it."""
    found = [
        path.relative_to(lists_dir).as_posix()
        for path in lists_dir.rglob("*")
        if path.suffix in DATA_SUFFIXES and path.is_file()
    ]
    return sorted(found)


def locate(problems: list[Problem], text: str, tree: MarkedTree | None = None) -> MarkedTree | None:
    """Fill in line and column of problems that only know their path in the record.

    The file is composed with marks at most once, and only if some problem needs it.
    """
    for problem in problems:
        if problem.line is not None or not problem.loc:
            continue
        tree = tree or MarkedTree(text)
        if problem.code == "implicit-type":
            node = tree.node_at(problem.loc)
            if node is not None and getattr(node, "value", None) is not None:
                problem.message += f"（原文 {node.value}）"
                problem.hint = f'给这个值加上英文双引号："{node.value}"'
        key = problem.code == "unknown-field"
        problem.line, problem.column = tree.position(problem.loc, key=key)
    return tree


def _unknown_file(relpath: str) -> Problem:
    if relpath.endswith(".yaml"):
        hint = "数据文件的扩展名统一用 .yml"
    else:
        hint = ("lists/ 下只放 site.yml、regions.yml、sources.yml，以及每个部门文件夹中的 "
                "department.yml、powers.yml、responsibilities.yml、negative_list.yml、regulations.yml")
    return Problem("unknown-file", f"无法识别的数据文件 {relpath}", relpath, hint=hint)
