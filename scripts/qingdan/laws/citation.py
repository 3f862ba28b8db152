"""Article references as people write them (第三十五条第一款、第七十二条至第七十四条) and quoted text."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from dataclasses import dataclass

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
NUMERAL = "[零〇一二两三四五六七八九十百千0-9]+"
_ONE = re.compile(
    rf"第(?P<article>{NUMERAL})条(?:之(?P<insert>{NUMERAL}))?"
    rf"(?:第(?P<paragraph>{NUMERAL})款)?(?:第[（(]?(?P<item>{NUMERAL})[）)]?项)?")
_RANGE = re.compile(rf"^(?P<first>第{NUMERAL}条)(?:至|到|-|—|－|~|～)(?P<last>(?:第)?{NUMERAL}条)$")
_SEPARATORS = re.compile(r"[、，,；;和及与\s]+")
# A reference to a chapter or section rather than to articles: nothing to check article by article.
_STRUCTURE = re.compile(rf"^第{NUMERAL}[编章节]")


def chinese_number(text: str) -> int | None:
    """三十五 → 35, 一百零一 → 101, 35 → 35; None for anything else."""
    if text.isdigit():
        return int(text)
    total, digit = 0, None
    for char in text:
        if char in _DIGITS:
            digit = _DIGITS[char]
        elif char in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        else:
            return None
    return total + (digit or 0)


_SMALL = "零一二三四五六七八九"


def chinese_label(number: int) -> str:
    """35 → 三十五 (as article numbers are printed; up to 9999)."""
    if number < 10:
        return _SMALL[number]
    parts: list[str] = []
    zero = False
    for unit, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        digit = number // unit % 10
        if digit == 0:
            zero = bool(parts)
            continue
        if zero:
            parts.append("零")
            zero = False
        parts.append(("" if digit == 1 and unit == 10 and not parts else _SMALL[digit]) + name)
    return "".join(parts)


@dataclass(frozen=True)
class ArticleRef:
    """One cited article, perhaps narrowed to a paragraph (款) and an item (项)."""

    number: int
    insert: int | None = None      # 之一 → 1
    paragraph: int | None = None
    item: int | None = None

    @property
    def label(self) -> str:
        text = f"第{chinese_label(self.number)}条" + (f"之{chinese_label(self.insert)}" if self.insert else "")
        return text + (f"第{chinese_label(self.paragraph)}款" if self.paragraph else "") + (
            f"第（{chinese_label(self.item)}）项" if self.item else "")

    @property
    def article_label(self) -> str:
        return f"第{chinese_label(self.number)}条" + (f"之{chinese_label(self.insert)}" if self.insert else "")


@dataclass(frozen=True)
class Parsed:
    """What an ``articles`` value says: the articles (ranges expanded), or that it is not understood."""

    refs: tuple[ArticleRef, ...]
    ranges: tuple[tuple[int, int], ...] = ()
    understood: bool = True
    structural: bool = False   # 第五章 and the like: nothing to check article by article


@functools.lru_cache(maxsize=8192)  # large lists write the same few hundred values many times
def parse_articles(value: str) -> Parsed:
    """Read an ``articles`` value: 第三十五条第一款 / 第十二条、第十四条 / 第七十六条至第八十三条."""
    text = unicodedata.normalize("NFKC", value).strip()
    text = text.replace("(", "（").replace(")", "）")
    if _STRUCTURE.match(text):
        return Parsed((), structural=True)
    refs: list[ArticleRef] = []
    ranges: list[tuple[int, int]] = []
    for part in (p for p in _SEPARATORS.split(text) if p):
        span = _RANGE.match(part)
        if span:
            first = _one(span.group("first"))
            last = _one(span.group("last") if span.group("last").startswith("第") else "第" + span.group("last"))
            if first is None or last is None or last.number < first.number or last.number - first.number > 500:
                return Parsed((), understood=False)
            ranges.append((first.number, last.number))
            refs += [ArticleRef(n) for n in range(first.number, last.number + 1)]
            continue
        ref = _one(part)
        if ref is None:
            return Parsed((), understood=False)
        refs.append(ref)
    return Parsed(tuple(refs), tuple(ranges), understood=bool(refs))


def _one(text: str) -> ArticleRef | None:
    match = _ONE.fullmatch(text.replace("（", "(").replace("）", ")"))
    if not match:
        return None
    numbers = {key: chinese_number(value) if value else None for key, value in match.groupdict().items()}
    if numbers["article"] is None or numbers["article"] == 0 or any(
            match.group(k) and not numbers[k] for k in ("insert", "paragraph", "item")):
        return None
    return ArticleRef(numbers["article"], numbers["insert"], numbers["paragraph"], numbers["item"])


# ---- quoted text -------------------------------------------------------------------

_ELLIPSIS = re.compile(r"…+|\.{3,}|⋯+")
_LEADING_LABEL = re.compile(rf"^第{NUMERAL}条(?:之{NUMERAL})?")


_QUOTES = str.maketrans({"“": '"', "”": '"', "「": '"', "」": '"', "‘": "'", "’": "'", "『": '"', "』": '"'})


def squeeze(text: str) -> str:
    """Text as compared: full-width forms and quotation marks folded, no whitespace, no leading 第N条 label."""
    folded = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text).translate(_QUOTES))
    return _LEADING_LABEL.sub("", folded)


def _shown(text: str) -> str:
    return _LEADING_LABEL.sub("", re.sub(r"\s+", "", text))


def quote_matches(quote: str, source_text: str) -> bool:
    """True when every fragment of the quote (split at ……) appears in the source, in order."""
    haystack = squeeze(source_text)
    start = 0
    for fragment in (f for f in _ELLIPSIS.split(squeeze(quote)) if f):
        found = haystack.find(fragment, start)
        if found < 0:
            return False
        start = found + len(fragment)
    return True


def difference(quote: str, source_text: str, context: int = 6, limit: int = 3) -> str:
    """The first few places where the quote differs from the source, as 「quoted」→「in force」."""
    # Shown as written (only spaces and the leading 第N条 dropped), not in the folded form compared.
    a, b = _shown(quote), _shown(source_text)
    # Compare the quote with the stretch of the source it best lines up with.
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    blocks = [m for m in matcher.get_matching_blocks() if m.size]
    if blocks:
        lo = max(0, blocks[0].b - blocks[0].a)
        hi = min(len(b), blocks[-1].b + blocks[-1].size + (len(a) - blocks[-1].a - blocks[-1].size))
        b = b[lo:hi]
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    shown = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        before = a[max(0, i1 - context):i1]
        shown.append(f"…{before}「{a[i1:i2] or '（无）'}」→「{b[j1:j2] or '（无）'}」")
        if len(shown) == limit:
            break
    return "；".join(shown) if shown else "文字不同"
