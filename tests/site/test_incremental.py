"""qingdan render --out into its previous output: only changed files are written, and the
folder is byte for byte what a clean build into an empty folder gives, after every kind of edit."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.render.history import AsOf
from qingdan.render.incremental import FORMAT, MANIFEST, Keyed, Previous, SiteWriter, read_manifest
from qingdan.render.traces import Tracer
from qingdan.store import Store, code_version
from edit_support import ADDED, DEPT, ITEM, edit as _edit, kinds_of_edit
from site_support import commit_all, copy_sample


def _render(lists: Path, out: Path, *extra: str) -> str:
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return result.output


def _tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _inodes(folder: Path) -> dict[str, tuple[int, int]]:
    """Each file's inode and modification time: a file written again has another inode or a later
    time (the file system may give a new file the inode number of one just removed)."""
    return {p.relative_to(folder).as_posix(): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def _assert_same_as_clean(lists: Path, out: Path, clean: Path, *extra: str) -> None:
    """``out`` equals a build into the empty folder ``clean`` with an empty store (the checkout's own store
    would hand the clean build the very pages under test)."""
    _render(lists, clean, "--store", str(clean.with_name(clean.name + "-store")), *extra)
    got, want = _tree(out), _tree(clean)
    assert sorted(got) == sorted(want)  # the same set of files: nothing stale left, nothing missing
    assert [path for path in want if got[path] != want[path]] == []
    assert not [d for d in out.rglob("*") if d.is_dir() and not any(d.iterdir())]  # no empty folder left


def _rewritten(before: dict[str, tuple[int, int]], out: Path) -> set[str]:
    """Files of ``out`` that are not the very files (inodes) of the previous build."""
    return {path for path, inode in _inodes(out).items() if before.get(path) != inode}


@pytest.mark.parametrize("in_git", [False, True], ids=["folder", "git"])
def test_rebuild_after_each_kind_of_edit_equals_a_clean_build(tmp_path: Path, in_git: bool) -> None:
    """In git each edit is a commit (a merge), three days after the one before: 数据更新至 moves past
    the repeal of a regulation on 2025-09-25, which is 预先登记 at first."""
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    repealed = out / "regulations" / "520000-DF-1999-001" / "index.md"
    if in_git:
        commit_all(tmp_path, "初始数据", "2025-09-20T10:00:00+08:00")
    _render(lists, out)
    assert ("预先登记" in repealed.read_text(encoding="utf-8")) is in_git
    edits = kinds_of_edit(lists)
    for n, (what, edit) in enumerate(edits):
        before = _tree(out)
        edit()
        if in_git:
            commit_all(tmp_path, what, (dt.datetime(2025, 9, 23, 10) + dt.timedelta(days=3 * n)).isoformat() + "+08:00")
        output = _render(lists, out)
        assert "已更新" in output, what
        assert _tree(out) != before, what  # the edit shows
        _assert_same_as_clean(lists, out, tmp_path / f"clean{n}")
    # The added item's page went away with it; in git it stays, marked historic (a published URL is kept).
    assert (out / "items" / ADDED / "index.md").exists() is in_git
    assert "预先登记" not in repealed.read_text(encoding="utf-8")


def test_a_template_change_rebuilds_what_it_touches(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    templates = tmp_path / "templates"
    (templates / "site").mkdir(parents=True)
    _render(lists, out, "--templates", str(templates))
    original = (Path(__file__).resolve().parents[2] / "scripts" / "qingdan" / "templates" / "site" / "item.html")
    (templates / "site" / "item.html").write_text(original.read_text(encoding="utf-8").replace(
        "{% block body %}\n", "{% block body %}\n<!-- 站点自己的事项模板 -->\n", 1), encoding="utf-8")
    before = _inodes(out)
    _render(lists, out, "--templates", str(templates))
    assert "站点自己的事项模板" in (out / "items" / ITEM / "index.md").read_text(encoding="utf-8")
    rewritten = _rewritten(before, out)
    assert f"items/{ITEM}/index.md" in rewritten and "departments/index.md" not in rewritten
    _assert_same_as_clean(lists, out, tmp_path / "clean", "--templates", str(templates))


def test_an_item_name_change_rewrites_only_a_few_files(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    _render(lists, out)
    before = _inodes(out)
    _edit(lists / DEPT / "powers.yml", lambda t: t.replace(
        "    name: 食品生产许可\n    power_type", "    name: 食品生产许可（已改名）\n    power_type", 1))
    output = _render(lists, out)
    rewritten = _rewritten(before, out)
    assert f"items/{ITEM}/index.md" in rewritten
    assert "search-index/meta.json" in rewritten  # the name is searchable
    assert "downloads/all/powers.csv" in rewritten  # and in the downloads
    # The search index lives under a folder named by its digest (browsers cache it for good), so
    # all of it is new; of everything else, a few dozen pages and downloads out of hundreds.
    others = {path for path in rewritten if not path.startswith("search-index/")}
    assert len(others) <= 30 and len(before) > 300, (sorted(others), len(before))
    assert not any(path.startswith("departments/520000-") for path in rewritten)
    assert MANIFEST in rewritten  # the manifest names every file's digest, so it changes too
    # The build's own report names the same count.
    counts = re.search(r"共 (\d+) 个文件，改写 (\d+) 个，删除 (\d+) 个，其余 (\d+) 个未变", output)
    assert counts is not None, output
    total, written, _, reused = map(int, counts.groups())
    assert written == len(rewritten - {MANIFEST}) and written + reused == total == len(_inodes(out)) - 1
    _assert_same_as_clean(lists, out, tmp_path / "clean")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample lists/ and a clean build of it (neither may be changed)."""
    root = tmp_path_factory.mktemp("built")
    lists = copy_sample(root)
    _render(lists, root / "clean")
    return lists, root / "clean"


