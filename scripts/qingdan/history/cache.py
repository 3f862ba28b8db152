"""History results kept between builds, keyed by the commit they reach.

A rebuild whose head descends (along the first-parent line) from the cached
head reads only the new commits, and writes only their steps: the cache is an
index (head, segments) plus append-only segments of steps, each named by the
last commit it holds. Anything else — another branch, rewritten history, a
damaged or older cache — is a cold rebuild, never a wrong answer; a rewrite is
remembered so the audit can report it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..files import write_atomic
from ..workspace import cache_dir
from .changes import Step

FORMAT = 4  # 4: dates in field changes read 2024年3月1日
MAX_SEGMENTS = 64  # past this many, the next save writes one segment again


@dataclass
class Cached:
    """Everything a rebuild needs to go on from ``head``; ``saved`` steps are already on disk."""

    head: str
    steps: list[Step]
    rewrites: list[dict] = field(default_factory=list)  # walk.rewrite(): heads, first rewritten, changed steps
    segments: list[str] = field(default_factory=list)
    saved: int = 0


def default_dir(repo_root: Path) -> Path:
    """``.qingdan-cache/history`` at the top of the repository (or $QINGDAN_CACHE_DIR/history)."""
    return cache_dir(repo_root, "history")


class HistoryCache:
    """The cache of one repository, lists folder and branch."""

    def __init__(self, directory: Path | None, repo_root: Path, subdir: str) -> None:
        self.directory = directory
        key = f"{FORMAT}\0{__version__}\0{Path(repo_root).resolve()}\0{subdir}"
        self.name = hashlib.sha256(key.encode()).hexdigest()[:24]

    def _path(self, name: str) -> Path | None:
        return self.directory / name if self.directory else None

    def load(self) -> Cached | None:
        """The cached history, or None if there is none or it cannot be trusted."""
        index = self._path(f"{self.name}.json")
        if index is None or not index.is_file():
            return None
        try:
            data = json.loads(index.read_bytes())
            if data.get("format") != FORMAT or data.get("version") != __version__:
                return None
            steps = []
            for segment in data["segments"]:
                steps += [Step.from_row(s) for s in json.loads((self.directory / segment).read_bytes())]
            return Cached(data["head"], steps, data.get("rewrites", []), list(data["segments"]), len(steps))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache is rebuilt, never trusted

    def save(self, cached: Cached) -> None:
        """Write the steps not yet on disk as a new segment, then the index that lists it."""
        if self.directory is None:
            return
        segments, fresh = list(cached.segments), cached.steps[cached.saved:]
        if len(segments) >= MAX_SEGMENTS or cached.saved == 0:
            segments, fresh = [], cached.steps
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            if fresh:
                name = f"{self.name}-{len(segments):03d}-{fresh[-1].sha[:12]}.json"
                _write(self.directory / name, [s.to_row() for s in fresh])
                segments.append(name)
            _write(self.directory / f"{self.name}.json", {
                "format": FORMAT, "version": __version__, "head": cached.head, "segments": segments,
                "rewrites": cached.rewrites})
        except OSError:
            return  # a read-only checkout still works, only without the cache
        self._prune(set(segments))

    def _prune(self, keep: set[str]) -> None:
        for path in self.directory.glob(f"{self.name}-*.json"):
            if path.name not in keep:
                path.unlink(missing_ok=True)


def _write(path: Path, data: object) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
