"""Benchmark: ``qingdan render --out --watch`` (a process that stays up) against the full build.

    python benchmarks/bench_resident.py --items 10000
    python benchmarks/bench_resident.py --items 10000 --builds 6 --check

The work folder is made as ``bench_incremental.py --git`` makes it (synthetic
data in git, a full build by a real ``qingdan render`` process). Then one
commit per rebuild is made ahead, each renaming one item of the next
department (one whose base code no other department's item has: the
validator holds such a group to one name), as a merge would, on the next
day. The checkout goes back to the first commit and ``qingdan render --out
--watch`` starts over the full build's folder (nothing to change). The checkout is then moved one commit forward
(``git checkout``, as a merge moves a publishing checkout) ``--builds`` times,
each once the process waits again. Every rebuild meets data no build has seen,
so the build store holds none of its changed pages: going back and forth
between two commits would find them all in the store from the time before and
measure less than a merge costs.

Recorded per rebuild: the build's own seconds as the process reports them
(``用时``), and the seconds from the checkout to the site updated (its
``已更新`` line: what a reader of the site waits for, the polling included).
The ratios are their medians over the full build, in the same run. ``--check``
compares the last folder with a clean build of the commit it was built from,
byte for byte.

What the process keeps from one build to the next: each file's record
(``validate.Memo``), the site it planned, its page keys and the manifest it
wrote (``render.site.Kept``).
"""

from __future__ import annotations

import argparse
import os
import platform
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_incremental import OUT, commit, rename_one_item, same_tree, timed_render  # noqa: E402

INTERVAL = 0.1


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)


def waited(lines: queue.Queue, timeout: float = 600) -> tuple[float | None, float | None, str]:
    """The build's own seconds (its 用时 line), when the site was updated (its 已更新 line, by
    ``time.perf_counter``) and all it said, once it waits again."""
    said, seconds, updated = [], None, None
    deadline = time.monotonic() + timeout
    while True:
        line = lines.get(timeout=max(deadline - time.monotonic(), 0.1))
        said.append(line)
        if "已更新" in line:
            updated = time.perf_counter()
        if match := re.search(r"用时 ([0-9.]+) 秒", line):
            seconds = float(match.group(1))
        if "正在等待" in line:
            return seconds, updated, "".join(said)


def _started_again(lines: queue.Queue) -> bool:
    """The process says something within a few polling intervals of waiting: it is building again."""
    try:
        line = lines.get(timeout=5 * INTERVAL)
    except queue.Empty:
        return False
    with lines.mutex:
        lines.queue.appendleft(line)  # for waited()
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--builds", type=int, default=4, help="rebuilds, one merge each (at most 28)")
    parser.add_argument("--check", action="store_true", help="compare the last folder with a clean build")
    parser.add_argument("--work", type=Path, default=OUT / "resident-work", help="work folder (replaced)")
    args = parser.parse_args()
    if not 1 <= args.builds <= 28:
        parser.error("--builds: 1 to 28 (one merge a day in November)")
    from qingdan.samples.synth import write_dataset

    work = args.work
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    write_dataset(work, args.items, seed=0)
    lists, site, store = work / "lists", work / "site", work / "store"
    commit(work, "清单数据", "2026-11-02T10:00:00+08:00")
    full = timed_render(lists, "--out", site, "--store", store)
    print(f"{args.items} items, full build (a new process): {full}", flush=True)
    for n in range(args.builds):  # one merge per rebuild, each on its own day
        edited = rename_one_item(lists, nth=n, alone=True)
        commit(work, f"修改 {edited} 中一个事项的名称", f"2026-11-{n + 3:02d}T10:00:00+08:00")
    subprocess.run(["git", "-C", str(work), "checkout", "-q", f"main~{args.builds}"], check=True)
    # As installed software runs (see bench_incremental.timed_render): modules keep their bytecode.
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    proc = subprocess.Popen([sys.executable, "-c", "from qingdan.cli import run; run()", "render", str(lists),
                             "--out", str(site), "--store", str(store), "--watch", "--interval", str(INTERVAL)],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        seconds, _updated, said = waited(lines)
        print(f"  first build of the process (over the full build, at the first commit): {seconds} s", flush=True)
        runs = []
        for n in range(args.builds):
            rev = f"main~{args.builds - n - 1}"
            start = time.perf_counter()
            subprocess.run(["git", "-C", str(work), "checkout", "-q", rev], check=True)
            seconds, updated, said = waited(lines)
            count = 1
            # A checkout seen half-done (files moved, refs not yet) gives a second build: both count.
            while _started_again(lines):
                more, updated, said_more = waited(lines)
                seconds, said, count = (seconds or 0) + (more or 0), said + said_more, count + 1
            report = next((line for line in said.splitlines()[::-1] if "已更新" in line), said.strip())
            runs.append({"build_s": seconds, "checkout_to_site_s": round(updated - start, 2) if updated else None,
                         "builds": count, "report": report})
            print(f"  rebuild {n + 1} ({rev}): {runs[-1]}", flush=True)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    failed = [n + 1 for n, r in enumerate(runs) if r["build_s"] is None]
    if failed:
        raise SystemExit(f"rebuilds {failed} built nothing (their reports above say why)")
    builds = sorted(r["build_s"] for r in runs)
    median = builds[(len(builds) - 1) // 2]
    seen = sorted(r["checkout_to_site_s"] for r in runs)[(len(runs) - 1) // 2]
    print(f"\nrebuilds: {[r['build_s'] for r in runs]} s (median {median} s); from the checkout to the site "
          f"updated: {[r['checkout_to_site_s'] for r in runs]} s (median {seen} s); full build {full['seconds']} s; "
          f"ratio {median / full['seconds']:.3f} (build), {seen / full['seconds']:.3f} (checkout to site)")
    if args.check:
        timed_render(lists, "--out", work / "clean", "--store", work / "clean-store")
        identical = same_tree(site, work / "clean")
        print(f"last folder identical to a clean build: {identical}")
        if not identical:
            raise SystemExit("the watched folder differs from a clean build")
    print(f"machine: {{'cpus': {os.cpu_count()}, 'python': '{platform.python_version()}', "
          f"'load_average': {os.getloadavg()}}}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
