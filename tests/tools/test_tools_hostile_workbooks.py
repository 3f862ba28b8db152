"""Hostile workbooks are refused before they are read, in bounded time and memory (issue 16, point 3).

Replays of the review: a 1.7 KB .xlsx with one cell at XFD1048576 (4.9 GB, a
MemoryError traceback after 77 s), one merged range A1:XFD1048576, a zip bomb
of a few MB that unpacks to more than 1 GB (3 minutes to a misleading error),
and CSV files of tens of thousands of rows (quadratic: 40,000 rows took 84 s).
Memory is measured with tracemalloc, or by running the command in a child
process under an address-space limit; time by a CPU-time limit, never by
asserting on the wall clock.
"""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import textwrap
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest
import xlwt
from openpyxl import Workbook

from qingdan.errors import QingdanError
from qingdan.excel.bounds import MAX_CELLS, MAX_COLUMNS, MAX_EXPANDED_BYTES, MAX_ROWS
from qingdan.excel.read import read, read_csv

DEPT = "520000-scjgj"
HEADER = "事项编码,事项名称,权力类型,行使层级,设定依据\n"
MB = 1024 * 1024


def _workbook(path: Path, cell: str | None = None, merge: str | None = None) -> Path:
    """A real openpyxl workbook with a header row, one far cell and/or one merged range (patched in)."""
    book = Workbook()
    ws = book.active
    ws.append(HEADER.strip().split(","))
    ws.append(["520000-XK00001000", "食品经营许可", "行政许可", "省", "《中华人民共和国行政许可法》第十二条"])
    if cell:
        ws[cell] = "远处的单元格"
    if merge:
        ws.merge_cells("A3:B3")  # a small merge, widened below: openpyxl would build the huge one cell by cell
    book.save(path)
    if merge:
        with zipfile.ZipFile(path) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist()}
        sheet = "xl/worksheets/sheet1.xml"
        members[sheet] = members[sheet].replace(b'ref="A3:B3"', f'ref="{merge}"'.encode())
        assert f'ref="{merge}"'.encode() in members[sheet]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    return path


def _zip(members: list[tuple[str, bytes, int, int]]) -> bytes:
    """A zip of raw-deflated members (name, data, crc, declared size), written by hand (no zip64 needed)."""
    out = io.BytesIO()
    central = []
    for name, data, crc, size in members:
        encoded, offset = name.encode(), out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), size, len(encoded), 0))
        out.write(encoded + data)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(data), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), out.tell() - start, start, 0))
    return out.getvalue()


def _bomb(expanded_mb: int, declared: int | None = None) -> bytes:
    """A .xlsx whose sheet XML is ``expanded_mb`` MB of spaces, deflated to about 1 KB per MB.

    Blocks ended by a full flush do not refer back, so one compressed block of
    1 MB is repeated instead of compressing a gigabyte in the test.
    """
    head, fill, tail = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">', \
        b" " * MB, b"<sheetData/></worksheet>"
    deflater = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = deflater.compress(head) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(fill) + deflater.flush(zlib.Z_FULL_FLUSH)
    end = deflater.compress(tail) + deflater.flush()
    crc = zlib.crc32(head)
    for _ in range(expanded_mb):
        crc = zlib.crc32(fill, crc)
    crc = zlib.crc32(tail, crc)
    size = len(head) + expanded_mb * MB + len(tail)
    sheet = ("xl/worksheets/sheet1.xml", start + block * expanded_mb + end, crc, size if declared is None else declared)
    small = []
    for name, text in _SKELETON.items():
        data = text.encode()
        compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
        small.append((name, compressor.compress(data) + compressor.flush(), zlib.crc32(data), len(data)))
    return _zip([*small, sheet])


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
    "xl/workbook.xml": '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
    'name="权力清单" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
    '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>',
}


def _refused_within(path: Path, match: str, peak_mb: int = 64) -> QingdanError:
    """``read(path)`` raises a QingdanError matching ``match`` while Python allocates under ``peak_mb``."""
    tracemalloc.start()
    try:
        with pytest.raises(QingdanError, match=match) as caught:
            read(path)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_mb * MB, f"peak {peak / MB:.0f} MB"
    return caught.value


def test_one_cell_at_xfd1048576_is_refused_before_reading(tmp_path: Path) -> None:
    path = _workbook(tmp_path / "far.xlsx", cell="XFD1048576")
    assert path.stat().st_size < 10_000
    error = _refused_within(path, "超过上限")
    assert "权力清单" in str(error) or "Sheet" in str(error)
    assert "XFD" in str(error) or "1,048,576" in str(error)


def test_a_merge_over_the_whole_sheet_is_refused_before_it_is_filled(tmp_path: Path) -> None:
    error = _refused_within(_workbook(tmp_path / "merge.xlsx", merge="A1:XFD1048576"), "超过上限")
    assert f"{MAX_ROWS:,}" in str(error)


def test_a_zip_bomb_is_refused_by_its_unpacked_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(_bomb(1100))
    assert path.stat().st_size < 4 * MB
    with zipfile.ZipFile(path) as archive:
        assert sum(i.file_size for i in archive.infolist()) > 1024 * MB > MAX_EXPANDED_BYTES
    error = _refused_within(path, "解压后")
    assert "压缩炸弹" in str(error) and "1,100 MB" in str(error)


