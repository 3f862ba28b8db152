"""同一事项比对: how each region implements the items sharing a base code.

Display only: the validator decides what is inconsistent (rules.consistency,
reported on the 同一事项同一标准 page). Here each compared field shows every
region's value, the values that differ from the most common one marked, and a
per-region figure says how many of its shared items agree with the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .. import model
from .lookup import Lookup

# Compared fields: (label key of PowerItem, the value compared).
FIELDS: tuple[tuple[str, Callable[[model.PowerItem], Any]], ...] = (
    ("name", lambda item: item.name),
    ("power_type", lambda item: item.power_type),
    ("legal_basis", lambda item: tuple(sorted({b.source for b in item.legal_basis}))),
    ("exercise_level", lambda item: item.exercise_level),
)


@dataclass(frozen=True)
class Row:
    """One region's item of a base code, with the fields that differ from the most common value."""

    code: str
    region: str
    item: model.PowerItem
    differs: frozenset[str]


def compare(lookup: Lookup, base: str) -> list[Row]:
    """The items of ``base``, by region code, each with its differing fields."""
    codes = lookup.base_groups.get(base, [])
    items = [(code, lookup.data.powers[code]) for code in sorted(codes)]
    common = {key: _most_common([value(item) for _code, item in items]) for key, value in FIELDS}
    return [Row(code, _region(lookup, code), item,
                frozenset(key for key, value in FIELDS if value(item) != common[key]))
            for code, item in items]


def _most_common(values: Sequence[Any]) -> Any:
    """The value most items share; on a tie, the first one's (the higher level's, codes sorted)."""
    counts = Counter(values)
    top = max(counts.values())
    return next(v for v in values if counts[v] == top)


def _region(lookup: Lookup, code: str) -> str:
    dept = lookup.data.departments.get(lookup.data.owner.get(code, ""))
    return dept.region if dept else ""


@dataclass(frozen=True)
class RegionFigure:
    """同一事项同一标准 for one region: of its items shared with other regions, how many agree."""

    region: str
    shared: int
    agreeing: int

    @property
    def percent(self) -> int:
        return round(100 * self.agreeing / self.shared) if self.shared else 100


def region_figures(lookup: Lookup) -> list[RegionFigure]:
    """One figure per region with shared items, by region code."""
    shared: Counter[str] = Counter()
    agreeing: Counter[str] = Counter()
    for base in lookup.base_groups:
        for row in compare(lookup, base):
            shared[row.region] += 1
            agreeing[row.region] += not row.differs
    return [RegionFigure(region, shared[region], agreeing[region]) for region in sorted(shared)]
