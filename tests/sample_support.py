"""The repository's sample lists/ and the one variation of it that tests show across regions.

The sample validates with no problems at all (tests/test_laws.py). The pages that
compare one item across regions (同一事项比对) need a difference to show, so the tests
that look at them give the city's copy of the province's food inspection item an older
name in their own copy of the sample: ``diverge(lists)``.
"""

from __future__ import annotations

from pathlib import Path

SAMPLE = Path(__file__).resolve().parents[1] / "lists"

# The base code shared by 520000-JC00001000 and 520100-JC00001000, and the city's older name.
DIVERGING_BASE = "JC00001"
DIVERGING_FILE = "520100-scjgj/powers.yml"
SAME_NAME = "    name: 食品生产经营监督检查\n"
OLDER_NAME = "    name: 食品生产经营日常监督检查\n"


def diverge(lists: Path) -> str:
    """Rename the city's copy of the item in the copy of the sample at ``lists``; returns the base code."""
    path = lists / DIVERGING_FILE
    text = path.read_text(encoding="utf-8")
    assert text.count(SAME_NAME) == 1, f"{DIVERGING_FILE} should name the item once"
    path.write_text(text.replace(SAME_NAME, OLDER_NAME), encoding="utf-8")
    return DIVERGING_BASE
