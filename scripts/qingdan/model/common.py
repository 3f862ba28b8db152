"""Building blocks shared by every record kind.

Every field carries its Chinese label (``title``) and a description; the JSON
Schema export, the validator's messages and the site all read them from here.
"""

from __future__ import annotations

import datetime as _dt
from typing import Annotated, Any, Literal

from urllib.parse import urlsplit

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints


def field(label: str, description: str = "", **kwargs: Any) -> Any:
    """A pydantic ``Field`` with its Chinese label and description."""
    return Field(title=label, description=description or label, **kwargs)


def optional(label: str, description: str = "", **kwargs: Any) -> Any:
    """An optional field: absent means None."""
    return field(label, description, default=None, **kwargs)


def _date_only(value: Any) -> Any:
    # YAML readers turn 2024-01-01 into a date; a quoted "2024-01-01" stays a
    # string. Both are fine. Integers are not: pydantic would read 20240101 as
    # a Unix timestamp and silently produce 1970-08-23.
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, (_dt.date, str)):
        return value
    raise ValueError("日期应写成 YYYY-MM-DD，例如 2024-01-01")


Date = Annotated[_dt.date, BeforeValidator(_date_only)]

# Text written by people: not empty, no whitespace (full-width spaces included)
# at either end. One final newline is allowed for block scalars (|). The
# pattern runs in pydantic-core's Rust regex engine, so it costs little.
TEXT_PATTERN = r"^\S(?s:.*\S)?\n?$"

# Length limits, in characters, by what a field holds. Real lists stay far
# below them (the longest names of the national lists have some 150
# characters, a quoted article some thousands); without them one 5-million
# character name built a 344 MB site. The checks run in pydantic-core, in Rust.
NAME_MAX = 500  # codes, names, titles, bodies, phone numbers, citations of an article
TEXT_MAX = 5_000  # descriptions, duties, cases, reasons, remarks
LONG_TEXT_MAX = 50_000  # the quoted text of a law (条文内容)

Name = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=NAME_MAX)]
Text = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=TEXT_MAX)]
LongText = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=LONG_TEXT_MAX)]

# Identifiers that name a folder and a page address (department and source
# ids): lower-case letters, digits and hyphens, starting and ending with a
# letter or digit. Anything else would make a broken or surprising URL.
ID_PATTERN = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
Identifier = Annotated[str, StringConstraints(pattern=ID_PATTERN)]

StrictBool = Annotated[bool, Field(strict=True)]


def web_address(url: str | None) -> str | None:
    """``url`` (stripped) if it is an absolute http(s) address safe to put in a link, else None.

    Anything else (javascript:, data:, a relative path, quotes or spaces that
    would break out of an attribute) is never linked.
    """
    if not url:
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c in url for c in '"<> \n\t'):
        return None
    return url.strip()


def _web_address_only(url: str) -> str:
    if web_address(url) is None:
        raise ValueError("应为以 http:// 或 https:// 开头的完整网址，例如 https://example.gov.cn/qingdan/"
                         "（不能含有空格、引号或尖括号）")
    return url


# An address the site links to: http(s) only, checked when the data is read.
WebAddress = Annotated[str, StringConstraints(pattern=TEXT_PATTERN, max_length=TEXT_MAX),
                       AfterValidator(_web_address_only)]


class Record(BaseModel):
    """Base of every record: unknown fields are errors, never dropped."""

    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=False,
    )


class LegalBasis(Record):
    """One citation of a legal source: 【level】《title》article + quoted text."""

    source: Name = field(
        "法律依据来源",
        "被引用的法律法规的标识（lists/sources.yml 或地方性法规目录中的 id/code）",
    )
    articles: Name | None = optional("条款", "引用的条、款、项，例如 第三十五条第一款")
    text: LongText | None = optional("条文内容", "引用的条文原文")


Status = Literal["在用", "已废止"]  # kinds.STATUS_IN_FORCE is the first


class Repeal(Record):
    """Why and when an item stopped being in force."""

    date: Date = field("废止日期", "事项依法停止实施的日期")
    basis: Text = field("废止依据", "决定废止或取消该事项的文件，例如 国务院决定、政府令")
    reason: Text | None = optional("废止原因", "")
