"""qingdan validate, qingdan codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import report as reporters
from ..load import discover
from ..problems import CATALOGUE
from ..validate import Report, default_cache_dir, validate
from . import friendly, main, progress_printer


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    codes = [c.strip() for v in value for c in v.split(",") if c.strip()]
    unknown = [c for c in codes if c not in CATALOGUE]
    if unknown:
        raise click.BadParameter(f"未知的问题代码 {'、'.join(unknown)}；可用 qingdan codes 查看全部代码")
    return codes


def _date(ctx: click.Context, param: click.Parameter, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value} 不是日期，应写成 YYYY-MM-DD，例如 2025-09-30") from None


def _existing(ctx: click.Context, param: click.Parameter, value: str) -> Path:
    path = Path(value)
    if not path.exists():
        raise click.BadParameter(f"{value} 不存在；PATH 应为 lists/ 文件夹、其中的部门文件夹或数据文件")
    return path


def _lists_dir(path: Path) -> tuple[Path, Path | None]:
    """The lists/ folder to validate, and the file or folder inside it to report on (if narrower).

    The whole tree is always validated, since rules across records need every
    file; only the report is narrowed.
    """
    resolved = path.resolve()
    for parent in (resolved, *resolved.parents):
        if parent.name == "lists":
            return (path, None) if parent == resolved else (parent, resolved)
    if path.is_file():
        raise click.BadParameter(f"{path} 不在 lists/ 文件夹中", param_hint="PATH")
    if (path / "lists").is_dir() and not (path / "site.yml").is_file():
        return path / "lists", None
    return path, None


def _within(path: Path, target: Path) -> bool:
    return path == target or target in path.parents


def _narrowed(result: Report, target: Path, lists_dir: Path, relpaths: list[str]) -> Report:
    """Only the problems of ``target`` (a file, or the files below a folder)."""
    shown = [p for p in result.problems if _within(Path(p.file).resolve(), target)]
    files = sum(_within((lists_dir / r).resolve(), target) for r in relpaths)
    return Report(shown, files)


@main.command("validate")
@click.argument("path", default="lists", callback=_existing)
@click.option("--format", "fmt", type=click.Choice(sorted(reporters.FORMATS)), default="text",
              help="输出格式：text（默认）、json 或 github（GitHub Actions 注释）")
@click.option("--only", multiple=True, callback=_codes, metavar="CODE[,CODE]", help="只报告这些问题代码（可用逗号分隔）")
@click.option("--skip", multiple=True, callback=_codes, metavar="CODE[,CODE]", help="不报告这些问题代码（可用逗号分隔）")
@click.option("--all", "show_all", is_flag=True, help="显示全部问题（默认只显示前 20 个）")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取所有文件")
@click.option("--today", callback=_date, metavar="YYYY-MM-DD", help="按这一天判断公布期限，格式 YYYY-MM-DD（默认今天）")
@friendly
def validate_cmd(path: Path, fmt: str, only: list[str], skip: list[str], show_all: bool,
                 no_cache: bool, today: dt.date | None) -> None:
    """校验 PATH（默认 lists/）下的全部清单数据。

    PATH 可以是 lists/ 文件夹、其中的部门文件夹或单个数据文件；后两种情况仍校验整个
    lists/（跨记录的规则需要全部数据），但只报告所指文件的问题。

    退出码：0 没有错误（可能有警告），1 有错误，2 用法错误。
    """
    lists_dir, target = _lists_dir(path)
    relpaths = discover(lists_dir)
    if not relpaths:
        raise click.UsageError(f"{lists_dir} 中没有数据文件（*.yml）；PATH 应为 lists/ 文件夹")
    cache = None if no_cache else default_cache_dir(lists_dir)
    result = validate(lists_dir, cache_dir=cache, today=today,
                      progress=progress_printer("校验", fmt == "text"))
    result = result.select(only, skip)
    if target is not None:
        result = _narrowed(result, target, lists_dir, relpaths)
    if fmt == "text":
        click.echo(reporters.text(result, show_all), nl=False)
    else:
        click.echo(reporters.FORMATS[fmt](result), nl=False)
    raise SystemExit(result.exit_code)


@main.command("codes")
def codes_cmd() -> None:
    """列出全部问题代码及其含义。"""
    for code, kind in CATALOGUE.items():
        click.echo(f"{code:<22} {reporters.SEVERITY_ZH[kind.severity]}  {kind.title}：{kind.description}")
