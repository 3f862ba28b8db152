"""CODEOWNERS generated from the department registry, and the committed file kept current."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.publish import codeowners

ROOT = Path(__file__).resolve().parents[2]


def test_committed_codeowners_matches_the_department_registry() -> None:
    wanted, existing = codeowners.generate(ROOT / "lists", ROOT / ".github" / "CODEOWNERS")
    assert existing is not None, ".github/CODEOWNERS is missing: run `qingdan codeowners`"
    assert wanted == existing, ".github/CODEOWNERS is stale: run `qingdan codeowners` and commit the result"


def test_each_department_folder_is_owned_by_its_reviewers(valid_tree: Path) -> None:
    text = codeowners.render(codeowners.departments(valid_tree), None)
    generated = text.split(codeowners.MARKER, 1)[1]
    rules = [line for line in generated.splitlines() if line and not line.startswith("#")]
    assert rules == ["/lists/520000-scjgj/ @zhangsan", "/lists/520100-scjgj/ @lisi"]
    assert "# 示例省市场监督管理局" in generated


def test_gitea_rules_are_regular_expressions(valid_tree: Path) -> None:
    text = codeowners.render(codeowners.departments(valid_tree), None, forge="gitea")
    rules = [line for line in text.split(codeowners.MARKER, 1)[1].splitlines() if line and line[0] != "#"]
    assert rules == ["lists/520000-scjgj/.* @zhangsan", "lists/520100-scjgj/.* @lisi"]
    pattern = rules[0].split()[0]
    assert re.fullmatch(pattern, "lists/520000-scjgj/powers.yml")
    assert not re.fullmatch(pattern, "lists/520000-scjgjx/powers.yml")
    assert codeowners.pattern("lists/a.b", "gitea") == r"lists/a\.b/.*"


def test_hand_written_header_is_kept(valid_tree: Path) -> None:
    existing = "# 我们的规则\n/lists/*.yml @example-gov/legal\n\n" + codeowners.MARKER + "\n/lists/old/ @gone\n"
    text = codeowners.render(codeowners.departments(valid_tree), existing)
    assert text.startswith("# 我们的规则\n/lists/*.yml @example-gov/legal\n")
    assert "/lists/old/" not in text and "@zhangsan" in text


@pytest.mark.parametrize("reviewer", ["张三", "zhangsan", "@-bad", "@a b", "@org/team/extra"])
def test_a_reviewer_that_is_not_a_handle_is_refused(make_tree: Callable[..., Path], reviewer: str) -> None:
    department = (f'id: 520000-scjgj\nname: 示例省市场监督管理局\nuscc: 11520000MB1234567J\nregion: "520000"\n'
                  f'reviewers:\n  - "{reviewer}"\n')
    lists = make_tree({"520000-scjgj/department.yml": department})
    with pytest.raises(QingdanError, match="lists/520000-scjgj/department.yml 的 reviewers"):
        codeowners.departments(lists)


def test_a_department_without_department_yml_is_refused(make_tree: Callable[..., Path]) -> None:
    lists = make_tree({"520100-scjgj/department.yml": None})
    with pytest.raises(QingdanError, match="520100-scjgj/ 没有 department.yml"):
        codeowners.departments(lists)


def test_a_broken_department_yml_is_refused_with_its_line(make_tree: Callable[..., Path]) -> None:
    lists = make_tree({"520100-scjgj/department.yml": "id: 520100-scjgj\nname: [\n"})
    with pytest.raises(QingdanError, match=r"department\.yml:\d+ 有错误"):
        codeowners.departments(lists)


def test_command_writes_then_checks(valid_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(valid_tree.parent)
    runner = CliRunner()
    stale = runner.invoke(main, ["codeowners", "--check"])
    assert stale.exit_code == 1 and "已过期" in stale.output
    wrote = runner.invoke(main, ["codeowners"])
    assert wrote.exit_code == 0 and "已写入 .github/CODEOWNERS" in wrote.output
    assert runner.invoke(main, ["codeowners", "--check"]).exit_code == 0
    gitea = runner.invoke(main, ["codeowners", "--forge", "gitea"])
    assert gitea.exit_code == 0 and (valid_tree.parent / ".gitea" / "CODEOWNERS").is_file()
    department = valid_tree / "520100-scjgj" / "department.yml"
    department.write_text(department.read_text(encoding="utf-8").replace("@lisi", "@wangwu"), encoding="utf-8")
    assert runner.invoke(main, ["codeowners", "--check"]).exit_code == 1


def test_what_the_publish_job_runs_is_owned_by_the_site_maintainers(make_tree: Callable[..., Path]) -> None:
    """Code, pages, build configuration, lock files, CI and trust lists decide what runs with the signing key."""
    from tree_support import VALID_FILES

    lists = make_tree({"site.yml": VALID_FILES["site.yml"] + 'maintainers:\n  - "@example-gov/publishing"\n'})
    assert codeowners.maintainers(lists) == ("@example-gov/publishing",)
    text = codeowners.render(codeowners.departments(lists), None, publishers=codeowners.maintainers(lists))
    rules = dict(line.split(" ", 1) for line in text.split(codeowners.MARKER, 1)[1].splitlines()
                 if line and not line.startswith("#"))
    for path in ("/scripts/", "/content/", "/mkdocs.yml", "/pyproject.toml", "/package-lock.json", "/.github/",
                 "/.ci/", "/allowed_signers", "/signing-keys.asc"):
        assert rules[path] == "@example-gov/publishing", path
    gitea = codeowners.render([], None, "gitea", ("@ops",))
    patterns = [line.split()[0] for line in gitea.split(codeowners.MARKER, 1)[1].splitlines()
                if line and line[0] != "#"]
    assert any(re.fullmatch(p, "scripts/qingdan/cli/__init__.py") for p in patterns)
    assert any(re.fullmatch(p, "mkdocs.yml") for p in patterns)
    assert not any(re.fullmatch(p, "mkdocsXyml") for p in patterns)
    assert not any(re.fullmatch(p, "lists/520000-scjgj/powers.yml") for p in patterns)


def test_without_maintainers_the_gap_is_said_in_the_file(valid_tree: Path) -> None:
    assert codeowners.maintainers(valid_tree) == ()
    assert "没有 maintainers" in codeowners.render(codeowners.departments(valid_tree), None)


def test_a_maintainer_that_is_not_a_handle_is_refused(make_tree: Callable[..., Path]) -> None:
    from tree_support import VALID_FILES

    lists = make_tree({"site.yml": VALID_FILES["site.yml"] + 'maintainers:\n  - "ops@example.gov.cn"\n'})
    with pytest.raises(QingdanError, match="site.yml 有错误"):
        codeowners.maintainers(lists)
