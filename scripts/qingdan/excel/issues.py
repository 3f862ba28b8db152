"""A cell that cannot be read. Everything an import finds is a :class:`qingdan.problems.Problem`."""

from __future__ import annotations


class CellError(ValueError):
    """A cell (or one citation in it) that cannot be read, with a hint to fix it."""

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint
