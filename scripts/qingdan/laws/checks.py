"""Rules that check legal bases against the national law catalogue.

Each rule is a generator over the validator's :class:`~qingdan.rules.Index`, like
the rules in rules.py. Only sources at a level the catalogue holds (宪法, 法律)
are looked up; for every other level the rules stay silent rather than guess,
and :func:`coverage` counts those citations so the report can say they were
not checked.

Results for one citation depend only on the citation, its source and the
catalogue, so they are memoised: large lists cite the same articles many times.
A file's results depend only on that file, sources.yml (and the regulation
catalogues), the day and the catalogue, so the validator runs these rules file
by file and caches them with the file (validate/across.py).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..problems import Problem
from .catalogue import Article, Catalogue, Law
from .citation import ArticleRef, chinese_label, difference, parse_articles, quote_matches

if TYPE_CHECKING:
    from ..rules import Index

CATALOGUED_LEVELS = ("宪法", "法律")
# Citations of these levels name an article (a whole law or regulation is too broad a basis).
ARTICLE_LEVELS = ("法律", "行政法规")
IN_FORCE = ("在用", "有效")
STATUS_OF = {"现行有效": "现行有效", "已被修改": "已修改", "历史版本": "已修改", "已废止": "已废止"}
_HINT_TEXT_MAX = 400
_FIELD_OF = {"article-missing": "articles", "article-format": "articles", "article-text": "text"}


def law_of(catalogue: Catalogue | None, source: dict) -> Law | None:
    """The catalogued version a registered source is, or None (not a law, or not in the catalogue)."""
    if catalogue is None or source.get("level") not in CATALOGUED_LEVELS:
        return None
    versions = catalogue.versions(source["title"])
    if not versions:
        return None
    if source.get("status", "现行有效") == "现行有效":
        return versions[0] if versions[0].in_force else None
    # An older version: only the one the catalogue dates the same way, never a guess.
    dated = source.get("amended") or source.get("promulgated")
    return next((v for v in versions if not v.in_force and v.version_date and v.version_date.isoformat() == dated),
                None)


@dataclass
class Checked:
    """What the catalogue says about one citation: problems as (code, message, hint)."""

    findings: list[tuple[str, str, str]]


def rules(index: "Index") -> Iterator[Problem]:
    """Every catalogue problem of every citation, then of every registered source."""
    yield from citations(index)
    yield from source_metadata(index)


def citations(index: "Index") -> Iterator[Problem]:
    """Articles exist, quotes match, amended laws are reviewed, laws and regulations name articles."""
    from ..rules import cites

    check = index.memo.get("citation")
    if check is None:  # one memo for every view of the index (the validator checks file by file)
        check = index.memo["citation"] = functools.lru_cache(maxsize=None)(
            functools.partial(_check_citation, index.catalogue))
    reviewed: set[tuple[int, str]] = set()
    sources = index.sources
    laws = _laws(index)
    for path, cite, record in cites(index):
        source_id = cite["source"]
        found = sources.get(source_id)
        if found is None or (record is not None and record.get("status") not in IN_FORCE):
            continue
        source = found[1]
        law = laws[source_id] if source_id in laws else _law(index, source_id, source)
        articles = cite.get("articles")
        if law is None and articles:
            # Outside the catalogue only the form of the articles is checked: one memo entry per value,
            # however many sources and quotes carry it.
            checked = check("", None, None, articles, None)
        else:
            checked = check(source.get("title", source_id), law, source.get("level"), articles,
                            cite.get("text") if law is not None else None)
        for code, message, hint in checked.findings:
            # Point at the field at fault: the articles, the quoted text, or the citation itself.
            at = _FIELD_OF.get(code)
            yield index.problem(code, message, path, [*cite["loc"][:-1], at] if at else cite["loc"], hint)
        # One review warning per record and law, on the first citation of it (records live as long as the index).
        if law is not None and record is not None and (id(record), source_id) not in reviewed:
            reviewed.add((id(record), source_id))
            problem = _revised(index, path, cite, record, law)
            if problem is not None:
                yield problem


def _laws(index: "Index") -> dict[str, Law | None]:
    """The catalogued law of each source id looked up so far (kept on the index and its views)."""
    return index.memo.setdefault("catalogued", {})


def _law(index: "Index", source_id: str, source: dict) -> Law | None:
    cache = _laws(index)
    if source_id not in cache:
        cache[source_id] = law_of(index.catalogue, source)
    return cache[source_id]


def _check_citation(catalogue: Catalogue, source_title: str, law: Law | None, level: str | None,
                    articles: str | None, text: str | None) -> Checked:
    findings: list[tuple[str, str, str]] = []
    title = f"《{law.title if law else source_title}》"
    if not articles:
        if level in ARTICLE_LEVELS:
            findings.append(_no_article(catalogue, law, title, level, text))
        return Checked(findings)
    parsed = parse_articles(articles)
    if not parsed.understood:
        findings.append(("article-format", f"条款“{articles}”无法识别",
                         "写成 第三十五条、第三十五条第一款、第十二条、第十四条 或 第七十六条至第八十三条"))
        return Checked(findings)
    if law is None or parsed.structural:
        return Checked(findings)
    quoted: list[str] = []
    for ref in parsed.refs:
        article = _article(catalogue, law, ref)
        missing = _missing(catalogue, law, title, ref, article)
        if missing:
            findings.append(missing)
        elif article is not None:
            quoted.append(_part(article, ref))
    if text and quoted and len(quoted) == len(parsed.refs) and not quote_matches(text, "\n".join(quoted)):
        version = f"（{law.version_date} 版本）" if law.version_date else ""
        findings.append(("article-text", f"引用的条文与{title}{articles}的现行文本{version}不同：{difference(text, chr(10).join(quoted))}",
                         _text_hint(quoted)))
    return Checked(findings)


def _article(catalogue: Catalogue, law: Law, ref: ArticleRef) -> Article | None:
    if ref.insert:
        return catalogue.article_by_label(law.law_id, ref.article_label)
    return catalogue.article(law.law_id, ref.number)


_ITEM_LINE = re.compile(r"^\s*[（(][一二三四五六七八九十]+[)）]")


def _paragraphs(article: Article) -> list[str]:
    """The article's paragraphs (款); lines of numbered items (（一）…) belong to the paragraph above."""
    out: list[str] = []
    for line in (line for line in article.text.split("\n") if line.strip()):
        if out and _ITEM_LINE.match(line):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def _items(text: str) -> int:
    count = 0
    while f"（{chinese_label(count + 1)}）" in text:
        count += 1
    return count


