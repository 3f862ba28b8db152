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
the build made; for a page also its input key, the questions it asked while it
rendered (its trace, render/traces.py: numbers into the manifest's list of
questions, as pages ask the same ones) and its key with their answers. It is
deterministic, so a clean build and a rebuild write the same one. Files are
reused only when the previous build's manifest is present, readable, of this
format and of this code version; a broken or
foreign manifest (or none: a folder from an older version) means a full build
that reuses nothing. Reused files are read with links refused, and one whose
bytes differ from the new ones is never reused, so even an edited output
folder comes out exactly as a clean build.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import itertools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from json.encoder import encode_basestring  # type: ignore[attr-defined]
from pathlib import Path
from typing import Any

from ..errors import QingdanError
from ..files import Digested, read_regular, remove, walk, write_atomic
from ..store import code_version
from .traces import Trace

MANIFEST = ".qingdan-manifest.json"
FORMAT = 4


@dataclass(frozen=True)
class Keyed:
    """A page known by its input key (store.py) before it is made.

    ``make()`` gives its bytes, their key and its trace; ``key_for(trace)`` the
    key of bytes made from this input key that asked ``trace``, with today's
    answers. When the previous build made the same path from the same input key,
    the answers to its questions are unchanged and the file is still as that
    build left it, the writer keeps it without making it.
    """

    key: str
    make: Callable[[], tuple[bytes, str, Trace]]
    key_for: Callable[[Trace], str]
    # Whether a trace's questions have the answers they had in the build before (traces.Tracer.unchanged):
    # then the key the build before recorded for the same input key and trace is the key now.
    unchanged: Callable[[Trace], bool] = lambda _trace: False


@dataclass(frozen=True)
class Built:
    """One file of a build as its manifest records it."""

    sha256: str
    size: int
    key: str | None = None  # the key of a page's bytes (its input key and its trace's answers)
    base: str | None = None  # a page's input key
    trace: Trace = ()


@dataclass(frozen=True)
class Found:
    """What an output folder held at the start of a build besides the previous build's files."""

    strays: list[str]  # files the previous build did not make (or every file, without one)
    empty: list[str]  # folders holding no file
    untouched: frozenset[str]  # the previous build's files as it left them (SiteWriter.clear)


# What a copy of a SiteWriter did: each path's Built, the paths it wrote, how many it left as they were.
Written = tuple[dict[str, Built], list[str], int]


@dataclass(frozen=True)
class Previous:
    """The build in an output folder: its files, and when its manifest was written."""

    files: Mapping[str, Built]
    written_ns: int  # a file modified after this was changed by someone else
    stamp: tuple[int, int, int] = (0, 0, 0)  # the manifest file's inode, size and mtime, as written
    # The answers the pages' keys were worked out with (traces.Tracer.answered), known only to the
    # process that made the build (SiteWriter.built); None for a build read from its manifest.
    answers: Mapping[str, str] | None = None


