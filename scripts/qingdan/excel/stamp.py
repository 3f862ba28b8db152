"""Which version of the data an exported workbook was made from, and whether it still is the current one.

`qingdan export` writes into each department's workbook (its "标记"/keywords property, which Excel
and WPS keep when they save) the git blob id of the YAML file it came from. Importing a workbook
whose file has changed since then would quietly undo someone else's change in every cell the editor
did not touch: the import says so, before anything is written.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from html import unescape

from ..problems import Problem

MARK = "qingdan-data"
_STAMP = re.compile(MARK + r" lists/(?P<path>\S+)@(?P<version>[0-9a-f]{40})")
_KEYWORDS = re.compile(rb"<cp:keywords>(.*?)</cp:keywords>", re.DOTALL)


def version(raw: bytes) -> str:
    """The data version of a file's bytes: its git blob id, as `git hash-object` gives it."""
    return hashlib.sha1(b"blob %d\0" % len(raw) + raw).hexdigest()


def stamp(relpath: str, raw: bytes) -> str:
    """The keywords of a workbook exported from ``lists/<relpath>`` holding ``raw``."""
    return f"{MARK} lists/{relpath}@{version(raw)}"


def stamped(workbook: bytes) -> tuple[str, str] | None:
    """(path under lists/, data version) a workbook was exported from, if it carries a stamp."""
    try:
        with zipfile.ZipFile(io.BytesIO(workbook)) as book:
            core = book.read("docProps/core.xml")
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    found = _KEYWORDS.search(core)
    match = _STAMP.search(unescape(found.group(1).decode("utf-8", "replace"))) if found else None
    return (match.group("path"), match.group("version")) if match else None


def stale(workbook: bytes, relpath: str, current: bytes | None, shown: str = "工作簿") -> Problem | None:
    """A note when the workbook was exported from another version of ``lists/<relpath>`` than ``current``."""
    found = stamped(workbook)
    if found is None or current is None or found[0] != relpath:
        return None
    now = version(current)
    if found[1] == now:
        return None
    return Problem("import-stale", f"这份表格导出自 lists/{relpath} 的较早版本（数据版本 {found[1][:10]}），之后这个文件已被修改"
                   f"（现为 {now[:10]}）：导入会把表格中没有改动的单元格也写回去，从而撤销这期间别人的修改",
                   shown, hint="重新运行 qingdan export 导出最新的表格，把你的修改填进去后再导入；"
                               "或用 --dry-run 核对每一项修改（旧值 → 新值）确属本意")
