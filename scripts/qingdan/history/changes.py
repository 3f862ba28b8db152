"""The results of history: a Step per commit on the main line, a Change per record it changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ..dates import git_time
from .fielddiff import FieldChange
from .records import department_of, file_kind
from .trailers import Person, Review, review

ACTIONS = {
    "created": "新增",
    "modified": "修改",
    "repealed": "废止",
    "transferred": "移交",
    "removed": "删除",
    "restored": "恢复",
}


@dataclass(slots=True)
class Change:
    """What one commit did to one record (an item, a source, a department…).

    ``path`` and ``blob`` locate this version (for ``removed``: the last
    version that held the record). ``effective`` and ``repeal`` are the legal
    dates written in the record, kept apart from the commit's own dates.
    """

    key: str
    kind: str
    action: str
    path: str
    blob: str
    name: str
    version: int = 0
    from_path: str | None = None
    fields: list[FieldChange] = field(default_factory=list)
    status: str | None = None
    effective: str | None = None
    repeal: dict | None = None
    vanished: bool = False

    @property
    def department(self) -> str | None:
        """The department folder of this version."""
        return department_of(self.path)

    @property
    def from_department(self) -> str | None:
        """For a transfer: the department the record came from."""
        return department_of(self.from_path) if self.from_path else None

    @property
    def list_kind(self) -> str | None:
        """The kind of list file that holds the record: powers, regulations, negative_list…"""
        kind = file_kind(self.path)
        return kind.key if kind else None

    @property
    def action_label(self) -> str:
        return ACTIONS[self.action]

    @property
    def label(self) -> str:
        """How the record is named: an item by code and name, anything else by its name."""
        if not self.key.partition(":")[1] and self.kind != "site":
            return f"{self.key} {self.name}" if self.name != self.key else self.key
        ident = self.key.partition(":")[2]
        return f"{self.name}（{ident}）" if self.kind in ("source", "region") else self.name

    def to_dict(self) -> dict:
        data: dict[str, Any] = {"key": self.key, "kind": self.kind, "action": self.action, "path": self.path,
                                "blob": self.blob, "name": self.name, "version": self.version}
        for name in ("from_path", "status", "effective", "repeal"):
            value = getattr(self, name)
            if value is not None:
                data[name] = value
        if self.fields:
            data["fields"] = [f.to_dict() for f in self.fields]
        if self.vanished:
            data["vanished"] = True
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Change":
        fields = [FieldChange.from_dict(f) for f in data.get("fields", ())]
        return cls(data["key"], data["kind"], data["action"], data["path"], data["blob"], data["name"],
                   data.get("version", 0), data.get("from_path"), fields, data.get("status"),
                   data.get("effective"), data.get("repeal"), data.get("vanished", False))


    def to_row(self) -> list:
        """A compact form for the cache: a list in field order."""
        fields = [[f.field, f.label, f.op, f.old, f.new] for f in self.fields]
        return [self.key, self.kind, self.action, self.path, self.blob, self.name, self.version, self.from_path,
                self.status, self.effective, self.repeal, self.vanished, fields]

    @classmethod
    def from_row(cls, row: list) -> "Change":
        fields = [FieldChange(*f) for f in row[12]] if row[12] else []
        return cls(*row[:8], fields, *row[8:12])


def summary(changes: list[Change]) -> str:
    """``新增 2 项，修改 3 项`` for a list of changes."""
    counts: dict[str, int] = {}
    for change in changes:
        counts[change.action] = counts.get(change.action, 0) + 1
    return "，".join(f"{ACTIONS[a]} {n} 项" for a, n in counts.items()) or "无记录变更"


@dataclass(slots=True)
class Step:
    """One commit on the first-parent line of the main branch that changed lists/.

    A merged pull request is one step; a commit pushed straight to the main
    branch is one too (and has no approval).
    """

    sha: str
    parents: list[str]
    author: Person
    author_date: str
    committer: Person
    commit_date: str
    message: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    _review: Review | None = field(default=None, repr=False)

    @property
    def is_merge(self) -> bool:
        return len(self.parents) > 1

    @property
    def review(self) -> Review:
        """Title, pull-request number and approvers from the commit message."""
        if self._review is None:
            self._review = review(self.message)
        return self._review

    @property
    def pr(self) -> int | None:
        return self.review.pr

    @property
    def title(self) -> str:
        return self.review.title

    @property
    def approvers(self) -> list[Person]:
        return self.review.approvers

    @property
    def date(self) -> dt.datetime:
        """When the change reached the main branch (公布/修改日期 on the site)."""
        return git_time(self.commit_date)

    @property
    def day(self) -> dt.date:
        """The calendar day of the commit, in the committer's own time zone."""
        return self.date.date()

    def departments(self) -> list[str]:
        """The department folders this step touched, sorted."""
        found = {c.department for c in self.changes} | {c.from_department for c in self.changes}
        return sorted(d for d in found if d)

    def to_dict(self) -> dict:
        data = {"sha": self.sha, "parents": self.parents, "author": [self.author.name, self.author.email],
                "author_date": self.author_date, "committer": [self.committer.name, self.committer.email],
                "commit_date": self.commit_date, "message": self.message,
                "changes": [c.to_dict() for c in self.changes]}
        if self.notes:
            data["notes"] = self.notes
        return data

    def to_row(self) -> list:
        """A compact form for the cache: a list in field order."""
        return [self.sha, self.parents, self.author.name, self.author.email, self.author_date, self.committer.name,
                self.committer.email, self.commit_date, self.message, self.notes, [c.to_row() for c in self.changes]]

    @classmethod
    def from_row(cls, row: list) -> "Step":
        return cls(row[0], row[1], Person(row[2], row[3]), row[4], Person(row[5], row[6]), row[7], row[8],
                   [Change.from_row(c) for c in row[10]], row[9])

    @classmethod
    def from_dict(cls, data: dict) -> "Step":
        return cls(data["sha"], data["parents"], Person(*data["author"]), data["author_date"],
                   Person(*data["committer"]), data["commit_date"], data["message"],
                   [Change.from_dict(c) for c in data["changes"]], data.get("notes", []))
