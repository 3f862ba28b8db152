"""Benchmark: the site's downloads (``export.iter_downloads``) cold, and warm from the build store.

    python benchmarks/bench_downloads.py --items 10000
    python benchmarks/bench_downloads.py --items 10000 --shards 4 --check

For each size: writes a synthetic lists/ (qingdan.samples.synth.write_dataset),
loads it, and times in this process, with every file's bytes consumed:

- ``plain``: iter_downloads without a store (every file made);
- ``cold``: the same into an empty store (made, and kept);
- ``same``: again over that store, nothing changed (``made`` must be 0);
- ``warm``: after one item's name changes (bench_incremental.rename_one_item),
  over the same store: only that department's slices and files are made;
- with ``--shards N``: each of N shards of departments into its own store
  (``site_wide=False, package=False``), then the merge step (Store.absorb of
  every shard's store, and iter_downloads over the union).

The ratio is warm / plain, in the same run. ``--check`` asserts the warm and
merged builds give the bytes of a build without store.

Target (issue 14): the warm rebuild after a one-item name change at most 1 s
at 10,000 items. Results go to benchmarks/out/downloads.json and are printed
as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_incremental import rename_one_item  # noqa: E402  (the same edit as the render benchmark)

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"


CPU: dict[int, float] = {}  # id of the files dict -> CPU seconds it took (the machine is shared: wall varies)


def timed(make: Callable[[], Iterable[tuple[str, bytes]]]) -> tuple[float, dict[str, bytes], int]:
    """Wall seconds to consume every file ``make()`` yields, the files, and their total size."""
    start, cpu = time.perf_counter(), time.process_time()
    files = dict(make())
    CPU[id(files)] = round(time.process_time() - cpu, 2)
    return round(time.perf_counter() - start, 2), files, sum(len(raw) for raw in files.values())


def run(work: Path, items: int, shards: int, check: bool) -> dict:
    from qingdan.dataset import load_dataset
    from qingdan.export import iter_downloads
    from qingdan.samples.synth import write_dataset
    from qingdan.store import Store

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    write_dataset(work, items, seed=0)
    lists, folder = work / "lists", work / "store"
    data = load_dataset(lists)
    result: dict = {"items": items, "departments": len(data.departments)}
    plain, files, size = timed(lambda: iter_downloads(data))
    result |= {"plain_s": plain, "plain_cpu_s": CPU[id(files)], "files": len(files), "mb": round(size / 1e6, 1)}
    store = Store(folder)
    result["cold_s"], _, _ = timed(lambda: iter_downloads(data, store=store))
    result["cold_made"] = store.made_count
    store = Store(folder)
    result["same_s"], _, _ = timed(lambda: iter_downloads(data, store=store))
    result["same_made"] = store.made_count
    result["edited"] = rename_one_item(lists)
    data = load_dataset(lists)
    store = Store(folder)
    result["warm_s"], warm, _ = timed(lambda: iter_downloads(data, store=store))
    result["warm_cpu_s"] = CPU[id(warm)]
    result["warm_made"] = store.made_count
    result["ratio"] = round(result["warm_s"] / plain, 3)
    expected = dict(iter_downloads(data)) if check else None
    if check:
        assert warm == expected, "the warm build differs from a build without store"
    if shards:
        depts = sorted(data.departments)
        times = []
        for n in range(shards):
            shard = Store(work / f"shard{n}")
            seconds, _, _ = timed(lambda: iter_downloads(data, departments=depts[n::shards], site_wide=False,
                                                         package=False, store=shard))
            times.append(seconds)
        start = time.perf_counter()
        merged = Store(work / "merged")
        for n in range(shards):
            merged.absorb(work / f"shard{n}")
        _, joined, _ = timed(lambda: iter_downloads(data, store=merged))
        result |= {"shard_s": times, "merge_s": round(time.perf_counter() - start, 2),
                   "merge_made": merged.made_count}
        if check:
            assert joined == expected, "the merged build differs from a build without store"
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    parser.add_argument("--shards", type=int, default=0)
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--work", type=Path, default=REPO / ".qingdan-cache" / "bench-downloads")
    args = parser.parse_args()
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "load": os.getloadavg(), "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    results = [run(args.work / str(n), n, args.shards, args.check) for n in args.items]
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "downloads.json").write_text(json.dumps({"machine": machine, "results": results}, indent=1) + "\n")
    print(f"load average {machine['load'][0]:.2f} {machine['load'][1]:.2f} {machine['load'][2]:.2f}, {machine['date']}")
    print("| items | files (MB) | no store (CPU) | cold store | same data (made) | after one name change: wall, CPU (made) "
          "| ratio |"
          + (" shards | merge (made) |" if args.shards else ""))
    print("|---|---|---|---|---|---|---|" + ("---|---|" if args.shards else ""))
    for r in results:
        line = (f"| {r['items']:,} | {r['files']} ({r['mb']}) | {r['plain_s']} s ({r['plain_cpu_s']} s) | {r['cold_s']} s "
                f"| {r['same_s']} s ({r['same_made']}) | {r['warm_s']} s, {r['warm_cpu_s']} s ({r['warm_made']}) "
                f"| {r['ratio']} |")
        if args.shards:
            line += f" {' / '.join(f'{s} s' for s in r['shard_s'])} | {r['merge_s']} s ({r['merge_made']}) |"
        print(line)


if __name__ == "__main__":
    main()
