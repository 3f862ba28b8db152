"""The pull-request check: validate the head, annotate the changed files, summarise the change.

    base...head -> changed files
    head:lists/ -> validate -> problems (annotated only on changed files)
    qingdan diff base head -> the change in plain Chinese (Markdown)
    qingdan diff base head --check -> the "items never vanish" rule

The workflow only calls ``qingdan pr-check``; everything it shows comes from here.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import report as reporters
from ..problems import CATALOGUE, Problem
from ..validate import Report, validate
from . import git

MARKER = "<!-- qingdan-pr-check -->"
LISTS = "lists"
COMMENT_LIMIT = 60_000  # a GitHub comment holds 65,536 characters; leave room for the footer
TABLE_ROWS = 30
_RUNNER = "import sys; from qingdan.cli import main; sys.argv[0] = 'qingdan'; main()"


@dataclass
class Step:
    """One ``qingdan diff`` run: did it pass, what did it print."""

    ok: bool
    output: str = ""


@dataclass
class PrCheck:
    """Everything the pull-request check found."""

    base: str
    head: str
    changed: list[str]
    report: Report
    diff: Step
    vanish: Step
    notes: list[str] = field(default_factory=list)

    @property
    def changed_data(self) -> list[str]:
        return [p for p in self.changed if p.startswith(LISTS + "/")]

    @property
    def in_changed(self) -> list[Problem]:
        changed = set(self.changed)
        return [p for p in self.report.problems if p.file in changed]

    @property
    def elsewhere(self) -> list[Problem]:
        changed = set(self.changed)
        return [p for p in self.report.problems if p.file not in changed]

    @property
    def ok(self) -> bool:
        return not self.report.errors and self.vanish.ok

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def run(repo: Path, base: str, head: str, *, today: dt.date | None = None) -> PrCheck:
    """Check ``head`` against ``base`` in the repository at ``repo``."""
    repo = git.toplevel(repo)
    base_id, head_id = git.commit(repo, base), git.commit(repo, head)
    changed = git.changed_files(repo, base_id, head_id)
    report = validate_revision(repo, head_id, today=today)
    diff = _qingdan(repo, "diff", base_id, head_id, "--merge-base", "--format", "md")
    vanish = _qingdan(repo, "diff", base_id, head_id, "--merge-base", "--check")
    return PrCheck(base_id, head_id, changed, report, diff, vanish)


def validate_revision(repo: Path, rev: str, *, today: dt.date | None = None) -> Report:
    """Validate lists/ exactly as committed at ``rev`` (not the working tree)."""
    with tempfile.TemporaryDirectory(prefix="qingdan-pr-") as tmp:
        lists_dir = git.export_folder(repo, rev, LISTS, Path(tmp))
        return validate(lists_dir, prefix=LISTS + "/", today=today)


def _qingdan(repo: Path, *args: str) -> Step:
    """Run a qingdan command in a fresh process (as the workflow log would show it)."""
    done = subprocess.run([sys.executable, "-c", _RUNNER, *args], cwd=repo,
                          capture_output=True, check=False, stdin=subprocess.DEVNULL)
    out = done.stdout.decode("utf-8", errors="replace")
    err = done.stderr.decode("utf-8", errors="replace")
    return Step(ok=done.returncode == 0, output=(out + err).strip())


def annotations(check: PrCheck) -> str:
    """GitHub annotations for the problems in changed files, plus one for the vanish rule."""
    shown = Report(check.in_changed, len(check.changed_data))
    # The reporter's closing notice would count the whole tree: say it our way below.
    lines = [line for line in reporters.github(shown).splitlines() if not line.startswith("::notice::")]
    if not check.vanish.ok:
        body = check.vanish.output or "有事项从清单中消失"
        lines.append(f"::error title=事项不得消失::{_escape(body)}")
    if check.elsewhere:
        lines.append(f"::notice::未改动的文件中另有 {len(check.elsewhere)} 个问题，详见检查摘要")
    return "\n".join(lines) + ("\n" if lines else "")


def _escape(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def summary(check: PrCheck, limit: int | None = None) -> str:
    """The change summary in Markdown for the job summary and the pull-request comment."""
    head = [MARKER, "## 清单修改检查", "", _verdict(check), "", *_checks_table(check)]
    problems = _problem_section(check)
    diff = _diff_section(check)
    footer = ["", "---", f"<sub>由 qingdan pr-check 生成：比较 {check.base[:12]}…{check.head[:12]}。"
              "每次推送后更新这条评论。法律审查请按合并请求说明中的清单逐项确认。</sub>"]
    text = "\n".join([*head, *problems, *diff, *footer]) + "\n"
    if limit is None or len(text) <= limit:
        return text
    cut = ["", "> 修改内容过长，评论中只显示开头部分；完整摘要见本次检查的“Summary”页面。", ""]
    room = limit - len("\n".join([*head, *problems, *cut, *footer])) - 2
    diff_text = "\n".join(diff)[:max(room, 0)]
    return "\n".join([*head, *problems, diff_text, *cut, *footer]) + "\n"


def _verdict(check: PrCheck) -> str:
    if check.ok:
        return "**结论：✅ 机器检查通过，可以进入法律审查。**"
    return "**结论：❌ 机器检查未通过，请先按下面的提示修改。**"


def _checks_table(check: PrCheck) -> list[str]:
    errors = [p for p in check.in_changed if p.severity == "error"]
    warnings = [p for p in check.in_changed if p.severity == "warning"]
    if errors or warnings:
        validation = f"{'❌' if errors else '⚠️'} {len(errors)} 个错误，{len(warnings)} 个警告"
    else:
        validation = "✅ 通过"
    vanish = "✅ 通过" if check.vanish.ok else "❌ 有事项消失，须改为“已废止”或写明去向"
    elsewhere_errors = [p for p in check.elsewhere if p.severity == "error"]
    rows = [
        "| 检查 | 结果 |",
        "|---|---|",
        f"| 数据校验（改动的 {len(check.changed_data)} 个清单文件） | {validation} |",
        f"| 事项不得消失（只能废止或划转，不能删除） | {vanish} |",
    ]
    if check.elsewhere:
        mark = "❌" if elsewhere_errors else "⚠️"
        rows.append(f"| 未改动的文件中已有的问题 | {mark} {len(elsewhere_errors)} 个错误，"
                    f"{len(check.elsewhere) - len(elsewhere_errors)} 个警告 |")
    return rows


def _problem_section(check: PrCheck) -> list[str]:
    lines: list[str] = []
    if not check.vanish.ok:
        lines += ["", "### 事项不得消失", "", "```text", check.vanish.output.replace("```", "ˋˋˋ"), "```"]
    problems = check.report.problems
    if not problems:
        return lines
    lines += ["", "### 校验发现的问题", "", "| 位置 | 级别 | 问题 | 说明与改法 |", "|---|---|---|---|"]
    for p in problems[:TABLE_ROWS]:
        where = p.file + (f":{p.line}" if p.line else "")
        if p.file not in check.changed:
            where += "（未改动）"
        advice = p.message + (f"<br>提示：{p.hint}" if p.hint else "")
        lines.append(f"| `{_cell(where)}` | {reporters.SEVERITY_ZH[p.severity]} | "
                     f"{_cell(CATALOGUE[p.code].title)} `{p.code}` | {_cell(advice, keep_br=True)} |")
    if len(problems) > TABLE_ROWS:
        hidden = len(problems) - TABLE_ROWS
        lines.append(f"\n另有 {hidden} 个问题未列出；在本地运行 `qingdan validate --all` 查看全部。")
    return lines


def _cell(text: str, keep_br: bool = False) -> str:
    escaped = html.escape(text.replace("<br>", "\0"), quote=False).replace("|", "\\|").replace("`", "ˋ")
    escaped = escaped.replace("\n", "<br>")
    return escaped.replace("\0", "<br>" if keep_br else " ")


def _diff_section(check: PrCheck) -> list[str]:
    lines = ["", "### 修改内容", ""]
    if not check.diff.ok:
        return lines + ["生成变更摘要失败：", "", "```text", check.diff.output.replace("```", "ˋˋˋ"), "```"]
    return lines + [check.diff.output or "清单数据没有变化。"]


def github_output(name: str, value: str) -> str:
    """A multi-line step output for $GITHUB_OUTPUT, with a delimiter no content can contain."""
    delimiter = f"qingdan_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{value.rstrip(chr(10))}\n{delimiter}\n"
