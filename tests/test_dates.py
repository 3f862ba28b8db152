"""dates.git_time: every time git can print is read, the odd ones as the nearest time there is."""

from __future__ import annotations

import datetime as dt

import pytest

from qingdan.dates import git_time

UTC = dt.timezone.utc


@pytest.mark.parametrize("text, expected", [
    ("2026-11-02T10:00:00+08:00", dt.datetime(2026, 11, 2, 10, tzinfo=dt.timezone(dt.timedelta(hours=8)))),
    ("2026-11-02T02:00:00Z", dt.datetime(2026, 11, 2, 2, tzinfo=UTC)),
    # An offset git keeps and Python does not: the same moment in UTC.
    ("2001-09-13T05:45:40+99:59", dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)),
    ("2001-09-04T21:47:40-99:59", dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=UTC)),
    # Years past what Python holds, and moments an offset pushes past them.
    ("3170843-11-07T09:46:39+00:00", dt.datetime.max.replace(tzinfo=UTC)),
    ("9999-12-31T23:00:00-99:00", dt.datetime.max.replace(tzinfo=UTC)),
    ("0001-01-01T01:00:00+99:00", dt.datetime.min.replace(tzinfo=UTC)),
    ("no time at all", dt.datetime.min.replace(tzinfo=UTC)),
])
def test_git_times(text: str, expected: dt.datetime) -> None:
    got = git_time(text)
    assert got == expected and got.tzinfo is not None
