"""Fuzzing the workbook readers: .xlsx, .xls and CSV (see README.md here).

For every generated file the reader either returns sheets within the bounds
of qingdan.excel.bounds or raises a QingdanError (a clear Chinese message),
never another exception; the Python memory it allocates (tracemalloc) and the
CPU time it takes stay linear in the file's size. The generators build real
files: sheet XML with cells and merged ranges anywhere up to XFD1048576,
damaged zips and XML, xlwt workbooks with cells anywhere, bytes flipped in a
real .xls, and CSV text with quotes, line breaks, NULs and other encodings.
"""

from __future__ import annotations

import io
import time
import tracemalloc
import zipfile
from collections.abc import Callable
from typing import Any

import xlwt
from hypothesis import given, strategies as st
from openpyxl.utils import get_column_letter
from test_fuzz_loader import FUZZ, Watchdog, watchdog  # noqa: F401  (the fixture, shared)

from qingdan.errors import QingdanError
from qingdan.excel.bounds import MAX_COLUMNS, MAX_ROWS
from qingdan.excel.read import Sheet, read_csv, read_xls, read_xlsx

MB = 1024 * 1024
# Linear bounds, in CPU seconds and in bytes Python allocates: generous for a
# busy 2-core machine (and tracemalloc's own slowdown), far below a blow-up.
CPU_SECONDS = 3.0
CPU_SECONDS_PER_MB = 30.0
PEAK_BYTES = 48 * MB
PEAK_PER_INPUT_BYTE = 200

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_SKELETON = {
    "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
    '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
    'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.worksheet+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0"?><workbook xmlns="{_MAIN}" xmlns:r="http://schemas.openxmlformats.'
    'org/officeDocument/2006/relationships"><sheets><sheet name="权力清单" sheetId="1" r:id="rId1"/></sheets>'
    '</workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}

# Rows and columns: mostly small, sometimes at or past the bounds, sometimes at Excel's last cell.
_ROWS = st.one_of(st.integers(1, 60), st.sampled_from([MAX_ROWS, MAX_ROWS + 1, 1_048_576]))
_COLUMNS = st.one_of(st.integers(1, 30), st.sampled_from([MAX_COLUMNS, MAX_COLUMNS + 1, 16_384]))
_VALUES = st.one_of(st.text(max_size=40), st.integers(-10**12, 10**12), st.floats(allow_nan=False),
                    st.sampled_from(["=SUM(A1:A3)", "520000-XK00001000", "行政许可", "", " ", "\u202e"]))


def _escape(text: str) -> str:
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
            .encode("utf-8", "surrogatepass").decode("utf-8", "replace"))


@st.composite
def sheet_xml(draw: st.DrawFn) -> str:
    """A worksheet: rows of inline-string and number cells, merged ranges, a declared dimension."""
    rows: dict[int, list[str]] = {}
    for _ in range(draw(st.integers(0, 40))):
        row, column = draw(_ROWS), draw(_COLUMNS)
        value = draw(_VALUES)
        ref = f"{get_column_letter(column)}{row}"
        if isinstance(value, str):
            cell = f'<c r="{ref}" t="inlineStr"><is><t>{_escape(value)}</t></is></c>'
        else:
            cell = f'<c r="{ref}"><v>{value}</v></c>'
        rows.setdefault(row, []).append(cell)
    body = "".join(f'<row r="{r}">{"".join(cells)}</row>' for r, cells in sorted(rows.items()))
    merges = []
    for _ in range(draw(st.integers(0, 4))):
        top, left = draw(st.integers(1, 50)), draw(st.integers(1, 20))
        bottom, right = top + draw(st.integers(0, 3)), left + draw(st.integers(0, 3))
        if draw(st.booleans()):
            bottom, right = draw(_ROWS) + top, draw(_COLUMNS) + left
        merges.append(f'<mergeCell ref="{get_column_letter(left)}{top}:{get_column_letter(min(right, 16_384))}'
                      f'{min(bottom, 1_048_576)}"/>')
    dimension = f'<dimension ref="A1:{get_column_letter(draw(_COLUMNS))}{draw(_ROWS)}"/>'
    merged = f'<mergeCells count="{len(merges)}">{"".join(merges)}</mergeCells>' if merges else ""
    return f'<?xml version="1.0"?><worksheet xmlns="{_MAIN}">{dimension}<sheetData>{body}</sheetData>{merged}</worksheet>'


