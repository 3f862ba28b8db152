"""qingdan migrate: upgrade a lists/ tree written for the earlier model, losing nothing.

The earlier model had one list of legal bases per power item (设定依据 and
实施依据 mixed), and used the 时效性 已修改 for "amended, still the current text".
The current model keeps 设定依据 (``legal_basis``) apart from 实施依据
(``implementation_basis``) and, as the national law database does, uses 已修改
only for a superseded version. Migration:

- moves a citation out of ``legal_basis`` into ``implementation_basis`` when its
  level may not set that kind of power (rules.SETTING_LEVELS, DOMAIN.md §6) and
  at least one citation that may set it stays;
- turns 已修改 without ``superseded_by`` into 现行有效 (the amendments stay in
  ``amendments``);
- writes the files it changes in canonical form (fmt), comments kept; other files are not touched.

What only people can supply (a clean-up decision's number, publication records, a
设定依据 where none of the item's citations may set it) is listed, never invented.
The data before and after is compared: a file whose citations or fields would be
lost is left untouched and reported. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedSeq
from ruamel.yaml.error import YAMLError

from .files import write_atomic
from .fmt import dump, load_tree, normalise
from .layout import kind_of
from .load import list_tree
from .load.parse import parse
from .rules import SETTING_LEVELS


@dataclass
class Migrated:
    """One file: its upgraded text (None when left alone), what changed and what people must add."""

    relpath: str
    original: str
    text: str | None
    steps: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    failed: bool = False  # could not be read, or would have lost data: left untouched

    @property
    def changed(self) -> bool:
        return self.text is not None and self.text != self.original


def migrate_tree(lists_dir: Path, *, write: bool = False) -> list[Migrated]:
    """Upgrade every data file under ``lists_dir``; write the changed ones (atomically) if ``write``."""
    relpaths = list_tree(lists_dir).relpaths
    levels = _levels(lists_dir, relpaths)
    done = []
    for relpath in relpaths:
        kind = kind_of(relpath)
        if kind is None:
            continue
        result = migrate_text((lists_dir / relpath).read_text(encoding="utf-8"), relpath, levels)
        if write and result.changed:
            write_atomic(lists_dir / relpath, result.text or "")
        done.append(result)
    return done


def migrate_text(text: str, relpath: str, levels: dict[str, str]) -> Migrated:
    """The upgraded text of one file (None: nothing to upgrade, or left alone as ``todo`` says).

    ``levels`` maps source ids and regulation codes to their level.
    """
    kind = kind_of(relpath)
    result = Migrated(relpath, text, None)
    before = parse(text, relpath).data
    if kind is None or not isinstance(before, dict):
        result.todo.append("无法读取，未迁移：先用 qingdan validate 改正文件中的错误")
        result.failed = True
        return result
    upgrade = _UPGRADES.get(kind.key)
    if upgrade is None:
        return result
    # A dry run on the plain data first: most files need nothing, and the round-trip
    # reader that keeps comments is slow on big files.
    upgrade(copy.deepcopy(before), levels, result)
    if not result.steps:
        return result
    result.steps, result.todo = [], []
    try:
        tree = load_tree(text)
    except YAMLError as exc:
        result.todo.append(f"无法读取，未迁移：{exc}")
        result.failed = True
        return result
    upgrade(tree, levels, result)
    new_text = dump(normalise(tree, kind.model))
    after = parse(new_text, relpath).data
    if _content(before, kind.key) != _content(after, kind.key):
        result.todo.append("迁移后数据与原文件不一致，为避免丢失数据，未迁移（请把此文件报告给维护者）")
        result.failed = True
        return result
    result.text = new_text
    return result


def _levels(lists_dir: Path, relpaths: list[str]) -> dict[str, str]:
    """Source id or regulation code → 效力层级, from sources.yml and every regulations.yml."""
    levels: dict[str, str] = {}
    for relpath in relpaths:
        kind = kind_of(relpath)
        if kind is None or kind.key not in ("sources", "regulations"):
            continue
        data = parse((lists_dir / relpath).read_text(encoding="utf-8"), relpath).data
        for entry in (data or {}).get("items") or () if isinstance(data, dict) else ():
            if not isinstance(entry, dict):
                continue
            if kind.key == "sources" and entry.get("id"):
                levels[str(entry["id"])] = str(entry.get("level"))
            elif kind.key == "regulations" and entry.get("code"):
                levels[str(entry["code"])] = str(entry.get("level") or "地方性法规").replace("行政规范性文件", "规范性文件")
    return levels


def _powers(tree: Any, levels: dict[str, str], result: Migrated) -> None:
    for item in tree.get("items") or ():
        if not isinstance(item, dict) or item.get("power_type") not in SETTING_LEVELS:
            continue
        allowed = SETTING_LEVELS[str(item["power_type"])][0]
        if item.get("provisional") is True:
            allowed = (*allowed, "地方政府规章")
        basis = item.get("legal_basis")
        if not isinstance(basis, list):
            continue
        keep = [c for c in basis if not _moves(c, allowed, levels)]
        move = [c for c in basis if _moves(c, allowed, levels)]
        code = item.get("code")
        if not move:
            continue
        if not keep:
            result.todo.append(f"事项 {code} 的设定依据都不能设定这类权力：请补充设定依据（法律、法规等），"
                               "原有依据可移到 implementation_basis（实施依据）")
            continue
        item["legal_basis"] = CommentedSeq(keep)
        implementation = item.get("implementation_basis")
        if isinstance(implementation, list):
            implementation.extend(move)
        elif not hasattr(item, "insert"):  # plain data (the dry run)
            item["implementation_basis"] = move
        else:
            # Beside legal_basis, not at the end: the record's trailing blank line stays where it is.
            item.insert(list(item).index("legal_basis") + 1, "implementation_basis", CommentedSeq(move))
        moved = "、".join(str(c.get("source")) for c in move)
        result.steps.append(f"事项 {code}：{moved} 从设定依据移到实施依据（其效力层级不能设定这类权力）")


def _moves(cite: Any, allowed: tuple[str, ...], levels: dict[str, str]) -> bool:
    """True for a citation whose known level may not set the power (unknown ones stay put)."""
    level = levels.get(str(cite.get("source"))) if isinstance(cite, dict) else None
    return level is not None and level not in allowed


def _regulations(tree: Any, levels: dict[str, str], result: Migrated) -> None:
    for reg in tree.get("items") or ():
        if not isinstance(reg, dict):
            continue
        code = reg.get("code")
        if reg.get("validity") == "已修改" and not reg.get("superseded_by"):
            reg["validity"] = "现行有效"
            result.steps.append(f"法规 {code}：时效性 已修改 改为 现行有效（本条是修改后的现行文本，修改经过仍在 amendments 中）")
        cleanup = reg.get("cleanup")
        if isinstance(cleanup, dict) and cleanup.get("result") not in (None, "保留") and not cleanup.get("decision"):
            result.todo.append(f"法规 {code}：清理结果为 {cleanup.get('result')}，请在 cleanup 中补写 decision、"
                               "decision_number、decision_date（决定文件、文号或公告号、日期）")


def _department(tree: Any, levels: dict[str, str], result: Migrated) -> None:
    if not tree.get("publications"):
        result.todo.append("请在 publications 中记下各清单每年的公布日期和文件（公布期限检查需要）")


def _negative(tree: Any, levels: dict[str, str], result: Migrated) -> None:
    for item in tree.get("items") or ():
        for measure in (item.get("measures") or ()) if isinstance(item, dict) else ():
            if isinstance(measure, dict) and measure.get("scope") == "地方" and not measure.get("national_entry"):
                result.todo.append(f"地方性措施 {measure.get('code')}：请在 national_entry 中写明全国清单所列的对应地方性许可措施")


_UPGRADES = {"powers": _powers, "regulations": _regulations, "department": _department, "negative_list": _negative}


def _content(data: Any, kind: str) -> str:
    """The data with the moves migration makes undone: equal before and after means nothing was lost."""
    data = copy.deepcopy(data)
    if kind == "powers":
        for item in (data or {}).get("items") or ():
            if isinstance(item, dict):
                merged = (item.get("legal_basis") or []) + (item.pop("implementation_basis", None) or [])
                item["legal_basis"] = sorted(merged, key=lambda c: json.dumps(c, ensure_ascii=False, sort_keys=True))
    if kind == "regulations":
        for reg in (data or {}).get("items") or ():
            if isinstance(reg, dict) and reg.get("validity") in ("已修改", "现行有效") and not reg.get("superseded_by"):
                reg["validity"] = "现行有效"
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)
