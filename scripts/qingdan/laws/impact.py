"""qingdan impact: the records to review when a law changes, by department.

Every power item and sub-item, responsibility (duty or boundary) and negative-list
measure in force that cites a source, optionally narrowed to some of its articles. A
citation that names no article, or one whose articles cannot be read, cites the
whole source and is always listed: it may rest on any of them.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass

from ..dataset import Dataset
from ..errors import QingdanError
from ..excel.formula import guard_formula
from ..render.lookup import Citation, Lookup
from .citation import parse_articles

KIND_LABEL = {"item": "权力事项", "sub_item": "子项", "measure": "负面清单事项", "boundary": "职责边界",
              "duty": "主要职责"}
COLUMNS = (("department", "部门"), ("department_id", "部门标识"), ("kind", "类型"), ("code", "编码或名称"),
           ("name", "名称"), ("field", "依据字段"), ("articles", "引用条款"))


@dataclass(frozen=True)
class Affected:
    """One citation to review."""

    department: str
    department_id: str
    kind: str
    code: str
    name: str
    field: str
    articles: str


def articles_wanted(values: tuple[str, ...]) -> set[int] | None:
    """The article numbers asked for (``--articles 第三十五条,第三十六条``), or None for all."""
    wanted: set[int] = set()
    for value in values:
        for part in value.replace("，", ",").split(","):
            if not part.strip():
                continue
            parsed = parse_articles(part)
            if not parsed.understood or not parsed.refs:
                raise QingdanError(f"条款“{part.strip()}”无法识别；写成 第三十五条 或 第七十六条至第八十三条，多个用逗号分隔")
            wanted |= {ref.number for ref in parsed.refs}
    return wanted or None


def _touches(citation: Citation, wanted: set[int] | None) -> bool:
    if wanted is None or not citation.articles:
        return True
    parsed = parse_articles(citation.articles)
    if not parsed.understood or parsed.structural:
        return True
    return any(ref.number in wanted for ref in parsed.refs)


def impact(data: Dataset, source_id: str, wanted: set[int] | None = None) -> list[Affected]:
    """Records in force citing ``source_id`` (and, if given, one of the ``wanted`` articles), by department."""
    lookup = Lookup(data)
    if lookup.source(source_id) is None:
        raise QingdanError(f"没有标识为 {source_id} 的法律法规；用 qingdan sources find 标题 查找标识")
    out = []
    for c in lookup.citations.get(source_id, []):
        if not c.in_force or not _touches(c, wanted):
            continue
        dept = data.departments.get(c.dept)
        out.append(Affected(dept.name if dept else c.dept, c.dept, KIND_LABEL.get(c.kind, c.kind), c.key,
                            c.name, c.field, c.articles or "（未写明条款）"))
    return sorted(out, key=lambda a: (a.department_id, a.kind, a.code))


def as_markdown(title: str, affected: list[Affected], note: str) -> str:
    """A review list people read: one section per department."""
    lines = [f"# 依据变化复核清单：《{title}》", "", note]
    if not affected:
        return "\n".join([*lines, "", "没有在用的记录引用它。", ""])
    current = None
    for a in affected:
        if a.department_id != current:
            current = a.department_id
            count = sum(1 for x in affected if x.department_id == current)
            lines += ["", f"## {a.department}（{count} 处）", "", "| 类型 | 编码或名称 | 名称 | 依据字段 | 引用条款 |",
                      "|---|---|---|---|---|"]
        cells = [a.kind, a.code, a.name if a.name != a.code else "", a.field, a.articles]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    # A table cell is one line, and a | inside it would start a new cell.
    return text.replace("\n", " ").replace("|", "\\|")


def as_csv(affected: list[Affected]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([label for _key, label in COLUMNS])
    for a in affected:
        row = asdict(a)
        writer.writerow([guard_formula(row[key]) for key, _label in COLUMNS])
    return out.getvalue()


def as_json(source_id: str, title: str, affected: list[Affected]) -> str:
    return json.dumps({"source": source_id, "title": title, "records": [asdict(a) for a in affected]},
                      ensure_ascii=False, indent=2) + "\n"
