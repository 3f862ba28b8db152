"""The check of a change: what `qingdan check` runs locally and the pull-request workflow runs on review.

    base...head -> changed files (head: a commit, or the working tree with uncommitted work)
    head:lists/ -> validate -> problems             (schema and rules)
    merge-base:lists/ -> validate -> what was there (problems "already on main")
    compare(merge-base, head) -> the change, and its problems (items never vanish, repeal complete)
    changed data files -> fmt -> "not formatted" problems

One function, ``run``, computes the verdict; the command line and the workflow only print it.
"""

from __future__ import annotations

import datetime as dt
import html
import secrets
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from .. import report as reporters
from ..fmt import format_text
from ..history.compare import Comparison, compare
from ..layout import kind_of
from ..problems import CATALOGUE, Problem
from ..validate import Report, validate
from ..workspace import LISTS_FOLDER
from . import git
from .summary import change_sections

MARKER = "<!-- qingdan-pr-check -->"
LISTS = LISTS_FOLDER
WORKTREE = "工作区"
COMMENT_LIMIT = 60_000  # a GitHub comment holds 65,536 characters; leave room for the footer
TABLE_ROWS = 30


@dataclass
class PrCheck:
    """Everything the check found: the verdict and what it rests on."""

    base: str
    head: str
    changed: list[str]
    report: Report
    comparison: Comparison
    formatting: list[Problem] = field(default_factory=list)
    on_base: set[tuple[str, str, str]] = field(default_factory=set)
    head_label: str = ""

    @property
    def changed_data(self) -> list[str]:
        return [p for p in self.changed if p.startswith(LISTS + "/")]

    @property
    def change_problems(self) -> list[Problem]:
        """Problems of the change itself: vanished items, incomplete repeals, unformatted files."""
        return sorted([*self.comparison.problems(), *self.formatting], key=Problem.sort_key)

    @property
    def problems(self) -> list[Problem]:
        """Every problem that counts for the verdict, most useful first."""
        return sorted([*self.report.problems, *self.change_problems], key=Problem.sort_key)

    @property
    def in_changed(self) -> list[Problem]:
        """Validation problems in the files this change adds or modifies."""
        changed = set(self.changed)
        return [p for p in self.report.problems if p.file in changed]

    @property
    def elsewhere(self) -> list[Problem]:
        """Validation problems in files this change does not touch."""
        changed = set(self.changed)
        return [p for p in self.report.problems if p.file not in changed]

    def already_on_base(self, problem: Problem) -> bool:
        """True when the base (where the change branched off) has the same problem."""
        return _identity(problem) in self.on_base

    @property
    def caused(self) -> list[Problem]:
        """Problems this change brings: new validation problems and the change's own."""
        return [p for p in self.problems if not self.already_on_base(p)]

    @property
    def inherited(self) -> list[Problem]:
        """Problems the base already had."""
        return [p for p in self.problems if self.already_on_base(p)]

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1


def _identity(problem: Problem) -> tuple[str, str, str]:
    # Lines move when items are added above; the code, file and message say which problem it is.
    return problem.code, problem.file, problem.message


def run(repo: Path, base: str, head: str | None = None, *, today: dt.date | None = None) -> PrCheck:
    """Check ``head`` (default: the working tree, uncommitted changes included) against ``base``."""
    repo = git.toplevel(repo)
    base_id = git.commit(repo, base)
    head_id = git.commit(repo, head) if head is not None else git.worktree_commit(repo, LISTS)
    fork = git.run(repo, "merge-base", base_id, head_id).decode().strip()
    changed = git.changed_files(repo, fork, head_id)
    with tempfile.TemporaryDirectory(prefix="qingdan-check-") as tmp:
        lists_dir = git.export_folder(repo, head_id, LISTS, Path(tmp) / "head")
        report = validate(lists_dir, prefix=LISTS + "/", today=today)
        formatting = unformatted(lists_dir, [p for p in changed if p.startswith(LISTS + "/")])
        base_dir = git.export_folder(repo, fork, LISTS, Path(tmp) / "base")
        on_base = {_identity(p) for p in validate(base_dir, prefix=LISTS + "/", today=today).problems}
    comparison = compare(repo, fork, head_id, LISTS)
    return PrCheck(base_id, head_id, changed, report, comparison, formatting, on_base,
                   head_label=head if head is not None else WORKTREE)


