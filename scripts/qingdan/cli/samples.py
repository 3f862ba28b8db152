"""qingdan synth, demo-repo: sample data for tests, benchmarks and demonstrations."""

from __future__ import annotations

import time
from pathlib import Path

import click

from . import friendly, main


@main.command("synth")
@click.option("--items", type=click.IntRange(min=0), required=True, help="权力事项总数，例如 100000")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录；数据写到其中的 lists/ 文件夹")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子；相同种子生成完全相同的文件")
@friendly
def synth_cmd(items: int, out: Path, seed: int) -> None:
    """生成一套完整、可通过校验的合成清单数据，用于性能测试和演示（不是真实数据）。"""
    from ..samples.synth import write_dataset  # imported here so other commands start fast

    started = time.perf_counter()
    write_dataset(out, items, seed)
    took = time.perf_counter() - started
    click.echo(f"已生成 {items} 个权力事项：{out / 'lists'}（用时 {took:.1f} 秒）")


@main.command("demo-repo")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="新仓库的目录（不能已有内容）")
@click.option("--from", "source", type=click.Path(exists=True, file_okay=False, path_type=Path), default="lists",
              show_default=True, help="示例清单数据")
@friendly
def demo_repo_cmd(out: Path, source: Path) -> None:
    """用示例数据生成演示仓库：一系列经审核合并的变更（含一次未经审核的直接提交），结果确定可重现。"""
    from ..samples.demo import build_demo

    head = build_demo(source, out)
    click.echo(f"已生成演示仓库 {out}（主分支 {head[:12]}）。在其中运行 mkdocs serve 查看网站，"
               f"运行 qingdan audit 查看审计报告。")
