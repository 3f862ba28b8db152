"""JSON for machines: a list's records per department, every field included.

One department per line, each serialised by pydantic on its own: the whole
site's list is hundreds of megabytes, too much to hold as one tree of dicts.
"""

from __future__ import annotations

import json

from ..excel.cells import Context
from ..excel.rows import Part
from ..layout import BY_KEY
from .sources import cited_sources


def json_piece(part: Part, ctx: Context, dump: bytes | None = None) -> bytes:
    """One department's entry of ``departments``: pieces made apart join into one file (json_join).

    ``dump``: the record's ``model_dump_json()`` as UTF-8, when the caller has it already.
    """
    entry = {"id": part.department, "name": ctx.departments.get(part.department, part.department)}
    data = dump if dump is not None else part.file_record.model_dump_json().encode("utf-8")
    # Each cited source's title, level and number, so the file reads without sources.yml.
    sources = json.dumps(cited_sources(ctx.sources, part.file_record), ensure_ascii=False,
                         separators=(",", ":")).encode("utf-8")
    return _open(entry) + b',"data":' + data + b',"sources":' + sources + b"}"


def json_join(kind: str, pieces: list[bytes]) -> bytes:
    """The file of a list from its departments' pieces (json_piece), one a line:
    ``{"list", "title", "departments": [{"id", "name", "data", "sources"}]}`` as UTF-8 JSON, keys in model order.

    ``sources`` gives the title, level and document number of every source ``data`` cites, by id.
    """
    head = {"list": kind, "title": BY_KEY[kind].label}
    # Joined once: the site's file is a quarter of a gigabyte at 100,000 items, and each + would copy it.
    joined = [_open(head) + b',"departments":[\n']
    for n, piece in enumerate(pieces):
        joined += (b",\n", piece) if n else (piece,)
    joined.append(b"\n]}\n")
    return b"".join(joined)


def _open(value: dict[str, str]) -> bytes:
    """A JSON object without its closing brace, so more members can follow."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))[:-1].encode("utf-8")
