"""Bounds on a workbook, checked before it is read: size on disk, size unpacked, cells, merged ranges.

A hostile workbook is small on disk and huge once read. One cell at
XFD1048576 (1.7 KB) made openpyxl walk a rectangle of 17 billion cells; one
merged range A1:XFD1048576 did the same when its value was copied into every
cell; a 4 MB zip expanded to 1.1 GB of sheet XML. Each is refused here, with
a Chinese message naming the sheet and the cell, before openpyxl or xlrd
builds anything:

- a .xlsx is a zip: the sizes its members declare are summed first (Python's
  zipfile never unpacks more than a member declares: a member that lies
  fails its CRC check instead);
- every worksheet's XML is then streamed once, element by element, with
  completed rows dropped, to find the cells and merged ranges it really
  holds; the scan stops at the first bound crossed.

The bounds are far above any real list: a department's list has hundreds or
thousands of rows and a few dozen columns.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from xml.etree.ElementTree import ParseError, iterparse

from openpyxl.utils import get_column_letter

from ..errors import QingdanError

MAX_FILE_BYTES = 64 * 1024 * 1024  # the workbook or CSV file on disk
MAX_EXPANDED_BYTES = 256 * 1024 * 1024  # all members of a .xlsx, unpacked
MAX_ROWS = 200_000
MAX_COLUMNS = 1_000
MAX_CELLS = 10_000_000  # rows × columns of a sheet as read, merged ranges included

_MB = 1024 * 1024
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# What a damaged member raises while it is streamed (a flipped bit in the deflate data is a zlib.error;
# an unknown zip version or compression method is a NotImplementedError, an encrypted member a
# RuntimeError, which NotImplementedError derives from).
_DAMAGED = (ParseError, zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, UnicodeDecodeError,
            RuntimeError)
_ADVICE = "请确认文件来源；确是清单数据时，按部门或清单拆分后再导入"


def check_file_size(size: int, name: str) -> None:
    """Refuse a file above MAX_FILE_BYTES before reading it."""
    if size > MAX_FILE_BYTES:
        raise QingdanError(f"{name} 有 {size / _MB:.1f} MB，超过导入文件的上限 {MAX_FILE_BYTES // _MB} MB。{_ADVICE}")


def check_grid(rows: int, columns: int, merged: Iterable[tuple[int, int, int, int]], where: str) -> None:
    """Refuse a sheet of ``rows`` × ``columns`` (merged ranges as top, left, bottom, right; end exclusive)."""
    merged = list(merged)
    bottom = max([rows, *(m[2] for m in merged)])
    right = max([columns, *(m[3] for m in merged)])
    if bottom > MAX_ROWS:
        raise QingdanError(f"{where}用到了第 {bottom:,} 行，超过上限 {MAX_ROWS:,} 行。{_ADVICE}")
    if right > MAX_COLUMNS:
        raise QingdanError(f"{where}用到了第 {right:,} 列（{get_column_letter(min(right, 16384))} 列），"
                           f"超过上限 {MAX_COLUMNS:,} 列。{_ADVICE}")
    if bottom * right > MAX_CELLS:
        raise QingdanError(f"{where}有 {bottom:,} 行 × {right:,} 列，超过上限 {MAX_CELLS:,} 个单元格。{_ADVICE}")
    if sum((b - t) * (r - left) for t, left, b, r in merged) > MAX_CELLS:
        raise QingdanError(f"{where}的合并单元格共覆盖超过 {MAX_CELLS:,} 个单元格。{_ADVICE}")


def check_xlsx(raw: bytes, name: str) -> None:
    """Refuse a .xlsx whose unpacked size, cells or merged ranges are beyond the bounds.

    A file that is no zip at all passes: openpyxl's own error names it.
    """
    try:
        _check_archive(raw, name)
    except _DAMAGED:
        return  # a damaged zip (even its directory): openpyxl reports it in its own words


def _check_archive(raw: bytes, name: str) -> None:
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        members = archive.infolist()
        expanded = sum(info.file_size for info in members)
        if expanded > MAX_EXPANDED_BYTES:
            raise QingdanError(f"{name} 解压后有 {expanded / _MB:,.0f} MB，超过上限 {MAX_EXPANDED_BYTES // _MB} MB"
                               f"（磁盘上只有 {len(raw) / _MB:.1f} MB，可能是恶意构造的“压缩炸弹”）。{_ADVICE}")
        titles = _sheet_titles(archive)
        for info in members:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                title = titles.get(info.filename, posixpath.basename(info.filename))
                _scan_sheet(archive, info, f"{name} 的工作表“{title}”")


@dataclass
class _Extent:
    rows: int = 0
    columns: int = 0
    cells: int = 0


def _scan_sheet(archive: zipfile.ZipFile, info: zipfile.ZipInfo, where: str) -> None:
    """Stream one worksheet's XML: the cells it holds and its merged ranges, within the bounds."""
    extent = _Extent()
    merged: list[tuple[int, int, int, int]] = []
    row = column = 0
    parent = None
    try:
        with archive.open(info) as stream:
            for event, element in iterparse(stream, events=("start", "end")):
                tag = element.tag
                if event == "start":
                    if tag == f"{_MAIN}sheetData":
                        parent = element
                    elif tag == f"{_MAIN}row":
                        row = _number(element.get("r"), row + 1, where)
                        column = 0
                    continue
                if tag == f"{_MAIN}c":
                    found = _ref(element.get("r"), where)
                    row, column = found if found else (row, column + 1)
                    extent.cells += 1
                    _grow(extent, row, column, where)
                elif tag == f"{_MAIN}row":
                    _grow(extent, row, 0, where)
                    if parent is not None:
                        parent.clear()  # completed rows are not kept: memory stays flat
                elif tag == f"{_MAIN}mergeCell":
                    merged.append(_range(element.get("ref") or "", where))
                    if len(merged) > MAX_CELLS:
                        raise QingdanError(f"{where}的合并单元格过多。{_ADVICE}")
    except _DAMAGED:
        return  # damaged XML or zip: openpyxl reports it in its own words
    check_grid(extent.rows, extent.columns, merged, where)


