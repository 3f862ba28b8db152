"""The result of a validation: the problems, most useful first, and how many files were checked.

Reporters (report.py) print it; the exit code comes from it. It holds no
records: the stages that need the data get them from ``check`` beside it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..problems import Problem


@dataclass
class Report:
    """The outcome of a validation: problems, most useful first, and what was checked."""

    problems: list[Problem]
    files: int

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> "Report":
        """Only the problems whose code is in ``only`` (if given) and not in ``skip``."""
        only, skip = set(only), set(skip)
        kept = [p for p in self.problems if (not only or p.code in only) and p.code not in skip]
        return Report(kept, self.files)
