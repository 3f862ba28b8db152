"""Point in time: the lists as they stood on a date, and the published releases (git tags)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import git

from ..errors import QingdanError
from ..gitrepo import commit_before, merged_tags, resolve, tree_files, write_tree

# A date without a time means the end of that day in China Standard Time.
CST = dt.timezone(dt.timedelta(hours=8))


@dataclass(frozen=True)
class Release:
    """A published release: a git tag on the history of the main branch."""

    name: str
    sha: str
    date: dt.datetime
    message: str

    @property
    def file_name(self) -> str:
        """The name of its downloadable snapshot, e.g. ``lists-v2024.1.zip``."""
        safe = "".join(c if c.isalnum() or c in "-_." else "-" for c in self.name)
        return f"lists-{safe}.zip"


def releases(repo: git.Repo, head: str) -> list[Release]:
    """Tags reachable from ``head``, newest first."""
    return [Release(name, sha, dt.datetime.fromisoformat(date), subject)
            for name, sha, date, subject in merged_tags(repo, head)]


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in China Standard Time."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), CST)


def commit_as_of(repo: git.Repo, head: str, when: dt.date | dt.datetime) -> str | None:
    """The commit of the main line that was current at ``when`` (None if none was yet)."""
    moment = end_of_day(when) if not isinstance(when, dt.datetime) else when
    return commit_before(repo, head, moment)


def write_snapshot(repo: git.Repo, sha: str, out_dir: Path, subdir: str = "lists") -> Path:
    """Write ``subdir`` as it is at ``sha`` to ``out_dir/<subdir>``; all of it or nothing."""
    target = Path(out_dir) / subdir
    if target.exists():
        raise QingdanError(f"{target} 已存在；请换一个输出目录，或先删除它")
    if not tree_files(repo, resolve(repo, sha), subdir):
        raise QingdanError(f"版本 {sha} 中没有 {subdir}/ 文件夹")
    return write_tree(repo, sha, subdir, Path(out_dir))
