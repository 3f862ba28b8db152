"""Reading a workbook (.xlsx/.xlsm, the older .xls, or a CSV file) into plain grids of cell values.

Merged cells are filled with the value of their top-left cell, so a 主项 that
spans several 子项 rows, or a header merged over several columns, reads the
same on every row and column it covers. A formula whose result was never
computed (a workbook written by a program, not saved by Excel) is recorded so
that import can report it instead of reading an empty cell.
"""

from __future__ import annotations

import csv
import functools
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xlrd
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import QingdanError
from .bounds import MAX_COLUMNS, MAX_ROWS, check_file_size, check_grid, check_xlsx
from .formula import unguard_formula

Cell = tuple[int, int]  # 0-based row, column
_ZIP = b"PK\x03\x04"  # .xlsx/.xlsm are zip files
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls is an OLE2 compound file


@dataclass
class Sheet:
    """One sheet as rows of values, with where merged values came from."""

    name: str
    rows: list[list[Any]]
    hidden: bool = False
    origin: dict[Cell, Cell] = field(default_factory=dict)  # filled cell -> its merged range's top-left
    formulas: dict[Cell, str] = field(default_factory=dict)  # formula without a computed value

    def value(self, row: int, col: int) -> Any:
        cells = self.rows[row] if row < len(self.rows) else []
        return cells[col] if col < len(cells) else None

    @functools.cached_property
    def width(self) -> int:
        """The number of columns of the widest row (computed once: the rows are final when read)."""
        return max((len(r) for r in self.rows), default=0)


def read(path: Path) -> list[Sheet]:
    """Every sheet of an .xlsx/.xlsm/.xls workbook, or the one table of a .csv file."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise QingdanError(f"找不到文件 {path}")
    check_file_size(path.stat().st_size, path.name)
    if suffix == ".csv":
        return [read_csv(path.read_bytes(), path.stem)]
    if suffix in (".et", ".ods"):
        raise QingdanError(f"{path.name} 是 {suffix} 格式，请在 Excel 或 WPS 中“另存为”.xlsx 后再导入")
    if suffix not in (".xlsx", ".xlsm", ".xls"):
        raise QingdanError(f"{path.name} 不是 .xlsx、.xls 或 .csv 文件")
    raw = path.read_bytes()
    # By content first: a workbook saved as .xlsx but named .xls (or the reverse) still reads.
    if raw.startswith(_ZIP):
        return read_xlsx(raw, path.name)
    if raw.startswith(_OLE2) or suffix == ".xls":
        return read_xls(raw, path.name)
    return read_xlsx(raw, path.name)


def read_xlsx(raw: bytes, name: str = "工作簿") -> list[Sheet]:
    """Sheets of a workbook given its bytes; sizes, cells and merged ranges are bounded first (bounds.py)."""
    check_file_size(len(raw), name)
    check_xlsx(raw, name)
    try:
        with_formulas = load_workbook(io.BytesIO(raw))
        values = with_formulas
        if _has_formulas(with_formulas.worksheets):
            values = load_workbook(io.BytesIO(raw), data_only=True)
        return [_sheet(ws, values[ws.title]) for ws in with_formulas.worksheets]
    except QingdanError:
        raise
    except Exception as exc:  # noqa: BLE001 - any damage in the zip or its XML is the user's file, not our bug
        raise QingdanError(f"无法读取 {name}：不是有效的 .xlsx 文件（{_short(exc)}）。"
                           "请用 Excel 或 WPS 打开后重新保存") from None


def _short(exc: Exception) -> str:
    """The reader's own words, cut short: they may quote whole parts of the file."""
    text = str(exc) or type(exc).__name__
    return text if len(text) <= 120 else text[:120] + "…"


def _has_formulas(sheets: list[Worksheet]) -> bool:
    return any(cell.data_type == "f" for ws in sheets for cell in _cells(ws).values())


def _cells(ws: Worksheet) -> dict[tuple[int, int], Any]:
    """The cells a sheet has, by (row, column) from 1: openpyxl keeps them in this sparse dict.

    Walking it instead of ``iter_rows`` makes a sheet with one cell at row 200,000 cost one
    cell, not 200,000 rows of cell objects (a hostile, sparse workbook).
    """
    return ws._cells


def _values(ws: Worksheet) -> list[list[Any]]:
    """Every row of values from row 1, each as wide as the sheet: what ``iter_rows(values_only=True)`` gives."""
    cells = _cells(ws)
    if not cells:
        return []
    height = max(row for row, _col in cells)
    width = max(col for _row, col in cells)
    rows = [[None] * width for _ in range(height)]
    for (row, col), cell in cells.items():
        rows[row - 1][col - 1] = cell.value
    return rows


