"""The catalogue of problem codes: every code is documented, listed, produced and tested."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

import test_loader
from tree_support import CORPUS
from qingdan.cli import main
from qingdan.problems import CATALOGUE

SOURCE = Path(__file__).parents[1] / "scripts" / "qingdan"
_CJK = re.compile("[\u4e00-\u9fff]")

# Codes whose example cannot be a file of the corpus, and the test that produces them.
TESTED_ELSEWHERE = {
    "file-too-large": test_loader.test_file_too_large_on_disk,
}


def _codes_in(table: str) -> set[str]:
    cases = yaml.safe_load((CORPUS / table).read_text(encoding="utf-8"))
    return {entry["code"] for case in cases.values() for entry in case["expect"]}


def test_every_code_is_produced_by_a_corpus_or_rule_case() -> None:
    """A code nobody can trigger is dead; one nobody tests may have broken silently.

    Validator codes are proven by the tables of tests/corpus/; codes of other
    stages (e.g. history's qingdan diff --check) by a test that names them.
    """
    produced = _codes_in("expected.yml") | _codes_in("rules.yml")
    for code, test in TESTED_ELSEWHERE.items():
        assert f'"{code}"' in inspect.getsource(test), f"{test.__name__} no longer checks {code}"
        produced.add(code)
    other_tests = "".join(p.read_text(encoding="utf-8") for p in Path(__file__).parent.rglob("test_*.py")
                          if p.name != Path(__file__).name)
    produced |= {code for code in CATALOGUE if f'"{code}"' in other_tests}
    assert sorted(set(CATALOGUE) - produced) == []


def test_tables_only_name_known_codes() -> None:
    assert (_codes_in("expected.yml") | _codes_in("rules.yml")) <= set(CATALOGUE)


@pytest.mark.parametrize("code", sorted(CATALOGUE))
def test_every_code_has_a_chinese_title_and_description(code: str) -> None:
    kind = CATALOGUE[code]
    assert kind.code == code and re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", code)
    assert _CJK.search(kind.title), f"{code}: title must be Chinese"
    assert _CJK.search(kind.description) and kind.description.endswith("。"), f"{code}: description"
    assert kind.severity in ("error", "warning") and kind.stage in (0, 1, 2, 3)


def test_titles_are_distinct() -> None:
    titles = [kind.title for kind in CATALOGUE.values()]
    assert len(titles) == len(set(titles))


def test_every_code_is_listed_by_qingdan_codes() -> None:
    """`qingdan codes` is the reference people read (the site renders the same catalogue)."""
    result = CliRunner().invoke(main, ["codes"])
    assert result.exit_code == 0
    listed = {line.split()[0]: line for line in result.output.splitlines()}
    assert set(listed) == set(CATALOGUE)
    for code, kind in CATALOGUE.items():
        assert kind.title in listed[code] and kind.description in listed[code]


def test_every_code_in_the_source_is_in_the_catalogue() -> None:
    """A typo in a code would only fail when that rare problem occurs; catch it here."""
    pattern = re.compile(r"""(?:Problem|problem)\(\s*"([a-z0-9-]+)\"""")
    used = {code for path in SOURCE.rglob("*.py") for code in pattern.findall(path.read_text(encoding="utf-8"))}
    assert used, "the pattern no longer finds the codes in the source"
    assert sorted(used - set(CATALOGUE)) == []
