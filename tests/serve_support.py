"""`qingdan serve --live` on a small project, for the tests of the preview and of stopping it.

The project is the small valid tree of tree_support with a one-page site around it, so a
rebuild takes about a second; the server is the real command, in its own process.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tree_support import write_tree

MKDOCS_YML = """\
site_name: 预览测试
docs_dir: content
use_directory_urls: true
theme:
  name: material
  language: zh
plugins:
  - qingdan:
      lists_dir: lists
"""
START_TIMEOUT = 90


@dataclass
class Served:
    """A running `qingdan serve --live`: its process, address and what it printed on stderr."""

    process: subprocess.Popen
    url: str
    stderr: Path

    def log(self) -> str:
        return self.stderr.read_text(encoding="utf-8", errors="replace")

    def children(self) -> list[int]:
        """The processes it started (mkdocs serve)."""
        pid = self.process.pid
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        return [int(p) for p in found]


def live_project(root: Path) -> Path:
    """mkdocs.yml, one content page and the valid lists/ tree under ``root``."""
    write_tree(root, {})
    (root / "content").mkdir()
    (root / "content" / "about.md").write_text("# 关于\n\n预览测试。\n", encoding="utf-8")  # index.md is generated
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def is_gone(pid: int) -> bool:
    """True when the process has ended (a zombie waiting for its parent counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in status


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    """True once the server answers at all (while the data has errors, / is "not found")."""
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError):
        return False


@contextmanager
def serving(project: Path) -> Iterator[Served]:
    """`qingdan serve --live` in ``project``, answering; stopped (and its child with it) afterwards."""
    port = free_port()
    stderr = project / "serve.stderr"
    with stderr.open("wb") as err:
        process = subprocess.Popen(
            [sys.executable, "-c", "from qingdan.cli import main; main()", "serve", "--live", "--port", str(port)],
            cwd=project, stdout=subprocess.DEVNULL, stderr=err, stdin=subprocess.DEVNULL)
    served = Served(process, f"http://127.0.0.1:{port}/", stderr)
    try:
        wait_for(lambda: _answers(served.url) or process.poll() is not None, START_TIMEOUT, "qingdan serve")
        assert process.poll() is None, served.log()
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
