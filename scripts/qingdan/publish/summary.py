"""The part of the pull-request summary reviewers read: what the change does to the lists.

Changes are grouped the way a legal office decides them (新增 / 废止 / 划转 / 修改 / 删除);
a new item is shown in full (folded, so the summary stays short) because its legal basis is
what the review is about; the same change made to many items is shown once with a count.
"""

from __future__ import annotations

import html
from collections import defaultdict

from ..history.changes import Change
from ..history.compare import Comparison
from ..history.output import md
from ..layout import BY_KEY

# Action -> the group it is shown under, in the order reviewers decide them.
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("新增", ("created", "restored")),
    ("废止", ("repealed",)),
    ("划转", ("transferred",)),
    ("修改", ("modified",)),
    ("删除", ("removed",)),
)
SAME_CHANGE_MIN = 2  # this many items with the very same field changes are shown as one line


def change_sections(result: Comparison) -> list[str]:
    """Markdown lines: a heading per group with its count, then the changes of the group."""
    if not result.changes:
        return ["清单数据没有变化。"]
    counts = []
    lines: list[str] = []
    for title, actions in GROUPS:
        members = [c for c in result.changes if c.action in actions]
        if not members:
            continue
        counts.append(f"{title} {len(members)} 项")
        lines += ["", f"#### {title}（{len(members)} 项）", ""]
        if title == "新增":
            lines += _created(result, members)
        elif title == "修改":
            lines += _modified(members)
        else:
            lines += [line for change in members for line in _one(change)]
    lines += ["", *[f"> 注意：{md(note)}" for note in result.notes]]
    return ["**" + "，".join(counts) + "**", *lines]


def _label(change: Change) -> str:
    kind = BY_KEY.get(change.list_kind or "")
    return f"{kind.label if kind else ''} {change.label}".strip()


def _where(change: Change) -> str:
    if change.action == "transferred" and change.from_path:
        return f"lists/{change.from_path} → lists/{change.path}"
    return f"lists/{change.path}"


def _one(change: Change) -> list[str]:
    out = [f"- **{md(_label(change))}**（{md(_where(change))}）"]
    out += [f"  - {md(f.text())}" for f in change.fields]
    if change.repeal:
        parts = [f"{name}：{change.repeal[key]}" for key, name in
                 (("date", "废止日期"), ("basis", "废止依据"), ("reason", "废止原因")) if change.repeal.get(key)]
        if parts:
            out.append(f"  - {md('；'.join(parts))}")
    if change.vanished:
        out.append("  - ❌ 未标记废止即被删除")
    return out


def _created(result: Comparison, members: list[Change]) -> list[str]:
    """Each new record in full, folded under its name."""
    out = []
    for change in members:
        fields = result.full_record(change)
        if not fields:
            out.append(f"- **{md(_label(change))}**（{md(_where(change))}）")
            continue
        # Inside HTML, Markdown's backslash escapes would show: escape as HTML there.
        shown = html.escape(f"{_label(change)}（{_where(change)}）", quote=False)
        out += ["<details>", f"<summary><b>{shown}</b></summary>", ""]
        out += [f"- {md(f.label)}：{md(f.new or '')}" for f in fields if f.new]
        out += ["", "</details>", ""]
    return out


def _modified(members: list[Change]) -> list[str]:
    """Items with the very same field changes collapsed into one line with their count."""
    same: dict[tuple[str, ...], list[Change]] = defaultdict(list)
    for change in members:
        same[tuple(f.text() for f in change.fields)].append(change)
    out = []
    for texts, changes in same.items():
        if len(changes) < SAME_CHANGE_MIN or not texts:
            out += [line for change in changes for line in _one(change)]
            continue
        out.append(f"- **{len(changes)} 项：{md('；'.join(texts))}**")
        out += ["  <details><summary>哪些事项</summary>", ""]
        out += [f"  - {md(_label(c))}（{md(_where(c))}）" for c in changes]
        out += ["", "  </details>"]
    return out
