"""The one XLSX writer, for ``qingdan export`` and the site's downloads.

Clean layout: one header row in Chinese, frozen and filtered; widths fitted to
the content; long text wrapped; dates as real Excel dates. The bytes are
deterministic (fixed timestamps in the metadata and the zip entries), so a
release can publish their hashes.

Sheets are written in openpyxl's write-only mode, row by row: a workbook of
the whole site's 100,000 items would take gigabytes as a tree of cell objects.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from ..errors import QingdanError
from ..excel.rows import TableData

FIXED_TIME = dt.datetime(2000, 1, 1)
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")
MAX_WIDTH = 60
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_CELL_ALIGN = Alignment(vertical="top", wrap_text=True)


def workbook_bytes(tables: list[TableData], title: str = "", keywords: str = "") -> bytes:
    """An .xlsx file with one sheet per table (``keywords``: the data version it holds, excel/stamp.py)."""
    for table in tables:
        _check(table)
    book = Workbook(write_only=True)
    for table in tables:
        _sheet(book.create_sheet(table.title[:31]), table)
    props = book.properties
    props.creator = props.lastModifiedBy = "qingdan"
    props.created = props.modified = FIXED_TIME
    props.title = title or None
    props.keywords = keywords or None
    out = io.BytesIO()
    book.save(out)
    return _repack(out.getvalue())


def _sheet(ws: WriteOnlyWorksheet, table: TableData) -> None:
    # Layout first: a write-only sheet writes it ahead of the first row.
    ws.freeze_panes = "A2"
    for col, header in enumerate(table.headers, 1):
        widest = max([_width(header)] + [_width(row[col - 1]) for row in table.rows])
        ws.column_dimensions[get_column_letter(col)].width = min(widest + 2, MAX_WIDTH)
    if table.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{len(table.rows) + 1}"
    ws.append([_cell(ws, header, header=True) for header in table.headers])
    for values in table.rows:
        ws.append([_cell(ws, value) for value in values])


def _check(table: TableData) -> None:
    """Refuse a table holding characters Excel cannot store, before anything is written."""
    for row, values in enumerate(table.rows, 2):
        for col, value in enumerate(values):
            if isinstance(value, str) and ILLEGAL_CHARACTERS_RE.search(value):
                raise QingdanError(f"“{table.title}”第 {row} 行“{table.headers[col]}”的内容含有 Excel 不能保存的"
                                   f"控制字符：{value!r}。请在 YAML 中删除这个字符")


def _cell(ws: WriteOnlyWorksheet, value: Any, *, header: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value)
    if header:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        return cell
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    cell.alignment = _CELL_ALIGN
    return cell


def _width(value: Any) -> int:
    """Display width of the longest line: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    return max(sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
               for line in str(value).split("\n"))


def _repack(raw: bytes) -> bytes:
    """The same zip with fixed entry times, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                # openpyxl stamps the save time into "modified" whatever the properties say.
                stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
                content = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", content)
            dst.writestr(entry, content)
    return out.getvalue()
