"""Point in time: the lists as they stood on a date, and the published releases (git tags)."""

from __future__ import annotations

import datetime as dt
import io
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

import git

from ..errors import QingdanError
from .gitlog import resolve

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
    fmt = "%(refname:short)%00%(objectname)%00%(*objectname)%00%(creatordate:iso-strict)%00%(contents:subject)"
    out = repo.git.for_each_ref("--sort=-creatordate", f"--merged={head}", f"--format={fmt}", "refs/tags")
    found = []
    for line in out.splitlines():
        name, obj, peeled, date, subject = (line.split("\0") + [""] * 5)[:5]
        found.append(Release(name, peeled or obj, dt.datetime.fromisoformat(date), subject))
    return found


def end_of_day(day: dt.date) -> dt.datetime:
    """The last second of ``day`` in China Standard Time."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), CST)


def commit_as_of(repo: git.Repo, head: str, when: dt.date | dt.datetime) -> str | None:
    """The commit of the main line that was current at ``when`` (None if none was yet)."""
    moment = end_of_day(when) if not isinstance(when, dt.datetime) else when
    out = repo.git.rev_list("--first-parent", "-1", f"--before={moment.isoformat()}", "--end-of-options", head)
    return out.strip() or None


def archive(repo: git.Repo, rev: str, subdir: str = "lists", fmt: str = "zip") -> bytes:
    """The folder ``subdir`` at ``rev`` as a zip (or tar) archive, byte-identical for the same commit."""
    sha = resolve(repo, rev)
    try:
        # sha is a resolved commit id, so it cannot be read as an option (archive rejects --end-of-options)
        return repo.git.archive(f"--format={fmt}", sha, "--", subdir,
                                stdout_as_string=False, strip_newline_in_stdout=False)
    except git.GitCommandError:
        raise QingdanError(f"版本 {rev} 中没有 {subdir}/ 文件夹") from None


def write_snapshot(repo: git.Repo, sha: str, out_dir: Path, subdir: str = "lists") -> Path:
    """Write ``subdir`` as it is at ``sha`` to ``out_dir/<subdir>``; all of it or nothing."""
    target = Path(out_dir) / subdir
    if target.exists():
        raise QingdanError(f"{target} 已存在；请换一个输出目录，或先删除它")
    data = archive(repo, sha, subdir, fmt="tar")
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".snapshot-", dir=out_dir))
    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tar:
            tar.extractall(staging, filter="data")
        (staging / subdir).rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target
