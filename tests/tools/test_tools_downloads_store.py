"""Downloads with the build store: the same bytes as without one, after every kind of edit; a second
build makes nothing, an edit makes again only what it touches; shards of departments plus a merge
give the single build; the joined site-wide workbook reads back as its departments' rows."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from qingdan.dataset import Dataset, load_dataset
from qingdan.export import FORMATS, downloads, iter_downloads
from qingdan.excel.context import context_for
from qingdan.excel.rows import Part
from qingdan.files import Digested
from qingdan.export.slices import ROWS, ROWS_PER_SLICE, Slices
from qingdan.model import PowerList
from qingdan.samples.synth import write_dataset
from qingdan.store import Store

from edit_support import DEPT, edit, kinds_of_edit
from toolsupport import SAMPLE, needs_sample

pytestmark = needs_sample

# Made per department file: the file and its package entry, in each format.
PER_FILE = 2 * len(FORMATS)


def _load(lists: Path) -> Dataset:
    data = load_dataset(lists)
    assert data.ok, [str(p) for p in data.report.errors][:3]
    return data


@pytest.fixture()
def lists(tmp_path: Path) -> Path:
    copy = tmp_path / "lists"
    shutil.copytree(SAMPLE, copy)
    return copy


def _changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    return {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}


def test_a_store_gives_the_same_bytes_and_a_second_build_makes_nothing(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    plain = downloads(data)
    cold = Store(tmp_path / "store")
    assert downloads(data, store=cold) == plain
    assert cold.made_count > 0 and cold.reused == 0
    warm = Store(tmp_path / "store")
    assert downloads(data, store=warm) == plain
    assert warm.made_count == 0 and warm.reused > 0


def test_after_each_kind_of_edit_the_store_gives_the_bytes_of_a_build_without_one(lists: Path, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    first = Store(folder)
    before = downloads(_load(lists), store=first)
    edits = kinds_of_edit(lists)
    for what, edit in edits:
        edit()
        data = _load(lists)
        store = Store(folder)
        got = downloads(data, store=store)
        assert got == downloads(data), what
        changed = _changed(before, got)
        assert changed, what
        assert 0 < store.made_count < first.made_count, what
        if what in ("an item field", "an item repealed"):
            # Only that department's powers files changed: its slices (rows and JSON), its file's records'
            # digests and its three files with their package entries were made again; the site-wide files
            # were joined anew.
            assert changed == {f"downloads/{d}/powers.{f}" for d in (DEPT, "all") for f in FORMATS} | {
                "downloads/datapackage.json"}, what
            assert store.made_count == 3 + PER_FILE, what
        if what == "a department renamed":
            assert all(p.startswith((f"downloads/{DEPT}/", "downloads/all/", "downloads/datapackage"))
                       or _names(got[p], "示例市市场监管局") for p in changed), what
        if what == "a source retitled":
            # Slices that cite the law were made again, the others were not.
            assert store.reused > 0 and any(p.startswith("downloads/520000-") for p in changed), what
        before = got


def _names(raw: bytes, name: str) -> bool:
    """True if a file (CSV, JSON or a workbook's sheets) holds ``name``."""
    if raw.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(raw)) as book:
            return any(name.encode() in book.read(n) for n in book.namelist())
    return name.encode() in raw


