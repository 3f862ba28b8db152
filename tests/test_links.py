"""Links and special files under lists/ are refused, never followed (issue 16, point 1).

Each test replays an attack of the security review: a data file linked to
/etc/passwd, to a valid file outside the repository, a powers.yml replaced by
a link, a linked department folder, a named pipe; then the readers that take
a file by name (fmt, import, new).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from tree_support import CITY_DEPT, PROVINCE_DEPT, TODAY, VALID_FILES

from qingdan.cli import main
from qingdan.dataset import load_dataset
from qingdan.errors import QingdanError
from qingdan.files import NotRegularFile, read_regular, walk
from qingdan.fmt import format_tree
from qingdan.load.schema import EXCERPT_CHARS
from qingdan.validate import check, validate

PASSWD = Path("/etc/passwd")


def _secret_lines() -> list[str]:
    """Lines of /etc/passwd long enough that finding one in output means the file leaked."""
    return [line for line in PASSWD.read_text(encoding="utf-8").splitlines() if len(line) > 12]


def _validate_cli(lists: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["validate", str(lists), "--no-cache", "--all", *options])
    return result.exit_code, result.output


def test_a_data_file_linked_to_etc_passwd_is_refused_and_never_printed(make_tree: Callable[..., Path]) -> None:
    lists = make_tree()
    target = lists / PROVINCE_DEPT / "regulations.yml"
    target.unlink()
    target.symlink_to(PASSWD)
    code, output = _validate_cli(lists)
    assert code == 1
    assert "[not-regular-file]" in output and "regulations.yml:1:1" in output and "符号链接" in output
    assert not [line for line in _secret_lines() if line in output]
    code, output = _validate_cli(lists, "--format", "json")
    problems = [p for p in json.loads(output) if p["code"] == "not-regular-file"]
    assert [(p["file"].endswith(f"{PROVINCE_DEPT}/regulations.yml"), p["line"], p["column"]) for p in problems] \
        == [(True, 1, 1)]
    assert "root:" not in output


def test_a_wrong_top_level_value_is_shown_as_a_short_excerpt(make_tree: Callable[..., Path]) -> None:
    """The same bytes as a regular file: the wrong-type message quotes only the start of it."""
    lists = make_tree({f"{PROVINCE_DEPT}/regulations.yml": "x" * 10 + "y" * 5000 + "\n"})
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    [problem] = [p for p in report.problems if p.code == "wrong-type"]
    assert "x" * 10 + "y" * (EXCERPT_CHARS - 10) + "…" in problem.message
    assert "y" * (EXCERPT_CHARS - 9) not in problem.message and "共 5,010 个字符" in problem.message
    assert len(problem.message) < 200


def test_a_link_to_a_valid_file_outside_the_repository_is_neither_read_nor_published(
        make_tree: Callable[..., Path], tmp_path: Path) -> None:
    lists = make_tree()
    outside = tmp_path / "elsewhere" / "powers.yml"
    outside.parent.mkdir()
    outside.write_text(VALID_FILES[f"{CITY_DEPT}/powers.yml"].replace("食品", "未经审核的"), encoding="utf-8")
    link = lists / CITY_DEPT / "powers.yml"
    link.unlink()
    link.symlink_to(outside)
    dataset = load_dataset(lists, today=TODAY)
    assert not dataset.ok
    assert [p.code for p in dataset.report.errors] == ["not-regular-file"]
    assert not any("未经审核的" in item.name for item in dataset.powers.values())
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out)])
    assert result.exit_code == 1 and "not-regular-file" in result.output
    assert not out.exists()


def test_powers_replaced_by_a_link_is_refused(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    """The review saw 删除 12 项 in history while the site showed the renamed items: now neither builds."""
    lists = make_tree()
    powers = lists / PROVINCE_DEPT / "powers.yml"
    renamed = tmp_path / "renamed.yml"
    renamed.write_text(powers.read_text(encoding="utf-8").replace("许可", "许可（改）"), encoding="utf-8")
    powers.unlink()
    powers.symlink_to(os.path.relpath(renamed, powers.parent))
    checked = check(lists, today=TODAY, prefix="lists/", workers=1)
    report = checked.report
    assert [(p.code, p.file, p.line) for p in report.errors] == [
        ("not-regular-file", f"lists/{PROVINCE_DEPT}/powers.yml", 1)]
    assert f"{PROVINCE_DEPT}/powers.yml" not in checked.facts or not checked.facts[f"{PROVINCE_DEPT}/powers.yml"]


def test_a_linked_department_folder_and_a_pipe_are_refused(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    lists = make_tree()
    copy = tmp_path / "copy"
    (lists / CITY_DEPT).rename(copy)
    (lists / CITY_DEPT).symlink_to(copy, target_is_directory=True)
    os.mkfifo(lists / PROVINCE_DEPT / "notes.yml")  # opening it would block a reader for ever
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    refused = {p.file: p.message for p in report.problems if p.code == "not-regular-file"}
    assert set(refused) == {f"lists/{CITY_DEPT}", f"lists/{PROVINCE_DEPT}/notes.yml"}
    assert "文件夹" in refused[f"lists/{CITY_DEPT}"] and "命名管道" in refused[f"lists/{PROVINCE_DEPT}/notes.yml"]


def test_a_warm_cache_does_not_hide_a_link(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    """A file validated clean, then swapped for a link to the same bytes: the cache must not answer."""
    lists = make_tree()
    cache = tmp_path / "cache"
    assert not validate(lists, today=TODAY, cache_dir=cache, workers=1).errors
    powers = lists / PROVINCE_DEPT / "powers.yml"
    same = tmp_path / "same.yml"
    same.write_bytes(powers.read_bytes())
    powers.unlink()
    powers.symlink_to(same)
    assert [p.code for p in validate(lists, today=TODAY, cache_dir=cache, workers=1).errors] == ["not-regular-file"]


def test_fmt_refuses_links_and_leaves_their_target_alone(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    lists = make_tree()
    outside = tmp_path / "outside.yml"
    outside.write_text("items:\n    - code:   x\n", encoding="utf-8")  # not canonical: fmt would rewrite it
    link = lists / PROVINCE_DEPT / "regulations.yml"
    link.unlink()
    link.symlink_to(outside)
    for relpaths in (None, [f"{PROVINCE_DEPT}/regulations.yml"]):
        results = {r.relpath: r for r in format_tree(lists, relpaths, write=True)}
        refused = results[f"{PROVINCE_DEPT}/regulations.yml"]
        assert refused.text is None and "[not-regular-file]" in refused.problems[0]
    assert outside.read_text(encoding="utf-8") == "items:\n    - code:   x\n" and link.is_symlink()


def test_import_and_new_refuse_a_linked_target(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    lists = make_tree()
    outside = tmp_path / "outside.yml"
    outside.write_bytes((lists / PROVINCE_DEPT / "powers.yml").read_bytes())
    link = lists / PROVINCE_DEPT / "powers.yml"
    link.unlink()
    link.symlink_to(outside)
    result = CliRunner().invoke(main, ["new", "power", "--department", PROVINCE_DEPT, "--lists", str(lists),
                                       "--name", "新事项", "--code", "520000-XK09999000"])
    assert result.exit_code != 0 and "符号链接" in result.output and "Traceback" not in result.output
    table = tmp_path / "table.csv"
    table.write_text("事项编码,事项名称,权力类型,行使层级,设定依据\n"
                     "520000-XK09999000,新事项,行政许可,省,《中华人民共和国行政许可法》第十二条\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["import", str(table), "--kind", "power", "--department", PROVINCE_DEPT,
                                       "--lists", str(lists), "--merge"])
    assert result.exit_code != 0 and "符号链接" in result.output and "Traceback" not in result.output
    assert link.is_symlink()
    assert outside.read_bytes() == VALID_FILES[f"{PROVINCE_DEPT}/powers.yml"].encode("utf-8")


def test_read_regular_refuses_links_below_the_root_and_reads_regular_files(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yml").write_text("a: 1\n", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    assert read_regular(tmp_path / "real" / "a.yml", root=tmp_path) == b"a: 1\n"
    with pytest.raises(NotRegularFile, match="符号链接"):
        read_regular(tmp_path / "linked" / "a.yml", root=tmp_path)
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.yml", root=tmp_path)
    assert isinstance(NotRegularFile("x", "符号链接"), QingdanError)
    tree = walk(tmp_path)
    assert tree.files == ["real/a.yml"] and tree.refused == [("linked", "符号链接（指向文件夹）")]


def test_walk_with_stats_gives_each_regular_files_size_and_time_and_nothing_for_links(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.yml").write_text("a: 1\n", encoding="utf-8")
    os.utime(tmp_path / "real" / "a.yml", ns=(1_700_000_000_000_000_000, 1_700_000_000_000_000_000))
    (tmp_path / "b.yml").symlink_to(tmp_path / "real" / "a.yml")
    (tmp_path / "linked").symlink_to(tmp_path / "real", target_is_directory=True)
    tree = walk(tmp_path, stats=True)
    assert tree.stats == {"real/a.yml": (5, 1_700_000_000_000_000_000)}
    assert walk(tmp_path).stats == {}  # not asked for: no stat call per file
