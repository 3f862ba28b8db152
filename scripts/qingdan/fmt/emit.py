"""The one canonical YAML writer: import, ``qingdan new`` and ``qingdan fmt`` all emit through it.

Canonical form:

- keys in the order the model declares its fields (unknown keys kept, after the known ones);
- codes, power types, region codes and phone numbers in double quotes;
- dates unquoted (``2024-01-01``);
- other text plain when YAML 1.2 *and* YAML 1.1 read it back as text, else double-quoted
  (single-quoted when that avoids backslash escapes); multi-line text as a ``|`` block;
- 2-space indentation, list dashes indented under their key, no line wrapping;
- comments kept; trailing spaces and runs of blank lines in them tidied.

The tree is ruamel.yaml's round-trip tree, so comments travel with their keys.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

import yaml
import yaml_rs
from pydantic import BaseModel
from ruamel.yaml import YAML
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.emitter import Emitter
from ruamel.yaml.error import CommentMark
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString, FoldedScalarString, LiteralScalarString, SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

from ..load.schema import model_at

# Keys whose text values are always double-quoted: identifiers people compare by eye.
QUOTED_KEYS = frozenset({"code", "power_type", "region", "parent", "phone", "supervision_phone"})

_STR = "tag:yaml.org,2002:str"
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# What a block literal cannot hold (trailing blanks, tabs, characters YAML does not allow
# unescaped): such text stays double-quoted, where escapes keep it exact.
_NOT_LITERAL = re.compile(
    "[ \t]\n|[ \t]$|[\r\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]")
_RECORD = re.compile(r"^  - [A-Za-z_][\w-]*:(?: |$)")
_TOP_KEY = re.compile(r"^[A-Za-z_][\w-]*:(?: |$)")
_OPENS_LIST = re.compile(r"^[A-Za-z_][\w-]*:\s*(?:#.*)?$")
_BLOCK_START = re.compile(r"(?::|^\s*-)\s+[|>][-+0-9]*\s*(?:#.*)?$")
# The emitter's own scalar analysis decides what may stand unquoted; it asks its
# serializer for the YAML version, so give it one that names none.
_ANALYZER = Emitter(None, allow_unicode=True,
                    dumper=types.SimpleNamespace(_serializer=types.SimpleNamespace(use_version=None)))
_RESOLVER_12 = VersionedResolver(version=(1, 2))
_RESOLVER_11 = yaml.resolver.Resolver()


class _Constructor(RoundTripConstructor):
    """ruamel's round-trip reader, except that a date that does not exist (2023-02-30) stays text.

    The project's own reader keeps it as text and the validator reports it; ruamel would raise
    ValueError and `qingdan fmt` would stop with a traceback.
    """

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except ValueError:
            return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def yaml_rt() -> YAML:
    """A ruamel.yaml round-trip reader/writer configured for the canonical form."""
    rt = YAML(typ="rt")
    rt.Constructor = _Constructor
    rt.indent(mapping=2, sequence=4, offset=2)
    rt.width = 1_000_000  # never fold long Chinese text
    rt.allow_unicode = True
    rt.preserve_quotes = False
    return rt


def load_tree(text: str) -> Any:
    """Read YAML text as a round-trip tree (comments attached). Raises ruamel's YAMLError."""
    return yaml_rt().load(text)


def to_tree(data: Any) -> Any:
    """Plain data (dicts, lists, scalars) as a round-trip tree that can carry comments."""
    if isinstance(data, dict):
        return CommentedMap((key, to_tree(value)) for key, value in data.items())
    if isinstance(data, (list, tuple)):
        return CommentedSeq(to_tree(value) for value in data)
    return data


def dump(tree: Any) -> str:
    """The text of a tree, with exactly one final newline and records spaced apart."""
    out = io.StringIO()
    yaml_rt().dump(tree, out)
    text = out.getvalue().rstrip("\n") + "\n"
    spaced = space_records(text)
    if spaced != text and yaml_rs.loads(spaced, parse_datetime=False) != yaml_rs.loads(text, parse_datetime=False):
        return text  # never trade data for looks
    return spaced


