"""From bytes to text: size, encoding, BOM, tabs and invisible characters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..files import MAX_FILE_BYTES
from ..problems import Loc, Problem

# Said in the hint of every mistake `qingdan fmt --fix` corrects (load/fixes.py, fmt/fix.py).
FIXABLE = "；qingdan fmt --fix 可自动改正"

BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# Characters nobody sees that break codes, search and diffs: zero-width and
# direction marks, soft hyphens, separators, and C0/C1 control characters
# (tab, line feed and carriage return excepted).
_INVISIBLE_NAMES = {
    "\u200b": "零宽空格", "\u200c": "零宽非连接符", "\u200d": "零宽连接符", "\u2060": "零宽不换行符",
    "\ufeff": "零宽不换行空格（文件中间的 BOM）", "\u00ad": "软连字符", "\u180e": "蒙古文元音分隔符",
    "\u200e": "从左到右标记", "\u200f": "从右到左标记", "\u2028": "行分隔符", "\u2029": "段分隔符",
    "\u0085": "下一行控制符（NEL）", "\ufffe": "非字符", "\uffff": "非字符",
}
_INVISIBLE = re.compile(
    "[\u200b-\u200f\u2060\ufeff\u00ad\u180e\u2028\u2029\u202a-\u202e\u2066-\u2069"
    "\ufffe\uffff\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
)
_TAB = re.compile("\t")


@dataclass
class Text:
    """The decoded text of a file and what was wrong with its bytes."""

    text: str | None
    problems: list[Problem] = field(default_factory=list)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    line = text.count("\n", 0, offset) + 1
    start = text.rfind("\n", 0, offset) + 1
    return line, offset - start + 1


def decode(raw: bytes, relpath: str, max_bytes: int = MAX_FILE_BYTES) -> Text:
    """Decode a data file strictly as UTF-8 and report what is off.

    Files larger than ``max_bytes`` are not read at all.
    """
    where = {"line": 1, "column": 1}
    if len(raw) > max_bytes:
        return Text(None, [too_large(len(raw), relpath, max_bytes)])
    problems: list[Problem] = []
    if raw.startswith(_UTF16_BOMS):
        return Text(None, [Problem("encoding-invalid", "文件是 UTF-16 编码，不是 UTF-8", relpath, **where,
                                   hint="在编辑器中“另存为”，编码选 UTF-8（不要选 Unicode 或 UTF-16）")])
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
        problems.append(Problem("bom", "文件以 BOM（EF BB BF）开头", relpath, **where,
                                hint="在编辑器中另存为“UTF-8”（不要选“UTF-8 with BOM”/“带签名的 UTF-8”）"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(_not_utf8(raw, exc, relpath))
        return Text(None, problems)
    if not text.strip():
        problems.append(Problem("empty-file", "文件没有内容", relpath, **where,
                                hint="填写内容，或删除这个文件"))
        return Text(None, problems)
    problems += _scan(text, relpath)
    return Text(text, problems)


def too_large(size: int, relpath: str, max_bytes: int = MAX_FILE_BYTES) -> Problem:
    """The problem of a file of ``size`` bytes, above ``max_bytes``."""
    shown, limit = _size(size), _size(max_bytes)
    if shown == limit:  # just above the limit: rounding would hide the difference
        shown, limit = f"{size:,} 字节", f"{max_bytes:,} 字节"
    return Problem("file-too-large", f"文件大小 {shown}，超过上限 {limit}", relpath,
                   line=1, column=1, hint="按部门或清单拆分文件，每个文件不超过上限")


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.1f} KB"
    return f"{n} 字节"


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, relpath: str) -> Problem:
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    where = {"line": line, "column": column}
    try:
        sample = raw[raw.rfind(b"\n", 0, exc.start) + 1:].split(b"\n", 1)[0].decode("gb18030")
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return Problem("encoding-invalid", f"第 {line} 行有无法按 UTF-8 读取的字节", relpath, **where,
                       hint="用编辑器把文件另存为 UTF-8（无 BOM）")
    return Problem("encoding-gbk", f"文件是 GBK/GB18030 编码，不是 UTF-8（第 {line} 行按 GBK 读作“{sample.strip()[:30]}”）",
                   relpath, **where, hint="在记事本或 WPS 中“另存为”，编码选 UTF-8；或运行 "
                   "iconv -f GB18030 -t UTF-8 原文件 > 新文件")


def _describe(char: str) -> str:
    name = _INVISIBLE_NAMES.get(char) or ("双向文本控制符" if char > "\u2000" else "控制字符")
    return f"U+{ord(char):04X}（{name}）"


# The letters of the YAML escapes that can write a character _INVISIBLE matches
# (\0 \a \b \v \f \e \N \_ \L \P \x \u \U); \" \\ \/ \t \n \r and an escaped space cannot.
_INVISIBLE_ESCAPES = frozenset("0abvfeN_LPxuU")


def may_escape_invisible(text: str) -> bool:
    """False when no escape in ``text`` could write an invisible character: invisible_in_values has nothing to find.

    Errs only towards yes (a backslash in a plain or single-quoted scalar). A letter after an even
    run of backslashes (\\u) follows an escaped backslash, not an escape. str.find, not a regular
    expression: this runs over every file, and most hold no backslash at all.
    """
    start = text.find("\\")
    while start >= 0:
        end = start
        while end < len(text) and text[end] == "\\":
            end += 1
        if (end - start) % 2 and end < len(text) and text[end] in _INVISIBLE_ESCAPES:
            return True
        start = text.find("\\", end)
    return False


def invisible_in_values(data: Any, relpath: str) -> list[Problem]:
    """Invisible characters that only the parsed values hold: written as escapes ("\\u202E", "\\0").

    The text scan cannot see them; the problems carry the value's path, and
    load.locate gives them its line and column. The walk is iterative: the
    data may be nested as deep as the reader allows.
    """
    problems: list[Problem] = []
    stack: list[tuple[Loc, Any]] = [((), data)]
    while stack:
        loc, value = stack.pop()
        if isinstance(value, dict):
            stack += [((*loc, key), item) for key, item in reversed(value.items())]
            found = [key for key in value if isinstance(key, str) and _INVISIBLE.search(key)]
            problems += [_escaped(key, (*loc, key), relpath, "字段名") for key in found]
        elif isinstance(value, list):
            stack += [((*loc, i), item) for i, item in reversed(list(enumerate(value)))]
        elif isinstance(value, str) and _INVISIBLE.search(value):
            problems.append(_escaped(value, loc, relpath, "值"))
    return problems


def _escaped(text: str, loc: Loc, relpath: str, what: str) -> Problem:
    chars = sorted({m.group() for m in _INVISIBLE.finditer(text)})
    shown = "、".join(_describe(c) for c in chars[:3]) + ("等" if len(chars) > 3 else "")
    return Problem("invisible-char", f"{what}中有以转义写法（如 \\u202E、\\0、\\e）写入的不可见字符 {shown}",
                   relpath, loc, hint="删除这个转义序列：双引号中的 \\u、\\x、\\0、\\e 等会写入看不见的字符，"
                                     "让编码、检索和比对出错，也可能颠倒文字的显示方向")


def _scan(text: str, relpath: str) -> list[Problem]:
    """Invisible characters and tabs; one search each, so a clean file costs two scans."""
    problems = []
    for match in _INVISIBLE.finditer(text):
        line, column = line_col(text, match.start())
        char = match.group()
        problems.append(Problem("invisible-char", f"有不可见字符 {_describe(char)}", relpath,
                                line=line, column=column,
                                hint="删除这个字符：它看不见，但会让编码、检索和比对出错（常见于从网页或 Word 复制的文字）"))
    for match in _TAB.finditer(text):
        line, column = line_col(text, match.start())
        start = text.rfind("\n", 0, match.start()) + 1
        if not text[start:match.start()].strip():
            message, hint = "用制表符缩进", "用空格缩进（每层两个空格）" + FIXABLE
        else:
            message, hint = "文本中有制表符", "用空格代替制表符" + FIXABLE
        problems.append(Problem("tab", message, relpath, line=line, column=column, hint=hint))
    return problems
