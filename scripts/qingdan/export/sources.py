"""The legal sources (lists/sources.yml) as downloads: CSV, XLSX and JSON.

Each row carries the registry's fields and, for laws the national law catalogue
holds, the catalogue's version date and status; sources it does not hold (行政法规,
规章, local regulations) say so instead of a guess.
"""

from __future__ import annotations

import functools
import json
import typing
from collections.abc import Iterator

from pydantic import BaseModel

from .. import model
from ..dataset import Dataset
from ..excel.citations import SourceIndex
from ..excel.rows import TableData
from ..laws.catalogue import Catalogue
from ..laws.checks import law_of

NOT_CATALOGUED = "不在国家法律目录中"
TITLE = "法律法规"
_FIELDS = tuple(model.LegalSource.model_fields)


def source_table(data: Dataset, catalogue: Catalogue | None) -> TableData:
    """One row per registered source, in file order, with the catalogue's view of it."""
    fields = model.LegalSource.model_fields
    headers = [fields[name].title or name for name in _FIELDS] + ["国家法律目录版本", "国家法律目录时效性"]
    cells = [_cell(name) for name in _FIELDS] + ["date", "text"]
    descriptions = [fields[name].description or "" for name in _FIELDS] + [
        "国家法律目录中该法现行版本的日期；目录只收宪法、法律和立法解释", "国家法律目录中的时效性"]
    rows = []
    for src in data.sources.values():
        version, status = catalogued(src, catalogue)
        rows.append([_value(getattr(src, name)) for name in _FIELDS] + [version, status])
    return TableData(TITLE, headers, cells, rows, descriptions)


def _cell(name: str) -> str:
    """The cell type of a field (as the lists' tables name them), from its annotation."""
    annotation = str(model.LegalSource.model_fields[name].annotation)
    return "date" if "date" in annotation else "bool" if "bool" in annotation else "text"


def _value(value: object) -> object:
    # Booleans as the other downloads write them (是/否, the Table Schema's true and false values).
    return ("是" if value else "否") if isinstance(value, bool) else value


def catalogued(src: model.LegalSource, catalogue: Catalogue | None) -> tuple[object, str]:
    """(the catalogue's version date, its status) for a source, or (None, why there is none)."""
    if catalogue is None:
        return None, "未核对（本机没有国家法律目录数据）"
    law = law_of(catalogue, src.model_dump(mode="json"))
    if law is None:
        return None, NOT_CATALOGUED
    return law.version_date, law.status


def sources_json(data: Dataset, catalogue: Catalogue | None) -> bytes:
    """``{"list": "sources", "title", "items": [...]}``: every field as in YAML, plus the catalogue's view."""
    items = []
    for src in data.sources.values():
        version, status = catalogued(src, catalogue)
        items.append(src.model_dump(mode="json") | {
            "catalogue": {"version_date": version.isoformat() if version else None, "status": status}})
    document = {"list": "sources", "title": TITLE, "items": items}
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def cited_sources(index: SourceIndex, record: BaseModel) -> dict[str, dict[str, str | None]]:
    """Title, level and document number of every source a record cites, by id (for JSON downloads)."""
    out: dict[str, dict[str, str | None]] = {}
    for basis in _bases(record):
        ref = index.by_id.get(basis.source)
        if ref is not None and basis.source not in out:
            out[basis.source] = {"title": ref.title, "level": ref.level, "document_number": ref.document_number}
    return out


def _bases(value: object) -> Iterator[model.LegalBasis]:
    """Every LegalBasis inside a record, looking only into the fields that can hold one."""
    if isinstance(value, model.LegalBasis):
        yield value
    elif isinstance(value, list):
        for entry in value:
            yield from _bases(entry)
    elif isinstance(value, BaseModel):
        for name in _basis_fields(type(value)):
            yield from _bases(getattr(value, name))


@functools.cache
def _basis_fields(cls: type[BaseModel]) -> tuple[str, ...]:
    """The fields of a model whose type contains LegalBasis at any depth."""
    return tuple(name for name, info in cls.model_fields.items() if _holds_basis(info.annotation))


def _holds_basis(annotation: object, seen: frozenset = frozenset()) -> bool:
    if annotation is model.LegalBasis:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        return any(_holds_basis(i.annotation, seen | {annotation}) for i in annotation.model_fields.values())
    return any(_holds_basis(arg, seen) for arg in typing.get_args(annotation))
