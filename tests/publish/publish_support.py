"""Helpers shared by the publish tests (imported by name: tests/publish is on sys.path)."""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from pathlib import Path

GIT_IDENTITY = ["-c", "user.name=测试员", "-c", "user.email=tester@example.gov.cn",
                "-c", "commit.gpgsign=false", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main"]

# The time manifests are built at, so outputs are reproducible.
BUILT_AT = dt.datetime(2025, 6, 1, 8, 0, tzinfo=dt.timezone.utc)

SITE_FILES = {
    "index.html": "<!doctype html><title>示例省清单</title><h1>权力清单</h1>\n",
    "assets/site.css": "body { font-family: sans-serif; }\n",
    "powers/520000-XK00001000/index.html": "<h1>食品经营许可</h1>\n",
    "downloads/powers.csv": "事项编码,事项名称\n520000-XK00001000,食品经营许可\n",
    "downloads/powers.json": '[{"code": "520000-XK00001000"}]\n',
}

GitRunner = Callable[..., str]


def run_git(repo: Path, *args: str) -> str:
    """Run git in ``repo`` with the test identity; return stdout."""
    done = subprocess.run(["git", *GIT_IDENTITY, "-C", str(repo), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


def write_site(folder: Path, files: dict[str, str] = SITE_FILES) -> Path:
    """A small built site: pages, an asset and downloads."""
    for relpath, text in files.items():
        path = folder / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return folder
