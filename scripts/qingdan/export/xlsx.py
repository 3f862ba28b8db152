"""The one XLSX writer, for ``qingdan export``, the site's downloads and the import report.

Clean layout: one header row in Chinese, frozen and filtered; widths fitted to
the content; long text wrapped; dates as real Excel dates. The bytes are
deterministic (fixed timestamps in the metadata and the zip entries), so a
release can publish their hashes.

The workbook is written here, not by openpyxl, so that a sheet can be put
together from *runs* of rows made apart: a department's rows are made once
(:func:`sheet_rows`), kept in the build store, and the site-wide workbook
joins every department's run without making them again. For that, rows and
cells carry no position (``r`` attributes are optional in SpreadsheetML: a
row follows the one before, a cell the cell before), strings are inline
(no shared-string table to renumber), and each run is compressed on its own
as a raw DEFLATE chunk ending in a full flush, so chunks concatenate into one
valid DEFLATE stream; the CRC-32 of the whole is combined from the runs'.
"""

from __future__ import annotations

import datetime as dt
import functools
import struct
import unicodedata
import zlib
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from ..errors import QingdanError
from ..excel.rows import TableData

FIXED_TIME = dt.datetime(2000, 1, 1)
MAX_WIDTH = 60
# Cell styles (indexes into cellXfs of _STYLES): header, wrapped text at the top, the same as a date.
_HEADER, _CELL, _DATE = 1, 2, 3


@dataclass(frozen=True)
class SheetRows:
    """A run of a sheet's rows (no header), compressed on its own so that runs concatenate."""

    rows: int
    widths: tuple[int, ...]  # the widest display width of each column in these rows
    crc: int  # CRC-32 of the uncompressed XML
    size: int  # length of the uncompressed XML
    deflated: bytes  # raw DEFLATE, ending in a full flush (not final)


@dataclass(frozen=True)
class Sheet:
    """One sheet of a workbook: its title, header row and runs of rows, in order."""

    title: str
    headers: list[str]
    runs: list[SheetRows]


def workbook_bytes(tables: list[TableData], title: str = "", keywords: str = "") -> bytes:
    """An .xlsx file with one sheet per table (``keywords``: the data version it holds, excel/stamp.py)."""
    return workbook([Sheet(t.title, t.headers, [sheet_rows(t)]) for t in tables], title, keywords)


def sheet_rows(table: TableData) -> SheetRows:
    """The rows of ``table`` as a run (refusing characters Excel cannot store, before anything is written)."""
    _check(table)
    widths = [0] * len(table.headers)
    lines = []
    # A record's own cells repeat on each row of its children: each distinct value is written once.
    known: dict[str, tuple[str, int]] = {}
    for values in table.rows:
        cells = []
        for col, value in enumerate(values):
            found = known.get(value) if type(value) is str else None
            if found is None:
                found = (_cell(value), _width(value))
                if type(value) is str:
                    known[value] = found
            cells.append(found[0])
            if found[1] > widths[col]:
                widths[col] = found[1]
        lines.append("<row>" + "".join(cells) + "</row>")
    xml = "".join(lines).encode("utf-8")
    return SheetRows(len(table.rows), tuple(widths), zlib.crc32(xml), len(xml), _deflate(xml))


def workbook(sheets: list[Sheet], title: str = "", keywords: str = "") -> bytes:
    """The workbook of ``sheets``: every run of rows joined as it was compressed."""
    entries: list[tuple[str, list[tuple[int, int, bytes]]]] = []
    names = [sheet.title[:31] for sheet in sheets]
    for n, sheet in enumerate(sheets, 1):
        head, tail = _sheet_frame(sheet)
        entries.append((f"xl/worksheets/sheet{n}.xml",
                        [_chunk(head)] + [(r.crc, r.size, r.deflated) for r in sheet.runs] + [_chunk(tail, final=True)]))
    parts = {
        "[Content_Types].xml": _content_types(len(sheets)),
        "_rels/.rels": _ROOT_RELS,
        "docProps/app.xml": _APP,
        "docProps/core.xml": _core(title, keywords),
        "xl/workbook.xml": _workbook_xml(names, sheets),
        "xl/_rels/workbook.xml.rels": _workbook_rels(len(sheets)),
        "xl/styles.xml": _STYLES,
        "xl/theme/theme1.xml": _openpyxl().theme_xml,
    }
    return _zip([(name, [_chunk(text.encode("utf-8"), final=True)]) for name, text in parts.items()] + entries)


