"""Registering a catalogued law in lists/sources.yml (comments and layout kept)."""

from __future__ import annotations

import re
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import QingdanError
from ..load.parse import parse
from ..model.common import ID_PATTERN
from ..model.registry import LegalSource
from .catalogue import IN_FORCE, Catalogue, Law, normalise_title

SOURCES = "sources.yml"

# The catalogue's 时效性 in the words sources.yml uses.
STATUS_OF = {IN_FORCE: "现行有效", "已被修改": "已修改", "历史版本": "已修改"}


@dataclass(frozen=True)
class Registration:
    """What registering a law does: the source id, and the new file text (None when already there)."""

    source_id: str
    law: Law
    text: str | None

    @property
    def added(self) -> bool:
        return self.text is not None


def registered_sources(lists_dir: Path) -> list[dict[str, Any]]:
    """The entries of lists/sources.yml as plain data (empty if the file is missing or unreadable)."""
    path = lists_dir / SOURCES
    try:
        data = parse(path.read_text(encoding="utf-8"), f"lists/{SOURCES}").data
    except (OSError, UnicodeDecodeError):
        return []
    items = data.get("items") if isinstance(data, dict) else None
    return [item for item in items or [] if isinstance(item, dict)]


def find_registered(lists_dir: Path, law: Law) -> str | None:
    """The id under which lists/sources.yml already holds this law's version in force, if it does."""
    key = normalise_title(law.title)
    same = [item for item in registered_sources(lists_dir)
            if isinstance(item.get("title"), str) and normalise_title(item["title"]) == key]
    current = [item for item in same if item.get("status", "现行有效") == STATUS_OF.get(law.status)]
    chosen = (current or same)[:1]
    return str(chosen[0]["id"]) if chosen and chosen[0].get("id") else None


def plan_registration(lists_dir: Path, catalogue: Catalogue, title: str, *,
                      source_id: str | None = None) -> Registration:
    """Resolve ``title`` in the catalogue and prepare its sources.yml entry (nothing written)."""
    # Imported here: scaffold pulls in the Excel importer, which `sources find` does not need.
    from ..scaffold import append_entry

    law = catalogue.resolve(title)
    if law is None:
        raise QingdanError(_not_found(catalogue, title))
    existing = find_registered(lists_dir, law)
    if existing is not None and source_id in (None, existing):
        return Registration(existing, law, None)
    chosen = source_id or f"law-{law.law_id.lower()}"
    _check_id(lists_dir, chosen)
    entry = source_entry(law, chosen)
    LegalSource.model_validate(entry)  # a catalogue value our schema refuses fails here, not in the file
    from ..fmt import to_tree
    return Registration(chosen, law, append_entry(lists_dir, SOURCES, "items", to_tree(entry), chosen).text)


def register_source(lists_dir: Path, catalogue: Catalogue, title: str, *, source_id: str | None = None) -> str:
    """Add the catalogued law ``title`` to lists/sources.yml unless it is there; return its source id."""
    from ..files import write_atomic

    registration = plan_registration(lists_dir, catalogue, title, source_id=source_id)
    if registration.text is not None:
        write_atomic(lists_dir / SOURCES, registration.text)
    return registration.source_id


def source_entry(law: Law, source_id: str) -> dict[str, Any]:
    """The sources.yml fields for a catalogued law, from the catalogue's values only."""
    levels = typing.get_args(LegalSource.model_fields["level"].annotation)
    if law.level not in levels:
        raise QingdanError(f"《{law.title}》的效力层级是 {law.level}，lists/sources.yml 还不能登记这一层级")
    status = STATUS_OF.get(law.status)
    if status is None:
        raise QingdanError(f"《{law.title}》在国家法律目录中{law.status}，不能作为现行依据登记")
    entry: dict[str, Any] = {"id": source_id, "title": law.title, "level": law.level}
    if law.issuer:
        entry["issuer"] = law.issuer
    # The catalogue dates each law by its current version: a version published after the
    # law took effect is an amendment; otherwise it is the law's own promulgation.
    amended = law.version_date and law.effective and law.version_date > law.effective
    if law.promulgated and not amended:
        entry["promulgated"] = law.promulgated
    if law.effective:
        entry["effective"] = law.effective
    entry["status"] = status
    if amended:
        entry["amended"] = law.version_date
    return entry


def _check_id(lists_dir: Path, source_id: str) -> None:
    if not re.match(ID_PATTERN, source_id):
        raise QingdanError(f"标识 {source_id!r} 只能用小写字母、数字和连字符（不超过 64 个字符），例如 law-food-safety")
    if any(item.get("id") == source_id for item in registered_sources(lists_dir)):
        raise QingdanError(f"lists/{SOURCES} 中已有标识 {source_id}，换一个 --id")


def _not_found(catalogue: Catalogue, title: str) -> str:
    close = catalogue.search(title, limit=5)
    hint = f"；相近的有：{'、'.join('《' + law.title + '》' for law in close)}" if close else ""
    return (f"国家法律目录中没有《{title.strip()}》（目录只收法律、宪法和立法解释；"
            f"行政法规、规章和地方性法规请手工写入 lists/{SOURCES}）{hint}")
