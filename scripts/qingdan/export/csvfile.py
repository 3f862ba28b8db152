"""CSV for spreadsheets and scripts: UTF-8 with a BOM (so Excel opens it correctly), CRLF rows.

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first)
gets an apostrophe in front (excel.formula); ``qingdan import`` removes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from typing import Any

from ..excel.formula import guard_formula
from ..excel.rows import TableData


def csv_bytes(table: TableData) -> bytes:
    """A table as CSV bytes: header row, then one line per row; dates as YYYY-MM-DD."""
    return csv_head(table.headers) + csv_rows(table.rows)


def csv_head(headers: list[str]) -> bytes:
    """The start of a CSV file: the BOM and the header line."""
    return b"\xef\xbb\xbf" + _lines([headers])


def csv_rows(rows: list[list[Any]]) -> bytes:
    """CSV lines of ``rows`` (no header): rows written apart concatenate into one file."""
    return _lines([_text(v) for v in row] for row in rows)


def _lines(rows: Iterable[list[str]]) -> bytes:
    out = io.BytesIO()
    # Encoded as written: a site-wide list is hundreds of megabytes, and a str
    # of it would take twice that again.
    text = io.TextIOWrapper(out, encoding="utf-8", newline="")
    csv.writer(text, lineterminator="\r\n").writerows(rows)
    text.flush()
    raw = out.getvalue()
    text.detach()
    return raw


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return guard_formula(str(value))