def _sheet_frame(sheet: Sheet) -> tuple[bytes, bytes]:
    """The XML before the rows (views, widths, header row) and after them (filter, margins)."""
    widest = [_width(h) for h in sheet.headers]
    for run in sheet.runs:
        widest = [max(a, b) for a, b in zip(widest, run.widths)]
    cols = "".join(f'<col width="{min(w + 2, MAX_WIDTH)}" customWidth="1" min="{i}" max="{i}" />'
                   for i, w in enumerate(widest, 1))
    header = "".join(f'<c s="{_HEADER}" t="inlineStr"><is>{_text(h)}</is></c>' for h in sheet.headers)
    head = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetPr><outlinePr summaryBelow="1" summaryRight="1" /><pageSetUpPr /></sheetPr>'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" '
            'state="frozen" /><selection pane="bottomLeft" activeCell="A1" sqref="A1" /></sheetView></sheetViews>'
            f'<sheetFormatPr baseColWidth="8" defaultRowHeight="15" /><cols>{cols}</cols>'
            f"<sheetData><row>{header}</row>")
    ref = _filter_ref(sheet)
    tail = ("</sheetData>" + (f'<autoFilter ref="{ref}" />' if ref else "")
            + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5" /></worksheet>')
    return head.encode("utf-8"), tail.encode("utf-8")


def _filter_ref(sheet: Sheet) -> str | None:
    rows = sum(run.rows for run in sheet.runs)
    return f"A1:{_openpyxl().get_column_letter(len(sheet.headers))}{rows + 1}" if rows else None


def _check(table: TableData) -> None:
    """Refuse a table holding characters Excel cannot store."""
    illegal = _openpyxl().ILLEGAL_CHARACTERS_RE
    for row, values in enumerate(table.rows, 2):
        for col, value in enumerate(values):
            if isinstance(value, str) and illegal.search(value):
                raise QingdanError(f"“{table.title}”第 {row} 行“{table.headers[col]}”的内容含有 Excel 不能保存的"
                                   f"控制字符：{value!r}。请在 YAML 中删除这个字符")


@functools.cache
def _openpyxl() -> SimpleNamespace:
    """What workbooks take from openpyxl, imported with the first one: the site builder imports this
    module but makes its workbooks in a child process, and importing openpyxl is a tenth of a second
    (a process that builds again and again imports it once, before its first child: preload)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.compat import safe_string
    from openpyxl.utils import get_column_letter
    from openpyxl.utils.datetime import to_excel
    from openpyxl.writer.theme import theme_xml

    return SimpleNamespace(ILLEGAL_CHARACTERS_RE=ILLEGAL_CHARACTERS_RE, safe_string=safe_string,
                           get_column_letter=get_column_letter, to_excel=to_excel, theme_xml=theme_xml)


def preload() -> None:
    """Import what workbooks take from openpyxl now, so that every child forked later has it."""
    _openpyxl()


def _cell(value: Any) -> str:
    """One cell of a row (no position: it follows the cell before)."""
    if value is None or value == "":
        return f'<c s="{_CELL}" />'
    if isinstance(value, str):  # text that looks like a formula stays text: every string is inline text
        return f'<c s="{_CELL}" t="inlineStr"><is>{_text(value)}</is></c>'
    if isinstance(value, bool):
        return f'<c s="{_CELL}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, (int, float)):
        return f'<c s="{_CELL}" t="n"><v>{_openpyxl().safe_string(value)}</v></c>'
    if isinstance(value, dt.date):
        lib = _openpyxl()
        return f'<c s="{_DATE}" t="n"><v>{lib.safe_string(lib.to_excel(value))}</v></c>'
    return f'<c s="{_CELL}" t="inlineStr"><is>{_text(str(value))}</is></c>'


def _text(value: str) -> str:
    space = ' xml:space="preserve"' if value != value.strip() else ""
    return f"<t{space}>{escape(value)}</t>"


def _width(value: Any) -> int:
    """Display width of the longest line: CJK and full-width characters count double."""
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    text = str(value)
    if text.isascii():
        return max(len(line) for line in text.split("\n"))
    return max(len(line) + len(line.translate(_WIDE_ONLY)) for line in text.split("\n"))


class _WideOnly(dict):
    """A str.translate table that keeps wide and full-width characters (East Asian width W, F) and drops
    the others: the translation's length counts them. Characters are learnt as they are met."""

    def __missing__(self, code: int) -> str | None:
        self[code] = kept = chr(code) if unicodedata.east_asian_width(chr(code)) in "WF" else None
        return kept


_WIDE_ONLY = _WideOnly()


# ---- compression and the zip ---------------------------------------------------

def _deflate(data: bytes, *, final: bool = False) -> bytes:
    """``data`` as a raw DEFLATE chunk that starts from an empty window (so chunks concatenate)."""
    engine = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    return engine.compress(data) + engine.flush(zlib.Z_FINISH if final else zlib.Z_FULL_FLUSH)


def _chunk(data: bytes, *, final: bool = False) -> tuple[int, int, bytes]:
    return zlib.crc32(data), len(data), _deflate(data, final=final)


def _zip(files: list[tuple[str, list[tuple[int, int, bytes]]]]) -> bytes:
    """A zip of entries given as chunks (crc, size, raw DEFLATE) whose last one is final; fixed times."""
    out: list[bytes] = []
    directory: list[bytes] = []
    offset = 0
    # 2000-01-01 00:00:00 in MS-DOS form, as zipfile writes it.
    time, date = 0, (2000 - 1980) << 9 | 1 << 5 | 1
    for name, chunks in files:
        crc, size, compressed = 0, 0, 0
        for chunk_crc, chunk_size, data in chunks:
            crc = _crc32_combine(crc, chunk_crc, chunk_size)
            size += chunk_size
            compressed += len(data)
        if max(size, compressed, offset) >= 0xFFFFFFFF:
            raise QingdanError(f"Excel 文件中的 {name} 超过 4 GB，无法写成 XLSX；请改用 CSV 或 JSON 下载")
        raw_name = name.encode("ascii")
        fields = (20, 0, zlib.DEFLATED, time, date, crc, compressed, size, len(raw_name))
        local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + raw_name
        directory.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | 20, *fields, 0, 0, 0, 0,
                                     0o600 << 16, offset) + raw_name)
        out.append(local)
        out.extend(data for _, _, data in chunks)
        offset += len(local) + compressed
    central = b"".join(directory)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(files), len(files), len(central), offset, 0)
    return b"".join(out) + central + end


