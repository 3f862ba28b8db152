"""`qingdan pr-check` on a real repository with a base and a head branch, run as the workflow runs it."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from pathlib import Path

import pytest
from publish_support import GitRunner

from qingdan.fmt import format_tree
from qingdan.history.changes import Change
from qingdan.history.compare import Comparison
from qingdan.publish import prcheck
from qingdan.validate import Report

TODAY = "2025-06-01"
POWERS = "lists/520000-scjgj/powers.yml"
CITY_DEPT_FILE = "lists/520100-scjgj/department.yml"

NEW_ITEM = """
  - code: "520000-XK00002000"
    name: 药品经营许可
    power_type: "01"
    exercise_level: 省
    legal_basis:
      - source: law-licensing
        articles: 第十二条
    effective: 2021-01-01
"""


@pytest.fixture
def repo(formatted_repo: Path) -> Path:
    """The check also checks the format of changed files: start from a canonical tree."""
    return formatted_repo


def commit_on_branch(repo: Path, git: GitRunner, branch: str, files: dict[str, str | None], message: str) -> None:
    """Create ``branch`` from main with ``files`` written (None deletes) and committed."""
    git("switch", "-q", "-c", branch, "main")
    for relpath, text in files.items():
        path = repo / relpath
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
    git("add", "-A", "lists")
    git("commit", "-q", "-m", message)
    git("switch", "-q", "main")


def pr_check(repo: Path, head: str) -> tuple[int, str, str, str]:
    """Run the command exactly as .github/workflows/pr-check.yml does; (status, stdout, summary, output file)."""
    summary, output = repo.parent / f"{repo.name}-summary.md", repo.parent / f"{repo.name}-output.txt"
    done = subprocess.run(
        [sys.executable, "-c", "from qingdan.cli import main; main()", "pr-check", "--base", "main",
         "--head", head, "--format", "github", "--summary-file", str(summary), "--github-output", str(output),
         "--today", TODAY],
        cwd=repo, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, summary.read_text(encoding="utf-8"), output.read_text(encoding="utf-8")


@pytest.fixture
def base_with_a_warning(repo: Path, git: GitRunner) -> Path:
    """main carries a warning in a file the pull request will not touch."""
    text = (repo / CITY_DEPT_FILE).read_text(encoding="utf-8")
    (repo / CITY_DEPT_FILE).write_text(text.replace("11520100MB23456789", "11520100MB23456788"), encoding="utf-8")
    git("commit", "-q", "-am", "城市部门代码（校验位有误）")
    return repo


def test_errors_are_annotated_on_changed_files_only(base_with_a_warning: Path, git: GitRunner) -> None:
    repo = base_with_a_warning
    powers = (repo / POWERS).read_text(encoding="utf-8")
    commit_on_branch(repo, git, "bad-type", {POWERS: powers.replace('power_type: "01"', 'power_type: "99"')},
                     "权力类型写错")
    status, stdout, summary, output = pr_check(repo, "bad-type")
    assert status == 1
    errors = [line for line in stdout.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert errors[0].startswith(f"::error file={POWERS},line=4,")
    assert "invalid-value" in errors[0]
    assert CITY_DEPT_FILE not in stdout  # the unchanged file's warning is not annotated
    assert "::notice::未改动的文件中另有 1 个问题" in stdout
    assert summary.startswith(prcheck.MARKER)
    assert "❌ 机器检查未通过" in summary
    assert "| 数据校验（改动的 1 个清单文件） | ❌ 1 个错误，0 个警告 |" in summary
    assert f"`{POWERS}:4`" in summary
    assert f"`{CITY_DEPT_FILE}:3（未改动）`" in summary
    match = re.fullmatch(r"comment<<(qingdan_[0-9a-f]{32})\n(.*)\n\1\n", output, re.DOTALL)
    assert match and match.group(2) == summary.rstrip("\n")


def test_a_valid_change_passes_and_is_summarised(repo: Path, git: GitRunner) -> None:
    commit_on_branch(repo, git, "new-item", {POWERS: (repo / POWERS).read_text(encoding="utf-8") + NEW_ITEM},
                     "新增药品经营许可")
    status, stdout, summary, _ = pr_check(repo, "new-item")
    assert status == 0, summary
    assert "::error" not in stdout
    assert "✅ 机器检查通过，可以进入法律审查" in summary
    assert "| 数据校验（改动的 1 个清单文件） | ✅ 通过 |" in summary
    diff = summary.split("### 修改内容", 1)[1]
    assert "520000-XK00002000" in diff and "药品经营许可" in diff


def test_head_is_checked_as_committed_not_as_the_working_tree(repo: Path, git: GitRunner) -> None:
    commit_on_branch(repo, git, "new-item", {POWERS: (repo / POWERS).read_text(encoding="utf-8") + NEW_ITEM},
                     "新增药品经营许可")
    (repo / POWERS).write_text("items: [\n", encoding="utf-8")  # broken, but never committed
    check = prcheck.run(repo, "main", "new-item", today=dt.date(2025, 6, 1))
    assert check.ok and check.report.problems == []
    assert check.changed == [POWERS]


def test_an_item_that_vanishes_fails_the_check(repo: Path, git: GitRunner) -> None:
    commit_on_branch(repo, git, "drop-item", {POWERS: "items: []\n"}, "删除事项")
    status, stdout, summary, _ = pr_check(repo, "drop-item")
    assert status == 1
    # The item's line in the base revision: where it stood before the pull request took it out.
    assert f"::error file={POWERS},line=2,title=[item-vanished] 事项被删除::" in stdout
    assert "| 事项不得消失、废止信息完整 | ❌ 1 个错误，0 个警告 |" in summary
    assert "520000-XK00001000（食品经营许可） 被删除" in summary


def test_summary_is_capped_for_a_comment_and_escapes_table_cells() -> None:
    report = Report([], 0)
    changes = [Change(f"520000-XK{n:08d}", "power", "created", "520000-scjgj/powers.yml", "0" * 40, "新增事项")
               for n in range(5_000)]
    check = prcheck.PrCheck("a" * 40, "b" * 40, [], report, Comparison("a" * 40, "b" * 40, changes))
    capped = prcheck.summary(check, limit=5_000)
    assert len(capped) <= 5_000
    assert "评论中只显示开头部分" in capped and capped.startswith(prcheck.MARKER)
    assert len(prcheck.summary(check)) > 100_000
    assert prcheck._cell("a|b <script>\nc") == "a\\|b &lt;script&gt;<br>c"


# ---- the summary reviewers read (issue 18) ------------------------------------------

PHONE_ITEMS = "".join(f"""
  - code: "520000-QT0000{n}000"
    name: 其他行政权力{n}
    power_type: "10"
    exercise_level: 省
    legal_basis:
      - source: law-licensing
    supervision_phone: "0851-12341001"