def _zip(sheet: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in _SKELETON.items():
            archive.writestr(name, text)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


@st.composite
def xlsx_files(draw: st.DrawFn) -> bytes:
    """A workbook from sheet_xml, often damaged: XML cut or spliced, zip bytes flipped or cut, or noise."""
    sheet = draw(sheet_xml())
    damage = draw(st.sampled_from(["none", "none", "cut-xml", "splice-xml", "flip-zip", "cut-zip", "noise"]))
    if damage == "cut-xml":
        sheet = sheet[: draw(st.integers(0, len(sheet)))]
    elif damage == "splice-xml":
        at = draw(st.integers(0, len(sheet)))
        sheet = sheet[:at] + draw(st.sampled_from(["<c r='A0'>", "<row r='-1'>", "<!DOCTYPE x>", "&x;", "<"]))
        sheet += sheet[at:]
    if damage == "noise":
        return b"PK\x03\x04" + draw(st.binary(max_size=2000))
    raw = bytearray(_zip(sheet))
    if damage == "flip-zip":
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
    elif damage == "cut-zip":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return bytes(raw)


@st.composite
def xls_files(draw: st.DrawFn) -> bytes:
    """An xlwt workbook with cells anywhere in the .xls grid, sometimes with bytes flipped or cut."""
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("权力清单", cell_overwrite_ok=True)
    for _ in range(draw(st.integers(0, 30))):
        value = draw(_VALUES)
        sheet.write(draw(st.integers(0, 60)), draw(st.integers(0, 20)), value[:1000] if isinstance(value, str) else value)
    if draw(st.integers(0, 9)) == 0:  # now and then a cell in the grid's last row or column (costly to read)
        sheet.write(draw(st.sampled_from([60, 65_535])), draw(st.sampled_from([20, 255])), "远处")
    for _ in range(draw(st.integers(0, 3))):
        top, left = draw(st.integers(0, 50)), draw(st.integers(0, 20))
        sheet.merge(top, top + draw(st.integers(0, 3)), left, left + draw(st.integers(0, 3)))
    out = io.BytesIO()
    book.save(out)
    raw = bytearray(out.getvalue())
    damage = draw(st.sampled_from(["none", "none", "flip", "cut"]))
    if damage == "flip":
        for _ in range(draw(st.integers(1, 8))):
            raw[draw(st.integers(0, len(raw) - 1))] ^= draw(st.integers(1, 255))
    elif damage == "cut":
        raw = raw[: draw(st.integers(0, len(raw)))]
    return bytes(raw)


_CSV_PIECES = st.sampled_from([",", '"', '""', "\n", "\r\n", "\r", "\x00", "=1+1", "事项编码", "，", "\ufeff", " "])


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV text of fields, quotes and line breaks (sometimes very many rows or columns), in an encoding."""
    text = "".join(draw(st.lists(st.one_of(_CSV_PIECES, st.text(max_size=20)), max_size=200)))
    shape = draw(st.sampled_from(["plain"] * 6 + ["rows", "columns"]))
    if shape == "rows":
        text += "a\n" * draw(st.sampled_from([1_000, MAX_ROWS + 1]))
    elif shape == "columns":
        text += "," * draw(st.sampled_from([100, MAX_COLUMNS + 1])) + "\n"
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
    try:
        return text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


def _check(reader: Callable[[bytes], Any], raw: bytes, watchdog: Watchdog, name: str) -> None:
    """The reader's outcome is sheets within the bounds or a QingdanError, in linear CPU time and memory."""
    tracemalloc.start()
    started = time.process_time()
    try:
        with watchdog.guard(name, raw):
            try:
                result = reader(raw)
            except QingdanError as exc:
                assert str(exc) and "Traceback" not in str(exc)
                result = []
        took = time.process_time() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    sheets: list[Sheet] = result if isinstance(result, list) else [result]
    for sheet in sheets:
        assert len(sheet.rows) <= MAX_ROWS and sheet.width <= MAX_COLUMNS
    assert took <= CPU_SECONDS + CPU_SECONDS_PER_MB * len(raw) / MB, f"{took:.2f} s of CPU on {len(raw):,} bytes"
    assert peak <= PEAK_BYTES + PEAK_PER_INPUT_BYTE * len(raw), f"{peak / MB:.0f} MB for {len(raw):,} bytes"


@FUZZ
@given(raw=xlsx_files())
def test_xlsx_reader(raw: bytes, watchdog: Watchdog) -> None:
    _check(lambda data: read_xlsx(data, "fuzz.xlsx"), raw, watchdog, "fuzz.xlsx")


@FUZZ
@given(raw=xls_files())
def test_xls_reader(raw: bytes, watchdog: Watchdog) -> None:
    _check(lambda data: read_xls(data, "fuzz.xls"), raw, watchdog, "fuzz.xls")


@FUZZ
@given(raw=csv_files())
def test_csv_reader(raw: bytes, watchdog: Watchdog) -> None:
    _check(lambda data: read_csv(data, "fuzz"), raw, watchdog, "fuzz.csv")



def test_a_zip_member_of_an_unknown_zip_version_is_a_damaged_file() -> None:
    """Found by the fuzzer: a flipped bit in a central-directory header made zipfile raise
    NotImplementedError ("zip file version 13.2"), which escaped as a traceback."""
    raw = bytearray(_zip('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                         '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>编码</t></is></c></row>'
                         '</sheetData></worksheet>'))
    central = raw.find(b"PK\x01\x02")
    while central != -1:  # "version needed to extract" of every member: 13.2, which zipfile refuses
        raw[central + 6:central + 8] = (132).to_bytes(2, "little")
        central = raw.find(b"PK\x01\x02", central + 4)
    try:
        read_xlsx(bytes(raw), "version.xlsx")
    except QingdanError as exc:
        assert "version.xlsx" in str(exc)
    else:
        raise AssertionError("a workbook whose members cannot be opened was read")
