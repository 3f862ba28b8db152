"""Feeds, snapshots, diffs and the CLI over the scenario repository."""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess

import feedparser
import pytest
from click.testing import CliRunner

from history_support import CITY_SFT, PROVINCE_DEPT
from qingdan.history.output import AUDIT_COLUMNS
from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.history import load_history
from qingdan.history.compare import compare
from qingdan.gitrepo import open_repo
from qingdan.history.snapshot import commit_as_of, write_snapshot
from qingdan.validate import validate


@pytest.fixture(scope="module")
def history(scenario):
    return load_history(scenario.path, cache_dir=None)


def test_feeds_are_valid_atom(history):
    site = "https://lists.example.gov.cn/"
    feeds = history.feeds(site, item_url=lambda key: f"{site}items/{key}/")
    assert set(feeds) == {"feeds/atom.xml", f"feeds/{PROVINCE_DEPT}.xml", "feeds/520100-scjgj.xml",
                          f"feeds/{CITY_SFT}.xml"}
    whole = feedparser.parse(feeds["feeds/atom.xml"])
    assert whole.bozo == 0 and whole.version == "atom10"
    assert len(whole.entries) == len(history.steps)
    assert whole.entries[0].title == "删除事项"
    assert whole.feed.updated == history.steps[-1].commit_date
    pr2 = next(e for e in whole.entries if e.title.startswith("修改食品经营许可"))
    assert "事项名称: 食品经营许可 → 食品经营许可（省级）" in pr2.content[0].value
    assert 'href="https://lists.example.gov.cn/items/520000-XK00001000/"' in pr2.content[0].value
    city = feedparser.parse(feeds[f"feeds/{CITY_SFT}.xml"])
    assert city.bozo == 0
    assert [e.title for e in city.entries] == ["删除事项", "移交食品经营许可（#3）", "建立清单（#1）"]


def test_feed_escapes_text(scenario_copy):
    repo = scenario_copy
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml").replace("name: 食品经营许可（省级）", 'name: "<script>x&y</script>"')
    repo.pull_request(9, "改名 <b>&", {f"{PROVINCE_DEPT}/powers.yml": powers}, [("zhangsan", "zhangsan@example.gov.cn")])
    feed = load_history(repo.path, cache_dir=None).feeds("https://x.example/")["feeds/atom.xml"]
    assert b"<script>" not in feed and b"<b>" not in feed
    parsed = feedparser.parse(feed)
    assert parsed.bozo == 0 and parsed.entries[0].title == "改名 <b>&（#9）"


def test_folders_refused_today_name_no_feed(scenario_copy):
    """A folder an old commit held that the validator refuses now is no department: no file of the
    site is named after it, and its changes are still in the site's feed."""
    repo = scenario_copy
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    odd = ("坏 部门", "a<b", "Upper", "-x")
    # Codes of their own each (a change is keyed by its record's code).
    repo.write({f"{folder}/powers.yml": powers.replace("520000-", f"53000{n}-") for n, folder in enumerate(odd)})
    repo.commit("旧目录")
    repo.write({f"{folder}/powers.yml": None for folder in odd})
    repo.commit("删除旧目录")
    history = load_history(repo.path, cache_dir=None)
    assert {d for step in history.steps for d in step.departments()} >= set(odd)  # history saw them
    feeds = history.feeds("https://x.example/")
    assert set(history.departments()) == {PROVINCE_DEPT, "520100-scjgj", CITY_SFT}
    assert set(feeds) == {"feeds/atom.xml", *(f"feeds/{dept}.xml" for dept in history.departments())}
    whole = feedparser.parse(feeds["feeds/atom.xml"])
    assert whole.bozo == 0 and [e.title for e in whole.entries[:2]] == ["删除旧目录", "旧目录"]


def test_tags_that_read_alike_have_snapshot_files_of_their_own(scenario_copy):
    """Anyone who may push a tag can push two that make the same file name: each still gets its own,
    and a tag whose name needs no change keeps it."""
    repo = scenario_copy
    tags = ["a<b", "a>b", "a-b", "a!b", "rel/2025", "发布一", "V1"]  # the scenario has v1
    for tag in tags:
        repo.git("tag", "-a", tag, "-m", f"发布 {tag}")
    names = {release.name: release.file_name for release in load_history(repo.path, cache_dir=None).tags()}
    assert {tag: names[tag] for tag in [*tags, "v1"]} == {
        "a-b": "lists-a-b.zip", "a!b": "lists-a~21b.zip", "a<b": "lists-a~3cb.zip", "a>b": "lists-a~3eb.zip",
        "rel/2025": "lists-rel-2025.zip", "发布一": "lists-发布一.zip",
        "V1": "lists-V1.zip", "v1": "lists-~761.zip"}
    # One file each on a disk that ignores case too (a Windows server, a Mac).
    assert len({name.casefold() for name in names.values()}) == len(names)


