"""Fuzzing the loader and the validator with hostile and broken YAML (see README.md here).

For every generated document: ``read_file`` and ``validate`` (on a small tree
holding the document) never raise, finish in bounded time, return only codes
of the catalogue, and every line/column points inside the file. A document
that truly hangs is caught by a watchdog that saves it and stops the run.

CI runs QINGDAN_FUZZ_EXAMPLES (default 150) examples per test; developers run
more with e.g. ``QINGDAN_FUZZ_EXAMPLES=5000 pytest tests/fuzz``.
"""

from __future__ import annotations

import datetime as dt
import faulthandler
import os
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Self

import pytest
from fuzz_docs import DEPARTMENT, REPO, SAMPLE, documents
from hypothesis import HealthCheck, Phase, given, settings
from qingdan import report as reporters
from qingdan.load import read_file
from qingdan.load.text import MAX_FILE_BYTES
from qingdan.problems import CATALOGUE, Problem
from qingdan.validate import validate

EXAMPLES = int(os.environ.get("QINGDAN_FUZZ_EXAMPLES", "150"))
# Shrinking a failure to its smallest form can take minutes; CI reports the
# failing document as generated, a developer asks for the small one.
SHRINK = os.environ.get("QINGDAN_FUZZ_SHRINK", "") == "1"
# Time allowed per document: linear in its size and in the number of
# problems found. Linear work passes even on a busy 2-core machine (measured
# unloaded: about 0.06 ms per problem for validate, the worst case being a file
# of nothing but broken records); a super-linear blow-up does not.
SECONDS_PER_DOCUMENT = float(os.environ.get("QINGDAN_FUZZ_SECONDS", "2"))
SECONDS_PER_MB = 25.0
SECONDS_PER_PROBLEM = 0.002
# Past this a document is taken to hang: it is saved and the run is stopped.
HANG_SECONDS = 60
TODAY = dt.date(2025, 6, 1)
PREFIX = "lists/"
# The files around the fuzzed one, so that the rules across records run too.
CONTEXT = ("site.yml", "regions.yml", "sources.yml", f"{DEPARTMENT}/department.yml")

FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,  # time is asserted per document below, on the call itself
    print_blob=True,
    # CI (CI=true) runs the same examples every time, so a submission's verdict does not hang on
    # luck; a developer's run explores new ones (and a long run finds what CI's cannot).
    derandomize=os.environ.get("CI") == "true",
    phases=tuple(Phase) if SHRINK else tuple(p for p in Phase if p is not Phase.shrink),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def artifacts_dir() -> Path:
    """Where test output worth keeping goes (QINGDAN_ARTIFACTS, or test-artifacts/ in the repository)."""
    path = Path(os.environ.get("QINGDAN_ARTIFACTS") or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


class Watchdog:
    """Stops the process if one document runs for HANG_SECONDS, saving the document first.

    A hang inside a C or Rust parser cannot be interrupted from Python, and a
    test run that never ends tells nobody anything.
    """

    def __init__(self, limit: float) -> None:
        self.limit = limit
        self._current: tuple[str, bytes, float] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, name="fuzz-watchdog", daemon=True)
        self._thread.start()

    @contextmanager
    def guard(self, relpath: str, raw: bytes) -> Iterator[None]:
        self._current = (relpath, raw, time.monotonic())
        try:
            yield
        finally:
            self._current = None

    def close(self) -> None:
        self._stop.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._stop.wait(0.5):
            current = self._current
            if current is not None and time.monotonic() - current[2] > self.limit:
                relpath, raw, _start = current
                saved = artifacts_dir() / ("fuzz-hang-" + relpath.replace("/", "_"))
                saved.write_bytes(raw)
                sys.stderr.write(f"\n模糊测试：读取 {relpath} 超过 {self.limit:.0f} 秒，输入已保存到 {saved}\n")
                faulthandler.dump_traceback(all_threads=True)
                os._exit(70)


@pytest.fixture(scope="module")
def watchdog() -> Iterator[Watchdog]:
    dog = Watchdog(HANG_SECONDS)
    yield dog
    dog.close()


