"""The one XLSX writer, for ``qingdan export`` and the site's downloads.

Clean layout: one header row in Chinese, frozen and filtered; widths fitted to
the content; long text wrapped; dates as real Excel dates. The bytes are
deterministic (fixed timestamps in the metadata and the zip entries), so a
release can publish their hashes.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.utils.exceptions import IllegalCharacterError
from openpyxl.worksheet.worksheet import Worksheet

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


def workbook_bytes(tables: list[TableData], title: str = "") -> bytes:
    """An .xlsx file with one sheet per table."""
    book = Workbook()
    book.remove(book.active)
    for table in tables:
        _sheet(book.create_sheet(table.title[:31]), table)
    props = book.properties
    props.creator = props.lastModifiedBy = "qingdan"
    props.created = props.modified = FIXED_TIME
    props.title = title or None
    out = io.BytesIO()
    book.save(out)
    return _repack(out.getvalue())


def _sheet(ws: Worksheet, table: TableData) -> None:
    ws.append(table.headers)
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
    for row, values in enumerate(table.rows, 2):
        for col, value in enumerate(values, 1):
            try:
                _put(ws.cell(row, col), value)
            except IllegalCharacterError:
                raise QingdanError(f"“{table.title}”第 {row} 行“{table.headers[col - 1]}”的内容含有 Excel 不能保存的"
                                   f"控制字符：{value!r}。请在 YAML 中删除这个字符") from None
    ws.freeze_panes = "A2"
    if table.rows:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(table.headers))}{len(table.rows) + 1}"
    for col, header in enumerate(table.headers, 1):
        widest = max([_width(header)] + [_width(row[col - 1]) for row in table.rows])
        ws.column_dimensions[get_column_letter(col)].width = min(widest + 2, MAX_WIDTH)


def _put(cell: Any, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text
    if isinstance(value, dt.date):
        cell.number_format = "yyyy-mm-dd"
    cell.alignment = _CELL_ALIGN


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
