"""Benchmark: ``qingdan render --out`` full build vs rebuild after one item's name changes.

    python benchmarks/bench_incremental.py --items 10000
    python benchmarks/bench_incremental.py --items 10000 --check   # also compare with a clean build
    python benchmarks/bench_incremental.py --items 100000 --shards 4  # 4 shards, then the merge step
    python benchmarks/bench_incremental.py --items 10000 --git    # lists/ in git: the edit is a commit
    python benchmarks/bench_incremental.py --items 10000 --git --repeat 7   # the rebuild 7 times, median

For each size: writes a synthetic lists/ (qingdan.samples.synth.write_dataset),
runs ``qingdan render lists --out site`` into an empty folder (the full build),
renames one item in its powers.yml, and runs the same command again over the
previous output (the incremental rebuild). Both runs are real subprocesses;
wall and CPU seconds (the process tree, as in bench_site.py), peak memory and the
build's own report of files rewritten are recorded. Each build has its own
build store (``--store``) in the work folder, so the full build starts cold. The ratio is rebuild / full, in
the same run. ``--check`` builds the edited data into an empty folder too and
asserts the rebuilt folder is byte-identical to it. ``--repeat N`` runs the rebuild
N times, each over a fresh copy of the full build's output folder and store
(modification times kept, as the writer reads them), and reports the median:
one rebuild is 2 s at 10,000 items, where the machine's noise is 0.2 s. ``--git`` puts the work folder
under git (one commit holding the data) and commits the rename, as a merge
does on a real site: the history then gains a commit, the renamed item a page
for its earlier version, and 数据更新至 a new day.

Target (issue 14): the rebuild at most 10% of the full build at 10,000 items.
Results go to benchmarks/out/incremental.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_site import TreeMemory  # noqa: E402  (the same process-tree sampling)

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"


def timed_render(lists: Path, *args: str | Path) -> dict:
    """Run ``qingdan render lists ARGS``; wall and CPU seconds, peak memory, and its last line."""
    # As installed software runs: imported modules keep their bytecode (some sandboxes set
    # PYTHONDONTWRITEBYTECODE, and compiling the package again is 0.2 s of every run).
    env = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", "from qingdan.cli import run; run()", "render", str(lists),
                             *map(str, args)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    memory = TreeMemory(proc.pid)
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    memory.stop()
    if proc.returncode != 0:
        raise SystemExit(f"qingdan render failed:\n{output[-4000:]}")
    return {"seconds": round(seconds, 1), "cpu_s": round(sum(memory.cpu.values()), 1),
            "peak_rss_mb": memory.peak_rss // 1024, "report": output.strip().splitlines()[-1]}


# A power item and its name in a file of qingdan synth: the base code is the code's middle (GG00064 in
# 990000-GG00064000), shared by the same item in every region ("the same item, the same standard").
_ITEM = re.compile(r'^  - code: "?\d{6}-([A-Z]{2}\d{5})\d{3}"?\n    name: (?P<name>.*)$', re.M)


def rename_one_item(lists: Path, nth: int = 0, alone: bool = False) -> str:
    """Change the name of the first item of the first department with items (or of the ``nth`` one after
    it, counting round); return its file. ``alone``: the first item whose base code no other item has
    (renaming one of a group the validator holds to one name would be an error, and build nothing)."""
    files = sorted(lists.glob("*/powers.yml"))
    shared = Counter(m.group(1) for f in files for m in _ITEM.finditer(f.read_text(encoding="utf-8"))) if alone else None
    start = nth % len(files) if files else 0
    for powers in files[start:] + files[:start]:
        text = powers.read_text(encoding="utf-8")
        if shared is None:
            match = re.search(r"^  - code: .*\n    name: (?P<name>.*)$", text, re.M)
        else:
            match = next((m for m in _ITEM.finditer(text) if shared[m.group(1)] == 1), None)
        if match:
            start_at, end = match.span("name")
            powers.write_text(text[:start_at] + match.group("name") + "（改名）" + text[end:], encoding="utf-8")
            return powers.relative_to(lists).as_posix()
    raise SystemExit("no item to rename")


def commit(work: Path, message: str, day: str) -> None:
    """Commit everything in ``work`` on ``day`` (as author and committer: 数据更新至 follows it)."""
    who = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.gov.cn", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.gov.cn", "GIT_AUTHOR_DATE": day, "GIT_COMMITTER_DATE": day}
    if not (work / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(work)], check=True)
    subprocess.run(["git", "-C", str(work), "add", "-A", "lists"], check=True)
    subprocess.run(["git", "-C", str(work), "commit", "-q", "-m", message], check=True, env={**os.environ, **who})


def same_tree(a: Path, b: Path) -> bool:
    files = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    if files != {p.relative_to(b) for p in b.rglob("*") if p.is_file()}:
        return False
    return all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def sharded(work: Path, lists: Path, count: int) -> dict:
    """Build ``count`` shards one after another (as separate jobs would), then merge; compare with the single build."""
    stores = [work / f"shard-{n}" for n in range(count)]
    shards = []
    for n, shard_store in enumerate(stores):
        shards.append(timed_render(lists, "--shard", f"{n}/{count}", "--store", shard_store))
        print(f"  shard {n}/{count}: {shards[-1]}", flush=True)
    merge_args = [arg for shard_store in stores for arg in ("--shard-store", shard_store)]
    merge = timed_render(lists, "--out", work / "merged", "--store", work / "merge-store", *merge_args)
    print(f"  merge: {merge}", flush=True)
    identical = same_tree(work / "merged", work / "site")
    print(f"  merged identical to the single build: {identical}", flush=True)
    if not identical:
        raise SystemExit("the merged site differs from the single build")
    return {"count": count, "shards": shards, "merge": merge, "identical": identical,
            "shard_max_s": max(s["seconds"] for s in shards), "shard_max_rss_mb": max(s["peak_rss_mb"] for s in shards)}


def run(work: Path, items: int, check: bool, shards: int = 0, in_git: bool = False, repeat: int = 1) -> dict:
    from qingdan.samples.synth import write_dataset

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    write_dataset(work, items, seed=0)
    lists, site, store = work / "lists", work / "site", work / "store"
    if in_git:
        commit(work, "清单数据", "2026-11-02T10:00:00+08:00")
    full = timed_render(lists, "--out", site, "--store", store)
    print(f"{items} items, full build: {full}", flush=True)
    if shards:
        row = {"items": items, "full": full, "sharded": sharded(work, lists, shards)}
        shutil.rmtree(work, ignore_errors=True)
        return row
    edited = rename_one_item(lists)
    if in_git:
        commit(work, f"修改 {edited} 中一个事项的名称", "2026-11-03T10:00:00+08:00")
    if repeat > 1:  # the full build's output and store, to rebuild from again
        shutil.copytree(site, work / "site-full", symlinks=True)
        shutil.copytree(store, work / "store-full", symlinks=True)
    runs = []
    for n in range(repeat):
        if n:
            for folder in (site, store):
                shutil.rmtree(folder)
                shutil.copytree(work / f"{folder.name}-full", folder, symlinks=True)
        runs.append(timed_render(lists, "--out", site, "--store", store))
        print(f"  rebuild after renaming an item in {edited}: {runs[-1]}", flush=True)
    rebuild = sorted(runs, key=lambda r: r["seconds"])[(len(runs) - 1) // 2]  # the median (the lower one)
    if repeat > 1:
        rebuild = {**rebuild, "runs_s": [r["seconds"] for r in runs]}
        print(f"  rebuilds: {rebuild['runs_s']} s, median {rebuild['seconds']} s", flush=True)
    row = {"items": items, "git": in_git, "full": full, "rebuild": rebuild,
           "ratio_wall": round(rebuild["seconds"] / full["seconds"], 3),
           "ratio_cpu": round(rebuild["cpu_s"] / full["cpu_s"], 3) if full["cpu_s"] else None}
    if check:
        timed_render(lists, "--out", work / "clean", "--store", work / "clean-store")
        row["identical"] = same_tree(site, work / "clean")
        print(f"  identical to a clean build: {row['identical']}", flush=True)
        if not row["identical"]:
            raise SystemExit("the rebuilt site differs from a clean build")
    shutil.rmtree(work, ignore_errors=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000])
    parser.add_argument("--check", action="store_true", help="also compare the rebuild with a clean build")
    parser.add_argument("--work", type=Path, default=OUT / "incremental-work", help="work folder (replaced)")
    parser.add_argument("--git", action="store_true", help="the data in git, the rename committed (as a merge)")
    parser.add_argument("--repeat", type=int, default=1, help="run the rebuild N times from copies; report the median")
    parser.add_argument("--shards", type=int, default=0,
                        help="instead of the rebuild: build N shards one after another and merge them")
    args = parser.parse_args()
    results = [run(args.work / str(items), items, args.check, args.shards, args.git, args.repeat)
               for items in args.items]
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load_average": os.getloadavg()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "incremental.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2,
                                                     ensure_ascii=False), encoding="utf-8")
    if args.shards:
        print("\n| items | single build s (CPU s, peak MB) | shards: slowest s, peak MB | merge s (CPU s, peak MB) |")
        print("|---:|---:|---:|---:|")
        for row in results:
            f, sh = row["full"], row["sharded"]
            m = sh["merge"]
            print(f"| {row['items']} | {f['seconds']} ({f['cpu_s']}, {f['peak_rss_mb']}) | {sh['shard_max_s']}, "
                  f"{sh['shard_max_rss_mb']} | {m['seconds']} ({m['cpu_s']}, {m['peak_rss_mb']}) |")
        print(f"\nmachine: {machine}")
        return
    print("\n| items | full build s (CPU s) | rebuild s (CPU s) | ratio wall | ratio CPU | rebuild report |")
    print("|---:|---:|---:|---:|---:|---|")
    for row in results:
        f, r = row["full"], row["rebuild"]
        print(f"| {row['items']} | {f['seconds']} ({f['cpu_s']}) | {r['seconds']} ({r['cpu_s']}) "
              f"| {row['ratio_wall']} | {row['ratio_cpu']} | {r['report']} |")
    print(f"\nmachine: {machine}")


if __name__ == "__main__":
    main()
