"""qingdan import, export, fmt, new, schema: the tools legal staff (and their editors) use beside validate."""

from __future__ import annotations

import difflib
import json
import sys
from pathlib import Path

import click

from .. import report as reporters
from ..dataset import load_dataset
from ..errors import QingdanError
from ..excel import summary as summary_report
from ..excel.batch import Run, counts, read_mapping, run
from ..excel.importer import kind_of
from ..excel.merge import summary
from ..export import FORMATS, LISTS, SOURCES, downloads
from ..files import write_atomic
from ..fmt import default_fmt_cache, format_tree
from ..migrate import migrate_tree
from ..load import discover
from ..scaffold import WHAT, new, write
from ..validate import Report
from . import friendly, main, progress_printer
from .validate import _codes

DEFAULT_SCHEMA_DIR = Path("scripts/schemas")
_LISTS_OPTION = click.option("--lists", "lists_dir", type=click.Path(file_okay=False, path_type=Path),
                             default="lists", show_default=True, help="清单数据文件夹")


def _diff(old: str | None, new_text: str | None, name: str) -> str:
    lines = difflib.unified_diff((old or "").splitlines(keepends=True), (new_text or "").splitlines(keepends=True),
                                 f"a/{name}", f"b/{name}")
    return "".join(lines)


@main.command("import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--kind", required=True, type=click.Choice(["power", "responsibility", "negative", "regulations"]),
              help="清单类型：power 权力清单、responsibility 责任清单、negative 负面清单、regulations 地方性法规目录")
