"""A preview server's rebuilds (`qingdan serve --live` runs `mkdocs serve --dirty`) in one process, as
MkDocs runs them: the plugin lives from build to build, keeps the records of unchanged files, reloads the
browser before the search index and downloads are done, and stops that background work when another
edit comes first. Whatever the order, the folder ends equal to a clean build of the last data."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from serve_support import MKDOCS_YML
from site_support import run
from test_mkdocs_dirty import _tree

from qingdan.samples.synth import write_dataset

# Drives MkDocs like its `serve --dirty` loop: one process, the config loaded again for every build
# (plugins with on_startup are kept), each build's site folder the same.
DRIVER = r'''
import json, sys
from pathlib import Path
from mkdocs.commands.build import build
from mkdocs.config import load_config

root, edits = Path(sys.argv[1]), json.loads(sys.argv[2])
def config():
    return load_config(str(root / "mkdocs.yml"), site_dir=str(root / "served"))
first = config()
first.plugins.on_startup(command="serve", dirty=True)
plugin = first.plugins["qingdan"]
build(first, dirty=True)
report = []
for path, old, new, page, expect in edits:
    target = root / path
    target.write_text(target.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    busy = plugin._finishing is not None and plugin._finishing.is_alive()
    cfg = config()
    assert cfg.plugins["qingdan"] is plugin
    build(cfg, dirty=True)
    shown = (root / "served" / page).read_text(encoding="utf-8")
    report.append({"background_busy": busy, "shows": expect in shown, "renamed": "（预览改名）" in shown})
first.plugins.on_shutdown()  # waits for the last background work
print(json.dumps(report))
'''


def _project(root: Path, items: int) -> tuple[Path, str, str]:
    write_dataset(root, items)
    (root / "content").mkdir()
    (root / "content" / "about.md").write_text("# 关于\n\n预览。\n", encoding="utf-8")
    (root / "mkdocs.yml").write_text(MKDOCS_YML, encoding="utf-8")
    powers = sorted((root / "lists").glob("*/powers.yml"))[0]
    text = powers.read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("    name: "))
    code = next(line for line in text.splitlines() if line.startswith("  - code: ")).split(": ", 1)[1].strip('"')
    return powers, line, code


def _mkdocs_build(root: Path, folder: str, cache: Path | None = None) -> None:
    built = run([sys.executable, "-m", "mkdocs", "build", "-f", str(root / "mkdocs.yml"),
                 "--site-dir", str(root / folder)], root, cache)
    assert built.returncode == 0, built.stderr[-3000:]


def _assert_served_as_a_clean_build(root: Path) -> None:
    """The folder the server wrote equals `mkdocs build` of the same data into an empty one, with an
    empty build store (the server's holds the pages under test)."""
    shutil.rmtree(root / "clean-cache", ignore_errors=True)
    _mkdocs_build(root, "clean", root / "clean-cache")
    served, want = _tree(root / "served"), _tree(root / "clean")
    assert sorted(served) == sorted(want)
    assert [p for p in want if served[p] != want[p]] == []


def test_quick_edits_stop_the_background_and_the_folder_ends_as_a_clean_build(tmp_path: Path) -> None:
    powers, line, code = _project(tmp_path, 2000)
    path, page = powers.relative_to(tmp_path).as_posix(), f"items/{code}/index.html"
    renamed = line + "（预览改名）"
    # Renamed, then straight back: the second edit arrives while the first one's search index
    # and downloads are still being made (stopped), and its page must not keep the first name.
    name = line.split(": ", 1)[1]
    edits = [[path, line + "\n", renamed + "\n", page, name + "（预览改名）"],
             [path, renamed + "\n", line + "\n", page, name]]
    result = run([sys.executable, "-c", DRIVER, str(tmp_path), json.dumps(edits, ensure_ascii=False)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert [(r["shows"], r["renamed"]) for r in report] == [(True, True), (True, False)]
    assert report[1]["background_busy"], "the second edit came before the first one's background work was done"
    assert "ERROR" not in result.stderr and "Traceback" not in result.stderr, result.stderr[-3000:]
    _assert_served_as_a_clean_build(tmp_path)


def test_an_item_removed_while_serving_leaves_no_page_and_a_new_sitemap(tmp_path: Path) -> None:
    powers, _line, code = _project(tmp_path, 300)
    text = powers.read_text(encoding="utf-8")
    first = text.index("\n  - code: ")
    block = text[first:text.index("\n  - code: ", first + 1)]  # the first item, up to the second
    dept = powers.parent.name
    path, listing = powers.relative_to(tmp_path).as_posix(), f"departments/{dept}/powers/index.html"
    # Once to see the server's pages kept, then the item taken out: a page fewer, which the
    # sitemap the server kept from the build before must no longer list.
    renamed = block.replace("    name: ", "    name: 预览", 1)
    edits = [[path, block, renamed, listing, "预览"], [path, renamed, "", listing, "<table"]]
    result = run([sys.executable, "-c", DRIVER, str(tmp_path), json.dumps(edits, ensure_ascii=False)], tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not (tmp_path / "served" / "items" / code).exists()
    assert f"/items/{code}/" not in (tmp_path / "served" / "sitemap.xml").read_text(encoding="utf-8")
    _assert_served_as_a_clean_build(tmp_path)


def test_shared_sidebars_link_right_at_every_depth(tmp_path: Path) -> None:
    # Pages outside the nav share their sidebars per folder and depth: the home page ("") and a
    # page one level down ("consistency/") are both in the root folder, but link differently.
    _project(tmp_path, 50)
    _mkdocs_build(tmp_path, "site")
    logo = 'class="md-nav__button md-logo"'
    for page, home in [("index.html", "."), ("consistency/index.html", ".."), ("sources/index.html", ".."),
                       ("types/index.html", "..")]:
        html = (tmp_path / "site" / page).read_text(encoding="utf-8")
        links = [line for line in html.splitlines() if logo in line]
        assert links and all(f'href="{home}"' in line for line in links), (page, links)


def test_the_server_looks_at_lists_more_often_than_at_the_rest(tmp_path: Path) -> None:
    from mkdocs.livereload import LiveReloadServer

    from qingdan.mkdocs_plugin import LISTS_POLL_S, QingdanPlugin

    (tmp_path / "content").mkdir()
    (tmp_path / "lists").mkdir()
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    server.watch(str(tmp_path / "content"))  # as MkDocs watches docs_dir
    plugin = QingdanPlugin()
    assert plugin.load_config({"lists_dir": "lists"}) == ([], [])
    plugin.lists_dir = tmp_path / "lists"
    plugin.on_serve(server, config=None, builder=None)
    polled = {Path(e.watch.path).name: e.timeout for e in server.observer.emitters}
    # An edit under lists/ is seen within a tenth of a second; the rest keeps MkDocs' half second,
    # also for what is watched after the plugin.
    assert polled == {"content": server.observer.timeout, "lists": LISTS_POLL_S}
    assert LISTS_POLL_S < server.observer.timeout
    server.watch(str(tmp_path))
    assert {e.timeout for e in server.observer.emitters if Path(e.watch.path) == tmp_path} == {
        server.observer.timeout}
