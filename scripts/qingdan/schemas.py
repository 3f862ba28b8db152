"""JSON Schema export: one schema per kind of data file, generated from the models.

The models stay the one source of truth; the exported files let editors
(and tools such as check-jsonschema) check a file and show the Chinese labels
while people type. A test fails when the committed files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .layout import KINDS, FileKind
from .model.common import TEXT_PATTERN

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ID_PREFIX = "urn:qingdan:schema:"
SUFFIX = ".schema.json"

# pydantic-core (Rust) reads ``(?s:...)``, ECMAScript regex engines used by
# editors and check-jsonschema do not; ``[\s\S]`` says the same everywhere.
PORTABLE_TEXT_PATTERN = r"^\S(?:[\s\S]*\S)?\n?$"


def filename(kind: FileKind) -> str:
    """The name of the exported schema of a kind, e.g. powers.schema.json."""
    return kind.key + SUFFIX


def schema_of(kind: FileKind) -> dict[str, Any]:
    """The JSON Schema of one kind of file, with its id, Chinese title and description."""
    generated = _portable(kind.model.model_json_schema())
    where = f"lists/<部门>/{kind.filename}" if kind.per_department else f"lists/{kind.filename}"
    head = {
        "$schema": SCHEMA_DIALECT,
        "$id": ID_PREFIX + kind.key,
        "title": f"{kind.label}（{kind.filename}）",
        "description": f"{where} 的数据结构。由 qingdan schema 根据数据模型生成，请勿手工修改。",
    }
    rest = {k: v for k, v in generated.items() if k not in head}
    return head | rest


def render(kind: FileKind) -> str:
    """The exported text: two-space indent, Chinese kept as is, a final newline."""
    return json.dumps(schema_of(kind), ensure_ascii=False, indent=2) + "\n"


def rendered() -> dict[str, str]:
    """Every schema file name with its text, in the order of layout.KINDS."""
    return {filename(kind): render(kind) for kind in KINDS}


def write(out_dir: Path) -> list[Path]:
    """Write every schema to ``out_dir``, remove left-over ones; return what changed."""
    out_dir.mkdir(parents=True, exist_ok=True)
    expected = rendered()
    changed = []
    for name, text in expected.items():
        path = out_dir / name
        data = text.encode("utf-8")
        if not path.is_file() or path.read_bytes() != data:
            path.write_bytes(data)
            changed.append(path)
    for path in sorted(out_dir.glob("*" + SUFFIX)):
        if path.name not in expected:
            path.unlink()
            changed.append(path)
    return changed


def stale(out_dir: Path) -> list[str]:
    """Names of schema files in ``out_dir`` that are missing, outdated or left over."""
    expected = rendered()
    found = {p.name for p in out_dir.glob("*" + SUFFIX)} if out_dir.is_dir() else set()
    wrong = [
        name for name, text in expected.items()
        if name not in found or (out_dir / name).read_bytes() != text.encode("utf-8")
    ]
    return wrong + sorted(found - set(expected))


def _portable(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: PORTABLE_TEXT_PATTERN if k == "pattern" and v == TEXT_PATTERN else _portable(v)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_portable(v) for v in node]
    return node
