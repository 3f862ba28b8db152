"""The national law catalogue read from its SQLite file: laws, titles, articles."""

from __future__ import annotations

import datetime as dt
import functools
import re
import sqlite3
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import QingdanError
from . import data

PRC = "中华人民共和国"
IN_FORCE = "现行有效"

# A law's current version first, then the newest of the others.
_STATUS_RANK = {IN_FORCE: 0, "已被修改": 1, "历史版本": 2, "已废止": 3}

# A trailing note on the version, as people paste titles: 行政处罚法（2021年修订）.
_VERSION_NOTE = re.compile(r"\((?:\d{4}年?)?[^()]*(?:修正|修订|修改|版)?\)$")


@dataclass(frozen=True)
class Law:
    """One law (one version of it) in the catalogue."""

    law_id: str
    title: str
    level: str          # 宪法 or 法律
    doc_type: str       # 宪法, 法律, 立法解释, 修正案, 修改决定
    issuer: str | None
    promulgated: dt.date | None   # publication date of this version
    effective: dt.date | None
    version_date: dt.date | None
    status: str         # 现行有效, 已被修改, 历史版本, 已废止
    department: str | None

    @property
    def in_force(self) -> bool:
        return self.status == IN_FORCE


@dataclass(frozen=True)
class Article:
    """One article of a catalogued law."""

    law_id: str
    number: int | None  # 73 for 第七十三条 (and for 第七十三条之一)
    label: str          # 第七十三条, 第十七条之一, or 全文 for a text without articles
    chapter: str | None
    section: str | None
    text: str


def normalise_title(title: str) -> str:
    """The key a title is looked up by: no 《》, spaces, full-width forms or 中华人民共和国 prefix."""
    key = unicodedata.normalize("NFKC", title)
    key = re.sub(r"[\s《》〈〉<>\"'“”]", "", key)
    while True:
        shorter = _VERSION_NOTE.sub("", key)
        if shorter == key or not shorter:
            break
        key = shorter
    return key.removeprefix(PRC)


def _date(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


class Catalogue:
    """Read-only access to the catalogue's laws and articles.

    The laws (a few hundred rows) are read at once; articles are read per law
    on first use and kept, so validating many items citing the same law costs
    one query per law.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        # Read-only and immutable: the file may sit in a shared cache or an installed package.
        self._db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                   check_same_thread=False)
        try:
            rows = self._db.execute(
                "SELECT law_id, law_name, level, doc_type, issuing_body, publish_date, effective_date,"
                " version_date, status, law_department FROM laws").fetchall()
        except sqlite3.DatabaseError as exc:
            raise QingdanError(f"国家法律目录数据文件 {path} 无法读取（{exc}）；运行 {data.FETCH_COMMAND} --force 重新下载") from None
        self._laws = {r[0]: Law(r[0], r[1], r[2] or "", r[3] or "", r[4], _date(r[5]), _date(r[6]), _date(r[7]),
                                r[8] or "", r[9]) for r in rows}
        self._by_title: dict[str, list[Law]] = {}
        for law in self._laws.values():
            self._by_title.setdefault(normalise_title(law.title), []).append(law)
        for versions in self._by_title.values():
            versions.sort(key=_preference)
        self._article_cache: dict[str, tuple[tuple[Article, ...], dict[int, Article]]] = {}

    @functools.cached_property
    def fingerprint(self) -> str:
        """Identifies this catalogue's content (for caches of results computed from it)."""
        stat = self.path.stat()
        return f"{data.PACKAGE}-{data.VERSION}-{stat.st_size}-{len(self._laws)}"

    def __len__(self) -> int:
        return len(self._laws)

    def laws(self) -> Iterator[Law]:
        """Every law, current versions first."""
        return iter(sorted(self._laws.values(), key=lambda law: (_preference(law)[0], law.title)))

    def law(self, law_id: str) -> Law | None:
        """A law by its catalogue id."""
        return self._laws.get(law_id)

    def resolve(self, title: str) -> Law | None:
        """The law a title names (full or short, with or without 《》): its version in force if any."""
        versions = self._by_title.get(normalise_title(title))
        return versions[0] if versions else None

    def versions(self, title: str) -> list[Law]:
        """Every version of the law a title names, the one in force first."""
        return list(self._by_title.get(normalise_title(title), []))

    def search(self, query: str, limit: int = 20) -> list[Law]:
        """Laws whose title contains the query (normalised like titles), exact matches first."""
        key = normalise_title(query)
        if not key:
            return []
        exact = self._by_title.get(key, [])
        found = [law for k, versions in self._by_title.items() if key in k and k != key for law in versions]
        found.sort(key=lambda law: (_preference(law), len(law.title), law.title))
        return (exact + found)[:limit]

    def article(self, law_id: str, number: int) -> Article | None:
        """Article ``number`` (第N条, not 第N条之一) of a law, or None if the law has no such article."""
        return self._read(law_id)[1].get(number)

    def article_by_label(self, law_id: str, label: str) -> Article | None:
        """An article by its label as printed, e.g. 第十七条之一."""
        return next((a for a in self._read(law_id)[0] if a.label == label), None)

    def articles(self, law_id: str) -> list[Article]:
        """Every article of a law in order (with 之一 articles after their base article)."""
        return list(self._read(law_id)[0])

    def _read(self, law_id: str) -> tuple[tuple[Article, ...], dict[int, Article]]:
        cached = self._article_cache.get(law_id)
        if cached is None:
            rows = self._db.execute(
                "SELECT article_no_arabic, article_no, chapter, section, article_text FROM articles"
                " WHERE law_id = ? ORDER BY id", (law_id,)).fetchall()
            ordered = tuple(Article(law_id, r[0], r[1] or "", r[2], r[3], r[4] or "") for r in rows)
            numbered = {a.number: a for a in ordered if a.number is not None and "之" not in a.label}
            cached = self._article_cache[law_id] = (ordered, numbered)
        return cached


def _preference(law: Law) -> tuple[int, int]:
    """Sort key: the version in force first, then the newest."""
    return (_STATUS_RANK.get(law.status, 9), -(law.version_date or dt.date.min).toordinal())


@functools.lru_cache(maxsize=8)
def _open(path: Path) -> Catalogue:
    return Catalogue(path)


def open_catalogue(path: Path | None = None) -> Catalogue:
    """The catalogue (opened once per process and file); QingdanError in Chinese if its data is missing."""
    found = data.locate(path)
    if found is None:
        raise QingdanError(data.missing_message(path))
    return _open(found.resolve())
