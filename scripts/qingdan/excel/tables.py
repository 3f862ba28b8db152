"""The spreadsheet layout of every list: which tables, which columns, which cell types.

One table is one sheet (or one CSV). A row holds one record or one child of a
record (a 子项, a 准入措施, a 具体工作事项); the record's own columns repeat on
each of its rows. Import and export both read these definitions, so what
export writes, import reads back.

Field paths: ``name`` a field of the record, ``repeal.date`` a field of a
nested record, ``sub_items.code`` a field of a child (the table's ``child``
list), ``^edition`` a field of the whole file, ``@department`` a column that is
not stored (checked, or used to sort rows).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from pydantic import BaseModel

from ..model import NegativeItem, PowerItem, Regulation
from ..model.responsibility import Boundary, MainDuty, PublicService, SupervisionRule


@dataclass(frozen=True)
class Column:
    """One column: the field it holds and how its cells are read and written."""

    field: str
    cell: str  # a converter name in cells.CONVERTERS

    @functools.cached_property
    def level(self) -> str:
        """'file', 'pseudo', 'child' or 'record'."""
        if self.field.startswith("^"):
            return "file"
        if self.field.startswith("@"):
            return "pseudo"
        return "child" if "." in self.field and self.field.split(".")[0] in _CHILD_LISTS else "record"


@dataclass(frozen=True)
class Table:
    """One sheet: its records, where they go in the file, and its columns."""

    key: str
    kind: str  # layout.KINDS key of the file the records belong to
    section: str  # the list in the file record that holds the records
    sheet: str  # sheet title on export
    model: type[BaseModel]
    identity: str  # the field that tells records apart (rows of one record share it)
    child: str | None
    columns: tuple[Column, ...]

    def column(self, field_path: str) -> Column:
        return next(c for c in self.columns if c.field == field_path)


_CHILD_LISTS = {"sub_items", "measures", "tasks"}


def _cols(*pairs: str) -> tuple[Column, ...]:
    return tuple(Column(*pair.split(":")) for pair in pairs)


TABLES: tuple[Table, ...] = (
    Table("powers", "powers", "items", "权力清单", PowerItem, "code", "sub_items", _cols(
        "@department:department", "code:code", "name:text", "sub_items.code:code", "sub_items.name:text",
        "sub_items.legal_basis:basis", "sub_items.implementation_basis:basis", "sub_items.exercise_level:choice",
        "power_type:power_type", "local_type_label:text", "implementing_body:text", "body_nature:choice",
        "origin.kind:choice", "origin.document:text", "origin.date:date", "origin.from_body:text",
        "targets:names", "handling_unit:text",
        "co_implementers:departments", "exercise_level:choice", "legal_basis:basis", "implementation_basis:basis",
        "provisional:bool", "responsibilities:stages", "accountability_cases:lines", "accountability_basis:basis",
        "guide_url:text", "supervision_phone:phone", "remarks:text", "status:choice", "effective:date", "basis_reviewed:date",
        "repeal.date:date", "repeal.basis:text", "repeal.reason:text", "adjustments:adjustments", "@level:level")),
    Table("duties", "responsibilities", "main_duties", "主要职责", MainDuty, "duty", "tasks", _cols(
        "@department:department", "duty:text", "tasks.task:text", "tasks.handling_unit:text",
        "accountability_cases:lines", "accountability_basis:basis")),
    Table("boundaries", "responsibilities", "boundaries", "职责边界", Boundary, "matter", None, _cols(
        "@department:department", "matter:text", "departments:departments", "division:text",
        "coordination:text", "basis:basis", "cases:lines")),
    Table("rules", "responsibilities", "supervision_rules", "事中事后监管制度", SupervisionRule, "name", None,
          _cols("@department:department", "name:text", "document:text")),
    Table("services", "responsibilities", "public_services", "公共服务事项", PublicService, "name", None,
          _cols("@department:department", "name:text", "content:text", "handling_unit:text")),
    Table("negative", "negative_list", "items", "市场准入负面清单", NegativeItem, "code", "measures", _cols(
        "@department:department", "^edition:text", "^document:text", "number:int", "code:code",
        "name:text", "category:choice", "edition:text", "measures.code:code", "measures.description:text",
        "measures.scope:choice", "measures.star:bool", "measures.national_entry:text", "measures.departments:names", "measures.legal_basis:basis",
        "measures.temporary:bool", "measures.effective:date", "measures.basis_reviewed:date", "measures.cancellation:date",
        "measures.status:choice")),
    Table("regulations", "regulations", "items", "地方性法规目录", Regulation, "code", None, _cols(
        "@department:department", "code:code", "title:text", "level:choice", "enacting_body:text",
        "document_number:text", "approving_body:text",
        "adopted:date", "approved:date", "promulgated:date", "effective:date", "amendments:amendments",
        "validity:choice", "superseded_by:code", "repealed:date", "cleanup.result:choice", "cleanup.batch:text",
        "cleanup.reason:text", "cleanup.decision:text", "cleanup.decision_number:text", "cleanup.decision_date:date",
        "cleanup_history:cleanups", "industry:industry", "note:text")),
)

BY_KEY = {table.key: table for table in TABLES}

# Columns written on export (import-only markers left out).
IMPORT_ONLY = {"@level"}

# --kind on the command line → layout kind. The words first, the file names too.
KIND_NAMES = {
    "power": "powers", "powers": "powers",
    "responsibility": "responsibilities", "responsibilities": "responsibilities",
    "negative": "negative_list", "negative_list": "negative_list",
    "regulations": "regulations", "regulation": "regulations",
}

# The section column of a responsibility list kept in one sheet (or one CSV).
SECTION_HEADER = "部分"


def tables_of(kind: str) -> list[Table]:
    """The tables of one file kind, in export order."""
    return [table for table in TABLES if table.kind == kind]


def export_columns(table: Table) -> list[Column]:
    return [c for c in table.columns if c.field not in IMPORT_ONLY]