class Timed:
    """Measures one call; ``check(problems)`` asserts it stayed within the linear bound."""

    def __init__(self, what: str, relpath: str, raw: bytes) -> None:
        self.what, self.relpath, self.raw = what, relpath, raw
        self.took = 0.0

    def __enter__(self) -> Self:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.took = time.perf_counter() - self._start

    def check(self, problems: int) -> None:
        size = len(self.raw)
        limit = SECONDS_PER_DOCUMENT + SECONDS_PER_MB * size / 1e6 + SECONDS_PER_PROBLEM * problems
        assert self.took <= limit, (f"{self.what} took {self.took:.2f} s on {self.relpath} "
                                    f"({size:,} bytes, {problems:,} problems), limit {limit:.1f} s")


def line_lengths(raw: bytes) -> list[int]:
    """Length of each line as an editor counts it (characters; bytes if the file is not UTF-8).

    Lines end at \\n only: that is how editors, git and GitHub annotations number them.
    """
    try:
        return [len(line) for line in raw.decode("utf-8").split("\n")]
    except UnicodeDecodeError:
        return [len(line) for line in raw.split(b"\n")]


def assert_well_formed(problems: list[Problem], files: dict[str, bytes]) -> None:
    """Every problem has a catalogued code, names a file of the tree and a place inside it."""
    for p in problems:
        where = f"[{p.code}] {p.file}:{p.line}:{p.column} {p.message}"
        assert p.code in CATALOGUE, where
        assert p.file in files, f"{where}: not a file of the tree {sorted(files)}"
        assert p.message and isinstance(p.message, str), where
        lengths = line_lengths(files[p.file])
        if p.line is not None:
            assert 1 <= p.line <= len(lengths), f"{where}: the file has {len(lengths)} lines"
        if p.column is not None:
            assert p.line is not None, f"{where}: a column without a line"
            width = lengths[p.line - 1]
            assert 1 <= p.column <= width + 1, f"{where}: line {p.line} has {width} characters"


def check_read_file(watchdog: Watchdog, relpath: str, raw: bytes) -> None:
    """read_file on one document: bounded time, well-formed problems, no silent data loss."""
    with watchdog.guard(relpath, raw), Timed("read_file", relpath, raw) as timer:
        result = read_file(raw, relpath, PREFIX)
    timer.check(len(result.problems))
    assert_well_formed(result.problems, {PREFIX + relpath: raw})
    errors = [p for p in result.problems if p.severity == "error"]
    # A file that gives no record says why.
    assert result.record is not None or errors or result.kind is None, [p.code for p in result.problems]


