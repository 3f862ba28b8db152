"""The loaded Dataset: records indexed by code, and their memory shared where pydantic allows."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qingdan.dataset import Dataset, SharedFields, load_dataset
from qingdan.validate import Memo

SAMPLE = Path(__file__).resolve().parents[1] / "lists"


def test_items_with_the_same_given_fields_share_one_read_only_set(sample: Dataset) -> None:
    items = list(sample.powers.values())
    by_fields: dict[frozenset[str], set[int]] = {}
    for item in items:
        by_fields.setdefault(frozenset(item.model_fields_set), set()).add(id(item.model_fields_set))
    assert all(len(ids) == 1 for ids in by_fields.values())  # one object per distinct set
    assert len(by_fields) < len(items)
    nested = [basis for item in items for basis in item.legal_basis]
    assert all(isinstance(b.model_fields_set, SharedFields) for b in nested)
    # Dumps still leave out what was not given, as before.
    first = items[0]
    assert set(first.model_dump(exclude_unset=True)) == set(first.model_fields_set)


def test_assigning_to_a_loaded_record_fails_loudly(sample: Dataset) -> None:
    item = next(iter(sample.powers.values()))
    with pytest.raises(TypeError, match="只读"):
        item.name = "改名"


def test_a_memo_reparses_only_changed_files_and_loads_the_same_data(tmp_path: Path) -> None:
    """A preview server loads lists/ again after each edit, with one Memo: unchanged files keep their
    records (the same objects), a changed or new file is read again, a removed one is forgotten, and
    the Dataset and its report are those of a load without the memo."""
    lists = tmp_path / "lists"
    shutil.copytree(SAMPLE, lists)
    memo = Memo()
    first = load_dataset(lists, memo=memo, cache_dir=tmp_path / "cache")
    powers = lists / "520100-scjgj" / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace(
        "    name: 食品生产许可\n", "    name: 食品生产许可（改）\n", 1), encoding="utf-8")
    dates = lists / "520000-scjgj" / "powers.yml"
    dates.write_text(dates.read_text(encoding="utf-8").replace("effective: 2020-01-01", "effective: 2023.3.1", 1),
                     encoding="utf-8")
    (lists / "520100-gaj" / "responsibilities.yml").unlink()
    second = load_dataset(lists, memo=memo, cache_dir=tmp_path / "cache")
    fresh = load_dataset(lists)
    assert second.report.problems == fresh.report.problems and not second.ok
    assert any(p.file.endswith("520000-scjgj/powers.yml") and p.line for p in second.report.errors)
    assert second.file_digests == fresh.file_digests
    assert "520100-gaj" not in second.responsibilities
    changed = [c for c, item in second.powers.items() if item.name == "食品生产许可（改）"]
    assert changed and all(second.powers[c] is not first.powers.get(c) for c in changed)
    kept = [c for c, f in second.source_file.items() if f == "520000-fgw/powers.yml" and c in second.powers]
    assert kept and all(second.powers[c] is first.powers[c] for c in kept)  # not parsed again
    assert all(second.powers[c].model_dump() == fresh.powers[c].model_dump() for c in fresh.powers)
