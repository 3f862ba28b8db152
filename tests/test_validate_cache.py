"""The validator's per-file cache and worker processes, on real files in temporary folders."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from programs import tool
from tree_support import CITY_DEPT, PROVINCE_DEPT, TODAY

from qingdan.errors import QingdanError
from qingdan.rules import is_context
from qingdan.samples.synth import write_dataset
from qingdan.validate import Cache, Checked, Report, check, validate

# One file with its own problems (a bad type, an unknown field) and one with a
# problem found across files (an unknown legal source), so both kinds are cached.
SPOILED = {
    f"{PROVINCE_DEPT}/powers.yml": """\
items:
  - code: 520000-XK00001000
    name: 食品经营许可
    power_type: "01"
    exercise_level: 省
    legal_basis: 第三十五条
    colour: 红
""",
    f"{CITY_DEPT}/powers.yml": """\
items:
  - code: 520100-XK00002000
    name: 食品经营许可
    power_type: "01"
    exercise_level: 市
    legal_basis:
      - source: law-no-such-law
""",
}


def _shown(report: Report) -> list[dict]:
    return [p.to_dict() for p in report.problems]


def _entries(cache_dir: Path) -> set[Path]:
    return set(cache_dir.rglob("*.bin"))


def _same_facts(warm: Checked, cold: Checked) -> bool:
    """A cached run knows every file as a run without the cache does: each brief, and the facts it has."""
    assert warm.facts.keys() <= cold.facts.keys()
    return warm.briefs == cold.briefs and all(facts == cold.facts[path] for path, facts in warm.facts.items())


@pytest.fixture
def spoiled(make_tree: Callable[..., Path]) -> Path:
    return make_tree(SPOILED)


def test_warm_run_gives_the_same_problems_as_a_cold_run(spoiled: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cold = validate(spoiled, today=TODAY)
    first = validate(spoiled, cache_dir=cache_dir, today=TODAY)
    assert len(_entries(cache_dir)) == first.files
    warm = validate(spoiled, cache_dir=cache_dir, today=TODAY)
    codes = {p.code for p in cold.problems}
    assert {"wrong-type", "unknown-field", "unknown-source"} <= codes
    assert _shown(first) == _shown(cold)
    assert _shown(warm) == _shown(cold)
    assert _same_facts(check(spoiled, cache_dir=cache_dir, today=TODAY), check(spoiled, today=TODAY))
    assert all(p.line for p in warm.problems)  # lines survive the cache


def test_warm_run_reads_the_cache(spoiled: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    validate(spoiled, cache_dir=cache_dir, today=TODAY)
    # Planting an entry proves that a warm run takes the cached result as it is.
    relpath = f"{CITY_DEPT}/responsibilities.yml"
    digest = hashlib.sha256((spoiled / relpath).read_bytes()).hexdigest()
    planted = {"code": "empty-file", "message": "来自缓存", "file": "x", "loc": [], "hint": "",
               "line": 1, "column": 1}
    cache = Cache(cache_dir, f"{spoiled.as_posix()}/")
    cache.put(relpath, digest, {"problems": [planted], "facts": {}})
    # The packed briefs hold every file's own problems too: without them, the entry is read.
    [briefs] = cache_dir.glob("briefs-*.idx")
    packed = cache.read(briefs)
    briefs.unlink()
    warm = validate(spoiled, cache_dir=cache_dir, today=TODAY)
    assert "来自缓存" in [p.message for p in warm.problems]
    # And with them, they are what a warm run takes, not the file's own entry.
    packed["files"][relpath][1] = [{**planted, "message": "来自打包的缓存"}]
    cache.write(briefs, packed)
    warm = validate(spoiled, cache_dir=cache_dir, today=TODAY)
    assert "来自打包的缓存" in [p.message for p in warm.problems]
    assert "来自缓存" not in [p.message for p in warm.problems]


def test_editing_a_file_invalidates_only_that_file(spoiled: Path, tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    validate(spoiled, cache_dir=cache_dir, today=TODAY)
    before = {path: path.stat().st_mtime_ns for path in _entries(cache_dir)}

    edited = spoiled / PROVINCE_DEPT / "powers.yml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("    colour: 红\n", ""), encoding="utf-8")
    after = validate(spoiled, cache_dir=cache_dir, today=TODAY)

    new = _entries(cache_dir) - set(before)
    assert len(new) == 1  # the edited file's new content, nothing else
    assert all(path.stat().st_mtime_ns == mtime for path, mtime in before.items())
    assert "unknown-field" not in {p.code for p in after.problems}
    assert _shown(after) == _shown(validate(spoiled, today=TODAY))


@pytest.mark.parametrize("damage", ["truncate", "flip", "garbage", "empty"])
def test_a_damaged_cache_entry_is_ignored(spoiled: Path, tmp_path: Path, damage: str) -> None:
    cache_dir = tmp_path / "cache"
    cold = validate(spoiled, cache_dir=cache_dir, today=TODAY)
    # Every cache file: each file's entry, and the packed briefs and rule results of the folder.
    packed = {*cache_dir.glob("briefs-*.idx"), *cache_dir.glob("rules-*.idx")}
    assert len(packed) == 2
    for path in _entries(cache_dir) | packed:
        blob = path.read_bytes()
        if damage == "truncate":
            blob = blob[: len(blob) // 2]
        elif damage == "flip":  # the payload changes, the checksum no longer fits
            blob = blob[:-1] + bytes([blob[-1] ^ 0xFF])
        elif damage == "garbage":
            blob = os.urandom(len(blob))
        else:
            blob = b""
        path.write_bytes(blob)
    again = check(spoiled, cache_dir=cache_dir, today=TODAY)
    assert _shown(again.report) == _shown(cold)
    assert _same_facts(again, check(spoiled, today=TODAY))
    # The damaged entries were written again, whole.
    assert _shown(validate(spoiled, cache_dir=cache_dir, today=TODAY)) == _shown(cold)
    assert all(Cache.MAGIC == path.read_bytes()[:4] for path in _entries(cache_dir) | packed)


def test_an_unwritable_cache_still_validates(spoiled: Path, tmp_path: Path) -> None:
    cold = validate(spoiled, today=TODAY)
    # A cache folder below a plain file can never be created, even by root.
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    assert _shown(validate(spoiled, cache_dir=blocked / "cache", today=TODAY)) == _shown(cold)


def test_worker_processes_give_the_same_report(tmp_path: Path) -> None:
    write_dataset(tmp_path, 400, seed=5)
    lists = tmp_path / "lists"
    first, *_others, last = sorted(lists.glob("*/powers.yml"))
    spoiled = first.with_name("responsibilities.yml")
    spoiled.write_text(spoiled.read_text(encoding="utf-8") + "colour: 红\n", encoding="utf-8")
    # A code used in the first and the last file: the last one's use is the duplicate, in whatever
    # order the workers read the files (biggest first).
    code = first.read_text(encoding="utf-8").split('code: "', 1)[1].split('"', 1)[0]
    last_code = last.read_text(encoding="utf-8").split('code: "', 1)[1].split('"', 1)[0]
    _replace(last, f'code: "{last_code}"', f'code: "{code}"')
    # Bigger than the first, so that the workers read it first.
    last.write_text(last.read_text(encoding="utf-8") + "# 注释\n" * first.stat().st_size, encoding="utf-8")
    serial_run = check(lists, workers=1, today=TODAY)
    serial = serial_run.report
    assert "unknown-field" in {p.code for p in serial.problems}
    [duplicate] = [p for p in serial.problems if p.code == "duplicate-code"]
    assert duplicate.file.endswith(last.relative_to(lists).as_posix())
    cache_dir = tmp_path / "cache"
    parallel_run = check(lists, workers=2, cache_dir=cache_dir, today=TODAY)
    parallel = parallel_run.report
    assert _shown(parallel) == _shown(serial)
    assert _same_facts(parallel_run, serial_run)
    assert parallel_run.facts == serial_run.facts  # the first run reads every file
    assert len(_entries(cache_dir)) == serial.files  # workers wrote the cache
    assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == _shown(serial)


def test_a_bad_worker_count_in_the_environment_is_a_clear_error(
        valid_tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QINGDAN_WORKERS", "两个")
    with pytest.raises(QingdanError, match="QINGDAN_WORKERS"):
        validate(valid_tree, today=TODAY)
    monkeypatch.setenv("QINGDAN_WORKERS", "1")
    assert validate(valid_tree, today=TODAY).problems == []


# ---- file digests remembered by stat (digests.py) ---------------------------------


def test_a_remembered_digest_is_trusted_only_for_a_settled_file(tmp_path: Path) -> None:
    from qingdan.digests import FileDigests

    data = tmp_path / "a.yml"
    data.write_text("items: []\n", encoding="utf-8")
    index = tmp_path / "digests.idx"
    first = FileDigests(index, margin_ns=0)
    digest = first.digest(data, "a.yml", data.stat())
    assert digest == hashlib.sha256(data.read_bytes()).hexdigest()
    first.save()
    # Settled (older than the last run's start): the digest comes from the index, the file is not read.
    trusting = FileDigests(index, margin_ns=0)
    assert trusting.digest(tmp_path / "not-read", "a.yml", data.stat()) == digest
    # Written within the margin of that run: read again.
    careful = FileDigests(index)
    with pytest.raises(FileNotFoundError):
        careful.digest(tmp_path / "not-read", "a.yml", data.stat())


def test_validate_reads_only_changed_files_and_sees_a_same_size_edit(make_tree: Callable[..., Path],
                                                                      tmp_path: Path) -> None:
    import time

    lists = make_tree()
    cache_dir = tmp_path / "cache"
    time.sleep(2.1)  # the files are older than the margin when the first run starts
    first = validate(lists, cache_dir=cache_dir, today=TODAY)
    [index] = cache_dir.glob("digests-*.idx")
    written = (index.read_bytes(), index.stat().st_mtime_ns)
    second = validate(lists, cache_dir=cache_dir, today=TODAY)
    assert _shown(second) == _shown(first)
    assert (index.read_bytes(), index.stat().st_mtime_ns) == written  # every digest trusted: nothing re-hashed
    # Same size, mtime put back: the ctime still changes, so the edit is seen.
    powers = lists / f"{PROVINCE_DEPT}/powers.yml"
    stat = powers.stat()
    text = powers.read_text(encoding="utf-8")
    assert "exercise_level: 省" in text
    powers.write_text(text.replace("exercise_level: 省", "exercise_level: 乡"), encoding="utf-8")
    os.utime(powers, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert powers.stat().st_size == stat.st_size
    third = validate(lists, cache_dir=cache_dir, today=TODAY)
    assert [p.code for p in third.problems if p.file.endswith(f"{PROVINCE_DEPT}/powers.yml")] == ["invalid-value"]
    assert _shown(third) == _shown(validate(lists, today=TODAY))


def test_a_damaged_digest_index_is_ignored_and_rewritten(make_tree: Callable[..., Path], tmp_path: Path) -> None:
    lists = make_tree(SPOILED)
    cache_dir = tmp_path / "cache"
    first = validate(lists, cache_dir=cache_dir, today=TODAY)
    [index] = cache_dir.glob("digests-*.idx")
    index.write_bytes(b"QDS1" + b"\0" * 40)
    again = validate(lists, cache_dir=cache_dir, today=TODAY)
    assert _shown(again) == _shown(first)
    assert index.read_bytes()[4:36] == hashlib.sha256(index.read_bytes()[36:]).digest()


def _cli_validate(lists: Path, cache: Path | None, *args: str) -> str:
    """``qingdan validate`` as a user runs it, with the cache in ``cache`` or ``--no-cache``."""
    env = {k: v for k, v in os.environ.items() if k != "QINGDAN_CACHE_DIR"}
    if cache is not None:
        env["QINGDAN_CACHE_DIR"] = str(cache)
    done = subprocess.run([tool("qingdan"), "validate", str(lists), "--all", "--today", TODAY.isoformat(), *args]
                          + ([] if cache is not None else ["--no-cache"]),
                          env=env, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_warm_revalidation_after_edits_gives_the_cold_report_with_the_catalogue(tmp_path: Path) -> None:
    """Cross-file and catalogue problems, cached rule results: after each edit, the report of --no-cache."""
    write_dataset(tmp_path, 300, seed=3)
    lists = tmp_path / "lists"
    province, city = lists / "990000-sft" / "powers.yml", lists / "990100-sft" / "powers.yml"
    city_text = city.read_text(encoding="utf-8")
    first_city_code = city_text.split('code: "', 1)[1].split('"', 1)[0]
    # A code used in two files, an article the law does not have, a quote that differs from the law.
    _replace(province, 'code: "990000-CF00002000"', f'code: "{first_city_code}"')
    _replace(province, "articles: 第八十二条", "articles: 第九百零一条")
    _replace(province, "慈善组织应当符合下列条件：", "慈善组织应当符合下列全部条件：")
    cache = tmp_path / "cache"

    def same_as_cold() -> list[str]:
        """The problem codes, after checking that the cached run's report is the cold run's, byte for byte."""
        for form in ("text", "json"):  # the text form also says how many citations the catalogue checked
            warm = _cli_validate(lists, cache, "--format", form)
            assert warm == _cli_validate(lists, None, "--format", form)
        assert _shown(validate(lists, cache_dir=cache / "validate", today=TODAY)) == _shown(validate(lists, today=TODAY))
        return [row["code"] for row in json.loads(warm)]

    codes = same_as_cold()  # fills the cache
    assert {"duplicate-code", "code-region", "article-missing", "article-text"} <= set(codes)
    assert same_as_cold() == codes  # everything from the cache
    assert list((cache / "validate").glob("rules-*"))

    # One file edited: an item's name now differs from the same item in the other region.
    province_bases = set(re.findall(r'\n  - code: "990000-(\w+)"', province.read_text(encoding="utf-8")))
    shared = next(m for m in re.finditer(r'\n  - code: "990100-(\w+)"\n    name: ([^\n]+)\n', city_text)
                  if m.group(1) in province_bases and m.group(1) != first_city_code.split("-")[1])
    _replace(city, shared.group(0), shared.group(0).replace(shared.group(2), shared.group(2) + "甲"))
    edited = same_as_cold()
    assert edited.count("inconsistent-item") > codes.count("inconsistent-item")
    # A file every other file is judged against: a law repealed, so the records citing it are wrong.
    _replace(lists / "sources.yml", '"全国人民代表大会"\n    effective: 2016-09-01\n    status: "现行有效"',
             '"全国人民代表大会"\n    effective: 2016-09-01\n    status: 已废止\n    repealed: 2020-01-01')
    assert "source-repealed" in same_as_cold()


# ---- the packed briefs: what the rules comparing files read of every file ------------------


def _first_code(path: Path) -> str:
    return path.read_text(encoding="utf-8").split('code: "', 1)[1].split('"', 1)[0]


def test_edits_in_one_file_show_in_the_problems_across_files(tmp_path: Path) -> None:
    """A code or a name changed in one file: duplicates and inconsistencies across regions come and
    go as a run without the cache says, while the other files are known by their briefs alone."""
    write_dataset(tmp_path, 300, seed=3)
    lists, cache = tmp_path / "lists", tmp_path / "cache"
    province, city = lists / "990000-sft" / "powers.yml", lists / "990100-sft" / "powers.yml"

    def warm() -> list[dict]:
        found = _shown(validate(lists, cache_dir=cache, today=TODAY))
        assert found == _shown(validate(lists, today=TODAY))
        return found

    assert not {p["code"] for p in warm()} & {"duplicate-code", "inconsistent-item"}  # fills the cache
    city_code, province_code = _first_code(city), _first_code(province)
    _replace(city, f'code: "{city_code}"', f'code: "{province_code}"')
    # Only the edited file and the files every other is judged against are read in full.
    run = check(lists, cache_dir=cache, today=TODAY)
    assert set(run.facts) == {"990100-sft/powers.yml"} | {path for path in run.briefs if is_context(path)}
    assert _shown(run.report) == _shown(validate(lists, today=TODAY))
    [duplicate] = [p for p in warm() if p["code"] == "duplicate-code"]
    assert duplicate["file"].endswith("990100-sft/powers.yml") and "990000-sft/powers.yml" in duplicate["message"]
    assert set(check(lists, cache_dir=cache, today=TODAY).facts) == {p for p in run.briefs if is_context(p)}
    _replace(city, f'code: "{province_code}"', f'code: "{city_code}"')
    assert "duplicate-code" not in {p["code"] for p in warm()}

    # An item the province has too, under the same base code: renamed in the city, it differs.
    province_bases = set(re.findall(r'\n  - code: "990000-(\w+)"', province.read_text(encoding="utf-8")))
    shared = next(m for m in re.finditer(r'\n  - code: "990100-(\w+)"\n    name: ([^\n]+)\n',
                                          city.read_text(encoding="utf-8")) if m.group(1) in province_bases)
    _replace(city, shared.group(0), shared.group(0).replace(shared.group(2), shared.group(2) + "（试行）"))
    inconsistent = [p for p in warm() if p["code"] == "inconsistent-item"]
    assert [p["path"] for p in inconsistent] == [f"items[{_index_of(city, shared.group(1))}]"]
    assert all(p["file"].endswith("990100-sft/powers.yml") for p in inconsistent)
    # The same name in the province: now the province item differs from the city's... and the
    # report is still that of a run without the cache.
    _replace(province, f'code: "990000-{shared.group(1)}"\n    name: {shared.group(2)}\n',
             f'code: "990000-{shared.group(1)}"\n    name: {shared.group(2)}（试行）\n')
    assert "inconsistent-item" not in {p["code"] for p in warm()}


def _index_of(path: Path, base_and_sub: str) -> int:
    codes = re.findall(r'\n  - code: "\d{6}-(\w+)"', path.read_text(encoding="utf-8"))
    return codes.index(base_and_sub)


def test_stale_or_damaged_packed_briefs_are_ignored_and_made_again(tmp_path: Path) -> None:
    write_dataset(tmp_path, 300, seed=4)
    lists, cache_dir = tmp_path / "lists", tmp_path / "cache"
    cold = _shown(validate(lists, today=TODAY))
    assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == cold
    cache = Cache(cache_dir, f"{lists.as_posix()}/")
    [briefs] = cache_dir.glob("briefs-*.idx")
    packed = cache.read(briefs)
    assert isinstance(packed, dict) and packed["files"]
    # Written by another version of the code: its briefs may mean something else.
    cache.write(briefs, {**packed, "code": "another version", "files": {
        path: [hit[0], [], {}, None] for path, hit in packed["files"].items()}})
    assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == cold
    assert cache.read(briefs)["code"] == packed["code"]  # made again
    # Damaged: a flipped byte.
    blob = briefs.read_bytes()
    briefs.write_bytes(blob[:-1] + bytes([blob[-1] ^ 0xFF]))
    assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == cold
    assert cache.read(briefs) == packed
    # Not in the form this code writes, though checksummed and of this code's version.
    broken = {**packed, "files": {path: [hit[0], hit[1], {**hit[2], "powers": {"code": 7}}, hit[3]]
                                   if hit[2].get("powers") else hit for path, hit in packed["files"].items()}}
    cache.write(briefs, broken)
    assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == cold


def test_an_edit_writes_the_small_packed_briefs_until_many_files_changed(tmp_path: Path) -> None:
    write_dataset(tmp_path, 300, seed=4)
    lists, cache_dir = tmp_path / "lists", tmp_path / "cache"
    validate(lists, cache_dir=cache_dir, today=TODAY)
    [big] = cache_dir.glob("briefs-[!n]*.idx")
    written = (big.read_bytes(), big.stat().st_mtime_ns)
    files = sorted(lists.rglob("*.yml"))
    edited = [path for path in files if path.name in ("powers.yml", "responsibilities.yml", "negative_list.yml")]
    assert len(edited) > len(files) // 16 + 1
    for n, path in enumerate(edited, 1):
        path.write_text(path.read_text(encoding="utf-8") + f"# 第 {n} 次修改\n", encoding="utf-8")
        assert _shown(validate(lists, cache_dir=cache_dir, today=TODAY)) == _shown(validate(lists, today=TODAY))
        newer = list(cache_dir.glob("briefs-new-*.idx"))
        if n <= len(files) // 16:
            assert len(newer) == 1 and (big.read_bytes(), big.stat().st_mtime_ns) == written
        else:
            break
    # Too many files read since: the big one is written again, with all of them, and the small one goes.
    assert not list(cache_dir.glob("briefs-new-*.idx"))
    assert big.stat().st_mtime_ns != written[1]
    assert set(Cache(cache_dir, "").read(big)["files"]) == {p.relative_to(lists).as_posix() for p in files}


def test_a_site_pattern_without_base_codes_validates_warm_as_cold(tmp_path: Path) -> None:
    """site.yml's power pattern may have no ``base`` group: no item is compared across regions."""
    write_dataset(tmp_path, 300, seed=3)
    lists, cache = tmp_path / "lists", tmp_path / "cache"
    site = lists / "site.yml"
    text = site.read_text(encoding="utf-8")
    power = next(line for line in text.splitlines() if line.startswith("  power: "))
    site.write_text(text.replace(power, "  power: '^.+$'"), encoding="utf-8")
    city = lists / "990100-sft" / "powers.yml"
    cold = _shown(validate(lists, today=TODAY))
    assert "site.yml" not in {Path(p["file"]).name for p in cold}
    assert _shown(validate(lists, cache_dir=cache, today=TODAY)) == cold
    _replace(city, "\n    name: ", "\n    name: 改名的")
    found = _shown(validate(lists, cache_dir=cache, today=TODAY))
    assert found == _shown(validate(lists, today=TODAY))
    assert not {"inconsistent-item", "similar-item"} & {p["code"] for p in found}