@contextmanager
def tree_with(relpath: str, raw: bytes) -> Iterator[Path]:
    """A small lists/ tree from the sample (site, regions, sources, a department) holding the document."""
    with tempfile.TemporaryDirectory(prefix="qingdan-fuzz-") as tmp:
        lists = Path(tmp) / "lists"
        for name in CONTEXT:
            (lists / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(SAMPLE / name, lists / name)
        (lists / relpath).parent.mkdir(parents=True, exist_ok=True)
        (lists / relpath).write_bytes(raw)
        yield lists


def check_validate(watchdog: Watchdog, relpath: str, raw: bytes) -> None:
    """validate on a tree holding the document: the same guarantees, for every file, and the reporters."""
    with tree_with(relpath, raw) as lists:
        with watchdog.guard(relpath, raw), Timed("validate", relpath, raw) as timer:
            report = validate(lists, cache_dir=None, today=TODAY, prefix=PREFIX, workers=1)
        files = {PREFIX + p.relative_to(lists).as_posix(): p.read_bytes() for p in lists.rglob("*.yml")}
    timer.check(len(report.problems))
    assert_well_formed(report.problems, files)
    assert report.files == len(files)
    if any(p.severity == "error" for p in read_file(raw, relpath, PREFIX).problems):
        assert report.exit_code == 1
    # What the command line prints from the same report must not fail either.
    for reporter in (reporters.text, reporters.as_json, reporters.github):
        assert isinstance(reporter(report), str)


@given(documents())
@FUZZ
def test_read_file_never_raises(watchdog: Watchdog, document: tuple[str, bytes]) -> None:
    check_read_file(watchdog, *document)


@given(documents())
@FUZZ
def test_validate_never_raises(watchdog: Watchdog, document: tuple[str, bytes]) -> None:
    check_validate(watchdog, *document)


# Inputs the fuzzer found, checked on every run (see README.md).
FOUND = {
    # A control character after multi-byte text: its place came out as a byte
    # offset read as a character offset (reported at 3:11, it is at 2:5).
    "control-char-after-chinese": (f"{DEPARTMENT}/department.yml", "# 食品食品食品\na: [\x00\n".encode()),
    # An unclosed bracket in a file without a final newline: reported on line 2 of a 1-line file.
    "unclosed-bracket-at-end": ("site.yml", b"{"),
    # Line breaks other than \n: the YAML readers count a lone \r, NEL (U+0085) and
    # U+2028/U+2029 as line breaks; git, GitHub annotations and the loader's own
    # checks (tabs, invisible characters) do not. Problems after them land lines
    # too far down, past the end of the file here.
    "nel-line-break": (f"{DEPARTMENT}/powers.yml", b"\xc2\x85:"),
    "paragraph-separator": ("site.yml", "# 注释\u2029\nname: [\n".encode()),
    "lone-carriage-return": ("site.yml", b"a: 1\rb: [\n"),
}


@pytest.mark.parametrize("name", FOUND)
def test_found_input(watchdog: Watchdog, name: str) -> None:
    check_read_file(watchdog, *FOUND[name])
    check_validate(watchdog, *FOUND[name])


# ---- the size limit ---------------------------------------------------------------


def test_oversized_bytes_are_one_clear_problem() -> None:
    raw = b"name: " + "食".encode() * 400 + b"\n"
    result = read_file(raw, "site.yml", PREFIX, max_bytes=1024)
    assert [(p.code, p.line, p.column) for p in result.problems] == [("file-too-large", 1, 1)]
    problem = result.problems[0]
    assert problem.file == "lists/site.yml"
    assert problem.message == "文件大小 1.2 KB，超过上限 1.0 KB"
    assert "拆分" in problem.hint
    assert result.record is None


def test_file_at_the_limit_is_read() -> None:
    text = "name: 示例省清单公开平台\nsample: true\n"
    raw = text.encode() + b"#" * 64 + b"\n"
    result = read_file(raw, "site.yml", PREFIX, max_bytes=len(raw))
    assert "file-too-large" not in [p.code for p in result.problems]


def _bytes_read() -> int:
    """Bytes this process has read through system calls so far (Linux)."""
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("rchar:"):
            return int(line.split()[1])
    raise AssertionError("/proc/self/io has no rchar")


@pytest.mark.skipif(not Path("/proc/self/io").exists(), reason="needs Linux /proc/self/io")
def test_oversized_file_is_reported_without_reading_it(tmp_path: Path) -> None:
    """A file above MAX_FILE_BYTES is one clear problem, and is not read into memory first.

    The file is sparse (no disk used). Were it 20 GB, reading it to find out
    that it is too large would exhaust the memory of the CI runner.
    """
    with tree_with(f"{DEPARTMENT}/powers.yml", b"") as lists:
        big = lists / DEPARTMENT / "powers.yml"
        with big.open("wb") as handle:
            handle.truncate(MAX_FILE_BYTES + 1)
        before = _bytes_read()
        report = validate(lists, cache_dir=tmp_path / "cache", today=TODAY, prefix=PREFIX, workers=1)
        read = _bytes_read() - before
    mine = [p for p in report.problems if p.file == f"lists/{DEPARTMENT}/powers.yml"]
    assert [(p.code, p.line, p.column) for p in mine] == [("file-too-large", 1, 1)]
    assert "超过上限" in mine[0].message
    assert read < MAX_FILE_BYTES // 2, f"validate read {read:,} bytes to reject a file of {MAX_FILE_BYTES + 1:,}"
