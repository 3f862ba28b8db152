"""qingdan validate: exit codes, output formats, selection of codes, narrowing to a file."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tree_support import CITY_DEPT, PROVINCE_DEPT, TODAY, VALID_FILES
from qingdan.cli import main
from qingdan.problems import CATALOGUE

# Two problems in two files: a warning (bad USCC check character) and an error (bad code).
TWO_PROBLEMS = {
    f"{PROVINCE_DEPT}/department.yml": VALID_FILES[f"{PROVINCE_DEPT}/department.yml"].replace("1234567J", "1234567K"),
    f"{CITY_DEPT}/powers.yml": VALID_FILES[f"{CITY_DEPT}/powers.yml"].replace("520100-XK00001000", "520100-XK0001000"),
}


@pytest.fixture
def run(make_tree: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``run(files, *args)``: write the tree, cd next to lists/, run ``qingdan validate *args``."""

    def invoke(files: dict | None = None, *args: str) -> Result:
        lists = make_tree(files or {})
        monkeypatch.chdir(lists.parent)
        result = CliRunner().invoke(main, ["validate", "--no-cache", "--today", TODAY.isoformat(), *args])
        assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
        return result

    return invoke


# ---- exit codes -------------------------------------------------------------------------

def test_valid_tree_exits_zero(run: Callable[..., Result]) -> None:
    result = run({}, "lists")
    assert result.exit_code == 0
    assert result.output == f"共检查 {len(VALID_FILES)} 个文件，没有发现问题。\n"


def test_default_path_is_lists(run: Callable[..., Result]) -> None:
    assert run(TWO_PROBLEMS).exit_code == 1


def test_repository_root_means_its_lists_folder(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, ".")
    assert result.exit_code == 1 and "lists/520100-scjgj/powers.yml:2:11" in result.output


def test_errors_exit_one(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, "lists")
    assert result.exit_code == 1
    assert "1 个错误，1 个警告" in result.output


@pytest.mark.parametrize(("args", "says"), [
    (["--format", "xml"], "xml"),
    (["--only", "no-such-code"], "未知的问题代码 no-such-code"),
    (["--skip", "tab,nope"], "未知的问题代码 nope"),
    (["--today", "2025-02-30"], "不是日期"),
    (["--bogus"], "--bogus"),
    (["missing-folder"], "missing-folder 不存在"),
])
def test_bad_usage_exits_two(run: Callable[..., Result], args: list[str], says: str) -> None:
    result = run({}, *args)
    assert result.exit_code == 2
    assert says in result.output


