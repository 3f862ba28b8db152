"""The corrected value for a common mistake, when there is exactly one.

Both the validator's hints ("写成 2023-03-01") and `qingdan fmt --fix` read these
functions, so a hint never proposes what the fixer would not write, and the
fixer never writes what the hint would not propose.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import BaseModel

from ..model import POWER_TYPES, PowerItem
from .text import FIXABLE

# Fields whose values are codes from a published table: (model, field) -> code -> name.
CODE_TABLES: dict[tuple[type[BaseModel], str], dict[str, str]] = {
    (PowerItem, "power_type"): POWER_TYPES,
}

# 2023.3.1, 2023/3/1, 2023-3-1, 2023年3月1日, 2023．3．1 (full-width dots), 20230301.
_DATE = re.compile(r"^\s*(\d{4})\s*(?:[./\-．／]|年)\s*(\d{1,2})\s*(?:[./\-．／]|月)\s*(\d{1,2})\s*日?\s*$")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")


def code_table(holder: type[BaseModel] | None, key: Any) -> dict[str, str] | None:
    """The code table of field ``key`` of ``holder``, if its values are codes with names."""
    return CODE_TABLES.get((holder, key)) if holder is not None else None


def corrected_code(value: Any, table: dict[str, str]) -> str | None:
    """The code ``value`` unambiguously means: a name (行政处罚 → 02) or an unpadded number (2 → 02)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        padded = f"{int(value):02d}"
        return padded if padded in table else None
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text in table:
        return text
    named = [code for code, name in table.items() if name == text]
    if named:
        return named[0]
    partial = [code for code, name in table.items() if text and (text in name or name in text)]
    return partial[0] if len(partial) == 1 else None


def code_choices(table: dict[str, str]) -> str:
    """Every code with its name: 01 行政许可、02 行政处罚……"""
    return "、".join(f"{code} {name}" for code, name in table.items())


def corrected_date(value: Any) -> dt.date | None:
    """The date ``value`` unambiguously means (2023.3.1, 2023年3月1日, 20230301), if it is a real one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        return None
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    match = _DATE.match(text) or _COMPACT.match(text)
    if not match:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def date_hint(value: Any) -> str:
    """The hint for a value that is not a date: the corrected date, or why none exists."""
    fixed = corrected_date(value)
    if fixed is not None:
        return f"写成 {fixed.isoformat()}" + FIXABLE
    text = str(value).strip()
    match = _DATE.match(text) or _COMPACT.match(text)
    if match:
        year, month, day = (int(part) for part in match.groups())
        if not 1 <= month <= 12:
            return f"{text} 的月份 {month} 不存在；写成 YYYY-MM-DD，月份为 01 至 12"
        last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        return f"{year} 年 {month} 月只有 {last} 天；核对原件，写成 YYYY-MM-DD（例如 {year}-{month:02d}-{last:02d}）"
    return "写成 YYYY-MM-DD（年 4 位、月和日各 2 位，用半角短横线连接），例如 2023-03-01"
