"""The audit report: every change to lists/ on the main branch, who made, merged and approved it.

Everything is checked offline from git alone: approvals are the
``Reviewed-by:`` trailers of the commit on the main line, authorisation is the
``reviewers`` list of the department's department.yml as it stood before the
change, signatures are verified as ``git verify-commit`` does (signatures.py).
See content/audit.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import git

from ..gitrepo import BlobReader, author_log, unmerged_tags
from .changes import Change, Step
from .records import load
from .signatures import Signature, verify
from .store import History
from .trailers import Person

FLAGS = {
    "no-approval": "未经审核",
    "unauthorised-approval": "审核人无权审核",
    "self-approval": "自己审核自己的修改",
    "unsigned": "未按要求签名",
    "history-rewritten": "已发布的历史被改写",
}


@dataclass(frozen=True)
class Flag:
    """A finding of the audit: a stable code and a message in Chinese."""

    code: str
    message: str

    @property
    def title(self) -> str:
        return FLAGS[self.code]


@dataclass
class AuditEntry:
    """One change to lists/ on the main line and everything the audit knows of it."""

    step: Step
    authors: list[Person]
    authored: str  # when the change was first written (the merge's own date is the step's)
    approvers: list[Person]
    signature: Signature
    require_signing: bool
    departments: list[str]
    flags: list[Flag] = field(default_factory=list)

    @property
    def merger(self) -> Person:
        """Who put the change on the main branch (the committer of the main-line commit)."""
        return self.step.committer

    @property
    def changes(self) -> list[Change]:
        return self.step.changes


@dataclass
class AuditReport:
    """Entries oldest first, and findings about the history as a whole."""

    entries: list[AuditEntry]
    flags: list[Flag] = field(default_factory=list)
    since: dt.date | None = None
    until: dt.date | None = None

    def all_flags(self) -> list[tuple[AuditEntry | None, Flag]]:
        out: list[tuple[AuditEntry | None, Flag]] = [(None, f) for f in self.flags]
        return out + [(e, f) for e in self.entries for f in e.flags]

    @property
    def exit_code(self) -> int:
        """1 when the audit found something to look at, else 0."""
        return 1 if self.all_flags() else 0


def audit(history: History, since: dt.date | None = None, until: dt.date | None = None,
          allowed_signers: Path | None = None, signing_keys: Path | None = None) -> AuditReport:
    """Audit every step of ``history`` whose commit date lies in [since, until].

    ``allowed_signers`` (SSH) and ``signing_keys`` (OpenPGP) replace the trust
    lists committed in the repository (signatures.py).
    """
    repo = history.repo
    chosen = [(i, s) for i, s in enumerate(history.steps)
              if (since is None or s.day >= since) and (until is None or s.day <= until)]
    authors = BranchAuthors(repo, history.head)
    signatures = verify(repo, history.head, [s.sha for _i, s in chosen], allowed_signers, signing_keys)
    entries = []
    with BlobReader(repo) as reader:
        rules = Rules(history, reader)
        for index, step in chosen:
            entry = AuditEntry(step, authors.of(step), authors.authored(step), list(step.approvers),
                               signatures.get(step.sha, Signature()),
                               rules.require_signing(index), step.departments())
            entry.flags = list(_flags(entry, rules, index))
            entries.append(entry)
    return AuditReport(entries, rewritten(history), since, until)


# ------------------------------------------------------------ flags


def _flags(entry: AuditEntry, rules: "Rules", index: int) -> Iterator[Flag]:
    step = entry.step
    if entry.approvers:
        yield from _approval_flags(entry, rules, index)
    else:
        kind = "合并提交" if step.is_merge else "直接提交到主分支的提交"
        yield Flag("no-approval", f"{kind} {step.sha[:12]} 修改了 lists/，但没有 Reviewed-by 审核记录")
    if entry.require_signing and not entry.signature.good:
        yield Flag("unsigned", f"站点要求签名，但提交 {step.sha[:12]} 的签名状态为：{entry.signature.label}")


def _approval_flags(entry: AuditEntry, rules: "Rules", index: int) -> Iterator[Flag]:
    selfish = [a for a in entry.approvers if any(a.same(author) for author in entry.authors)]
    for approver in selfish:
        yield Flag("self-approval", f"{approver} 审核了自己参与编写的修改")
    others = [a for a in entry.approvers if a not in selfish]
    for dept in entry.departments or [""]:
        allowed = rules.reviewers(index, dept)
        if not any(_authorised(a, allowed) for a in others):
            where = f"部门 {dept}" if dept else "全站文件（site.yml、regions.yml、sources.yml）"
            names = "、".join(str(a) for a in entry.approvers)
            yield Flag("unauthorised-approval",
                       f"{where} 的修改没有经其授权审核人审核（审核人：{names}；授权名单：{'、'.join(allowed) or '无'}）")


def _authorised(person: Person, reviewers: list[str]) -> bool:
    handles = person.handles()
    return any(r.strip().lstrip("@").lower() in handles for r in reviewers)


def rewritten(history: History) -> list[Flag]:
    """Published releases that are no longer in the main branch's history, and rewrites seen by the cache."""
    flags = []
    for tag in unmerged_tags(history.repo, history.head):
        flags.append(Flag("history-rewritten", f"发布版本 {tag} 指向的提交不在主分支的历史中：发布之后历史被改写"))
    for event in history.rewrites:
        flags.append(Flag("history-rewritten", f"主分支曾指向 {event['old_head'][:12]}，之后被改成了不包含它的 "
                                                f"{event['new_head'][:12]}：已构建的历史被改写"))
    return flags