def test_a_bomb_that_understates_its_size_is_read_no_further_than_it_declares(tmp_path: Path) -> None:
    """zipfile stops at the declared size, so the bound holds; the truncated sheet is a clean error."""
    path = tmp_path / "liar.xlsx"
    path.write_bytes(_bomb(300, declared=1000))
    _refused_within(path, "不是有效的 .xlsx")


def test_an_xls_with_a_cell_in_its_last_row_and_column_is_refused(tmp_path: Path) -> None:
    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("权力清单")
    sheet.write(0, 0, "事项编码")
    sheet.write(65535, 255, "远处的单元格")
    path = tmp_path / "far.xls"
    book.save(str(path))
    error = _refused_within(path, "超过上限", peak_mb=256)
    assert f"{MAX_CELLS:,}" in str(error) and "65,536 行 × 256 列" in str(error)


def test_csv_rows_and_columns_are_bounded(tmp_path: Path) -> None:
    with pytest.raises(QingdanError, match=f"超过上限 {MAX_COLUMNS:,} 列"):
        read_csv(("a," * (MAX_COLUMNS + 1) + "\n").encode(), "wide")
    with pytest.raises(QingdanError, match=f"超过上限 {MAX_ROWS:,} 行"):
        read_csv(b"a\n" * (MAX_ROWS + 1), "long")


def _run_limited(script: str, *, cpu_seconds: int, memory_mb: int = 1536) -> subprocess.CompletedProcess[str]:
    """``script`` in a child Python under an address-space and a CPU-time limit."""
    prelude = textwrap.dedent(f"""
        import resource
        resource.setrlimit(resource.RLIMIT_AS, ({memory_mb} * 2**20, {memory_mb} * 2**20))
        resource.setrlimit(resource.RLIMIT_CPU, ({cpu_seconds}, {cpu_seconds}))
    """)
    return subprocess.run([sys.executable, "-c", prelude + textwrap.dedent(script)], capture_output=True,
                          text=True, timeout=600)


@pytest.mark.parametrize("attack", ["far-cell", "merge", "bomb"])
def test_import_dry_run_of_a_hostile_workbook_fails_cleanly_under_a_memory_limit(
        attack: str, tmp_path: Path, make_tree) -> None:
    lists = make_tree()
    path = tmp_path / f"{attack}.xlsx"
    if attack == "bomb":
        path.write_bytes(_bomb(1100))
    else:
        _workbook(path, cell="XFD1048576" if attack == "far-cell" else None,
                  merge="A1:XFD1048576" if attack == "merge" else None)
    done = _run_limited(f"""
        from qingdan.cli import main
        main(["import", {str(path)!r}, "--kind", "power", "--department", {DEPT!r},
              "--lists", {str(lists)!r}, "--dry-run"])
    """, cpu_seconds=60)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-3000:]  # the file is reported as not imported, with the reason
    assert "超过上限" in output and "没有写入任何文件" in output
    assert "Traceback" not in output and "MemoryError" not in output


def test_a_csv_of_40000_rows_imports_in_linear_time(tmp_path: Path, make_tree) -> None:
    """84 s of CPU before (the sheet's width was recomputed for every row); a CPU limit of 60 s now."""
    lists = make_tree()
    path = tmp_path / "big.csv"
    rows = (f"520000-XK{i:05d}000,事项{i},行政许可,省,《中华人民共和国行政许可法》第十二条\n" for i in range(40_000))
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    done = _run_limited(f"""
        from pathlib import Path
        from qingdan.excel.importer import import_file
        workbook = import_file(Path({str(path)!r}), "power", {DEPT!r}, Path({str(lists)!r}))
        print(len(workbook.part({DEPT!r}).sections["items"]), len(workbook.errors))
    """, cpu_seconds=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == ["40000", "0"]


def test_a_sparse_sheet_is_read_from_the_cells_it_has(tmp_path: Path) -> None:
    """One cell far down and a formula: the rows are those openpyxl's iter_rows gives, built from the
    cells the sheet has (a hostile sheet with one cell at row 200,000 used to cost 200,000 rows of cell
    objects, seconds of CPU, found by the fuzzer)."""
    book = Workbook()
    ws = book.active
    ws["A1"], ws["B1"] = "编码", "名称"
    ws["C5000"] = "远处的一格"
    ws["B2"] = "=A1"
    book.save(tmp_path / "sparse.xlsx")
    [sheet] = read(tmp_path / "sparse.xlsx")
    expected = [list(row) for row in ws.iter_rows(values_only=True)]
    assert len(sheet.rows) == 5000 and sheet.width == 3
    assert sheet.rows[0][:2] == ["编码", "名称"] and sheet.value(4999, 2) == "远处的一格"
    assert [row for row in sheet.rows if any(v is not None for v in row)] == [
        row for row in expected if any(v is not None for v in row) and row != [None, "=A1", None]]
    assert sheet.formulas == {(1, 1): "=A1"}  # an uncomputed formula is kept apart, as before
