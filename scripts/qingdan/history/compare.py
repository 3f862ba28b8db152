"""Comparing two revisions: the field-level changes between them, and the rule that items never vanish.

``qingdan diff BASE HEAD`` prints the changes for pull-request summaries and
release notes; with ``--check`` an item that disappears without having been
marked repealed (with date, basis and reason) or transferred is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import git

from ..gitrepo import BlobReader, Commit, content, diff_trees, open_repo, resolve, tree_files
from ..gitrepo import merge_base as branch_point
from ..kinds import ITEM_KINDS, KINDS
from ..model.power import SUCCESSION
from ..problems import Problem
from .changes import Change
from .fielddiff import FieldChange, diff_records
from .items import State
from .records import entry_key, load
from .walk import walk

REPEAL_NEEDS = {"negative": ("date",)}
REPEAL_FIELDS = ("date", "basis", "reason")
_REPEAL_LABELS = {"date": "废止日期", "basis": "废止依据", "reason": "废止原因"}


@dataclass
class Comparison:
    """The changes from ``base`` to ``head`` and the notes met on the way."""

    base: str
    head: str
    changes: list[Change] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    repo: Path | None = None
    names: State = field(default_factory=State)
    lines: dict[str, int] = field(default_factory=dict)  # removed item -> its line in the base revision
    # Codes merged or split into items at head: old code -> the successors that name it.
    successors: dict[str, list[str]] = field(default_factory=dict)

    def full_record(self, change: Change) -> list[FieldChange]:
        """Every field of the record as ``change`` left it, as additions: a new item, to review in full."""
        kind = next((k for k in KINDS if k.key == change.kind), None)
        if self.repo is None or kind is None or kind.id_field is None:
            return []
        with BlobReader(open_repo(self.repo)) as reader:
            raw = content(reader.read(change.blob))
        data, ok = load(raw or b"")
        if not ok or not isinstance(data, dict):
            return []
        for entry in data.get("items") or ():
            if isinstance(entry, dict) and entry_key(kind, entry) == change.key:
                return diff_records(kind.model, {}, entry, self.names)
        return []

    def problems(self) -> list[Problem]:
        """Items that vanished, and repeals that do not say when, on what basis and why.

        An item merged or split into successors that name its code (an adjustment
        合并 or 拆分 with ``from_codes``) has not vanished: it lives on in them.
        """
        found = []
        for change in self.changes:
            if change.kind not in ITEM_KINDS:
                continue
            if change.action == "removed" and change.key in self.successors:
                continue
            if change.action == "removed" and change.vanished:
                problem = _vanished(change)
                problem.line = self.lines.get(change.key)
                found.append(problem)
            elif change.action == "repealed" and _missing(change):
                found.append(_incomplete(change, _missing(change)))
        return found


def compare(repo_path: Path | str, base: str, head: str, lists_subdir: str = "lists",
            merge_base: bool = False) -> Comparison:
    """The field-level changes of lists/ between two revisions.

    With ``merge_base`` the base is where ``head`` branched off ``base``
    (like ``git diff base...head``): what a pull request changes.
    """
    repo = open_repo(repo_path)
    old, new = resolve(repo, base), resolve(repo, head)
    if merge_base:
        old = branch_point(repo, old, new)
    commit = Commit(new, [old], "", "", "", "", "", "", "", diff_trees(repo, old, new, lists_subdir))
    state = State()
    learn_names(repo, new, lists_subdir, state)
    step = walk(repo, [commit], state, subdir=lists_subdir)[0]
    return Comparison(old, new, step.changes, step.notes, Path(repo_path), state,
                      base_lines(repo, step.changes), successors(repo, new, lists_subdir))


def base_lines(repo: git.Repo, changes: list[Change]) -> dict[str, int]:
    """Where each removed item stood in the base revision: the line of its ``code:`` (1-based)."""
    removed = [c for c in changes if c.action == "removed" and c.kind in ITEM_KINDS]
    found: dict[str, int] = {}
    with BlobReader(repo) as reader:
        for change, (_sha, blob) in zip(removed, reader.read_many(c.blob for c in removed)):
            raw = content(blob) or b""
            pattern = re.compile(rb"^[ \t]*(?:-[ \t]+)?code:[ \t]*[\"']?" + re.escape(change.key.encode())
                                 + rb"[\"']?[ \t]*(?:#.*)?$", re.M)
            match = pattern.search(raw)
            if match:
                found[change.key] = raw.count(b"\n", 0, match.start()) + 1
    return found


def successors(repo: git.Repo, rev: str, subdir: str) -> dict[str, list[str]]:
    """Codes that items at ``rev`` name as merged or split into them (adjustments with from_codes)."""
    found: dict[str, list[str]] = {}
    wanted = [f for f in tree_files(repo, rev, subdir) if f.path.endswith("/powers.yml")]
    with BlobReader(repo) as reader:
        for _sha, raw in reader.read_many(f.new_blob for f in wanted):
            data, ok = load(content(raw) or b"")
            if not ok or not isinstance(data, dict):
                continue
            for item in data.get("items") or ():
                for adjustment in (item.get("adjustments") or ()) if isinstance(item, dict) else ():
                    if isinstance(adjustment, dict) and adjustment.get("kind") in SUCCESSION:
                        for code in adjustment.get("from_codes") or ():
                            found.setdefault(str(code), []).append(str(item.get("code")))
    return found


def learn_names(repo: git.Repo, rev: str, subdir: str, state: State) -> None:
    """Titles of legal sources and names of departments at ``rev``, to show ids as names."""
    wanted = [f for f in tree_files(repo, rev, subdir)
              if f.path in ("sources.yml",) or f.path.endswith(("/department.yml", "/regulations.yml"))]
    with BlobReader(repo) as reader:
        for entry, (_sha, raw) in zip(wanted, reader.read_many(f.new_blob for f in wanted)):
            data, ok = load(content(raw) or b"")
            if not ok or not isinstance(data, dict):
                continue
            if entry.path.endswith("department.yml") and data.get("name"):
                state.departments[entry.path.split("/")[0]] = str(data["name"])
                continue
            for item in data.get("items") or ():
                if isinstance(item, dict) and item.get("title"):
                    state.titles[str(item.get("id") or item.get("code"))] = str(item["title"])


def _missing(change: Change) -> list[str]:
    needed = REPEAL_NEEDS.get(change.kind, REPEAL_FIELDS)
    repeal = change.repeal or {}
    return [_REPEAL_LABELS[k] for k in needed if not repeal.get(k)]


def _vanished(change: Change) -> Problem:
    shown = f"{change.key}（{change.name}）"
    if change.status in ("已废止", "已取消"):
        return _incomplete(change, _missing(change) or ["废止原因"], removed=True)
    return Problem(
        "item-vanished", f"事项 {shown} 被删除，但没有标记为已废止，也没有移交给其他部门", f"lists/{change.path}",
        hint="不要删除事项：把 status 改为 已废止 并填写 repeal（date、basis、reason）；"
             "如果事项改由其他部门实施，把它移到该部门的文件中；合并或拆分为新事项的，"
             "在新事项的 adjustments 中写 kind: 合并（或 拆分）和 from_codes: [原编码]",
    )


def _incomplete(change: Change, missing: list[str], removed: bool = False) -> Problem:
    shown = f"{change.key}（{change.name}）"
    what = "被移出清单，但它的废止信息" if removed else "标记为已废止，但"
    return Problem(
        "repeal-incomplete", f"事项 {shown} {what}缺少{'、'.join(missing)}", f"lists/{change.path}",
        hint="在 repeal 中写明 date（废止日期）、basis（废止依据）和 reason（废止原因）"
             if change.kind == "power" else "地方性法规写明 repealed（废止日期）和 cleanup 的 batch、reason",
    )