def test_a_load_for_the_build_makes_records_from_the_cached_data(tmp_path: Path) -> None:
    """load_dataset keeps each file's parsed data beside its result: a warm load makes the records
    from it (a planted entry shows it is read), equal to a load without the cache."""
    from qingdan.dataset import load_dataset

    write_dataset(tmp_path, 300)
    lists, cache_dir = tmp_path / "lists", tmp_path / "cache"
    cold = load_dataset(lists, today=TODAY)
    first = load_dataset(lists, today=TODAY, cache_dir=cache_dir)
    warm = load_dataset(lists, today=TODAY, cache_dir=cache_dir)
    for loaded in (first, warm):
        assert _shown(loaded.report) == _shown(cold.report)
        assert {c: i.model_dump() for c, i in loaded.powers.items()} == {c: i.model_dump() for c, i in cold.powers.items()}
        assert loaded.file_digests == cold.file_digests
    relpath = next(p for p in cold.file_digests if p.endswith("/powers.yml"))
    cache = Cache(cache_dir, f"{lists.as_posix()}/")
    found, data = cache.get_data(relpath, cold.file_digests[relpath])
    assert found and data["items"][0]["name"]
    data["items"][0]["name"] = "来自缓存的名称"
    cache.put_data(relpath, cold.file_digests[relpath], data)
    planted = load_dataset(lists, today=TODAY, cache_dir=cache_dir)
    assert planted.powers[data["items"][0]["code"]].name == "来自缓存的名称"


