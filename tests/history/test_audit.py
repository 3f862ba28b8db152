"""The audit report: every flag on the scenario, signatures checked against allowed_signers."""

from __future__ import annotations

import csv
import io
import json
import subprocess

import pytest

from history_support import git_env
from qingdan.history import load_history
from qingdan.history.audit import audit
from qingdan.history.output import audit_csv, audit_json, audit_markdown


@pytest.fixture(scope="module")
def report(scenario):
    return audit(load_history(scenario.path, cache_dir=None))


def flags_of(report, sha):
    entry = next(e for e in report.entries if e.step.sha == sha)
    return sorted(f.code for f in entry.flags)


def test_every_change_to_lists_is_listed(report, scenario):
    assert len(report.entries) == 9
    assert report.entries[0].step.sha == scenario.shas["pr1"]


def test_reviewed_changes_are_clean(report, scenario):
    for key in ("pr1", "pr2", "pr3", "pr4", "pr5"):
        assert flags_of(report, scenario.shas[key]) == [], key


def test_unsigned_merge_where_signing_is_required(report, scenario):
    assert flags_of(report, scenario.shas["pr6"]) == ["unsigned"]


def test_self_approval_is_flagged_once_and_only_as_such(report, scenario):
    """An author's approval is no approval: self-approval, never also unauthorised-approval naming them."""
    assert flags_of(report, scenario.shas["pr7"]) == ["self-approval", "self-merge"]
    entry = next(e for e in report.entries if e.step.sha == scenario.shas["pr7"])
    assert entry.authorised == []


def test_approver_not_listed_for_the_department(report, scenario):
    assert flags_of(report, scenario.shas["pr8"]) == ["unauthorised-approval"]


def test_direct_commit_without_approval(report, scenario):
    assert flags_of(report, scenario.shas["direct"]) == ["no-approval", "unsigned"]


def test_history_rewritten_after_publication(report):
    assert [f.code for f in report.flags] == ["history-rewritten"]
    assert "v-old" in report.flags[0].message


def test_signatures_match_git_verify_commit(report, scenario):
    by_sha = {e.step.sha: e for e in report.entries}
    assert by_sha[scenario.shas["pr5"]].signature.status == "G"
    assert by_sha[scenario.shas["pr6"]].signature.status == "N"
    signers = scenario.path / "allowed_signers"
    done = subprocess.run(["git", "-c", f"gpg.ssh.allowedSignersFile={signers}", "verify-commit",
                           scenario.shas["pr5"]], cwd=scenario.path, env=git_env(), capture_output=True)
    assert done.returncode == 0
    assert not by_sha[scenario.shas["pr1"]].require_signing and by_sha[scenario.shas["pr5"]].require_signing


def test_authors_merger_and_dates(report, scenario):
    entry = next(e for e in report.entries if e.step.sha == scenario.shas["pr7"])
    assert [p.name for p in entry.authors] == ["zhangsan"]
    assert entry.merger.name == "zhangsan"
    assert entry.authored < entry.step.commit_date


def test_since_until(scenario):
    history = load_history(scenario.path, cache_dir=None)
    day = history.steps[3].day
    part = audit(history, since=day, until=day)
    assert [e.step.sha for e in part.entries] == [scenario.shas["pr4"]]


def test_formats(report, scenario):
    md = audit_markdown(report)
    assert "未经审核" in md and "自己审核自己的修改" in md and f"`{scenario.shas['pr6'][:12]}`" in md
    rows = list(csv.reader(io.StringIO(audit_csv(report).lstrip("\ufeff"))))
    assert rows[0][:3] == ["提交", "请求编号", "合并提交"]
    assert any(r[0] == scenario.shas["pr2"] and "事项名称: 食品经营许可 → 食品经营许可（省级）" in r[17] for r in rows)
    data = json.loads(audit_json(report))
    assert data["flags"][0]["code"] == "history-rewritten"
    assert data["entries"][5]["flags"][0]["code"] == "unsigned"
    assert report.exit_code == 1


def test_csv_cells_from_commits_never_run_as_formulas(tmp_path):
    """Author names and titles are whatever a committer typed: a formula stays text in Excel."""
    from history_support import GitRepo
    from qingdan.samples.synth import render

    repo = GitRepo(tmp_path / "repo")
    repo.write(dict(render(20, seed=1)))
    hostile = '=HYPERLINK("http://evil.example","x")'
    repo.commit("-导入", who=(hostile, "evil@example.gov.cn"))
    rows = list(csv.reader(io.StringIO(audit_csv(audit(load_history(repo.path, cache_dir=None))).lstrip("\ufeff"))))
    row = rows[1]
    assert row[5] == f"'{hostile} <evil@example.gov.cn>"
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
