"""A small valid lists/ tree, and the helpers of the data-driven cases (tests/corpus/).

Import from here (``from tree_support import TODAY, VALID_FILES``), not from
conftest: several folders of tests/ have a conftest.py, and ``from conftest
import`` gets whichever was loaded last. tests/conftest.py turns these into
the fixtures ``make_tree`` and ``valid_tree``.

The tree validates with no problems at all on ``TODAY`` (see
tests/test_rules.py::test_valid_tree_has_no_problems): one province 520000 and
one city 520100, a province department ``520000-scjgj`` with every kind of
list, and a city department ``520100-scjgj`` with a power list and a
responsibility list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Before the site's publication deadline (2025-09-30), so no list is overdue. The deadline is
# set for 2025 only, so the tree stays valid on any later day without records for later years.
TODAY = dt.date(2025, 6, 1)

PROVINCE_DEPT = "520000-scjgj"
CITY_DEPT = "520100-scjgj"

SITE = """\
name: 示例省清单公开平台
sample: true
publication_deadlines:
  - year: 2025
    date: 2025-09-30
"""

REGIONS = """\
items:
  - code: "520000"
    name: 示例省
    level: 省
  - code: "520100"
    name: 示例市
    level: 市
    parent: "520000"
"""

SOURCES = """\
items:
  - id: law-food-safety
    title: 中华人民共和国食品安全法
    level: 法律
    status: 现行有效
  - id: law-licensing
    title: 中华人民共和国行政许可法
    level: 法律
    status: 现行有效
  - id: rule-market
    title: 市场监督管理行政处罚程序规定
    level: 部门规章
    status: 现行有效
"""

PROVINCE_DEPARTMENT = """\
id: 520000-scjgj
name: 示例省市场监督管理局
uscc: 11520000MB1234567J
region: "520000"
reviewers:
  - "@zhangsan"
publications:
  - list: 权力清单
    year: 2025
    date: 2025-09-15
  - list: 责任清单
    year: 2025
    date: 2025-09-15
  - list: 市场准入负面清单
    year: 2025
    date: 2025-09-15
  - list: 地方性法规目录
    year: 2025
    date: 2025-09-15
"""

CITY_DEPARTMENT = """\
id: 520100-scjgj
name: 示例市市场监督管理局
uscc: 11520100MB23456789
region: "520100"
reviewers:
  - "@lisi"
publications:
  - list: 权力清单
    year: 2025
    date: 2025-09-20
  - list: 责任清单
    year: 2025
    date: 2025-09-20
"""

PROVINCE_POWERS = """\
items:
  - code: 520000-XK00001000
    name: 食品经营许可
    power_type: "01"
    exercise_level: 省
    effective: 2020-01-01
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
"""

CITY_POWERS = """\
items:
  - code: 520100-XK00001000
    name: 食品经营许可
    power_type: "01"
    exercise_level: 市
    effective: 2020-01-01
    co_implementers:
      - 520000-scjgj
    legal_basis:
      - source: law-food-safety
        articles: 第三十五条
"""

RESPONSIBILITIES = """\
main_duties:
  - duty: 负责市场综合监督管理
    tasks:
      - task: 组织实施食品经营许可
        handling_unit: 食品经营监管处
"""

NEGATIVE_LIST = """\
edition: 市场准入负面清单（2025年版）
items:
  - code: "100004"
    name: 未获得许可，不得从事食品经营
    category: 许可准入类
    measures:
      - code: 100004-01
        description: 从事食品销售、餐饮服务须取得食品经营许可
        scope: 全国
        legal_basis:
          - source: law-food-safety
            articles: 第三十五条
"""

REGULATIONS = """\
items:
  - code: 520000-DF-2001-001
    title: 示例省食品小作坊管理条例
    enacting_body: 示例省人民代表大会常务委员会
    adopted: 2001-04-29
    promulgated: 2001-05-10
    effective: 2001-07-01
    validity: 现行有效
    cleanup:
      result: 保留
      batch: 2024年法规清理
    industry: C
"""

VALID_FILES: dict[str, str] = {
    "site.yml": SITE,
    "regions.yml": REGIONS,
    "sources.yml": SOURCES,
    f"{PROVINCE_DEPT}/department.yml": PROVINCE_DEPARTMENT,
    f"{PROVINCE_DEPT}/powers.yml": PROVINCE_POWERS,
    f"{PROVINCE_DEPT}/responsibilities.yml": RESPONSIBILITIES,
    f"{PROVINCE_DEPT}/negative_list.yml": NEGATIVE_LIST,
    f"{PROVINCE_DEPT}/regulations.yml": REGULATIONS,
    f"{CITY_DEPT}/department.yml": CITY_DEPARTMENT,
    f"{CITY_DEPT}/powers.yml": CITY_POWERS,
    f"{CITY_DEPT}/responsibilities.yml": RESPONSIBILITIES,
}

TreeFiles = Mapping[str, "str | bytes | None"]


def write_tree(root: Path, files: TreeFiles, base: Mapping[str, str] = VALID_FILES) -> Path:
    """Write ``base`` overlaid with ``files`` under ``root/lists``; return that folder."""
    lists = root / "lists"
    merged: dict[str, str | bytes | None] = {**base, **files}
    for relpath, content in merged.items():
        if content is None:
            continue
        path = lists / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return lists


# ---- data-driven cases (tests/corpus/) -------------------------------------------

CORPUS = Path(__file__).parent / "corpus"


def apply_change(text: str, change: Mapping[str, Any]) -> str | None:
    """One file of a case's ``change`` (see tests/corpus/rules.yml); None deletes the file."""
    if change.get("delete"):
        return None
    if "content" in change:
        return change["content"]
    for old, new in change.get("replace", ()):
        assert old in text, f"{old!r} is not in the file the case changes"
        text = text.replace(old, new, 1)
    return text + change.get("append", "")


def changed_files(changes: Mapping[str, Mapping[str, Any]]) -> dict[str, str | None]:
    """Overrides for ``make_tree`` from a case's ``change`` applied to ``VALID_FILES``."""
    return {path: apply_change(VALID_FILES.get(path, ""), change) for path, change in changes.items()}


def assert_problems(found: list[dict], expect: list[dict], *, default_file: str | None = None,
                    absent: tuple[str, ...] = (), prefix: str = "lists/") -> None:
    """Check reported problems (as dicts) against a case's expectations.

    Every expected entry matches a problem with the same code, file, line and
    column whose message (and hint, if given) contains the expected text; every
    problem matches some entry by code and file; no problem has a code in ``absent``.
    """
    shown = "\n".join(f"  {p['code']} {p['file']}:{p['line']}:{p['column']} {p['message']} | {p['hint']}"
                      for p in found)
    for entry in expect:
        file = prefix + (entry.get("file") or default_file or "")
        matches = [
            p for p in found
            if p["code"] == entry["code"] and p["file"] == file and p["line"] == entry["line"]
            and p["column"] == entry["column"] and entry["message"] in p["message"]
            and entry.get("hint", "") in p["hint"]
        ]
        assert matches, f"expected {entry} in {file}; found:\n{shown}"
    allowed = {(e["code"], prefix + (e.get("file") or default_file or "")) for e in expect}
    unexpected = [p for p in found if (p["code"], p["file"]) not in allowed]
    assert not unexpected, f"unexpected problems:\n{shown}"
    assert not [p for p in found if p["code"] in absent], f"codes {absent} must be absent:\n{shown}"
