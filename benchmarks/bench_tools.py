"""Benchmark: qingdan export, import and fmt on a synthetic dataset, against parse-only baselines.

Usage::

    python benchmarks/bench_tools.py              # 10,000 power items (a few minutes)
    python benchmarks/bench_tools.py --items 2000 # quicker

Every step runs in a fresh process, as a user runs it, and is read with
os.wait4: wall time and CPU time (user + system). CPU time is the steadier
figure on a shared machine. Steps:

- ``qingdan export --format xlsx --format csv`` of the whole dataset, and of one department;
  baseline: openpyxl (write-only) writing that department's rows as bare values, no layout;
- ``qingdan import`` of that department's XLSX against its unchanged YAML (``--force --dry-run``);
  baseline: openpyxl reading the same workbook (load only, no mapping or checks);
- ``qingdan fmt`` once (the synthetic files are not in canonical form), then ``qingdan fmt --check``
  cold (``--no-cache``) and warm (cache filled, nothing changed);
  baseline: PyYAML's libyaml ``CSafeLoader`` reading every file (parse only).

The Markdown table is printed and written to benchmarks/out/tools.md.
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
OUT = REPO / "benchmarks" / "out" / "tools.md"
QINGDAN = [sys.executable, "-c", "from qingdan.cli import run; run()"]
PARSE_ALL = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""
LOAD_WORKBOOK = "import sys, openpyxl; openpyxl.load_workbook(sys.argv[1])"
WRITE_ROWS = """
import csv, sys, openpyxl
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
book = openpyxl.Workbook(write_only=True)
sheet = book.create_sheet("rows")
for row in rows:
    sheet.append(row)
book.save(sys.argv[2])
"""


@dataclass
class Run:
    """One measured process."""

    wall: float
    cpu: float
    status: int


def measure(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """Wall and CPU time of one process (children included)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    return Run(wall, usage.ru_utime + usage.ru_stime, os.waitstatus_to_exitcode(status))


def largest_department(lists: Path) -> str:
    return max(lists.glob("*/powers.yml"), key=lambda p: p.stat().st_size).parent.name


def run(items: int, work: Path) -> list[tuple[str, Run, str]]:
    """Every step on one synthetic dataset; (what, run, note)."""
    subprocess.run([*QINGDAN, "synth", "--items", str(items), "--out", str(work)], check=True,
                   stdout=subprocess.DEVNULL)
    lists = work / "lists"
    dept = largest_department(lists)
    files = sorted(str(p) for p in lists.rglob("*.yml"))
    env = {**os.environ, "QINGDAN_CACHE_DIR": str(work / "cache")}
    rows = [("导出全部（xlsx + csv）", measure([*QINGDAN, "export", "-o", "out", "--format", "xlsx", "--format", "csv"],
                                              work), "")]
    one = measure([*QINGDAN, "export", "-o", "one", "--department", dept, "--format", "xlsx"], work)
    measure([*QINGDAN, "export", "-o", "one-csv", "--department", dept, "--format", "csv"], work)
    written = measure([sys.executable, "-c", WRITE_ROWS, str(work / "one-csv" / dept / "powers.csv"),
                       str(work / "bare.xlsx")], work)
    rows.append((f"导出一个部门（{dept}，xlsx）", one, f"{one.cpu / written.cpu:.1f} × 基线"))
    rows.append(("基线：openpyxl 只写模式写入同样的行（无格式）", written, ""))
    workbook = work / "one" / dept / "powers.xlsx"
    items_in_dept = sum(1 for line in (lists / dept / "powers.yml").read_text(encoding="utf-8").splitlines()
                        if line.startswith("  - code:"))
    imported = measure([*QINGDAN, "import", str(workbook), "--kind", "power", "--department", dept,
                        "--force", "--dry-run"], work)
    baseline = measure([sys.executable, "-c", LOAD_WORKBOOK, str(workbook)], work)
    rows.append((f"导入该部门的 xlsx（{items_in_dept} 项，--force --dry-run）", imported,
                 f"{imported.cpu / baseline.cpu:.1f} × 基线"))
    rows.append(("基线：openpyxl 读取同一工作簿", baseline, ""))
    # qingdan synth writes its own layout: bring it to the canonical form first.
    rows.append(("fmt 整理合成数据（写入）", measure([*QINGDAN, "fmt", "--no-cache", "lists"], work, env), ""))
    cold = measure([*QINGDAN, "fmt", "--check", "--no-cache", "lists"], work, env)
    parse = measure([sys.executable, "-c", PARSE_ALL, *files], work)
    rows.append((f"fmt --check 冷（{len(files)} 个文件）", cold, f"{cold.cpu / parse.cpu:.1f} × 基线"))
    measure([*QINGDAN, "fmt", "--check", "lists"], work, env)  # fills the cache
    warm = measure([*QINGDAN, "fmt", "--check", "lists"], work, env)
    rows.append(("fmt --check 热（缓存已满，无改动）", warm, f"冷的 {warm.cpu / cold.cpu:.0%}"))
    rows.append(("基线：PyYAML CSafeLoader 读取全部文件", parse, ""))
    return rows


def table(rows: list[tuple[str, Run, str]], items: int) -> str:
    head = [f"合成数据：{items} 个权力事项；机器：{platform.machine()}，{os.cpu_count()} 核，"
            f"开始时负载 {os.getloadavg()[0]:.2f}；Python {platform.python_version()}", "",
            "| 步骤 | 墙钟（秒） | CPU（秒） | 比较 | 退出码 |", "|---|---:|---:|---|---:|"]
    body = [f"| {what} | {r.wall:.2f} | {r.cpu:.2f} | {note} | {r.status} |" for what, r, note in rows]
    return "\n".join(head + body) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qingdan-bench-tools-") as tmp:
        result = table(run(args.items, Path(tmp)), args.items)
    print(result, end="")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(result, encoding="utf-8")


if __name__ == "__main__":
    main()
