"""A site built in shards, each in its own process, then merged, is the single-machine build byte for byte."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.render.shards import Shard
from qingdan.samples.synth import write_dataset
from site_support import copy_sample

SHARDS = 4


def _qingdan(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from qingdan.cli import main; main()", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _run(*args: str) -> str:
    proc = _qingdan(*args)
    output, _ = proc.communicate()
    assert proc.returncode == 0, output
    return output


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _sharded_equals_single(lists: Path, root: Path) -> str:
    """Build ``lists`` in SHARDS processes (two at a time) and merged, and alone; assert the same bytes."""
    stores = [root / f"shard-{n}" for n in range(SHARDS)]
    outputs = []
    for first in range(0, SHARDS, 2):  # two at a time: the machine has two cores
        procs = [_qingdan("render", str(lists), "--shard", f"{n}/{SHARDS}", "--store", str(stores[n]))
                 for n in range(first, first + 2)]
        for proc in procs:
            output, _ = proc.communicate()
            assert proc.returncode == 0, output
            outputs.append(output)
    merge_args = [arg for store in stores for arg in ("--shard-store", str(store))]
    merged = _run("render", str(lists), "--out", str(root / "merged"), "--store", str(root / "merge-store"),
                  *merge_args)
    _run("render", str(lists), "--out", str(root / "single"), "--store", str(root / "single-store"))
    got, want = _tree(root / "merged"), _tree(root / "single")
    assert sorted(got) == sorted(want)
    assert [path for path in want if got[path] != want[path]] == []
    # Every shard had work, and the departments it made are not made again by the merge.
    assert all("新生成 0 项" not in output for output in outputs), outputs
    return merged


def test_sharded_build_of_the_sample_equals_the_single_build(tmp_path: Path) -> None:
    _sharded_equals_single(copy_sample(tmp_path), tmp_path)


def test_sharded_build_of_10000_items_equals_the_single_build(tmp_path: Path) -> None:
    write_dataset(tmp_path, 10_000)
    _sharded_equals_single(tmp_path / "lists", tmp_path)


def test_shards_divide_the_departments_between_them() -> None:
    departments = [f"{520000 + n * 100}-dept{n % 7}" for n in range(200)]
    owners = [[Shard(i, SHARDS).owns(d) for i in range(SHARDS)] for d in departments]
    assert all(sum(row) == 1 for row in owners)  # each department in exactly one shard
    assert all(any(row[i] for row in owners) for i in range(SHARDS))  # no shard idle


@pytest.mark.parametrize("args, message", [
    (["--shard", "4/4", "--store", "s"], "分片 4/4 不存在"),
    (["--shard", "abc", "--store", "s"], "分片写法不对"),
    (["--shard", "0/0", "--store", "s"], "不存在"),
    (["--shard", "0/2", "--out", "site"], "不能同时使用 --out"),
    ([], "请用 --out 指定输出文件夹"),
])
def test_wrong_shard_arguments_are_explained(tmp_path: Path, args: list[str], message: str) -> None:
    lists = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["render", str(lists), *[str(tmp_path / a) if a in ("s", "site") else a
                                                               for a in args]])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "s").exists() and not (tmp_path / "site").exists()
