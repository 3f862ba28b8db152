"""Writing a git history in one ``git fast-import`` process: the demonstration and benchmark repositories.

Commits get their dates and identities from the stream, so the same input
always gives the same commit ids. Git's global and system configuration is
kept out, so a user's settings (signing, hooks) cannot change the result.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from ..errors import QingdanError


@dataclass(frozen=True)
class Who:
    """An identity with a moment: ``Name <email> <unix time> <zone>``."""

    name: str
    email: str
    when: int
    zone: str = "+0800"

    def line(self) -> bytes:
        return f"{self.name} <{self.email}> {self.when} {self.zone}".encode()


def git_env() -> dict[str, str]:
    """An environment in which git reads no global or system configuration."""
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


def init(path: Path) -> None:
    """A new empty repository whose main branch is ``main``."""
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True, env=git_env(),
                   stdout=subprocess.DEVNULL)


class FastImport:
    """A ``git fast-import`` stream: blobs and commits by mark, then ``close()``."""

    def __init__(self, repo: Path, compression: int | None = None) -> None:
        options = ["-c", f"core.compression={compression}"] if compression is not None else []
        self.proc = subprocess.Popen(["git", *options, "fast-import", "--quiet", "--done"], cwd=repo,
                                     stdin=subprocess.PIPE, env=git_env())
        self.w = self.proc.stdin
        self.mark = 0

    def _data(self, data: bytes) -> None:
        self.w.write(b"data %d\n" % len(data))
        self.w.write(data)
        self.w.write(b"\n")

    def blob(self, data: bytes) -> int:
        """Store a file's content; returns its mark."""
        self.mark += 1
        self.w.write(b"blob\nmark :%d\n" % self.mark)
        self._data(data)
        return self.mark

    def commit(self, ref: str, author: Who, committer: Who, message: str, files: dict[str, int | None],
               parents: tuple[int | str, ...] = ()) -> int:
        """A commit on ``ref``: ``files`` maps paths to blob marks (None deletes). Returns its mark."""
        self.mark += 1
        w = self.w
        w.write(b"commit %s\nmark :%d\n" % (ref.encode(), self.mark))
        w.write(b"author " + author.line() + b"\ncommitter " + committer.line() + b"\n")
        self._data(message.encode())
        for i, parent in enumerate(parents):
            name = f":{parent}" if isinstance(parent, int) else parent
            w.write(f"{'from' if i == 0 else 'merge'} {name}\n".encode())
        for path, blob in sorted(files.items()):
            w.write(f"D {path}\n".encode() if blob is None else f"M 100644 :{blob} {path}\n".encode())
        return self.mark

    def tag(self, name: str, target: int, tagger: Who, message: str) -> None:
        """An annotated tag (a published release)."""
        self.w.write(f"tag {name}\nfrom :{target}\n".encode() + b"tagger " + tagger.line() + b"\n")
        self._data(message.encode())

    def close(self) -> None:
        """Finish the stream and wait for git; a failure is an error."""
        self.w.write(b"done\n")
        self.w.close()
        if self.proc.wait() != 0:
            raise QingdanError("git fast-import 失败，仓库没有建成")
