"""Hostile values that parse cleanly: escaped invisible characters and huge texts (issue 16, points 4 and 8)."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook
from tree_support import PROVINCE_DEPT, TODAY, VALID_FILES

from qingdan.cli import main
from qingdan.dataset import load_dataset
from qingdan.load import read_file
from qingdan.model.common import LONG_TEXT_MAX, NAME_MAX, TEXT_MAX
from qingdan.validate import validate

POWERS = f"{PROVINCE_DEPT}/powers.yml"


def _with_name(value: str) -> tuple[str, int, int]:
    """The valid province powers.yml with its first item's name written as ``value`` (raw YAML),
    and the line and column where that value starts."""
    lines = VALID_FILES[POWERS].splitlines(keepends=True)
    index = next(i for i, line in enumerate(lines) if line.lstrip().startswith("name:"))
    indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
    lines[index] = f"{indent}name: {value}\n"
    return "".join(lines), index + 1, len(indent) + len("name: ") + 1


@pytest.mark.parametrize("escape, codepoint", [
    ("\\u202E", "U+202E"), ("\\u200B", "U+200B"), ("\\e", "U+001B"), ("\\0", "U+0000"),
    ("\\x85", "U+0085"), ("\\uFFFE", "U+FFFE"),
    # Every other escape that writes an invisible character (the reader skips the walk without one).
    ("\\a", "U+0007"), ("\\b", "U+0008"), ("\\v", "U+000B"), ("\\f", "U+000C"), ("\\N", "U+0085"),
    ("\\L", "U+2028"), ("\\P", "U+2029"), ("\\U0000202E", "U+202E"), ('\\"\\\\\\u202E', "U+202E"),
])
def test_escaped_invisible_characters_are_located_at_their_value(escape: str, codepoint: str) -> None:
    text, line, column = _with_name(f'"食品{escape}经营许可"')
    result = read_file(text.encode("utf-8"), POWERS)
    found = [(p.code, p.line, p.column, p.path) for p in result.problems]
    assert found == [("invisible-char", line, column, "items[0].name")]
    assert codepoint in result.problems[0].message and "转义" in result.problems[0].message
    assert result.record is None  # never handed to a build or an export


def test_escapes_that_write_no_invisible_character_are_told_apart() -> None:
    from qingdan.load.text import may_escape_invisible

    assert not may_escape_invisible('a: "他说\\"好\\"\\t\\n\\r\\/\\\\u202E\\ "\n')  # \\u: a backslash, then u
    assert may_escape_invisible('a: "\\\\\\u202E"\n') and may_escape_invisible("a: '\\x'\n")  # yes when unsure


def test_escapes_in_keys_and_a_raw_character_are_each_reported_once() -> None:
    raw = "\u200b"
    text = VALID_FILES[POWERS] + f'remarks_x: "a{raw}b"\n"\\u202Ekey": 1\n'
    problems = read_file(text.encode("utf-8"), POWERS).problems
    invisible = [(p.line, p.message.split("不可见字符")[1].strip()) for p in problems if p.code == "invisible-char"]
    assert len(invisible) == 2 and {"U+200B（零宽空格）", "U+202E（双向文本控制符）"} == {m for _, m in invisible}


def test_escaped_bidi_override_never_reaches_the_build_or_an_export(make_tree: Callable[..., Path],
                                                                    tmp_path: Path) -> None:
    """The review saw a bidi override in 54 files, and an XLSX export abort after the pages were written."""
    text, line, _column = _with_name('"食品\\u202E经营许可\\0"')
    lists = make_tree({POWERS: text})
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    assert [(p.code, p.file, p.line) for p in report.errors] == [("invisible-char", f"lists/{POWERS}", line)]
    out = tmp_path / "site"
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out)])
    assert result.exit_code == 1 and not out.exists()
    export = tmp_path / "export"
    result = CliRunner().invoke(main, ["export", "--lists", str(lists), "-o", str(export), "--ignore-errors",
                                       "--format", "xlsx", "--format", "csv", "--format", "json"])
    assert result.exit_code == 0, result.output
    files = [p for p in export.rglob("*") if p.is_file()]
    assert {p.suffix for p in files} == {".xlsx", ".csv", ".json"}
    for path in files:
        if path.suffix == ".xlsx":
            cells = [c for ws in load_workbook(path, read_only=True) for row in ws.iter_rows(values_only=True)
                     for c in row if isinstance(c, str)]
            text = "".join(cells)
        else:
            text = path.read_text(encoding="utf-8-sig")
        assert "\u202e" not in text and "\0" not in text and "\\u202e" not in text.lower(), path


# ---- length limits (point 8) -----------------------------------------------------------

def test_a_five_million_character_name_is_refused_without_being_echoed(make_tree: Callable[..., Path]) -> None:
    text, line, column = _with_name("食" * 5_000_000)
    lists = make_tree({POWERS: text})
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    [problem] = report.errors
    assert (problem.code, problem.file, problem.line, problem.column, problem.path) == (
        "text-too-long", f"lists/{POWERS}", line, column, "items[0].name")
    assert f"5,000,000 个字符，超过上限 {NAME_MAX:,} 个字符" in problem.message
    assert "食食食" not in problem.message + problem.hint and "简短" in problem.hint
    assert not load_dataset(lists, today=TODAY).ok


@pytest.mark.parametrize("field, limit", [("remarks", TEXT_MAX), ("legal_basis[0].text", LONG_TEXT_MAX)])
def test_each_kind_of_field_has_its_own_limit(make_tree: Callable[..., Path], field: str, limit: int) -> None:
    import yaml

    data = yaml.safe_load(VALID_FILES[POWERS])
    item = data["items"][0]
    if field == "remarks":
        item["remarks"] = "备" * limit
    else:
        item["legal_basis"][0]["text"] = "条" * limit
    ok = yaml.safe_dump(data, allow_unicode=True, width=10**9)
    assert read_file(ok.encode("utf-8"), POWERS).record is not None, "a value at the limit is fine"
    too_long = ok.replace("备" * limit, "备" * (limit + 1)).replace("条" * limit, "条" * (limit + 1))
    problems = read_file(too_long.encode("utf-8"), POWERS).problems
    assert [(p.code, p.path) for p in problems] == [("text-too-long", f"items[0].{field}")]
    assert f"{limit + 1:,} 个字符" in problems[0].message


def test_the_limits_are_in_the_json_schema_and_the_staff_guide() -> None:
    root = Path(__file__).resolve().parents[1]
    schema = json.loads((root / "scripts" / "schemas" / "powers.schema.json").read_text(encoding="utf-8"))
    text = json.dumps(schema)
    assert f'"maxLength": {NAME_MAX}' in text and f'"maxLength": {TEXT_MAX}' in text
    assert f'"maxLength": {LONG_TEXT_MAX}' in text
    guide = (root / "content" / "guide" / "edit-item.md").read_text(encoding="utf-8")
    assert all(f"{n:,}" in guide for n in (NAME_MAX, TEXT_MAX, LONG_TEXT_MAX))


def test_validating_a_huge_name_stays_within_bounded_memory(tmp_path: Path, make_tree: Callable[..., Path]) -> None:
    """In a child process with an address-space limit: the refusal must not need the 344 MB a build took."""
    text, _line, _column = _with_name("名" * 5_000_000)
    lists = make_tree({POWERS: text})
    script = textwrap.dedent(f"""
        import datetime as dt, resource
        from pathlib import Path
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))
        from qingdan.validate import validate
        report = validate(Path({str(lists)!r}), today=dt.date(2025, 6, 1), workers=1)
        print([p.code for p in report.errors])
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "['text-too-long']"
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss < 1536 * 1024


