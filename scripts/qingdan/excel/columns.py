"""Finding the header of a sheet and which field each column holds.

Headers may sit below a title row, span two rows (a parent merged over its
sub-headers, such as 事项名称 over 主项名称 | 子项名称) and use any spelling in
the header map. Every candidate header row is scored by how many fields it
maps; the best one wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from .cells import text
from .headers import HeaderMap, normalise
from .read import Sheet
from .tables import SECTION_HEADER, Table

HEADER_SEARCH_ROWS = 20
# Fields that may come from several columns (each adds to the list).
_LIST_CELLS = {"basis", "lines", "names", "departments"}


@dataclass
class Layout:
    """Where a sheet's header is and what each column holds, per table."""

    sheet: Sheet
    tables: list[Table]
    header_row: int  # 0-based first header row
    depth: int  # 1 or 2 header rows
    labels: dict[int, str]  # column -> header text as shown
    fields: dict[str, dict[int, str]]  # table key -> column -> field
    section_col: int | None = None
    duplicates: dict[int, str] = field(default_factory=dict)  # column -> field already taken

    @property
    def data_start(self) -> int:
        return self.header_row + self.depth

    @property
    def score(self) -> int:
        return sum(len(set(cols.values())) for cols in self.fields.values())

    def unmapped(self, table: Table | None = None) -> list[int]:
        """Columns that no field (of this table, or of any) takes."""
        taken = set(self.fields[table.key]) if table else {c for cols in self.fields.values() for c in cols}
        if self.section_col is not None:
            taken.add(self.section_col)
        return [c for c in range(self.sheet.width) if c not in taken]


def letter(col: int) -> str:
    """Excel column letter of a 0-based column."""
    return get_column_letter(col + 1)


def find_layout(sheet: Sheet, tables: list[Table], headers: HeaderMap) -> Layout | None:
    """The best header reading of a sheet for the given tables, or None if nothing maps."""
    best: Layout | None = None
    rows = min(len(sheet.rows), HEADER_SEARCH_ROWS)
    for depth in (1, 2):
        for top in range(rows - depth + 1):
            layout = _layout(sheet, tables, headers, top, depth)
            if best is None or layout.score > best.score:
                best = layout
    return best if best is not None and best.score >= 2 else None


def _layout(sheet: Sheet, tables: list[Table], headers: HeaderMap, top: int, depth: int) -> Layout:
    labels = {c: _labels(sheet, top, depth, c) for c in range(sheet.width)}
    section = next((c for c, ls in labels.items() if normalise(SECTION_HEADER) in map(normalise, ls)), None)
    chosen = tables if section is not None and len(tables) > 1 else None
    candidates = []
    for table in ([None] if chosen else tables):
        group = chosen or [table]
        layout = Layout(sheet, group, top, depth, {c: ls[0] for c, ls in labels.items() if ls}, {},
                        section if chosen else None)
        for member in group:
            layout.fields[member.key] = _assign(member, labels, headers, layout.duplicates)
        candidates.append(layout)
    return max(candidates, key=lambda layout: layout.score)


def _labels(sheet: Sheet, top: int, depth: int, col: int) -> list[str]:
    """Header spellings to try for a column, most specific first."""
    parts = [text(sheet.value(top + i, col)) for i in range(depth)]
    parts = [p for p in parts if p]
    if len(parts) == 2 and parts[0] != parts[1]:
        return [parts[0] + parts[1], parts[1], parts[0]]
    return parts[:1]


def _assign(table: Table, labels: dict[int, list[str]], headers: HeaderMap,
            duplicates: dict[int, str]) -> dict[int, str]:
    lookup = headers.lookup(table.key)
    found: dict[int, str] = {}
    for col, spellings in labels.items():
        for spelling in spellings:
            field_path = lookup.get(normalise(spelling))
            if field_path is None:
                continue
            if field_path in found.values() and table.column(field_path).cell not in _LIST_CELLS:
                duplicates[col] = field_path
            else:
                found[col] = field_path
            break
    return found
