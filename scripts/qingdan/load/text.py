"""From bytes to text: size, encoding, BOM, tabs and invisible characters."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..problems import Problem

MAX_FILE_BYTES = 64 * 1024 * 1024

BOM = b"\xef\xbb\xbf"

# Zero-width and other invisible format characters that break search and diffs.
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u202a-\u202e\u2066-\u2069]")
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


def decode(raw: bytes, relpath: str) -> Text:
    """Decode a data file strictly as UTF-8 and report what is off."""
    if len(raw) > MAX_FILE_BYTES:
        size = f"{len(raw) / 1024 / 1024:.1f} MB"
        return Text(None, [Problem(
            "file-too-large", f"文件大小 {size}，超过上限 {MAX_FILE_BYTES // 1024 // 1024} MB", relpath,
            hint="按部门或清单拆分文件",
        )])
    problems: list[Problem] = []
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
        problems.append(Problem("bom", "文件以 BOM（EF BB BF）开头", relpath, line=1, column=1,
                                hint="在编辑器中另存为“UTF-8”（不要选“UTF-8 with BOM”）"))
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(_not_utf8(raw, exc, relpath))
        return Text(None, problems)
    if not text.strip():
        problems.append(Problem("empty-file", "文件没有内容", relpath, line=1, column=1,
                                hint="填写内容，或删除这个文件"))
        return Text(None, problems)
    problems += _scan(text, relpath)
    return Text(text, problems)


def _not_utf8(raw: bytes, exc: UnicodeDecodeError, relpath: str) -> Problem:
    line = raw.count(b"\n", 0, exc.start) + 1
    column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return Problem("encoding-invalid", f"第 {line} 行有无法按 UTF-8 读取的字节", relpath,
                       line=line, column=column, hint="用编辑器把文件另存为 UTF-8（无 BOM）")
    return Problem("encoding-gbk", "文件是 GBK/GB18030 编码，不是 UTF-8", relpath, line=line,
                   column=column, hint="在记事本或 WPS 中“另存为”，编码选 UTF-8；"
                   "或运行 iconv -f GB18030 -t UTF-8")


def _scan(text: str, relpath: str) -> list[Problem]:
    problems = []
    for match in _INVISIBLE.finditer(text):
        line, column = line_col(text, match.start())
        name = f"U+{ord(match.group()):04X}"
        problems.append(Problem("invisible-char", f"第 {line} 行第 {column} 列有不可见字符 {name}",
                                relpath, line=line, column=column, hint="删除这个字符"))
    for match in _TAB.finditer(text):
        line, column = line_col(text, match.start())
        problems.append(Problem("tab", f"第 {line} 行第 {column} 列是制表符", relpath,
                                line=line, column=column, hint="用两个空格代替制表符"))
    return problems
