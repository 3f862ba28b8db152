"""Dates as the public reads them: 2024年3月1日, one way everywhere (pages, change texts, downloads)."""

from __future__ import annotations

import datetime as dt
import re

_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
# A time as git prints it (%aI, %cI, creatordate:iso-strict): any number of year digits, any offset.
_GIT_TIME = re.compile(r"^(-?\d+)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:Z|([+-])(\d\d):(\d\d))$")
_LATEST = dt.datetime.max.replace(tzinfo=dt.timezone.utc)
_EARLIEST = dt.datetime.min.replace(tzinfo=dt.timezone.utc)


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


def git_time(text: str) -> dt.datetime:
    """A commit's or a tag's time as git prints it, as an aware datetime; never an error.

    Whoever makes a commit or a tag sets its times, and git keeps ones Python cannot
    hold (the year 3170843, an offset of +99:59): such a time becomes the same moment
    in UTC where that exists, else the latest or earliest time there is. Text that is
    no time at all (git never prints it) is the earliest.
    """
    try:
        return dt.datetime.fromisoformat(text)
    except ValueError:
        pass
    match = _GIT_TIME.match(text)
    if match is None:
        return _EARLIEST
    year, month, day, hour, minute, second = (int(match[n]) for n in range(1, 7))
    if year > dt.MAXYEAR:
        return _LATEST
    if year < dt.MINYEAR:
        return _EARLIEST
    offset = dt.timedelta(hours=int(match[8] or 0), minutes=int(match[9] or 0)) * (-1 if match[7] == "-" else 1)
    try:
        return (dt.datetime(year, month, day, hour, minute, second) - offset).replace(tzinfo=dt.timezone.utc)
    except (ValueError, OverflowError):
        return _LATEST if offset < dt.timedelta(0) else _EARLIEST
