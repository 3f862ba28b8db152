"""Legal-basis cells: ``【法律】《中华人民共和国食品安全法》（主席令第二十一号）第三十五条：条文…``.

A cell may hold several citations, one per paragraph. Import turns each title
into the id of a registered source (lists/sources.yml or the regulation
catalogue); export writes the full citation back, with a disambiguating note
in brackets when two sources share a title, so that import of an export gives
the same ids.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from ..model import LegalBasis
from .issues import CellError

_NUM = r"[\d〇零一二三四五六七八九十百千]+"
_ONE = rf"(?:第{_NUM}(?:条|款|项|章|节|目)(?:之[一二三四五六七八九十]+)?|第?[（(]{_NUM}[)）]项?)"
ARTICLES = re.compile(rf"{_ONE}(?:[、，,和及与至]?{_ONE})*")
_HEAD = re.compile(r"^(?:【(?P<level>[^】\n]*)】)?\s*《(?P<title>[^》\n]+)》(?P<rest>.*)$", re.S)
_PAREN = re.compile(r"^\s*[（(](?P<note>[^）)\n]*)[）)]")
_NUMBERING = re.compile(r"^\s*(?:\d+[.、．)）]|[（(]\d+[)）]|[①-⑳])\s*(?=[【《])")
_INLINE = re.compile(r"(?<=[；;。])\s*(?=[【《])")
_CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日(?:公布|发布)?$")
_COLONS = "：:"
_NATIONAL = "中华人民共和国"


@dataclass(frozen=True)
class SourceRef:
    """What a citation needs to know about a source."""

    id: str
    title: str
    level: str
    document_number: str | None = None
    promulgated: dt.date | None = None
    in_force: bool = True


class SourceIndex:
    """Sources by id and by title, to resolve and to write citations."""

    def __init__(self, sources: list[SourceRef], learner: Callable[[str], SourceRef | None] | None = None) -> None:
        self.by_id: dict[str, SourceRef] = {}
        self._by_title: dict[str, list[SourceRef]] = defaultdict(list)
        self._titles: list[str] = []
        # Asked for a title no source has (import: the national catalogue, or a stub); None: unknown stays unknown.
        self.learner = learner
        for source in sources:
            self.add(source)

    def add(self, source: SourceRef) -> None:
        """Know one more source (import registers it in lists/sources.yml when it writes)."""
        self.by_id[source.id] = source
        self._by_title[_title_key(source.title)].append(source)
        if source.title not in self._titles:
            # Longest first, so that a title without 《》 at the start of a line is found whole.
            self._titles.append(source.title)
            self._titles.sort(key=len, reverse=True)

    def learn(self, title: str) -> list[SourceRef]:
        """The candidates for a title, asking the learner when no source has it."""
        found = self.candidates(title)
        if found or self.learner is None:
            return found
        learned = self.learner(title)
        if learned is None:
            return []
        if learned.id not in self.by_id:
            self.add(learned)
        return [self.by_id[learned.id]]

    def candidates(self, title: str) -> list[SourceRef]:
        key = _title_key(title)
        found = self._by_title.get(key) or self._by_title.get(_title_key(_NATIONAL + title), [])
        if not found and key.startswith(_NATIONAL):
            found = self._by_title.get(_title_key(title[len(_NATIONAL):]), [])
        return found

    def title_at_start(self, line: str) -> str | None:
        return next((t for t in self._titles if line.startswith(t)), None)


def _title_key(title: str) -> str:
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", title))


# ---- writing ----------------------------------------------------------------

def write(bases: list[LegalBasis], index: SourceIndex) -> str:
    """The cell text of a list of citations, one paragraph each."""
    return "\n".join(_write_one(basis, index) for basis in bases)


def _write_one(basis: LegalBasis, index: SourceIndex) -> str:
    source = index.by_id.get(basis.source)
    if source is None:
        head = f"《{basis.source}》"
    else:
        head = f"【{source.level}】《{source.title}》" + _note(source, index)
    return head + _tail(basis.articles, basis.text)


def _note(source: SourceRef, index: SourceIndex) -> str:
    if source.document_number:
        return f"（{source.document_number}）"
    if len(index.candidates(source.title)) < 2:
        return ""
    if source.promulgated:
        d = source.promulgated
        return f"（{d.year}年{d.month}月{d.day}日公布）"
    return f"（{source.id}）"


def _tail(articles: str | None, text: str | None) -> str:
    if articles and text:
        return f"{articles}：{text}"
    if articles:
        return articles if ARTICLES.fullmatch(articles) else f"{articles}："
    return f"：{text}" if text else ""


# ---- reading ----------------------------------------------------------------

def read(cell: str, index: SourceIndex) -> list[dict]:
    """Citations in a cell as legal-basis mappings; raise CellError listing every problem."""
    found, unknown, other = [], [], []
    for piece in split(cell, index):
        try:
            found.append(_read_one(piece, index))
        except _UnknownTitle as exc:
            unknown.append(str(exc))
        except CellError as exc:
            other.append(exc)
    if unknown:
        titles = "、".join(f"《{t}》" for t in unknown)
        raise CellError(f"法律依据 {titles} 没有登记",
                            "先在 lists/sources.yml（或地方性法规目录）中登记该法律法规，再重新导入；"
                            "也可能是书名写法与登记的标题不同")
    if other:
        raise CellError("；".join(str(e) for e in other), other[0].hint)
    return found


def split(cell: str, index: SourceIndex) -> list[str]:
    """One piece per citation: a new one starts at a line beginning with 【, 《 or a known title."""
    pieces: list[str] = []
    # 《甲》第三条；《乙》第五条 on one line is two citations, as often as two lines are.
    for line in (part for whole in cell.split("\n") for part in _INLINE.split(whole)):
        bare = _NUMBERING.sub("", line).strip()
        starts = bare.startswith(("【", "《")) or (bare and index.title_at_start(bare))
        if starts or not pieces:
            pieces.append(bare)
        else:
            pieces[-1] += "\n" + line
    return [p.rstrip().rstrip("；;，,") for p in pieces if p.strip()]  # the separator is not the text


class _UnknownTitle(CellError):
    pass


def _read_one(piece: str, index: SourceIndex) -> dict:
    match = _HEAD.match(piece)
    if match:
        title, rest = match.group("title").strip(), match.group("rest")
    else:
        title = index.title_at_start(piece) or ""
        rest = piece[len(title):]
        if not title:
            shown = piece.split("\n")[0][:40]
            raise CellError(f"无法识别法律依据“{shown}”",
                                "每条依据写成 【效力层级】《法律法规名称》第X条：条文，多条依据分行填写")
    candidates = index.learn(title)
    if not candidates:
        raise _UnknownTitle(title)
    note = _PAREN.match(rest)
    source = _choose(candidates, note.group("note").strip() if note else None)
    if note and source is not None and _names(source, note.group("note").strip()):
        rest = rest[note.end():]
    if source is None:
        ids = "、".join(c.id for c in candidates)
        raise CellError(f"《{title}》有多个版本（{ids}），无法确定引用的是哪一个",
                            "在书名号后用括号注明文号，例如 《…》（主席令第七十号）第三条")
    articles, text = split_articles(rest)
    entry = {"source": source.id}
    if articles:
        entry["articles"] = articles
    if text:
        entry["text"] = text
    return entry


def _choose(candidates: list[SourceRef], note: str | None) -> SourceRef | None:
    if note:
        named = [c for c in candidates if _names(c, note)]
        if len(named) == 1:
            return named[0]
    if len(candidates) == 1:
        return candidates[0]
    in_force = [c for c in candidates if c.in_force]
    return in_force[0] if len(in_force) == 1 else None


def _names(source: SourceRef, note: str) -> bool:
    """True if a bracketed note identifies this source: its number, date or id."""
    if note in (source.document_number, source.id):
        return True
    match = _CN_DATE.match(note)
    if match and source.promulgated:
        return dt.date(*map(int, match.groups())) == source.promulgated
    return bool(source.promulgated) and note == source.promulgated.isoformat()


def split_articles(rest: str) -> tuple[str | None, str | None]:
    """Articles and quoted text after the title: ``第三十五条：国家对…`` → both parts."""
    rest = rest.strip()
    if not rest:
        return None, None
    match = ARTICLES.match(rest)
    after = rest[match.end():match.end() + 1] if match else ""
    if match and after and after in _COLONS:
        return match.group(), rest[match.end() + 1:].strip() or None
    if rest[0] in _COLONS:
        return None, rest[1:].strip() or None
    first_line = rest.split("\n", 1)[0]
    colon = min((i for i in (first_line.find(c) for c in _COLONS) if i >= 0), default=-1)
    if 0 < colon <= 40 and "。" not in first_line[:colon]:
        return rest[:colon].strip() or None, rest[colon + 1:].strip() or None
    if match and (not after or after.isspace()):
        return match.group(), rest[match.end():].strip() or None
    return None, rest