def _copy_build(clean: Path, dst: Path) -> Path:
    shutil.copytree(clean, dst)
    return dst


def _damage(manifest: Path, damage: str) -> None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    if damage == "missing":
        manifest.unlink()
    elif damage == "not json":
        manifest.write_text("{不是 JSON", encoding="utf-8")
    elif damage == "foreign code":
        manifest.write_text(json.dumps({**data, "code": "0" * 64}), encoding="utf-8")
    elif damage == "bad trace":
        # One page's questions (render/traces.py) are not all in the manifest's list of questions.
        path = next(p for p, entry in data["files"].items() if entry[4])
        data["files"][path][4] = [*data["files"][path][4], len(data["questions"])]
        manifest.write_text(json.dumps(data), encoding="utf-8")
    else:
        manifest.write_text(json.dumps({**data, "format": 999}), encoding="utf-8")


@pytest.mark.parametrize("damage", ["missing", "not json", "foreign code", "bad trace", "wrong format"])
def test_a_broken_or_foreign_manifest_means_a_full_build(built: tuple[Path, Path], tmp_path: Path,
                                                         damage: str) -> None:
    lists, clean = built
    out = _copy_build(clean, tmp_path / "site")
    _damage(out / MANIFEST, damage)
    before = _inodes(out)
    output = _render(lists, out)
    assert "已生成" in output and "已更新" not in output
    assert _rewritten(before, out) == set(_inodes(out))  # nothing reused
    assert _tree(out) == _tree(clean)


def test_an_edited_or_linked_output_file_is_never_reused(built: tuple[Path, Path], tmp_path: Path) -> None:
    lists, clean = built
    out = _copy_build(clean, tmp_path / "site")
    # Its manifest still vouches for these files: reusing them on its word would be wrong.
    page = out / "items" / ITEM / "index.md"
    page.write_text(page.read_text(encoding="utf-8").replace("食品生产许可", "食品生产许吖"), encoding="utf-8")
    download = out / "downloads" / "all" / "powers.csv"  # made again with the same bytes: not taken on trust
    download.write_bytes(download.read_bytes().replace(b",", b";", 1))
    secret = tmp_path / "secret.md"
    secret.write_bytes((out / "departments" / "index.md").read_bytes())
    (out / "departments" / "index.md").unlink()
    (out / "departments" / "index.md").symlink_to(secret)
    (out / "stray.md").write_text("手工放入的文件\n", encoding="utf-8")
    (out / "extra" / "deeper" / "empty").mkdir(parents=True)  # stray folders, empty or holding a stray file
    (out / "items" / "stray").mkdir()
    (out / "junk" / "more").mkdir(parents=True)
    (out / "junk" / "more" / "a.txt").write_text("手工放入的文件\n", encoding="utf-8")
    before = _inodes(out)
    output = _render(lists, out)
    assert "已更新" in output and "改写 3 个，删除 0 个" in output
    assert _rewritten(before, out) == {f"items/{ITEM}/index.md", "departments/index.md", "downloads/all/powers.csv",
                                       MANIFEST}
    assert not (out / "departments" / "index.md").is_symlink() and not (out / "stray.md").exists()
    assert _tree(out) == _tree(clean)
    folders = sorted(d.relative_to(out).as_posix() for d in out.rglob("*") if d.is_dir())
    assert folders == sorted(d.relative_to(clean).as_posix() for d in clean.rglob("*") if d.is_dir())


