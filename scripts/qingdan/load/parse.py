"""The fast reading of a YAML file, with YAML 1.2 rules and bounded aliases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml
import yaml_rs

from ..problems import Problem
from .marks import MAX_DEPTH, Scan, TooDeep, mark_position, not_plain_data, scan
from .text import line_col

# Any alias is reported as a problem; the bound only keeps a bomb from costing time.
ALIAS_LIMITS = yaml_rs.AliasLimits(max_total_replayed_events=10_000, max_replay_stack_depth=16)

# Text that may hide what the fast reader accepts silently: tags, anchors and
# aliases; YAML 1.1 booleans or base-60 numbers; merge keys; several documents;
# empty or complex keys. A false alarm costs one precise reading of the file.
# Each pattern starts with a character class or a literal, which Python's re
# scans for quickly; one pattern with all of them as alternatives is slower
# than the fast reader itself.
_SUSPECT = (
    re.compile(r"[!&*][^\s,\]}]"),
    re.compile(r"[:\-\[,?][ \t]+(?:(?i:yes|no|on|off)|[-+]?\d[\d_]*(?::[0-5]?\d)+(?:\.[\d_]*)?)"
               r"[ \t]*(?:$|[,\]}#])", re.MULTILINE),
    re.compile(r"\n[ \t]*[?:][ \t\r\n]"),
)
_SUSPECT_LITERALS = ("<<", "\n---", "\n...")
_SUSPECT_START = ("---", "...", "?", ":")

# Block nesting the fast reader does not bound (it overflows the C stack at
# some ten thousand levels): a chain of compact indicators or a very deep
# indentation sends the file to a bounded event scan first.
_DEEP_CHAIN = re.compile(r"[-?:][ \t]+[-?:][ \t]+[-?:][ \t]+[-?:][ \t]")
_DEEP_INDENT = "\n" + " " * MAX_DEPTH

_POSITION = re.compile(r"line (\d+), column (\d+)")

# Errors better shown where the bracket, quote or key opened than where the parser gave up.
_MOVE_TO_CONTEXT = ("while parsing a flow", "while scanning a quoted", "while scanning a simple key",
                    "while scanning a block scalar")

# (words in the parser's message, what it means, how to fix it). First match wins.
_SYNTAX_HINTS: tuple[tuple[str, str, str], ...] = (
    ("nesting deeper", f"列表或映射嵌套超过 {MAX_DEPTH} 层", "数据文件不需要这么深的嵌套；检查是否多写了 [、{ 或 “- ”"),
    ("recursion limit", f"列表或映射嵌套超过 {MAX_DEPTH} 层", "数据文件不需要这么深的嵌套；检查是否多写了 [、{ 或 “- ”"),
    ("flow sequence", "方括号 [ 没有闭合，或列表项之间缺少逗号", "补上对应的 ]；列表各项之间用英文逗号分隔"),
    ("flow mapping", "花括号 { 没有闭合，或字段之间缺少逗号", "补上对应的 }；各字段之间用英文逗号分隔"),
    ("unclosed bracket", "括号没有闭合", "补上对应的 ] 或 }"),
    ("misplaced bracket", "多了一个右括号", "删除多余的 ] 或 }"),
    ("while scanning a quoted scalar", "引号没有闭合", "检查引号是否成对；值中的双引号写成 \\\"，或给整个值改用单引号"),
    ("unknown escape character", "双引号中的反斜杠 \\ 后面不是有效的转义字符",
     "含有反斜杠的文本请改用单引号，例如 '第\\1款'；或把 \\ 写成 \\\\"),
    ("could not find expected ':'", "这一行缺少冒号", "写成“字段: 值”，冒号是英文冒号，后面有一个空格"),
    ("mapping values are not allowed", "这里不能出现“: ”",
     "值中含有英文冒号加空格时，请给整个值加英文双引号；也可能是上一行的缩进不对"),
    ("expected '-' indicator", "列表项缩进不一致", "同一列表的每一项都以对齐的“- ”开头"),
    ("did not find expected key", "缩进不一致，或引号后面还有多余的文字", "同一层的字段要左对齐，用空格缩进；引号闭合后不要再写文字"),
    ("expected <block end>", "缩进不一致", "同一层的字段要左对齐，用空格缩进"),
    ("tabs disallowed", "用制表符缩进", "用空格代替制表符"),
    ("invalid indentation", "缩进不正确", "用空格对齐同一层的内容"),
    ("while scanning a block scalar", "块文本（| 或 >）的写法不对", "| 或 > 后面换行，下一行起缩进书写文本"),
)


@dataclass
class Parsed:
    """The plain data of a file (None if unreadable) and the problems met."""

    data: Any
    problems: list[Problem] = field(default_factory=list)
    tree: Scan | None = None  # the precise reading, when the text needed one


def parse(text: str, relpath: str) -> Parsed:
    """Read YAML text as plain data; every deviation becomes a problem."""
    if _looks_deep(text):
        found = scan(text)  # bounded: the fast reader would overflow the C stack
        if found.error is not None:
            return Parsed(None, [_marked_error(found.error, relpath, text)], found)
    try:
        data = yaml_rs.loads(text, parse_datetime=False, alias_limits=ALIAS_LIMITS)
    except yaml_rs.YAMLDecodeError as exc:
        return Parsed(None, _decode_error(text, str(exc), relpath))
    parsed = Parsed(data)
    if _suspect(text):
        parsed.tree = scan(text, plain_data=True)
        if parsed.tree.error is not None:
            return Parsed(None, [_marked_error(parsed.tree.error, relpath, text)], parsed.tree)
        parsed.problems = not_plain_data(parsed.tree, relpath)
    return parsed


def _suspect(text: str) -> bool:
    return (text.startswith(_SUSPECT_START) or any(s in text for s in _SUSPECT_LITERALS)
            or any(p.search(text) for p in _SUSPECT))


def _looks_deep(text: str) -> bool:
    return _DEEP_INDENT in text or _DEEP_CHAIN.search(text) is not None


def _decode_error(text: str, message: str, relpath: str) -> list[Problem]:
    if "recursion limit" in message:
        # The fast reader measured the depth already; no second reading needed.
        return [_syntax_problem(message, relpath)]
    found = scan(text, plain_data=True, duplicates=message.startswith("duplicate mapping key"))
    if found.duplicates:
        return [
            Problem("duplicate-key", f"字段 {name} 重复：第 {first.line} 行和第 {second.line} 行各写了一次",
                    relpath, line=second.line, column=second.column,
                    hint=f"删除其中一个 {name}，或把两处内容合并成一个")
            for name, first, second in found.duplicates
        ]
    if found.error is not None:
        return [_marked_error(found.error, relpath, text)]
    problems = [p for p in not_plain_data(found, relpath) if p.code != "yaml11-ambiguous"]
    if message.startswith("duplicate mapping key"):
        problems.append(Problem("duplicate-key", f"同一映射中有重复的键（解析器：{message}）", relpath,
                                line=1, column=1, hint="删除重复的键"))
    return problems or [_syntax_problem(message, relpath)]


def _syntax_problem(message: str, relpath: str) -> Problem:
    line = column = None
    match = _POSITION.search(message)
    if match:
        line, column = int(match.group(1)), int(match.group(2))
    original = message.strip().splitlines()[-1]
    what, hint = _explain(original)
    return Problem("yaml-syntax", f"{what}（解析器：{original}）", relpath, line=line or 1,
                   column=column or 1, hint=hint)


def _explain(message: str) -> tuple[str, str]:
    for needle, chinese, fix in _SYNTAX_HINTS:
        if needle in message:
            return chinese, fix
    return "YAML 语法错误", "检查这一行及上一行的缩进、冒号和引号"


def _marked_error(exc: yaml.YAMLError, relpath: str, text: str) -> Problem:
    """A problem from the precise reader's error, pointing where the fix is."""
    context = str(getattr(exc, "context", "") or "")
    problem = str(getattr(exc, "problem", "") or "")
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if context.startswith(_MOVE_TO_CONTEXT) and getattr(exc, "context_mark", None) is not None:
        mark = exc.context_mark  # the unclosed bracket or quote, not the end of the file
    line, column = mark_position(text, mark) if mark else (1, 1)
    where = {"line": line, "column": column}
    if "expected a single document" in context:
        return Problem("yaml-syntax", "文件中有第二个文档（---）", relpath, **where,
                       hint="一个文件只写一个文档：删除多余的 --- 及其后的内容，或拆成两个文件")
    if "undefined alias" in problem:
        name = problem.split("undefined alias", 1)[1].strip(" '\"")
        return Problem("yaml-alias", f"使用了别名 *{name}，但文件中没有锚点 &{name}", relpath, **where,
                       hint="数据文件不使用别名，请把内容完整写出；如果 * 是文本的一部分，请给整个值加英文双引号")
    if context.startswith(("while scanning an anchor", "while scanning an alias")):
        return Problem("yaml-alias", "使用了锚点（&）或别名（*），且名称不是英文字母或数字", relpath, **where,
                       hint="数据文件不使用锚点和别名；如果 & 或 * 是文本的一部分，请给整个值加英文双引号")
    if context.startswith("while scanning a tag"):
        return Problem("yaml-tag", "使用了标签（! 开头），数据文件只能包含普通数据", relpath, **where,
                       hint="删除标签；如果 ! 是文本的一部分，请给整个值加英文双引号")
    if "cannot start any token" in problem or isinstance(exc, yaml.reader.ReaderError):
        return _bad_character(exc, relpath, text, line, column)
    if isinstance(exc, TooDeep):
        return _syntax_problem(f"line {line}, column {column}\n{problem}", relpath)
    what, hint = _explain(f"{context} {problem}")
    if "expected ':'" in problem:
        what, hint = _colon_mistake(_line_text(text, line), what, hint)
    return Problem("yaml-syntax", f"{what}（解析器：{problem or exc}）", relpath, **where, hint=hint)


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def _colon_mistake(line: str, what: str, hint: str) -> tuple[str, str]:
    """The usual reasons a line has no colon: a Chinese colon, or a full-width space after it."""
    if "：" in line:
        key = line.split("：", 1)[0].strip()
        return "这一行用了中文冒号“：”", f"改为英文冒号加空格，例如 {key}: …"
    if ":\u3000" in line:
        return "冒号后面是全角空格", "冒号后面用半角空格"
    return what, hint


