"""qingdan history, diff, snapshot, audit: the history of lists/ read from git."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from .. import report as reporters
from ..errors import QingdanError
from ..validate import Report
from . import friendly, main, progress_printer

REPO = click.option("--repo", "repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
                    show_default=True, help="git 仓库（或其中的目录）")
LISTS = click.option("--lists", "lists_subdir", default="lists", show_default=True, help="仓库中清单数据所在的文件夹")
REV = click.option("--rev", default="HEAD", show_default=True, help="主分支（或要查看的版本）")
DAY = click.DateTime(["%Y-%m-%d"])


def _history(repo: Path, lists_subdir: str, rev: str, no_cache: bool = False, show: bool = True):
    from ..history.store import DEFAULT, load_history

    return load_history(repo, lists_subdir, rev, cache_dir=None if no_cache else DEFAULT,
                        progress=progress_printer("读取历史", show))


@main.command("history")
@click.argument("code", required=False)
@REPO
@LISTS
@REV
@click.option("--department", help="只看这个部门（部门文件夹名）")
@click.option("--list", "list_kind", type=click.Choice(["powers", "negative_list", "regulations", "responsibilities",
                                                        "department", "sources", "regions", "site"]),
              help="只看这一种清单")
@click.option("--limit", default=20, show_default=True, help="最多显示多少次变更")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-cache", is_flag=True, help="不用缓存，从头读取全部历史")
@friendly
def history_cmd(code: str | None, repo: Path, lists_subdir: str, rev: str, department: str | None,
                list_kind: str | None, limit: int, fmt: str, no_cache: bool) -> None:
    """修订记录（最新的在前）；给出 CODE 时显示该事项的各个版本及其有效期间。"""
    from ..history.output import log_text

    history = _history(repo, lists_subdir, rev, no_cache, fmt == "text")
    if code:
        versions = history.item_versions(code)
        if not versions:
            raise QingdanError(f"历史中没有事项 {code}；请核对编码")
        if fmt == "json":
            from ..history.output import versions_json

            click.echo(versions_json(history, code), nl=False)
            return
        from ..history.output import shown

        for entry in reversed(history.item_changes(code)):
            pr = f" #{entry.pr}" if entry.pr else ""
            legal = f"，依法生效日期 {entry.effective}" if entry.effective else ""
            click.echo(shown(f"第 {entry.version} 版 {entry.action_label} {entry.date.date()}{pr} {entry.sha[:12]}"
                             f"（审核：{'、'.join(entry.approvers) or '无'}{legal}）"))
            for f in entry.fields:
                click.echo(shown(f"    {f.text()}"))
        return
    log = history.step_log(department, list_kind)
    if fmt == "json":
        rows = [{"commit": s.sha, "date": s.commit_date, "pr": s.pr, "title": s.title,
                 "approvers": [str(p) for p in s.approvers],
                 "changes": [c.to_dict() | {"changes_text": [f.text() for f in c.fields]} for c in changes]}
                for s, changes in log[:limit]]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    last = history.last_change_date()
    if last:
        click.echo(f"数据更新至 {last}")
    click.echo(log_text(log, limit), nl=False)


@main.command("diff")
@click.argument("base")
@click.argument("head", default="HEAD")
@REPO
@LISTS
@click.option("--merge-base", is_flag=True, help="从 HEAD 与 BASE 的分叉点比较（即拉取请求带来的变更）")
@click.option("--format", "fmt", type=click.Choice(["text", "md", "json", "github"]), default="text",
              show_default=True, help="github：只输出 --check 发现的问题，作为 GitHub Actions 注释")
@click.option("--check", is_flag=True, help="事项未标记废止或移交就消失时，退出码为 1")
@friendly
def diff_cmd(base: str, head: str, repo: Path, lists_subdir: str, merge_base: bool, fmt: str, check: bool) -> None:
    """两个版本之间清单数据的逐字段变更（用于拉取请求说明和发布说明）。"""
    from ..history.compare import compare
    from ..history.output import DIFF_FORMATS

    result = compare(repo, base, head, lists_subdir, merge_base)
    problems = result.problems()
    if fmt == "github":
        click.echo(reporters.github(Report(problems, len(result.changes))), nl=False)
    else:
        click.echo(DIFF_FORMATS[fmt](result), nl=False)
        if check and problems and fmt == "text":
            click.echo(reporters.text(Report(problems, len(result.changes)), show_all=True), nl=False, err=True)
    if check and any(p.severity == "error" for p in problems):
        raise SystemExit(1)


@main.command("snapshot")
@click.option("--as-of", "as_of", type=DAY, help="日期 YYYY-MM-DD：写出这一天结束时（北京时间）的清单")
@click.option("--at", "at", help="版本（标签、分支或提交）：写出该版本的清单")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="输出目录：清单写到其中的 lists/")
@REPO
@LISTS
@REV
@friendly
def snapshot_cmd(as_of: dt.datetime | None, at: str | None, out: Path, repo: Path, lists_subdir: str, rev: str) -> None:
    """写出某一天（或某个发布版本）的清单，可直接用 qingdan validate 校验、用于建站。"""
    from ..gitrepo import open_repo, resolve
    from ..history.snapshot import commit_as_of, write_snapshot

    if (as_of is None) == (at is None):
        raise click.UsageError("请给出 --as-of DATE 或 --at REV 中的一个")
    git_repo = open_repo(repo)
    if at is not None:
        sha = resolve(git_repo, at)
    else:
        sha = commit_as_of(git_repo, resolve(git_repo, rev), as_of.date())
        if sha is None:
            raise QingdanError(f"{as_of.date()} 时主分支还没有任何提交")
    target = write_snapshot(git_repo, sha, out, lists_subdir)
    click.echo(f"已写出 {target}（版本 {sha[:12]}）")


@main.command("audit")
@click.option("--since", type=DAY, help="从这一天起（合并日期）")
@click.option("--until", type=DAY, help="到这一天止（合并日期）")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "json"]), default="md", show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path), help="写到文件（默认输出到屏幕）")
@click.option("--allowed-signers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="SSH 签名信任名单（默认用仓库根目录中已提交的 allowed_signers）")
@click.option("--signing-keys", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="OpenPGP（GnuPG）签名的受信任公钥（默认用仓库根目录中已提交的 signing-keys.asc）")
@click.option("--trust-root", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="信任根：第一份信任名单须由其中的密钥签名（allowed_signers 格式的行或 OpenPGP 公钥）；"
                   "默认用 lists/site.yml 的 trust_root")
@REPO
@LISTS
@REV
@friendly
def audit_cmd(since: dt.datetime | None, until: dt.datetime | None, fmt: str, output: Path | None,
              allowed_signers: Path | None, signing_keys: Path | None, trust_root: Path | None, repo: Path,
              lists_subdir: str, rev: str) -> None:
    """审计主分支上对 lists/ 的每一次变更：作者、合并人、审核人、签名和变更内容。有需要关注的问题时退出码为 1。"""
    from ..history.audit import audit
    from ..history.output import AUDIT_FORMATS

    history = _history(repo, lists_subdir, rev, show=output is not None)
    result = audit(history, since.date() if since else None, until.date() if until else None, allowed_signers,
                   signing_keys, trust_root)
    text = AUDIT_FORMATS[fmt](result)
    if output is not None:
        output.write_text(text, encoding="utf-8")
        click.echo(f"已写出 {output}：{len(result.entries)} 次变更，{len(result.all_flags())} 项需要关注")
    else:
        click.echo(text, nl=False)
    raise SystemExit(result.exit_code)
