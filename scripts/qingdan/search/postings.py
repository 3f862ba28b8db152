"""Compact text encodings of posting lists (sorted document numbers) and token hashing.

The decoder is in assets/search/search.js; tests decode with it what this encodes.

A list is written in whichever of two forms is shorter:

- *gaps*: the first number, then each gap minus one, each as a variable-length
  number in 5-bit groups, most significant first; a group is one character of
  ALPHABET, from its upper half when more groups follow;
- *bitmap*: ``~``, the first number and the span (as above), then one bit per
  number of the span, six to a character (least significant bit first).

Dense lists (a token in most documents) thus cost about one character per six
documents, sparse ones one or two characters per document.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
BITMAP = "~"


def number(n: int) -> str:
    """One non-negative number as 5-bit groups."""
    groups = [n & 31]
    n >>= 5
    while n:
        groups.append(n & 31)
        n >>= 5
    return "".join(ALPHABET[32 + g] for g in reversed(groups[1:])) + ALPHABET[groups[0]]


@functools.cache
def _small() -> list[str]:
    """Numbers below 2**15 (three groups), looked up: nearly every gap is one. Made when first
    needed (a fortieth of a second: the site builder encodes postings in a child process)."""
    return [number(n) for n in range(1 << 15)]


def _gaps(ids: Sequence[int]) -> str:
    small = _small()
    big = len(small)
    gaps = [ids[0]] + [b - a - 1 for a, b in zip(ids, ids[1:])]
    return "".join([small[g] if g < big else number(g) for g in gaps])


def _bitmap(ids: Sequence[int]) -> str:
    first, span = ids[0], ids[-1] - ids[0] + 1
    cells = bytearray((span + 5) // 6)
    for doc in ids:
        offset = doc - first
        cells[offset // 6] |= 1 << (offset % 6)
    return BITMAP + number(first) + number(span) + "".join(ALPHABET[c] for c in cells)


def encode(ids: Sequence[int]) -> str:
    """Sorted, distinct document numbers as the shorter of the two forms ("" when empty)."""
    if not ids:
        return ""
    span = ids[-1] - ids[0] + 1
    # A gap costs at least one character, a bitmap one per six of the span:
    # only compute the bitmap when it can win.
    if span // 6 + 8 < len(ids) * 2:
        gaps, bitmap = _gaps(ids), _bitmap(ids)
        return bitmap if len(bitmap) < len(gaps) else gaps
    return _gaps(ids)


def token_hash(token: str) -> int:
    """32-bit FNV-1a over code points with a final mix; search.js computes the same."""
    h = 0x811C9DC5
    for char in token:
        h = ((h ^ ord(char)) * 0x01000193) & 0xFFFFFFFF
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    return h ^ (h >> 16)
