"""qingdan render: the site's pages and files, written to a folder."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import click

from .. import report as reporters
from ..dataset import Dataset, load_dataset
from ..errors import QingdanError
from ..files import folder_lock, staged_folder
from ..render import write_site
from ..render.extras import theme_files
from ..render.history import history_for
from ..render.incremental import SiteWriter, read_manifest, write_files
from ..render.shards import Shard
from ..render.site import Kept, fill_store
from ..render.watch import Stop, fingerprint, wait_for_change
from ..store import store_for
from ..memory import gc_paused
from ..validate import Memo, default_cache_dir
from ..workspace import recheck
from . import friendly, main, progress_printer
from .validate import _lists_dir

MARKER = ".qingdan-render"
MARKER_TEXT = "由 qingdan render 生成；再次运行时文件夹会被新的输出替换。\n"


@main.command("render")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default="lists")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              help="输出文件夹：空文件夹、不存在的文件夹，或上次 qingdan render 的输出（增量重建：只改写有变化的文件）")
@click.option("--templates", "templates_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="站点自己的模板文件夹，其中的 site/<名称>.html 替换同名模板")
@click.option("--theme-out", "theme_dir", type=click.Path(file_okay=False, path_type=Path),
              help="同时把主题覆盖文件（lang=\"zh-CN\"、示例数据提示）写入这个文件夹，"
                   "供不用 qingdan 插件的站点设为 theme.custom_dir")
@click.option("--store", "store_dir", type=click.Path(file_okay=False, path_type=Path),
              help="构建缓存文件夹（默认 .qingdan-cache/build，或 $QINGDAN_CACHE_DIR/build）：保存已生成的页面，"
                   "输入未变的页面下次不再生成")
@click.option("--shard", "shard_text", metavar="I/N",
              help="分片构建（多台机器分担一个大网站）：只生成第 I 片（共 N 片，I 从 0 起）的部门的页面、下载文件和"
                   "搜索索引片段，保存到 --store，不写网站；各片完成后用 --shard-store 合并")
@click.option("--shard-store", "shard_stores", multiple=True,
              type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="合并分片：先并入这个分片的构建缓存（可多次指定），再生成完整网站，与单机构建逐字节相同")
@click.option("--watch", is_flag=True,
              help="生成后不退出：lists/ 中的文件或 git 的提交、标签有变化时（合并、git pull、保存）再次生成到 --out，"
                   "保留上次读入的数据，只改写有变化的文件；按 Ctrl+C 停止")
@click.option("--interval", default="1", show_default=True, metavar="秒", callback=lambda _c, _p, v: _seconds(v),
              help="--watch 检查变化的间隔（0.1 到 3600 秒）")
@friendly
def render_cmd(path: Path, out_dir: Path | None, templates_dir: Path | None, theme_dir: Path | None,
               store_dir: Path | None, shard_text: str | None, shard_stores: tuple[Path, ...], watch: bool,
               interval: float) -> None:
    """把 PATH（默认 lists/）的清单数据生成网站页面（Markdown）和文件，写入 --out。

    输出可以直接作为 MkDocs 或 Zensical 的 docs 文件夹（再放入 content/ 中手写的页面）；
    这时请用 --theme-out 写出主题覆盖文件，并在配置中设置 theme.custom_dir（示例数据另设
    extra.qingdan_sample: true）。数据有错误时不生成任何文件，退出码为 1。

    \b
    再次写入上次的输出文件夹时是增量重建：构建缓存（--store）按输入摘要保存已生成的页面、
    下载文件和搜索索引片段，输入未变的不再生成；内容未变的文件沿用上次的（不重写，修改
    时间不变），不再生成的文件被删除；结果与写入空文件夹逐字节相同。文件夹中的
    .qingdan-manifest.json 记录代码版本和每个文件的摘要；它缺失、损坏或来自另一版本的
    qingdan 时，完整重建。每个文件整体写入（先写临时文件再改名）；数据有错误时不写任何
    文件；中途中断时文件夹中没有 .qingdan-manifest.json，下次完整重建。同一个输出文件夹一次只有一个
    qingdan render 写入，后来的等前一个完成再开始。

    \b
    大网站可以分片构建：每台机器运行 --shard I/N --store 分片缓存，再在一台机器上用
    --shard-store 并入全部分片缓存并 --out 生成网站（见 .github/workflows/publish-sharded.yml）。

    \b
    --watch 让生成一直运行：每次合并或保存后只重新读入改动的文件、只改写有变化的页面，
    比每次启动新的 qingdan render 快（数字见 BENCHMARKS.md）。数据有错误时显示错误、
    不改动输出文件夹，改正后自动再次生成。
    """
    lists_dir, _ = _lists_dir(path)
    if watch and (shard_text is not None or shard_stores):
        raise QingdanError("--watch 不能与 --shard 或 --shard-store 同时使用：分片构建和合并只运行一次")
    # A build makes millions of objects and next to no cycles: collecting would walk them again
    # and again (a sixth of a rebuild at 10,000 items). What is left is collected at the end.
    if shard_text is not None:
        if out_dir is not None or theme_dir is not None or shard_stores:
            raise QingdanError("--shard 只生成一片并保存到 --store，不能同时使用 --out、--theme-out 或 --shard-store")
        with gc_paused():
            _render_shard(lists_dir, Shard.parse(shard_text), store_dir, templates_dir)
        return
    if out_dir is None:
        raise QingdanError("请用 --out 指定输出文件夹（或用 --shard I/N 只生成一片）")
    _apart(out_dir, lists_dir)
    if theme_dir is not None:
        _check_out(theme_dir)
        if theme_dir.resolve() == out_dir.resolve():
            raise QingdanError("--theme-out 不能与 --out 是同一个文件夹：主题文件不是页面")
    # Two builds writing one folder would leave it neither's (and its manifest wrong for the next).
    with folder_lock(out_dir, lambda: click.echo(f"另一个 qingdan render 正在写入 {out_dir}，等它完成后继续……",
                                                 err=True)):
        _check_out(out_dir)  # once the folder is this build's: the one before may have changed it
        if watch:
            _watch(lists_dir, out_dir, templates_dir, store_dir, theme_dir, interval)
            return
        with gc_paused():
            if _render_site(lists_dir, out_dir, templates_dir, store_dir, shard_stores) is None:
                raise SystemExit(1)
    if theme_dir is not None:
        _write_theme(theme_dir)


def _seconds(value: str) -> float:
    """--interval as seconds, said in Chinese when it is none (click's own words are English)."""
    try:
        seconds = float(value)
    except ValueError:
        raise click.BadParameter(f"{value} 不是秒数，应写成数字，例如 1 或 0.5") from None
    if not 0.1 <= seconds <= 3600:  # NaN too
        raise click.BadParameter(f"{value} 秒不在允许的范围内：检查间隔应在 0.1 到 3600 秒之间")
    return seconds


def _write_theme(theme_dir: Path) -> None:
    _write_folder(theme_dir, lambda staging: len(write_files(theme_files(), staging)))
    click.echo(f"已写出主题覆盖文件：{theme_dir}（在配置中设置 theme.custom_dir: {theme_dir}）")


def _watch(lists_dir: Path, out_dir: Path, templates_dir: Path | None, store_dir: Path | None,
           theme_dir: Path | None, interval: float) -> None:
    """Build, then build again after every change of the checkout, keeping what the builds before loaded.

    A build that stops (errors in the data, a folder it cannot write) is reported and leaves the
    folder as the last build wrote it; the next change builds again.
    """
    memo, kept = Memo(), Kept()
    with Stop() as stop:
        try:
            while True:
                seen = fingerprint(lists_dir)  # before the build: what changes while it runs is not missed
                recheck()  # a pull may have brought a committed cache (workspace.cache_dir refuses it)
                started = time.perf_counter()
                try:
                    with gc_paused():  # collected after each build, not during it
                        built = _render_site(lists_dir, out_dir, templates_dir, store_dir, (), memo, kept)
                except QingdanError as exc:
                    built = None
                    click.echo(f"错误：{exc}", err=True)
                stop.check()
                if built is not None:
                    click.echo(f"（用时 {time.perf_counter() - started:.1f} 秒）", err=True)
                    if theme_dir is not None:
                        _write_theme(theme_dir)
                        theme_dir = None  # the theme does not change with the data
                stop.collect()  # the build before's data, before waiting
                click.echo(f"正在等待 {lists_dir} 中的文件或 git 提交、标签的变化，有变化时再次生成（按 Ctrl+C 停止）……",
                           err=True)
                wait_for_change(lists_dir, seen, interval)
        except KeyboardInterrupt:
            click.echo("已停止。", err=True)


def _render_site(lists_dir: Path, out_dir: Path, templates_dir: Path | None, store_dir: Path | None,
                 shard_stores: tuple[Path, ...], memo: Memo | None = None, kept: Kept | None = None) -> int | None:
    """One build of ``out_dir`` in place; how many files it holds, or None when the data has errors
    (reported, nothing written)."""
    dataset = _checked(lists_dir, memo)
    if dataset is None:
        return None
    history = history_for(lists_dir)
    store = store_for(lists_dir, store_dir)
    for shard_store in shard_stores:
        taken = store.absorb(shard_store)
        click.echo(f"已并入分片构建缓存 {shard_store}：{taken} 项", err=True)
    shown = progress_printer("生成页面", True)
    before = read_manifest(out_dir, kept.previous if kept is not None else None) if (out_dir / MARKER).is_file() else None
    # In place: unchanged files are left alone (render/incremental.py).
    writer = SiteWriter(out_dir, before)
    writer.start()
    count = write_site(dataset, out_dir, history, templates_dir=templates_dir, progress=shown, writer=writer,
                       store=store, kept=kept)
    writer.write([(MARKER, MARKER_TEXT)])
    writer.finish()
    if kept is not None:
        kept.previous = writer.built()
    store.prune()
    if before is None:
        click.echo(f"已生成 {count} 个页面和文件：{out_dir}")
    else:
        # Counted over every file the writer saw (the marker too), so the parts add up to the whole.
        click.echo(f"已更新 {out_dir}：共 {len(writer.digests)} 个文件，改写 {len(writer.written)} 个，"
                   f"删除 {len(writer.deleted())} 个，其余 {writer.reused} 个未变")
    return count


def _render_shard(lists_dir: Path, shard: Shard, store_dir: Path | None, templates_dir: Path | None) -> None:
    dataset = _checked(lists_dir)
    if dataset is None:
        raise SystemExit(1)
    store = store_for(lists_dir, store_dir)
    pages = fill_store(dataset, store, shard, history_for(lists_dir), templates_dir,
                       progress=progress_printer(f"生成分片 {shard}", True))
    click.echo(f"分片 {shard}：{pages} 个页面；新生成 {store.made_count} 项，沿用 {store.reused} 项，"
               f"保存在 {store.folder}")


def _checked(lists_dir: Path, memo: Memo | None = None) -> Dataset | None:
    """The dataset of ``lists_dir``; None (reported) when it has errors."""
    # The validator's cache (shared with qingdan validate): unchanged files' records come from it;
    # a process that builds again (--watch) keeps them in memory (memo).
    dataset = load_dataset(lists_dir, cache_dir=default_cache_dir(lists_dir), memo=memo)
    if not dataset.ok:
        click.echo(reporters.text(dataset.report, for_log=True), err=True, nl=False)
        click.echo("清单数据有错误，没有生成页面。请先改正错误（qingdan validate 可查看全部问题）。", err=True)
        return None
    return dataset


def _write_folder(folder: Path, fill: Callable[[Path], int]) -> int:
    """Fill a staging folder beside ``folder`` and swap it in at the end: never a half-written folder."""
    with staged_folder(folder) as staging:
        count = fill(staging)
        if not (staging / MARKER).is_file():
            (staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
    return count


def _apart(out_dir: Path, lists_dir: Path) -> None:
    """The site and the data in separate folders: pages written among the data would be committed with it
    (and a watching build would see its own output as a change, and build again without end)."""
    out, lists = out_dir.resolve(), lists_dir.resolve()
    if out == lists or lists in out.parents or out in lists.parents:
        raise QingdanError(f"输出文件夹 {out_dir} 与清单数据文件夹 {lists_dir} 重叠：网站页面不能写进数据文件夹，"
                           "数据文件夹也不能在输出文件夹之内；请换一个输出文件夹，例如仓库根目录下的 site/")


def _check_out(out_dir: Path) -> None:
    if out_dir.exists() and any(out_dir.iterdir()) and not (out_dir / MARKER).is_file():
        raise QingdanError(f"输出文件夹 {out_dir} 不是空的，也不是 qingdan render 的输出，不会覆盖；请换一个文件夹")

