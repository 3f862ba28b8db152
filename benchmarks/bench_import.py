"""Benchmark: a province's worth of workbooks imported in one run, against openpyxl only reading them.

Usage::

    python benchmarks/bench_import.py                      # 200 workbooks, 20,000 rows (several minutes)
    python benchmarks/bench_import.py --books 20 --items 10  # quick

The workbooks are the county transport bureaus' layout of the tests (tests/tools/workbooks.py:
a merged title row, 主项 cells merged over three 子项 rows on every other item, no 子项编码 or
行使层级 column, two laws per cell by short title, one of them not in the national catalogue).
Each bureau is a new department, created from the mapping table.

Steps, each a fresh process read with os.wait4 (wall, CPU = user + system, peak RSS):

- ``qingdan import FOLDER --kind power --mapping … --create-departments --report …`` (first run);
- the same command again (nothing changes);
- baseline: openpyxl ``load_workbook`` of every file of the folder in one process (read only, no mapping,
  no checks), as the importer loads them.

The Markdown table is printed and written to benchmarks/out/import.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "tools")]

from tree_support import write_tree  # noqa: E402  (the tests' tree: site, sources, two departments)
from workbooks import province_folder, province_regions  # noqa: E402

OUT = REPO / "benchmarks" / "out" / "import.md"
QINGDAN = [sys.executable, "-c", "from qingdan.cli import run; run()"]
LOAD_ALL = """
import sys, openpyxl
from pathlib import Path
for path in sorted(Path(sys.argv[1]).glob("*.xlsx")):
    openpyxl.load_workbook(path)
"""


@dataclass
class Run:
    """One measured process."""

    wall: float
    cpu: float
    peak_mb: float
    status: int


def measure(cmd: list[str], cwd: Path) -> Run:
    """Wall time, CPU time and peak RSS of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--books", type=int, default=200, help="workbooks (one department each)")
    parser.add_argument("--items", type=int, default=50, help="主项 per workbook (rows = 2 × items)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-import-") as tmp:
        work = Path(tmp)
        lists = write_tree(work, {"regions.yml": province_regions(args.books)})
        started = time.perf_counter()
        mapping = province_folder(work / "books", args.books, args.items)
        made = time.perf_counter() - started
        rows = args.books * args.items * 2
        command = [*QINGDAN, "import", str(work / "books"), "--kind", "power", "--lists", str(lists),
                   "--mapping", str(mapping), "--create-departments", "--report", str(work / "report")]
        first = measure(command, work)
        again = measure(command, work)
        baseline = measure([sys.executable, "-c", LOAD_ALL, str(work / "books")], work)
        written = len(list(lists.glob("*-jtysj/powers.yml")))
        size = sum(p.stat().st_size for p in (work / "books").glob("*.xlsx")) / 1e6
    lines = [
        f"{args.books} workbooks, {rows:,} rows ({size:.1f} MB of .xlsx; made in {made:.0f} s), "
        f"{written} department files written; load {os.getloadavg()[0]:.1f}, "
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| step | wall s | CPU s | peak MB | exit | ratio (CPU) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, run in (("`qingdan import` (first run, creates departments, report)", first),
                      ("`qingdan import` again (nothing changes)", again),
                      ("baseline: openpyxl `load_workbook` of every file", baseline)):
        lines.append(f"| {name} | {run.wall:.1f} | {run.cpu:.1f} | {run.peak_mb:.0f} | {run.status} | "
                     f"{run.cpu / baseline.cpu:.2f} |")
    text = "\n".join(lines) + "\n"
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
