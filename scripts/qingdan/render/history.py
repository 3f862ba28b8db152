"""What the pages ask of the history stage (qingdan.history.History fits it).

Every render function takes ``history``: None until the lead wires
``qingdan.history.load_history`` in, then the History object. With None the
pages leave out the timeline, the change log and "最近更新", and "数据更新至"
falls back to the newest date found in the data, labelled as such — never the
build time. Nothing here imports the history stage: these are the methods and
attributes the templates use, nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from ..dates import cn_date


class FieldChange(Protocol):
    def text(self) -> str:
        """The change as people read it, e.g. ``事项名称: 旧值 → 新值``."""


class Entry(Protocol):
    """One change of one record (a line of a timeline or of the change log)."""

    key: str  # the record's code for items
    name: str
    action_label: str  # 新增、修改、废止、移交、删除 or 恢复
    date: dt.datetime  # when it reached the main branch
    sha: str
    title: str
    department: str | None
    list_kind: str | None
    fields: Sequence[FieldChange]


class Release(Protocol):
    name: str
    date: dt.datetime
    message: str

    @property
    def file_name(self) -> str:
        """The name of its snapshot download, e.g. lists-v2024.1.zip."""


class History(Protocol):
    """The history of lists/ as the pages need it."""

    def last_change_date(self) -> dt.date | None:
        """数据更新至: the day of the newest change."""

    def changes(self) -> Sequence[Entry]:
        """The change log of the whole site, newest first."""

    def item_changes(self, key: str) -> Sequence[Entry]:
        """The timeline of one record, newest first."""

    def removed_items(self) -> dict[str, Any]:
        """Items no longer in lists/, by code (kind, department, the step that removed them, vanished)."""

    def record(self, key: str) -> dict | None:
        """The plain data of the last version of a record, read from git."""

    def tags(self) -> Sequence[Release]:
        """Published releases (git tags on the main line), newest first."""

    def snapshot_zip(self, rev: str) -> bytes:
        """The lists/ folder at ``rev`` as a zip file."""

    def feeds(self, site_url: str, **options: object) -> dict[str, bytes]:
        """Atom feeds: feeds/atom.xml for the site and feeds/<dept-id>.xml per department."""

    def departments(self) -> list[str]:
        """The departments the history knows (each has a feed, feeds/<dept-id>.xml)."""


@dataclass(frozen=True)
class AsOf:
    """How current the data is (数据更新至): one answer for every page and download.

    ``recorded`` is True when the day is that of the newest change recorded in
    history; without history it is the newest date found in the data, which says
    less (a date in the data is not a day the data was updated) and is labelled so.
    """

    day: dt.date
    recorded: bool

    @property
    def cn(self) -> str:
        return cn_date(self.day)

    @property
    def iso(self) -> str:
        return self.day.isoformat()

    @property
    def label(self) -> str:
        """What the date is, as the pages say it before the date."""
        return "数据更新至" if self.recorded else "数据中最近的日期"

    @property
    def compact(self) -> str:
        """The day as a file name carries it: 20250118."""
        return self.day.strftime("%Y%m%d")

    def in_advance(self, day: dt.date | None) -> bool:
        """True for a legal date after the newest recorded change: it was recorded in advance."""
        return self.recorded and day is not None and _day(day) > self.day


def _day(value: dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def as_of(history: History | None, newest_date: dt.date | None) -> AsOf | None:
    """数据更新至: the day of the newest recorded change, else the newest date in the data, else None.

    Never the build time: rebuilding the same data must not make it look newer.
    """
    if history is not None:
        day = history.last_change_date()
        if day is not None:
            return AsOf(_day(day), True)
    return AsOf(newest_date, False) if newest_date is not None else None


def last_changed(history: History) -> dict[tuple[str | None, str | None], dt.datetime]:
    """(department, list kind) → when that list last changed, in one pass over the log."""
    newest: dict[tuple[str | None, str | None], dt.datetime] = {}
    for entry in history.changes():
        newest.setdefault((entry.department, entry.list_kind), entry.date)
    return newest


def history_for(lists_dir: Path) -> History | None:
    """The history of ``lists_dir`` from the git repository around it, or None outside one.

    A site built from a folder that is not under git (a download, a snapshot)
    simply has no timelines; that is not an error.
    """
    from ..errors import QingdanError
    from ..history import load_history
    from ..gitrepo import open_repo

    lists_dir = Path(lists_dir).resolve()
    try:
        root = Path(open_repo(lists_dir).working_tree_dir or lists_dir).resolve()
        return load_history(root, lists_dir.relative_to(root).as_posix())
    except QingdanError:
        return None  # not under git, or a repository without commits yet
