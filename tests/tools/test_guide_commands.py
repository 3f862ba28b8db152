"""Every command in the staff guide's ```bash blocks runs, in order, in a temporary repository.

The guide cannot drift from the tool: a renamed command or option (exit status 2, a usage
error), a traceback or a failing git step fails this test. A qingdan command may exit 1 — that
is the tool reporting problems, as the guide says it will (a fresh template is not filled in).

The repository is a clone of a bare "origin" holding the project's site and sample data; the
guide's clone address points there (git's url.<base>.insteadOf), so clone, pull and push are
real. Between the guide's steps the test does what the reader does by hand: it edits a file
before `git add`, and has an exported workbook at hand where the guide imports one.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from qingdan.cli import main

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "content" / "guide"
CLONE_URL = "https://git.example.gov.cn/qingdan/qingdan.git"
BLOCK = re.compile(r"^```bash\n(.*?)^```", re.MULTILINE | re.DOTALL)
# Commands the test does not run, and why; it still checks that qingdan knows their options.
NOT_RUN = {
    "python3 -m pip install -e .": "installing needs the network; the test runs in that installation",
    "qingdan serve --live": "a server that runs until stopped: tests/site/test_serve.py and the browser test",
}
PAGES = sorted(p.name for p in GUIDE.glob("*.md") if BLOCK.search(p.read_text(encoding="utf-8")))


def commands(page: str) -> list[str]:
    """The command lines of a page's ```bash blocks, comments removed."""
    text = (GUIDE / page).read_text(encoding="utf-8")
    lines = [line for block in BLOCK.findall(text) for line in block.splitlines()]
    return [re.sub(r"\s+#.*$", "", line).strip() for line in lines if line.strip() and not line.startswith("#")]


@pytest.fixture
def world(tmp_path: Path) -> dict:
    """A bare origin with the project, git configured to find it at the guide's address, an identity."""
    source = tmp_path / "source"
    source.mkdir()
    for name in ("mkdocs.yml", "pyproject.toml"):
        shutil.copy2(ROOT / name, source / name)
    for folder in ("content", "lists", "scripts/schemas"):
        shutil.copytree(ROOT / folder, source / folder, ignore=shutil.ignore_patterns(".*"))
    config = tmp_path / "gitconfig"
    origin = tmp_path / "origin.git"
    env = {**os.environ, "GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "法制科", "GIT_AUTHOR_EMAIL": "fzk@example.gov.cn",
           "GIT_COMMITTER_NAME": "法制科", "GIT_COMMITTER_EMAIL": "fzk@example.gov.cn",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
           "QINGDAN_CACHE_DIR": str(tmp_path / "cache")}
    config.write_text(f'[url "{origin}"]\n\tinsteadOf = {CLONE_URL}\n[init]\n\tdefaultBranch = main\n'
                      "[commit]\n\tgpgsign = false\n[core]\n\thooksPath = /dev/null\n", encoding="utf-8")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "清单"]):
        subprocess.run(["git", *args], cwd=source, env=env, check=True, capture_output=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(source), str(origin)], env=env, check=True,
                   capture_output=True)
    return {"env": env, "home": tmp_path / "home"}


def test_the_guide_has_commands_to_run() -> None:
    assert "local.md" in PAGES and len(PAGES) >= 4
    assert "qingdan check" in commands("local.md") and f"git clone {CLONE_URL}" in commands("local.md")


@pytest.mark.parametrize("page", PAGES)
def test_every_command_of_the_guide_page_runs(page: str, world: dict) -> None:
    env, cwd = world["env"], world["home"]
    cwd.mkdir()
    if page != "local.md":  # the other pages start inside a clone, on a branch of one's own
        _run(f"git clone -q {CLONE_URL} qingdan", cwd, env)
        cwd = cwd / "qingdan"
        _run("git switch -q -c guide-test", cwd, env)
    ran = 0
    for line in commands(page):
        if line.startswith("cd "):
            cwd = (cwd / line[3:].strip()).resolve()
            continue
        if line in NOT_RUN:
            if line.startswith("qingdan "):
                _parse(shlex.split(line)[1:])  # a usage error would raise here
            continue
        _reader_does_by_hand(line, cwd, env)
        done = _run(line, cwd, env, check=False)
        allowed = (0, 1) if line.startswith("qingdan ") else (0,)
        assert done.returncode in allowed, f"{page}: `{line}` exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        assert "Traceback" not in done.stderr, f"{page}: `{line}`:\n{done.stderr}"
        ran += 1
    assert ran, f"{page}: no command ran"


def test_a_command_the_tool_does_not_know_is_caught() -> None:
    _parse(["serve", "--live"])
    with pytest.raises(click.UsageError):
        _parse(["serve", "--living"])
    with pytest.raises(click.UsageError):
        _parse(["served"])


def _parse(args: list[str]) -> None:
    """Parse a qingdan command line as the command would, without running it."""
    with main.make_context("qingdan", list(args), resilient_parsing=False) as ctx:
        command = main.get_command(ctx, args[0])
        if command is None:
            raise click.UsageError(f"no such command: {args[0]}")
        command.make_context(args[0], list(args[1:]), parent=ctx)


def _run(line: str, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(["bash", "-c", line], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert done.returncode == 0, f"`{line}`:\n{done.stderr}"
    return done


def _reader_does_by_hand(line: str, cwd: Path, env: dict) -> None:
    """What the guide asks the reader to do between commands."""
    if line.startswith("git add"):
        # "用编辑器打开文件，填写……": one real edit, so there is something to commit.
        powers = cwd / "lists" / "520000-scjgj" / "powers.yml"
        text = powers.read_text(encoding="utf-8")
        powers.write_text(text.replace('name: ""', "name: 按指南新增的事项", 1) if 'name: ""' in text
                          else text + "# 按审核意见修改\n", encoding="utf-8")
    for word in shlex.split(line):
        target = cwd / word
        if word.endswith(".xlsx") and not target.exists():
            # The reader's own workbook: an export of the department, as the guide describes.
            shutil.copy2(_exported(cwd, env), target)
        elif word.endswith("/") and not target.exists() and line.startswith("qingdan import"):
            # The reader's folder of workbooks (migrate-excel.md): one department's export in it.
            target.mkdir(parents=True)
            shutil.copy2(_exported(cwd, env), target / "520000-scjgj-权力清单.xlsx")
        elif word.endswith(".csv") and not target.exists() and "--mapping" in line:
            # The reader's mapping of files to departments, in the format the guide shows.
            target.write_text("文件,部门标识,部门名称,行政区划\n520000-scjgj-*.xlsx,520000-scjgj,示例省市场监督管理局,520000\n",
                              encoding="utf-8")


def _exported(cwd: Path, env: dict) -> Path:
    """The department's power list exported with `qingdan export` (once per clone)."""
    book = cwd / ".export" / "520000-scjgj" / "powers.xlsx"
    if not book.exists():
        _run(f"qingdan export --department 520000-scjgj --output {shlex.quote(str(cwd / '.export'))}", cwd, env)
    return book