def read_manifest(out_dir: Path, kept: Previous | None = None) -> Previous | None:
    """The build in ``out_dir``, or None when a rebuild in place cannot reuse anything.

    None for: no manifest, one that is not valid JSON or not of this format,
    or one written by another code version. ``kept`` is the build this process
    made there last (:meth:`SiteWriter.built`, by ``render --watch``): while the
    manifest file is the one that build wrote (same inode, size and time), it
    stands for it, and the manifest (80 MB at 100,000 items) is not read back.
    """
    path = out_dir / MANIFEST
    if kept is not None and _stamp(path) == kept.stamp:
        return kept
    try:
        data: Any = json.loads(read_regular(path, root=out_dir, limit=256 * 1024 * 1024))
        written_ns = path.lstat().st_mtime_ns
    except (OSError, QingdanError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("code") != code_version():
        return None
    files, questions = data.get("files"), data.get("questions")
    if not (isinstance(files, dict) and isinstance(questions, list) and all(isinstance(q, str) for q in questions)):
        return None
    built: dict[str, Built] = {}
    optional = (str, type(None))
    asked = range(len(questions))
    for name, entry in files.items():
        if not (isinstance(name, str) and isinstance(entry, list) and len(entry) == 5
                and isinstance(entry[0], str) and isinstance(entry[1], int) and isinstance(entry[2], optional)
                and isinstance(entry[3], optional) and isinstance(entry[4], list)
                and all(type(n) is int and n in asked for n in entry[4])):
            return None
        built[name] = Built(*entry[:4], tuple([questions[n] for n in entry[4]]))
    return Previous(built, written_ns)


def _stamp(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.lstat()
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def target_of(out_dir: Path, path: str) -> Path:
    """Where the site file ``path`` goes under ``out_dir``; a path leaving the folder is refused."""
    return Path(_target(os.fspath(out_dir), path))


def _target(out_dir: str, path: str) -> str:
    # In plain strings: a rebuild asks this of each of 100,000 files.
    parts = [part for part in path.split("/") if part and part != "."]
    if not parts or path.startswith("/") or ".." in parts:
        raise QingdanError(f"不能写入 {path}：文件路径必须在输出文件夹之内")
    return f"{out_dir}/{'/'.join(parts)}"


def write_files(items: Iterable[tuple[str, str | bytes | Keyed | Digested]] | Mapping[str, bytes],
                out_dir: Path) -> list[str]:
    """Write (path, content) pairs, or a dict of them, under ``out_dir``; return the paths written.

    A stage may give a generator of pairs instead of a dict, so that only one
    file at a time is in memory.
    """
    written: list[str] = []
    made: set[Path] = set()
    pairs = items.items() if isinstance(items, Mapping) else items
    for path, content in pairs:
        target = target_of(out_dir, path)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        if isinstance(content, Keyed):
            content = content.make()[0]
        elif isinstance(content, Digested):
            content = content.data
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        written.append(path)
    return written


def writing(out_dir: Path, writer: SiteWriter | None) -> Callable[[Any], list[str]]:
    """How files go under ``out_dir``: ``writer`` in place (unchanged files left alone), else all written."""
    return writer.write if writer is not None else functools.partial(write_files, out_dir=out_dir)


@dataclass
class SiteWriter:
    """Writes the files of one build into ``out_dir`` in place, leaving alone files whose bytes are unchanged.

    Call :meth:`start`, give :meth:`write` to
    :func:`qingdan.render.site.write_site` as ``writer``, then call
    :meth:`finish`. ``previous`` is the previous build's manifest (None for a
    clean build, which then writes everything). A :class:`Keyed` file whose
    key, size and path are those of the previous build, and which nobody
    modified since that build's manifest was written, is kept without being
    made or read: that is what makes a rebuild of 10,000 unchanged pages cheap.
    """

    out_dir: Path
    previous: Previous | None = None
    digests: dict[str, Built] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    reused: int = 0
    _found: Found | None = None  # what the folder held when the build started, once walked
    _wait: Callable[[], Found] | None = None
    _built: Previous | None = None
    _entries: _Entries | None = None  # the manifest's entries drafted so far (draft)
    answers: Mapping[str, str] | None = None  # those the pages written were keyed with (for built())

    def start(self) -> None:
        """Take the manifest away: an interrupted build then leaves none, and the next is a full one.

        The folder is walked (:meth:`clear`) before the first write: here, or in a background
        child that started first and hands what it found over (:meth:`walked_elsewhere`).
        """
        self.out_dir.mkdir(parents=True, exist_ok=True)
        (self.out_dir / MANIFEST).unlink(missing_ok=True)
        self._found = None

    def clear(self) -> Found:
        """Remove every link or special file in the folder (never written through); return what else it held
        that the previous build did not make (stray files, folders without files), and which of that build's
        files are as it left them."""
        tree = walk(self.out_dir, stats=True)
        for relpath, _what in tree.refused:
            remove(self.out_dir / relpath)
        before = self._before
        written_ns = self.previous.written_ns if self.previous is not None else 0
        holding = {os.path.dirname(path) for path in tree.files}
        # As the previous build left them: its size, and not modified since its manifest was written.
        untouched = frozenset(path for path, (size, mtime_ns) in tree.stats.items()
                              if (old := before.get(path)) is not None and old.size == size and mtime_ns < written_ns)
        return Found([path for path in tree.files if path not in before and path != MANIFEST],
                     [folder for folder in tree.folders if folder not in holding], untouched)

    def walked(self, found: Found) -> None:
        """What :meth:`clear` found, by whoever ran it (a background child's copy of this writer)."""
        self._found = found

    def walked_elsewhere(self, wait: Callable[[], Found]) -> None:
        """Another process clears the folder; ``wait()`` gives what it found once it has (the first write waits)."""
        self._wait = wait

    @property
    def unwalked(self) -> bool:
        """Nobody has cleared the folder yet, nor is anyone about to."""
        return self._found is None and self._wait is None

    @property
    def _before(self) -> Mapping[str, Built]:
        """The previous build's files (none for a clean build)."""
        return self.previous.files if self.previous is not None else {}

    def ready(self) -> Found:
        """What the walk of the folder found: waited for, or walked here if nobody else does."""
        if self._found is None:
            wait, self._wait = self._wait, None
            self._found = wait() if wait is not None else self.clear()
        return self._found

    def write(self, items: Iterable[tuple[str, str | bytes | Keyed | Digested]] | Mapping[str, bytes]) -> list[str]:
        """Write (path, content) pairs, leaving identical files as they are; return every path given."""
        self.ready()
        paths: list[str] = []
        pairs = items.items() if isinstance(items, Mapping) else items
        before = self._before
        root = os.fspath(self.out_dir)
        for path, content in pairs:
            target = _target(root, path)
            if path in self.digests or path == MANIFEST:
                raise QingdanError(f"不能写入 {path}：这个文件已由另一阶段写出")
            paths.append(path)
            old = before.get(path)
            if isinstance(content, Keyed):
                if (old is not None and old.base == content.key and self._untouched(path)
                        and (content.unchanged(old.trace) or old.key == content.key_for(old.trace))):
                    self.digests[path] = old
                    self.reused += 1
                    continue
                data, key, trace = content.make()
                built = Built(hashlib.sha256(data).hexdigest(), len(data), key, content.key, trace)
            elif isinstance(content, Digested):
                data = content.data
                built = Built(content.sha256, len(data))
            else:
                data = content.encode("utf-8") if isinstance(content, str) else content
                built = Built(hashlib.sha256(data).hexdigest(), len(data))
            self.digests[path] = built
            # The same bytes as last time, and the file as that build left it (or, if touched since,
            # still holding them): left alone without reading it back.
            if old is not None and old.sha256 == built.sha256 and (self._untouched(path)
                                                                   or self._unchanged(target, data)):
                self.reused += 1
            else:
                _put(Path(target), data)
                self.written.append(path)
        return paths

    def _untouched(self, path: str) -> bool:
        """The file is as the previous build left it (a regular file of its size, not modified since),
        as the walk at the start of this build found it (:meth:`clear`)."""
        assert self._found is not None
        return path in self._found.untouched

    def _unchanged(self, target: str, data: bytes) -> bool:
        """The file at ``target`` holds ``data``: the manifest says so, the disk decides (it may have been edited)."""
        try:
            return os.stat(target).st_size == len(data) and read_regular(Path(target), root=self.out_dir) == data
        except (OSError, QingdanError):
            return False

    def mark(self) -> tuple[int, int]:
        """How far the writer is (files written, files reused), for :meth:`since`."""
        return len(self.written), self.reused

    def since(self, mark: tuple[int, int], paths: list[str]) -> Written:
        """What this writer did for ``paths`` after ``mark``: for the writer it was copied from
        (a background child's copy, render/background.py) to :meth:`absorb`."""
        written, reused = mark
        return {path: self.digests[path] for path in paths}, self.written[written:], self.reused - reused

    def absorb(self, done: Written) -> None:
        """Take in what a copy of this writer wrote; a path both wrote is refused."""
        digests, written, reused = done
        clash = sorted(set(digests) & set(self.digests))
        if clash:
            raise QingdanError(f"不能写入 {clash[0]}：这个文件已由另一阶段写出")
        self.digests.update(digests)
        self.written += written
        self.reused += reused

    def deleted(self) -> list[str]:
        """The previous build's files that this build does not make."""
        before = self._before
        return sorted(set(before) - set(self.digests))

    def finish(self) -> None:
        """Remove what the build did not make, then write the manifest: the last file, so a folder
        with a manifest holds a whole build."""
        found = self.ready()
        root = os.fspath(self.out_dir)
        before = self._before
        # Folders that may be left empty: those of removed files, and those that held no file at the start.
        emptied = set(found.empty)
        for path in itertools.chain(before, found.strays):
            if path not in self.digests:
                # No longer made, or never made by a build (a stray file).
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(f"{root}/{path}")
                emptied.add(os.path.dirname(path))
        _remove_empty(root, emptied)
        self.draft()
        entries = self._entries
        assert entries is not None
        # As json.dumps would write {"format", "code", "questions", "files"}, with the entries drafted.
        files = ",".join(fragment for _path, fragment in sorted(entries.fragments.items()))
        head = f'"format":{FORMAT},"code":{_compact(code_version())},"questions":{_compact(list(entries.numbers))}'
        write_atomic(self.out_dir / MANIFEST, f'{{{head},"files":{{{files}}}}}\n')
        stamp = _stamp(self.out_dir / MANIFEST)
        if stamp is not None:
            self._built = Previous(self.digests, stamp[2], stamp, self.answers)

    def draft(self) -> None:
        """Put the files written so far into the manifest's entries: a build waiting for its background
        child does it meanwhile (half a second at 100,000 entries), :meth:`finish` for the rest.

        Questions are numbered in the order of the paths that first ask them. The files drafted later
        (the child's, the marker) ask none, and so leave the numbers as they are; should one ask any,
        every entry is drafted again.
        """
        entries = self._entries
        if entries is None:
            entries = self._entries = _Entries()
        added = sorted(path for path in self.digests if path not in entries.fragments)
        if entries.fragments and any(self.digests[path].trace for path in added):
            entries = self._entries = _Entries()
            added = sorted(self.digests)
        number, fragments = entries.numbers.__getitem__, entries.fragments
        text = encode_basestring  # a JSON string as json.dumps(ensure_ascii=False) writes it
        for path in added:
            b = self.digests[path]
            fragments[path] = (f"{text(path)}:[{text(b.sha256)},{b.size},{_nullable(b.key)},{_nullable(b.base)},"
                               f"[{','.join(map(number, b.trace))}]]")

    def built(self) -> Previous | None:
        """This build as the manifest :meth:`finish` wrote records it, for the next build's
        :func:`read_manifest` in the same process."""
        return self._built


class _Numbers(dict):
    """Question -> its number as text, each numbered when first asked (1.9 million asked at 100,000 items)."""

    def __missing__(self, question: str) -> str:
        number = self[question] = str(len(self))
        return number


@dataclass
class _Entries:
    """The manifest's entries as drafted (SiteWriter.draft): its questions numbered, each file's JSON."""

    numbers: _Numbers = field(default_factory=_Numbers)
    fragments: dict[str, str] = field(default_factory=dict)  # path -> '"path":[sha256,size,key,base,[questions]]'


def _compact(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _nullable(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _remove_empty(root: str, folders: set[str]) -> None:
    """Remove those of ``folders`` (relative to ``root``) that are empty, deepest first, then their emptied parents."""
    by_depth: dict[int, set[str]] = {}
    for folder in folders:
        if folder:
            by_depth.setdefault(folder.count("/"), set()).add(folder)
    for depth in sorted(by_depth, reverse=True):
        for folder in by_depth[depth]:
            try:
                os.rmdir(f"{root}/{folder}")
            except OSError:
                continue  # not empty (or gone)
            parent = os.path.dirname(folder)
            if parent:
                by_depth.setdefault(depth - 1, set()).add(parent)


def _put(target: Path, data: bytes) -> None:
    """Write ``target`` whole (a temporary file, then a rename), whatever stood in the way."""
    for parent in reversed(target.parents):
        if parent.is_file():
            parent.unlink()  # a file where the build now needs a folder
    if target.is_dir():
        remove(target)  # a folder where the build now writes a file
    write_atomic(target, data)
