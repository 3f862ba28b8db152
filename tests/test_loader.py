"""The strict loader: every mistake of the corpus (tests/corpus/) gives its problem, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tree_support import CORPUS, PROVINCE_DEPT, TODAY, VALID_FILES, assert_problems
from qingdan.cli import main
from qingdan.load import read_file
from qingdan.load.marks import MAX_DEPTH, scan
from qingdan.load.parse import parse
from qingdan.load.text import MAX_FILE_BYTES
from qingdan.problems import CATALOGUE
from qingdan.validate import validate

CASES: dict[str, dict] = yaml.safe_load((CORPUS / "expected.yml").read_text(encoding="utf-8"))

# The mistakes the issue names; the corpus must keep a case for each.
REQUIRED_CASES = {
    "syntax-error", "duplicate-key", "leading-zero-code", "octal-code", "yaml11-no", "yaml11-yes",
    "yaml11-on", "yes-in-boolean-field", "impossible-date", "exponent-number", "gbk-encoding",
    "gb18030-encoding", "bom", "tab-indentation", "tab-in-value", "unknown-field", "missing-field",
    "wrong-type", "python-tag", "custom-tag", "billion-laughs", "merge-key", "multiple-documents",
    "zero-width-space", "full-width-space-in-code", "trailing-whitespace", "leading-full-width-space",
    "empty-file", "unknown-file-name", "yaml-extension", "deep-flow-nesting", "deep-block-nesting",
}


def _spoiled(case: dict, make_tree: Callable[..., Path]) -> Path:
    files: dict[str, bytes | None] = {case["target"]: (CORPUS / "files" / case["file"]).read_bytes()}
    if case.get("remove"):
        files[case["remove"]] = None
    return make_tree(files)


def _exit_code(case: dict) -> int:
    return 1 if any(CATALOGUE[e["code"]].severity == "error" for e in case["expect"]) else 0


def test_corpus_covers_every_mistake_of_the_issue() -> None:
    assert REQUIRED_CASES <= set(CASES)
    assert {case["file"] for case in CASES.values()} == {p.name for p in (CORPUS / "files").iterdir()}


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case_through_validate(name: str, make_tree: Callable[..., Path]) -> None:
    case = CASES[name]
    lists = _spoiled(case, make_tree)
    started = time.perf_counter()
    report = validate(lists, today=TODAY, prefix="lists/")
    assert time.perf_counter() - started < 5, "a bad file must not cost time (alias bombs, deep nesting)"
    assert_problems([p.to_dict() for p in report.problems], case["expect"], default_file=case["target"])
    assert report.exit_code == _exit_code(case)


@pytest.mark.parametrize("name", sorted(CASES))
def test_corpus_case_through_the_cli(name: str, make_tree: Callable[..., Path],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[name]
    lists = _spoiled(case, make_tree)
    monkeypatch.chdir(lists.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--format", "json", "--no-cache",
                                       "--today", TODAY.isoformat()])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    assert result.exit_code == _exit_code(case), result.output
    found = json.loads(result.stdout)
    assert_problems(found, case["expect"], default_file=case["target"])


# ---- file size ---------------------------------------------------------------------

def test_file_above_the_limit_is_not_parsed() -> None:
    result = read_file(b"name: x\n" * 20, f"{PROVINCE_DEPT}/department.yml", max_bytes=100)
    assert [(p.code, p.line, p.column) for p in result.problems] == [("file-too-large", 1, 1)]
    assert "超过上限 100 字节" in result.problems[0].message
    assert result.record is None


def test_file_at_the_limit_is_read() -> None:
    raw = VALID_FILES[f"{PROVINCE_DEPT}/department.yml"].encode()
    result = read_file(raw, f"{PROVINCE_DEPT}/department.yml", max_bytes=len(raw))
    assert result.problems == [] and result.record is not None


def test_file_too_large_on_disk(make_tree: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> None:
    """A real file one byte above the limit (sparse, so cheap) through validate and the CLI."""
    lists = make_tree()
    with open(lists / PROVINCE_DEPT / "negative_list.yml", "wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    expect = [{"code": "file-too-large", "line": 1, "column": 1, "message": f"{MAX_FILE_BYTES + 1:,} 字节"}]
    target = f"{PROVINCE_DEPT}/negative_list.yml"
    report = validate(lists, today=TODAY, prefix="lists/", workers=1)
    assert_problems([p.to_dict() for p in report.problems], expect, default_file=target)
    monkeypatch.chdir(lists.parent)
    result = CliRunner().invoke(main, ["validate", "lists", "--format", "json", "--no-cache"])
    assert result.exit_code == 1
    assert_problems(json.loads(result.stdout), expect, default_file=target)


# ---- robustness ------------------------------------------------------------------------

@pytest.mark.parametrize("full", [False, True])
def test_precise_reader_stops_at_max_depth(full: bool) -> None:
    found = scan("a: " + "[" * 100_000 + "]" * 100_000 + "\n", plain_data=full)
    assert "deeper than" in str(found.error)


DEEP_TEXTS = {
    "block-sequences": lambda: "- " * 1_000_000 + "x\n",
    "complex-keys": lambda: "? " * 1_000_000 + "x\n",
    "unclosed-brackets": lambda: "a: " + "[" * 1_000_000 + "\n",
    "flow-mappings": lambda: "a: " + "{a: " * 300_000 + "\n",
    "after-a-duplicate-key": lambda: "x: 1\nx: 2\ny: " + "[" * 1_000_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(DEEP_TEXTS))
def test_deep_nesting_never_crashes_the_interpreter(name: str, tmp_path: Path) -> None:
    """Run in a child process: a C stack overflow would kill the test run, not fail a test."""
    path = tmp_path / "deep.yml"
    path.write_text(DEEP_TEXTS[name](), encoding="utf-8")
    code = ("import sys; from qingdan.load.parse import parse; "
            "p = parse(open(sys.argv[1], encoding='utf-8').read(), 'x.yml'); "
            "print(p.data is None, p.problems[0].code, p.problems[0].message)")
    done = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.startswith("True "), done.stdout
    assert f"嵌套超过 {MAX_DEPTH} 层" in done.stdout or "duplicate" in done.stdout or "重复" in done.stdout


@pytest.mark.parametrize("text", [
    VALID_FILES[f"{PROVINCE_DEPT}/powers.yml"],
    VALID_FILES["regions.yml"],
    VALID_FILES["site.yml"],
])
def test_clean_files_take_the_fast_path(text: str) -> None:
    """The precise (slow) reader is kept for files with problems or suspicious text."""
    parsed = parse(text, "x.yml")
    assert parsed.problems == [] and parsed.tree is None


@pytest.mark.parametrize("text", [
    "a: !tag x\n", "a: &x 1\nb: *x\n", "<<: {}\n", "a: 1\n---\nb: 2\n", "a: yes\n", "a: 12:30\n",
    "? a\n: b\n",
])
def test_suspicious_files_take_the_precise_path(text: str) -> None:
    assert parse(text, "x.yml").tree is not None


_YAMLISH = st.text(alphabet=st.sampled_from(list("ab01:-[]{},&*!|>#'\"\t \n\u3000\u200b\ufeff%@?<")), max_size=80)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.one_of(_YAMLISH.map(str.encode), st.binary(max_size=60)))
def test_any_bytes_give_problems_never_exceptions(raw: bytes) -> None:
    for relpath in ("site.yml", f"{PROVINCE_DEPT}/powers.yml"):
        result = read_file(raw, relpath)
        for problem in result.problems:
            assert problem.code in CATALOGUE
            assert problem.line is not None and problem.line >= 1, problem
            assert problem.message
        assert result.record is None or not any(p.severity == "error" for p in result.problems)


def test_site_name_with_html_characters_is_rejected_with_the_allowed_form() -> None:
    """Themes print the site name both escaped and raw, so it may not hold < > & " '."""
    from qingdan.load import read_file

    result = read_file('name: 示例省<script>alert(1)</script>\n'.encode(), "site.yml")
    assert result.record is None
    [problem] = result.problems
    assert (problem.code, problem.line, problem.column, problem.path) == ("invalid-value", 1, 7, "name")
    assert "不符合规定的格式" in problem.message and "< > &" in problem.hint
