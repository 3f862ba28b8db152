"""Rebuilding ``qingdan render --out DIR`` over a previous build: only files whose bytes change are written.

What each page, search-index file and download is made from is its input
key (store.py); what the build store keeps under an unchanged key is not made
again. The new files are then compared with the previous build's and written
in place: a file whose bytes are unchanged is left alone (same inode, same
mtime, nothing written), a changed or new one is written whole (a temporary
file, then a rename, so no reader sees half a file), and a file the build no
longer makes is removed, with folders left empty. Nothing is written before
the data validates, so a build stopped by a data error leaves the old site
untouched; the manifest is taken away first and written last, so a build
interrupted half-way leaves a folder without one, and the next build is a
full one.

Comparing the produced bytes with the bytes on disk is what makes the result
byte-identical to a clean build whatever changed: data, templates, settings
or code.

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
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from ..errors import QingdanError
from ..files import read_regular, walk, write_atomic
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
    """Writes the files of one build into ``out_dir`` in place, leaving alone files whose bytes are unchanged.

    Call :meth:`start`, give :meth:`write` to
    :func:`qingdan.render.site.write_site` as ``writer``, then call
    :meth:`finish`. ``before`` is the previous build's manifest (empty for a
    clean build, which then writes everything).
    """

    out_dir: Path
    before: Mapping[str, str] = field(default_factory=dict)  # the previous build's manifest files
    digests: dict[str, str] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reused: int = 0

    def start(self) -> None:
        """Take the manifest away (an interrupted build then leaves none: the next is a full one) and
        every link or special file in the folder (never written through)."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / MANIFEST).unlink(missing_ok=True)
        for relpath, _what in walk(self.out_dir).refused:
            _remove(self.out_dir / relpath)

    def write(self, items: Iterable[tuple[str, str | bytes]] | Mapping[str, bytes]) -> list[str]:
        """Write (path, content) pairs, leaving identical files as they are; return every path given."""
        paths: list[str] = []
        pairs = items.items() if isinstance(items, Mapping) else items
        for path, content in pairs:
            target = target_of(self.out_dir, path)
            if path in self.digests or path == MANIFEST:
                raise QingdanError(f"不能写入 {path}：这个文件已由另一阶段写出")
            data = content.encode("utf-8") if isinstance(content, str) else content
            digest = hashlib.sha256(data).hexdigest()
            self.digests[path] = digest
            paths.append(path)
            if self.before.get(path) == digest and self._unchanged(target, data):
                self.reused += 1
            else:
                _put(target, data)
                self.written.append(path)
        return paths

    def _unchanged(self, target: Path, data: bytes) -> bool:
        """The file at ``target`` holds ``data``: the manifest says so, the disk decides (it may have been edited)."""
        try:
            return target.stat().st_size == len(data) and read_regular(target, root=self.out_dir) == data
        except (OSError, QingdanError):
            return False

    def deleted(self) -> list[str]:
        """The previous build's files that this build does not make."""
        return sorted(set(self.before) - set(self.digests))

    def finish(self) -> None:
        """Remove what the build did not make, then write the manifest: the last file, so a folder
        with a manifest holds a whole build."""
        keep = set(self.digests) | {MANIFEST}
        for folder, _dirs, names in os.walk(self.out_dir, topdown=False):
            base = Path(folder)
            for name in names:
                relpath = (base / name).relative_to(self.out_dir).as_posix()
                if relpath not in keep:
                    (base / name).unlink()  # no longer made, or never made by a build (a stray file)
                    self.removed.append(relpath)
            if base != self.out_dir and not any(base.iterdir()):
                base.rmdir()
        manifest = {"format": FORMAT, "code": code_version(), "files": dict(sorted(self.digests.items()))}
        write_atomic(self.out_dir / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=0) + "\n")


def _put(target: Path, data: bytes) -> None:
    """Write ``target`` whole (a temporary file, then a rename), whatever stood in the way."""
    for parent in reversed(target.parents):
        if parent.is_file():
            parent.unlink()  # a file where the build now needs a folder
    if target.is_dir():
        shutil.rmtree(target)  # a folder where the build now writes a file
    write_atomic(target, data)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)
