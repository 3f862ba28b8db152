"""Benchmark: history extraction on a synthetic repository, cold and after one new merge.

Usage::

    python benchmarks/bench_history.py                  # 100,000 items, 10,000 steps (build ~5 min once)
    python benchmarks/bench_history.py --quick          # 2,000 items, 300 steps (under a minute)
    python benchmarks/bench_history.py --items 20000 --steps 2000

The repository (built once with ``git fast-import`` and kept in
benchmarks/out/history-repo-<items>-<steps>/) starts with one commit importing
``qingdan.samples.synth.write_dataset(items)``; then every step on the first-parent
line of ``main`` is a pull request — one branch commit merged with
``--no-ff`` and ``Reviewed-by:``/``Reviewed-on:`` trailers — that renames
items, adds a legal basis, adds items, repeals one, transfers one between two
departments of a region, or edits a regulation or the negative list. So
``--steps 10000`` makes 10,000 steps on the main line and about 20,000 commits.

Measured, each in a fresh process (os.wait4: wall, CPU of the process and its
git children, peak memory):

- cold: ``load_history`` with an empty cache;
- rebuild: one more pull request merged, then ``load_history`` again;
- floor: what git alone costs for the same reading (the ``git log`` pass and
  ``git cat-file --batch`` of every blob history reads, with the same delta
  base cache, output thrown away);
- naive: the loader's ``read_file`` on every new version of every changed file
  (each distinct file content parsed once, as a simple implementation would),
  timed on the first steps and extrapolated.

The Markdown table is printed and written to benchmarks/out/history.md.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from qingdan.gitrepo import FastImport, Who, git_env, init

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"
START = 1_577_836_800  # 2020-01-01T00:00:00Z
HOUR = 3600


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float
    output: str


def measure(code: str, *args: str) -> Run:
    """Run Python ``code`` in a fresh process; wall, CPU (children included) and peak memory."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", code, *args], stdout=out, stderr=subprocess.STDOUT)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        out.seek(0)
        text = out.read().decode("utf-8", errors="replace")
    if status != 0:
        raise SystemExit(f"failed:\n{text}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, text.strip())


# ---------------------------------------------------------------- the repository


class Lists:
    """The synthetic tree as entries per file; each pull request logs the edits it makes.

    The log lets the repository be written one file at a time: all versions of
    a file in a row, so ``git fast-import`` stores each version as a small
    delta of the one before (as a repacked repository would).
    """

    def __init__(self, items: int) -> None:
        from qingdan.history.chunks import split
        from qingdan.samples.synth import render

        self.files = {path: text.encode() for path, text in render(items, 0)}
        self.cuts = {p: split(raw) for p, raw in self.files.items() if p.endswith("powers.yml")}
        self.powers = sorted(self.cuts)
        self.by_region: dict[str, list[str]] = {}
        for path in self.powers:
            self.by_region.setdefault(path[:6], []).append(path)
        self.serial = 0
        self.log: dict[str, list[tuple[int, str, int, bytes]]] = {}  # path -> [(step, op, index, text)]

    def _do(self, n: int, path: str, op: str, k: int, text: bytes = b"") -> bytes:
        entries = self.cuts[path].entries
        self.log.setdefault(path, []).append((n, op, k, text))
        return apply(entries, op, k, text)

    def change(self, n: int) -> tuple[str, list[str]]:
        """Make pull request ``n``: (title, changed paths)."""
        kind = n % 20
        path = self.powers[(n * 7919) % len(self.powers)]
        entries = self.cuts[path].entries
        k = (n * 104729) % len(entries)
        if kind < 12:
            self._do(n, path, "set", k, entries[k].replace(b"\n    name: ", f"\n    name: （{n}）".encode(), 1))
            return "调整事项名称", [path]
        if kind < 14:
            self._do(n, path, "set", k, entries[k].replace(
                b"\n    legal_basis:\n",
                "\n    legal_basis:\n      - source: law-0001\n        articles: 第一条\n".encode(), 1))
            return "增加设定依据", [path]
        if kind < 16:
            self.serial += 1
            code = entries[k].split(b'"', 2)[1]
            fresh = path[:6].encode() + b"-XZ%08d" % self.serial  # a code no other item uses
            self._do(n, path, "insert", k, entries[k].replace(code, fresh, 1))
            return "新增事项", [path]
        if kind == 16 and b"status: " not in entries[k]:
            self._do(n, path, "set", k, entries[k].rstrip(b"\n") + "\n    status: 已废止\n    repeal:\n"
                     "      date: 2024-01-01\n      basis: x\n      reason: y\n".encode())
            return "废止事项", [path]
        if kind == 17:
            peers = [p for p in self.by_region[path[:6]] if p != path] or [p for p in self.powers if p != path]
            target = peers[n % len(peers)]
            moved = self._do(n, path, "pop", k)
            self._do(n, target, "append", 0, moved)
            return "事项移交", [path, target]
        for j in range(3):
            i = (k + j * 97) % len(entries)
            self._do(n, path, "set", i, entries[i].replace(b'supervision_phone: "', b'supervision_phone: "9', 1))
        return "更新监督电话", [path]


def apply(entries: list[bytes], op: str, k: int, text: bytes) -> bytes:
    """Apply one logged edit to a file's entries; returns the entry it touched."""
    if op == "set":
        entries[k] = text
    elif op == "insert":
        entries.insert(k, text)
    elif op == "pop":
        return entries.pop(k)
    else:
        entries.append(text)
    return text


def editor(when: int) -> Who:
    return Who("编辑", "editor@example.gov.cn", when)


def reviewer(dept: str, when: int) -> Who:
    return Who(f"fazhi-{dept}", f"fazhi-{dept}@example.gov.cn", when)


def build_repo(target: Path, items: int, steps: int) -> None:
    """The benchmark repository: an import commit, then ``steps`` reviewed merges."""
    from qingdan.history.chunks import split

    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    init(tmp)
    plan = Lists(items)
    titles = {n: plan.change(n) for n in range(1, steps + 1)}
    out = FastImport(tmp)
    first = Lists(items)
    marks: dict[tuple[int, str], int] = {}
    for path, raw in first.files.items():  # every version of one file in a row: small deltas
        marks[(0, path)] = out.blob(raw)
        cut = split(raw)
        for n, group in itertools.groupby(plan.log.get(path, ()), key=lambda e: e[0]):
            for _n, op, k, text in group:
                apply(cut.entries, op, k, text)
            marks[(n, path)] = out.blob(cut.document(cut.entries))
    who = Who("导入", "import@example.gov.cn", START)
    main = out.commit("refs/heads/main", who, who, "初始导入合成数据\n",
                      {f"lists/{p}": marks[(0, p)] for p in first.files})
    for n in range(1, steps + 1):
        title, paths = titles[n]
        main = merge_pull_request(out, n, title, {f"lists/{p}": marks[(n, p)] for p in paths}, main)
    out.close()
    subprocess.run(["git", "-C", str(tmp), "reset", "-q", "--hard", "main"], check=True, env=git_env())
    tmp.rename(target)


def merge_pull_request(out: FastImport, n: int, title: str, files: dict[str, int], main: int | str) -> int:
    """One pull request: a branch commit by an editor, merged by the department's reviewer with trailers."""
    when = START + n * HOUR
    branch = out.commit(f"refs/heads/pr-{n % 4}", editor(when), editor(when), f"{title}（第 {n} 号）\n", files, (main,))
    dept = next(iter(files)).split("/")[1]
    merger = reviewer(dept, when + 600)
    message = (f"Merge pull request '{title}（第 {n} 号）' (#{n}) from pr-{n % 4} into main\n\n"
               f"Reviewed-on: https://git.example.gov.cn/lists/pulls/{n}\n"
               f"Reviewed-by: {merger.name} <{merger.email}>\n")
    return out.commit("refs/heads/main", merger, merger, message, files, (main, branch))


def append_one_merge(repo: Path, items: int, steps: int) -> None:
    """Merge one more pull request on top of main (for the rebuild measurement)."""
    lists = Lists(items)
    for n in range(1, steps + 2):
        title, paths = lists.change(n)
    tip = subprocess.run(["git", "rev-parse", "main"], cwd=repo, capture_output=True, text=True,
                         check=True).stdout.strip()
    out = FastImport(repo)
    files = {f"lists/{p}": out.blob(lists.cuts[p].document(lists.cuts[p].entries)) for p in paths}
    merge_pull_request(out, steps + 1, title, files, tip)
    out.close()
    subprocess.run(["git", "-C", str(repo), "reset", "-q", "--hard", "main"], check=True, env=git_env())


# ---------------------------------------------------------------- measurements

LOAD = """
import resource, sys, time
from qingdan.history import load_history
h = load_history(sys.argv[1], cache_dir=sys.argv[2] if sys.argv[2] != "-" else None)
n = sum(len(s.changes) for s in h.steps)
git = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{len(h.steps)} {n} {time.process_time():.2f} {git.ru_utime + git.ru_stime:.2f}")
"""

FLOOR = """
import subprocess, sys
import git
from qingdan.gitrepo import first_parent_log, tree_size
from qingdan.history.walk import DELTA_CACHE_MAX, DELTA_CACHE_MIN, plan
repo = git.Repo(sys.argv[1])
commits = first_parent_log(repo, repo.head.commit.hexsha)
wanted = "".join(f"{sha}\\n" for sha in plan(commits)).encode()
cache = max(DELTA_CACHE_MIN, min(DELTA_CACHE_MAX, 3 * tree_size(repo, commits[-1].sha)))
subprocess.run(["git", "-C", sys.argv[1], "-c", f"core.deltaBaseCacheLimit={cache}", "cat-file", "--batch"],
               input=wanted, stdout=subprocess.DEVNULL, check=True)
print(len(commits))
"""

NAIVE = """
import sys, time
import git
from qingdan.gitrepo import NULL_SHA, BlobReader, first_parent_log
from qingdan.load import read_file
repo = git.Repo(sys.argv[1])
commits = first_parent_log(repo, repo.head.commit.hexsha)[1:int(sys.argv[2]) + 1]
t = time.perf_counter()
with BlobReader(repo) as blobs:
    for c in commits:
        for ch in c.changes:
            if ch.new_blob != NULL_SHA:
                read_file(blobs.read(ch.new_blob), ch.path)
print(f"{(time.perf_counter() - t) / len(commits):.5f}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--quick", action="store_true", help="2,000 items and 300 steps")
    parser.add_argument("--naive-steps", type=int, default=100, help="steps timed for the naive baseline")
    parser.add_argument("--build-only", action="store_true", help="only build the repository")
    args = parser.parse_args()
    if args.quick:
        args.items, args.steps, args.naive_steps = 2_000, 300, 50
    OUT.mkdir(parents=True, exist_ok=True)
    repo = OUT / f"history-repo-{args.items}-{args.steps}"
    if not repo.exists():
        print(f"building {repo} …", flush=True)
        t = time.perf_counter()
        build_repo(repo, args.items, args.steps)
        print(f"built in {time.perf_counter() - t:.0f} s", flush=True)
    if args.build_only:
        return
    work = Path(tempfile.mkdtemp(prefix="bench-history-"))
    try:
        clone = work / "repo"
        subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(repo), str(clone)], check=True)
        cache = work / "cache"
        cold = measure(LOAD, str(clone), str(cache))
        steps, changes, *_ = cold.output.split()
        append_one_merge(clone, args.items, args.steps)
        warm = measure(LOAD, str(clone), str(cache))
        floor = measure(FLOOR, str(clone))
        naive = measure(NAIVE, str(clone), str(args.naive_steps))
        report(args, int(steps), int(changes), cold, warm, floor, float(naive.output.split()[-1]), repo)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _part(run: Run, index: int) -> str:
    """Python's or git's share of a LOAD run's CPU, as the run printed it."""
    return run.output.split()[index]


def report(args: argparse.Namespace, steps: int, changes: int, cold: Run, warm: Run, floor: Run,
           naive_per_step: float, repo: Path) -> None:
    commits = subprocess.run(["git", "-C", str(repo), "rev-list", "--count", "--all"], capture_output=True,
                             text=True).stdout.strip()
    naive_total = naive_per_step * steps
    lines = [
        f"History extraction: {args.items:,} items, {steps:,} steps on the main line ({commits} commits), "
        f"{changes:,} record changes found",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"git {subprocess.run(['git', '--version'], capture_output=True, text=True).stdout.split()[-1]}",
        "Command: python benchmarks/bench_history.py" + (" --quick" if args.quick else
                                                          f" --items {args.items} --steps {args.steps}"),
        "",
        f"Load average when measured: {os.getloadavg()[0]:.1f} (wall times stretch when other work shares the 2 cores;",
        "CPU times are steadier. Python and git run side by side, one core each.)",
        "",
        "| run | wall s | CPU s (all) | of which Python | of which git | peak MB | steps/s (wall) |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| cold (empty cache) | {cold.wall:.1f} | {cold.cpu:.1f} | {_part(cold, 2)} | {_part(cold, 3)} | "
        f"{cold.peak_mb:.0f} | {steps / cold.wall:,.0f} |",
        f"| rebuild after one new merge | {warm.wall:.2f} | {warm.cpu:.2f} | {_part(warm, 2)} | {_part(warm, 3)} | "
        f"{warm.peak_mb:.0f} | |",
        f"| floor: git log + git cat-file of the same blobs | {floor.wall:.1f} | {floor.cpu:.1f} | | | "
        f"{floor.peak_mb:.0f} | {steps / floor.wall:,.0f} |",
        f"| naive: read_file on every changed file (extrapolated from {args.naive_steps} steps) | "
        f"{naive_total:.0f} | | | | | {1 / naive_per_step:,.1f} |",
        "",
        f"Cold is {cold.wall / floor.wall:.1f}× the git floor (wall) and {naive_total / cold.wall:.0f}× faster than "
        "the naive way.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    (OUT / "history.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