def _grow(extent: _Extent, row: int, column: int, where: str) -> None:
    extent.rows, extent.columns = max(extent.rows, row), max(extent.columns, column)
    if extent.rows > MAX_ROWS or extent.columns > MAX_COLUMNS or extent.cells > MAX_CELLS:
        check_grid(extent.rows, extent.columns, (), where)
        raise QingdanError(f"{where}有超过 {MAX_CELLS:,} 个单元格。{_ADVICE}")


def _number(text: str | None, default: int, where: str) -> int:
    if text is None:
        return default
    if not text.isdigit() or len(text) > 9:
        raise QingdanError(f"{where}中有无效的行号 {text[:20]!r}。请用 Excel 或 WPS 打开后重新保存")
    return int(text)


def _ref(text: str | None, where: str) -> tuple[int, int] | None:
    """1-based (row, column) of a cell reference like B12; None when the cell gives none."""
    if text is None:
        return None
    match = _REF.match(text)
    if match is None:
        raise QingdanError(f"{where}中有无效的单元格位置 {text[:20]!r}。请用 Excel 或 WPS 打开后重新保存")
    letters, digits = match.groups()
    column = 0
    for letter in letters:
        column = column * 26 + ord(letter) - 64
    return int(digits), column


def _range(text: str, where: str) -> tuple[int, int, int, int]:
    """A merged range A1:C3 as (top, left, bottom, right), 0-based with exclusive ends."""
    first, _, last = text.partition(":")
    start, end = _ref(first, where), _ref(last or first, where)
    if start is None or end is None:
        raise QingdanError(f"{where}中有无效的合并区域 {text[:40]!r}。请用 Excel 或 WPS 打开后重新保存")
    return start[0] - 1, start[1] - 1, end[0], end[1]


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet member name -> the sheet's title, for messages; {} when the workbook does not say."""
    try:
        if archive.getinfo("xl/workbook.xml").file_size > _MB or \
                archive.getinfo("xl/_rels/workbook.xml.rels").file_size > _MB:
            return {}
        targets = {}
        for _event, element in iterparse(archive.open("xl/_rels/workbook.xml.rels")):
            if element.tag == _PKG_REL:
                target = element.get("Target") or ""
                path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
                targets[element.get("Id")] = path
        titles = {}
        for _event, element in iterparse(archive.open("xl/workbook.xml")):
            if element.tag == f"{_MAIN}sheet" and element.get(_REL) in targets:
                titles[targets[element.get(_REL)]] = element.get("name") or ""
        return titles
    except (KeyError, *_DAMAGED):
        return {}
