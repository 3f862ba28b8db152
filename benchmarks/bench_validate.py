"""Benchmark: `qingdan validate` on synthetic datasets, cold and warm, against two baselines.

Usage::

    python benchmarks/bench_validate.py            # 10,000 and 100,000 items (about 5 minutes)
    python benchmarks/bench_validate.py --quick    # 2,000 items (under a minute)
    python benchmarks/bench_validate.py --sizes 50000

Every measurement runs in a fresh process, as a user would run it, and is read
with os.wait4: wall time, CPU time (user + system, worker processes included)
and peak memory (ru_maxrss: the peak resident set of the largest process, the
main one or a worker). CPU time is the steadier figure on a shared machine.

Baselines on the same files:

- PyYAML with the libyaml CSafeLoader, ``yaml.load`` of every file: parsing
  only, no checks at all.
- check-jsonschema with the exported schemas (scripts/schemas): the schema
  checks only, none of the rules across files. On the big dataset it runs on
  the largest powers.yml only, as on the whole tree it would take too long.
- qingdan validate without the national law catalogue (``QINGDAN_LAWS_DB``
  naming a file that does not exist: validation warns law-catalogue-missing
  once and checks no article), cold and after a one-file edit: what the
  catalogue checks cost. ``--no-parsers`` leaves out the two baselines above,
  for a quicker run that measures only that.

The Markdown table is printed and written to benchmarks/out/validate.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SCHEMAS = REPO / "scripts" / "schemas"
OUT = REPO / "benchmarks" / "out" / "validate.md"
TIME_BOX = 300  # seconds for one baseline run

QINGDAN = [sys.executable, "-c", "from qingdan.cli import run; run()"]
# A catalogue file that is not there: validation runs without the catalogue checks.
NO_CATALOGUE = {"QINGDAN_LAWS_DB": "/nonexistent/qingdan-bench/laws.db"}
LOAD_WITH_PYYAML = """
import sys, yaml
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as f:
        yaml.load(f, Loader=yaml.CSafeLoader)
"""


@dataclass
class Run:
    """One measured process."""

    wall: float
    cpu: float
    peak_mb: float
    status: int
    timed_out: bool = False


@dataclass
class Row:
    dataset: str
    step: str
    items: int
    run: Run
    note: str = ""


def measure(cmd: list[str], env: dict[str, str] | None = None, timeout: float | None = None) -> Run:
    """Run ``cmd`` and read its wall time, CPU time and peak memory."""
    errors = tempfile.TemporaryFile()  # not a pipe: a full pipe would stall the process
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errors,
                            env={**os.environ, **(env or {})}, cwd=REPO)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if timeout is not None and time.perf_counter() - started > timeout:
            proc.kill()
            pid, status, usage = os.wait4(proc.pid, 0)
            timed_out = True
            break
        time.sleep(0.005)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    errors.seek(0)
    err = errors.read().decode("utf-8", "replace")
    errors.close()
    if proc.returncode not in (0, 1) and not timed_out:
        raise SystemExit(f"{' '.join(cmd[:4])} … 失败（退出码 {proc.returncode}）：\n{err[-2000:]}")
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return Run(wall, usage.ru_utime + usage.ru_stime, peak, proc.returncode, timed_out)


def edit_one_item(lists: Path) -> Path:
    """Change the name of the first item of the first department's powers.yml."""
    path = sorted(lists.glob("*/powers.yml"))[0]
    text = path.read_text(encoding="utf-8")
    start = text.index("\n    name: ") + len("\n    name: ")
    end = text.index("\n", start)
    path.write_text(text[:end] + "（修订）" + text[end:], encoding="utf-8")
    return path


def bench_dataset(items: int, work: Path, small: bool, parsers: bool = True) -> list[Row]:
    """Every step on one synthetic dataset of ``items`` power items."""
    name = f"{items:,}"
    root = work / f"synth-{items}"
    rows = [Row(name, "生成合成数据（qingdan synth）", items,
                measure([*QINGDAN, "synth", "--items", str(items), "--out", str(root)]))]
    lists = root / "lists"
    files = sorted(str(p) for p in lists.rglob("*.yml"))
    size = sum(Path(f).stat().st_size for f in files) / 1e6
    cache = {"QINGDAN_CACHE_DIR": str(work / f"cache-{items}")}
    validate = [*QINGDAN, "validate", str(lists)]

    cold = measure([*validate, "--no-cache"])
    if cold.status != 0:
        raise SystemExit("合成数据没有通过校验，基准无效")
    rows.append(Row(name, "qingdan validate，冷（--no-cache）", items, cold,
                    f"{len(files)} 个文件，{size:.0f} MB"))
    bare = measure([*validate, "--no-cache"], NO_CATALOGUE)
    rows.append(Row(name, "基线：qingdan validate，冷，不核对国家法律目录", items, bare,
                    _catalogue_cost(cold, bare)))
    rows.append(Row(name, "qingdan validate，冷（单进程，QINGDAN_WORKERS=1）", items,
                    measure([*validate, "--no-cache"], {"QINGDAN_WORKERS": "1"})))
    rows.append(Row(name, "qingdan validate，首次写缓存", items, measure(validate, cache)))
    rows.append(Row(name, "qingdan validate，热（无改动）", items, measure(validate, cache)))
    edited = edit_one_item(lists)
    warm = measure(validate, cache)
    rows.append(Row(name, "qingdan validate，热（改动一个事项名称后）", items, warm,
                    f"改动 {edited.parent.name}/powers.yml"))
    edit_one_item(lists)
    bare_warm = measure(validate, {**cache, **NO_CATALOGUE})
    rows.append(Row(name, "基线：qingdan validate，热（改动一个事项名称后），不核对国家法律目录", items, bare_warm,
                    _catalogue_cost(warm, bare_warm)))
    if not parsers:
        return rows

    rows.append(Row(name, "基线：PyYAML CSafeLoader 读取全部文件", items,
                    measure([sys.executable, "-c", LOAD_WITH_PYYAML, *files])))
    rows += check_jsonschema(name, lists, items, small)
    for row in rows:
        if row.step.startswith("基线") and "国家法律目录" not in row.step:
            row.note = _ratio(row, cold, items)
    return rows


