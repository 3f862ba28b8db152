"""The cache (a rebuild reads only new commits), rewritten history, broken files, the demo repository."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from history_support import PROVINCE_DEPT, ZHANGSAN, git_env
from qingdan.history import load_history
from qingdan.history import walk as walk_module
from qingdan.history.audit import audit
from qingdan.samples.demo import build_demo

SAMPLE = Path(__file__).resolve().parents[2] / "lists"


def as_dicts(history):
    return [s.to_dict() for s in history.steps]


def test_rebuild_reads_only_new_commits(scenario_copy, tmp_path, monkeypatch):
    repo = scenario_copy
    cache = tmp_path / "cache"
    first = load_history(repo.path, cache_dir=cache)
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml").replace("exercise_level: 省", "exercise_level: 分级管理")
    repo.pull_request(9, "调整行使层级", {f"{PROVINCE_DEPT}/powers.yml": powers}, [ZHANGSAN])
    walked = []
    real = walk_module.walk
    monkeypatch.setattr(walk_module, "walk", lambda repo_, commits, *a, **k: walked.append(len(commits))
                        or real(repo_, commits, *a, **k))
    warm = load_history(repo.path, cache_dir=cache)
    assert walked == [1]
    assert len(warm.steps) == len(first.steps) + 1
    assert [f.text() for f in warm.steps[-1].changes[0].fields] == ["行使层级: 省 → 分级管理"]
    cold = load_history(repo.path, cache_dir=None)
    assert as_dicts(warm) == as_dicts(cold)
    assert load_history(repo.path, cache_dir=cache).steps[-1].sha == warm.steps[-1].sha  # nothing new: cache only
    assert walked == [1, len(cold.steps)]  # the warm rebuild walked one commit, the cold one all


def test_rewritten_main_is_rebuilt_and_reported(scenario_copy, tmp_path):
    repo = scenario_copy
    cache = tmp_path / "cache"
    before = load_history(repo.path, cache_dir=cache)
    repo.git("reset", "-q", "--hard", "HEAD~1")
    repo.write({"README.md": "改写\n"}, under="")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": repo.read(f"{PROVINCE_DEPT}/powers.yml") + "\n"})
    repo.commit("改写后的提交")
    after = load_history(repo.path, cache_dir=cache)
    assert before.steps[-1].sha not in [s.sha for s in after.steps]
    assert after.rewrites and after.rewrites[0]["old_head"] == before.steps[-1].sha
    flags = [f for f in audit(after).flags if before.steps[-1].sha[:12] in f.message]
    assert flags and flags[0].code == "history-rewritten"


def test_a_rewrite_names_the_first_rewritten_commit_and_what_changed(scenario_copy, tmp_path, scenario):
    """An approval amended out of PR #5 and the steps after it replayed: the flag names each one."""
    repo = scenario_copy
    cache = tmp_path / "cache"
    before = load_history(repo.path, cache_dir=cache)
    pr5, pr6 = scenario.shas["pr5"], scenario.shas["pr6"]
    # Rebuild main from PR #4: PR #5 again without its Reviewed-by, the later steps replayed unchanged,
    # each with its own author and dates (what a rebase keeps).
    later = repo.git("rev-list", "--first-parent", "--reverse", f"{pr5}..HEAD").split()
    repo.git("reset", "-q", "--hard", scenario.shas["pr4"])

    def replay(sha: str, message: str) -> None:
        a_name, a_mail, a_date, c_date, parents = repo.git(
            "log", "-1", "--format=%an%x00%ae%x00%aI%x00%cI%x00%P", sha).split("\0")
        env = git_env() | {"GIT_AUTHOR_NAME": a_name, "GIT_AUTHOR_EMAIL": a_mail, "GIT_AUTHOR_DATE": a_date,
                           "GIT_COMMITTER_NAME": a_name, "GIT_COMMITTER_EMAIL": a_mail, "GIT_COMMITTER_DATE": c_date}
        second = parents.split()[1:]
        args = ["merge", "-q", "--no-ff", "--no-gpg-sign", "-m", message, second[0]] if second else [
            "cherry-pick", "--allow-empty", "--no-gpg-sign", sha]
        subprocess.run(["git", *args], cwd=repo.path, env=env, check=True, capture_output=True)

    replay(pr5, repo.git("log", "-1", "--format=%B", pr5).replace(
        "Reviewed-by: zhangsan <zhangsan@example.gov.cn>", "").strip())
    for sha in later:
        replay(sha, repo.git("log", "-1", "--format=%B", sha))
    after = load_history(repo.path, cache_dir=cache)
    event = after.rewrites[-1]
    assert event["old_head"] == before.head and event["first_rewritten"] == pr5
    changed = {c["old"]: c["what"] for c in event["changed"]}
    assert changed == {pr5: "审核记录被改动"}
    message = next(f.message for f in audit(after).flags if before.head[:12] in f.message)
    assert f"第一个被改写的提交是 {pr5[:12]}" in message and "审核记录被改动" in message
    assert pr6[:12] not in message  # replayed unchanged: not among the changed commits


