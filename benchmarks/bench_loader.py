"""Benchmark: the strict loader (load.read_file) on one big file, clean and with problems.

Usage::

    python benchmarks/bench_loader.py                      # 20,000 items
    python benchmarks/bench_loader.py --items 100000
    python benchmarks/bench_loader.py --baseline /tmp/base  # also time another checkout's loader

``--baseline`` names a folder holding a ``qingdan`` package (for example
``git archive <commit> scripts/qingdan | tar -x -C /tmp/base --strip-components=1``);
each loader runs in its own process, several times, and the best CPU time
(time.process_time, steadier than wall time on a shared machine) is kept. The
garbage collector is paused while timing, as qingdan.validate pauses it: left
on, its timing depends on what earlier runs allocated, not on the loader.

Cases:

- clean: a valid powers.yml, the path every file takes on a normal run (fast
  reader, suspicious-text scan, schema);
- suspicious: the same file with one unquoted ``yes`` at its end: the whole
  file is read a second time by the precise reader to find that value;
- rule problem: locating one problem found by a rule across records, which
  composes the file with marks (load.locate).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

ITEM = """\
  - code: 520000-XK{n:05d}000
    name: 食品经营许可
    power_type: "01"
    exercise_level: 省
    effective: 2020-01-01
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
        text: 从事食品生产、食品销售、餐饮服务，应当依法取得许可。
    responsibilities:
      - stage: 受理
        content: 依法受理或不予受理申请，并一次性告知需补正的材料。
"""

MEASURE = r"""
import gc, json, sys, time
from qingdan.load import locate, read_file
from qingdan.problems import Problem
text = open(sys.argv[1], encoding="utf-8").read()
runs = int(sys.argv[2])
def best(fn):
    times = []
    for _ in range(runs):
        gc.collect(); gc.disable()  # as validate runs: the collector would time its own history
        start = time.process_time(); fn(); times.append(time.process_time() - start)
        gc.enable()
    return min(times)
relpath = "520000-scjgj/powers.yml"
clean = text.encode()
suspicious = (text + "    remarks: yes\n").encode()
result = read_file(clean, relpath)
assert result.record is not None and not result.problems, result.problems
assert [p.code for p in read_file(suspicious, relpath).problems] == ["yaml11-ambiguous"]
last = text.count("  - code:") - 1
def rule_problem():
    problem = Problem("duplicate-code", "x", "lists/" + relpath, ("items", last, "code"))
    locate([problem], text)
    assert problem.line is not None
print(json.dumps({
    "clean": best(lambda: read_file(clean, relpath)),
    "suspicious": best(lambda: read_file(suspicious, relpath)),
    "rule problem": best(rule_problem),
}))
"""


def measure(package_dir: Path, data: Path, runs: int) -> dict[str, float]:
    """Best times of each case with the qingdan package found in ``package_dir``."""
    env = dict(os.environ, PYTHONPATH=str(package_dir))
    done = subprocess.run([sys.executable, "-c", MEASURE, str(data), str(runs)], env=env,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--baseline", type=Path, help="a folder holding another qingdan package")
    args = parser.parse_args()
    out = REPO / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    data = out / f"loader-{args.items}.yml"
    data.write_text("items:\n" + "".join(ITEM.format(n=n) for n in range(args.items)), encoding="utf-8")
    size = data.stat().st_size / 1024 / 1024
    print(f"{args.items:,} items, {size:.1f} MB, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    current = measure(REPO / "scripts", data, args.runs)
    base = measure(args.baseline, data, args.runs) if args.baseline else None
    print("| case | this tree (s) |" + (" baseline (s) | ratio |" if base else ""))
    print("|---|---|" + ("---|---|" if base else ""))
    for case, seconds in current.items():
        row = f"| {case} | {seconds:.3f} |"
        if base:
            row += f" {base[case]:.3f} | {base[case] / seconds:.2f}× |"
        print(row)


if __name__ == "__main__":
    main()