def test_the_manifest_a_process_wrote_stands_for_itself_only_while_the_file_is_unchanged(
        built: tuple[Path, Path], tmp_path: Path) -> None:
    """render --watch keeps the manifest it wrote instead of reading 80 MB back; a manifest someone
    else changed, even to one of the same size, is read from the disk."""
    _lists, clean = built
    out = _copy_build(clean, tmp_path / "site")
    writer = SiteWriter(out, read_manifest(out))
    writer.start()
    writer.write(_tree(out))  # the same files: the manifest is written again
    writer.finish()
    kept = writer.built()
    assert kept is not None and kept.files == read_manifest(out).files
    assert read_manifest(out, kept) is kept
    data = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    page = f"items/{ITEM}/index.md"
    data["files"][page][0] = "f" * 64  # the page's digest, same length: the same size of file
    (out / MANIFEST).write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    assert (out / MANIFEST).stat().st_size == kept.stamp[1]
    read = read_manifest(out, kept)
    assert read is not kept and read.files[page].sha256 == "f" * 64
    (out / MANIFEST).unlink()
    assert read_manifest(out, kept) is None


def test_a_site_wide_download_is_hashed_once_and_both_records_hold_its_digest(built: tuple[Path, Path]) -> None:
    """The data package lists each download by its SHA-256, and the manifest records every file's: for the
    site-wide files (a quarter of a gigabyte each at 100,000 items) both take the one worked out."""
    import hashlib
    _lists, clean = built
    manifest = json.loads((clean / MANIFEST).read_text(encoding="utf-8"))["files"]
    package = json.loads((clean / "downloads" / "datapackage.json").read_text(encoding="utf-8"))
    hashes = {entry["path"]: entry["hash"] for entry in package["resources"]}
    for name in ("powers.csv", "powers.json", "powers.xlsx"):
        path = f"downloads/all/{name}"
        digest = hashlib.sha256((clean / path).read_bytes()).hexdigest()
        assert manifest[path][0] == digest and manifest[path][1] == (clean / path).stat().st_size
        assert hashes[f"all/{name}"] == f"sha256:{digest}"


def _blobs(store: Path) -> set[str]:
    return {p.name for p in store.rglob("*") if p.is_file() and p.name != ".pruned"}


def test_the_weekly_prune_keeps_what_the_background_child_used(built: tuple[Path, Path], tmp_path: Path) -> None:
    """The search parts and download slices are read from the store by the background child at every build;
    the prune after a build (once a day, of blobs a week old) must count them as used, or every week the
    next build makes them all again (minutes at 100,000 items)."""
    lists, clean = built
    out, store = _copy_build(clean, tmp_path / "site"), tmp_path / "store"
    _render(lists, out, "--store", str(store))
    eight_days_ago = time.time() - 8 * 86400
    for blob in store.rglob("*"):
        if blob.is_file():
            os.utime(blob, (eight_days_ago, eight_days_ago))  # the .pruned stamp too: the prune is due
    _render(lists, out, "--store", str(store))  # nothing changed; then the prune
    kept = _blobs(store)
    assert kept, "the prune removed every blob"
    _render(lists, out, "--store", str(store))
    assert _blobs(store) == kept  # nothing had to be made again


