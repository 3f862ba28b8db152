"""qingdan validate, qingdan schema."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .. import report as reporters
from ..problems import CATALOGUE
from ..validate import default_cache_dir, validate
from . import friendly, main, progress_printer


def _codes(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> list[str]:
    codes = [c.strip() for v in value for c in v.split(",") if c.strip()]
    unknown = [c for c in codes if c not in CATALOGUE]
    if unknown:
        raise click.BadParameter(f"未知的问题代码 {'、'.join(unknown)}；可用 qingdan codes 查看全部代码")
    return codes


def _lists_dir(path: Path) -> tuple[Path, Path | None]:
    """The lists/ folder to validate, and the one file to report on if PATH is a file."""
    if path.is_file():
        for parent in path.resolve().parents:
            if parent.name == "lists":
                return parent, path.resolve()
        raise click.BadParameter(f"{path} 不在 lists/ 文件夹中", param_hint="PATH")
    if (path / "lists").is_dir() and not (path / "site.yml").is_file():
        return path / "lists", None
    return path, None


@main.command("validate")
@click.argument("path", type=click.Path(exists=True, path_type=Path), default="lists")
@click.option("--format", "fmt", type=click.Choice(sorted(reporters.FORMATS)), default="text",
              help="输出格式：text（默认）、json 或 github（GitHub Actions 注释）")
@click.option("--only", multiple=True, callback=_codes, help="只报告这些问题代码（可用逗号分隔）")
@click.option("--skip", multiple=True, callback=_codes, help="不报告这些问题代码（可用逗号分隔）")
@click.option("--all", "show_all", is_flag=True, help="显示全部问题（默认只显示前 20 个）")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新读取所有文件")
@click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="按这一天判断公布期限（默认今天）")
@friendly
def validate_cmd(path: Path, fmt: str, only: list[str], skip: list[str], show_all: bool,
                 no_cache: bool, today: dt.datetime | None) -> None:
    """校验 PATH（默认 lists/）下的全部清单数据。有错误时退出码为 1。"""
    lists_dir, one_file = _lists_dir(path)
    cache = None if no_cache else default_cache_dir(lists_dir)
    result = validate(lists_dir, cache_dir=cache, today=today.date() if today else None,
                      progress=progress_printer("校验", fmt == "text"))
    result = result.select(only, skip)
    if one_file is not None:
        shown = [p for p in result.problems if Path(p.file).resolve() == one_file]
        result = type(result)(shown, 1, result.facts)
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
