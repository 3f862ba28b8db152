"""The command line: thin click commands over the library's stages.

Each command group lives in a module of its own and registers itself on ``main``.
"""

from __future__ import annotations

import atexit
import functools
import importlib
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

import click

from .. import __version__
from ..errors import QingdanError


# Command name -> the module under qingdan.cli that defines it. A command's
# module is imported only when that command runs, so `qingdan validate` does
# not pay for openpyxl, gitpython or Jinja2 (0.5 s of start-up on every run).
COMMAND_MODULES: dict[str, str] = {
    "validate": "validate", "codes": "validate",
    "synth": "samples", "demo-repo": "samples",
    "import": "tools", "export": "tools", "fmt": "tools", "new": "tools", "schema": "tools", "migrate": "tools",
    "render": "render", "serve": "serve",
    "history": "history", "diff": "history", "snapshot": "history", "audit": "history",
    "codeowners": "publish", "check": "publish", "pr-check": "publish", "manifest": "publish", "verify": "publish",
    "publish": "publish",
    "sources": "sources", "impact": "sources",
}


class LazyGroup(click.Group):
    """A click group that imports a command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        module = COMMAND_MODULES.get(cmd_name)
        if module is not None and cmd_name not in self.commands:
            importlib.import_module(f"{__name__}.{module}")  # its decorators register on main
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="qingdan")
def main() -> None:
    """qingdan：把权力清单、责任清单、负面清单和地方性法规目录作为版本化数据校验、发布。"""


def run() -> None:
    """The ``qingdan`` console command: :func:`main`, then an exit that skips tearing down the heap.

    A build holds millions of small objects; the interpreter frees them one by
    one as it shuts down (0.5 s of a 4 s rebuild at 10,000 items). Once the
    command has returned, its exit handlers run (multiprocessing joins its
    children, logging flushes) and the output is flushed; then the process ends
    with the command's status. With another thread still running, the usual
    shutdown waits for it.
    """
    try:
        main()
        status: object = 0
    except SystemExit as exc:
        status = exc.code
    if any(t.is_alive() and not t.daemon for t in threading.enumerate() if t is not threading.main_thread()):
        raise SystemExit(status)
    if status is None:
        status = 0
    elif not isinstance(status, int):
        print(status, file=sys.stderr)
        status = 1
    atexit._run_exitfuncs()  # what interpreter shutdown would run first; then only freeing is left
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing left to tell
            status = status or 1
    os._exit(status)


def friendly(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn QingdanError into a clean message and exit status 2, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except QingdanError as exc:
            click.echo(f"错误：{exc}", err=True)
            sys.exit(2)

    return wrapper


def progress_printer(label: str, enabled: bool) -> Callable[[int, int, str], None] | None:
    """A progress line on stderr for long work, only on a terminal."""
    if not enabled or not sys.stderr.isatty():
        return None

    def show(done: int, total: int, what: str) -> None:
        end = "\n" if done == total else ""
        click.echo(f"\r{label} {done}/{total} {what[:60]:<60}", err=True, nl=False)
        if end:
            click.echo("", err=True)

    return show
