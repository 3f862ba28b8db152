"""The fast reading of a YAML file, with YAML 1.2 rules and bounded aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml_rs

from ..problems import Problem
from .marks import MarkedTree, not_plain_data

# Any alias is reported as a problem; the bound only keeps a bomb from costing time.
_ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=10_000, max_replay_stack_depth=16)

# Text that may hide what the fast reader accepts silently: tags, anchors,
# aliases, merge keys, several documents, and YAML 1.1 booleans or
# sexagesimal numbers. A false alarm costs one precise reading of the file.
_SUSPECT = re.compile(
    r"(?:^|[\s\[{,])[!&*]\S|<<\s*:|^(?:---|\.\.\.)(?:\s|$)|(?:^|[:\-\[,]\s*)\s*"
    r"(?i:y|n|yes|no|on|off)\s*(?:$|[,\]}#])|[:\-]\s+\d+(?::[0-5]?\d)+\s*$",
    re.MULTILINE,
)

_POSITION = re.compile(r"line (\d+), column (\d+)")

# The fast reader's English messages, in the words legal staff read.
_SYNTAX_HINTS: tuple[tuple[str, str, str], ...] = (
    ("unclosed bracket", "方括号或花括号没有闭合", "补上对应的 ] 或 }"),
    ("mapping values are not allowed", "这里不能出现冒号", "冒号后面要有空格；文本中含有“: ”时请给整个值加引号"),
    ("did not find expected key", "缩进不一致", "同一层的字段要对齐，用空格缩进"),
    ("did not find expected '-' indicator", "列表项缩进不一致", "同一列表的每一项都以对齐的“- ”开头"),
    ("tabs disallowed", "用制表符缩进", "用空格代替制表符"),
    ("quoted scalar", "引号没有闭合或引号内的换行缩进不对", "检查这一行的引号是否成对"),
    ("invalid indentation", "缩进不正确", "用空格对齐同一层的内容"),
)


@dataclass
class Parsed:
    """The plain data of a file (None if unreadable) and the problems met."""

    data: Any
    problems: list[Problem] = field(default_factory=list)
    tree: MarkedTree | None = None


def parse(text: str, relpath: str) -> Parsed:
    """Read YAML text as plain data; every deviation becomes a problem."""
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=_ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as exc:
        return Parsed(None, _decode_error(text, str(exc), relpath))
    parsed = Parsed(data)
    if _SUSPECT.search(text):
        parsed.tree = MarkedTree(text)
        if parsed.tree.error is not None:
            return Parsed(None, [_marked_error(parsed.tree.error, relpath)], parsed.tree)
        parsed.problems = not_plain_data(parsed.tree, relpath)
    return parsed


def _decode_error(text: str, message: str, relpath: str) -> list[Problem]:
    tree = MarkedTree(text)
    if message.startswith("duplicate mapping key"):
        return [
            Problem("duplicate-key", f"字段 {name} 在第 {first.start_mark.line + 1} 行和第 "
                    f"{second.start_mark.line + 1} 行各出现一次，后者会覆盖前者", relpath,
                    line=second.start_mark.line + 1, column=second.start_mark.column + 1,
                    hint="删除多余的一个，或把两处内容合并")
            for name, first, second in tree.duplicate_keys()
        ] or [Problem("duplicate-key", "同一映射中有重复的键", relpath, hint="删除重复的键")]
    if message.startswith("Invalid tag") or "alias" in message:
        found = not_plain_data(tree, relpath)
        if found:
            return [p for p in found if p.code != "yaml11-ambiguous"]
    if tree.error is not None:
        return [_marked_error(tree.error, relpath)]
    return [_syntax_problem(message, relpath)]


def _syntax_problem(message: str, relpath: str) -> Problem:
    line = column = None
    match = _POSITION.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
    what, hint = "YAML 语法错误", "检查这一行及上一行的缩进、冒号和引号"
    for needle, chinese, fix in _SYNTAX_HINTS:
        if needle in message:
            what, hint = chinese, fix
            break
    original = message.strip().splitlines()[-1]
    where = f"第 {line} 行第 {column} 列：" if line else ""
    return Problem("yaml-syntax", f"{where}{what}（解析器：{original}）", relpath, line=line,
                   column=column, hint=hint)


def _marked_error(exc: Exception, relpath: str) -> Problem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    column = mark.column + 1 if mark else None
    text = str(getattr(exc, "problem", "") or exc)
    if "expected a single document" in str(exc):
        return Problem("yaml-syntax", f"第 {line} 行开始了第二个文档（---）", relpath, line=line,
                       column=column, hint="一个文件只写一个文档：删除多余的 --- 或拆成两个文件")
    return _syntax_problem(f"line {line}, column {column}\n{text}", relpath)