def validate_revision(repo: Path, rev: str, *, today: dt.date | None = None) -> Report:
    """Validate lists/ exactly as committed at ``rev`` (not the working tree)."""
    with tempfile.TemporaryDirectory(prefix="qingdan-pr-") as tmp:
        lists_dir = git.export_folder(repo, rev, LISTS, Path(tmp))
        return validate(lists_dir, prefix=LISTS + "/", today=today)


def unformatted(lists_dir: Path, files: list[str]) -> list[Problem]:
    """A problem for each of ``files`` (paths from the repository root) that `qingdan fmt` would change."""
    found = []
    for path in files:
        relpath = path.removeprefix(LISTS + "/")
        source = lists_dir / relpath
        if kind_of(relpath) is None or not source.is_file():
            continue
        result = format_text(source.read_bytes(), relpath, LISTS + "/")
        if result.changed and result.original is not None and result.text is not None:
            line = _first_difference(result.original, result.text)
            found.append(Problem("not-formatted", "文件没有按统一格式书写（缩进、引号、字段顺序或空行）", path,
                                 hint="运行 qingdan fmt 统一格式（不改数据），再提交", line=line))
    return found


def _first_difference(old: str, new: str) -> int:
    for number, (a, b) in enumerate(zip(old.splitlines(), new.splitlines()), start=1):
        if a != b:
            return number
    return min(len(old.splitlines()), len(new.splitlines())) + 1


# ------------------------------------------------------------ reporters


def text(check: PrCheck, show_all: bool = False) -> str:
    """For people at a terminal: the problems this change brings, those already on the base, the verdict."""
    out = ""
    if check.caused:
        out += reporters.text(Report(check.caused, check.report.files), show_all)
    if check.inherited:
        if show_all:
            out += "以下问题在目标分支上已经存在，不是这次修改造成的：\n"
            out += reporters.text(Report(check.inherited, check.report.files), show_all=True)
        else:
            errors = sum(p.severity == "error" for p in check.inherited)
            out += (f"目标分支上已有 {errors} 个错误、{len(check.inherited) - errors} 个警告，"
                    "不是这次修改造成的（加 --all 查看）。\n")
    head = check.head_label if check.head_label == WORKTREE else check.head[:12]
    where = (f"比较 {check.base[:12]}（目标分支）与 {head}"
             + ("（含未提交的修改）" if check.head_label == WORKTREE else "")
             + f"：改动 {len(check.changed_data)} 个清单文件，{len(check.comparison.changes)} 项记录有变化。")
    verdict = ("结论：✅ 检查通过，与合并请求的检查结果相同；可以提交并发起合并请求。" if check.ok
               else "结论：❌ 检查未通过；合并请求的检查也会失败。请按上面的提示修改后再运行 qingdan check。")
    return out + where + "\n" + verdict + "\n"


def annotations(check: PrCheck) -> str:
    """GitHub annotations for the problems in changed files and the change's own problems."""
    shown = sorted([*check.in_changed, *check.change_problems], key=Problem.sort_key)
    # The reporter's closing notice would count the whole tree: say it our way below.
    lines = [line for line in reporters.github(Report(shown, len(check.changed_data))).splitlines()
             if not line.startswith("::notice::")]
    if check.elsewhere:
        lines.append(f"::notice::未改动的文件中另有 {len(check.elsewhere)} 个问题，详见检查摘要")
    return "\n".join(lines) + ("\n" if lines else "")