@click.option("--department", help="部门标识（lists/ 下的文件夹名），例如 520000-scjgj；不指定时按对照表或“实施主体”列确定")
@click.option("--mapping", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="对照表（CSV 或 Excel）：文件名模式 → 部门标识，可加部门名称、行政区划")
@click.option("--create-departments", is_flag=True, help="对照表中的部门不存在时，按对照表的名称和行政区划新建")
@_LISTS_OPTION
@click.option("--dry-run", is_flag=True, help="只显示会发生的变化，不写文件")
@click.option("--merge", is_flag=True, help="合并：新增和修改表格中的事项，表格中没有的事项保留")
@click.option("--force", is_flag=True, help="覆盖：文件内容以表格为准，表格中没有的事项删除")
@click.option("--keep-going", is_flag=True, help="有未能导入的行或列时，仍写入其余内容（退出码仍为 1）")
@click.option("--sheet", "sheets", multiple=True, help="只导入这些工作表（可多次使用）")
@click.option("--include-hidden", is_flag=True, help="也导入隐藏的工作表")
@click.option("--headers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="表头同义词文件（默认使用仓库根目录的 qingdan-headers.yml，如有）")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              help="另写出汇总报告：REPORT.md 和 REPORT.xlsx（各文件读取行数、写入事项、待填写和问题）")
@click.option("--only", multiple=True, callback=_codes, metavar="CODE[,CODE]", help="只显示这些问题代码")
@click.option("--skip", multiple=True, callback=_codes, metavar="CODE[,CODE]", help="不显示这些问题代码")
@click.option("--diff", "show_diff", is_flag=True, help="显示 YAML 文件的逐行差异")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", help="报告格式")
@friendly
def import_cmd(paths: tuple[Path, ...], kind: str, department: str | None, mapping: Path | None,
               create_departments: bool, lists_dir: Path, dry_run: bool, merge: bool, force: bool,
               keep_going: bool, sheets: tuple[str, ...], include_hidden: bool, headers: Path | None,
               report_path: Path | None, only: list[str], skip: list[str], show_diff: bool, fmt: str) -> None:
    """从 Excel（.xlsx、.xlsm 或旧版 .xls）或 CSV 文件导入清单，写成 YAML。

    PATHS 可以是文件，也可以是文件夹（导入其中全部工作簿）。每一行归入“实施主体”列
    所写的部门；没有这一列时，用 --department 或 --mapping 对照表指定文件所属的部门。

    表格中没有或无法读取的必填内容写为空白并加注释（待填写），报告列出工作表、行、
    列和字段；有待填写或问题时退出码为 1。不会悄悄覆盖已有文件：已有文件会改变时，
    须加 --merge 或 --force。再次导入同样的文件不会改变任何文件。
    """
    if merge and force:
        raise click.UsageError("--merge 和 --force 只能选一个")
    if create_departments and mapping is None:
        raise click.UsageError("--create-departments 需要 --mapping 对照表（部门标识、部门名称、行政区划）")
    rows = read_mapping(mapping) if mapping else []
    result = run(list(paths), kind, lists_dir, department=department, mapping=rows, create=create_departments, dry_run=dry_run,
                 mode="replace" if force else "merge" if merge else "new", keep_going=keep_going, headers=headers,
                 sheets=sheets, include_hidden=include_hidden, progress=progress_printer("导入", fmt == "text"))
    if not dry_run:
        result.write(lists_dir)
    if report_path is not None:
        _write_report(result, report_path)
    shown = Report(result.problems, len(result.files)).select(only, skip)
    if fmt == "json":
        click.echo(json.dumps({
            "files": [counts(result, f) for f in result.files],
            "written": [f"lists/{r}" for r in result.written],
            "blocked": {d: why for d, why in sorted(result.blocked.items())},
            "created": result.created,
            "registered": result.registered,
            "changes": {f"lists/{p.relpath}": [c.to_dict() for c in p.changes if c.action != "unchanged"]
                        for p in result.plans.values()},
            "problems": json.loads(reporters.as_json(shown)),
        }, ensure_ascii=False, indent=2, default=str))
    else:
        for result_plan in result.plans.values():
            click.echo(summary(result_plan, kind_of(kind).label), nl=False)
            if show_diff:
                click.echo(_diff(result_plan.old_text, result_plan.text, f"lists/{result_plan.relpath}"), nl=False)
        click.echo(reporters.text(shown, show_all=True), nl=False)
        click.echo(_closing(result, dry_run, report_path))
    raise SystemExit(result.exit_code)


def _write_report(result: Run, path: Path) -> None:
    stem = path.with_suffix("") if path.suffix.lower() in (".md", ".xlsx") else path
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(stem.with_name(stem.name + ".md"), summary_report.markdown(result))
    stem.with_name(stem.name + ".xlsx").write_bytes(summary_report.xlsx(result))


def _closing(result: Run, dry_run: bool, report_path: Path | None) -> str:
    """What happened, in one paragraph: written, unchanged, blocked, to-dos left."""
    lines = []
    if result.created and dry_run:
        lines.append(f"（试运行）将新建部门：{'、'.join(result.created)}。")
    elif result.created:
        lines.append(f"新建部门：{'、'.join(result.created)}（请填写 department.yml 中空白的字段）。")
    if result.registered:
        lines.append(f"已在 lists/sources.yml 中登记 {len(result.registered)} 部法律法规：{'、'.join(result.registered)}。")
    if not result.plans:
        lines.append("没有可导入的数据，没有写入任何文件。")
    for dept, result_plan in sorted(result.plans.items()):
        target = f"lists/{result_plan.relpath}"
        if dept in result.blocked:
            lines.append(("（试运行）" if dry_run else "") + result.blocked[dept])
        elif dry_run:
            lines.append(f"试运行：{target} 没有写入。" if result_plan.changed else f"试运行：{target} 不会改变。")
        else:
            lines.append(f"已写入 {target}。" if result_plan.relpath in result.written else f"{target} 没有变化。")
    todos = len(result.todos)
    if todos:
        lines.append(f"还有 {todos} 处待填写（YAML 中的空白 \"\"，见注释）；填写之前 qingdan validate 不会通过。")
    if report_path is not None:
        lines.append(f"汇总报告：{report_path.with_suffix('')}.md、{report_path.with_suffix('')}.xlsx")
    return "\n".join(lines)


@main.command("export")
@_LISTS_OPTION
@click.option("--output", "-o", type=click.Path(file_okay=False, path_type=Path), default="export",
              show_default=True, help="输出文件夹")
@click.option("--department", "departments", multiple=True, help="只导出这些部门（可多次使用）；默认全部，另加全站汇总 all/")
@click.option("--list", "lists", multiple=True, type=click.Choice([*LISTS, SOURCES]),
              help=f"只导出这些清单（可多次使用）；{SOURCES} 为全站的法律法规登记表（含国家法律目录的核对结果，不能导回）")
@click.option("--format", "formats", multiple=True, type=click.Choice(FORMATS), default=("xlsx",),
              show_default=True, help="文件格式（可多次使用）")
@click.option("--ignore-errors", is_flag=True, help="数据有错误时仍导出能读取的部分")
@friendly
def export_cmd(lists_dir: Path, output: Path, departments: tuple[str, ...], lists: tuple[str, ...],
               formats: tuple[str, ...], ignore_errors: bool) -> None:
    """把清单导出为 Excel（每个部门每份清单一个文件），也可导出 CSV、JSON。

    导出的 Excel 可以修改后用 qingdan import 导回，结果与原 YAML 相同。
    """
    if not lists_dir.is_dir():
        raise QingdanError(f"找不到清单文件夹 {lists_dir}")
    data = load_dataset(lists_dir)
    if data.report.errors and not ignore_errors:
        raise QingdanError(f"数据有 {len(data.report.errors)} 个错误，有错误的文件无法完整导出。"
                           "先运行 qingdan validate 修正，或加 --ignore-errors 只导出能读取的部分")
    unknown = [d for d in departments if d not in data.departments]
    if unknown:
        raise QingdanError(f"部门 {'、'.join(unknown)} 不存在；可用：{'、'.join(sorted(data.departments))}")
    if departments and SOURCES in lists:
        raise QingdanError(f"法律法规登记表（--list {SOURCES}）是全站的，不按部门导出；去掉 --department")
    files = downloads(data, formats=formats, departments=departments or None, kinds=lists or LISTS,
                      site_wide=not departments, package=False)
    for path, raw in sorted(files.items()):
        target = output / path.split("/", 1)[1]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
    click.echo(f"已导出 {len(files)} 个文件到 {output}/")


@main.command("fmt")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--check", is_flag=True, help="只检查，不修改；有文件需要格式化时退出码为 1（用于 CI 和提交前检查）")
@click.option("--diff", "show_diff", is_flag=True, help="显示格式化前后的差异")
@click.option("--no-cache", is_flag=True, help="不使用缓存，重新检查每个文件")
@click.option("--fix", is_flag=True,
              help="同时改正只有一种改法的错误：类型名称或未加引号的数字改为代码（行政处罚 → \"02\"），"
                   "2023.3.1、2023年3月1日 改为 2023-03-01，制表符改为空格；逐条列出改了什么")
@friendly
def fmt_cmd(paths: tuple[Path, ...], check: bool, show_diff: bool, no_cache: bool, fix: bool) -> None:
    """把 YAML 数据文件整理成统一格式：字段顺序、引号、缩进。只改格式，不改数据，保留注释。

    加 --fix 时还改正只有一种改法的错误（校验提示中“写成 …”的那些），并逐条列出。
    """
    changed, failed, total = 0, 0, 0
    for lists_dir, relpaths in _targets(paths or (Path("lists"),)):
        prefix = lists_dir.as_posix().rstrip("/") + "/"
        cache = None if no_cache else default_fmt_cache(lists_dir)
        for result in format_tree(lists_dir, relpaths, write=not check, prefix=prefix, cache_dir=cache, fix=fix):
            total += 1
            for problem in result.problems:
                click.echo(problem, err=True)
            for done in result.fixes:
                click.echo(f"{'可改正' if check else '已改正'}：{done.text(prefix + result.relpath)}")
            failed += result.text is None and bool(result.problems)
            if result.changed:
                changed += 1
                click.echo(f"{'需要格式化' if check else '已格式化'}：{prefix}{result.relpath}")
                if show_diff:
                    click.echo(_diff(result.original, result.text, prefix + result.relpath), nl=False)
    verb = "需要格式化" if check else "已格式化"
    click.echo(f"共 {total} 个文件，{verb} {changed} 个" + (f"，{failed} 个无法处理" if failed else "") + "。")
    raise SystemExit(1 if failed or (check and changed) else 0)


@main.command("migrate")
@click.argument("lists_dir", default="lists", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--check", is_flag=True, help="只列出需要迁移的内容，不修改；有文件需要迁移时退出码为 1")
@friendly
def migrate_cmd(lists_dir: Path, check: bool) -> None:
    """把按旧版数据模型写的清单升级到现行字段，不丢任何数据：

    设定依据中层级不能设定该类权力的规章等移到实施依据（implementation_basis）；时效性 已修改 而未写
    superseded_by 的改为 现行有效；全部文件整理成统一格式。需要人工补充的内容（清理决定文号、公布记录等）
    逐条列出，不会编造。可以重复运行。
    """
    results = migrate_tree(lists_dir, write=not check)
    prefix = lists_dir.as_posix().rstrip("/") + "/"
    changed = failed = 0
    for result in results:
        for step in result.steps:
            click.echo(f"{'将迁移' if check else '已迁移'} {prefix}{result.relpath}：{step}")
        for todo in result.todo:
            click.echo(f"待补充 {prefix}{result.relpath}：{todo}")
        changed += result.changed
        failed += result.failed
    verb = "需要迁移" if check else "已迁移"
    click.echo(f"共 {len(results)} 个文件，{verb} {changed} 个" + (f"，{failed} 个无法处理" if failed else "") + "。")
    raise SystemExit(1 if failed or (check and changed) else 0)


def _targets(paths: tuple[Path, ...]) -> list[tuple[Path, list[str] | None]]:
    """(lists folder, files in it or None for all) for each path given."""
    found: list[tuple[Path, list[str] | None]] = []
    for path in paths:
        if path.is_dir():
            root = path / "lists" if (path / "lists").is_dir() and not (path / "site.yml").exists() else path
            found.append((root, discover(root)))
            continue
        for parent in path.resolve().parents:
            if parent.name == "lists":
                found.append((_shown(parent), [path.resolve().relative_to(parent).as_posix()]))
                break
        else:
            raise QingdanError(f"{path} 不在 lists/ 文件夹中")
    return found


def _shown(folder: Path) -> Path:
    try:
        return folder.relative_to(Path.cwd().resolve())
    except ValueError:
        return folder


@main.command("new")
@click.argument("what", type=click.Choice(WHAT))
@click.option("--department", required=True, help="部门标识；new department 时为新部门的标识，例如 520100-jyj")
@_LISTS_OPTION
@click.option("--type", "power_type", default="01", show_default=True,
              help="权力类型：代码（01）、字母（XK）或名称（行政许可），仅 power")
@click.option("--name", help="名称（事项名称、法规标题、主要职责或部门名称）")
@click.option("--code", help="指定编码，不自动编号")
@click.option("--region", help="行政区划代码，仅 department（默认取部门标识的前 6 位）")
@click.option("--year", type=int, help="法规编码中的年份，仅 regulation（默认今年）")
@click.option("--dry-run", is_flag=True, help="只显示要添加的模板，不写文件")
@friendly
def new_cmd(what: str, department: str, lists_dir: Path, power_type: str, name: str | None, code: str | None,
            region: str | None, year: int | None, dry_run: bool) -> None:
    """在对应的文件中添加一条带注释的模板，编码自动取下一个可用编码。

    模板中必填的字段是空的，填写之前校验不会通过，因此不会误发布。
    """
    result = new(what, lists_dir, department, power_type=power_type, name=name, code=code, region=region, year=year)
    if dry_run:
        where = "新建" if result.created else "添加到"
        click.echo(f"# 将{where} lists/{result.relpath}（未写入）：", err=True)
        click.echo(result.text if result.created else result.template, nl=False)
        return
    write(result, lists_dir)
    action = "新建" if result.created else "已添加到"
    click.echo(f"{action} lists/{result.relpath}" + (f"，编码 {result.code}" if result.code else "")
               + "。请填写空白（\"\"）的字段，再运行 qingdan check。")


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
