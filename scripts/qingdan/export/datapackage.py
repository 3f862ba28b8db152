"""downloads/datapackage.json: a Frictionless Data Package describing every download file.

Each resource has its path, format, media type, encoding, size and SHA-256
hash; CSV resources carry a Table Schema whose fields have Chinese names and
titles (the CSV's own header) and descriptions from the model.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field

from ..excel.rows import TableData

MEDIA_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
_FIELD_TYPES = {"date": "date", "int": "integer", "bool": "boolean"}


@dataclass
class Resource:
    """One download file, as the package lists it."""

    path: str  # relative to the package (downloads/)
    format: str
    raw: bytes
    title: str
    tables: list[TableData] = field(default_factory=list)  # CSV: one table; XLSX: one per sheet
    sha256: str | None = None  # of ``raw``, if worked out already

    def descriptors(self) -> list[dict]:
        """The resource entries: one per sheet for a workbook, one otherwise."""
        base = {
            "name": re.sub(r"[^a-z0-9._-]", "-", self.path.lower().replace("/", "-").replace(".", "-")),
            "title": self.title,
            "path": self.path,
            "format": self.format,
            "mediatype": MEDIA_TYPES[self.format],
            "bytes": len(self.raw),
            "hash": "sha256:" + (self.sha256 or hashlib.sha256(self.raw).hexdigest()),
        }
        if self.format == "json":
            return [base | {"encoding": "utf-8", "type": "json"}]
        if self.format == "csv":
            return [base | {"encoding": "utf-8", "type": "table", "schema": schema(self.tables[0]),
                            "dialect": {"csv": {"delimiter": ",", "lineTerminator": "\r\n"}}}]
        entries = []
        for i, table in enumerate(self.tables):
            name = base["name"] if i == 0 else f"{base['name']}-{i + 1}"
            entries.append(base | {"name": name, "title": f"{self.title}：{table.title}", "type": "table",
                                   "schema": schema(table), "dialect": {"excel": {"sheet": table.title}}})
        return entries


def schema(table: TableData) -> dict:
    """A Table Schema for a CSV table: Chinese names and titles, types, descriptions."""
    fields = []
    for i, (header, cell) in enumerate(zip(table.headers, table.cells)):
        entry = {"name": header, "title": header, "type": _FIELD_TYPES.get(cell, "string")}
        if table.descriptions and table.descriptions[i]:
            entry["description"] = table.descriptions[i]
        if cell == "bool":
            entry["trueValues"], entry["falseValues"] = ["是"], ["否"]
        fields.append(entry)
    return {"fields": fields}


def descriptor(site_name: str, entries: list[dict]) -> bytes:
    """The package descriptor as deterministic JSON bytes, from the resources' descriptor entries."""
    package = {
        "name": "qingdan-downloads",
        "title": f"{site_name}：清单数据下载",
        "description": "权力清单、责任清单、市场准入负面清单和地方性法规目录，按部门和全站提供 CSV、XLSX 和 JSON。",
        "resources": entries,
    }
    return (json.dumps(package, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