def test_shards_of_departments_and_a_merge_give_the_single_build(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    single = downloads(data)
    depts = sorted(data.departments)
    merged = Store(tmp_path / "merged")
    shard_files: dict[str, bytes] = {}
    for n in range(3):
        shard = Store(tmp_path / f"shard{n}")
        part = downloads(data, departments=depts[n::3], site_wide=False, package=False, store=shard)
        assert part and all(p.split("/")[1] in depts[n::3] for p in part)  # only its departments' files
        shard_files |= part
        assert merged.absorb(tmp_path / f"shard{n}") > 0
    assert shard_files == {p: raw for p, raw in single.items() if p.split("/")[1] in depts}
    assert downloads(data, store=merged) == single
    # The merge made nothing per department: only the site-wide registry of sources (not a department's
    # list, so no shard makes it), one file and its package entry per format.
    assert merged.made_count == PER_FILE


def test_the_joined_workbook_reads_back_as_its_departments_rows(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    files = downloads(data, store=Store(tmp_path / "store"))
    for kind in ("powers", "responsibilities"):
        whole = files[f"downloads/all/{kind}.xlsx"]
        with zipfile.ZipFile(io.BytesIO(whole)) as book:
            assert book.testzip() is None  # every entry's CRC-32 (combined from the runs') is right
        book = load_workbook(io.BytesIO(whole))
        depts = sorted(p.split("/")[1] for p in files if p.endswith(f"/{kind}.xlsx") and "/all/" not in p)
        for ws in book.worksheets:
            rows = [r for r in ws.iter_rows(values_only=True)]
            expected = [rows[0]]
            widths: dict[str, float] = {}
            for dept in depts:
                own = load_workbook(io.BytesIO(files[f"downloads/{dept}/{kind}.xlsx"]))
                if ws.title in own.sheetnames:
                    expected += list(own[ws.title].iter_rows(values_only=True))[1:]
                    for letter, dim in own[ws.title].column_dimensions.items():
                        widths[letter] = max(widths.get(letter, 0), dim.width)
            assert rows == expected and len(rows) > 1, ws.title
            assert ws.auto_filter.ref.endswith(str(len(rows))) and ws.freeze_panes == "A2"
            # A column is as wide as its widest department's (the header counts in both).
            assert {k: d.width for k, d in ws.column_dimensions.items()} == widths
    dates = [c for row in load_workbook(io.BytesIO(files["downloads/all/regulations.xlsx"])).worksheets[0].iter_rows(
        min_row=2) for c in row if c.is_date]
    assert dates and all(c.number_format == "yyyy-mm-dd" for c in dates)


def test_synthetic_shards_and_an_edit_match_the_single_build(tmp_path: Path) -> None:
    write_dataset(tmp_path, 400, seed=3)
    lists = tmp_path / "lists"
    data = _load(lists)
    depts = sorted(data.departments)
    merged = Store(tmp_path / "merged")
    for n in range(2):
        downloads(data, departments=depts[n::2], site_wide=False, package=False, store=Store(tmp_path / f"s{n}"))
        merged.absorb(tmp_path / f"s{n}")
    assert downloads(data, store=merged) == downloads(data)
    powers = sorted(lists.glob("*/powers.yml"))[0]
    edit(powers, lambda t: re.sub(r"^(    name: .*)$", r"\1（改名）", t, count=1, flags=re.M))
    data = _load(lists)
    store = Store(merged.folder)
    assert downloads(data, store=store) == downloads(data)
    # One department's powers: two slices, its file's records' digests, three files and their entries.
    assert store.made_count == 3 + PER_FILE


def test_a_damaged_store_is_made_again(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    plain = downloads(data)
    first = Store(tmp_path / "store")
    downloads(data, store=first)
    blobs = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
    for blob in blobs[::2]:
        blob.write_bytes(b"\x00damaged")
    again = Store(tmp_path / "store")
    assert downloads(data, store=again) == plain
    assert 0 < again.made_count < first.made_count
    for blob in blobs:
        blob.write_bytes(blob.read_bytes()[:-1])  # every blob cut short
    last = Store(tmp_path / "store")
    # A new build loads the data again (a loaded dataset remembers its records' digests per store folder).
    assert downloads(_load(lists), store=last) == plain and last.made_count == first.made_count


def _digests_hold(data: Dataset, store: Store) -> int:
    """Every download comes with the SHA-256 of its bytes (the site's writer takes it and hashes nothing);
    how many files there were."""
    files = list(iter_downloads(data, store=store))
    for path, content in files:
        if path.endswith("datapackage.json"):
            continue
        assert isinstance(content, Digested), path
        assert content.sha256 == hashlib.sha256(content.data).hexdigest(), path
    return len(files)


def test_every_file_comes_with_its_own_digest_and_damaged_entries_are_made_again(lists: Path, tmp_path: Path) -> None:
    data = _load(lists)
    plain = downloads(data)
    first = Store(tmp_path / "store")
    assert _digests_hold(data, first) == len(plain)
    kept = Store(tmp_path / "store")
    _digests_hold(data, kept)
    assert kept.made_count == 0
    damaged = 0
    for blob in (p for p in (tmp_path / "store").rglob("*") if p.is_file()):
        with contextlib.suppress(ValueError):
            entries = json.loads(blob.read_bytes())
            if isinstance(entries, list) and entries and isinstance(entries[0], dict) and "hash" in entries[0]:
                entries[0]["hash"] = "sha256:" + "0" * 63 + "g"  # not a digest
                blob.write_text(json.dumps(entries), encoding="utf-8")
                damaged += 1
    assert damaged > 0
    again = Store(tmp_path / "store")
    _digests_hold(data, again)
    assert again.made_count == 2 * damaged  # each damaged file and its entries made again
    assert downloads(data, store=Store(tmp_path / "store")) == plain


def test_a_large_department_gives_its_rows_in_runs_and_a_rename_makes_one_again(tmp_path: Path) -> None:
    """A department of more items than ROWS_PER_SLICE keeps its rows in runs: renaming one item makes
    its run again (and the JSON entry), not the department's other rows; the files are those of a build
    without a store, and its workbook and CSV hold every item, in file order."""
    write_dataset(tmp_path, 1200)
    lists = tmp_path / "lists"
    data = _load(lists)
    big = max(data.departments, key=lambda d: len(data.department_powers(d)))
    items = data.department_powers(big)
    assert len(items) > 2 * ROWS_PER_SLICE  # three runs at least
    folder = tmp_path / "store"
    downloads(data, store=Store(folder))
    before = _runs(data, big, Store(folder))
    assert len(before) == -(-len(items) // ROWS_PER_SLICE)
    last = items[-1]
    edit(lists / big / "powers.yml",
         lambda t: t.replace(f"    name: {last.name}\n", f"    name: {last.name}（已改名）\n", 1))
    data = _load(lists)
    store = Store(folder)
    got = downloads(data, store=store)
    assert got == downloads(data)
    # Its last run of rows and its JSON entry, its file's records' digests, its three files and their entries.
    assert store.made_count == 3 + PER_FILE
    after = _runs(data, big, Store(folder))
    assert after[:-1] == before[:-1] and after[-1] != before[-1]  # the other runs' keys: the same, kept
    sheet = load_workbook(io.BytesIO(got[f"downloads/{big}/powers.xlsx"])).worksheets[0]
    column = next(sheet.iter_rows(max_row=1, values_only=True)).index("事项编码")
    codes = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert list(dict.fromkeys(codes)) == [item.code for item in data.department_powers(big)]
    rows = list(csv.reader(io.StringIO(got[f"downloads/{big}/powers.csv"].decode("utf-8-sig"))))
    assert [row[column] for row in rows[1:]] == codes and f"{last.name}（已改名）" in {row[2] for row in rows}


def _runs(data: Dataset, dept: str, store: Store) -> list[str]:
    """The keys of a department's runs of power rows, every one of them kept in ``store``."""
    slices = Slices(context_for(data), store)
    part = Part(dept, PowerList(items=data.department_powers(dept)))
    runs = slices.of("powers", part, (ROWS,), None, data.record_digests(f"{dept}/powers.yml", store))[ROWS]
    assert store.made_count == 0 and store.reused == len(runs)  # (the dataset remembers its records' digests)
    return [run.key for run in runs]
