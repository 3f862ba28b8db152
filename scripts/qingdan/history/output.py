"""Reporters for history: the same results as text, Markdown, CSV or JSON."""

from __future__ import annotations

import csv
import functools
import io
import json
import re
from collections.abc import Callable
from typing import Any

from ..excel.formula import guard_formula
from ..layout import BY_KEY
from .audit import FLAGS, AuditEntry, AuditReport
from .changes import ACTIONS, Change, Step, summary
from .compare import Comparison
from .store import History

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")
# Whoever commits writes the messages, names and paths these reports show, and auditors read them in a
# terminal: no control character (an escape sequence can move the cursor and erase the lines above a
# finding; a carriage return can write over a line) and no direction mark or override (it can reorder
# what a line shows). The tabs and line ends of the reports' own layout stay.
_UNSHOWN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def shown(text: str) -> str:
    """``text`` as a report may show it to people (see _UNSHOWN)."""
    return _UNSHOWN.sub("", text)


def _for_people(report: Callable[..., str]) -> Callable[..., str]:
    """A reporter whose whole text is ``shown``."""

    @functools.wraps(report)
    def wrapper(*args: Any, **kwargs: Any) -> str:
        return shown(report(*args, **kwargs))

    return wrapper


def md(text: str) -> str:
    """Text safe inside Markdown (and the HTML it becomes): special characters escaped."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", " ")


def _list_label(change: Change) -> str:
    kind = BY_KEY.get(change.list_kind or "")
    return kind.label if kind else ""


def _where(change: Change) -> str:
    if change.action == "transferred" and change.from_path:
        return f"lists/{change.from_path} → lists/{change.path}"
    return f"lists/{change.path}"


def _headline(change: Change) -> str:
    return f"{ACTIONS[change.action]} {_list_label(change)} {change.label}"


# ------------------------------------------------------------ qingdan diff


@_for_people
def diff_text(result: Comparison) -> str:
    """Changes for people at a terminal."""
    lines = [f"lists/ 从 {result.base[:12]} 到 {result.head[:12]}：{summary(result.changes)}"]
    for change in result.changes:
        lines.append(f"{_headline(change)}（{_where(change)}）")
        lines += [f"    {f.text()}" for f in change.fields]
        if change.vanished:
            lines.append("    未标记废止即被删除")
    lines += [f"注意：{note}" for note in result.notes]
    return "\n".join(lines) + "\n"


@_for_people
def diff_markdown(result: Comparison) -> str:
    """Changes for a pull-request comment or release notes."""
    lines = [f"### 清单变更：{md(summary(result.changes))}", ""]
    if not result.changes:
        lines.append("没有清单数据的变更。")
    for change in result.changes:
        lines.append(f"- **{ACTIONS[change.action]}** {md(_list_label(change))} {md(change.label)}"
                     f"（{md(_where(change))}）")
        lines += [f"  - {md(f.text())}" for f in change.fields]
        if change.vanished:
            lines.append("  - ⚠ 未标记废止即被删除")
    for problem in result.problems():
        lines.append(f"\n> **{md(problem.message)}**  \n> {md(problem.hint)}")
    lines += ["", *[f"> 注意：{md(note)}" for note in result.notes]]
    return "\n".join(lines).rstrip() + "\n"


def diff_json(result: Comparison) -> str:
    """Changes for machines."""
    data = {
        "base": result.base, "head": result.head, "summary": summary(result.changes),
        # A diff sees two trees, not the history between them: it knows no version numbers.
        "changes": [_change_json(c) | {"version": None} for c in result.changes],
        "problems": [p.to_dict() for p in result.problems()], "notes": result.notes,
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _change_json(change: Change) -> dict:
    data = change.to_dict()
    data["action_label"] = ACTIONS[change.action]
    data["department"] = change.department
    data["list"] = change.list_kind
    data["changes_text"] = [f.text() for f in change.fields]
    return data


DIFF_FORMATS = {"text": diff_text, "md": diff_markdown, "json": diff_json}


# ------------------------------------------------------------ qingdan history


def versions_json(history: History, key: str) -> str:
    """Every version of one record and every removal of it, oldest first.

    A removal is a row of its own (``action: removed``, ``valid_from`` the day
    it was taken out): without it a deleted item would look still in force.
    """
    versions = iter(history.item_versions(key))  # one per change that is not a removal, in order
    entries = list(reversed(history.item_changes(key)))
    rows = []
    for n, entry in enumerate(entries):
        c = entry.change
        if entry.action != "removed":
            v = next(versions)
            rows.append({"version": v.version, "valid_from": v.valid_from.isoformat(),
                         "valid_to": v.valid_to.isoformat() if v.valid_to else None, "commit": v.sha,
                         "path": v.path, "name": v.name, "status": v.status, "effective": v.effective,
                         "repeal": v.repeal, "action": v.action})
            continue
        after = entries[n + 1].date.isoformat() if n + 1 < len(entries) else None
        rows.append({"version": None, "valid_from": entry.date.isoformat(), "valid_to": after, "commit": entry.sha,
                     "path": c.path, "name": c.name, "status": c.status, "effective": c.effective,
                     "repeal": c.repeal, "action": "removed", "removed_version": c.version,
                     "vanished": c.vanished})
    return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"


@_for_people
def log_text(log: list[tuple[Step, list[Change]]], limit: int) -> str:
    """The change log, newest first."""
    lines = []
    for step, changes in log[:limit]:
        pr = f" #{step.pr}" if step.pr else ""
        approvers = "、".join(p.name for p in step.approvers) or "无审核记录"
        lines.append(f"{step.day} {step.sha[:12]}{pr} {step.title}（审核：{approvers}）")
        for change in changes[:20]:
            lines.append(f"    {_headline(change)}")
            lines += [f"        {f.text()}" for f in change.fields]
        if len(changes) > 20:
            lines.append(f"    …… 另有 {len(changes) - 20} 项")
    if len(log) > limit:
        lines.append(f"…… 另有 {len(log) - limit} 次变更，使用 --limit 查看更多")
    return "\n".join(lines) + "\n" if lines else "没有修订记录。\n"


# ------------------------------------------------------------ qingdan audit


def _people(people) -> str:
    return "；".join(str(p) for p in people)


@_for_people
def audit_markdown(report: AuditReport) -> str:
    """The audit report as Markdown: findings first, then one row per change."""
    period = f"{report.since or '最早'} 至 {report.until or '最新'}"
    found = report.all_flags()
    lines = [f"# 清单变更审计报告（{period}）", "",
             f"共 {len(report.entries)} 次变更，{len(found)} 项需要关注。", "", *_trust_lines(report), ""]
    if found:
        lines += ["## 需要关注", ""]
        for entry, flag in found:
            where = f"`{entry.step.sha[:12]}` " if entry else ""
            lines.append(f"- **{FLAGS[flag.code]}**（{flag.code}）{where}{md(flag.message)}")
        lines.append("")
    lines += ["## 全部变更", "",
              "| 合并日期 | 提交 | 请求 | 作者 | 合并人 | 审核人 | 签名 | 部门 | 变更 | 标记 |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for e in report.entries:
        lines.append("| " + " | ".join([
            e.step.day.isoformat(), f"`{e.step.sha[:12]}`", f"#{e.step.pr}" if e.step.pr else "",
            md(_people(e.authors)), md(str(e.merger)), md(_people(e.approvers)) or "无",
            md(e.signature.label) + ("（要求）" if e.require_signing else ""), md("、".join(e.departments)),
            md(summary(e.changes)), md("、".join(FLAGS[f.code] for f in e.flags)),
        ]) + " |")
    lines += ["", "## 变更明细", ""]
    for e in report.entries:
        lines.append(f"### {e.step.day} `{e.step.sha[:12]}` {md(e.step.title)}")
        lines.append(f"编写日期 {e.authored}，合并日期 {e.step.commit_date}")
        lines.append("")
        for change in e.changes:
            lines.append(f"- {md(_headline(change))}")
            lines += [f"  - {md(f.text())}" for f in change.fields]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def approval_basis(report: AuditReport) -> str:
    """What the approvals in this report rest on, in one sentence for people."""
    forge = report.forge
    if forge is None:
        return ("审核记录为自称：站点设置（lists/site.yml 的 forge）没有指定代码托管平台的合并身份，"
                "Reviewed-by 只是提交说明中的文字，任何能推送到主分支的人都能写；本报告不能证明审核真实发生。")
    text = (f"只有由 {forge.committer} 写入并用其密钥（{'、'.join(sorted(forge.keys))}）签名的合并提交中的 "
            "Reviewed-by 才算审核证据。")
    if forge.platform == "github":
        # GitHub signs squash and rebase merges, and web edits, whose messages the author wrote.
        text += ("但 GitHub 自己不写 Reviewed-by：这些行来自合并请求的说明或提交说明，请求作者可以填写和改写；"
                 "GitHub 的签名只证明合并满足了分支保护规则（包括要求的批准），审核人是谁以 GitHub 上的审查记录为准。")
    if report.self_declared:
        text += f"本报告中有 {len(report.self_declared)} 次变更的审核记录不是平台写入的，只是自称。"
    return text


def _trust_lines(report: AuditReport) -> list[str]:
    chain = report.chain
    lines = [f"- 审计的提交：`{report.head}`", f"- 审核记录：{md(approval_basis(report))}"]
    if chain is None:
        return lines
    root = chain.root
    prints = "、".join(f"`{f}`" for f in sorted(root.fingerprints)) or "无"
    lines.append(f"- 信任根：{md(root.label)}；密钥指纹：{prints}")
    if chain.fixed is not None:
        return lines
    if not chain.versions:
        lines.append("- 信任名单：仓库中没有 allowed_signers 或 signing-keys.asc")
    for v in chain.versions:
        verdict = "已采信" if v.accepted else "不予采信：" + "；".join(v.reasons)
        lines.append(f"- 信任名单 `{v.commit[:12]}`：{md(verdict)}")
    return lines


AUDIT_COLUMNS = ("提交", "请求编号", "合并提交", "编写日期", "合并日期", "作者", "合并人", "审核人", "审核链接",
                 "签名状态", "签名人", "要求签名", "部门", "变更", "清单", "编码", "名称", "字段变更", "标记")


def audit_csv(report: AuditReport) -> str:
    """One row per changed record (one row for a change without records), with UTF-8 BOM for Excel."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(AUDIT_COLUMNS)
    for e in report.entries:
        for change in e.changes or [None]:
            cells = [*_entry_cells(e), *(_change_cells(change) if change else [""] * 5),
                     "；".join(f"{f.code}: {f.message}" for f in e.flags)]
            # Names and titles come from commits anyone can write: no cell may run as a formula.
            # Controls go first: "\x1b=1+1" would start with = once they were gone.
            writer.writerow([guard_formula(shown(cell)) for cell in cells])
    for flag in report.flags:
        writer.writerow([""] * (len(AUDIT_COLUMNS) - 1) + [guard_formula(shown(f"{flag.code}: {flag.message}"))])
    return "\ufeff" + out.getvalue()


