"""Cutting a list file into its item entries as bytes, to parse only what changed.

A list file is ``header`` (comments, file-level fields, the ``items:`` line),
one entry per item (the text from one top-level ``- `` to the next) and
``suffix`` (file-level fields written after the items). Two versions of a
file differ in a few entries; comparing bytes finds them without parsing the
thousand others. A file that is not written this plain way is one entry.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

_FIRST_ENTRY = re.compile(rb"(?:[ \t]*(?:#[^\n]*)?\r?\n)*( *)-[ \n\r]")
_ITEMS_REST = re.compile(rb"[ \t]*(?:#[^\n]*)?\r?\n")
# A line at column 0 that is not a comment (nor an entry, when entries are at
# column 0) ends the sequence of items.
_END_INDENTED = re.compile(rb"\n(?=[^ \t\r\n#])")
_END_COLUMN0 = re.compile(rb"\n(?=[^ \t\r\n#-]|-[^ \t\r\n])")


def _end_of_items(sep: bytes) -> re.Pattern[bytes]:
    return _END_COLUMN0 if sep == b"-" else _END_INDENTED


@dataclass(slots=True)
class Split:
    """A file as header, entries and suffix: ``header + b"".join(entries) + suffix``."""

    header: bytes
    entries: list[bytes]
    suffix: bytes
    sep: bytes  # what starts every entry, e.g. b"  - "
    starts: list[int] | None = None  # offsets(), once computed

    @property
    def whole(self) -> bool:
        """True when the file could not be cut and is a single entry."""
        return not self.sep

    def document(self, entries: list[bytes]) -> bytes:
        """The file with only ``entries``: a small document the YAML reader accepts."""
        return self.header + b"".join(entries) + self.suffix

    def offsets(self) -> list[int]:
        """Where each entry starts in the file."""
        if self.starts is None:
            self.starts = list(itertools.accumulate(map(len, self.entries[:-1]), initial=len(self.header)))
        return self.starts


def _documents(raw: bytes) -> bool:
    """True if ``raw`` may hold a document marker (--- or ...), which YAML reads as several files."""
    return raw.startswith((b"---", b"...")) or b"\n---" in raw or b"\n..." in raw


def split(raw: bytes) -> Split:
    """Cut ``raw`` into header, entries and suffix (one entry if it cannot be cut)."""
    whole = Split(b"", [raw], b"", b"")
    at = 0 if raw.startswith(b"items:") else raw.find(b"\nitems:") + 1
    # Tabs, several documents or a second items: key: read the file whole.
    if at <= 0 and not raw.startswith(b"items:") or raw.find(b"\nitems:", at) != -1 \
            or b"\t" in raw or _documents(raw):
        return whole
    rest = _ITEMS_REST.match(raw, at + len(b"items:"))
    first = _FIRST_ENTRY.match(raw, rest.end()) if rest else None
    if first is None:
        return whole
    sep = first.group(1) + b"-"
    begin = first.start(1)
    end = _end_of_items(sep).search(raw, begin)
    body_end = end.end() if end else len(raw)
    entries = _cut(raw[begin:body_end], sep, check=False)
    if not entries:
        return whole
    return Split(raw[:begin], entries, raw[body_end:], sep)


def changed(old: Split, old_raw: bytes, new_raw: bytes) -> tuple[int, int, Split]:
    """Which entries differ between the old file and the new one.

    Returns ``(i, j, new)``: ``old.entries[i:j]`` were replaced by
    ``new.entries[i:len(new.entries) - (len(old.entries) - j)]``. Only the part
    of the new file that differs is cut; the entries around it are shared.
    """
    head, tail = len(old.header), len(old.suffix)
    if old.whole or len(new_raw) < head + tail or not (
            new_raw.startswith(old.header) and new_raw.endswith(old.suffix)):
        return 0, len(old.entries), split(new_raw)
    offsets = old.offsets()
    body_end = len(old_raw) - tail
    # The last entry wholly inside the common prefix may have grown at its end
    # (lines added after its last line): count it as changed too.
    i = _entries_within(offsets, old.entries, _common_prefix(old_raw, new_raw, min(body_end, len(new_raw) - tail)))
    i = max(i - 1, 0)
    start = offsets[i] if i < len(offsets) else body_end
    same_end = _common_suffix(old_raw, new_raw, min(len(old_raw), len(new_raw)) - start)
    j = max(i, bisect.bisect_left(offsets, len(old_raw) - same_end))
    old_end = offsets[j] if j < len(offsets) else body_end
    fresh = _cut(new_raw[start:old_end + len(new_raw) - len(old_raw)], old.sep)
    if fresh is None:
        return 0, len(old.entries), split(new_raw)
    # The offsets of the shared entries carry over: those after the change only shift.
    grow = len(new_raw) - len(old_raw)
    middle = itertools.accumulate(map(len, fresh[:-1]), initial=start) if fresh else ()
    starts = offsets[:i] + list(middle) + [o + grow for o in offsets[j:]]
    return i, j, Split(old.header, old.entries[:i] + fresh + old.entries[j:], old.suffix, old.sep, starts)


def _cut(body: bytes, sep: bytes, check: bool = True) -> list[bytes] | None:
    """Entries of a run of whole entries (``sep ... \\n`` each), or None if it is not one."""
    if not body:
        return []
    if not body.startswith(sep) or not body.endswith(b"\n"):
        return None
    if check and (b"\t" in body or _end_of_items(sep).search(body, 0, len(body) - 1)):
        return None
    parts = body[len(sep):-1].split(b"\n" + sep)
    return [sep + part + b"\n" for part in parts]


def _common_prefix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common prefix of ``a`` and ``b``, at most ``limit``."""
    view = memoryview(b)
    return _longest(lambda lo, hi: a.startswith(view[lo:hi], lo), limit)


def _common_suffix(a: bytes, b: bytes, limit: int) -> int:
    """Length of the common suffix of ``a`` and ``b``, at most ``limit``."""
    view, na, nb = memoryview(b), len(a), len(b)
    return _longest(lambda lo, hi: a.endswith(view[nb - hi:nb - lo], 0, na - lo), limit)


def _longest(same: Callable[[int, int], bool], limit: int) -> int:
    """The largest n <= limit with ``same(0, n)``, given ``same(lo, hi)`` tests bytes lo..hi.

    ``bytes.startswith``/``endswith`` with a memoryview compare with memcmp and
    copy nothing: growing blocks first, then halving inside the block that differs.
    """
    lo = hi = 0
    block = _BLOCK
    while lo < limit:
        hi = min(limit, lo + block)
        if not same(lo, hi):
            break
        lo, block = hi, block * 2
    else:
        return limit
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if same(lo, mid):
            lo = mid
        else:
            hi = mid
    return lo


_BLOCK = 1 << 16


def _entries_within(offsets: list[int], entries: list[bytes], prefix: int) -> int:
    """How many entries lie wholly inside the first ``prefix`` bytes."""
    lo, hi = 0, len(offsets)
    while lo < hi:
        mid = (lo + hi) // 2
        if offsets[mid] + len(entries[mid]) <= prefix:
            lo = mid + 1
        else:
            hi = mid
    return lo