def _part(article: Article, ref: ArticleRef) -> str:
    paragraphs = _paragraphs(article)
    return paragraphs[ref.paragraph - 1] if ref.paragraph and ref.paragraph <= len(paragraphs) else article.text


def _missing(catalogue: Catalogue, law: Law, title: str, ref: ArticleRef,
             article: Article | None) -> tuple[str, str, str] | None:
    """The article-missing finding for a reference the law does not have, if it does not."""
    if article is None:
        numbered = [a for a in catalogue.articles(law.law_id) if a.number]
        last = numbered[-1].label if numbered else "（无条文）"
        return ("article-missing", f"{title}没有{ref.article_label}",
                f"核对条款序号：该法现行版本（{law.version_date}）共 {len(numbered)} 条，从第一条到{last}")
    paragraphs = _paragraphs(article)
    if ref.paragraph and ref.paragraph > len(paragraphs):
        return ("article-missing", f"{title}{ref.article_label}没有第{chinese_label(ref.paragraph)}款",
                f"{ref.article_label}共 {len(paragraphs)} 款；核对款的序号")
    if ref.item:
        within = _part(article, ref) if ref.paragraph else article.text
        count = _items(within)
        if ref.item > count:
            where = ref.article_label + (f"第{chinese_label(ref.paragraph)}款" if ref.paragraph else "")
            return ("article-missing", f"{title}{where}没有第（{chinese_label(ref.item)}）项",
                    f"{where}共 {count} 项；核对项的序号" if count else f"{where}不分项；删去“第…项”")
    return None


def _text_hint(quoted: list[str]) -> str:
    current = "\n".join(quoted)
    if len(current) <= _HINT_TEXT_MAX:
        return f"改为现行条文：{current}"
    return f"按现行条文更新（共 {len(current)} 字，开头为：{current[:60]}…）"


def _no_article(catalogue: Catalogue, law: Law | None, title: str, level: str,
                text: str | None) -> tuple[str, str, str]:
    hint = "写明引用的条款，例如 articles: 第十二条"
    if law is not None and text:
        found = [a.label for a in catalogue.articles(law.law_id) if quote_matches(text, a.text)]
        if len(found) == 1:
            hint = f"条文内容出自{found[0]}：写 articles: {found[0]}"
    return ("article-required", f"引用{level}{title}未写明条款", hint)


def _revised(index: "Index", path: str, cite: dict, record: dict, law: Law) -> Problem | None:
    """依据已修改，请复核: the law's version is later than the record's effective or review date."""
    # A version dated after the day of validation was not there to review on that day.
    if law.version_date is None or law.version_date > index.today:
        return None
    checked = max(record.get("effective") or "", record.get("basis_reviewed") or "")
    if not checked or law.version_date.isoformat() <= checked:
        return None
    what = "依据复核日期" if record.get("basis_reviewed") == checked else "生效日期"
    return index.problem(
        "source-revised", f"依据已修改，请复核：《{law.title}》的现行版本为 {law.version_date}，晚于本事项的{what} {checked}",
        path, cite["loc"],
        f"按 {law.version_date} 版本核对引用的条款和条文后，在本事项写 basis_reviewed: {index.today.isoformat()}"
        "（复核的日期）")


# ---- sources.yml against the catalogue ----------------------------------------------

_FIELDS = (("title", "标题"), ("issuer", "制定机关"), ("status", "时效性"))


def source_metadata(index: "Index") -> Iterator[Problem]:
    """Registered laws agree with the catalogue on title, issuer, dates and status."""
    if index.catalogue is None:
        return
    for path, _f, source in index.each("sources"):
        if source["level"] not in CATALOGUED_LEVELS:
            continue
        versions = index.catalogue.versions(source["title"])
        if not versions:
            if source.get("status", "现行有效") == "现行有效":
                yield _not_catalogued(index, path, source)
            continue
        law = law_of(index.catalogue, source)
        if law is None:
            if source.get("status", "现行有效") == "现行有效":
                current = versions[0]
                yield index.problem(
                    "source-catalogue", f"《{source['title']}》在国家法律目录中为{current.status}，这里写的是 现行有效",
                    path, [*source["loc"], "status"],
                    f"核对后改为 status: {STATUS_OF.get(current.status, current.status)}" + (
                        "，并填写 repealed（废止日期）" if current.status == "已废止" else ""))
            continue
        for key, value, label in _disagreements(source, law):
            yield index.problem(
                "source-catalogue",
                f"《{law.title}》的{label}与国家法律目录不同：这里是 {source.get(key) or '（未填）'}，目录为 {value}",
                path, [*source["loc"], key], f"核对后改为 {key}: {value}")


def _disagreements(source: dict, law: Law) -> Iterator[tuple[str, str, str]]:
    """(field, catalogue value, label) for each field of a source the catalogue contradicts."""
    if source["title"] != law.title:
        yield "title", law.title, "标题"
    if law.issuer and source.get("issuer") and source["issuer"] != law.issuer:
        yield "issuer", law.issuer, "制定机关"
    # Where sources.yml records amendments, the catalogue's effective date may be the latest
    # version's rather than the law's first: compared only for laws recorded as never amended.
    if law.effective and source.get("effective") and not source.get("amended") \
            and source["effective"] != law.effective.isoformat():
        yield "effective", law.effective.isoformat(), "施行日期"
    if law.version_date and law.in_force:
        version = law.version_date.isoformat()
        if version in (source.get("amended"), source.get("promulgated")):
            return
        # Only a value written down can disagree; a missing date is not reported here.
        # The catalogue dates a law by its current version: an amendment when later than
        # the law's effective date (or when sources.yml records amendments), else its promulgation.
        amended = bool(source.get("amended") or (law.effective and law.version_date > law.effective))
        key, label = ("amended", "最近修改日期") if amended else ("promulgated", "公布日期")
        if source.get(key):
            yield key, version, label


def _not_catalogued(index: "Index", path: str, source: dict) -> Problem:
    close = index.catalogue.search(source["title"], limit=3) if index.catalogue else []
    hint = (f"是不是《{close[0].title}》？" if close else "") + (
        "核对标题；国家法律目录只收宪法、法律和立法解释，行政法规、规章等请核对效力层级")
    return index.problem("source-not-catalogued", f"《{source['title']}》标为{source['level']}，但不在国家法律目录中",
                         path, [*source["loc"], "title"], hint)


def coverage(index: "Index") -> tuple[int, int]:
    """(citations checked against the catalogue, citations of sources it does not hold), in-force records only."""
    from ..rules import cites

    checked = outside = 0
    for _path, cite, record in cites(index):
        found = index.sources.get(cite["source"])
        if found is None or (record is not None and record.get("status") not in IN_FORCE):
            continue
        if _law(index, cite["source"], found[1]) is not None:
            checked += 1
        else:
            outside += 1
    return checked, outside


def catalogue_missing(index: "Index") -> Iterator[Problem]:
    """One warning when validation ran without the catalogue: no legal basis was checked against it.

    Not in rules.RULES: only validate() knows whether the catalogue was asked for and missing.
    """
    if index.catalogue is not None or not index.facts.get("sources.yml"):
        return
    from .data import missing_message

    yield index.problem("law-catalogue-missing", "未与国家法律目录核对法律依据：" + missing_message(),
                        "sources.yml", [], "运行 qingdan sources fetch 后重新校验")


__all__ = ["catalogue_missing", "citations", "coverage", "law_of", "rules", "source_metadata"]
