"""CSV cells that a spreadsheet would run as a formula (CSV injection).

Excel, WPS and LibreOffice run a CSV cell starting with ``=``, ``+``, ``-`` or
``@`` as a formula, which can fetch URLs or start programs. Every CSV we write
puts an apostrophe before such text, as Excel does when a user types it, and
``qingdan import`` takes it off again, so data survives the round trip.
"""

from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def guard_formula(text: str) -> str:
    """``text`` as a CSV cell that no spreadsheet runs as a formula."""
    return "'" + text if text.startswith(FORMULA_START) else text


def unguard_formula(text: str) -> str:
    """The text :func:`guard_formula` was given."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_START) else text
