"""The slow, precise reading of a YAML file: where things stand, line and column.

Only files that have problems (or look suspicious) are read this way; clean
files are parsed once by the fast reader and never scanned here.

The scan walks libyaml's events once, keeping only the current path, and
builds no tree:

- it never recurses (PyYAML's composer recurses once per nesting level and
  crashes the interpreter on ten thousand ``[``), and stops at ``MAX_DEPTH``;
- aliases are never expanded: an alias bomb costs one step per ``*``;
- subtrees that hold none of the wanted places are skipped with a bare depth
  count, so locating a problem in a big file costs little more than libyaml's
  own reading of it.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml import events as ev
from yaml.composer import ComposerError

from ..problems import Loc, Problem

try:
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

# Deeper than any data file needs, far below what would exhaust the C stack.
MAX_DEPTH = 200

_YAML_TAG = "tag:yaml.org,2002:"
_STANDARD_TAGS = {_YAML_TAG + name for name in ("str", "int", "float", "bool", "null", "map", "seq")}
_STANDARD_TAGS.add("!")  # the non-specific tag: a plain string

# Plain scalars that YAML 1.1 tools such as PyYAML read as booleans or base-60
# numbers, while our YAML 1.2 reader keeps them as text. The one-letter y/n of
# the 1.1 spec are left out: PyYAML keeps them as text, and N is a GB/T 4754
# industry section.
_YAML11_BOOL = frozenset("yes Yes YES no No NO on On ON off Off OFF".split())
_YAML11_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_MERGE_KEY = "<<"

_SCALAR, _ALIAS = ev.ScalarEvent, ev.AliasEvent
_OPEN = (ev.MappingStartEvent, ev.SequenceStartEvent)
_CLOSE = (ev.MappingEndEvent, ev.SequenceEndEvent)


class TooDeep(ComposerError):
    """Nesting deeper than ``MAX_DEPTH``."""


@dataclass
class Place:
    """Where a node stands (1-based), and its text if it is a scalar."""

    line: int
    column: int
    value: str | None = None


@dataclass
class Finding:
    """Something that is not plain data, at a place in the record."""

    kind: str  # "alias", "merge", "tag", "yaml11"
    loc: Loc
    line: int
    column: int
    text: str  # the anchor, tag or value
    target_line: int | None = None  # for an alias: the line of its anchor
    reading: str = ""  # for yaml11: what a YAML 1.1 tool makes of it


@dataclass
class _Want:
    """A node of the tree of wanted places."""

    children: dict[str | int, "_Want"] = field(default_factory=dict)
    place: Place | None = None
    key: Place | None = None  # the key node of this mapping entry


@dataclass
class Scan:
    """What one scan of a YAML text found."""

    error: yaml.YAMLError | None = None
    findings: list[Finding] = field(default_factory=list)
    duplicates: list[tuple[str, Place, Place]] = field(default_factory=list)
    wanted: _Want = field(default_factory=_Want)

    def position(self, loc: Loc, *, key: bool = False) -> Place | None:
        """The place of ``loc`` (its key if ``key``), or of the nearest node above it that was seen."""
        parts = list(loc)
        if parts and parts[-1] == "[key]":  # pydantic's place of a bad mapping key
            parts.pop()
            key = True
        node, best = self.wanted, self.wanted.place
        for i, part in enumerate(parts):
            child = node.children.get(part)
            if child is None:
                return best
            if key and i == len(parts) - 1 and child.key is not None:
                return child.key
            node, best = child, child.place or best
        return best


    def exact(self, loc: Loc) -> Place | None:
        """The place of the node at ``loc`` itself (its key for a trailing "[key]"), or None."""
        node = self.wanted
        parts = list(loc)
        key = bool(parts) and parts[-1] == "[key]"
        if key:
            parts.pop()
        for part in parts:
            found = node.children.get(part)
            if found is None:
                return None
            node = found
        return node.key if key else node.place


def _want_tree(wanted: Iterable[Loc]) -> _Want:
    root = _Want()
    for loc in wanted:
        node = root
        for part in loc:
            if part == "[key]":
                continue
            node = node.children.setdefault(part, _Want())
    return root


class _Frame:
    """An open mapping or sequence, and the place of its current child."""

    __slots__ = ("is_map", "index", "key", "expect_key", "want", "keys", "part")

    def __init__(self, is_map: bool, want: _Want | None, part: str | int | None) -> None:
        self.is_map = is_map
        self.index = 0  # next index, for a sequence
        self.key: str | None = None  # current key, for a mapping
        self.expect_key = True
        self.want = want  # the wanted-tree node of this collection, if any
        self.keys: dict[str, Place] | None = None  # for duplicate detection
        self.part = part  # this collection's place in its parent


def scan(text: str, wanted: Iterable[Loc] = (), *, plain_data: bool = False,
         duplicates: bool = False) -> Scan:
    """Read ``text`` once: places of ``wanted`` locs, and (if asked) what is not plain data.

    ``plain_data`` collects aliases, merge keys, tags and YAML 1.1 values;
    ``duplicates`` collects repeated keys. A syntax error stops the scan and
    is kept in ``error`` (places found before it stay usable).
    """
    result = Scan(wanted=_want_tree(wanted))
    full = plain_data or duplicates
    try:
        _Scanner(result, full, plain_data, duplicates).run(text)
    except yaml.YAMLError as exc:
        result.error = exc
    return result


class _Scanner:
    def __init__(self, result: Scan, full: bool, plain_data: bool, duplicates: bool) -> None:
        self.at = _at  # replaced in run() when the text has line breaks editors do not count
        self.result = result
        self.full = full
        self.plain_data = plain_data
        self.duplicates = duplicates
        self.stack: list[_Frame] = []
        self.anchors: dict[str, int] = {}

    def run(self, text: str) -> None:
        if _odd_breaks(text):
            lines = _LineIndex(text)
            self.at = lambda event, value=None: Place(*lines.position(event.start_mark.index), value)
            # Not line breaks in YAML 1.2, as the fast reader reads the file: keep them
            # out of the structure (they are reported as invisible characters).
            text = text.translate(_NOT_BREAKS)
        events = yaml.parse(text, Loader=_Loader)
        documents = 0
        stack = self.stack
        for event in events:
            kind = event.__class__
            if kind is ev.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise ComposerError("expected a single document in the stream", None,
                                        "but found another document", event.start_mark)
                continue
            if kind in _CLOSE:
                stack.pop()
                continue
            if kind is not _SCALAR and kind is not _ALIAS and kind not in _OPEN:
                continue
            want, part, is_key = self._place(event)
            if kind is _SCALAR or kind is _ALIAS:
                self._leaf(event, kind, want, part, is_key)
                continue
            if is_key:  # a collection as a mapping key: its value gets no wanted place
                want = None
            if len(stack) >= MAX_DEPTH:
                raise TooDeep(None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            self._tag(event, part)
            if event.anchor:
                self.anchors[event.anchor] = self.at(event).line
            if want is not None and want.place is None:
                want.place = self.at(event)
            if want is None and not self.full:
                self._skip(events)  # nothing wanted below: count depth only
                continue
            frame = _Frame(kind is ev.MappingStartEvent, want, part)
            if self.duplicates and frame.is_map:
                frame.keys = {}
            stack.append(frame)

    def _place(self, event: Any) -> tuple[_Want | None, str | int | None, bool]:
        """The wanted-tree node for the node that starts now, its place in its parent, and if it is a key."""
        if not self.stack:
            return self.result.wanted, None, False
        frame = self.stack[-1]
        if not frame.is_map:
            index = frame.index
            frame.index += 1
            return (frame.want.children.get(index) if frame.want else None), index, False
        if frame.expect_key:
            frame.expect_key = False
            frame.key = None
            return None, None, True
        frame.expect_key = True
        key = frame.key
        return (_child(frame.want, key) if frame.want and key is not None else None), key, False

    def _leaf(self, event: Any, kind: type, want: _Want | None, part: str | int | None, is_key: bool) -> None:
        frame = self.stack[-1] if self.stack else None
        if kind is _ALIAS:
            # Skipped subtrees define no anchors, so only a full scan can tell an alias is undefined.
            if self.full and event.anchor not in self.anchors:
                raise ComposerError(None, None, f"found undefined alias {event.anchor!r}", event.start_mark)
            if self.plain_data:
                self._find("alias", event, part, event.anchor, target_line=self.anchors[event.anchor])
            if want is not None and want.place is None:
                want.place = self.at(event)
            return
        if is_key and frame is not None:
            frame.key = event.value
            self._key(frame, event)
        if want is not None and want.place is None:
            want.place = self.at(event, event.value)
        if event.anchor:
            self.anchors[event.anchor] = self.at(event).line
        if not self.plain_data:
            return
        self._tag(event, part)
        if event.tag is None and event.implicit[0]:
            if is_key and event.value == _MERGE_KEY:
                self._find("merge", event, _MERGE_KEY, _MERGE_KEY)
            elif event.value in _YAML11_BOOL:
                self._find("yaml11", event, part, event.value, reading="布尔值")
            elif ":" in event.value and _YAML11_SEXAGESIMAL.fullmatch(event.value):
                self._find("yaml11", event, part, event.value, reading="六十进制数字")

    def _key(self, frame: _Frame, event: Any) -> None:
        """Record where a wanted key stands, and repeated keys."""
        if frame.want is not None:
            child = _child(frame.want, event.value)
            if child is not None and child.key is None:
                child.key = self.at(event, event.value)
        if frame.keys is not None:
            first = frame.keys.get(event.value)
            if first is not None:
                self.result.duplicates.append((event.value, first, self.at(event)))
            else:
                frame.keys[event.value] = self.at(event)

    def _tag(self, event: Any, part: str | int | None) -> None:
        if self.plain_data and event.tag is not None and event.tag not in _STANDARD_TAGS:
            self._find("tag", event, part, event.tag)

    def _find(self, kind: str, event: Any, part: str | int | None, text: str, **more: Any) -> None:
        """Record a finding at the current node, ``part`` being its place in the open collection."""
        loc = tuple(f.part for f in self.stack if f.part is not None)
        if part is not None:
            loc += (part,)
        place = self.at(event)
        self.result.findings.append(Finding(kind, loc, place.line, place.column, text, **more))

    def _skip(self, events: Any) -> None:
        """Consume the events of the collection just opened, counting depth only."""
        depth = 1
        for event in events:
            kind = event.__class__
            if kind in _OPEN:
                depth += 1
                if depth + len(self.stack) > MAX_DEPTH:
                    raise TooDeep(None, None, f"nesting deeper than {MAX_DEPTH} levels", event.start_mark)
            elif kind in _CLOSE:
                depth -= 1
                if depth == 0:
                    return


def _child(want: _Want, key: str) -> _Want | None:
    """The wanted child under a mapping key; a key like 1 may be wanted as the number 1."""
    found = want.children.get(key)
    if found is None and key.isdigit():
        found = want.children.get(int(key))
    return found


def _at(event: Any, value: str | None = None) -> Place:
    return Place(event.start_mark.line + 1, event.start_mark.column + 1, value)


# libyaml also breaks lines at NEL, LS, PS and a lone CR; editors, git and
# GitHub count \n only. Texts with those are positioned from character offsets.
_ODD_BREAKS = ("\x85", "\u2028", "\u2029")
_NOT_BREAKS = {ord(c): "\ufffd" for c in _ODD_BREAKS}


def _odd_breaks(text: str) -> bool:
    return any(c in text for c in _ODD_BREAKS) or text.count("\r") != text.count("\r\n")


class _LineIndex:
    """1-based line and column of character offsets, lines ending at \n only."""

    def __init__(self, text: str) -> None:
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def position(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


def mark_position(text: str, mark: Any) -> tuple[int, int]:
    """1-based line and column of a libyaml mark, lines ending at \n only."""
    if _odd_breaks(text):
        return _LineIndex(text).position(mark.index)
    return mark.line + 1, mark.column + 1


def shown_tag(tag: str) -> str:
    """A tag as people write it: ``!!python/object`` rather than ``tag:yaml.org,2002:…``."""
    return "!!" + tag[len(_YAML_TAG):] if tag.startswith(_YAML_TAG) else tag


def not_plain_data(found: Scan, relpath: str) -> list[Problem]:
    """Problems for aliases, merge keys and tags, and values that YAML 1.1 tools read differently."""
    problems: list[Problem] = []
    uses: dict[str, list[Finding]] = {}
    for finding in found.findings:
        where = {"file": relpath, "loc": finding.loc, "line": finding.line, "column": finding.column}
        if finding.kind == "alias":
            uses.setdefault(finding.text, []).append(finding)
        elif finding.kind == "merge":
            problems.append(Problem("yaml-alias", "使用了合并键 <<，数据文件不允许从别处合并字段", **where,
                                    hint="删除 “<<: *名称” 这一行，把要合并的字段逐个写在这里"))
        elif finding.kind == "tag":
            tag = shown_tag(finding.text)
            problems.append(Problem("yaml-tag", f"使用了标签 {tag}，数据文件只能包含普通数据", **where,
                                    hint=f"删除 {tag}，只写普通的文本、数字、列表或映射"))
        else:
            problems.append(Problem(
                "yaml11-ambiguous", f"未加引号的 {finding.text} 在 YAML 1.1 工具中会被读成{finding.reading}",
                **where, hint=f'如果这是文本，请加英文双引号："{finding.text}"'))
    problems += [_alias_problem(same, relpath) for same in uses.values()]
    return problems


def _alias_problem(uses: list[Finding], relpath: str) -> Problem:
    """One problem per anchor, at its first alias: an alias bomb gives a few lines, not thousands."""
    use = uses[0]
    where = f"第 {use.target_line} 行"
    more = f"（共 {len(uses)} 处）" if len(uses) > 1 else ""
    return Problem("yaml-alias", f"使用了别名 *{use.text}{more}，引用{where}的锚点 &{use.text}；"
                   "数据文件中的内容须完整写出", relpath, use.loc, line=use.line, column=use.column,
                   hint=f"把{where}的内容完整复制到每一处，并删除 &{use.text} 和 *{use.text}")
