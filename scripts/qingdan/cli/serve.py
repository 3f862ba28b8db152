"""qingdan serve: build the site from the sample data and serve it on localhost."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from ..errors import QingdanError
from ..workspace import CACHE_FOLDER
from . import friendly, main


def _checkout_root() -> Path:
    root = Path.cwd()
    if not (root / "mkdocs.yml").is_file() or not (root / "lists").is_dir():
        raise QingdanError("请在含有 mkdocs.yml 和 lists/ 的仓库根目录运行 qingdan serve")
    return root


def _demo_repository(root: Path) -> Path:
    """A fresh demonstration repository whose history is a series of reviewed merges."""
    from ..samples.demo import build_demo

    target = root / CACHE_FOLDER / "demo"  # not a cache: always in the checkout, as the README says
    shutil.rmtree(target, ignore_errors=True)
    click.echo("正在生成演示仓库（示例数据的一系列经审核合并）…", err=True)
    build_demo(root / "lists", target, site_root=root)
    return target


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="端口")
@click.option("--demo/--live", default=True, show_default=True,
              help="--demo：从演示仓库构建（有修改历史）；--live：直接用当前目录，修改 lists/ 后自动刷新")
@friendly
def serve_cmd(host: str, port: int, demo: bool) -> None:
    """构建网站并在本机打开（默认 http://127.0.0.1:8000）。"""
    root = _checkout_root()
    site_root = _demo_repository(root) if demo else root
    click.echo(f"网站地址：http://{host}:{port}/   （按 Ctrl+C 停止）", err=True)
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(site_root / "mkdocs.yml"),
               "-a", f"{host}:{port}"]
    try:
        completed = subprocess.run(command, cwd=site_root, check=False)
    except KeyboardInterrupt:
        return
    if completed.returncode not in (0, -2, 130):
        raise SystemExit(completed.returncode)