def space_records(text: str) -> str:
    """One blank line before each record of a top-level list and before a top-level key after a block.

    Records are list items at the second level that open with a key (``  - code: …``);
    lists of plain values stay compact. Lines inside block scalars are left alone.
    """
    lines = text.split("\n")
    out: list[str] = []
    block: int | None = None  # indentation of the key that opened a block scalar
    for line in lines:
        indent = len(line) - len(line.lstrip(" "))
        if block is not None and (not line.strip() or indent > block):
            out.append(line)
            continue
        block = indent if _BLOCK_START.search(line) else None
        if (_RECORD.match(line) or (_TOP_KEY.match(line) and _after_block(out))) and _needs_gap(out):
            _insert_gap(out)
        out.append(line)
    return "\n".join(out)


def _after_block(out: list[str]) -> bool:
    previous = next((line for line in reversed(out) if line.strip() and not line.lstrip().startswith("#")), "")
    return previous.startswith(" ")


def _needs_gap(out: list[str]) -> bool:
    i = len(out) - 1
    while i >= 0 and out[i].lstrip().startswith("#") and out[i].strip():
        i -= 1  # a comment block stays glued to what it describes
    return i >= 0 and out[i].strip() != "" and not _OPENS_LIST.match(out[i])


def _insert_gap(out: list[str]) -> None:
    i = len(out)
    while i > 0 and out[i - 1].lstrip().startswith("#") and out[i - 1].strip():
        i -= 1
    out.insert(i, "")


def render(data: Any, model: type[BaseModel] | None) -> str:
    """Plain data or a tree in canonical YAML text."""
    return dump(normalise(to_tree(data) if not isinstance(data, (CommentedMap, CommentedSeq)) else data, model))


def normalise(tree: Any, model: type[BaseModel] | None) -> Any:
    """Put a tree in canonical form in place (and return it)."""
    _node(tree, model)
    for token, after_block in _comment_tokens(tree):
        token.value = _tidy_comment(token.value, after_block)
    return tree


def _node(node: Any, model: type[BaseModel] | None) -> None:
    if isinstance(node, (CommentedMap, CommentedSeq)):
        node.fa.set_block_style()
    if isinstance(node, CommentedMap):
        _mapping(node, model)
    elif isinstance(node, CommentedSeq):
        for i, value in enumerate(node):
            node[i] = _styled(value, None, False)
            _node(node[i], model)


def _mapping(node: CommentedMap, model: type[BaseModel] | None) -> None:
    fields = list(model.model_fields) if model else []
    order = [k for k in fields if k in node] + [k for k in list(node) if k not in fields]
    if order != list(node):
        # Full-line comments and blank lines after a key belong to the place, not to the key:
        # lift them off, reorder (end-of-line comments travel with their keys), put them back.
        gaps = [_pop_gap(node, key) for key in node]
        for key in order:
            node.move_to_end(key)
        for key, gap in zip(order, gaps):
            _push_gap(node, key, gap)
    for key in list(node):
        child = model_at(model, (key, "")) if model and key in fields else None
        is_date = bool(model and key in fields and _holds_date(model.model_fields[key].annotation))
        node[key] = _styled(node[key], key, is_date)
        _node(node[key], child)


def _holds_date(annotation: Any) -> bool:
    if annotation is dt.date:
        return True
    origin = typing.get_origin(annotation)
    if origin in (typing.Annotated, types.UnionType, typing.Union):
        return any(_holds_date(arg) for arg in typing.get_args(annotation))
    return False


def _styled(value: Any, key: Any, is_date: bool) -> Any:
    """A scalar in its canonical style; collections and non-text scalars unchanged."""
    if isinstance(value, dt.datetime) or not isinstance(value, str):
        return value
    text = str(value)
    if is_date and _ISO_DATE.match(text):
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass  # not a real date: leave the text for the validator to report
    if key in QUOTED_KEYS:
        return DoubleQuotedScalarString(text)
    if "\n" in text:
        return _multiline(text)
    if _plain_ok(text):
        return text
    return _quoted(text)


