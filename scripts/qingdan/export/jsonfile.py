"""JSON for machines: a list's records per department, every field included."""

from __future__ import annotations

import json

from ..layout import BY_KEY
from ..excel.cells import Context
from ..excel.rows import Part


def json_bytes(kind: str, parts: list[Part], ctx: Context) -> bytes:
    """``{"list", "title", "departments": [{"id", "name", "data"}]}`` as UTF-8 JSON, keys in model order."""
    document = {
        "list": kind,
        "title": BY_KEY[kind].label,
        "departments": [
            {"id": part.department, "name": ctx.departments.get(part.department, part.department),
             "data": part.file_record.model_dump(mode="json")}
            for part in parts
        ],
    }
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")