def test_a_tag_named_like_another_commit_snapshots_its_own(scenario, scenario_copy, tmp_path):
    """A tag named as another commit's full id: its snapshot is its own commit's lists/, not that commit's."""
    from qingdan.render.extras import contributions
    from qingdan.dataset import load_dataset

    repo = scenario_copy
    other = scenario.shas["pr2"]
    repo.git("tag", "-a", other, "-m", "名字是另一个提交的标识")
    history = load_history(repo.path, cache_dir=None)
    release = next(r for r in history.tags() if r.name == other)
    assert release.sha != other
    stages = contributions(load_dataset(repo.path / "lists"), history)
    next(stages), next(stages)  # the search index and the downloads
    zips = dict(next(stages))
    assert zips[f"downloads/releases/{release.file_name}"] == history.snapshot_zip(release.sha)
    assert zips[f"downloads/releases/{release.file_name}"] != history.snapshot_zip(other)


def test_snapshot_as_of_a_date(history, scenario, tmp_path):
    repo = open_repo(scenario.path)
    day = history.steps[1].day  # the day PR #2 was merged
    sha = commit_as_of(repo, scenario.shas["direct"], day)
    assert sha == scenario.shas["pr2"]
    target = write_snapshot(repo, sha, tmp_path / "out")
    assert "食品经营许可（省级）" in (target / PROVINCE_DEPT / "powers.yml").read_text(encoding="utf-8")
    assert not (target / CITY_SFT / "powers.yml").read_text(encoding="utf-8").count("520100-XK00001000")
    assert validate(target, today=day).exit_code == 0
    with pytest.raises(QingdanError):
        write_snapshot(repo, sha, tmp_path / "out")  # never overwrites


def test_diff_between_revisions(scenario):
    result = compare(scenario.path, "v1", scenario.shas["pr3"])
    by_key = {c.key: c for c in result.changes}
    assert by_key["520000-XK00001000"].action == "modified"
    assert by_key["520100-XK00001000"].action == "transferred"
    assert result.problems() == []


def test_diff_check_finds_the_vanished_item(scenario):
    result = compare(scenario.path, scenario.shas["pr8"], scenario.shas["direct"])
    (problem,) = result.problems()
    assert problem.code == "item-vanished" and "520100-XK00001000" in problem.message
    assert problem.file == f"lists/{CITY_SFT}/powers.yml"


def test_repeal_without_reason_is_incomplete(scenario_copy):
    repo = scenario_copy
    base = repo.git("rev-parse", "HEAD")
    text = repo.read(f"{PROVINCE_DEPT}/regulations.yml").replace(
        "validity: 现行有效", "validity: 已废止\n    repealed: 2025-01-01")
    repo.write({f"{PROVINCE_DEPT}/regulations.yml": text.replace("result: 保留", "result: 废止")})
    head = repo.commit("废止法规")
    codes = [p.code for p in compare(repo.path, base, head).problems()]
    assert codes == ["repeal-incomplete"]


MERGED = """\
items:
  - code: 520000-XK00005000
    name: 食品生产经营许可
    power_type: "01"
    exercise_level: 省
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
    adjustments:
      - kind: 合并
        date: 2025-03-01
        document: 示例省人民政府关于调整省级部门权责清单的决定
        document_number: 示府发〔2025〕3号
        issuer: 示例省人民政府
        from_codes:
          - {old}
"""


@pytest.mark.parametrize(("named", "problems"), [(True, []), (False, ["item-vanished"])])
def test_an_item_merged_into_a_successor_that_names_it_has_not_vanished(scenario_copy, named, problems):
    """动态调整: 合并 removes the old item; the successor's from_codes keeps the rule satisfied."""
    repo = scenario_copy
    in_force = MERGED.split("    adjustments:")[0].replace("XK00005000", "XK00004000").replace("食品生产经营许可", "食品生产许可")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": in_force})
    base = repo.commit("新增食品生产许可")
    old = "520000-XK00004000" if named else "520000-XK00000001"
    repo.write({f"{PROVINCE_DEPT}/powers.yml": MERGED.format(old=old)})
    head = repo.commit("合并食品经营许可")
    result = compare(repo.path, base, head)
    assert [p.code for p in result.problems()] == problems
    assert result.successors == {old: ["520000-XK00005000"]}


