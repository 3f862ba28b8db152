"""CSV for spreadsheets and scripts: UTF-8 with a BOM (so Excel opens it correctly), CRLF rows.

Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first)
gets an apostrophe in front (excel.formula); ``qingdan import`` removes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from ..excel.formula import guard_formula
from ..excel.rows import TableData


def csv_bytes(table: TableData) -> bytes:
    """A table as CSV bytes: header row, then one line per row; dates as YYYY-MM-DD."""
    out = io.BytesIO()
    # Encoded as written (utf-8-sig writes the BOM first): a site-wide list is
    # hundreds of megabytes, and a str of it would take twice that again.
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="")
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
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
