"""What a version of a file holds: its records (items, sources, departments…) as plain data.

Every record has a key that stays the same across versions: an item is its
code, a legal source ``source:<id>``, a department ``department:<id>``. A
file that cannot be read is recorded with its problems, never raised.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import yaml_rs
from pydantic import BaseModel

from ..kinds import LIST_FIELDS, STATUS_IN_FORCE, VALIDITY_IN_FORCE, RecordKind
from ..layout import department_of as _department_of
from ..layout import kind_of as _kind_of
from ..load import read_file
from ..load.parse import ALIAS_LIMITS  # the loader's bound on aliases, shared on purpose
from .chunks import Split

BOM = b"\xef\xbb\xbf"

# The same few hundred paths are looked up for every commit: remember the answers.
file_kind = functools.lru_cache(maxsize=4096)(_kind_of)
department_of = functools.lru_cache(maxsize=4096)(_department_of)



@dataclass(slots=True)
class Record:
    """One record of one version of a file: its stable key and its plain data."""

    key: str
    kind: RecordKind
    data: dict
    path: str  # relative to lists/
    blob: str  # the version of the file it was read from
    summary_of: bytes | None = None  # set when ``data`` holds only what summary() reads of this entry

    @property
    def department(self) -> str | None:
        return department_of(self.path)

    @property
    def name(self) -> str:
        value = self.data.get(self.kind.name_field) if self.kind.name_field else None
        return str(value) if value is not None else self.key


def whole_key(kind: RecordKind, path: str) -> str:
    """The key of a record that is a whole file (department, responsibilities, site, list fields)."""
    if kind.key == "site":
        return "site"
    if kind is LIST_FIELDS:
        return f"list:{path}"
    return kind.prefix + (department_of(path) or "")


def entry_key(kind: RecordKind, data: Any) -> str | None:
    """The key of a list entry, or None when it has no usable id."""
    if not isinstance(data, dict):
        return None
    value = data.get(kind.id_field)
    if isinstance(value, (dict, list)) or value is None or value == "":
        return None
    return kind.prefix + str(value)


def list_model(path: str) -> type[BaseModel] | None:
    """The model of the list file at ``path`` (for its file-level fields)."""
    kind = file_kind(path)
    return kind.model if kind else None


def load(raw: bytes) -> tuple[Any, bool]:
    """Plain data of a YAML document, read as the loader reads it; (None, False) if unreadable."""
    if raw.startswith(BOM):
        raw = raw[len(BOM):]
    try:
        text = raw.decode("utf-8")
        return yaml_rs.loads(text, parse_datetime=False, alias_limits=ALIAS_LIMITS), True
    except (UnicodeDecodeError, yaml_rs.YAMLDecodeError, ValueError, RecursionError):
        return None, False


def problems_of(raw: bytes, path: str) -> list[str]:
    """Why a file cannot be read, in the loader's words (slow: only for files that failed)."""
    found = read_file(raw, path).problems
    errors = [p for p in found if p.severity == "error"] or found
    return [f"lists/{path}: {p.message}" for p in errors[:3]] or [f"lists/{path}: 无法读取"]


def entries_data(split: Split, entries: list[bytes], path: str, notes: list[str]) -> list[Any]:
    """The plain data of some entries of a split file (None for an entry that cannot be read).

    All entries are read as one small document; only if that fails is each
    one read alone, so one broken entry does not hide the others.
    """
    if not entries:
        return []
    if split.whole:
        data, ok = load(entries[0])
        if not ok:
            notes += problems_of(entries[0], path)
        return [data]
    data, ok = load(split.document(entries))
    items = data.get("items") if ok and isinstance(data, dict) else None
    if isinstance(items, list) and len(items) == len(entries):
        return items
    if len(entries) == 1:
        notes += problems_of(split.document(entries), path)
        return [None]
    return [value for entry in entries for value in entries_data(split, [entry], path, notes)]


def list_fields(split: Split, path: str) -> dict | None:
    """The file-level fields of a list file besides its items (None if there are none)."""
    if split.whole:
        return None
    data, ok = load(split.document([]))
    if not ok or not isinstance(data, dict):
        return None
    fields = {k: v for k, v in data.items() if k != "items"}
    return fields or None


def is_data_file(path: str) -> bool:
    """True for the files history reads (the data files of lists/)."""
    return file_kind(path) is not None and path.endswith(".yml")


@dataclass(frozen=True)
class LegalState:
    """What a record says about its own legal life: status, effective date, repeal."""

    status: str | None = None
    effective: str | None = None
    repeal: dict | None = None

    @property
    def repealed(self) -> bool:
        return self.status in ("已废止", "已取消")


