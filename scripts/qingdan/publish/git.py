"""The few git operations the publish stage needs, in its terms (a repository is a folder).

Git itself runs only in qingdan.gitrepo: commits and trees are read there (one
cat-file process), and single commands go through its ``run``. Every failure
becomes a QingdanError in Chinese: a missing commit or a folder that is not a
repository is something the user must fix, not a traceback.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from .. import gitrepo
from ..errors import QingdanError
from ..gitrepo import is_ancestor, run  # noqa: F401  (is_ancestor: part of this module's vocabulary)


def toplevel(path: Path) -> Path:
    """The root of the repository that contains ``path``."""
    try:
        return Path(gitrepo.open_repo(path).working_tree_dir or path)
    except QingdanError:
        raise QingdanError(f"{path} 不在 git 仓库中；请在清单仓库的目录里运行，或用 --repo 指定仓库") from None


def commit(repo: Path, rev: str) -> str:
    """The full commit id of ``rev``; a QingdanError when the repository does not have it."""
    return gitrepo.resolve(gitrepo.open_repo(repo), rev)


def resolve(repo: Path, rev: str) -> str | None:
    """The full commit id of ``rev``, or None when the repository does not have it."""
    try:
        return commit(repo, rev)
    except QingdanError:
        return None


def read_tree(repo: Path, rev: str, folder: str) -> dict[str, bytes]:
    """Every file under ``folder`` at ``rev``: path from the repository root -> content."""
    return gitrepo.read_tree(gitrepo.open_repo(repo), rev, folder)


def export_folder(repo: Path, rev: str, folder: str, dest: Path) -> Path:
    """Write ``folder`` exactly as committed at ``rev`` under ``dest``; return dest/folder."""
    return gitrepo.write_tree(gitrepo.open_repo(repo), rev, folder, dest)


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