_CRC_POLY = 0xEDB88320


def _multiply(a: int, b: int) -> int:
    """a × b modulo the CRC-32 polynomial (bit-reflected), as zlib's multmodp."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1


_X2N = [1 << 30]  # x^(2^k) modulo the polynomial
for _ in range(31):
    _X2N.append(_multiply(_X2N[-1], _X2N[-1]))


def _crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of A + B from A's, B's and B's length (zlib's crc32_combine)."""
    p, k, n = 1 << 31, 3, len2
    while n:
        if n & 1:
            p = _multiply(_X2N[k & 31], p)
        n >>= 1
        k += 1
    return _multiply(p, crc1) ^ crc2


# ---- the fixed parts -------------------------------------------------------------

_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ROOT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Type="{_NS_REL}/officeDocument" Target="xl/workbook.xml" Id="rId1" />'
    '<Relationship Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml" Id="rId2" />'
    f'<Relationship Type="{_NS_REL}/extended-properties" Target="docProps/app.xml" Id="rId3" /></Relationships>')
_APP = ('<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
        "<Application>qingdan</Application></Properties>")
_STYLES = (
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd" /></numFmts>'
    '<fonts count="2"><font><name val="Calibri" /><family val="2" /><color theme="1" /><sz val="11" />'
    '<scheme val="minor" /></font><font><b val="1" /></font></fonts>'
    '<fills count="3"><fill><patternFill /></fill><fill><patternFill patternType="gray125" /></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="00DDEBF7" /></patternFill></fill></fills>'
    '<borders count="1"><border><left /><right /><top /><bottom /><diagonal /></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" /></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" />'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" applyFont="1" applyFill="1" applyAlignment="1" xfId="0">'
    '<alignment horizontal="center" vertical="center" wrapText="1" /></xf>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" applyAlignment="1" xfId="0">'
    '<alignment vertical="top" wrapText="1" /></xf>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1" applyAlignment="1" xfId="0">'
    '<alignment vertical="top" wrapText="1" /></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0" /></cellStyles>'
    '<tableStyles count="0" defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16" />'
    "</styleSheet>")


