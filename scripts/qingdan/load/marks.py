"""The slow, precise reading of a YAML file: nodes with line and column.

Only files that have problems (or look suspicious) are read this way; clean
files are parsed once by the fast reader and never composed here.
"""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from ..problems import Loc, Problem

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Loader = yaml.SafeLoader

_STANDARD_TAGS = {
    "tag:yaml.org,2002:" + name
    for name in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
}
_YAML11_ONLY_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_MERGE = "tag:yaml.org,2002:merge"


class MarkedTree:
    """A YAML document as nodes that know where they stand."""

    def __init__(self, text: str) -> None:
        self.error: yaml.MarkedYAMLError | None = None
        try:
            self.root = yaml.compose(text, Loader=_Loader)
        except yaml.MarkedYAMLError as exc:
            self.root = None
            self.error = exc
        except (yaml.YAMLError, RecursionError, ValueError):
            self.root = None

    def node_at(self, loc: Loc, *, key: bool = False) -> yaml.Node | None:
        """The deepest node on the way to ``loc`` (the key node if ``key``)."""
        node = self.root
        for i, part in enumerate(loc):
            last = i == len(loc) - 1
            child = _child(node, part, want_key=key and last)
            if child is None:
                return node
            node = child
        return node

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int | None, int | None]:
        """1-based line and column of ``loc``, or of the nearest node above it."""
        node = self.node_at(loc, key=key)
        if node is None:
            return None, None
        return node.start_mark.line + 1, node.start_mark.column + 1

    def duplicate_keys(self) -> Iterator[tuple[str, yaml.Node, yaml.Node]]:
        """Every key that appears twice in one mapping: (key, first, second)."""
        for node, _loc, repeat in _walk(self.root):
            if isinstance(node, yaml.MappingNode) and not repeat:
                seen: dict[str, yaml.Node] = {}
                for key_node, _value in node.value:
                    name = str(key_node.value)
                    if name in seen:
                        yield name, seen[name], key_node
                    seen[name] = key_node


def _child(node: yaml.Node | None, part: str | int, want_key: bool) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if key_node.value == part:
                return key_node if want_key else value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def _walk(root: yaml.Node | None) -> Iterator[tuple[yaml.Node, Loc, bool]]:
    """Every node with its place and whether it was reached before (an alias).

    A node reached again is yielded once more but never entered again, so an
    alias bomb costs one step per alias, not an exponential expansion.
    """
    if root is None:
        return
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, Loc]] = [(root, ())]
    while stack:
        node, loc = stack.pop()
        repeat = id(node) in seen
        yield node, loc, repeat
        if repeat:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in reversed(node.value):
                stack.append((value_node, loc + (str(key_node.value),)))
                stack.append((key_node, loc))
        elif isinstance(node, yaml.SequenceNode):
            for i in reversed(range(len(node.value))):
                stack.append((node.value[i], loc + (i,)))


def _is_plain(node: yaml.ScalarNode) -> bool:
    return node.style in ("", None)


def not_plain_data(tree: MarkedTree, relpath: str) -> list[Problem]:
    """Tags, anchors and aliases, and values that YAML 1.1 tools read differently."""
    problems: list[Problem] = []
    aliased: set[int] = set()
    for node, loc, repeat in _walk(tree.root):
        line, column = node.start_mark.line + 1, node.start_mark.column + 1
        where = {"file": relpath, "loc": loc, "line": line, "column": column}
        if repeat or node.tag == _MERGE:
            if id(node) not in aliased:
                aliased.add(id(node))
                problems.append(Problem("yaml-alias", f"第 {line} 行的内容通过锚点（&）、别名（*）或合并键（<<）被重复使用",
                                        **where, hint="把内容完整写在每一处，不使用 & 、* 和 <<"))
        elif node.tag not in _STANDARD_TAGS:
            problems.append(Problem("yaml-tag", f"第 {line} 行使用了标签 {node.tag}", **where,
                                    hint="删除标签，只写普通的文本、数字、列表或映射"))
        elif isinstance(node, yaml.ScalarNode) and _is_plain(node) and _yaml11_differs(node):
            kind = "布尔值" if node.tag == _YAML11_ONLY_BOOL else "数字"
            problems.append(Problem("yaml11-ambiguous", f"未加引号的 {node.value} 在 YAML 1.1 工具中会被读成{kind}",
                                    **where, hint=f'如果这是文本，请加引号："{node.value}"'))
    return problems


def _yaml11_differs(node: yaml.ScalarNode) -> bool:
    if node.tag == _YAML11_ONLY_BOOL:
        return node.value.lower() not in ("true", "false")
    return node.tag in (_INT, _FLOAT) and ":" in node.value