def test_a_failed_rebuild_leaves_the_previous_site_untouched(built: tuple[Path, Path], tmp_path: Path) -> None:
    lists, clean = built
    lists = shutil.copytree(lists, tmp_path / "lists")
    out = _copy_build(clean, tmp_path / "site")
    (lists / DEPT / "powers.yml").write_text("items:\n  - code: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out)])
    assert result.exit_code == 1
    assert _tree(out) == _tree(clean)


def test_a_background_copy_of_the_writer_is_absorbed_and_a_path_both_wrote_is_refused(tmp_path: Path) -> None:
    import copy

    from qingdan.errors import QingdanError
    from qingdan.render.incremental import SiteWriter

    out = tmp_path / "site"
    writer = SiteWriter(out)
    writer.start()
    child = copy.deepcopy(writer)  # what a forked child holds
    mark = child.mark()
    paths = child.write([("search/a.json", b"{}"), ("downloads/x.csv", "编码\n")])
    writer.write([("index.md", "# 首页\n")])
    writer.absorb(child.since(mark, paths))
    assert sorted(writer.digests) == ["downloads/x.csv", "index.md", "search/a.json"]
    assert sorted(writer.written) == ["downloads/x.csv", "index.md", "search/a.json"]
    writer.finish()
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == ["downloads/x.csv", "index.md", "search/a.json"]
    # A page and a contributed file at the same path: refused, not one silently over the other.
    again = SiteWriter(tmp_path / "again")
    again.start()
    other = copy.deepcopy(again)
    mark = other.mark()
    clash = other.write([("index.md", b"x")])
    again.write([("index.md", "# 首页\n")])
    with pytest.raises(QingdanError, match="index.md"):
        again.absorb(other.since(mark, clash))


def _page(key: str, trace: tuple[str, ...]) -> Keyed:
    return Keyed(key, lambda: (f"# {key}\n".encode(), f"{key}+answers", trace), lambda _trace: f"{key}+answers")


@pytest.mark.parametrize(("late", "questions"), [
    (("downloads/x.csv", b"x\n"), ["page:a", "day", "later:2026-01-01"]),
    (("a/index.md", _page("first", ("day", "page:z"))), ["day", "page:z", "page:a", "later:2026-01-01"]),
], ids=["a file asking nothing", "a page asking questions"])
def test_the_manifest_drafted_while_the_child_works_is_the_one_json_dumps_writes(
        tmp_path: Path, late: tuple[str, object], questions: list[str]) -> None:
    """write_site drafts the pages' entries while it waits for the background child; files come after
    the draft, sorting before drafted ones. A late page asking questions numbers them again from the
    start. Either way the manifest is what one json.dumps of every entry writes, and reads back whole."""
    out = tmp_path / "site"
    writer = SiteWriter(out)
    writer.start()
    writer.write([("b/index.md", _page("b", ("page:a", "day"))), ("c/index.md", _page("c", ("later:2026-01-01", "day"))),
                  ('附件/"说明".txt', b"x")])  # a name JSON must escape
    writer.draft()
    writer.write([late, ("search/meta.json", b"{}")])
    writer.finish()
    numbers: dict[str, int] = {}
    files = {path: [b.sha256, b.size, b.key, b.base, [numbers.setdefault(q, len(numbers)) for q in b.trace]]
             for path, b in sorted(writer.digests.items())}
    expected = {"format": FORMAT, "code": code_version(), "questions": list(numbers), "files": files}
    written = (out / MANIFEST).read_text(encoding="utf-8")
    assert written == json.dumps(expected, ensure_ascii=False, separators=(",", ":")) + "\n"
    assert list(numbers) == questions
    again = read_manifest(out)
    assert again is not None and dict(again.files) == writer.digests


def _traced_pages(tracer: Tracer, store: Store, keyed: list[str]) -> list[tuple[str, Keyed]]:
    """Two pages: a.md links to x.md if it exists, b.md marks a date later than the data's day;
    ``keyed`` notes each page whose key is worked out from its questions' answers."""

    def key_for(path: str, key: str, trace: tuple[str, ...]) -> str:
        keyed.append(path)
        return tracer.key(key, trace)

    def a() -> str:
        return "有链接" if "x.md" in tracer.pages else "无链接"

    def b() -> str:
        return "预先登记" if tracer.in_advance(dt.date(2027, 2, 1)) else "—"

    return [(path, Keyed(key, functools.partial(tracer.made, store, key, make),
                         functools.partial(key_for, path, key), tracer.unchanged))
            for path, key, make in (("a.md", "a" * 64, a), ("b.md", "b" * 64, b))]


def test_a_process_building_again_keys_again_only_pages_whose_questions_changed(tmp_path: Path) -> None:
    """The writer of a process that builds again hands on the answers its pages were keyed with: the next
    build works out again only the keys of pages whose questions have other answers now; a build
    from a manifest read from disk works them all out. Each comes out as a clean build."""
    out, store, keyed = tmp_path / "site", Store(tmp_path / "store"), []

    def build(day: dt.date, pages: set[str], previous: Previous | None, folder: Path = out) -> SiteWriter:
        tracer = Tracer(AsOf(day, True), pages, previous.answers if previous is not None else None)
        writer = SiteWriter(folder, previous)
        writer.start()
        writer.write(_traced_pages(tracer, store, keyed))
        writer.answers = tracer.answered
        writer.finish()
        return writer

    first = build(dt.date(2027, 1, 10), {"x.md"}, None)
    assert first.built() is not None and first.built().answers is not None
    keyed.clear()
    second = build(dt.date(2027, 1, 20), set(), first.built())  # x.md gone; the day still before the date
    assert keyed == ["a.md"] and second.written == ["a.md"] and second.reused == 1
    assert (out / "a.md").read_text(encoding="utf-8") == "无链接"
    keyed.clear()
    third = build(dt.date(2027, 3, 1), set(), second.built())  # the day past the date
    assert keyed == ["b.md"] and third.written == ["b.md"] and (out / "b.md").read_text(encoding="utf-8") == "—"
    keyed.clear()
    from_disk = read_manifest(out)
    assert from_disk is not None and from_disk.answers is None
    build(dt.date(2027, 3, 2), set(), from_disk)
    assert keyed == ["a.md", "b.md"]
    clean = build(dt.date(2027, 3, 2), set(), None, tmp_path / "clean")
    assert clean.written == ["a.md", "b.md"] and _tree(tmp_path / "clean") == _tree(out)


def test_a_build_waits_while_another_writes_its_folder(built: tuple[Path, Path], tmp_path: Path) -> None:
    """Two builds into one folder take turns: the second says it waits, writes nothing until the first
    lets go, then makes the folder a clean build's. (The first is a process holding the folder's lock.)"""
    lists, clean = built
    out = _copy_build(clean, tmp_path / "site")
    page = out / "items" / ITEM / "index.md"
    page.write_text("改坏的页面\n", encoding="utf-8")
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDONLY); "
         "fcntl.flock(fd, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()", str(out)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline() == "held\n"
    build = subprocess.Popen([sys.executable, "-c", "from qingdan.cli import run; run()", "render", str(lists),
                              "--out", str(out), "--store", str(tmp_path / "store")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        waiting = build.stderr.readline()
        assert "另一个 qingdan render 正在写入" in waiting and str(out) in waiting
        time.sleep(1.0)  # were it not waiting, it would be writing now
        assert build.poll() is None and page.read_text(encoding="utf-8") == "改坏的页面\n"
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    output, errors = build.communicate(timeout=600)
    assert build.returncode == 0, errors
    assert "已更新" in output and _tree(out) == _tree(clean)


def test_a_build_that_stops_on_errors_leaves_no_folder(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    (lists / DEPT / "powers.yml").write_text("items:\n  - code: 1\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(tmp_path / "new" / "site")])
    assert result.exit_code == 1 and "没有生成页面" in result.output
    assert not (tmp_path / "new" / "site").exists()


def test_an_output_folder_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    (tmp_path / "a-file").write_text("不是文件夹\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(tmp_path / "a-file" / "site")])
    assert result.exit_code == 2  # a user's mistake, said in a line: not a crash
    assert "无法创建或打开文件夹" in result.output and "Traceback" not in result.output


class Watching:
    """``qingdan render --out --watch`` as a real process, its output read line by line as it comes."""

    INTERVAL = 0.2

    def __init__(self, lists: Path, out: Path, store: Path) -> None:
        self.lines: queue.Queue[tuple[str, str]] = queue.Queue()
        # Started as from a shell's background job, SIGINT ignored: Ctrl+C and SIGTERM still stop it.
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from qingdan.cli import run; run()", "render", str(lists), "--out", str(out),
             "--store", str(store), "--watch", "--interval", str(self.INTERVAL)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            # The checkout's own cache folder, as on a machine that publishes from it.
            env={name: value for name, value in os.environ.items() if name != "QINGDAN_CACHE_DIR"},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        for name, stream in (("out", self.proc.stdout), ("err", self.proc.stderr)):
            threading.Thread(target=self._read, args=(name, stream), daemon=True).start()

    def _read(self, name: str, stream) -> None:
        for line in stream:
            self.lines.put((name, line))
        self.lines.put((name, ""))  # the end of the stream

    def settled(self, timeout: float = 300) -> str:
        """Everything said until the process waits for a change and has said nothing more for a while
        (a build's lines on stdout may come after its last on stderr)."""
        said, waiting, deadline = [], False, time.monotonic() + timeout
        while True:
            try:
                _name, line = self.lines.get(
                    timeout=10 * self.INTERVAL if waiting else max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                if waiting:
                    return "".join(said)
                raise AssertionError(f"no answer from qingdan render --watch: {''.join(said)}") from None
            assert line, f"qingdan render --watch ended: {''.join(said)}"
            said.append(line)
            waiting = waiting or "正在等待" in line  # what follows it within the quiet spell is said too

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The process stopped while the block changes the checkout: it sees the change whole, as one
        merge (an edit and its commit are otherwise two changes a moment apart, and may be two builds)."""
        self.proc.send_signal(signal.SIGSTOP)
        try:
            yield
        finally:
            self.proc.send_signal(signal.SIGCONT)

    def stop(self, signum: int = 2) -> tuple[int, str]:
        """Ctrl+C (SIGINT, 2), or a service manager's stop (SIGTERM, 15); its exit code and last words."""
        self.proc.send_signal(signum)
        code = self.proc.wait(timeout=60)
        said = []
        while not self.lines.empty():
            said.append(self.lines.get()[1])
        return code, "".join(said)


def test_watch_rebuilds_after_each_merge_as_a_clean_build(tmp_path: Path) -> None:
    """A process that stays up (render --watch) builds again after every merge, keeping what it loaded;
    after each kind of edit its folder is byte for byte a clean build of the same commit."""
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    (tmp_path / ".gitignore").write_text(".qingdan-cache/\n", encoding="utf-8")  # as in a real checkout
    commit_all(tmp_path, "初始数据", "2025-09-20T10:00:00+08:00")
    watching = Watching(lists, out, tmp_path / "store")
    try:
        assert "已生成" in watching.settled()
        for n, (what, edit) in enumerate(kinds_of_edit(lists)):
            with watching.paused():
                edit()
                commit_all(tmp_path, what,
                           (dt.datetime(2025, 9, 23, 10) + dt.timedelta(days=3 * n)).isoformat() + "+08:00")
            said = watching.settled()
            assert "已更新" in said and "Traceback" not in said, (what, said)
            _assert_same_as_clean(lists, out, tmp_path / f"clean{n}")
        # A release is a tag: no file changes, and the site gains its zip.
        with watching.paused():
            subprocess.run(["git", "-C", str(tmp_path), "tag", "v2025.9"], check=True)
        assert "已更新" in watching.settled()
        assert (out / "downloads" / "releases" / "lists-v2025.9.zip").is_file()
        _assert_same_as_clean(lists, out, tmp_path / "clean-tag")
        # The process keeps the manifest it wrote, but only while the file is that one: gone, the next
        # build reuses nothing (a full build), as a new process would.
        with watching.paused():
            (out / MANIFEST).unlink()
            sources = lists / "sources.yml"
            sources.write_text(sources.read_text(encoding="utf-8") + "# 注释\n", encoding="utf-8")
        said = watching.settled()
        assert "已生成" in said and "已更新" not in said, said
        _assert_same_as_clean(lists, out, tmp_path / "clean-manifest")
    finally:
        code, said = watching.stop()
    assert code == 0 and "已停止" in said


def test_watch_leaves_the_site_alone_while_the_data_has_errors(tmp_path: Path) -> None:
    """An error saved into the data is reported with its file and line, and the folder stays the last
    good build's (not a file touched); once it is mended the site follows."""
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    powers = lists / DEPT / "powers.yml"
    good = powers.read_text(encoding="utf-8")
    watching = Watching(lists, out, tmp_path / "store")
    try:
        watching.settled()
        before, inodes = _tree(out), _inodes(out)
        broken = good.replace('    power_type: "01"', '    power_type: "99"', 1)
        assert broken != good
        with watching.paused():
            powers.write_text(broken, encoding="utf-8")
        said = watching.settled()
        assert "清单数据有错误，没有生成页面" in said and f"lists/{DEPT}/powers.yml" in said, said
        assert re.search(rf"lists/{DEPT}/powers\.yml:\d+:\d+", said), said
        assert _tree(out) == before and _inodes(out) == inodes
        with watching.paused():
            powers.write_text(good.replace("    name: 食品生产许可\n", "    name: 食品生产许可（改正后）\n", 1),
                              encoding="utf-8")
        assert "已更新" in watching.settled()
        assert "食品生产许可（改正后）" in (out / "items" / ITEM / "index.md").read_text(encoding="utf-8")
        _assert_same_as_clean(lists, out, tmp_path / "clean")
    finally:
        code, said = watching.stop(signal.SIGTERM)
    assert code == 0 and "已停止" in said and "Traceback" not in said


def test_watch_refuses_a_cache_a_pull_brings(tmp_path: Path) -> None:
    """A process that stays up asks git again before each build: a merge that commits files under
    .qingdan-cache/ (read as this machine's own findings, history and pages) stops the build, and the
    site stays the last good build's."""
    lists = copy_sample(tmp_path)
    out = tmp_path / "site"
    (tmp_path / ".gitignore").write_text(".qingdan-cache/\n", encoding="utf-8")
    commit_all(tmp_path, "初始数据", "2025-09-20T10:00:00+08:00")
    watching = Watching(lists, out, tmp_path / "store")
    try:
        watching.settled()
        before, inodes = _tree(out), _inodes(out)
        forged = tmp_path / ".qingdan-cache" / "validate" / "forged"
        with watching.paused():
            forged.write_text("伪造的缓存\n", encoding="utf-8")
            subprocess.run(["git", "-C", str(tmp_path), "add", "-f", str(forged)], check=True)
            commit_all(tmp_path, "带缓存", "2025-09-21T10:00:00+08:00")
        said = watching.settled()
        assert "仓库中提交了 .qingdan-cache/" in said and "Traceback" not in said, said
        assert _tree(out) == before and _inodes(out) == inodes
    finally:
        code, said = watching.stop()
    assert code == 0


@pytest.mark.parametrize(("interval", "said"), [("0", "0 秒不在允许的范围内"), ("nan", "nan 秒不在允许的范围内"),
                                              ("一秒", "一秒 不是秒数")])
def test_a_watch_interval_that_is_no_number_of_seconds_is_refused(tmp_path: Path, interval: str, said: str) -> None:
    lists = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(tmp_path / "site"), "--watch",
                                       "--interval", interval])
    assert result.exit_code == 2 and "--interval" in result.output and said in result.output, result.output
    assert not (tmp_path / "site").exists()  # refused before anything is written


def test_watch_is_refused_with_a_sharded_build(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    result = CliRunner().invoke(main, ["render", str(lists), "--shard", "0/2", "--store", str(tmp_path / "s"),
                                       "--watch"])
    assert result.exit_code == 2 and "--watch 不能与 --shard" in result.output


def test_a_stop_during_a_collection_is_not_lost() -> None:
    """Python drops an exception raised in a finalizer (the watcher's Ctrl+C landed in GitPython's
    Repo.__del__ while a build's garbage was collected, and the process went on watching)."""
    from qingdan.render.watch import Stop

    class Cycle:
        def __init__(self) -> None:
            self.me = self  # only the collector frees it

        def __del__(self) -> None:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl+C while the collector runs the finalizers

    before = signal.getsignal(signal.SIGINT)
    dropped: list[object] = []  # what Python would print as "Exception ignored in …"
    hook, sys.unraisablehook = sys.unraisablehook, dropped.append
    # As in CI: Python code that runs during every collection (a gc callback), and another thread,
    # which the system may hand the signal to (holding it back in this thread would not do).
    callback = lambda _phase, _info: None  # noqa: E731
    gc.callbacks.append(callback)
    other, done = threading.Thread(target=lambda: done.wait(30)), threading.Event()
    other.start()
    try:
        with Stop() as stop:
            Cycle()
            with pytest.raises(KeyboardInterrupt):
                stop.collect()
            assert stop.requested
    finally:
        sys.unraisablehook = hook
        gc.callbacks.remove(callback)
        done.set()
        other.join()
    assert dropped == []  # noted during the collection, then raised where it can be
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("where", ["lists/site", "lists/520100-scjgj/site", ".", "lists"])
def test_the_site_is_never_written_among_the_data(tmp_path: Path, where: str) -> None:
    """Pages written into lists/ would be committed with the data (the validator reads only .yml there),
    and a watching build would take its own output for a change and build again without end."""
    lists = copy_sample(tmp_path)
    before = _tree(lists)
    for watch in ([], ["--watch"]):
        result = CliRunner().invoke(main, ["render", str(lists), "--out", str(tmp_path / where), *watch])
        assert result.exit_code == 2 and "与清单数据文件夹" in result.output and "重叠" in result.output, result.output
    assert _tree(lists) == before