@pytest.mark.parametrize("damage", ["garbage", "not the data", "invalid for the schema"])
def test_damaged_cached_data_is_read_again_from_the_file(tmp_path: Path, damage: str) -> None:
    from qingdan.dataset import load_dataset

    write_dataset(tmp_path, 100)
    lists, cache_dir = tmp_path / "lists", tmp_path / "cache"
    cold = load_dataset(lists, today=TODAY)
    load_dataset(lists, today=TODAY, cache_dir=cache_dir)
    cache = Cache(cache_dir, f"{lists.as_posix()}/")
    for relpath, digest in cold.file_digests.items():
        path = cache._path(relpath + "\0data", digest)
        if damage == "garbage":
            path.write_bytes(os.urandom(64))
        elif damage == "not the data":
            cache.write(path, ["items"])
        elif relpath.endswith("powers.yml"):
            cache.put_data(relpath, digest, {"items": [{"code": 1}]})
    again = load_dataset(lists, today=TODAY, cache_dir=cache_dir)
    assert _shown(again.report) == _shown(cold.report) and again.ok
    assert {c: i.model_dump() for c, i in again.powers.items()} == {c: i.model_dump() for c, i in cold.powers.items()}


def test_a_file_without_a_record_stays_without_one_from_the_cache(make_tree: Callable[..., Path],
                                                                 tmp_path: Path) -> None:
    """An escaped control character keeps a file's record from the build (an export would stop halfway):
    the cached load must not give it one either."""
    from qingdan.dataset import load_dataset

    lists = make_tree({f"{PROVINCE_DEPT}/powers.yml": 'items:\n  - code: 520000-XK00001000\n'
                       '    name: "食品经营许可\\u0007"\n    power_type: "01"\n    exercise_level: 省\n'})
    cache_dir = tmp_path / "cache"
    for _ in range(2):
        loaded = load_dataset(lists, today=TODAY, cache_dir=cache_dir)
        assert not loaded.ok and "520000-XK00001000" not in loaded.powers
