"""How text becomes index tokens: Chinese as bigrams and unigrams, codes as prefixes.

The browser's query side (assets/search/search.js) splits queries with the
same rules; tests/search/test_tokens.py runs both on the same strings so the
two cannot drift apart. Keep them in step when changing anything here.

Text is normalised (NFKC, so full-width ``ＸＫ０１`` reads as ``xk01``; ASCII
lowercased) and cut into segments:

- a *han* segment is a run of CJK ideographs; it yields every character
  (unigram, for one-character queries) and every pair of neighbours (bigram);
- a *word* segment is a run of ASCII letters and digits, possibly joined by
  one of ``-_./`` between them (``990000-xk00001000``, ``gb/t``); it yields
  every prefix (two characters or more) of the word and of each tail that
  starts after a joiner, so ``990000-XK``, ``XK00001`` and the whole code
  all find ``990000-XK00001000``;
- anything else (punctuation, spaces, 《》) separates segments.

Article numbers (第三十五条, 第二款, 第三项) are also indexed whole, so a query
for 第三十五条 finds citations of that article and not of 第三十条 and
第二十五条 together, as its bigrams alone would.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

HAN_RANGES = ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF), (0x20000, 0x3134F))
JOINERS = "-_./"
MAX_WORD = 32  # longer words are cut here, on both sides
ARTICLE = re.compile("第[零〇一二三四五六七八九十百千]+[条款项]")
_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")

HAN = "han"
WORD = "word"


def normalize(text: str) -> str:
    """NFKC, then ASCII letters lowercased (non-ASCII case rules differ between languages)."""
    return unicodedata.normalize("NFKC", text).translate(_LOWER)


_HAN_CLASS = "".join(f"{chr(low)}-{chr(high)}" for low, high in HAN_RANGES)
# One han run, or one word: letters and digits with single joiners between them.
SEGMENT = re.compile(f"([{_HAN_CLASS}]+)|([0-9a-z]+(?:[-_./][0-9a-z]+)*)")


def segments(text: str) -> list[tuple[str, str]]:
    """Cut normalised ``text`` into (HAN, run) and (WORD, word) segments, in order."""
    return [(HAN, m[1]) if m[1] else (WORD, m[2]) for m in SEGMENT.finditer(normalize(text))]


def compact(text: str) -> str:
    """The normalised text with separators dropped: what phrase matching compares."""
    return "".join(run.translate(_NO_JOINERS) for _kind, run in segments(text))


_NO_JOINERS = str.maketrans("", "", JOINERS)


def han_tokens(run: str) -> Iterator[str]:
    """Unigrams, bigrams and article numbers of a run of ideographs."""
    yield from run
    for i in range(len(run) - 1):
        yield run[i : i + 2]
    yield from ARTICLE.findall(run)


def word_tokens(word: str) -> Iterator[str]:
    """Every prefix (2+ characters) of the word and of each tail after a joiner."""
    starts = [0] + [i + 1 for i, char in enumerate(word) if char in JOINERS]
    for start in starts:
        tail = word[start : start + MAX_WORD]
        for end in range(2, len(tail) + 1):
            if tail[end - 1] not in JOINERS:
                yield tail[:end]


def index_tokens(text: str) -> frozenset[str]:
    """Every token a document field containing ``text`` is found by.

    Not cached: the index builder tokenises each distinct text once, and a
    cache would keep every token set of a large site alive to the end.
    """
    tokens: set[str] = set()
    for kind, run in segments(text):
        tokens.update(han_tokens(run) if kind == HAN else word_tokens(run))
    return frozenset(tokens)

