"""Benchmark: how soon `qingdan serve --live` shows an edit, against the same server rebuilding everything.

    python benchmarks/bench_live.py --items 10000

Writes a synthetic lists/ (qingdan.samples.synth) with a one-page site around
it, starts the real `qingdan serve --live` (MkDocs' server with the qingdan
plugin, ``--dirty``: only pages whose input keys changed are written), waits
for the first build, renames one item, and polls the item's page over HTTP
until the new name is there: the wall time from the write to the new page is
what a member of staff waits. The baseline is the same edit on `mkdocs serve`
without ``--dirty`` (every page written again), in the same run. Each is
measured ``--edits`` times (a new name each time), each edit made once the
server has settled (the build before has finished its search index and
downloads in the background); the median is reported.

Target (issue 14): an edit visible within 2 s at 10,000 items.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
sys.path.insert(0, str(REPO / "tests"))
from serve_support import MKDOCS_YML  # noqa: E402  (the preview tests' one-page site)
START_TIMEOUT = 900
DONE = "搜索索引和下载文件已写出"  # the plugin's line when a build's background work is done


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.read().decode("utf-8", errors="replace")
    except (urllib.error.URLError, OSError):
        return None


def wait_for(url: str, text: str, timeout: float) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        page = fetch(url)
        if page is not None and text in page:
            return time.perf_counter() - start
        time.sleep(0.05)
    raise SystemExit(f"{url} did not show {text!r} within {timeout} s")


def settle(log: Path, builds: int, timeout: float = 600) -> None:
    """Wait until ``builds`` builds have finished their background work (search index, downloads):
    each edit starts from a settled server, as when a member of staff edits, looks, then edits again."""
    start = time.perf_counter()
    while log.read_text(encoding="utf-8", errors="replace").count(DONE) < builds:
        if time.perf_counter() - start > timeout:
            raise SystemExit(f"the server did not settle within {timeout} s; see {log}")
        time.sleep(0.2)
    time.sleep(1.5)  # the server notices changes by polling


def first_item(lists: Path) -> tuple[Path, str, str]:
    for powers in sorted(lists.glob("*/powers.yml")):
        match = re.search(r'^  - code: "?([^"\n]+)"?\n    name: (.*)$', powers.read_text(encoding="utf-8"), re.M)
        if match:
            return powers, match.group(1), match.group(2)
    raise SystemExit("no item")


def measure(project: Path, dirty: bool, edits: int) -> list[float]:
    port = free_port()
    if dirty:
        command = [sys.executable, "-c", "from qingdan.cli import run; run()", "serve", "--live",
                   "--port", str(port)]
    else:
        command = [sys.executable, "-m", "mkdocs", "serve", "-a", f"127.0.0.1:{port}"]
    env = {**os.environ, "QINGDAN_LIVE_ERRORS": "1", "NO_MKDOCS_2_WARNING": "1"}
    log = open(project / f"serve-{'dirty' if dirty else 'full'}.log", "w")
    proc = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        powers, code, name = first_item(project / "lists")
        url = f"http://127.0.0.1:{port}/items/{code}/"
        wait_for(url, name, START_TIMEOUT)
        times = []
        text = powers.read_text(encoding="utf-8")
        for n in range(edits):
            new = f"{name}（第{n}次{'预览' if dirty else '完整'}改名）"
            settle(project / f"serve-{'dirty' if dirty else 'full'}.log", n + 1)
            start = time.perf_counter()
            powers.write_text(text.replace(f"    name: {name}\n", f"    name: {new}\n", 1), encoding="utf-8")
            wait_for(url, new, 600)
            times.append(round(time.perf_counter() - start, 2))
            print(f"  {'live (--dirty)' if dirty else 'full rebuild'} edit {n}: {times[-1]} s", flush=True)
        powers.write_text(text, encoding="utf-8")
        return times
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(30)
        log.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--edits", type=int, default=3)
    parser.add_argument("--work", type=Path, default=OUT / "live-work")
    args = parser.parse_args()
    from qingdan.samples.synth import write_dataset

    if args.work.exists():
        shutil.rmtree(args.work)
    args.work.mkdir(parents=True)
    write_dataset(args.work, args.items)
    (args.work / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    (args.work / "content").mkdir()
    (args.work / "content" / "about.md").write_text("# 关于\n\n预览。\n", encoding="utf-8")
    load_before = os.getloadavg()
    live = measure(args.work, True, args.edits)
    full = measure(args.work, False, args.edits)
    result = {"items": args.items, "live_s": live, "full_s": full,
              "live_median_s": round(statistics.median(live), 2), "full_median_s": round(statistics.median(full), 2),
              "ratio": round(statistics.median(live) / statistics.median(full), 3),
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "load_average_before": load_before, "load_average_after": os.getloadavg()}}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "live.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print("\n| items | edit visible, serve --live (median s) | same edit, mkdocs serve rebuilding all (median s) | ratio |")
    print("|---:|---:|---:|---:|")
    print(f"| {args.items} | {result['live_median_s']} | {result['full_median_s']} | {result['ratio']} |")
    print(f"\nmachine: {result['machine']}")
    shutil.rmtree(args.work, ignore_errors=True)


if __name__ == "__main__":
    main()
