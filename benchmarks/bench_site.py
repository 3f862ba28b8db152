"""Benchmark: building the public site of N synthetic items with ``mkdocs build --strict``.

    python benchmarks/bench_site.py --items 10000
    python benchmarks/bench_site.py --items 10000 100000 --baseline

For each size: writes a synthetic lists/ (qingdan.samples.synth.write_dataset), the
repository's mkdocs.yml and content/ into a work folder, and times a real
``mkdocs build --strict`` in a subprocess. Peak memory is the largest sum over
the whole process tree (the build forks a child for the search index and the
downloads), sampled every second from /proc: PSS (shared pages counted once) and
RSS. ``--stages`` also times the stages in this process (load, search,
downloads, page bodies); ``--baseline`` builds the same number of plain
Markdown pages with the same theme, for pages per second against plain MkDocs.

Targets (2 cores): 10,000 items under 60 s; 100,000 under 8 minutes and 4 GB.
Results go to benchmarks/out/site.json and are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "benchmarks" / "out"


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                parents[int(entry.name)] = int(fields[1])
            except (OSError, IndexError, ValueError):
                continue
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += [child for child, parent in parents.items() if parent == current]
    return found


_TICK = os.sysconf("SC_CLK_TCK")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICK


def _memory_kb(pid: int) -> tuple[int, int]:
    """(PSS, RSS) in kB of one process; zeros if it is gone."""
    pss = rss = 0
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                pss = int(line.split()[1])
            elif line.startswith("Rss:"):
                rss = int(line.split()[1])
    except OSError:
        pass
    return pss, rss


class TreeMemory:
    """Samples the memory and CPU time of a process and its descendants until stopped."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_pss = self.peak_rss = 0
        self.cpu: dict[int, float] = {}  # last CPU seconds seen, by process
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            pss = rss = 0
            for pid in _descendants(self.pid):
                p, r = _memory_kb(pid)
                pss, rss = pss + p, rss + r
                self.cpu[pid] = max(self.cpu.get(pid, 0.0), _cpu_seconds(pid))
            self.peak_pss, self.peak_rss = max(self.peak_pss, pss), max(self.peak_rss, rss)
            self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def timed_build(root: Path, config: Path) -> dict:
    """Run ``mkdocs build --strict`` in ``root``; time, peak memory, pages written."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-f", str(config)],
                            cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = TreeMemory(proc.pid)
    output, _ = proc.communicate()
    seconds = time.perf_counter() - start
    memory.stop()
    if proc.returncode != 0:
        raise SystemExit(f"mkdocs build failed:\n{output[-4000:]}")
    site = root / "site"
    pages = sum(1 for _ in site.rglob("*.html"))
    size = sum(p.stat().st_size for p in site.rglob("*") if p.is_file())
    # CPU of the builder itself and of its other processes (the background child):
    # on a busy machine wall time includes waiting for a core, CPU time does not.
    main_cpu = memory.cpu.get(proc.pid, 0.0)
    other_cpu = sum(v for pid, v in memory.cpu.items() if pid != proc.pid)
    return {"seconds": round(seconds, 1), "pages": pages, "pages_per_s": round(pages / seconds, 1),
            "cpu_main_s": round(main_cpu, 1), "cpu_children_s": round(other_cpu, 1),
            "peak_pss_mb": memory.peak_pss // 1024, "peak_rss_mb": memory.peak_rss // 1024,
            "site_mb": round(size / 1e6, 1)}


def site_build(work: Path, items: int) -> dict:
    """The qingdan site of ``items`` synthetic items."""
    from qingdan.samples.synth import write_dataset

    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    write_dataset(work, items, seed=0)
    shutil.copytree(REPO / "content", work / "content")
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return timed_build(work, path)


def baseline_build(work: Path, pages: int) -> dict:
    """Plain MkDocs (same theme, no plugin) over ``pages`` small static Markdown pages."""
    if work.exists():
        shutil.rmtree(work)
    docs = work / "docs"
    (docs / "p").mkdir(parents=True)
    (docs / "index.md").write_text("# 首页\n", encoding="utf-8")
    for n in range(pages - 2):  # + index and 404
        folder = docs / "p" / f"{n:06d}"
        folder.mkdir()
        (folder / "index.md").write_text(
            f"# 事项 {n}\n\n| 字段 | 内容 |\n|---|---|\n| 事项编码 | {n:06d} |\n| 事项名称 | 食品生产许可 |\n"
            f"| 权力类型 | 行政许可 |\n\n依据《中华人民共和国食品安全法》第三十五条。\n", encoding="utf-8")
    config = {"site_name": "baseline", "theme": {"name": "material", "language": "zh", "font": False},
              "plugins": [], "markdown_extensions": ["tables"], "nav": ["index.md"],
              "not_in_nav": "/p/"}
    path = work / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return timed_build(work, path)


def stages(lists: Path) -> dict:
    """Seconds of each stage, run one after the other in this process."""
    from qingdan import export, search
    from qingdan.dataset import load_dataset
    from qingdan.render import Renderer, plan_site

    out: dict[str, float] = {}
    start = time.perf_counter()
    data = load_dataset(lists)
    out["load_validate"] = time.perf_counter() - start
    for name, stage in (("search_index", search.build), ("downloads", export.downloads)):
        start = time.perf_counter()
        stage(data)
        out[name] = time.perf_counter() - start
    start = time.perf_counter()
    site = plan_site(data)
    renderer = Renderer(site)
    for page in site.pages.values():
        renderer.html(page)
    out["page_bodies"] = time.perf_counter() - start
    return {k: round(v, 1) for k, v in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--items", type=int, nargs="+", default=[10_000])
    parser.add_argument("--baseline", action="store_true", help="also build plain Markdown pages")
    parser.add_argument("--stages", action="store_true", help="also time each stage in this process")
    parser.add_argument("--work", type=Path, default=OUT / "site-work", help="work folder (replaced)")
    args = parser.parse_args()
    results = []
    for items in args.items:
        work = args.work / str(items)
        row: dict = {"items": items, "qingdan": site_build(work, items)}
        print(f"{items} items: {row['qingdan']}", flush=True)
        if args.stages:
            row["stages"] = stages(work / "lists")
            print(f"  stages: {row['stages']}", flush=True)
        if args.baseline:
            row["baseline"] = baseline_build(args.work / f"baseline-{items}", row["qingdan"]["pages"])
            shutil.rmtree(args.work / f"baseline-{items}", ignore_errors=True)
            row["ratio"] = round(row["qingdan"]["pages_per_s"] / row["baseline"]["pages_per_s"], 2)
            print(f"  baseline: {row['baseline']}", flush=True)
        shutil.rmtree(work, ignore_errors=True)
        results.append(row)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(),
               "load_average": os.getloadavg()}
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "site.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2), encoding="utf-8")
    print("\n| items | pages | seconds | pages/s | CPU s (builder + child) | peak PSS MB | peak RSS MB "
          "| plain MkDocs pages/s | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for row in results:
        q, b = row["qingdan"], row.get("baseline", {})
        print(f"| {row['items']} | {q['pages']} | {q['seconds']} | {q['pages_per_s']} "
              f"| {q['cpu_main_s']} + {q['cpu_children_s']} | {q['peak_pss_mb']} | {q['peak_rss_mb']} "
              f"| {b.get('pages_per_s', '—')} | {row.get('ratio', '—')} |")
    print(f"\nmachine: {machine}")


if __name__ == "__main__":
    main()
