"""Every kind of edit to the sample lists/ that an incremental build must follow (issue 14).

Used by the tests of ``qingdan render --out`` over its previous output and of
downloads kept in the build store: each edit changes real files of a copy of
the sample, and the build after it must equal a clean one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

ITEM = "520100-XK00001000"  # 食品生产许可 of 示例市市场监督管理局
DEPT = "520100-scjgj"
ADDED = "520100-XK00091000"  # the item add_item adds (a copy of ITEM)


def item_block(text: str, code: str) -> tuple[int, int]:
    """Start and end offsets of the item ``code`` in a powers.yml."""
    start = text.index(f'  - code: "{code}"\n')
    nxt = re.compile(r"^  - code: ", re.M).search(text, start + 1)
    return start, nxt.start() if nxt else len(text)


def edit(path: Path, change: Callable[[str], str]) -> None:
    """Rewrite ``path`` with ``change`` applied to its text (which must change it)."""
    text = path.read_text(encoding="utf-8")
    changed = change(text)
    assert changed != text
    path.write_text(changed, encoding="utf-8")


def add_item(text: str) -> str:
    start, end = item_block(text, ITEM)
    block = text[start:end].replace("520100-XK00001", "520100-XK00091").replace(
        "    name: 食品生产许可\n", "    name: 食品生产许可（新增）\n")
    return text.rstrip("\n") + "\n\n" + block


def repeal_item(text: str) -> str:
    start, end = item_block(text, ITEM)
    block = text[start:end].rstrip("\n") + (
        "\n    status: 已废止\n    repeal:\n      date: 2026-01-01\n      basis: 示例废止依据\n"
        "      reason: 测试用的废止原因\n\n")
    return text[:start] + block + text[end:]


def remove_item(text: str) -> str:
    start, end = item_block(text, ADDED)
    return text[:start] + text[end:]


def kinds_of_edit(lists: Path) -> list[tuple[str, Callable[[], None]]]:
    """The edits, in an order where each applies (the added item is repealed, then removed)."""
    powers = lists / DEPT / "powers.yml"
    return [
        ("an item field", lambda: edit(powers, lambda t: t.replace(
            "    name: 食品生产许可\n    power_type", "    name: 食品生产许可（已改名）\n    power_type", 1))),
        ("a department renamed", lambda: edit(lists / DEPT / "department.yml", lambda t: t.replace(
            "name: 示例市市场监督管理局", "name: 示例市市场监管局", 1))),
        ("an item added", lambda: edit(powers, add_item)),
        ("an item repealed", lambda: edit(powers, repeal_item)),
        ("an item removed", lambda: edit(powers, remove_item)),
        ("a source retitled", lambda: edit(lists / "sources.yml", lambda t: t.replace(
            "title: 中华人民共和国行政许可法", "title: 中华人民共和国行政许可法（示例改题）", 1))),
        # Cited as a legal basis by items, measures and duties of other departments, which show its title.
        ("a local regulation retitled", lambda: edit(lists / "520000-sft" / "regulations.yml", lambda t: t.replace(
            "title: 示例省食品小作坊小餐饮和食品摊贩管理条例", "title: 示例省食品小作坊小餐饮和食品摊贩管理条例（示例改题）", 1))),
    ]