def test_cli_diff_formats_and_check(scenario):
    runner = CliRunner()
    args = ["diff", scenario.shas["pr1"], scenario.shas["pr2"], "--repo", str(scenario.path)]
    text = runner.invoke(main, args)
    assert text.exit_code == 0 and "事项名称: 食品经营许可 → 食品经营许可（省级）" in text.output
    md = runner.invoke(main, [*args, "--format", "md"])
    assert "### 清单变更：修改 1 项" in md.output
    data = json.loads(runner.invoke(main, [*args, "--format", "json"]).output)
    assert data["changes"][0]["changes_text"][1] == "设定依据: 增加《中华人民共和国行政许可法》第十二条"
    check = runner.invoke(main, ["diff", scenario.shas["pr8"], scenario.shas["direct"], "--check",
                                 "--repo", str(scenario.path)])
    assert check.exit_code == 1 and "item-vanished" in check.output
    merge_base = runner.invoke(main, ["diff", "v1", scenario.shas["pr2"], "--merge-base", "--check",
                                      "--format", "github", "--repo", str(scenario.path)])
    assert merge_base.exit_code == 0 and "::notice::" in merge_base.output


def test_cli_history_audit_snapshot(scenario, tmp_path):
    runner = CliRunner()
    repo = ["--repo", str(scenario.path)]
    log = runner.invoke(main, ["history", *repo, "--limit", "3"])
    assert log.exit_code == 0 and log.output.startswith("数据更新至 ") and "删除事项" in log.output
    item = runner.invoke(main, ["history", "520000-XK00001000", *repo])
    assert "第 3 版 废止" in item.output and "依法生效日期 2020-01-01" in item.output
    missing = runner.invoke(main, ["history", "NO-SUCH", *repo])
    assert missing.exit_code == 2 and "NO-SUCH" in missing.output
    report = runner.invoke(main, ["audit", *repo, "--format", "json"])
    assert report.exit_code == 1 and json.loads(report.output)["flags"]
    broken = tmp_path / "keys.asc"
    broken.write_text("不是公钥\n", encoding="utf-8")
    refused = runner.invoke(main, ["audit", *repo, "--signing-keys", str(broken)])
    assert refused.exit_code == 2 and f"{broken} 中的公钥无法导入" in refused.output
    assert "Traceback" not in refused.output
    snap = runner.invoke(main, ["snapshot", "--at", "v1", "--out", str(tmp_path / "v1"), *repo])
    assert snap.exit_code == 0 and (tmp_path / "v1" / "lists" / "site.yml").is_file()
    bad = runner.invoke(main, ["snapshot", "--as-of", "2000-01-01", "--out", str(tmp_path / "old"), *repo])
    assert bad.exit_code == 2 and "还没有任何提交" in bad.output
    not_repo = runner.invoke(main, ["history", "--repo", str(tmp_path)])
    assert not_repo.exit_code == 2 and "不是 git 仓库" in not_repo.output


def test_a_deleted_item_has_a_removal_record_and_a_located_problem(scenario):
    """history --format json ends with the removal; diff JSON gives no fake version and the base line."""
    runner = CliRunner()
    repo = ["--repo", str(scenario.path)]
    rows = json.loads(runner.invoke(main, ["history", "520100-XK00001000", *repo, "--format", "json"]).output)
    assert rows[-1]["action"] == "removed" and rows[-1]["commit"] == scenario.shas["direct"]
    assert rows[-1]["version"] is None and rows[-1]["removed_version"] == rows[-2]["version"]
    assert rows[-1]["vanished"] is True and rows[-2]["valid_to"] == rows[-1]["valid_from"]
    diff = runner.invoke(main, ["diff", scenario.shas["pr8"], scenario.shas["direct"], *repo, "--format", "json"])
    data = json.loads(diff.output)
    removed = next(c for c in data["changes"] if c["action"] == "removed")
    assert removed["version"] is None
    problem = next(p for p in data["problems"] if p["code"] == "item-vanished")
    base = subprocess.run(["git", "show", f"{scenario.shas['pr8']}:lists/{problem['file'][len('lists/'):]}"],
                          cwd=scenario.path, capture_output=True, text=True, check=True).stdout.splitlines()
    assert problem["line"] is not None and "520100-XK00001000" in base[problem["line"] - 1]


