"""qingdan render: the site's pages and files, written to a folder."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import click

from .. import report as reporters
from ..dataset import load_dataset
from ..errors import QingdanError
from ..render import write_site
from ..render.history import history_for
from . import friendly, main
from .validate import _lists_dir

MARKER = ".qingdan-render"


@main.command("render")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default="lists")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出文件夹：空文件夹、不存在的文件夹，或上次 qingdan render 的输出（会被整个替换）")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="站点自己的模板文件夹，其中的 site/<名称>.html 替换同名模板")
@friendly
def render_cmd(path: Path, out_dir: Path, templates_dir: Path | None) -> None:
    """把 PATH（默认 lists/）的清单数据生成网站页面（Markdown）和文件，写入 --out。

    输出可以直接作为 MkDocs 或 Zensical 的 docs 文件夹（再放入 content/ 中手写的页面）。
    数据有错误时不生成任何文件，退出码为 1。
    """
    lists_dir, _ = _lists_dir(path)
    _check_out(out_dir)
    dataset = load_dataset(lists_dir)
    if not dataset.ok:
        click.echo(reporters.text(dataset.report), err=True, nl=False)
        click.echo("清单数据有错误，没有生成页面。请先改正错误（qingdan validate 可查看全部问题）。", err=True)
        raise SystemExit(1)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and swapped in at the end: never a half-written folder.
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-", dir=out_dir.parent))
    try:
        count = write_site(dataset, staging, history_for(lists_dir), templates_dir=templates_dir)
        (staging / MARKER).write_text("由 qingdan render 生成；再次运行时整个文件夹会被替换。\n", encoding="utf-8")
        _swap(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    click.echo(f"已生成 {count} 个页面和文件：{out_dir}")


def _check_out(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise QingdanError(f"输出文件夹 {out_dir} 不是空的，也不是 qingdan render 的输出，不会覆盖；请换一个文件夹")


def _swap(staging: Path, out_dir: Path) -> None:
    if out_dir.exists():
        old = out_dir.with_name(f"{staging.name}.old")
        out_dir.rename(old)
        staging.rename(out_dir)
        shutil.rmtree(old)
    else:
        staging.rename(out_dir)
