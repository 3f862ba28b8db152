"""Point in time: the lists as they stood on a date, and the published releases (git tags)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import git

from ..dates import git_time
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
    file_name: str  # of its downloadable snapshot, e.g. ``lists-v2024.1.zip``: no other release's (releases())


def releases(repo: git.Repo, head: str) -> list[Release]:
    """Tags reachable from ``head``, newest first."""
    tags = merged_tags(repo, head)
    names = file_names([name for name, _sha, _date, _subject in tags])
    return [Release(name, sha, git_time(date), subject, names[name])
            for name, sha, date, subject in tags]


def file_names(tags: list[str]) -> dict[str, str]:
    """Each tag's snapshot file name, ``lists-<tag>.zip``, no two alike, nor alike but for case.

    A character a file name should not hold becomes "-" (``release/2025`` →
    ``lists-release-2025.zip``). Tags that then read the same (``a<b``, ``a>b``: anyone
    who may push a tag can make them) must still not share a file: a tag
    that needs no such change keeps its name, the first of the others by name
    takes the shared one, and the rest spell each such character as ``~`` and its
    UTF-8 bytes in hex (``lists-a~3eb.zip``) — no git tag name holds a ``~``. Names
    that differ only in case (tags ``V1`` and ``v1``) are one file on a disk that
    ignores case (a Windows server, a preview on a Mac), where one release's zip would
    stand in for the other's: the later spells its cased letters too (``lists-~761.zip``).
    """
    names: dict[str, str] = {}
    taken: set[str] = set()  # casefolded
    for tag in sorted(tags, key=lambda tag: (_plain(tag) != tag, tag)):
        name = f"lists-{_plain(tag)}.zip"
        if name.casefold() in taken:
            name = f"lists-{_spelled(tag)}.zip"
        if name.casefold() in taken:
            name = f"lists-{_spelled(tag, cased=True)}.zip"  # no cased letter left: unique whatever the case
        names[tag] = name
        taken.add(name.casefold())
    return names


def _plain(tag: str) -> str:
    return "".join(c if _kept(c) else "-" for c in tag)


def _spelled(tag: str, cased: bool = False) -> str:
    return "".join(c if _kept(c) and not (cased and c.lower() != c.upper())
                   else "".join(f"~{byte:02x}" for byte in c.encode("utf-8")) for c in tag)


def _kept(char: str) -> bool:
    return char.isalnum() or char in "-_."


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