def _bad_character(exc: yaml.YAMLError, relpath: str, text: str, line: int, column: int) -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        char = chr(exc.character) if isinstance(exc.character, int) else str(exc.character)[:1]
        # The C reader counts this position in bytes of UTF-8, not in characters.
        offset = len(text.encode("utf-8")[:exc.position].decode("utf-8", "ignore")) if exc.position else 0
        line, column = line_col(text, offset)
        return Problem("yaml-syntax", f"文件中有不允许的控制字符 U+{ord(char or ' '):04X}", relpath,
                       line=line, column=column, hint="删除这个字符（通常来自复制粘贴）")
    row = _line_text(text, line)
    char = row[column - 1] if 0 < column <= len(row) else ""
    if char == "\t":
        return Problem("yaml-syntax", "用制表符缩进", relpath, line=line, column=column,
                       hint="用空格代替制表符")
    if not char:
        return Problem("yaml-syntax", "这里有不能出现的字符", relpath, line=line, column=column,
                       hint="给整个值加上英文双引号")
    value = row[column - 1:].split(" #", 1)[0].rstrip().replace('"', '\\"')
    return Problem("yaml-syntax", f"未加引号的值不能以“{char}”开头", relpath, line=line, column=column,
                   hint=f'给整个值加上英文双引号："{value}"')
