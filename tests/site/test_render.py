"""The render stage without MkDocs: which pages exist and what they say."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import markdown
import pytest
import yaml
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.dataset import Dataset, load_dataset
from qingdan.errors import QingdanError
from qingdan.model import POWER_TYPES, PowerItem
from qingdan.problems import CATALOGUE
from qingdan.render import Renderer, iter_files, plan_site
from qingdan.render.labels import LABELS
from qingdan.render.links import commit_url, edit_url, external, is_slug, root_of, url_of
from qingdan.render.incremental import write_files
from qingdan.render.keys import PageKeys
from qingdan.render.site import Site
from qingdan.store import Store
from site_support import REPO, copy_sample, dump, make_hostile, unsafe_markup

ITEM = "520100-XK00001000"  # 食品生产许可 of 示例市市场监督管理局
ITEM_PAGE = f"items/{ITEM}/index.md"


def test_every_record_has_its_page(sample: Dataset, sample_site) -> None:
    pages = set(sample_site.pages)
    assert all(p == "index.md" or p.endswith("/index.md") for p in pages)
    expected = {
        "index.md", "search/index.md", "items/index.md", "departments/index.md", "regions/index.md",
        "types/index.md", "negative-list/index.md", "regulations/index.md", "sources/index.md",
        "publication/index.md", "consistency/index.md", "problem-codes/index.md",
        *(f"items/{c}/index.md" for c in sample.powers),
        *(f"departments/{d}/index.md" for d in sample.departments),
        *(f"departments/{d}/powers/index.md" for d in sample.departments),
        *(f"departments/{d}/responsibilities/index.md" for d in sample.responsibilities),
        *(f"regions/{r}/index.md" for r in sample.regions),
        *(f"types/{t}/index.md" for t in POWER_TYPES),
        *(f"regulations/{c}/index.md" for c in sample.regulations),
        *(f"sources/{s}/index.md" for s in sample.sources),
        *(f"negative-list/{i.code}/index.md" for n in sample.negative_lists.values() for i in n.items),
    }
    assert expected <= pages


def test_item_page_shows_every_field_with_its_model_label(render) -> None:
    html = render(ITEM_PAGE)
    for name, info in PowerItem.model_fields.items():
        assert info.title in html, f"label of {name} missing"
    assert "<h1>食品生产许可</h1>" in html
    assert "第三十五条" in html and "国家对食品生产经营实行许可制度" in html
    assert '<a href="../../sources/law-food-safety/">《中华人民共和国食品安全法》</a>' in html
    for stage in ("受理", "审查", "决定", "送达", "事后监管"):
        assert f'<strong>{stage}</strong>' in html
    assert 'id="sub-520100-XK00001001"' in html
    assert html.count("<h1") == 1


def test_public_pages_carry_no_staff_links(render) -> None:
    """编辑此页, data-file paths and commit links stay off the public build (site setting staff_links)."""
    html = render(ITEM_PAGE)
    assert "编辑此页" not in html and "lists/" not in html and "/edit/" not in html


def test_staff_links_setting_shows_edit_link_and_data_file(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    site_yml = lists / "site.yml"
    site_yml.write_text(site_yml.read_text(encoding="utf-8").replace("staff_links: false", "staff_links: true"),
                        encoding="utf-8")
    site = plan_site(load_dataset(lists))
    html = Renderer(site).html(site.pages[ITEM_PAGE])
    assert ('<a href="https://github.com/example/qingdan/edit/main/lists/520100-scjgj/powers.yml"'
            in html)
    assert "数据文件 lists/520100-scjgj/powers.yml" in html


def test_repealed_item_says_since_when_and_why(sample: Dataset, render) -> None:
    code = next(c for c, i in sample.powers.items() if i.repeal)
    item = sample.powers[code]
    html = render(f"items/{code}/index.md")
    assert "qd-status--repealed" in html
    assert f"已于{item.repeal.date.year}年{item.repeal.date.month}月{item.repeal.date.day}日废止" in html
    assert LABELS["Repeal"]["basis"] in html


def test_same_item_in_other_regions_is_linked(render) -> None:
    html = render("items/520100-JC00001000/index.md")
    assert "其他地区的同一事项" in html and "../../items/520000-JC00001000/" in html


def test_power_list_is_complete_without_script_and_filterable_with_it(sample: Dataset, render) -> None:
    html = render("departments/520100-scjgj/powers/index.md")
    items = [i for c, i in sample.powers.items() if sample.owner[c] == "520100-scjgj"]
    assert html.count("<tr data-type=") == len(items)
    assert '<form class="qd-filter" data-qd-filter="qd-powers" hidden>' in html
    assert '<option value="01">行政许可</option>' in html
    assert '<th scope="col">设定依据</th>' in html


def test_boundaries_are_linked_both_ways(render) -> None:
    city = render("departments/520100-scjgj/responsibilities/index.md")
    assert "食品生产许可的分级实施" in city
    assert '<a href="../../../departments/520000-scjgj/responsibilities/">' in city
    province = render("departments/520000-scjgj/responsibilities/index.md")
    assert "其他部门列出的与本部门的职责边界" in province
    link = '<a href="../../../departments/520100-scjgj/responsibilities/#boundary-1">食品生产许可的分级实施</a>'
    assert link in province


def test_regulation_catalogue_groups_by_industry_and_filters_by_cleanup(sample: Dataset, render) -> None:
    html = render("regulations/index.md")
    industries = {r.industry for r in sample.regulations.values()}
    for key in industries:
        assert f'id="industry-{key}"' in html
        assert sample.site.industries[key] in html
    assert html.count("<tr data-result=") == len(sample.regulations)
    for result in ("保留", "修改", "废止"):
        assert f'<option value="{result}">{result}</option>' in html


def test_regulation_page_has_history_and_citations(render) -> None:
    html = render("regulations/520000-DF-2007-001/index.md")
    assert "立法沿革" in html and "被引用情况" in html
    assert "共被引用 3 次" in html
    assert html.count('<a href="../../items/') >= 1


def test_source_page_lists_sub_items_under_their_main_item(make_tree) -> None:
    from tree_support import VALID_FILES

    powers = VALID_FILES["520000-scjgj/powers.yml"] + (
        "    sub_items:\n      - code: 520000-XK00001001\n        name: 食品经营许可（网络经营）\n"
        "        legal_basis:\n          - source: law-food-safety\n            articles: 第六十二条\n")
    site = plan_site(load_dataset(make_tree({"520000-scjgj/powers.yml": powers})))
    html = Renderer(site).html(site.pages["sources/law-food-safety/index.md"])
    group = html.split("第六十二条（1 处）", 1)[1].split("</table>", 1)[0]
    assert '<a href="../../items/520000-XK00001000/">食品经营许可（网络经营）</a>（子项）<code>520000-XK00001001</code>' in group
    assert "子项设定依据" in group


def test_source_page_lists_the_items_citing_it(render) -> None:
    html = render("sources/law-food-safety/index.md")
    assert f'<a href="../../items/{ITEM}/">食品生产许可</a>' in html


def test_consistency_page_reuses_the_validator_findings(diverged) -> None:
    html = diverged.render("consistency/index.md")
    found = [p for p in diverged.data.report.problems if p.code == "inconsistent-item"]
    assert found, "the diverged sample has an inconsistent item"
    assert f'id="base-{diverged.base}"' in html
    for problem in found:
        assert problem.message.replace("“", "&#34;")[:10] in html or problem.message[:10] in html
    assert f"520000-{diverged.base}000" in html and f"520100-{diverged.base}000" in html


def test_consistency_page_of_the_sample_finds_no_difference(sample: Dataset, render) -> None:
    assert not [p for p in sample.report.problems if p.code == "inconsistent-item"]
    html = render("consistency/index.md")
    assert 'id="base-' not in html and "校验未发现不一致的事项。" in html


def test_problem_code_reference_lists_the_whole_catalogue(render) -> None:
    html = render("problem-codes/index.md")
    for code, kind in CATALOGUE.items():
        assert f'<tr id="{code}">' in html
        assert kind.title in html
    assert "错误" in html and "警告" in html


def test_publication_status_against_the_deadline(render) -> None:
    html = render("publication/index.md")
    # The sample's deadlines are set year by year, each with the plan that set it.
    assert "各年公布期限" in html and "示例省2026年效能提升年行动方案（示府办发〔2026〕4号）" in html
    assert '<time datetime="2026-09-30">' in html
    assert "已公布" in html
    # Each list shows its latest publication record: the year, the date and the document.
    assert "2026年度 公布于" in html and "示府办发〔2026〕19号" in html
    assert "最近更新日期将在接入版本历史后显示" in html


def test_home_without_history_never_claims_a_build_date(sample: Dataset, sample_site, render) -> None:
    html = render("index.md")
    newest = sample_site.lookup.newest_date
    assert "数据更新至" not in html
    assert f"数据中最近的日期 <time datetime=\"{newest.isoformat()}\">" in html
    assert dt.date.today().isoformat() not in html or newest == dt.date.today()
    assert '<form class="qd-searchbox" action="search/" method="get" role="search">' in html


def test_download_links_come_from_the_contributed_paths(sample: Dataset) -> None:
    paths = ["downloads/520100-scjgj/powers.csv", "downloads/520100-scjgj/powers.xlsx", "downloads/all/powers.csv"]
    site = plan_site(sample, contributed=lambda: paths)
    html = Renderer(site).html(site.pages["departments/520100-scjgj/powers/index.md"])
    # The saved file carries the department and the day of the data, not a bare powers.csv.
    day = site.lookup.newest_date.strftime("%Y%m%d")
    assert (f'<a href="../../../downloads/520100-scjgj/powers.csv" download="示例市市场监督管理局-权力清单-{day}.csv">'
            '权力清单（CSV）</a>') in html
    assert f"下载（数据中最近的日期 <time datetime=\"{site.lookup.newest_date.isoformat()}\">" in html
    assert "powers.xlsx" in html and "downloads/all/" not in html
    other = Renderer(site).html(site.pages["departments/520000-scjgj/powers/index.md"])
    assert "下载" not in other


def test_body_passes_through_markdown_unchanged(render) -> None:
    html = render(ITEM_PAGE).strip()
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    extensions = [e if isinstance(e, str) else next(iter(e)) for e in config["markdown_extensions"]]
    assert markdown.markdown(html, extensions=extensions) == html


def _pages(data: Dataset) -> dict[str, str | bytes]:
    """Every page and asset, without the search index and downloads (fast)."""
    return dict(iter_files(plan_site(data)))


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str | bytes]:
    lists = copy_sample(tmp_path_factory.mktemp("hostile-render"))
    make_hostile(lists)
    data = load_dataset(lists)
    assert data.ok
    return _pages(data)


def test_hostile_text_is_only_ever_text(hostile: dict[str, str | bytes]) -> None:
    pages = {p: c for p, c in hostile.items() if p.endswith(".md")}
    assert len(pages) > 200
    one_per_kind = {p.split("/")[0] + str(p.count("/")): p for p in pages}.values()
    for path, text in pages.items():
        assert isinstance(text, str)
        assert not unsafe_markup(text), path
        if path not in one_per_kind:
            continue
        body = text.split("---\n", 2)[2]
        converted = markdown.markdown(body, extensions=["attr_list", "md_in_html", "tables", "toc"])
        assert not unsafe_markup(converted), path
        assert "<em>强调</em>" not in converted and "<em>下划线</em>" not in converted, path
    item = pages[ITEM_PAGE]
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &lt;img src=x onerror=alert(1)&gt; [x](javascript:alert(1))" in item


def test_hostile_titles_are_escaped_in_front_matter(hostile: dict[str, str | bytes]) -> None:
    text = hostile[ITEM_PAGE]
    assert isinstance(text, str)
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["title"].startswith("食品生产许可 &lt;script&gt;alert(1)&lt;/script&gt;")


def test_hostile_urls_are_not_links(hostile: dict[str, str | bytes]) -> None:
    source = hostile["sources/law-admin-licensing/index.md"]
    assert isinstance(source, str)
    assert "javascript:alert(1)" in source and 'href="javascript' not in source


def test_codes_that_are_not_slugs_get_no_page(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    site_yml = yaml.safe_load((lists / "site.yml").read_text(encoding="utf-8"))
    site_yml["code_patterns"] = {"power": r"^.+$"}  # a careless site pattern
    (lists / "site.yml").write_text(dump(site_yml), encoding="utf-8")
    powers = yaml.safe_load((lists / "520000-jyt" / "powers.yml").read_text(encoding="utf-8"))
    powers["items"][0]["code"] = "../../../etc/passwd"
    powers["items"][1]["code"] = "520000/XK"
    (lists / "520000-jyt" / "powers.yml").write_text(dump(powers), encoding="utf-8")
    data = load_dataset(lists)
    assert data.ok
    files = _pages(data)
    assert not [p for p in files if "passwd" in p or "520000/XK" in p or ".." in p]
    listing = files["departments/520000-jyt/powers/index.md"]
    assert isinstance(listing, str)
    assert "<code>../../../etc/passwd</code>" in listing
    assert 'href="../../../items/../' not in listing


def test_history_gives_timeline_date_and_last_changes(tmp_path: Path) -> None:
    from qingdan.history import load_history

    lists = copy_sample(tmp_path)
    site_yml = lists / "site.yml"  # a staff preview: commit links shown
    site_yml.write_text(site_yml.read_text(encoding="utf-8").replace("staff_links: false", "staff_links: true"),
                        encoding="utf-8")
    git = ["git", "-c", "user.name=测试", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "初始清单"], cwd=tmp_path, check=True)
    powers = lists / "520100-scjgj" / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    powers.write_text(text.replace("name: 食品生产许可\n", "name: 食品生产许可（新）\n", 1), encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "修改名称"], cwd=tmp_path, check=True)
    history = load_history(tmp_path, cache_dir=None)
    site = plan_site(load_dataset(lists), history)
    renderer = Renderer(site)
    item = renderer.html(site.pages[ITEM_PAGE])
    assert "变更记录" in item and "事项名称: 食品生产许可 → 食品生产许可（新）" in item
    assert "https://github.com/example/qingdan/commit/" in item
    home = renderer.html(site.pages["index.md"])
    day = history.last_change_date()
    assert f"数据更新至 <time datetime=\"{day.isoformat()}\">" in home
    assert f'<a href="items/{ITEM}/">食品生产许可（新）</a>' in home
    assert "最近更新" in renderer.html(site.pages["publication/index.md"])


def test_site_templates_override_ours(sample: Dataset, tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "item.html").write_text(
        '{% extends "site/base.html" %}{% block body %}<p>本地模板 {{ item.code }}</p>{% endblock %}', encoding="utf-8")
    site = plan_site(sample)
    html = Renderer(site, tmp_path).html(site.pages[ITEM_PAGE])
    assert f"<p>本地模板 {ITEM}</p>" in html and "<h1>食品生产许可</h1>" in html


def test_urls_come_only_from_checked_values() -> None:
    assert url_of("index.md") == "" and url_of(f"items/{ITEM}/index.md") == f"items/{ITEM}/"
    assert root_of(f"items/{ITEM}/index.md") == "../../" and root_of("index.md") == ""
    assert is_slug(ITEM) and is_slug("law-food-safety")
    assert not any(is_slug(v) for v in ("../x", "a/b", "a..b", ".hidden", "", "食品", "a b"))
    assert external("javascript:alert(1)") is None and external("https://x.org/a b") is None
    assert external("https://flk.npc.gov.cn/detail") == "https://flk.npc.gov.cn/detail"
    assert edit_url("https://github.com/o/r/", "main", "a/powers.yml") == "https://github.com/o/r/edit/main/lists/a/powers.yml"
    assert edit_url("javascript:alert(1)", "main", "a/powers.yml") is None
    assert commit_url("https://github.com/o/r", "abc1234") == "https://github.com/o/r/commit/abc1234"
    assert commit_url("https://github.com/o/r", "../x") is None


def test_files_are_never_written_outside_the_folder(tmp_path: Path) -> None:
    with pytest.raises(QingdanError):
        write_files({"../outside.txt": b"x"}, tmp_path / "out")
    assert not (tmp_path / "outside.txt").exists()


def _foreign(folder: Path, name: str, text: str) -> Path:
    """A folder holding someone's own file: qingdan render must never replace it."""
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_cli_render_refuses_bad_data_and_foreign_folders(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    runner = CliRunner()
    foreign = _foreign(tmp_path / "docs", "mine.md", "# 手写\n")
    result = runner.invoke(main, ["render", str(lists), "--out", str(foreign)])
    assert result.exit_code == 2 and "不会覆盖" in result.output
    assert [p.name for p in foreign.iterdir()] == ["mine.md"]
    (lists / "520000-jyt" / "powers.yml").write_text("items:\n  - code: 1\n", encoding="utf-8")
    result = runner.invoke(main, ["render", str(lists), "--out", str(tmp_path / "new")])
    assert result.exit_code == 1 and "没有生成页面" in result.output and "520000-jyt/powers.yml" in result.output
    assert not (tmp_path / "new").exists()


def test_cli_render_theme_out_checks_both_folders_before_writing(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    runner = CliRunner()
    foreign = _foreign(tmp_path / "overrides", "main.html", "{# mine #}")
    out = tmp_path / "docs"
    result = runner.invoke(main, ["render", str(lists), "--out", str(out), "--theme-out", str(foreign)])
    assert result.exit_code == 2 and "不会覆盖" in result.output
    assert not out.exists() and (foreign / "main.html").read_text(encoding="utf-8") == "{# mine #}"
    result = runner.invoke(main, ["render", str(lists), "--out", str(out), "--theme-out", str(out)])
    assert result.exit_code == 2 and "同一个文件夹" in result.output and not out.exists()
    theme = tmp_path / "theme"
    for _ in range(2):  # a second run replaces both folders
        result = runner.invoke(main, ["render", str(lists), "--out", str(out), "--theme-out", str(theme)])
        assert result.exit_code == 0, result.output
    assert "theme.custom_dir" in result.output
    assert 'zh-CN' in (theme / "partials" / "language.html").read_text(encoding="utf-8")
    assert (theme / "main.html").is_file() and (out / "items" / "index.md").is_file()


def test_write_site_reports_progress_up_to_the_last_page(sample, tmp_path: Path) -> None:
    from qingdan.render.site import write_site

    heard: list[tuple[int, int]] = []
    write_site(sample, tmp_path / "out", progress=lambda done, total, path: heard.append((done, total)))
    assert heard, "no progress reported"
    total = heard[-1][1]
    assert heard[-1][0] == total and total == sum(1 for p in (tmp_path / "out").rglob("*.md")) + 2  # + css, js
    assert [done for done, _ in heard] == sorted({done for done, _ in heard})


# ---- the national law catalogue on the pages ------------------------------------------

def test_cited_law_articles_are_shown_collapsed_with_their_version(render) -> None:
    html = render(ITEM_PAGE)
    # 食品安全法 第三十五条, from the catalogue, under the citation; closed until opened.
    start = html.index('<details class="qd-article">')
    block = html[start:html.index("</details>", start)]
    assert "<summary>条文原文（国家法律目录，2025年9月12日版本）</summary>" in block
    assert "<strong>第三十五条</strong>　国家对食品生产经营实行许可制度。" in block
    assert " open" not in html[start:start + 40]


def test_regulations_and_rules_get_no_article_text(render) -> None:
    html = render("sources/rule-food-production-licensing/index.md")
    assert "本件不在其中，条款和条文未经目录核对" in html
    item = render(ITEM_PAGE)
    rule_citation = item[item.index("食品生产许可管理办法"):]
    assert rule_citation[:rule_citation.index("</li>")].count("qd-article") == 0


def test_law_page_groups_citing_records_by_article(render) -> None:
    html = render("sources/law-admin-licensing/index.md")
    assert "国家法律目录：《中华人民共和国行政许可法》，现行有效，现行版本 2019年4月23日" in html
    headings = re.findall(r'<h3 id="article-\d+">([^（<]+)（(\d+) 处）</h3>', html)
    assert [label for label, _count in headings] == ["第七十二条", "第七十三条", "第七十四条"]
    assert "520000-XK00001000" in html[html.index(">第七十三条（"):]


def test_sources_index_links_its_downloads(sample: Dataset) -> None:
    paths = ["downloads/all/sources.csv", "downloads/all/sources.xlsx", "downloads/all/sources.json",
             "downloads/all/powers.csv"]
    site = plan_site(sample, contributed=lambda: paths)
    html = Renderer(site).html(site.pages["sources/index.md"])
    # Saved under the site's name and the data's date, like every other download.
    assert re.search(r'<a href="\.\./downloads/all/sources\.csv" download="[^"]+-法律法规-\d{8}\.csv">法律法规（CSV）</a>',
                     html)
    assert "sources.xlsx" in html and "sources.json" in html and "powers.csv" not in html


def test_item_page_draws_the_process_from_its_stages(sample: Dataset, render) -> None:
    """权力运行流程图: the stages in order, numbered for screen readers, 廉政风险点 where given."""
    html = render(ITEM_PAGE)
    stages = sample.powers[ITEM].responsibilities
    assert f'<ol class="qd-flow" aria-label="权力运行流程图，共{len(stages)}个环节">' in html
    positions = [html.index(f"<strong>{s.stage}</strong>") for s in stages]
    assert positions == sorted(positions)
    assert f"（第1步，共{len(stages)}步）" in html
    risky = [s for s in stages if s.risk]
    assert risky and html.count('class="qd-flow__risk"') == len(risky)
    assert f"<strong>廉政风险点：</strong><span class=\"qd-text\">{risky[0].risk}</span>" in html


def test_each_shared_base_code_has_a_comparison_page(diverged) -> None:
    """同一事项比对: every region's item side by side, values that differ from most regions marked."""
    sample, render = diverged.data, diverged.render
    lookup = diverged.site.lookup
    assert lookup.base_groups
    for base, codes in lookup.base_groups.items():
        html = render(f"consistency/{base}/index.md")
        assert all(code in html for code in codes)
    differing = next(b for b, codes in lookup.base_groups.items()
                     if len({sample.powers[c].name for c in codes}) > 1)
    html = render(f"consistency/{differing}/index.md")
    assert '<mark class="qd-differs">' in html and "（与多数地区不同）" in html
    same = [b for b, codes in lookup.base_groups.items() if len({
        (sample.powers[c].name, sample.powers[c].power_type, sample.powers[c].exercise_level,
         tuple(sorted({x.source for x in sample.powers[c].legal_basis}))) for c in codes}) == 1]
    assert same and "qd-differs" not in render(f"consistency/{same[0]}/index.md")
    overview = render("consistency/index.md")
    assert "各地区的一致率" in overview and f'href="../consistency/{differing}/"' in overview


def test_region_figures_count_agreeing_items(diverged) -> None:
    from qingdan.render.compare import compare, region_figures

    lookup = diverged.site.lookup
    figures = region_figures(lookup)
    rows = [row for base in lookup.base_groups for row in compare(lookup, base)]
    assert sum(f.shared for f in figures) == len(rows)
    assert sum(f.agreeing for f in figures) == sum(not r.differs for r in rows) < len(rows)
    assert all(0 <= f.percent <= 100 for f in figures)


def test_past_versions_have_pages_linked_from_the_history(tmp_path: Path) -> None:
    """Point in time: each superseded version of an item is a page, under a banner, linked from the timeline."""
    from qingdan.history import load_history

    lists = copy_sample(tmp_path)
    git = ["git", "-c", "user.name=测试", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "-A"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "初始清单"], cwd=tmp_path, check=True)
    powers = lists / "520100-scjgj" / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    powers.write_text(text.replace("name: 食品生产许可\n", "name: 食品生产许可（新）\n", 1), encoding="utf-8")
    subprocess.run([*git, "commit", "-qam", "修改名称"], cwd=tmp_path, check=True)
    site = plan_site(load_dataset(lists), load_history(tmp_path, cache_dir=None))
    renderer = Renderer(site)
    past = f"items/{ITEM}/v1/index.md"
    assert past in site.pages and f"items/{ITEM}/v2/index.md" not in site.pages
    html = renderer.html(site.pages[past])
    assert "历史版本：不是现行内容" in html and "<h1>食品生产许可（第 1 版）</h1>" in html
    assert "<tr><th scope=\"row\">事项名称</th><td>食品生产许可</td></tr>" in html
    assert f'<a href="../../../items/{ITEM}/">查看现行版本</a>' in html
    current = renderer.html(site.pages[ITEM_PAGE])
    assert f'<a href="../../items/{ITEM}/v1/">查看当时的内容</a>' in current
    assert "<h1>食品生产许可（新）</h1>" in current and current.count("查看当时的内容") == 1


def test_law_page_parts_kept_in_the_store_render_as_the_whole(sample: Dataset, tmp_path: Path) -> None:
    """A law page's article tables are kept in the build store by what they show (Renderer.keep_fragments):
    the page equals one rendered without a store, each table under its own article (two articles cited
    by the same records once shared a kept table), and a second render makes none again; the rows are kept a hundred at a time."""
    site = plan_site(sample)
    page = site.pages["sources/law-admin-licensing/index.md"]
    store = Store(tmp_path / "store")
    kept = Renderer(site)
    kept.keep_fragments(store, _keys(site, store))
    first = kept.html(page)
    made = store.made_count
    assert first == Renderer(site).html(page)
    labels = re.findall(r'<h3 id="article-\d+">([^（<]+)（', first)
    tables = re.findall(r'<h3 id="article-\d+">[^<]+</h3>\s*<div class="qd-table-wrap"[^>]* aria-label="([^"]+)"', first)
    assert len(labels) >= 3 and tables == labels
    groups = site.lookup.citations_by_article("law-admin-licensing")
    assert made == len({repr(group[start:start + 100]) for _label, group in groups for start in range(0, len(group), 100)})
    again = Renderer(site)
    again.keep_fragments(store, _keys(site, store))
    assert again.html(page) == first and store.made_count == made and store.reused >= len(labels)


def _keys(site: Site, store: Store) -> PageKeys:
    """The page keys a build of ``site`` with ``store`` uses (as iter_files makes them)."""
    return PageKeys(site.pages, site.lookup, site.history, tuple, None, store)


def test_power_list_rows_kept_by_record_render_as_the_whole(tmp_path: Path) -> None:
    """A department's power list keeps its whole table by the file it shows, and within it its rows a
    hundred at a time by the records' digests (record_key): with a store it equals the page rendered
    without one; rendered again the table is taken whole, without a block or a record's digest looked
    at; after one item's name changes, only the table and the block holding it are made, and the page
    shows the new name."""
    lists = copy_sample(tmp_path)
    data = load_dataset(lists)
    dept, items = max(data.powers_by_department.items(), key=lambda pair: len(pair[1]))
    path = f"departments/{dept}/powers/index.md"
    store = Store(tmp_path / "store")

    def render(dataset: Dataset) -> tuple[str, int, int]:
        site = plan_site(dataset)
        renderer = Renderer(site)
        renderer.keep_fragments(store, _keys(site, store))
        made, reused = store.made_count, store.reused
        html = renderer.html(site.pages[path])
        assert html == Renderer(site).html(site.pages[path])
        return html, store.made_count - made, store.reused - reused

    # Besides the blocks and the table, the store holds the department file's record digests
    # (Dataset.record_digests, by the file's digest): made with the first block.
    blocks = -(-len(items) // 100)
    first, made, _ = render(data)
    assert made == blocks + 2
    assert render(data)[1:] == (0, 1)
    assert render(load_dataset(lists))[1:] == (0, 1)
    powers = lists / dept / "powers.yml"
    text = powers.read_text(encoding="utf-8")
    name = items[-1].name
    powers.write_text(text.replace(f"name: {name}\n", f"name: {name}（改名）\n", 1), encoding="utf-8")
    html, made, reused = render(load_dataset(lists))
    assert f"{name}（改名）" in html and f"{name}（改名）" not in first
    # The table, the changed file's digests, and the block of the renamed item.
    assert (made, reused) == (1 + 1 + 1, blocks - 1)
