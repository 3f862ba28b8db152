"""Runs the browser's query engine (search.js) under node, for tests and benchmarks (import ``node_runner``).

The ranking exists once, in JavaScript; Python never re-implements it. These
helpers write a built index to a folder and ask node-query.js what the browser
would show and download.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import qingdan
from qingdan.errors import QingdanError

ASSETS = Path(qingdan.__file__).resolve().parent / "assets" / "search"
RUNNER = Path(__file__).resolve().parent / "node-query.js"


def node_binary() -> str:
    """The node executable, or QingdanError when node is not installed."""
    found = shutil.which("node")
    if not found:
        raise QingdanError("找不到 node：运行搜索测试和基准需要 Node.js 18 或更高版本。")
    return found


def write_site(files: Mapping[str, bytes], site_dir: Path) -> Path:
    """Write ``files`` (paths relative to the site root) under ``site_dir``."""
    for relpath, data in files.items():
        target = site_dir / relpath
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return site_dir


def _run(request: Mapping[str, Any], site_dir: Path | None = None) -> Any:
    args = [node_binary(), str(RUNNER), str(ASSETS / "search.js")] + ([str(site_dir)] if site_dir else [])
    done = subprocess.run(args, input=json.dumps(request, ensure_ascii=False), capture_output=True,
                          text=True, encoding="utf-8", check=False)
    if done.returncode:
        raise QingdanError(f"node-query.js 运行失败：{done.stderr.strip()}")
    return json.loads(done.stdout)


def query(site_dir: Path, queries: Sequence[str], limit: int = 10) -> list[dict[str, Any]]:
    """Each query run cold: total, first ``limit`` results, files and bytes fetched."""
    return _run({"queries": list(queries), "limit": limit}, site_dir)


def probe(texts: Sequence[str]) -> list[dict[str, Any]]:
    """How search.js cuts each text: segments, compact form, query tokens and their hashes."""
    return _run({"probe": list(texts)})


def decode(lists: Sequence[str]) -> list[list[int]]:
    """Posting lists as search.js decodes them."""
    return _run({"decode": list(lists)})


def decode_values(values: Sequence[tuple[str, Sequence[int]]]) -> list[list[list[int]]]:
    """Tokens' values (index.py: blocks of several parts), with the parts' first numbers, as
    search.js decodes them: four lists of document numbers each."""
    return _run({"decodeValue": [[value, list(bases)] for value, bases in values]})