def _entry_cells(e: AuditEntry) -> list[str]:
    s = e.step
    return [s.sha, str(s.pr or ""), "是" if s.is_merge else "否", e.authored, s.commit_date, _people(e.authors),
            str(e.merger), _people(e.approvers), s.review.reviewed_on or "", e.signature.label, e.signature.signer,
            "是" if e.require_signing else "否", "、".join(e.departments)]


def _change_cells(change: Change) -> list[str]:
    return [ACTIONS[change.action], _list_label(change), change.key, change.name,
            "；".join(f.text() for f in change.fields)]


def audit_json(report: AuditReport) -> str:
    """The audit report for machines."""
    entries = []
    for e in report.entries:
        s = e.step
        entries.append({
            "commit": s.sha, "pr": s.pr, "merge": s.is_merge, "title": s.title, "authored": e.authored,
            "commit_date": s.commit_date, "authors": [str(p) for p in e.authors], "merger": str(e.merger),
            "approvers": [str(p) for p in e.approvers], "reviewed_on": s.review.reviewed_on,
            "signature": {"status": e.signature.status, "label": e.signature.label, "signer": e.signature.signer,
                          "key": e.signature.key, "fingerprint": e.signature.fingerprint},
            "require_signing": e.require_signing, "departments": e.departments,
            "reviewers": e.reviewers, "authorised_approvers": [str(p) for p in e.authorised],
            "approval_evidence": e.evidence, "trust_lists": e.trust_lists,
            "changes": [_change_json(c) for c in e.changes],
            "flags": [{"code": f.code, "title": FLAGS[f.code], "message": f.message} for f in e.flags],
        })
    chain = report.chain
    data = {"head": report.head,
            "approvals": {"evidence": "forge" if report.forge else "self-declared",
                          "forge": report.forge.to_dict() if report.forge else None,
                          "statement": approval_basis(report)},
            "trust_root": chain.root.to_dict() if chain else None,
            "trust_lists": ([v.to_dict() for v in chain.versions] if chain and chain.fixed is None else
                            [{"commit": None, "accepted": True, "given": True, "files": chain.fixed.digests(),
                              "fingerprints": sorted(chain.fixed.fingerprints)}] if chain else []),
            "since": str(report.since) if report.since else None, "until": str(report.until) if report.until else None,
            "flags": [{"code": f.code, "title": FLAGS[f.code], "message": f.message} for f in report.flags],
            "entries": entries}
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


AUDIT_FORMATS = {"md": audit_markdown, "csv": audit_csv, "json": audit_json}
