"""The command line as a whole: every command is registered lazily and documented."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

from click.testing import CliRunner

from qingdan.cli import COMMAND_MODULES, main

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_module_registers_exactly_its_mapped_commands() -> None:
    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(f"qingdan.cli.{module}")
    assert set(main.commands) == set(COMMAND_MODULES)
    for name, command in main.commands.items():
        assert command.callback.__module__ == f"qingdan.cli.{COMMAND_MODULES[name]}", name


def test_every_command_is_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [name for name in COMMAND_MODULES if not re.search(rf"`qingdan {re.escape(name)}\b", readme)]
    assert missing == []


def test_help_lists_every_command_with_a_chinese_summary() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for name in COMMAND_MODULES:
        line = next(line for line in result.output.splitlines() if line.strip().startswith(name + " "))
        assert re.search(r"[\u4e00-\u9fff]", line), line


def test_unknown_command_is_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["valdate"])
    assert result.exit_code == 2
    assert "validate" in result.output  # click suggests the close match


def test_the_console_command_keeps_exit_status_and_all_output(tmp_path: Path) -> None:
    """``qingdan`` (cli.run) ends the process without tearing down the heap: the status is the
    command's own (0, 1 for data with errors, 2 for a usage error) and every line reaches a pipe."""
    import shutil
    import subprocess
    import sys

    command = [sys.executable, "-c", "from qingdan.cli import run; run()"]
    ok = subprocess.run([*command, "codes"], capture_output=True, text=True)
    assert ok.returncode == 0 and ok.stdout.count("\n") > 20 and ok.stdout.endswith("\n")
    lists = tmp_path / "lists"
    shutil.copytree(ROOT / "lists", lists)
    broken = next(lists.glob("*/powers.yml"))
    broken.write_text("items: [\n", encoding="utf-8")
    bad = subprocess.run([*command, "validate", str(lists)], capture_output=True, text=True)
    assert bad.returncode == 1 and broken.parent.name in bad.stdout + bad.stderr
    usage = subprocess.run([*command, "valdate"], capture_output=True, text=True)
    assert usage.returncode == 2 and "valdate" in usage.stderr