def test_times_git_keeps_that_python_cannot_hold(scenario_copy):
    """Whoever commits or tags sets the times, and git keeps the year 3170843 and an offset of +99:59:
    history, feeds, releases and the audit read them as the nearest time there is, and never stop."""
    import datetime as dt

    from history_support import git_env
    from qingdan.history.audit import audit

    repo = scenario_copy
    repo.write({f"{PROVINCE_DEPT}/powers.yml": repo.read(f"{PROVINCE_DEPT}/powers.yml").replace(
        "name: 食品经营许可（省级）", "name: 食品经营许可（时间）")})
    crafted = {"GIT_AUTHOR_NAME": "某人", "GIT_AUTHOR_EMAIL": "x@example.gov.cn", "GIT_COMMITTER_NAME": "某人",
               "GIT_COMMITTER_EMAIL": "x@example.gov.cn", "GIT_AUTHOR_DATE": "@99999999999999 +0000",
               "GIT_COMMITTER_DATE": "@1000000000 +9959"}
    for args in (["add", "-A"], ["commit", "-q", "-m", "时间"], ["tag", "-a", "vfar", "-m", "远"]):
        env = git_env() | crafted | ({"GIT_COMMITTER_DATE": "@99999999999999 +0000"} if args[0] == "tag" else {})
        subprocess.run(["git", *args], cwd=repo.path, env=env, check=True)
    assert "3170843-" in subprocess.run(["git", "log", "-1", "--format=%aI"], cwd=repo.path, text=True,
                                        capture_output=True, check=True).stdout  # git kept it
    history = load_history(repo.path, cache_dir=None)
    utc = dt.timezone.utc
    step = history.steps[-1]
    assert step.date == dt.datetime(2001, 9, 9, 1, 46, 40, tzinfo=utc)  # @1000000000, shown 2001-09-13T05:45:40+99:59
    assert history.last_change_date() == dt.date(2001, 9, 9)
    assert next(r for r in history.tags() if r.name == "vfar").date == dt.datetime.max.replace(tzinfo=utc)
    entry = next(e for e in audit(history).entries if e.step.sha == step.sha)
    assert entry.authored.startswith("3170843-")  # shown as git has it
    parsed = feedparser.parse(history.feeds("https://x.example/")["feeds/atom.xml"])
    assert parsed.bozo == 0 and parsed.entries[0].updated == "2001-09-09T01:46:40+00:00"


def test_a_feed_stays_readable_whatever_a_commit_says(scenario_copy):
    """Control characters in a commit's message and author (git keeps them; XML cannot hold them even
    escaped) are left out of the feed, and a commit that changed no record is in no feed, as it is on
    no page of the change log."""
    repo = scenario_copy
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": powers.replace("name: 食品经营许可（省级）", "name: 食品经营许可（改）")})
    repo.commit("改名\x1b[31m红色\x07响铃\x0c", who=("某\x01人", "x@example.gov.cn"))
    repo.write({f"{PROVINCE_DEPT}/powers.yml": "# 只改注释\n" + repo.read(f"{PROVINCE_DEPT}/powers.yml")})
    comment_only = repo.commit("只改注释")
    history = load_history(repo.path, cache_dir=None)
    assert history.steps[-1].sha == comment_only and not history.steps[-1].changes
    for path, data in history.feeds("https://x.example/").items():
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, (path, parsed.get("bozo_exception"))
        assert comment_only not in data.decode("utf-8")
    site = feedparser.parse(history.feeds("https://x.example/")["feeds/atom.xml"])
    assert site.entries[0].title == "改名[31m红色响铃" and site.entries[0].author == "某人"


def test_a_version_too_large_to_read_is_read_past(scenario_copy):
    """A commit on the main line may hold a data file of any size (a few compressed megabytes in git can
    stand for gigabytes): history reads past a version larger than the loader reads, says so, and
    compares the next version with the last it could read."""
    from qingdan.load.text import MAX_FILE_BYTES

    repo = scenario_copy
    path = f"{PROVINCE_DEPT}/powers.yml"
    before = repo.read(path)
    repo.write({path: before + "#" * (MAX_FILE_BYTES + 1) + "\n"})
    huge = repo.commit("很大的文件")
    repo.write({path: before.replace("name: 食品经营许可（省级）", "name: 食品经营许可（之后）")})
    after = repo.commit("改回并改名")
    steps = {step.sha: step for step in load_history(repo.path, cache_dir=None).steps}
    assert steps[huge].changes == [] and any("超过数据文件的上限" in note for note in steps[huge].notes)
    assert [(c.action, c.name) for c in steps[after].changes] == [("modified", "食品经营许可（之后）")]


