"""qingdan synth, qingdan schema."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from . import friendly, main

DEFAULT_SCHEMA_DIR = Path("scripts/schemas")


@main.command("synth")
@click.option("--items", type=click.IntRange(min=0), required=True, help="权力事项总数，例如 100000")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录；数据写到其中的 lists/ 文件夹")
@click.option("--seed", type=int, default=0, show_default=True, help="随机种子；相同种子生成完全相同的文件")
@friendly
def synth_cmd(items: int, out: Path, seed: int) -> None:
    """生成一套完整、可通过校验的合成清单数据，用于性能测试和演示（不是真实数据）。"""
    from ..synth import write_dataset  # imported here so other commands start fast

    started = time.perf_counter()
    write_dataset(out, items, seed)
    took = time.perf_counter() - started
    click.echo(f"已生成 {items} 个权力事项：{out / 'lists'}（用时 {took:.1f} 秒）")


@main.command("schema")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEFAULT_SCHEMA_DIR,
              show_default=True, help="JSON Schema 文件的输出目录")
@click.option("--check", is_flag=True, help="只检查已导出的文件是否最新；过期时退出码为 1")
def schema_cmd(out: Path, check: bool) -> None:
    """从数据模型导出每类数据文件的 JSON Schema，供编辑器和 check-jsonschema 使用。"""
    from .. import schemas

    if check:
        wrong = schemas.stale(out)
        if wrong:
            click.echo(f"{out} 中的 JSON Schema 已过期：{'、'.join(wrong)}。"
                       f"请运行 qingdan schema --out {out} 重新生成并提交。", err=True)
            sys.exit(1)
        click.echo(f"{out} 中的 JSON Schema 是最新的。")
        return
    changed = schemas.write(out)
    if changed:
        click.echo(f"已更新 {len(changed)} 个文件：" + "、".join(p.name for p in changed))
    else:
        click.echo(f"{out} 中的 JSON Schema 已是最新，无需更新。")
