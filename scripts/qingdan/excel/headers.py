"""Header synonyms: which spreadsheet column holds which field.

The default mapping is ``headers.yml`` in this package; a site adds its own
spellings in ``qingdan-headers.yml`` at the repository root (or a file given
with ``--headers``). The first spelling of each field is the standard header
that exports write.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import QingdanError

DEFAULT_FILE = Path(__file__).with_name("headers.yml")
SITE_FILE = "qingdan-headers.yml"

# Notes in headers that say nothing about the column: （必填）, (选填), *.
_NOTES = re.compile(r"[（(](?:必填|选填|必选|可选|多选|单选|可多选)[)）]")
_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】「」“”\"'·•、/／_\-—]")


def normalise(text: Any) -> str:
    """A header as compared: full-width folded, no spaces, brackets, stars or notes."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = _NOTES.sub("", value)
    return _NOISE.sub("", value).lower()


@dataclass
class HeaderMap:
    """Synonyms per table and field, value spellings, and columns to skip."""

    tables: dict[str, dict[str, list[str]]]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    power_types: dict[str, str] = field(default_factory=dict)
    ignore: list[str] = field(default_factory=list)

    def standard(self, table: str, field_path: str) -> str:
        """The header exports write for a field."""
        return self.tables[table][field_path][0]

    def lookup(self, table: str) -> dict[str, str]:
        """Normalised spelling → field, for one table (earlier spellings win)."""
        found: dict[str, str] = {}
        for field_path, spellings in self.tables[table].items():
            for spelling in spellings:
                found.setdefault(normalise(spelling), field_path)
        return found

    def ignored(self, header: Any) -> bool:
        return normalise(header) in {normalise(h) for h in self.ignore}


def load(site_file: Path | None = None) -> HeaderMap:
    """The default mapping, extended by a site's file if given and present."""
    data = _read(DEFAULT_FILE)
    mapping = HeaderMap(data["tables"], data.get("values", {}), data.get("power_types", {}),
                        data.get("ignore", []))
    if site_file is not None and site_file.is_file():
        _extend(mapping, _read(site_file), site_file)
    return mapping


def _read(path: Path) -> dict:
    try:
        # libyaml's loader where it is built (the same data, a tenth of the time: every export reads this file).
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise QingdanError(f"无法读取表头映射文件 {path}：{exc}") from None
    if not isinstance(data, dict):
        raise QingdanError(f"表头映射文件 {path} 应是映射（tables: …），请对照 {DEFAULT_FILE.name} 的格式")
    return data


def _extend(mapping: HeaderMap, extra: dict, path: Path) -> None:
    for table, fields in (extra.get("tables") or {}).items():
        if table not in mapping.tables:
            raise QingdanError(f"{path}：没有名为 {table} 的表；可用：{'、'.join(mapping.tables)}")
        for field_path, spellings in (fields or {}).items():
            if field_path not in mapping.tables[table]:
                known = "、".join(mapping.tables[table])
                raise QingdanError(f"{path}：表 {table} 中没有字段 {field_path}；可用：{known}")
            mapping.tables[table][field_path] += [str(s) for s in spellings or []]
    for field_path, spellings in (extra.get("values") or {}).items():
        mapping.values.setdefault(field_path, {}).update({str(k): str(v) for k, v in spellings.items()})
    mapping.power_types.update({str(k): str(v) for k, v in (extra.get("power_types") or {}).items()})
    mapping.ignore += [str(h) for h in extra.get("ignore") or []]