def test_a_file_too_large_to_read_is_read_by_nothing(scenario_copy, tmp_path):
    """Nothing that reads git holds a version above the loader's limit: the diff does not take the
    successors it names (the validator refuses the file, so they would vouch for a vanished item
    from a file nobody can read), and a snapshot or a release's zip of it is a clear error, not a
    gigabyte in memory and on disk."""
    from qingdan.load.text import MAX_FILE_BYTES

    repo = scenario_copy
    in_force = MERGED.split("    adjustments:")[0].replace("XK00005000", "XK00004000").replace("食品生产经营许可", "食品生产许可")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": in_force})
    base = repo.commit("新增食品生产许可")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": "#" * (MAX_FILE_BYTES + 1) + "\n" + MERGED.format(old="520000-XK00004000")})
    head = repo.commit("合并，文件很大")
    result = compare(repo.path, base, head)
    assert result.successors == {} and result.changes == []
    assert any("超过数据文件的上限" in note for note in result.notes)
    out = tmp_path / "snap"
    snap = CliRunner().invoke(main, ["snapshot", "--repo", str(repo.path), "--at", head, "--out", str(out)])
    assert snap.exit_code == 2 and "超过数据文件的上限 64 MB" in snap.output and "Traceback" not in snap.output
    assert not out.exists()
    with pytest.raises(QingdanError, match="超过数据文件的上限"):
        load_history(repo.path, cache_dir=None).snapshot_zip(head)


def test_reports_show_no_terminal_controls_from_commits(scenario_copy, tmp_path, monkeypatch):
    """An auditor reads these in a terminal; whoever commits writes the names and messages in them. An
    escape sequence (cursor up, erase line), a carriage return or a direction override could hide or
    reorder the lines above — none reaches the output, in any text format."""
    repo = scenario_copy
    monkeypatch.setenv("QINGDAN_CACHE_DIR", str(tmp_path / "cache"))  # the scenario has no .gitignore
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    repo.write({f"{PROVINCE_DEPT}/powers.yml": powers.replace("name: 食品经营许可（省级）", "name: 食品经营许可（改）")})
    repo.commit("标题\x1b[1A\x1b[2K\x1b]0;窗口\x07\r覆盖\u202e反转", who=("某\x1b[2K人", "x@example.gov.cn"))
    controls = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
    runner = CliRunner()
    outputs = {}
    for args in (["audit"], ["audit", "--format", "csv"], ["history"], ["history", "520000-XK00001000"],
                 ["diff", "HEAD~1", "HEAD"], ["diff", "HEAD~1", "HEAD", "--format", "md"]):
        result = runner.invoke(main, [*args, "--repo", str(repo.path)], color=True)  # as on a terminal
        assert result.exception is None or isinstance(result.exception, SystemExit), (args, result.output)
        outputs[" ".join(args)] = result.output
    assert "标题" in outputs["audit"] and "2K人" in outputs["audit"]  # only the controls go
    csv_text = outputs["audit --format csv"].replace("\r\n", "\n")  # CSV's own line ends
    assert not controls.search(csv_text)
    # A cell that starts with a formula once the controls are gone is still kept from running (history's
    # records were never validated: a name may hold YAML's escape for ESC).
    repo.write({f"{PROVINCE_DEPT}/powers.yml": powers.replace("name: 食品经营许可（省级）", 'name: "\\e=1+1"')})
    repo.commit("改名")
    rows = list(csv.reader(io.StringIO(runner.invoke(main, ["audit", "--format", "csv", "--repo", str(repo.path)]).output)))
    names = [row[AUDIT_COLUMNS.index("名称")] for row in rows[1:] if len(row) == len(AUDIT_COLUMNS)]
    assert "'=1+1" in names and "=1+1" not in names
    for name, text in outputs.items():
        if name != "audit --format csv":
            assert not controls.search(text), (name, [m.group() for m in controls.finditer(text)])


