"""Planning an import against the current YAML: what is added, changed, removed — and the new text.

Records are matched by identity (code, or name where a list has no codes).
Unchanged records keep their YAML node as it is, comments included; a changed
record has only its changed fields replaced. Modes:

- ``new``: write only if the file does not exist yet (or nothing would change);
- ``merge``: add and update; records the workbook does not mention stay;
- ``replace``: the file becomes what the workbook holds (records whose rows
  failed are kept as they were, never deleted because of a typo).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from ..errors import QingdanError
from ..files import read_regular
from ..fmt import dump, load_tree, normalise, to_tree
from ..load import read_file
from ..load.parse import parse
from ..problems import Loc, Problem
from .build import without_defaults
from .importer import Imported
from .tables import TABLES, Table, tables_of

Mode = Literal["new", "merge", "replace"]
Action = Literal["added", "changed", "removed", "kept", "unchanged"]
ACTION_ZH = {"added": "新增", "changed": "修改", "removed": "删除", "kept": "保留（表格中没有）", "unchanged": "不变"}
_MARK = {"added": "+", "changed": "~", "removed": "-", "kept": "="}
# Sections named in the summary (a list with one section of records needs no name).
_SECTIONS = {t.section: t.sheet for t in TABLES if t.kind == "responsibilities"}


@dataclass
class Change:
    """One record (or file field) and what happens to it."""

    section: str
    identity: Any
    action: Action
    fields: list[str] = field(default_factory=list)  # changed fields as people read them
    names: list[str] = field(default_factory=list, repr=False)  # the same, as field names
    new: Any = field(default=None, repr=False)  # the record's plain data (added, changed)

    def to_dict(self) -> dict[str, Any]:
        return {"section": self.section, "identity": self.identity, "action": self.action, "fields": self.fields}


@dataclass
class Plan:
    """The new text of the file, what changes, and whether it may be written."""

    relpath: str
    exists: bool
    old_text: str | None
    text: str | None
    changes: list[Change]
    problems: list[Problem] = field(default_factory=list)  # the new text fails validation beyond its to-dos

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.old_text

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)


def plan(imported: Imported, lists_dir: Path, mode: Mode = "new") -> Plan:
    """The change an import makes to lists/<dept>/<kind>.yml, validated, not yet written.

    Records are compared on the plain data (fast); the round-trip tree, which
    keeps comments, is read only when something is to change.
    """
    relpath = f"{imported.department}/{imported.kind.filename}"
    target = lists_dir / relpath
    try:
        old_text: str | None = read_regular(target, root=lists_dir).decode("utf-8")
    except FileNotFoundError:
        old_text = None
    old = _existing_data(old_text, relpath, mode)
    changes: list[Change] = []
    for table in tables_of(imported.kind.key):
        changes += _compare(old, table, imported, mode)
    changes += [Change("", name, "changed", [_label(imported.kind.model, name)], [name], value)
                for name, value in imported.file_fields.items() if old.get(name) != value]
    if old_text is not None and not any(c.action in ("added", "changed", "removed") for c in changes):
        return Plan(relpath, True, old_text, old_text, changes)  # byte for byte, not even re-formatted
    tree = _existing_tree(old_text, relpath, mode)
    for table in tables_of(imported.kind.key):
        _apply(tree, table, [c for c in changes if c.section == table.section], imported.notes)
    for change in changes:
        if change.section == "":
            tree[change.identity] = change.new
    text = dump(normalise(tree, imported.kind.model))
    result = Plan(relpath, old_text is not None, old_text, text, changes)
    for problem in read_file(text.encode("utf-8"), relpath).problems:
        if problem.severity == "error" and problem.code != "todo":  # to-dos are placeholders, meant to fail
            result.problems.append(Problem("import-result-invalid", f"导入后的文件不合格：{problem.message}",
                                           f"lists/{relpath}", problem.loc, hint=problem.hint,
                                           line=problem.line, column=problem.column))
    return result


def _existing_data(old_text: str | None, relpath: str, mode: Mode) -> dict[str, Any]:
    """The current file as plain data ({} if there is none, or if it is unreadable and being replaced)."""
    if old_text is None:
        return {}
    data = parse(old_text, f"lists/{relpath}").data
    if isinstance(data, dict):
        return data
    if mode == "replace":
        return {}
    raise QingdanError(f"现有文件 lists/{relpath} 无法读取或不是映射。先修复它（qingdan validate 会指出问题），"
                       "或加 --force 整体覆盖")


def _existing_tree(old_text: str | None, relpath: str, mode: Mode) -> CommentedMap:
    if old_text is None:
        return CommentedMap()
    try:
        tree = load_tree(old_text)
    except YAMLError as exc:
        if mode == "replace":
            return CommentedMap()
        raise QingdanError(f"现有文件 lists/{relpath} 无法读取（{exc}）。先修复它，或加 --force 整体覆盖") from None
    if isinstance(tree, CommentedMap):
        return tree
    if mode == "replace":
        return CommentedMap()
    raise QingdanError(f"现有文件 lists/{relpath} 的内容不是映射。先修复它，或加 --force 整体覆盖")


def _compare(old: dict[str, Any], table: Table, imported: Imported, mode: Mode) -> list[Change]:
    """What happens to each record of one section."""
    entries = old.get(table.section)
    existing = {e.get(table.identity): e for e in entries if isinstance(e, dict)} if isinstance(entries, list) else {}
    changes = []
    for identity, plain in imported.sections.get(table.section, []):
        if identity not in existing:
            changes.append(Change(table.section, identity, "added", new=plain))
            continue
        names = _changed_fields(table.model, existing[identity], plain)
        changes.append(Change(table.section, identity, "changed" if names else "unchanged",
                              [_label(table.model, n) for n in names], names, plain))
    seen = {identity for identity, _ in imported.sections.get(table.section, [])}
    gone = [identity for identity in existing if identity not in seen]
    return changes + [Change(table.section, i, "removed" if mode == "replace" else "kept") for i in gone]


def _apply(tree: CommentedMap, table: Table, changes: list[Change],
           notes: dict[tuple[str, Any], list[tuple[Loc, str]]]) -> None:
    """Carry one section's changes into the tree; untouched records keep their nodes and comments."""
    if not any(c.action in ("added", "changed", "removed") for c in changes):
        return
    nodes = tree.get(table.section)
    if not isinstance(nodes, CommentedSeq):
        nodes = tree[table.section] = CommentedSeq()
    index = {node.get(table.identity): node for node in nodes if isinstance(node, CommentedMap)}
    for change in changes:
        if change.action == "added":
            nodes.append(to_tree(change.new))
            _comment(nodes[-1], notes.get((table.section, change.identity), []), None)
        elif change.action == "changed":
            node = index[change.identity]
            for name in change.names:
                if name in change.new:
                    node[name] = to_tree(change.new[name])
                else:
                    node.pop(name, None)
            _comment(node, notes.get((table.section, change.identity), []), set(change.names))
        elif change.action == "removed":
            del nodes[next(i for i, n in enumerate(nodes) if n is index[change.identity])]