def _sheet(formulas: Worksheet, values: Worksheet) -> Sheet:
    rows = _values(values)
    while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
        rows.pop()
    sheet = Sheet(formulas.title, rows, hidden=formulas.sheet_state != "visible")
    if formulas is not values:
        for (row, col), cell in sorted(_cells(formulas).items()):
            if cell.data_type == "f" and sheet.value(row - 1, col - 1) is None:
                sheet.formulas[(row - 1, col - 1)] = str(getattr(cell.value, "text", cell.value))
    merged = [(m.min_row - 1, m.min_col - 1, m.max_row, m.max_col) for m in formulas.merged_cells.ranges]
    check_grid(len(rows), sheet.width, merged, f"工作表“{sheet.name}”")  # bounds.py checked the XML already
    _fill_merged(sheet, merged)
    return sheet


def _fill_merged(sheet: Sheet, ranges: list[tuple[int, int, int, int]]) -> None:
    """Give every cell of a merged range (top, left, bottom, right; 0-based, end exclusive) its top-left value."""
    rows = sheet.rows
    for top, left, bottom, right in ranges:
        first = sheet.value(top, left)
        for r in range(top, bottom):
            for c in range(left, right):
                if (r, c) != (top, left) and r < len(rows):
                    _put(rows[r], c, first)
                    sheet.origin[(r, c)] = (top, left)


def read_xls(raw: bytes, name: str = "工作簿") -> list[Sheet]:
    """Sheets of an Excel 97–2003 (.xls) workbook, as many offices still keep them.

    Excel stores a formula's last result in the file, so there are no formulas to
    report; numbers that are whole read as int, date cells as datetime, as openpyxl gives them.
    """
    check_file_size(len(raw), name)
    try:
        # Ragged rows: xlrd keeps each row as long as its last cell, not padded to the widest one.
        book = xlrd.open_workbook(file_contents=raw, formatting_info=True, ragged_rows=True)
    except Exception as exc:  # noqa: BLE001 - any damage in a binary file is the user's file, not our bug
        raise QingdanError(f"无法读取 {name}：不是有效的 .xls 文件（{_short(exc)}）。"
                           "请用 Excel 或 WPS 打开后“另存为”.xlsx 再导入") from None
    sheets = []
    for ws in book.sheets():
        merged = [(top, left, bottom, right) for top, bottom, left, right in ws.merged_cells]
        check_grid(ws.nrows, ws.ncols, merged, f"{name} 的工作表“{ws.name}”")
        rows = [[_xls_value(cell, book.datemode) for cell in ws.row(r)] for r in range(ws.nrows)]
        while rows and all(v is None or (isinstance(v, str) and not v.strip()) for v in rows[-1]):
            rows.pop()
        sheet = Sheet(ws.name, rows, hidden=ws.visibility != 0)
        _fill_merged(sheet, merged)
        sheets.append(sheet)
    return sheets


def _xls_value(cell: xlrd.sheet.Cell, datemode: int) -> Any:
    kind, value = cell.ctype, cell.value
    if kind in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
        return None
    if kind == xlrd.XL_CELL_NUMBER:
        return int(value) if float(value).is_integer() else value
    if kind == xlrd.XL_CELL_DATE:
        try:
            return xlrd.xldate.xldate_as_datetime(value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return value  # a number formatted as a date that is no date: the importer reports it
    if kind == xlrd.XL_CELL_BOOLEAN:
        return bool(value)
    if kind == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(value, "#ERROR")
    return value


def _put(row: list[Any], col: int, value: Any) -> None:
    row.extend([None] * (col + 1 - len(row)))
    row[col] = value


def read_csv(raw: bytes, name: str) -> Sheet:
    """A CSV file as one sheet: UTF-8 (with or without BOM), or GB18030 as Excel saves it in China.

    One pass over the rows, each bounded as it is read: the time is linear in the file's size.
    """
    check_file_size(len(raw), f"{name}.csv")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise QingdanError(f"{name}.csv 既不是 UTF-8 也不是 GBK 编码，请另存为“CSV UTF-8”")
    rows: list[list[Any]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if len(row) > MAX_COLUMNS or len(rows) >= MAX_ROWS:
                check_grid(len(rows) + 1, len(row), (), f"{name}.csv ")
            rows.append([unguard_formula(v) if v != "" else None for v in row])
    except csv.Error as exc:
        raise QingdanError(f"无法读取 {name}.csv：第 {len(rows) + 1} 行不是有效的 CSV（{_short(exc)}）") from None
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    return Sheet(name, rows)
