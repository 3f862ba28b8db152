"""CSV for spreadsheets and scripts: UTF-8 with a BOM (so Excel opens it correctly), CRLF rows."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from ..excel.rows import TableData

BOM = "\ufeff"


def csv_bytes(table: TableData) -> bytes:
    """A table as CSV bytes: header row, then one line per row; dates as YYYY-MM-DD."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow([_text(v) for v in row])
    return (BOM + out.getvalue()).encode("utf-8")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