def test_a_detached_head_moved_back_is_no_rewrite(scenario_copy, tmp_path, scenario):
    """CI checks out detached heads: looking at an older commit after a newer one rewrites nothing."""
    repo = scenario_copy
    cache = tmp_path / "cache"
    repo.git("checkout", "-q", "--detach", "HEAD")
    assert load_history(repo.path, cache_dir=cache).rewrites == []
    repo.git("checkout", "-q", "--detach", scenario.shas["pr3"])
    assert load_history(repo.path, cache_dir=cache).rewrites == []
    repo.git("checkout", "-q", "--detach", "main")
    history = load_history(repo.path, cache_dir=cache)
    assert history.rewrites == []
    assert not [f for f in audit(history).flags if "主分支曾指向" in f.message]
    # The branch itself moved back: that is a rewrite.
    repo.git("checkout", "-q", "main")
    load_history(repo.path, cache_dir=cache)
    repo.git("reset", "-q", "--hard", scenario.shas["pr8"])
    event = load_history(repo.path, cache_dir=cache).rewrites[-1]
    assert event["first_rewritten"] == scenario.shas["direct"]
    assert event["changed"] == [{"old": scenario.shas["direct"], "new": None, "what": "已从历史中消失"}]


def test_an_unreadable_version_is_noted_and_skipped(scenario_copy):
    repo = scenario_copy
    good = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": good.replace("    name: 食品经营许可（省级）", "    name: [未闭合")})
    repo.commit("写坏了")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": good.replace("食品经营许可（省级）", "食品经营许可（修复后）")})
    repo.commit("修好了")
    history = load_history(repo.path, cache_dir=None)
    broken, fixed = history.steps[-2:]
    assert broken.changes == [] and any("无法读取" in note for note in broken.notes)
    assert [f.text() for f in fixed.changes[0].fields] == ["事项名称: 食品经营许可（省级） → 食品经营许可（修复后）"]


@pytest.mark.skipif(not (SAMPLE / "site.yml").is_file(), reason="the sample lists/ is not there")
def test_demo_repository_is_deterministic_and_clean_but_for_one_bypass(tmp_path):
    first = build_demo(SAMPLE, tmp_path / "a")
    assert build_demo(SAMPLE, tmp_path / "b") == first
    for path in SAMPLE.rglob("*.yml"):
        assert (tmp_path / "a" / "lists" / path.relative_to(SAMPLE)).read_bytes() == path.read_bytes()
    history = load_history(tmp_path / "a", cache_dir=None)
    actions = {c.action for s in history.steps for c in s.changes}
    assert {"created", "modified", "transferred", "repealed"} <= actions
    report = audit(history)
    found = report.all_flags()
    assert [f.code for _e, f in found] == ["no-approval"]
    assert [t.name for t in history.tags()] == ["v2025.1", "v2024.1"]
    feeds = history.feeds("https://example.gov.cn/")
    assert len(feeds) == 1 + len(history.departments())


def test_new_big_files_are_summarised_exactly(tmp_path):
    """Items of a file that appears with many of them are read without a parser: same result."""
    from history_support import GitRepo
    from qingdan.history.records import load
    from qingdan.samples.synth import render

    repo = GitRepo(tmp_path / "repo")
    files = dict(render(400, seed=5))
    repo.write(files)
    repo.commit("导入")
    powers = sorted(p for p in files if p.endswith("powers.yml"))
    moved_from, moved_to = powers[0], powers[1]
    repo.write({moved_from: None})
    repo.write({moved_to: files[moved_to] + files[moved_from].split("items:\n", 1)[1]})
    repo.commit("合并两个部门的权力清单")
    history = load_history(repo.path, cache_dir=None)
    created = {c.key: c for c in history.steps[0].changes if c.kind == "power"}
    expected = {item["code"]: item for p in powers for item in load(files[p].encode())[0]["items"]}
    assert created.keys() == expected.keys()
    for code, item in expected.items():
        change = created[code]
        assert (change.name, change.effective, change.status) == (item["name"], item["effective"],
                                                                  item.get("status", "在用"))
    moved = [c for c in history.steps[1].changes if c.kind == "power"]
    assert moved and {c.action for c in moved} == {"transferred"}
    assert all([f.label for f in c.fields] == ["所属部门"] for c in moved)