def summary(check: PrCheck, limit: int | None = None) -> str:
    """The change summary in Markdown for the job summary and the pull-request comment."""
    head = [MARKER, "## 清单修改检查", "", _verdict(check), "", *_checks_table(check)]
    problems = _problem_section(check)
    diff = ["", "### 修改内容", "", *change_sections(check.comparison)]
    footer = ["", "---", f"<sub>由 qingdan check 生成：比较 {check.base[:12]}…{check.head[:12]}。"
              "每次推送后更新这条评论。法律审查请按合并请求说明中的清单逐项确认。</sub>"]
    text_ = "\n".join([*head, *problems, *diff, *footer]) + "\n"
    if limit is None or len(text_) <= limit:
        return text_
    cut = ["", "> 修改内容过长，评论中只显示开头部分；完整摘要见本次检查的“Summary”页面。", ""]
    room = limit - len("\n".join([*head, *problems, *cut, *footer])) - 2
    diff_text = "\n".join(diff)[:max(room, 0)]
    return "\n".join([*head, *problems, diff_text, *cut, *footer]) + "\n"


def _verdict(check: PrCheck) -> str:
    if check.ok:
        return "**结论：✅ 机器检查通过，可以进入法律审查。**"
    return "**结论：❌ 机器检查未通过，请先按下面的提示修改。**"


def _count(problems: list[Problem]) -> str:
    errors = sum(p.severity == "error" for p in problems)
    if not problems:
        return "✅ 通过"
    return f"{'❌' if errors else '⚠️'} {errors} 个错误，{len(problems) - errors} 个警告"


def _checks_table(check: PrCheck) -> list[str]:
    codes = {p.code for p in check.change_problems}
    vanish = [p for p in check.change_problems if p.code in ("item-vanished", "repeal-incomplete")]
    rows = [
        "| 检查 | 结果 |",
        "|---|---|",
        f"| 数据校验（改动的 {len(check.changed_data)} 个清单文件） | {_count(check.in_changed)} |",
        f"| 事项不得消失、废止信息完整 | {_count(vanish)} |",
        f"| 格式（qingdan fmt） | {'❌ 有文件未统一格式' if 'not-formatted' in codes else '✅ 通过'} |",
    ]
    if check.elsewhere:
        rows.append(f"| 未改动的文件中的问题 | {_count(check.elsewhere)} |")
    return rows


def _problem_section(check: PrCheck) -> list[str]:
    lines: list[str] = []
    for title, problems in (("本次修改带来的问题", check.caused), ("目标分支上已有的问题（不是本次修改造成的）", check.inherited)):
        if not problems:
            continue
        lines += ["", f"### {title}", "", "| 位置 | 级别 | 问题 | 说明与改法 |", "|---|---|---|---|"]
        for p in problems[:TABLE_ROWS]:
            where = p.file + (f":{p.line}" if p.line else "")
            if p.file not in check.changed and p.code not in ("item-vanished", "repeal-incomplete"):
                where += "（未改动）"
            advice = p.message + (f"<br>提示：{p.hint}" if p.hint else "")
            lines.append(f"| `{_cell(where)}` | {reporters.SEVERITY_ZH[p.severity]} | "
                         f"{_cell(CATALOGUE[p.code].title)} `{p.code}` | {_cell(advice, keep_br=True)} |")
        if len(problems) > TABLE_ROWS:
            hidden = len(problems) - TABLE_ROWS
            lines.append(f"\n另有 {hidden} 个问题未列出；在本地运行 `qingdan check --all` 查看全部。")
    return lines


def _cell(text_: str, keep_br: bool = False) -> str:
    escaped = html.escape(text_.replace("<br>", "\0"), quote=False).replace("|", "\\|").replace("`", "ˋ")
    escaped = escaped.replace("\n", "<br>")
    return escaped.replace("\0", "<br>" if keep_br else " ")


def github_output(name: str, value: str) -> str:
    """A multi-line step output for $GITHUB_OUTPUT, with a delimiter no content can contain."""
    delimiter = f"qingdan_{secrets.token_hex(16)}"
    return f"{name}<<{delimiter}\n{value.rstrip(chr(10))}\n{delimiter}\n"