def _multiline(text: str) -> str:
    literal_ok = (not text.startswith((" ", "\n")) and not text.endswith("\n\n")
                  and not _NOT_LITERAL.search(text))
    return LiteralScalarString(text) if literal_ok else DoubleQuotedScalarString(text)


def _plain_ok(text: str) -> bool:
    """True if the text can stand unquoted and every YAML reader reads it back as this text."""
    if not text or not _ANALYZER.analyze_scalar(text).allow_block_plain:
        return False
    as_12 = _RESOLVER_12.resolve(ScalarNode, text, (True, False))
    as_11 = _RESOLVER_11.resolve(yaml.ScalarNode, text, (True, False))
    return as_12 == _STR and as_11 == _STR


def _quoted(text: str) -> str:
    if ("\\" in text or '"' in text) and "'" not in text and text.isprintable():
        return SingleQuotedScalarString(text)
    return DoubleQuotedScalarString(text)


Slot = tuple[Any, Any, int]  # (collection, key or index, position of the token in ca.items)


def _last_slot(node: Any, key: Any) -> Slot:
    """Where the comment after ``node[key]`` is kept: on the deepest last element of its value."""
    value = node[key]
    while isinstance(value, (CommentedMap, CommentedSeq)) and len(value):
        node, key = value, (list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1)
        value = node[key]
    return node, key, 2 if isinstance(node, CommentedMap) else 0


def _pop_gap(node: CommentedMap, key: Any) -> str:
    """Remove and return the lines after ``key``'s own line (the end-of-line comment stays)."""
    holder, at, pos = _last_slot(node, key)
    slots = holder.ca.items.get(at)
    token = slots[pos] if slots and len(slots) > pos else None
    if not isinstance(token, CommentToken):
        return ""
    if isinstance(holder[at], (LiteralScalarString, FoldedScalarString)):
        token.value, gap = "", token.value  # a block scalar's token starts on the next line
    else:
        end = token.value.find("\n") + 1 or len(token.value)
        token.value, gap = token.value[:end], token.value[end:]
    return gap


def _push_gap(node: CommentedMap, key: Any, gap: str) -> None:
    """Put lifted lines after ``key`` (after the end of its value)."""
    if not gap:
        return
    holder, at, pos = _last_slot(node, key)
    slots = holder.ca.items.setdefault(at, [None] * (4 if isinstance(holder, CommentedMap) else 2))
    token = slots[pos]
    block = isinstance(holder[at], (LiteralScalarString, FoldedScalarString))
    if isinstance(token, CommentToken):
        token.value = (token.value or ("" if block else "\n")) + gap
    else:
        slots[pos] = CommentToken(("" if block else "\n") + gap, CommentMark(0), None)


def _comment_tokens(tree: Any) -> Iterator[tuple[CommentToken, bool]]:
    """Every comment token, and whether it follows a block scalar (whose line end it does not hold)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if not isinstance(node, (CommentedMap, CommentedSeq)):
            continue
        ca = node.ca
        yield from _tokens_in([ca.comment, getattr(ca, "end", None)], False)
        for key, tokens in ca.items.items():
            after_block = isinstance(_get(node, key), (LiteralScalarString, FoldedScalarString))
            yield from _tokens_in(tokens, after_block)
        stack.extend(node.values() if isinstance(node, CommentedMap) else node)


def _get(node: Any, key: Any) -> Any:
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _tokens_in(value: Any, after_block: bool) -> Iterator[tuple[CommentToken, bool]]:
    if isinstance(value, CommentToken):
        yield value, after_block
    elif isinstance(value, (list, tuple)):
        for part in value:
            yield from _tokens_in(part, after_block)


def _tidy_comment(value: str, after_block: bool) -> str:
    """Trailing spaces removed and at most one blank line kept."""
    value = re.sub(r"[ \t\u3000]+(?=\n|$)", "", value)
    if after_block:
        # After a block scalar the token's first newline is already a blank line.
        value = re.sub(r"^\n{2,}", "\n", value)
    return re.sub(r"\n{3,}", "\n\n", value)
