"""History on the site: the change log page, item timelines and Atom feeds, from a real git repository."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import feedparser
import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.render.pages import CHANGES_SHOWN, SOURCE_ROWS, STEP_ROWS
from qingdan.samples.demo import build_demo
from qingdan.samples.synth import write_dataset
from site_support import commit_all, copy_sample

ROOT = Path(__file__).resolve().parents[2]
ODD_FOLDER = "坏 部门"  # a department folder name the validator refuses today


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`qingdan render` of the demonstration repository (reviewed merges of the sample data)."""
    base = tmp_path_factory.mktemp("history-site")
    repo = base / "repo"
    build_demo(ROOT / "lists", repo, site_root=ROOT)
    out = base / "docs"
    result = CliRunner().invoke(main, ["render", str(repo / "lists"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_change_log_lists_changes_newest_first_with_field_changes(rendered: Path) -> None:
    page = (rendered / "changes" / "index.md").read_text(encoding="utf-8")
    assert "修订记录" in page
    # The demonstration history renames the provincial food-production licence.
    assert "事项名称: 食品生产许可事项 → 食品生产许可" in page
    assert "所属部门: 示例省发展和改革委员会 → 示例省教育厅" in page  # a transfer, not delete + add
    log = page.split("<table", 1)[1].split("</table>", 1)[0]
    dates = [line.split('datetime="', 1)[1][:10] for line in log.splitlines() if '<time datetime="' in line]
    assert len(dates) > 10 and dates == sorted(dates, reverse=True)


def test_item_page_has_its_timeline(rendered: Path) -> None:
    page = (rendered / "items" / "520000-XK00001000" / "index.md").read_text(encoding="utf-8")
    timeline = page.split('id="changes"', 1)[1]
    assert "修改" in timeline and "新增" in timeline
    assert "实施依据: 增加《食品生产许可管理办法》第二条" in timeline
    # Each change links the page of the commit that made it, where the rest of that change is.
    steps = re.findall(r'<a href="../../changes/([0-9a-f]{40})/">本次变更的全部内容</a>', timeline)
    assert len(steps) == timeline.count("<time ")
    assert all((rendered / "changes" / sha / "index.md").is_file() for sha in steps)


def test_feeds_are_valid_atom_for_the_site_and_each_department(rendered: Path) -> None:
    site = feedparser.parse((rendered / "feeds" / "atom.xml").read_bytes())
    assert not site.bozo and site.entries
    assert all(entry.link.startswith("https://example.github.io/qingdan/") for entry in site.entries)
    department = feedparser.parse((rendered / "feeds" / "520000-scjgj.xml").read_bytes())
    assert not department.bozo and department.entries
    assert len(department.entries) < len(site.entries)
    changes = (rendered / "changes" / "index.md").read_text(encoding="utf-8")
    assert 'href="../feeds/atom.xml"' in changes


def test_each_release_has_a_downloadable_snapshot_linked_from_the_change_log(rendered: Path) -> None:
    import io
    import zipfile

    zips = sorted((rendered / "downloads" / "releases").glob("lists-*.zip"))
    assert len(zips) == 2  # the demonstration history tags two releases
    changes = (rendered / "changes" / "index.md").read_text(encoding="utf-8")
    for path in zips:
        assert f'href="../downloads/releases/{path.name}"' in changes
        names = zipfile.ZipFile(io.BytesIO(path.read_bytes())).namelist()
        assert any(name.endswith("powers.yml") for name in names), names


def test_tags_that_make_the_same_file_name_each_have_their_snapshot(tmp_path: Path) -> None:
    """Two tags whose names read alike as a file (a<b, a>b) once made one file twice: the build stopped."""
    work = tmp_path / "work"
    copy_sample(work)
    commit_all(work, "清单", "2026-11-02T10:00:00+08:00")
    for tag in ("a<b", "a>b", "a-b"):
        subprocess.run(["git", "-C", str(work), "tag", tag], check=True)
    out = tmp_path / "docs"
    result = CliRunner().invoke(main, ["render", str(work / "lists"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    zips = sorted(p.name for p in (out / "downloads" / "releases").iterdir())
    assert zips == ["lists-a-b.zip", "lists-a~3cb.zip", "lists-a~3eb.zip"]
    changes = (out / "changes" / "index.md").read_text(encoding="utf-8")
    assert all(f'href="../downloads/releases/{name}"' in changes for name in zips)


def test_an_item_removed_from_the_data_keeps_its_page_marked_historic(tmp_path: Path) -> None:
    """A URL once published never becomes a 404, even after an unreviewed deletion."""
    import subprocess

    import yaml

    repo = tmp_path / "repo"
    build_demo(ROOT / "lists", repo, site_root=ROOT)
    powers = repo / "lists" / "520100-gaj" / "powers.yml"
    data = yaml.safe_load(powers.read_text(encoding="utf-8"))
    gone = data["items"].pop(0)
    powers.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    env = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin"}
    subprocess.run(["git", "commit", "-qam", "删除一个事项"], cwd=repo, check=True, env=env)
    out = tmp_path / "docs"
    result = CliRunner().invoke(main, ["render", str(repo / "lists"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    page = (out / "items" / gone["code"] / "index.md").read_text(encoding="utf-8")
    assert "历史事项：已于" in page and "移除时未标记废止" in page
    assert gone["name"] in page


def test_feeds_link_only_pages_that_exist(rendered: Path) -> None:
    """The review found feeds linking records without a page (``items/site/``): a 404 for every reader."""
    import re

    base = "https://example.github.io/qingdan/"
    links: list[str] = []
    unlinked = 0
    for feed in (rendered / "feeds").glob("*.xml"):
        for entry in feedparser.parse(feed.read_bytes()).entries:
            html = entry.content[0].value
            links += re.findall(r'href="([^"]+)"', html)
            unlinked += html.count("<span>")
    assert links and unlinked, "both linked records and records without a page are expected"
    assert all(link.startswith(base) for link in links)
    missing = sorted({link for link in links if not (rendered / link[len(base):] / "index.md").is_file()})
    assert missing == []
    assert not any("/items/site/" in link or "/items/source:" in link for link in links)
    assert any("/departments/" in link for link in links) and any("/items/" in link for link in links)


def test_pages_know_every_linked_file_before_it_is_made(tmp_path: Path) -> None:
    """Pages link downloads, releases and feeds while the background still makes them
    (extras.linked_paths): the paths must be exactly those the stages then write."""
    from qingdan.dataset import load_dataset
    from qingdan.kinds import RELEASES
    from qingdan.render.extras import contributions, linked_paths
    from qingdan.render.history import history_for

    repo = tmp_path / "repo"
    build_demo(ROOT / "lists", repo, site_root=ROOT)
    data = load_dataset(repo / "lists")
    history = history_for(repo / "lists")
    stages = contributions(data, history)
    next(stages)  # the search index: no page links its files
    made = [path for stage in stages for path, _content in (stage.items() if isinstance(stage, dict) else stage)]
    linked = linked_paths(data, history)
    assert set(linked) ^ set(made) == set()
    assert "feeds/atom.xml" in linked and "downloads/all/powers.xlsx" in linked
    releases = [p for p in linked if p.startswith(RELEASES)]
    assert releases == [f"{RELEASES}{release.file_name}" for release in history.tags()]
    assert len(linked) == len(set(linked))


def _links(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_every_commit_has_its_page_linked_from_the_log_and_the_feed(rendered: Path) -> None:
    """A commit's page (changes/<sha>/) lists its changes; the log links each one, the feed entries too."""
    log = (rendered / "changes" / "index.md").read_text(encoding="utf-8")
    steps = log.split('id="steps"', 1)[1]
    linked = sorted(href for href in _links(steps) if href != "#steps")
    pages = sorted(p.parent.name for p in (rendered / "changes").glob("*/index.md"))
    assert len(pages) > 10 and linked == [f"../changes/{sha}/" for sha in pages]
    assert all(re.fullmatch(r"[0-9a-f]{40}", sha) for sha in pages)
    renamed = next(p for p in (rendered / "changes").glob("*/index.md")
                   if "事项名称: 食品生产许可事项 → 食品生产许可" in p.read_text(encoding="utf-8"))
    assert 'href="../../changes/"' in renamed.read_text(encoding="utf-8")  # its crumbs lead back to the log
    feed = feedparser.parse((rendered / "feeds" / "atom.xml").read_bytes())
    base = "https://example.github.io/qingdan/changes/"
    assert {entry.link for entry in feed.entries} <= {f"{base}{sha}/" for sha in pages}


@pytest.fixture(scope="module")
def large_import(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`qingdan render` of a synthetic site whose first commit adds more records than a commit's page
    lists (pages.STEP_ROWS), followed by one small commit."""
    work = tmp_path_factory.mktemp("large-import")
    write_dataset(work, STEP_ROWS + 100, seed=3)
    site = work / "lists" / "site.yml"
    site.write_text(site.read_text(encoding="utf-8") + "site_url: https://x.example/\n", encoding="utf-8")
    # A folder the validator refuses, in history only: an old commit added it, the next removed it.
    odd = work / "lists" / ODD_FOLDER
    odd.mkdir()
    first = sorted((work / "lists").glob("*/department.yml"))[0]
    (odd / "department.yml").write_bytes(first.read_bytes())
    commit_all(work, "导入全部清单", "2026-11-02T10:00:00+08:00")
    (odd / "department.yml").unlink()
    odd.rmdir()
    powers = sorted((work / "lists").glob("*/powers.yml"))[0]
    text = powers.read_text(encoding="utf-8")
    name = re.search(r"^    name: (.*)$", text, re.M)
    assert name is not None
    powers.write_text(text[:name.end(1)] + "（改名）" + text[name.end(1):], encoding="utf-8")
    commit_all(work, "修改一个事项的名称", "2026-11-03T10:00:00+08:00")
    out = work / "docs"
    result = CliRunner().invoke(main, ["render", str(work / "lists"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_a_large_commit_is_listed_per_department_and_the_log_stays_short(large_import: Path) -> None:
    """The first import's thousand rows are not on the log page (it shows the newest rows up to
    CHANGES_SHOWN) nor on one commit page: its page links one page per department, which together
    hold every change once."""
    log = (large_import / "changes" / "index.md").read_text(encoding="utf-8")
    table = log.split("<table", 1)[1].split("</table>", 1)[0]
    # Only the small commit's rows: the renamed item, and the odd folder it removed.
    assert table.count("<tr data-dept=") == 2 and "（改名）" in table and f'data-dept="{ODD_FOLDER}"' in table
    assert CHANGES_SHOWN < STEP_ROWS + 100
    pages = {p.parent.name: p.read_text(encoding="utf-8") for p in (large_import / "changes").glob("*/index.md")}
    assert len(pages) == 2
    big = next(text for text in pages.values() if 'id="departments"' in text)
    # What belongs to no department (sources, regions, the site's settings) stays on the commit's page,
    # and so does what a folder that cannot be a department holds.
    assert set(re.findall(r'<tr data-dept="([^"]*)"', big)) == {"", ODD_FOLDER}
    parts = sorted(h for h in _links(big.split('id="departments"', 1)[1]) if "/changes/" in h)
    departments = sorted(p.relative_to(large_import).parent.as_posix()
                         for p in (large_import / "changes").glob("*/*/index.md"))
    assert len(departments) > 1 and parts == [f"../../{d}/" for d in departments]
    rows = 0
    for page in (large_import / "changes").glob("*/*/index.md"):
        text = page.read_text(encoding="utf-8")
        assert set(re.findall(r'<tr data-dept="([^"]*)"', text)) == {page.parent.name}
        assert f'<td><a href="../../../departments/{page.parent.name}/">' in text  # whose changes they are
        rows += text.count("<tr data-dept=")
    rows += big.count("<tr data-dept=")
    assert rows == int(re.search(r"变更条数</th><td>(\d+)</td>", big).group(1)) > STEP_ROWS


def test_a_folder_refused_today_names_no_page_and_no_feed(large_import: Path) -> None:
    """History's folder that cannot be a department ("坏 部门"): its changes are on the commits' pages
    and in the site's feed, but no page or file is named after it."""
    names = {p.relative_to(large_import).as_posix() for p in large_import.rglob("*")}
    assert not [n for n in names if ODD_FOLDER in n]
    departments = {p.name for p in (large_import / "departments").iterdir() if p.is_dir()}
    feeds = {p.name for p in (large_import / "feeds").iterdir()}
    assert feeds == {"atom.xml", *(f"{d}.xml" for d in departments)}
    feed = feedparser.parse((large_import / "feeds" / "atom.xml").read_bytes())
    assert feed.bozo == 0 and [e.title for e in feed.entries] == ["修改一个事项的名称", "导入全部清单"]


def test_a_source_cited_more_than_a_page_lists_has_a_page_per_department(large_import: Path) -> None:
    """A law cited more than SOURCE_ROWS times: its page gives counts per article and links a page per
    department; those pages list every citation once between them (their counts add up)."""
    sources = large_import / "sources"
    split = sorted({p.parent.parent.name for p in sources.glob("*/*/index.md")})
    assert split, "the synthetic data has no source cited that often"
    for source_id in split:
        page = (sources / source_id / "index.md").read_text(encoding="utf-8")
        total = int(re.search(r"共被引用 (\d+) 次", page).group(1))
        assert total > SOURCE_ROWS and "qd-table--list" not in page  # no rows of citations on it
        linked = sorted(h for h in _links(page.split('id="cited-departments"', 1)[1]) if h.startswith("../../sources/"))
        parts = sorted(p.parent for p in (sources / source_id).glob("*/index.md"))
        assert linked == [f"../../sources/{source_id}/{p.name}/" for p in parts]
        counts = []
        for part in parts:
            text = (part / "index.md").read_text(encoding="utf-8")
            counts.append(int(re.search(r"共被引用 (\d+) 次", text).group(1)))
            assert f'href="../../../departments/{part.name}/"' in text  # whose citations they are
        assert sum(counts) == total


def test_a_commit_message_is_only_ever_text_on_its_page(tmp_path: Path) -> None:
    """A commit's message is whatever its author typed: on its page and in the log it is escaped text,
    in the page's title too (the front matter the theme prints unescaped)."""
    lists = copy_sample(tmp_path / "site")
    hostile = '<script>alert("变更")</script> & <b>加粗</b>'
    commit_all(lists.parent, hostile, "2026-11-02T10:00:00+08:00")
    out = tmp_path / "docs"
    result = CliRunner().invoke(main, ["render", str(lists), "--out", str(out)])
    assert result.exit_code == 0, result.output
    (page,) = (out / "changes").glob("*/index.md")
    for text in (page.read_text(encoding="utf-8"), (out / "changes" / "index.md").read_text(encoding="utf-8")):
        assert "<script>" not in text and "<b>" not in text
        assert "&lt;script&gt;alert(&#34;变更&#34;)&lt;/script&gt; &amp; &lt;b&gt;加粗&lt;/b&gt;" in text
