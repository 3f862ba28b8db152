"""What an import could not carry over, by sheet, row and column — and how it is shown."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "note"]
SEVERITY_ZH = {"error": "未导入", "note": "提示"}


class CellError(ValueError):
    """A cell (or one citation in it) that cannot be read, with a hint to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


@dataclass
class Issue:
    """One thing not carried over (error) or worth knowing (note)."""

    message: str
    sheet: str | None = None
    row: int | None = None  # 1-based, as Excel shows it
    column: str | None = None  # Excel letter
    header: str | None = None
    hint: str = ""
    severity: Severity = "error"

    @property
    def where(self) -> str:
        parts = []
        if self.sheet:
            parts.append(f"工作表“{self.sheet}”")
        if self.row:
            parts.append(f"第 {self.row} 行")
        if self.column:
            parts.append(f"{self.column} 列" + (f"（{self.header}）" if self.header else ""))
        return " ".join(parts) or "整个文件"

    def sort_key(self) -> tuple:
        return (self.severity != "error", self.sheet or "", self.row or 0, self.column or "")


def as_text(issues: list[Issue]) -> str:
    """Issues for people: errors first, each with its place and hint."""
    lines = []
    for issue in sorted(issues, key=Issue.sort_key):
        lines.append(f"{issue.where}：{SEVERITY_ZH[issue.severity]} {issue.message}")
        if issue.hint:
            lines.append(f"    提示：{issue.hint}")
    return "\n".join(lines) + ("\n" if lines else "")


def as_json(issues: list[Issue]) -> str:
    """Issues for machines: a JSON array."""
    return json.dumps([asdict(i) for i in sorted(issues, key=Issue.sort_key)], ensure_ascii=False, indent=2) + "\n"
