"""`qingdan check` (local, working tree) and the pull-request workflow give one verdict.

Each case is a real change in a real temporary git repository: once left uncommitted and checked
with `qingdan check`, once committed on a branch and checked both with `qingdan check` and with
the command the workflow's check step runs (read from .github/workflows/pr-check.yml).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from publish_support import GitRunner, run_git


ROOT = Path(__file__).resolve().parents[2]
TODAY = "2025-06-01"
POWERS = "lists/520000-scjgj/powers.yml"

REPEAL_WITHOUT_REASON = """\
    status: 已废止
    repeal:
      date: 2025-05-01
      basis: 省政府令第1号
"""

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


def deletion(text: str) -> str:
    return "items: []\n"


def repeal_without_reason(text: str) -> str:
    return text + REPEAL_WITHOUT_REASON


def unformatted(text: str) -> str:
    return text.replace('power_type: "01"', "power_type: '01'")


def new_item(text: str) -> str:
    return text + NEW_ITEM


# change -> (passes?, the problem code that must be reported)
CASES: dict[str, tuple[Callable[[str], str], bool, str | None]] = {
    "deletion": (deletion, False, "item-vanished"),
    "repeal-without-reason": (repeal_without_reason, False, "repeal-incomplete"),
    "unformatted": (unformatted, False, "not-formatted"),
    "valid-new-item": (new_item, True, None),
}


def qingdan(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([sys.executable, "-c", "from qingdan.cli import main; main()", *args],
                          cwd=repo, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done


def workflow_check(repo: Path, base_sha: str) -> tuple[int, str, str]:
    """Run the workflow's check step as GitHub would; (status, annotations, job summary)."""
    data = yaml.safe_load((ROOT / ".github/workflows/pr-check.yml").read_text(encoding="utf-8"))
    step = next(s for job in data["jobs"].values() for s in job.get("steps", []) if s.get("id") == "check")
    summary, output = repo.parent / "summary.md", repo.parent / "output.txt"
    env = {**os.environ, "BASE_SHA": base_sha, "GITHUB_STEP_SUMMARY": str(summary), "GITHUB_OUTPUT": str(output),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    command = step["run"] + f" --today {TODAY}"
    done = subprocess.run(["bash", "-e", "-c", command], cwd=repo, env=env, capture_output=True, text=True,
                          timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, done.stdout, summary.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_and_the_workflow_agree(formatted_repo: Path, case: str) -> None:
    repo = formatted_repo
    git: GitRunner = lambda *args: run_git(repo, *args)  # noqa: E731
    change, passes, code = CASES[case]
    git("switch", "-q", "-c", "change")
    powers = repo / POWERS
    powers.write_text(change(powers.read_text(encoding="utf-8")), encoding="utf-8")

    # Uncommitted: only the working tree has the change.
    local = qingdan(repo, "check", "--today", TODAY)
    assert (local.returncode == 0) is passes, local.stdout
    if code:
        assert f"[{code}]" in local.stdout
        assert "结论：❌" in local.stdout
    else:
        assert "结论：✅" in local.stdout
    assert git("status", "--porcelain") == f" M {POWERS}\n"  # the check changed nothing

    # Committed on the branch: the local check and the workflow's step give the same verdict.
    git("commit", "-q", "-am", f"修改：{case}")
    committed = qingdan(repo, "check", "--today", TODAY)
    base = git("rev-parse", "main").strip()
    status, annotations, summary = workflow_check(repo, base)
    assert committed.returncode == local.returncode == status
    if code:
        assert f"[{code}]" in committed.stdout and code in annotations and code in summary
        assert "❌ 机器检查未通过" in summary
    else:
        assert "::error" not in annotations and "✅ 机器检查通过" in summary


def test_a_working_tree_check_reads_untracked_files_and_leaves_the_index_alone(formatted_repo: Path) -> None:
    repo = formatted_repo
    git: GitRunner = lambda *args: run_git(repo, *args)  # noqa: E731
    (repo / "lists/520000-scjgj/new.yml").write_text("x: 1\n", encoding="utf-8")
    before = (repo / ".git/index").read_bytes()
    done = qingdan(repo, "check", "--today", TODAY)
    assert "lists/520000-scjgj/new.yml" in done.stdout and "unknown-file" in done.stdout
    assert (repo / ".git/index").read_bytes() == before
    assert git("rev-parse", "HEAD") == git("rev-parse", "main")


def test_check_outside_a_repository_is_a_plain_message(tmp_path: Path) -> None:
    done = qingdan(tmp_path, "check")
    assert done.returncode == 2
    assert "不在 git 仓库中" in done.stderr