""" for n in (3, 4, 5))


def test_the_summary_groups_changes_shows_new_items_in_full_and_splits_warnings(
        base_with_a_warning: Path, git: GitRunner) -> None:
    repo = base_with_a_warning
    (repo / POWERS).write_text((repo / POWERS).read_text(encoding="utf-8") + PHONE_ITEMS, encoding="utf-8")
    format_tree(repo / "lists", write=True)
    git("commit", "-q", "-am", "三个其他行政权力")
    powers = (repo / POWERS).read_text(encoding="utf-8")
    changed = (powers.replace("0851-12341001", "0851-86861234")
               .replace("name: 食品经营许可\n", "name: 食品经营许可（含网络经营）\n") + NEW_ITEM)
    commit_on_branch(repo, git, "several", {POWERS: changed}, "新增、改名、改电话")
    check = prcheck.run(repo, "main", "several", today=dt.date(2025, 6, 1))
    summary = prcheck.summary(check)

    # Grouped, 新增 first; the new item in full, folded.
    assert summary.index("#### 新增（1 项）") < summary.index("#### 修改（4 项）")
    assert "<summary><b>权力清单 520000-XK00002000 药品经营许可（lists/520000-scjgj/powers.yml）</b></summary>" in summary
    new_item = summary.split("<details>", 1)[1].split("</details>", 1)[0]
    assert "- 设定依据：" in new_item and "第十二条" in new_item and "- 依法生效日期：2021年1月1日" in new_item
    # The same change to three items is one line, with the items folded under it.
    assert "- **3 项：监督电话: 0851-12341001 → 0851-86861234**" in summary
    assert summary.count("0851-12341001 → 0851-86861234") == 1
    # The renamed item makes the city's copy differ: reported on the file that changed, as caused here.
    caused = summary.split("### 本次修改带来的问题", 1)[1].split("###", 1)[0]
    inherited = summary.split("### 目标分支上已有的问题（不是本次修改造成的）", 1)[1].split("###", 1)[0]
    assert f"`{POWERS}:2`" in caused and "inconsistent-item" in caused
    assert "`lists/520100-scjgj/powers.yml:" not in caused  # named as the reference only
    assert "uscc-checksum" in inherited and "uscc-checksum" not in caused
    warning = next(p for p in check.problems if p.code == "inconsistent-item")
    assert warning.file == POWERS and not check.already_on_base(warning)