def _content_types(sheets: int) -> str:
    main = "application/vnd.openxmlformats-officedocument"
    overrides = [("/xl/workbook.xml", f"{main}.spreadsheetml.sheet.main+xml"),
                 ("/xl/styles.xml", f"{main}.spreadsheetml.styles+xml"),
                 ("/xl/theme/theme1.xml", f"{main}.theme+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
                 ("/docProps/app.xml", f"{main}.extended-properties+xml")]
    overrides += [(f"/xl/worksheets/sheet{n}.xml", f"{main}.spreadsheetml.worksheet+xml")
                  for n in range(1, sheets + 1)]
    return ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml" />'
            '<Default Extension="xml" ContentType="application/xml" />'
            + "".join(f'<Override PartName="{p}" ContentType="{t}" />' for p, t in overrides) + "</Types>")


def _core(title: str, keywords: str) -> str:
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    return ('<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>qingdan</dc:creator>'
            + (f"<dc:title>{escape(title)}</dc:title>" if title else "")
            + f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "<cp:lastModifiedBy>qingdan</cp:lastModifiedBy>"
            + (f"<cp:keywords>{escape(keywords)}</cp:keywords>" if keywords else "") + "</cp:coreProperties>")


def _workbook_xml(names: list[str], sheets: list[Sheet]) -> str:
    listed = "".join(f'<sheet name={quoteattr(name)} sheetId="{n}" state="visible" r:id="rId{n}" />'
                     for n, name in enumerate(names, 1))
    filters = []
    for n, (name, sheet) in enumerate(zip(names, sheets)):
        ref = _filter_ref(sheet)
        if ref:
            first, last = ref.split(":")
            where = "'" + name.replace("'", "''") + "'!" + _absolute(first) + ":" + _absolute(last)
            filters.append(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{n}" hidden="1">'
                           f"{escape(where)}</definedName>")
    defined = f"<definedNames>{''.join(filters)}</definedNames>" if filters else ""
    return (f'<workbook xmlns:r="{_NS_REL}" xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<workbookPr /><bookViews><workbookView activeTab="0" /></bookViews>'
            f'<sheets>{listed}</sheets>{defined}<calcPr calcId="124519" fullCalcOnLoad="1" /></workbook>')


def _absolute(ref: str) -> str:
    """B12 → $B$12."""
    letters = ref.rstrip("0123456789")
    return f"${letters}${ref[len(letters):]}"


def _workbook_rels(sheets: int) -> str:
    rels = [(f"{_NS_REL}/worksheet", f"/xl/worksheets/sheet{n}.xml") for n in range(1, sheets + 1)]
    rels += [(f"{_NS_REL}/styles", "styles.xml"), (f"{_NS_REL}/theme", "theme/theme1.xml")]
    return ('<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            + "".join(f'<Relationship Type="{t}" Target="{target}" Id="rId{n}" />'
                      for n, (t, target) in enumerate(rels, 1)) + "</Relationships>")
