"""qingdan codeowners, pr-check, manifest, verify, publish: thin doors into the publish stage."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
from pathlib import Path

import click

from ..errors import QingdanError
from ..publish import codeowners as owners
from ..publish import git, install, manifest, prcheck
from ..publish.manifest import MANIFEST, parse
from ..publish.verify import json_report, text_report, verify
from . import friendly, main


@main.command("codeowners")
@click.option("--lists", "lists_dir", type=click.Path(path_type=Path), default="lists", show_default=True,
              help="清单数据目录")
@click.option("--forge", type=click.Choice(owners.FORGES), default="github", show_default=True,
              help="代码托管平台：github（glob 规则）或 gitea（Gitea/Forgejo 的正则规则）")
@click.option("--output", type=click.Path(path_type=Path),
              help="CODEOWNERS 文件（默认 github 为 .github/CODEOWNERS，gitea 为 .gitea/CODEOWNERS）")
@click.option("--check", is_flag=True, help="只检查文件是否最新；过期时退出码为 1")
@friendly
def codeowners_cmd(lists_dir: Path, forge: str, output: Path | None, check: bool) -> None:
    """根据各部门 department.yml 中的审核人员生成 CODEOWNERS。"""
    output = output or owners.DEFAULT_OUTPUT[forge]
    wanted, existing = owners.generate(lists_dir, output, forge)
    if check:
        if wanted != existing:
            click.echo(f"{output} 已过期（与各部门 department.yml 的审核人员不一致）；"
                       "请运行 qingdan codeowners 并提交结果", err=True)
            raise SystemExit(1)
        click.echo(f"{output} 是最新的")
        return
    if wanted == existing:
        click.echo(f"{output} 已是最新，无需修改")
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(wanted, encoding="utf-8")
    click.echo(f"已写入 {output}")


def _check_options(func):
    """The options `qingdan check` and `qingdan pr-check` share (one command under two names)."""
    options = [
        click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
                     help="仓库目录（默认当前目录）"),
        click.option("--format", "fmt", type=click.Choice(["text", "md", "github"]), default=None,
                     help="标准输出：text 给人看的问题和结论，md 变更摘要，github 改动文件上的 GitHub 注释"),
        click.option("--all", "show_all", is_flag=True, help="text 格式显示全部问题（默认只显示前 20 个）"),
        click.option("--summary-file", type=click.Path(dir_okay=False, path_type=Path),
                     help="把完整摘要（Markdown）写入此文件"),
        click.option("--github-output", type=click.Path(dir_okay=False, path_type=Path),
                     help="把评论正文作为步骤输出 comment 追加到此文件（传入 $GITHUB_OUTPUT）"),
        click.option("--today", type=click.DateTime(["%Y-%m-%d"]), help="按这一天判断公布期限（默认今天）"),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _run_check(base: str, head: str | None, repo: Path, fmt: str, show_all: bool, summary_file: Path | None,
               github_output: Path | None, today: dt.datetime | None) -> None:
    check = prcheck.run(repo, base, head, today=today.date() if today else None)
    if summary_file is not None:
        summary_file.write_text(prcheck.summary(check), encoding="utf-8")
    if github_output is not None:
        with github_output.open("a", encoding="utf-8") as handle:
            handle.write(prcheck.github_output("comment", prcheck.summary(check, prcheck.COMMENT_LIMIT)))
    shown = {"text": lambda: prcheck.text(check, show_all), "md": lambda: prcheck.summary(check),
             "github": lambda: prcheck.annotations(check)}[fmt]()
    click.echo(shown, nl=False)
    raise SystemExit(check.exit_code)


@main.command("check")
@click.option("--base", default="main", show_default=True, help="要合并到的分支（如 main、origin/main 或提交号）")
@click.option("--head", help="要检查的提交（默认：工作区，含未提交的修改）")
@_check_options
@friendly
def check_cmd(base: str, head: str | None, repo: Path, fmt: str | None, show_all: bool,
              summary_file: Path | None, github_output: Path | None, today: dt.datetime | None) -> None:
    """在本地运行与合并请求完全相同的检查：数据校验与规则、事项不得消失、废止信息完整、格式。

    默认检查工作区（含未提交的修改）相对 main 分支的改动；结论与合并请求的检查相同。
    未通过时退出码为 1。
    """
    _run_check(base, head, repo, fmt or "text", show_all, summary_file, github_output, today)


@main.command("pr-check")
@click.option("--base", required=True, help="合并请求的目标提交（如 origin/main 或提交号）")
@click.option("--head", default="HEAD", show_default=True, help="合并请求的提交")
@_check_options
@friendly
def pr_check_cmd(base: str, head: str, repo: Path, fmt: str | None, show_all: bool,
                 summary_file: Path | None, github_output: Path | None, today: dt.datetime | None) -> None:
    """与 qingdan check 相同，但默认检查已提交的 HEAD，并默认输出 Markdown 摘要（旧名称，供已有流程使用）。"""
    _run_check(base, head, repo, fmt or "md", show_all, summary_file, github_output, today)


@main.command("manifest")
@click.argument("site_dir", type=click.Path(path_type=Path), default="site")
@click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".",
              help="源仓库目录（默认当前目录）")
@click.option("--previous", help="上一次发布所在的目录或网址（如 /srv/qingdan/current 或 https://…/），用于接续发布链")
@click.option("--require-previous", is_flag=True, help="找不到上一次发布时报错，而不是开始新的发布链")
@click.option("--sign-key", type=click.Path(dir_okay=False, path_type=Path),
              help="用这个 SSH 私钥签名（ssh-keygen -Y sign）")
@click.option("--sign-key-env", metavar="NAME",
              help="从环境变量 NAME 读取 SSH 私钥签名（用于持续集成的密钥；变量为空时不签名）")
@click.option("--commit", default="HEAD", show_default=True, help="网站的源提交")
@click.option("--allow-dirty", is_flag=True, help="允许 lists/ 有未提交的修改（仅供本地试验，不要用于正式发布）")
@friendly
def manifest_cmd(site_dir: Path, repo: Path, previous: str | None, require_previous: bool,
                 sign_key: Path | None, sign_key_env: str | None, commit: str, allow_dirty: bool) -> None:
    """为构建好的网站写入发布清单 manifest.json（文件哈希、源提交、发布链，可选签名）。"""
    key_text = os.environ.get(sign_key_env, "").strip() if sign_key_env else ""
    if sign_key is not None and key_text:
        raise QingdanError("--sign-key 和 --sign-key-env 只能用一个")
    if sign_key_env and not key_text:
        click.echo(f"注意：环境变量 {sign_key_env} 为空，本次发布不签名", err=True)
    with contextlib.ExitStack() as stack:
        if key_text:
            sign_key = stack.enter_context(manifest.private_key_file(key_text))
        created = manifest.create(site_dir, repo, previous=previous, require_previous=require_previous,
                                  sign_key=sign_key, commit=commit, allow_dirty=allow_dirty)
    for note in created.notes:
        click.echo(f"注意：{note}", err=True)
    m = created.manifest
    click.echo(f"已写入 {created.path}：第 {m['sequence']} 次发布，源提交 {m['source']['commit'][:12]}，"
               f"{len(m['files'])} 个网站文件、{len(m['downloads'])} 个下载文件、{len(m['data'])} 个数据文件；"
               + ("已签名。" if created.signed else "未签名。"))
    if m["previous"]:
        click.echo(f"接续第 {m['previous']['sequence']} 次发布（SHA-256 {m['previous']['sha256']}）")


@main.command("verify")
@click.argument("location", default="site")
@click.option("--repo", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="清单仓库的克隆，用来核对数据文件和源提交（默认：当前目录是 git 仓库时用当前目录）")
@click.option("--allowed-signers", type=click.Path(dir_okay=False, path_type=Path),
              help="受信任签名者名单（默认 <仓库>/.qingdan/allowed_signers）")
@click.option("--require-signature", is_flag=True, help="没有有效签名时视为不一致")
@click.option("--branch", default="main", show_default=True, help="经审批的数据所在的分支")
@click.option("--rebuild-downloads", is_flag=True, help="由源提交的数据重新生成全部下载文件，与发布的逐一比对")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@friendly
def verify_cmd(location: str, repo: Path | None, allowed_signers: Path | None, require_signature: bool,
               branch: str, rebuild_downloads: bool, fmt: str) -> None:
    """核验 LOCATION（网站目录或镜像网址）：文件哈希、发布链、签名和仓库中的源提交。不一致时退出码为 1。"""
    if repo is None and _in_repository(Path.cwd()):
        repo = Path.cwd()
    result = verify(location, repo=repo, allowed_signers=allowed_signers,
                    require_signature=require_signature, branch=branch, rebuild_downloads=rebuild_downloads)
    if fmt == "json":
        click.echo(json.dumps(json_report(result), ensure_ascii=False, indent=2))
    else:
        click.echo(text_report(result), nl=False)
    raise SystemExit(result.exit_code)


def _in_repository(path: Path) -> bool:
    try:
        git.toplevel(path)
    except QingdanError:
        return False
    return True


@main.command("publish")
@click.argument("site_dir", type=click.Path(path_type=Path), required=False)
@click.option("--to", "root", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="网页服务器提供的发布目录；服务器的根目录应指向其中的 current")
@click.option("--keep", type=int, default=install.DEFAULT_KEEP, show_default=True, help="保留的版本数（含当前版本）")
@click.option("--new-chain", is_flag=True, help="允许网站的发布清单不接续当前版本（开始新的发布链）")
@click.option("--rollback", is_flag=True, help="回退到上一个版本（先核验它）")
@click.option("--allowed-signers", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="受信任签名者名单；给出时（或正在提供的版本有签名时）要发布或回退到的版本必须有有效签名")
@click.option("--list", "show", is_flag=True, help="列出保留的版本")
@friendly
def publish_cmd(site_dir: Path | None, root: Path, keep: int, new_chain: bool, rollback: bool,
                allowed_signers: Path | None, show: bool) -> None:
    """把构建好的网站原子地安装到 --to 目录（新版本完整复制后一次切换符号链接）。"""
    if show:
        _show_releases(root)
        return
    if rollback:
        done = install.rollback(root, allowed_signers)
        click.echo(f"已回退：{done.previous.name if done.previous else '?'} → {done.release.name}")
        return
    if site_dir is None:
        raise QingdanError("请给出要发布的网站目录，例如 qingdan publish site --to /srv/qingdan")
    done = install.publish(site_dir, root, keep=keep, new_chain=new_chain, allowed_signers=allowed_signers)
    was = f"（原版本 {done.previous.name}）" if done.previous else "（第一次发布）"
    click.echo(f"已发布 {done.release.name}{was}")
    for old in done.pruned:
        click.echo(f"已删除旧版本 {old.name}")


def _show_releases(root: Path) -> None:
    current = install.current_release(root)
    found = install.releases(root)
    if not found:
        click.echo(f"{root} 中还没有发布过的版本")
        return
    for release in found:
        mark = "*" if release == current else " "
        raw = release / MANIFEST
        info = ""
        if raw.is_file():
            m = parse(raw.read_bytes(), str(raw))
            info = f"第 {m['sequence']} 次发布，源提交 {m['source']['commit'][:12]}，构建于 {m.get('built_at', '?')}"
        click.echo(f"{mark} {release.name}  {info}")