class Rules:
    """Department reviewers and the signing rule as they stood before each step."""

    def __init__(self, history: History, reader: BlobReader) -> None:
        self.history = history
        self._timeline: dict[str, list[tuple[int, str]]] = {}  # record key -> [(step index, blob)]
        for i, step in enumerate(history.steps):
            for change in step.changes:
                if change.kind in ("department", "site"):
                    blob = "" if change.action == "removed" else change.blob
                    self._timeline.setdefault(change.key, []).append((i, blob))
        self._data: dict[str, dict] = {}
        self._reader = reader

    def _before(self, key: str, index: int) -> dict:
        """The record as it stood before step ``index`` (or as that step made it, if it is new)."""
        timeline = self._timeline.get(key, [])
        earlier = [blob for i, blob in timeline if i < index]
        blob = earlier[-1] if earlier else next((b for i, b in timeline if i == index), "")
        if not blob:
            return {}
        if blob not in self._data:
            data, ok = load(self._reader.read(blob) or b"")
            self._data[blob] = data if ok and isinstance(data, dict) else {}
        return self._data[blob]

    def reviewers(self, index: int, dept: str) -> list[str]:
        """Who may approve changes to ``dept`` (for site-wide files: any department's reviewers)."""
        if dept:
            found = self._before(f"department:{dept}", index).get("reviewers") or []
            return [str(r) for r in found]
        everyone: list[str] = []
        for key in self._timeline:
            if key.startswith("department:"):
                everyone += [str(r) for r in self._before(key, index).get("reviewers") or []]
        return sorted(set(everyone))

    def require_signing(self, index: int) -> bool:
        return self._before("site", index).get("require_signing") is True


# ------------------------------------------------------------ authors


class BranchAuthors:
    """Who wrote each change: the authors of the commits a merge brought in.

    One ``git log`` pass over all commits reachable from head; the commits of a
    merge are those reachable from its other parents and from none of the
    earlier main-line commits.
    """

    def __init__(self, repo: git.Repo, head: str) -> None:
        self.parents: dict[str, list[str]] = {}
        self.people: dict[str, list[Person]] = {}
        self.dates: dict[str, str] = {}
        for commit in author_log(repo, head):
            self.parents[commit.sha] = commit.parents
            self.dates[commit.sha] = commit.author_date
            self.people[commit.sha] = [Person(commit.author_name, commit.author_email),
                                       *(Person.parse(c) for c in commit.co_authors)]
        self._branch = self._branch_commits(head)

    def _branch_commits(self, head: str) -> dict[str, list[str]]:
        line = []
        sha: str | None = head
        while sha:
            line.append(sha)
            parents = self.parents.get(sha, [])
            sha = parents[0] if parents else None
        merged: set[str] = set()
        found: dict[str, list[str]] = {}
        for sha in reversed(line):
            merged.add(sha)
            brought = []
            stack = list(self.parents.get(sha, [])[1:])
            while stack:
                commit = stack.pop()
                if commit in merged:
                    continue
                merged.add(commit)
                brought.append(commit)
                stack += self.parents.get(commit, [])
            found[sha] = brought
        return found

    def authored(self, step: Step) -> str:
        """When the change was first written: the earliest author date of its commits."""
        shas = self._branch.get(step.sha) or [step.sha]
        dates = [self.dates[s] for s in shas if s in self.dates]
        return min(dates, key=dt.datetime.fromisoformat) if dates else step.author_date

    def of(self, step: Step) -> list[Person]:
        """The authors of a step: of the merged commits for a merge, else of the commit itself."""
        shas = self._branch.get(step.sha) or [step.sha]
        people: list[Person] = []
        for sha in shas:
            for person in self.people.get(sha, []):
                if not any(person.same(p) for p in people):
                    people.append(person)
        return people
