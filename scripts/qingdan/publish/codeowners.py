"""CODEOWNERS from the department registry: each department's folder -> its legal reviewers.

The file has two parts. Above a marker line, anything the site maintainers
write by hand (default owners for shared files, .github/, …) is kept as it
is. Below the marker, one rule per department is generated from the
``reviewers`` of lists/<dept>/department.yml. GitHub reads glob patterns
where the last match wins; Gitea and Forgejo read Go regular expressions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import QingdanError
from ..layout import department_of, kind_of
from ..load import discover, read_path
from ..model import Department
from . import git

MARKER = "# ---- 以下内容由 qingdan codeowners 根据各部门 department.yml 生成，请勿手工修改 ----"

FORGES = ("github", "gitea")

# What the publish job builds and runs with the signing key in hand, from the top of the repository.
PUBLISHING = ("scripts/", "content/", "mkdocs.yml", "pyproject.toml", "package.json", "package-lock.json",
              ".github/", ".gitea/", ".forgejo/", ".ci/", ".qingdan/", "allowed_signers", "signing-keys.asc")
DEFAULT_OUTPUT = {"github": Path(".github/CODEOWNERS"), "gitea": Path(".gitea/CODEOWNERS")}

DEFAULT_HEADER = """\
# 代码所有者（CODEOWNERS）：合并请求改动了哪些文件，就请求哪些人审查。
# 在分支保护中打开“需要代码所有者审查”后，没有这些人的批准就不能合并。
#
# 本行以下、标记线以上可以手工编辑，例如为共用文件和发布流程指定审核人员：
#   /lists/*.yml   @your-org/legal-office
#   /.github/      @your-org/publishing-office
# 标记线以下由 `qingdan codeowners` 生成；部门审核人员请改 lists/<部门>/department.yml 的 reviewers。
"""

# A forge handle: @user or @org/team (letters, digits, '.', '_', '-'; no leading or trailing punctuation).
_NAME = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
HANDLE = re.compile(rf"^@{_NAME}(?:/{_NAME})?$")
_REGEX_SPECIAL = re.compile(r"([.+*?()|\[\]{}^$\\])")


@dataclass(frozen=True)
class Owners:
    """One department's folder and who reviews it."""

    folder: str  # path from the repository root, e.g. lists/520000-scjgj
    name: str
    reviewers: tuple[str, ...]


def departments(lists_dir: Path, lists_path: str = "lists") -> list[Owners]:
    """Every department folder with its reviewers; a QingdanError if any cannot be read."""
    if not lists_dir.is_dir():
        raise QingdanError(f"{lists_dir} 不是目录；请给出清单数据目录（默认 lists/）")
    relpaths = discover(lists_dir)
    folders = sorted({d for r in relpaths if kind_of(r) is not None and (d := department_of(r))})
    found: list[Owners] = []
    for folder in folders:
        relpath = f"{folder}/department.yml"
        shown = f"{lists_path}/{relpath}"
        if relpath not in relpaths:
            raise QingdanError(f"{lists_path}/{folder}/ 没有 department.yml，"
                               "无法确定谁审核这个部门的修改；请补上部门信息")
        result = read_path(lists_dir, relpath, prefix=f"{lists_path}/")
        errors = [p for p in result.problems if p.severity == "error"]
        if errors or not isinstance(result.record, Department):
            first = errors[0] if errors else None
            where = f"{shown}:{first.line}" if first and first.line else shown
            why = first.message if first else "无法读取"
            raise QingdanError(f"{where} 有错误（{why}），无法生成 CODEOWNERS；请先运行 qingdan validate 修正")
        _check_handles(result.record.reviewers, shown)
        found.append(Owners(f"{lists_path}/{folder}", result.record.name, tuple(result.record.reviewers)))
    return found


def _check_handles(reviewers: list[str], shown: str) -> None:
    for reviewer in reviewers:
        if not HANDLE.match(reviewer):
            raise QingdanError(
                f"{shown} 的 reviewers 中“{reviewer}”不是代码托管平台的用户名或团队；"
                "应写成 @用户名 或 @组织/团队，例如 @zhangsan、@example-gov/legal")


def pattern(folder: str, forge: str) -> str:
    """The rule pattern that covers everything in ``folder``."""
    if forge == "gitea":
        return _REGEX_SPECIAL.sub(r"\\\1", folder) + "/.*"
    return f"/{folder}/"


def file_pattern(path: str, forge: str) -> str:
    """The rule pattern that covers exactly the file ``path`` at the top of the repository."""
    return _REGEX_SPECIAL.sub(r"\\\1", path) if forge == "gitea" else f"/{path}"


def maintainers(lists_dir: Path, lists_path: str = "lists") -> tuple[str, ...]:
    """The handles of lists/site.yml ``maintainers`` (empty when the site names none)."""
    if not (lists_dir / "site.yml").is_file():
        return ()
    shown = f"{lists_path}/site.yml"
    result = read_path(lists_dir, "site.yml", prefix=f"{lists_path}/")
    found = getattr(result.record, "maintainers", None) if result.record is not None else None
    if found is None:
        errors = [p for p in result.problems if p.severity == "error"]
        if errors:
            raise QingdanError(f"{shown} 有错误（{errors[0].message}），无法生成 CODEOWNERS；请先运行 qingdan validate 修正")
        return ()
    _check_handles(found, shown)
    return tuple(found)


def render(owners: list[Owners], existing: str | None, forge: str = "github",
           publishers: tuple[str, ...] = ()) -> str:
    """The whole file: the hand-written part of ``existing`` (or a default), the marker, the rules.

    ``publishers`` (lists/site.yml ``maintainers``) own everything that decides
    what the publish job runs while it holds the signing key: the code, the
    site's pages and configuration, the lock files, CI and the trust lists.
    """
    if forge not in FORGES:
        raise QingdanError(f"不支持的代码托管平台 {forge}；可选 {'、'.join(FORGES)}")
    header = existing.split(MARKER, 1)[0] if existing and MARKER in existing else DEFAULT_HEADER
    lines = [header.rstrip("\n"), "", MARKER]
    if publishers:
        lines.append("# 发布流程、网站代码和信任名单（lists/site.yml 的 maintainers）：决定发布任务运行什么")
        for path in PUBLISHING:
            rule = pattern(path.rstrip("/"), forge) if path.endswith("/") else file_pattern(path, forge)
            lines.append(f"{rule} {' '.join(publishers)}")
    else:
        lines.append("# 注意：lists/site.yml 没有 maintainers，代码、网站页面、发布流程和信任名单没有代码所有者")
    for owner in owners:
        lines.append(f"# {owner.name}")
        lines.append(f"{pattern(owner.folder, forge)} {' '.join(owner.reviewers)}")
    return "\n".join(lines) + "\n"


def generate(lists_dir: Path, output: Path, forge: str = "github") -> tuple[str, str | None]:
    """(the file as it should be, the file as it is now or None)."""
    existing = output.read_text(encoding="utf-8") if output.is_file() else None
    lists_path = _repo_relative(lists_dir)
    return render(departments(lists_dir, lists_path), existing, forge, maintainers(lists_dir, lists_path)), existing


def _repo_relative(lists_dir: Path) -> str:
    """How CODEOWNERS names the lists folder: its path from the repository root."""
    resolved = lists_dir.resolve()
    try:
        return resolved.relative_to(git.toplevel(resolved)).as_posix()
    except (QingdanError, ValueError):
        return resolved.name  # not in a repository: assume lists/ sits at the root
