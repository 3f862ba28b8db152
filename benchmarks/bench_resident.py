"""Experiment: ``render --out`` rebuilds by a process that stays up between merges, against the full build.

    python benchmarks/bench_resident.py --items 10000
    python benchmarks/bench_resident.py --items 10000 --builds 6 --check

Not a command qingdan ships: the question is how far a rebuild in a process
that keeps what it loaded (the preview server's way: ``validate.Memo`` for the
records, ``plan_site(earlier=...)``, the page keys of the build before) gets
below the full build, against ``bench_incremental.py``'s rebuild in a new
process. The work folder is made as ``bench_incremental.py --git`` makes it
(synthetic data in git, a full build by a real ``qingdan render`` process, one
item renamed in a second commit); then one process checks out the first commit
and builds over the full build's folder (nothing to change: it warms up), and
then builds again after each move between the two commits (``git checkout``,
as a merge moves a publishing checkout). Each rebuild's seconds and its
phases are printed; the ratio is the median rebuild over the full build, in
the same run. ``--check`` compares the last folder (at the second commit) with
a clean build of it, byte for byte.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_incremental import OUT, commit, rename_one_item, same_tree, timed_render  # noqa: E402

MARKER = (".qingdan-render", "由 qingdan render 生成；再次运行时文件夹会被新的输出替换。\n")  # as cli/render.py writes it


class Resident:
    """One process's builds of ``lists`` into ``out``, keeping what each build loaded for the next."""

    def __init__(self, lists: Path, out: Path, store: Path) -> None:
        from qingdan.validate import Memo

        self.lists, self.out, self.store_dir = lists, out, store
        self.memo = Memo()
        self.site = None
        self.keys: dict = {}

    def build(self) -> dict:
        from qingdan.dataset import load_dataset
        from qingdan.render.background import Contributions
        from qingdan.render.extras import linked_paths
        from qingdan.render.history import history_for
        from qingdan.render.incremental import SiteWriter, read_manifest
        from qingdan.render.keys import PageKeys
        from qingdan.render.site import Renderer, plan_site
        from qingdan.store import store_for
        from qingdan.validate import default_cache_dir

        marks: dict[str, float] = {}
        start = time.perf_counter()

        def mark(name: str) -> None:
            marks[name] = round(time.perf_counter() - start, 2)

        dataset = load_dataset(self.lists, memo=self.memo, cache_dir=default_cache_dir(self.lists))
        if not dataset.ok:
            raise SystemExit("the data has errors")
        mark("loaded")
        history = history_for(self.lists)
        store = store_for(self.lists, self.store_dir)
        writer = SiteWriter(self.out, read_manifest(self.out))
        writer.start()
        mark("history and manifest")
        linked = linked_paths(dataset, history)
        background = Contributions(dataset, self.out, history, None, store, writer)
        try:
            site = plan_site(dataset, history, contributed=lambda: linked, earlier=self.site)
            background.planned(site.pages)
            mark("planned")
            keys = PageKeys(site.pages, site.lookup, history, lambda: linked, None, store, self.keys)
            renderer = Renderer(site, None)
            renderer.keep_fragments(store, keys)
            writer.write((path, renderer.keyed(store, keys.of(page), page)) for path, page in site.pages.items())
            writer.write(site.assets.items())
            mark("pages")
            background.paths()
            mark("background")
        finally:
            background.cancel()
        writer.write([MARKER])
        writer.finish()
        mark("finished")
        self.site, self.keys = site, keys.made or {}
        return {"seconds": marks["finished"], "marks": marks, "written": len(writer.written),
                "deleted": len(writer.deleted())}


def checkout(work: Path, rev: str) -> None:
    subprocess.run(["git", "-C", str(work), "checkout", "-q", rev], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--builds", type=int, default=4, help="rebuilds after the warm-up, alternating commits")
    parser.add_argument("--check", action="store_true", help="compare the last folder with a clean build")
    parser.add_argument("--work", type=Path, default=OUT / "resident-work", help="work folder (replaced)")
    args = parser.parse_args()
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
    edited = rename_one_item(lists)
    commit(work, f"修改 {edited} 中一个事项的名称", "2026-11-03T10:00:00+08:00")
    # As installed software runs (see bench_incremental.timed_render): modules keep their bytecode.
    sys.dont_write_bytecode = False
    gc.disable()  # as `render --out` builds (validate.gc_paused); collected between builds
    resident = Resident(lists, site, store)
    checkout(work, "main~1")
    print(f"  warm-up at the first commit: {resident.build()}", flush=True)
    gc.collect()
    runs = []
    for n in range(args.builds):
        checkout(work, "main" if n % 2 == 0 else "main~1")
        runs.append(resident.build())
        gc.collect()
        print(f"  rebuild {n + 1} ({'renamed' if n % 2 == 0 else 'back'}): {runs[-1]}", flush=True)
    if args.builds % 2 == 0:  # end at the second commit
        checkout(work, "main")
        runs.append(resident.build())
        print(f"  rebuild at the second commit: {runs[-1]}", flush=True)
    seconds = sorted(r["seconds"] for r in runs)
    median = seconds[(len(seconds) - 1) // 2]
    print(f"\nrebuilds: {[r['seconds'] for r in runs]} s, median {median} s; full build {full['seconds']} s; "
          f"ratio {median / full['seconds']:.3f}")
    if args.check:
        timed_render(lists, "--out", work / "clean", "--store", work / "clean-store")
        identical = same_tree(site, work / "clean")
        print(f"last folder identical to a clean build: {identical}")
        if not identical:
            raise SystemExit("the resident rebuild differs from a clean build")
    print(f"machine: {{'cpus': {os.cpu_count()}, 'python': '{platform.python_version()}', "
          f"'load_average': {os.getloadavg()}}}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
