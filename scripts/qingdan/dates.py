"""Dates as the public reads them: 2024年3月1日, one way everywhere (pages, change texts, downloads)."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def cn_date(value: dt.date | None) -> str:
    """2024-03-01 → 2024年3月1日 (empty for None; a datetime gives its day)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def cn_date_text(text: str) -> str:
    """A value written as YYYY-MM-DD (a quoted date in YAML) in the same form; other text unchanged."""
    match = _ISO_DAY.match(text)
    if not match:
        return text
    try:
        return cn_date(dt.date(int(match[1]), int(match[2]), int(match[3])))
    except ValueError:
        return text  # not a real day: show what was written
