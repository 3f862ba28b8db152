"""The few git operations the publish stage needs.

Commits and trees are read through the history stage's ``gitlog`` (one
cat-file process); the rest are single git commands. Every failure becomes a
QingdanError in Chinese: a missing commit or a folder that is not a repository
is something the user must fix, not a traceback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from ..errors import QingdanError
from ..history import gitlog


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> bytes:
    """Run ``git -C repo args`` (with extra environment ``env``) and return its standard output."""
    try:
        done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=False,
                              env={**os.environ, **env} if env else None)
    except FileNotFoundError:
        raise QingdanError("找不到 git 命令，请先安装 git") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", errors="replace").strip()
        raise QingdanError(f"git {' '.join(args[:2])} 失败：{detail}")
    return done.stdout


def toplevel(path: Path) -> Path:
    """The root of the repository that contains ``path``."""
    try:
        return Path(gitlog.open_repo(path).working_tree_dir or path)
    except QingdanError:
        raise QingdanError(f"{path} 不在 git 仓库中；请在清单仓库的目录里运行，或用 --repo 指定仓库") from None


def commit(repo: Path, rev: str) -> str:
    """The full commit id of ``rev``; a QingdanError when the repository does not have it."""
    return gitlog.resolve(gitlog.open_repo(repo), rev)


def resolve(repo: Path, rev: str) -> str | None:
    """The full commit id of ``rev``, or None when the repository does not have it."""
    try:
        return commit(repo, rev)
    except QingdanError:
        return None


def is_ancestor(repo: Path, ancestor: str, descendant: str) -> bool:
    """True when ``ancestor`` is reachable from ``descendant``."""
    done = subprocess.run(["git", "-C", str(repo), "merge-base", "--is-ancestor", ancestor, descendant],
                          capture_output=True, check=False)
    return done.returncode == 0


def read_tree(repo: Path, rev: str, folder: str) -> dict[str, bytes]:
    """Every file under ``folder`` at ``rev``: path from the repository root -> content."""
    # The history stage already reads trees through one cat-file process: use it, not a copy.
    handle = gitlog.open_repo(repo)
    entries = gitlog.tree_files(handle, rev, folder)
    prefix = gitlog.lists_prefix(folder)
    files: dict[str, bytes] = {}
    with gitlog.BlobReader(handle) as reader:
        blobs = reader.read_many(entry.new_blob for entry in entries)
        for entry, (_sha, raw) in zip(entries, blobs, strict=True):
            if raw is None:
                raise QingdanError(f"仓库缺少 {prefix + entry.path} 在 {rev[:12]} 的内容；请先 git fetch 完整历史")
            files[prefix + entry.path] = raw
    return files


def export_folder(repo: Path, rev: str, folder: str, dest: Path) -> Path:
    """Write ``folder`` exactly as committed at ``rev`` under ``dest``; return dest/folder."""
    target = dest / folder
    target.mkdir(parents=True, exist_ok=True)
    for path, raw in read_tree(repo, rev, folder).items():
        out = dest / path
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(raw)
    return target


def changed_files(repo: Path, base: str, head: str) -> list[str]:
    """Files that ``head`` added or modified since its merge base with ``base``."""
    out = run(repo, "diff", "--name-only", "-z", "--no-renames", "--diff-filter=AM", f"{base}...{head}")
    return sorted(p for p in out.decode("utf-8").split("\0") if p)


def dirty(repo: Path, folder: str) -> list[str]:
    """Uncommitted changes (tracked or not) under ``folder``."""
    out = run(repo, "status", "--porcelain", "-z", "--untracked-files=all", "--", folder)
    return [entry[3:] for entry in out.decode("utf-8").split("\0") if len(entry) > 3]


# Who "commits" the snapshot of the working tree: a fixed identity, so the
# snapshot works on a machine where git has no user configured.
_SNAPSHOT_IDENTITY = {"GIT_AUTHOR_NAME": "qingdan check", "GIT_AUTHOR_EMAIL": "qingdan-check@localhost",
                      "GIT_COMMITTER_NAME": "qingdan check", "GIT_COMMITTER_EMAIL": "qingdan-check@localhost"}


def worktree_commit(repo: Path, folder: str) -> str:
    """A commit holding HEAD with ``folder`` as it is in the working tree, uncommitted changes included.

    The commit is built in a private copy of the index and is reachable from no
    branch: the user's index, branches and files are left exactly as they were,
    and git's garbage collection removes the commit later. Files .gitignore
    excludes are left out, as ``git add`` would.
    """
    head = resolve(repo, "HEAD")
    if head is None:
        raise QingdanError("仓库还没有任何提交；请先提交一次（git commit），再运行检查")
    index = Path(run(repo, "rev-parse", "--path-format=absolute", "--git-path", "index").decode().strip())
    with tempfile.TemporaryDirectory(prefix="qingdan-index-") as tmp:
        private = {"GIT_INDEX_FILE": str(Path(tmp) / "index"), **_SNAPSHOT_IDENTITY}
        if index.is_file():
            # Its file stats spare rehashing unchanged files; copy2 keeps its time, which git
            # needs to tell a file changed in the same second as the index ("racily clean").
            shutil.copy2(index, private["GIT_INDEX_FILE"])
        else:
            run(repo, "read-tree", head, env=private)
        run(repo, "add", "--all", "--", folder, env=private)
        tree = run(repo, "write-tree", env=private).decode().strip()
    if tree == run(repo, "rev-parse", f"{head}^{{tree}}").decode().strip():
        return head
    return run(repo, "commit-tree", tree, "-p", head, "-m", "qingdan check: 工作区（含未提交的修改）",
               env=_SNAPSHOT_IDENTITY).decode().strip()