def test_folder_without_data_files_exits_two(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run({}, str(tmp_path / "empty"))
    assert result.exit_code == 2
    assert "没有数据文件" in result.output


def test_file_outside_lists_exits_two(run: Callable[..., Result], tmp_path: Path) -> None:
    stray = tmp_path / "stray.yml"
    stray.write_text("a: 1\n", encoding="utf-8")
    result = run({}, str(stray))
    assert result.exit_code == 2
    assert "不在 lists/ 文件夹中" in result.output


# ---- formats ------------------------------------------------------------------------------

def test_text_shows_place_code_message_path_and_hint(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, "lists")
    lines = result.output.splitlines()
    # Errors first, then warnings.
    assert lines[0] == "lists/520100-scjgj/powers.yml:2:11: 错误 [code-format] 编码 520100-XK0001000 不符合规定格式"
    assert lines[1] == "    位置：items[0].code"
    assert lines[2].startswith("    提示：格式见 lists/site.yml 的 code_patterns.power")
    assert lines[3].startswith("lists/520000-scjgj/department.yml:3:7: 警告 [uscc-checksum]")
    assert lines[-1] == f"共检查 {len(VALID_FILES)} 个文件：1 个错误，1 个警告。"


def test_json_has_the_documented_fields(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, "lists", "--format", "json")
    rows = json.loads(result.stdout)
    assert [row["code"] for row in rows] == ["code-format", "uscc-checksum"]
    first = rows[0]
    assert {"code", "severity", "file", "line", "column", "path", "message", "hint", "title"} <= first.keys()
    assert first["severity"] == "error"
    assert first["file"] == "lists/520100-scjgj/powers.yml"
    assert (first["line"], first["column"], first["path"]) == (2, 11, "items[0].code")
    assert "[code-format]" not in first["message"] and first["title"] == CATALOGUE["code-format"].title
    assert rows[1]["severity"] == "warning"


def test_json_of_a_valid_tree_is_an_empty_array(run: Callable[..., Result]) -> None:
    result = run({}, "lists", "--format", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []


_ANNOTATION = re.compile(r"^::(error|warning|notice)(?: ([^:]*))?::(.*)$")


def _annotations(output: str) -> list[tuple[str, dict[str, str], str]]:
    found = []
    for line in output.splitlines():
        match = _ANNOTATION.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in match.group(2).split(",")) if match.group(2) else {}
        found.append((match.group(1), props, match.group(3)))
    return found


def test_github_annotations(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, "lists", "--format", "github")
    (level, props, body), (level2, props2, _), (notice, _, summary) = _annotations(result.output)
    assert (level, level2, notice) == ("error", "warning", "notice")
    assert props == {"file": "lists/520100-scjgj/powers.yml", "line": "2", "col": "11",
                     "title": "[code-format] 编码格式不符"}
    assert props2["file"] == "lists/520000-scjgj/department.yml" and props2["line"] == "3"
    # One line per annotation: the hint and the path follow escaped newlines.
    assert body.startswith("编码 520100-XK0001000 不符合规定格式%0A提示：格式见")
    assert body.endswith("%0A位置：items[0].code")
    assert "1 个错误，1 个警告" in summary


def test_github_escapes_percent_comma_colon_and_newline(run: Callable[..., Result]) -> None:
    powers = VALID_FILES[f"{CITY_DEPT}/powers.yml"].replace("- 520000-scjgj", '- "50%,a:b"')
    files = {f"{CITY_DEPT}/powers.yml": powers, "notes,v1:draft.yml": "a: 1\n"}
    result = run(files, "lists", "--format", "github")
    annotations = _annotations(result.output)
    unknown_file = next(a for a in annotations if "unknown-file" in a[1].get("title", ""))
    assert unknown_file[1]["file"] == "lists/notes%2Cv1%3Adraft.yml"
    unknown_department = next(a for a in annotations if "unknown-department" in a[1].get("title", ""))
    assert "部门 50%25,a:b 不存在" in unknown_department[2]
    assert "\n" not in unknown_department[2] and "%0A" in unknown_department[2]


# ---- selection and paging ---------------------------------------------------------------

def test_only_and_skip(run: Callable[..., Result]) -> None:
    only = run(TWO_PROBLEMS, "lists", "--only", "uscc-checksum", "--format", "json")
    assert [r["code"] for r in json.loads(only.stdout)] == ["uscc-checksum"]
    assert only.exit_code == 0  # the error is not selected
    skip = run(TWO_PROBLEMS, "lists", "--skip", "uscc-checksum", "--format", "json")
    assert [r["code"] for r in json.loads(skip.stdout)] == ["code-format"]
    assert skip.exit_code == 1
    both = run(TWO_PROBLEMS, "lists", "--only", "uscc-checksum,code-format", "--format", "json")
    assert len(json.loads(both.stdout)) == 2


def _many_problems(count: int) -> dict[str, str]:
    refs = "".join(f"      - 520000-x{i:02d}\n" for i in range(count))
    powers = VALID_FILES[f"{CITY_DEPT}/powers.yml"].replace("      - 520000-scjgj\n", refs)
    return {f"{CITY_DEPT}/powers.yml": powers}


def test_text_shows_twenty_and_counts_the_rest(run: Callable[..., Result]) -> None:
    result = run(_many_problems(25), "lists")
    shown = [line for line in result.output.splitlines() if line.startswith("lists/")]
    assert len(shown) == 20
    assert shown[0].startswith("lists/520100-scjgj/powers.yml:9:9: 错误 [unknown-department] 部门 520000-x00 不存在")
    assert "25 个错误，0 个警告。另有 5 个问题未显示，使用 --all 查看全部。" in result.output


def test_all_shows_every_problem(run: Callable[..., Result]) -> None:
    result = run(_many_problems(25), "lists", "--all")
    shown = [line for line in result.output.splitlines() if line.startswith("lists/")]
    assert len(shown) == 25 and "未显示" not in result.output


# ---- narrowing to a file or folder ------------------------------------------------------

def test_single_file_reports_only_that_file(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, f"lists/{CITY_DEPT}/powers.yml", "--format", "json")
    rows = json.loads(result.stdout)
    assert [(r["code"], r["file"]) for r in rows] == [("code-format", f"lists/{CITY_DEPT}/powers.yml")]
    assert result.exit_code == 1


def test_single_clean_file_exits_zero_despite_others(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, f"lists/{CITY_DEPT}/department.yml")
    assert result.exit_code == 0
    assert result.output == "共检查 1 个文件，没有发现问题。\n"


def test_single_file_still_gets_rules_across_records(run: Callable[..., Result]) -> None:
    powers = VALID_FILES[f"{CITY_DEPT}/powers.yml"].replace("520100-XK00001000", "520000-XK00001000")
    result = run({f"{CITY_DEPT}/powers.yml": powers}, f"lists/{CITY_DEPT}/powers.yml")
    assert "[duplicate-code]" in result.output and "已在 lists/520000-scjgj/powers.yml 中使用" in result.output


def test_department_folder_reports_only_its_files(run: Callable[..., Result]) -> None:
    result = run(TWO_PROBLEMS, f"lists/{PROVINCE_DEPT}", "--format", "json")
    assert [r["code"] for r in json.loads(result.stdout)] == ["uscc-checksum"]
    assert result.exit_code == 0


# ---- codes ------------------------------------------------------------------------------

def test_codes_lists_every_code_with_severity_and_title() -> None:
    result = CliRunner().invoke(main, ["codes"])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert len(lines) == len(CATALOGUE)
    for line, (code, kind) in zip(lines, CATALOGUE.items(), strict=True):
        assert line.split()[0] == code
        assert ("错误" if kind.severity == "error" else "警告") in line and kind.title in line


# ---- a cache that came with the checkout ----------------------------------------------------

def test_a_committed_cache_is_never_read(valid_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """.qingdan-cache/ is only ignored by git: a push can still commit files there, which qingdan would
    read as this machine's own results (a file's findings, the history and approvals of every commit)."""
    import subprocess

    root = valid_tree.parent
    monkeypatch.delenv("QINGDAN_CACHE_DIR", raising=False)
    monkeypatch.chdir(root)
    forged = root / ".qingdan-cache" / "history" / "forged.json"
    forged.parent.mkdir(parents=True)
    forged.write_text('{"head": "0"}', encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "x", "GIT_AUTHOR_EMAIL": "x@x", "GIT_COMMITTER_NAME": "x", "GIT_COMMITTER_EMAIL": "x@x",
           "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_CONFIG_NOSYSTEM": "1", "PATH": __import__("os").environ["PATH"]}
    for args in (["init", "-q"], ["add", "lists"], ["add", "-f", ".qingdan-cache"], ["commit", "-q", "-m", "带缓存"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)
    for args in (["validate", "--today", TODAY.isoformat()], ["audit", "--repo", str(root)],
                 ["history", "--repo", str(root)]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, (args, result.output)
        assert "仓库中提交了 .qingdan-cache/" in result.output and "git rm -r --cached" in result.output
    # A cache outside the checkout is this machine's own again.
    monkeypatch.setenv("QINGDAN_CACHE_DIR", str(root.parent / "elsewhere"))
    assert CliRunner().invoke(main, ["validate", "--today", TODAY.isoformat()]).exit_code == 0