def test_the_audit_says_what_a_github_signature_does_not_prove():
    """GitHub signs merges whose messages the author wrote (squash, rebase, web edits) and writes no
    Reviewed-by itself: the report must not present those lines as the forge's word on who approved."""
    from qingdan.history.audit import AuditReport, Forge
    from qingdan.history.output import approval_basis
    from qingdan.history.trailers import Person

    def basis(platform: str) -> str:
        forge = Forge(platform, Person.parse("GitHub <noreply@github.com>"), frozenset({"ABCD"}))
        return approval_basis(AuditReport([], forge=forge))

    assert "请求作者可以填写和改写" in basis("github") and "以 GitHub 上的审查记录为准" in basis("github")
    assert "请求作者可以填写和改写" not in basis("gitea")


@pytest.mark.parametrize("name", ["..", ".git", "."])
def test_a_tree_git_would_not_check_out_is_never_written(scenario_copy, tmp_path, name):
    """git's low-level commands make a tree holding lists/../evil.txt (a server that does not check
    pushes keeps it); written out as it stands, a snapshot would land outside its folder."""
    repo = scenario_copy

    def git(*args: str, stdin: str | None = None) -> str:
        return subprocess.run(["git", *args], cwd=repo.path, input=stdin, text=True, capture_output=True,
                              check=True).stdout.strip()

    blob = git("hash-object", "-w", "--stdin", stdin="写到外面\n")
    inner = git("mktree", stdin=f"100644 blob {blob}\tevil.txt\n")
    lists = git("ls-tree", "HEAD", "lists").split()[2]
    entries = git("ls-tree", lists) + f"\n040000 tree {inner}\t{name}\n"
    new_lists = git("mktree", stdin=entries)
    root = "\n".join(line if not line.endswith("\tlists") else f"040000 tree {new_lists}\tlists"
                     for line in git("ls-tree", "HEAD").splitlines()) + "\n"
    commit = git("commit-tree", git("mktree", stdin=root), "-p", "HEAD", "-m", "伪造的树")
    out = tmp_path / "out" / "snap"
    result = CliRunner().invoke(main, ["snapshot", "--repo", str(repo.path), "--at", commit, "--out", str(out)])
    assert result.exit_code == 2 and "不安全的路径" in result.output, result.output
    assert not list(tmp_path.rglob("evil.txt"))  # nothing written, inside the folder or beside it
    if name != ".":  # git archive takes lists/./x as lists/x
        with pytest.raises(QingdanError, match="不安全"):  # a release tagged on it: said so, not "no lists/"
            load_history(repo.path, cache_dir=None).snapshot_zip(commit)


def test_a_link_in_a_committed_tree_is_not_data(scenario_copy, tmp_path):
    """A link committed under lists/ (in a commit a release may be tagged on) is neither written out as a
    file holding its target nor packed into a release's zip, which would hand the public a link."""
    repo = scenario_copy
    link = repo.path / "lists" / PROVINCE_DEPT / "regulations.yml"
    link.unlink()
    link.symlink_to("/etc/passwd")
    commit = repo.commit("链接")
    result = CliRunner().invoke(main, ["snapshot", "--repo", str(repo.path), "--at", commit,
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "符号链接" in result.output, result.output
    assert not (tmp_path / "out").exists()
    with pytest.raises(QingdanError, match="符号链接"):
        load_history(repo.path, cache_dir=None).snapshot_zip(commit)


def test_a_release_zip_holds_every_file_as_committed(scenario_copy):
    """git archive follows the tree's own .gitattributes: a lists/.gitattributes in a data change could
    leave a department out of every later release (export-ignore) or rewrite files (export-subst)."""
    import io
    import zipfile

    repo = scenario_copy
    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    repo.write({".gitattributes": f"{PROVINCE_DEPT}/** export-ignore\n*.yml export-subst\n",
                f"{CITY_SFT}/powers.yml": "# $Format:%H$\n" + repo.read(f"{CITY_SFT}/powers.yml")})
    commit = repo.commit("属性")
    history = load_history(repo.path, cache_dir=None)
    zipped = zipfile.ZipFile(io.BytesIO(history.snapshot_zip(commit)))
    committed = subprocess.run(["git", "ls-tree", "-r", "--name-only", commit, "lists"], cwd=repo.path,
                               capture_output=True, text=True, check=True).stdout.split()
    assert sorted(zipped.namelist()) == sorted(committed) and f"lists/{PROVINCE_DEPT}/powers.yml" in committed
    assert zipped.read(f"lists/{PROVINCE_DEPT}/powers.yml").decode("utf-8") == powers
    assert zipped.read(f"lists/{CITY_SFT}/powers.yml").startswith(b"# $Format:%H$\n")
    assert history.snapshot_zip(commit) == history.snapshot_zip(commit)  # the same bytes every time
