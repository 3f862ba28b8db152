"""Programs the test extras install: found beside this Python, where the README's way of running puts them.

``bash scripts/dev.sh test`` runs ``.venv/bin/python -m pytest`` without the
virtualenv's bin/ on PATH, so ``shutil.which`` alone misses them and a test
that skipped on that would never run in CI. A missing program fails the test.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest


def tool(name: str) -> str:
    """The path of ``name`` (next to this Python, or on PATH); the test fails without it."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.fail(f"{name} 未安装：请运行 pip install -e '.[test]'（或 bash scripts/dev.sh test）")
    return found
