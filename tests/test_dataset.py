"""The loaded Dataset: records indexed by code, and their memory shared where pydantic allows."""

from __future__ import annotations

import pytest

from qingdan.dataset import Dataset, SharedFields


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