# ---- site_url (point 6) and the build's failure report (point 7) --------------------------

@pytest.mark.parametrize("url", ["javascript:alert(1)//", "data:text/html,<script>", "/qingdan/",
                                 "https://example.gov.cn/a b/", 'https://x.cn/"onmouseover="'])
def test_site_url_must_be_an_http_address(make_tree: Callable[..., Path], url: str) -> None:
    lists = make_tree({"site.yml": VALID_FILES["site.yml"] + f"site_url: {json.dumps(url)}\n"})
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    line = VALID_FILES["site.yml"].count("\n") + 1
    assert [(p.code, p.file, p.line, p.path) for p in report.errors] == [
        ("invalid-value", "lists/site.yml", line, "site_url")]
    assert "http://" in report.errors[0].message


def test_site_url_over_https_is_accepted(make_tree: Callable[..., Path]) -> None:
    lists = make_tree({"site.yml": VALID_FILES["site.yml"] + "site_url: https://example.gov.cn/qingdan/\n"})
    assert not validate(lists, today=TODAY, workers=1).errors


def test_the_failure_report_of_a_build_cannot_inject_workflow_commands(make_tree: Callable[..., Path],
                                                                      tmp_path: Path) -> None:
    """A folder name and a value that start new lines with ::stop-commands:: and ::error in the Actions log."""
    lists = make_tree({POWERS: _with_name('"许可\\n::error title=伪造::全部通过"')[0]})
    hostile = lists / "x\n::stop-commands::token123"
    hostile.mkdir()
    (hostile / "powers.yml").write_text("items: 1\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", "from qingdan.cli import main; main()", "render", str(lists),
                             "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert any("stop-commands" in line for line in lines) and any("伪造" in line for line in lines)
    assert [line for line in lines if line.lstrip().startswith("::")] == []
    assert "%0A::stop-commands::token123" in result.stderr