def _comment(node: Any, notes: list[tuple[Loc, str]], only: set[str] | None) -> None:
    """Put each note as an end-of-line comment at its path (placeholders: what to fill in; derived values)."""
    joined: dict[Loc, list[str]] = {}
    for path, note in notes:
        if path and (only is None or path[0] in only):
            joined.setdefault(tuple(path), []).append(note)
    for path, texts in joined.items():
        target = node
        for part in path[:-1]:
            try:
                target = target[part]
            except (KeyError, IndexError, TypeError):
                target = None
                break
        if not isinstance(target, (CommentedMap, CommentedSeq)):
            continue
        try:
            target[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue
        target.yaml_add_eol_comment("；".join(texts), path[-1], column=0)


def _changed_fields(model: type[BaseModel], old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """Fields whose plain value differs (an invalid record, placeholders and all, is compared as written)."""
    try:
        before = model.model_validate(old).model_dump(mode="python", exclude_defaults=True)
    except ValidationError:
        before = without_defaults(model, old)
    return [name for name in model.model_fields if before.get(name) != new.get(name)]


def _label(model: type[BaseModel], name: str) -> str:
    info = model.model_fields.get(name)
    return f"{info.title}（{name}）" if info and info.title else name


def summary(result: Plan, label: str) -> str:
    """A field-level summary in Chinese: counts, then one line per record that changes."""
    counts = "，".join(f"{ACTION_ZH[a]} {result.count(a)} 项" for a in ("added", "changed", "removed", "unchanged")
                      if result.count(a) or a != "removed")
    if result.count("kept"):
        counts += f"，{ACTION_ZH['kept']} {result.count('kept')} 项"
    state = "（新文件）" if not result.exists else ""
    lines = [f"{label} lists/{result.relpath}{state}：{counts}"]
    if result.count("removed"):
        lines.append("  注意：合并请求检查不允许直接删除事项；停止实施的事项应在表格中标记为“已废止”并填写废止信息。")
    for change in result.changes:
        if change.action in _MARK:
            what = f"{_SECTIONS[change.section]}：" if change.section in _SECTIONS else ""
            detail = f"：{'、'.join(change.fields)}" if change.fields else ""
            lines.append(f"  {_MARK[change.action]} {what}{change.identity}{detail}")
    return "\n".join(lines) + "\n"