def legal_state(kind: str, data: Any) -> LegalState:
    """The legal status, effective date and repeal (date, basis, reason) written in a record."""
    if not isinstance(data, dict):
        return LegalState()
    if kind == "power":
        return LegalState(_text(data.get("status")) or STATUS_IN_FORCE, _text(data.get("effective")),
                          _repeal(data.get("repeal")))
    if kind in ("regulation", "source"):
        status = _text(data.get("validity" if kind == "regulation" else "status")) or VALIDITY_IN_FORCE
        cleanup = data.get("cleanup") if isinstance(data.get("cleanup"), dict) else {}
        repeal = None
        if status == "已废止":
            repeal = _repeal({"date": data.get("repealed"), "basis": cleanup.get("batch"),
                              "reason": cleanup.get("reason")})
        return LegalState(status, _text(data.get("effective")), repeal)
    if kind == "negative":
        measures = [m for m in data.get("measures") or () if isinstance(m, dict)]
        if measures and all(m.get("status") == "已取消" for m in measures):
            dates = sorted(str(m["cancellation"]) for m in measures if m.get("cancellation"))
            return LegalState("已取消", None, _repeal({"date": dates[-1] if dates else None}))
        return LegalState("有效")
    return LegalState()


def repeal_complete(kind: str, data: Any) -> bool:
    """True when a repealed record says when, on what basis and why (so it may leave the list)."""
    state = legal_state(kind, data)
    if not state.repealed or not state.repeal:
        return False
    if kind == "negative":
        return bool(state.repeal.get("date"))
    return all(state.repeal.get(k) for k in ("date", "basis", "reason"))


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _repeal(value: Any) -> dict | None:
    if not isinstance(value, dict):
        return None
    out = {k: str(value[k]) for k in ("date", "basis", "reason") if value.get(k) is not None}
    return out or None


# ------------------------------------------------------------ reading a new entry without a parser

# What history needs of a record that was just added: its key, name, status
# and effective date. Only items of the two big lists are read this way.
SUMMARY_FIELDS = {"power": ("code", "name", "status", "effective"),
                  "regulation": ("code", "title", "validity", "effective")}
_REPEALED = {"power": ("status", "已废止"), "regulation": ("validity", "已废止")}
_UNSURE = object()
_DATE = re.compile(rb"\d{4}-\d{2}-\d{2}")
# Plain scalars that YAML may read as something other than text: let the parser decide.
_RISKY = re.compile(rb"[-+.0-9~\[\]{}&*!|>%@`#?:,]|(?:true|false|null|True|False|TRUE|FALSE|Null|NULL)$")


def summary(kind: RecordKind, entry: bytes, sep: bytes) -> dict | None:
    """The top-level scalars history needs of a new entry, read without a YAML parser.

    None whenever the entry is not written plainly enough to be sure of the
    answer (a key twice, quotes with escapes, a value over several lines, a
    repealed item…): then the caller parses it. Used for files that are new,
    where a parser would read every one of their items.
    """
    wanted = SUMMARY_FIELDS.get(kind.key)
    if wanted is None:
        return None
    indent = b" " * (len(sep) + 1)
    found: dict[str, Any] = {}
    for key in wanted:
        token = key.encode() + b":"
        line = b"\n" + indent + token
        if entry.startswith(sep + b" " + token):
            start, again = len(sep) + 1 + len(token), entry.find(line)
        else:
            at = entry.find(line)
            if at == -1:
                continue
            start, again = at + len(line), entry.find(line, at + 1)
        end = entry.find(b"\n", start)
        end = len(entry) if end == -1 else end
        value = _scalar(entry[start:end])
        if again != -1 or value is _UNSURE or not _ends(entry, end, len(indent)):
            return None
        found[key] = value
    repealed = _REPEALED[kind.key]
    if kind.id_field not in found or found.get(repealed[0]) == repealed[1]:
        return None
    return found


def _scalar(raw: bytes) -> Any:
    value = raw.strip(b" \t\r")
    try:
        if value[:1] == b'"':
            inner = value[1:-1]
            ok = len(value) >= 2 and value.endswith(b'"') and b"\\" not in inner and b'"' not in inner
            return inner.decode() if ok else _UNSURE
        if value[:1] == b"'":
            inner = value[1:-1]
            return inner.decode() if len(value) >= 2 and value.endswith(b"'") and b"'" not in inner else _UNSURE
        if not value or b" #" in value or b": " in value or value.endswith(b":"):
            return _UNSURE
        if _DATE.fullmatch(value):
            return value.decode()
        return _UNSURE if _RISKY.match(value) else value.decode()
    except UnicodeDecodeError:
        return _UNSURE


def _ends(entry: bytes, pos: int, indent: int) -> bool:
    """True when the value on the line ending at ``pos`` does not go on over the next lines."""
    while pos < len(entry):
        end = entry.find(b"\n", pos + 1)
        line = entry[pos + 1:end if end != -1 else len(entry)]
        if line.strip():
            return len(line) - len(line.lstrip(b" ")) == indent
        if end == -1:
            break
        pos = end
    return True