def _catalogue_cost(full: Run, bare: Run) -> str:
    """What the national law catalogue checks add: the run with them against the run without."""
    return (f"核对国家法律目录的运行为它的 {full.cpu / bare.cpu:.2f} 倍 CPU 时间"
            f"（{full.wall / bare.wall:.2f} 倍墙钟），多 {full.cpu - bare.cpu:.2f} s CPU")


def _ratio(row: Row, cold: Run, items: int) -> str:
    """How much slower per item than qingdan's cold run, on CPU time and on wall time."""
    cpu = (row.run.cpu / row.items) / (cold.cpu / items)
    wall = (row.run.wall / row.items) / (cold.wall / items)
    note = f"每项 CPU 时间为 qingdan 冷的 {cpu:.1f} 倍（墙钟 {wall:.1f} 倍）"
    return f"{row.note}；{note}" if row.note else note


def check_jsonschema(name: str, lists: Path, items: int, small: bool) -> list[Row]:
    """check-jsonschema on the whole tree (small datasets) or on the largest powers.yml."""
    by_kind: dict[str, list[str]] = {}
    for path in sorted(lists.rglob("*.yml")):
        by_kind.setdefault(path.stem, []).append(str(path))
    if not small:
        biggest = max(lists.glob("*/powers.yml"), key=lambda p: p.stat().st_size)
        by_kind = {"powers": [str(biggest)]}
        text = biggest.read_text(encoding="utf-8")
        items = text.count("\n  - code: ")
    tool = [sys.executable, "-m", "check_jsonschema"]
    total = Run(0.0, 0.0, 0.0, 0)
    for kind, files in by_kind.items():
        run = measure([*tool, "--schemafile", str(SCHEMAS / f"{kind}.schema.json"), *files],
                      timeout=TIME_BOX - total.wall)
        total = Run(total.wall + run.wall, total.cpu + run.cpu, max(total.peak_mb, run.peak_mb),
                    max(total.status, run.status), run.timed_out)
        if run.timed_out:
            break
    if total.status and not total.timed_out:
        raise SystemExit("check-jsonschema 报告了错误，基准无效")
    what = "全部文件" if small else f"最大的一个 powers.yml（{items:,} 项）"
    note = f"超过 {TIME_BOX} 秒后停止" if total.timed_out else ""
    return [Row(name, f"基线：check-jsonschema，{what}", items, total, note)]


def table(rows: list[Row]) -> str:
    head = ("| 数据集（事项） | 步骤 | 墙钟时间 s | CPU 时间 s | 峰值内存 MB | 事项/秒（墙钟） | 说明 |\n"
            "|---:|---|---:|---:|---:|---:|---|\n")
    lines = [
        f"| {r.dataset} | {r.step} | {r.run.wall:.2f} | {r.run.cpu:.2f} | {r.run.peak_mb:.0f} | "
        f"{r.items / r.run.wall:,.0f} | {r.note} |"
        for r in rows
    ]
    return head + "\n".join(lines) + "\n"


def load_average() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else ()
    return " / ".join(f"{x:.2f}" for x in load) or "?"


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (f"机器：{platform.machine()}，{cpus} 个 CPU，Python {platform.python_version()}，"
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}，开始时负载 {load_average()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="只测 2,000 项（一分钟内完成）")
    parser.add_argument("--sizes", type=int, nargs="+", help="数据集大小（事项数）")
    parser.add_argument("--keep", type=Path, help="把合成数据保留在这个目录")
    parser.add_argument("--no-parsers", action="store_true",
                        help="不测 PyYAML 和 check-jsonschema 两个基线（只比较核对与不核对国家法律目录）")
    args = parser.parse_args()
    sizes = args.sizes or ([2_000] if args.quick else [10_000, 100_000])
    work = args.keep or Path(tempfile.mkdtemp(prefix="qingdan-bench-"))
    header = machine()
    print(header, flush=True)
    rows: list[Row] = []
    try:
        for items in sizes:
            rows += bench_dataset(items, work, small=items <= 20_000, parsers=not args.no_parsers)
            print(table(rows), flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    command = "python benchmarks/bench_validate.py " + " ".join(sys.argv[1:])
    header += f"，结束时负载 {load_average()}"
    report = (f"# qingdan validate 基准\n\n命令：`{command.strip()}`\n\n{header}\n\n{table(rows)}\n"
              "峰值内存为 os.wait4 读出的 ru_maxrss（主进程与工作进程中最大的一个）。"
              "CPU 时间包括工作进程。\n")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(report, encoding="utf-8")
    print(f"已写入 {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
