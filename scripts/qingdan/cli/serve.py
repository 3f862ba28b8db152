"""qingdan serve: build the site (from the sample history, or live from this checkout) and serve it locally."""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from ..errors import QingdanError
from ..render.live import LIVE_ENV
from ..workspace import CACHE_FOLDER
from . import friendly, main

# Material prints an English notice about its end of life when MkDocs starts; staff read Chinese,
# and the notice is for the project's maintainers (see BENCHMARKS.md and the Zensical build test).
QUIET = {"NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
STOP_WAIT = 5  # seconds the child has to stop before it is killed
_PR_SET_PDEATHSIG = 1


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
              help="--demo：从演示仓库构建（有修改历史）；--live：直接用当前目录，修改 lists/ 后自动刷新，"
                   "数据有错误时在页面上显示错误和改法")
@friendly
def serve_cmd(host: str, port: int, demo: bool) -> None:
    """构建网站并在本机打开（默认 http://127.0.0.1:8000）。"""
    root = _checkout_root()
    site_root = _demo_repository(root) if demo else root
    click.echo(f"网站地址：http://{host}:{port}/   （按 Ctrl+C 停止）", err=True)
    command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(site_root / "mkdocs.yml"),
               "-a", f"{host}:{port}"]
    if not demo:
        # After an edit MkDocs writes again only the pages whose inputs changed (mkdocs_plugin.py).
        command.append("--dirty")
    env = {**os.environ, **QUIET, **({} if demo else {LIVE_ENV: "1"})}
    with _child(command, site_root, env) as child:
        code = child.wait()
    if code not in (0, -signal.SIGINT, -signal.SIGTERM, 130):
        raise SystemExit(code)


@contextmanager
def _child(command: list[str], cwd: Path, env: dict[str, str]) -> Iterator[subprocess.Popen]:
    """Run ``command``; it stops when this process stops, however it stops.

    Ctrl+C reaches both through the terminal. A SIGTERM or SIGHUP (closing the
    terminal, a service manager) is passed on; on Linux the kernel also stops the child
    when this process dies without a word (SIGKILL), so no server is left on the port.
    """
    parent = os.getpid()
    child = subprocess.Popen(command, cwd=cwd, env=env,
                             preexec_fn=(lambda: _die_with(parent)) if sys.platform.startswith("linux") else None)
    previous = {sig: signal.signal(sig, _raise_exit) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield child
    except KeyboardInterrupt:
        pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop(child)


def _raise_exit(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


def _die_with(parent: int) -> None:
    """In the child, before mkdocs starts: ask the kernel for SIGTERM when the parent dies."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _stop(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(STOP_WAIT)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
