"""Rebuilding ``qingdan render --out DIR`` over a previous build: only files whose bytes change are written.

Every page, search shard, download and feed is still produced (rendered in
memory, one at a time) and compared with the same file of the previous build.
The new build is made in a fresh folder beside the old one, as a clean build
is: a file whose bytes are unchanged is hard-linked from the previous build
(same inode, same mtime, nothing written), a changed or new one is written,
and a file the build no longer makes is simply not carried over. The fresh
folder then takes the old one's place at once, so readers never see a
half-updated site, and a failed build leaves the old one untouched.

Comparing the produced bytes with the bytes on disk, rather than guessing
which records a page reads, is what makes the result byte-identical to a
clean build whatever changed: data, templates, settings or code.

The manifest (``MANIFEST`` in the output folder) records the format, the code
version (a digest of this package's own files) and the SHA-256 of every file
the build made. It is deterministic, so a clean build and a rebuild write the
same one. Files are reused only when the previous build's manifest is
present, readable, of this format and of this code version; a broken or
foreign manifest (or none: a folder from an older version) means a full build
that reuses nothing. Reused files are read with links refused, and one whose
bytes differ from the new ones is never reused, so even an edited output
folder comes out exactly as a clean build.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import QingdanError
from ..files import read_regular, write_atomic
from ..store import code_version

MANIFEST = ".qingdan-manifest.json"
FORMAT = 1


def read_manifest(out_dir: Path) -> dict[str, str] | None:
    """The files (path -> SHA-256) of the build in ``out_dir``, or None when a rebuild in place is unsafe.

    None for: no manifest, one that is not valid JSON or not of this format,
    or one written by another code version.
    """
    try:
        data: Any = json.loads(read_regular(out_dir / MANIFEST, root=out_dir, limit=256 * 1024 * 1024))
    except (OSError, QingdanError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("code") != code_version():
        return None
    files = data.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in files.items()):
        return None
    return files


def target_of(out_dir: Path, path: str) -> Path:
    """Where the site file ``path`` goes under ``out_dir``; a path leaving the folder is refused."""
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or ".." in parts:
        raise QingdanError(f"不能写入 {path}：文件路径必须在输出文件夹之内")
    return out_dir / path


@dataclass
class SiteWriter:
    """Writes the files of one build into the fresh folder ``out_dir``, reusing unchanged files of ``previous``.

    Give :meth:`write` to :func:`qingdan.render.site.write_site` as ``writer``,
    then call :meth:`finish`. With no ``previous`` it writes everything (a clean
    build); with the folder of the previous build it writes only what changed
    and hard-links the rest.
    """

    out_dir: Path
    previous: Path | None = None
    before: Mapping[str, str] = field(default_factory=dict)  # the previous build's manifest files
    digests: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    reused: int = 0

    def write(self, items: Iterable[tuple[str, str | bytes]] | Mapping[str, bytes]) -> list[str]:
        """Write (path, content) pairs, reusing the previous build's identical files; return every path given."""
        paths: list[str] = []
        made: set[Path] = set()
        pairs = items.items() if isinstance(items, Mapping) else items
        for path, content in pairs:
            target = target_of(self.out_dir, path)
            if path in self.digests or path == MANIFEST:
                raise QingdanError(f"不能写入 {path}：这个文件已由另一阶段写出")
            data = content.encode("utf-8") if isinstance(content, str) else content
            digest = hashlib.sha256(data).hexdigest()
            self.digests[path] = digest
            paths.append(path)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if self.before.get(path) == digest and self._reuse(path, data, target):
                self.reused += 1
            else:
                target.write_bytes(data)
                self.written.append(path)
        return paths

    def _reuse(self, path: str, data: bytes, target: Path) -> bool:
        """Hard-link the previous build's ``path`` to ``target`` if its bytes on disk are ``data``."""
        assert self.previous is not None  # before is empty without a previous build
        old = self.previous / path
        try:
            # The manifest says the bytes match; the disk decides (someone may have edited the folder).
            if old.stat().st_size != len(data) or read_regular(old, root=self.previous) != data:
                return False
            os.link(old, target, follow_symlinks=False)
        except (OSError, QingdanError):
            return False  # gone, a link, or a file system without hard links: written instead
        return True

    def deleted(self) -> list[str]:
        """The previous build's files that this build does not make."""
        return sorted(set(self.before) - set(self.digests))

    def finish(self) -> None:
        """Write the manifest: the last file, so a folder with a manifest holds a whole build."""
        manifest = {"format": FORMAT, "code": code_version(), "files": dict(sorted(self.digests.items()))}
        write_atomic(self.out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=0) + "\n")
