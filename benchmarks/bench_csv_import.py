"""Benchmark: CSV import at 10,000, 40,000 and 100,000 rows, against Python's csv module.

Usage::

    python benchmarks/bench_csv_import.py                 # 10,000 / 40,000 / 100,000 rows
    python benchmarks/bench_csv_import.py --rows 2000 8000

Each step runs in a fresh process and is read with os.wait4 (wall time, CPU
time of user + system, peak memory). Steps, for each size:

- qingdan: ``qingdan.excel.importer.import_file`` of a power-list CSV for one
  department of the sample data: reading, finding the header, every cell read
  and checked, every record validated (the sample's lists/ loaded first, a
  constant of about a second);
- baseline: ``list(csv.reader(...))`` of the same file (reading only).

Before the fix the importer was quadratic (the sheet's width was recomputed
for every row): 10,000 rows took 12 s and 40,000 rows 84 s. The ratio of
CPU time to the baseline must stay flat as the rows grow.

The Markdown table is printed and written to benchmarks/out/csv-import.md.
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
OUT = REPO / "benchmarks" / "out" / "csv-import.md"
DEPARTMENT = "520000-scjgj"
HEADER = "事项编码,事项名称,权力类型,行使层级,设定依据\n"
IMPORT = f"""
import sys
from pathlib import Path
from qingdan.excel.importer import import_file
workbook = import_file(Path(sys.argv[1]), "power", {DEPARTMENT!r}, Path({str(REPO / "lists")!r}))
assert len(workbook.part({DEPARTMENT!r}).sections["items"]) == int(sys.argv[2]), workbook.errors[:3]
assert not workbook.errors, workbook.errors[:3]
"""
BASELINE = """
import csv, sys
with open(sys.argv[1], newline="", encoding="utf-8") as handle:
    rows = list(csv.reader(handle))
assert len(rows) == int(sys.argv[2]) + 1
"""


@dataclass
class Run:
    wall: float
    cpu: float
    peak_mb: float


def measure(cmd: list[str]) -> Run:
    """Wall and CPU time and peak memory of one process; it must succeed."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:3])}")
    return Run(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def write_csv(path: Path, rows: int) -> None:
    """A power list of ``rows`` distinct items, each citing one registered law."""
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for i in range(rows):
            out.write(f"520000-XK{i:05d}000,事项{i},行政许可,省,《中华人民共和国行政许可法》第十二条\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 40_000, 100_000])
    args = parser.parse_args()
    lines = [f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
             f"load average {os.getloadavg()[0]:.1f} at start.", "",
             "| rows | qingdan import wall s | CPU s | peak MB | csv.reader CPU s | CPU ratio | qingdan CPU µs/row |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    with tempfile.TemporaryDirectory(prefix="qingdan-bench-csv-") as tmp:
        for rows in args.rows:
            path = Path(tmp) / f"powers-{rows}.csv"
            write_csv(path, rows)
            ours = measure([sys.executable, "-c", IMPORT, str(path), str(rows)])
            base = measure([sys.executable, "-c", BASELINE, str(path), str(rows)])
            lines.append(f"| {rows:,} | {ours.wall:.2f} | {ours.cpu:.2f} | {ours.peak_mb:.0f} | {base.cpu:.2f} | "
                         f"{ours.cpu / base.cpu:.1f} | {ours.cpu / rows * 1e6:.0f} |")
            print(lines[-1], flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
