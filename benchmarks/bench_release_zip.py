"""Benchmark: a release's snapshot zip made by qingdan (gitrepo.archive) against ``git archive``.

    python benchmarks/bench_release_zip.py --items 100000        # synthetic lists/ in git, then 3 runs each
    python benchmarks/bench_release_zip.py --repo /tmp/w100     # an existing repository (its HEAD)

qingdan makes the zip from the committed tree itself (``git archive`` follows the tree's own
.gitattributes, which a data change can carry). Runs alternate in one process, so the machine's
drift touches both alike; the ratio is qingdan / git archive. Sizes of both zips are printed too.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_incremental import commit  # noqa: E402  (one commit holding the data, as --git does)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repo", type=Path, help="an existing repository with lists/ at HEAD")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from qingdan.gitrepo import archive, open_repo
    from qingdan.samples.synth import write_dataset

    with tempfile.TemporaryDirectory() as tmp:
        root = args.repo
        if root is None:
            root = Path(tmp)
            write_dataset(root, args.items, seed=0)
            commit(root, "清单数据", "2026-11-02T10:00:00+08:00")
        ours, theirs = [], []
        for _ in range(args.runs):
            start = time.perf_counter()
            made = archive(open_repo(root), "HEAD")
            ours.append(time.perf_counter() - start)
            start = time.perf_counter()
            git_zip = subprocess.run(["git", "-C", str(root), "archive", "--format=zip", "HEAD", "--", "lists"],
                                     capture_output=True, check=True).stdout
            theirs.append(time.perf_counter() - start)
        a, b = statistics.median(ours), statistics.median(theirs)
        print(f"| {root if args.repo else f'{args.items:,} items'} | qingdan {', '.join(f'{t:.2f}' for t in ours)} s "
              f"({len(made) / 1e6:.1f} MB) | git archive {', '.join(f'{t:.2f}' for t in theirs)} s "
              f"({len(git_zip) / 1e6:.1f} MB) | ratio of medians {a / b:.2f} |")


if __name__ == "__main__":
    main()
