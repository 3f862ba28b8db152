"""Real builds: ``mkdocs build --strict`` with the plugin, and Zensical over ``qingdan render``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from qingdan.dataset import Dataset
from qingdan.render import plan_site
from qingdan.render.history import history_for
from qingdan.search.page import asset_files as search_assets
from programs import tool
from site_support import (
    SAMPLE, Page, broken_links, copy_sample, dump, mkdocs_build, run, unsafe_markup, write_config,
)

ITEM = "520100-XK00001000"  # 食品生产许可 of 示例市市场监督管理局


def _read(site: Path, url: str) -> str:
    return (site / url / "index.html").read_text(encoding="utf-8")


def test_item_page(built: Path) -> None:
    html = _read(built, f"items/{ITEM}")
    page = Page(html)
    assert '<html lang="zh-CN"' in html
    assert "<title>食品生产许可 - 示例省权责清单公开平台（示例数据）</title>" in html
    assert "第三十五条" in page.plain and "《中华人民共和国食品安全法》" in page.plain
    for stage in ("受理", "审查", "决定", "送达", "事后监管"):
        assert f"<strong>{stage}</strong>" in html
    assert "示例数据" in Page(html.split('data-md-component="announce"')[1]).plain[:200]
    assert html.count("<h1") == 1


def test_every_page_has_one_h1_a_language_and_scoped_headers(built: Path) -> None:
    pages = list(built.rglob("*.html"))
    assert len(pages) > 280
    for path in pages:
        html = path.read_text(encoding="utf-8")
        if "http-equiv=\"refresh\"" in html:
            continue
        assert html.count("<h1") == 1, path
        assert '<html lang="zh-CN"' in html, path
        if "qd-page" in html:  # generated pages (Markdown tables in content/ cannot say scope)
            assert all(attrs.get("scope") in ("col", "row") for attrs in Page(html).all("th")), path


def test_items_stay_out_of_the_nav_and_search_is_a_plain_form(built: Path) -> None:
    html = _read(built, f"items/{ITEM}")
    nav = html.split('data-md-type="navigation"')[1].split('data-md-type="toc"')[0]
    assert "items/520" not in nav
    assert len(Page(nav).all("a")) < 40
    forms = Page(html).all("form")
    assert {"class": "qd-header-search", "action": "../../search/", "method": "get", "role": "search"} in forms
    assert "material/search" not in html and "__search" not in html.split("<header")[1].split("</header>")[0]


def test_department_page(built: Path, sample: Dataset) -> None:
    dept = sample.departments["520100-scjgj"]
    html = _read(built, "departments/520100-scjgj")
    assert f"<code>{dept.uscc}</code>" in html
    assert '<a href="../../departments/520100-scjgj/powers/">权力清单</a>' in html
    assert '<a href="../../departments/520100-scjgj/responsibilities/">责任清单</a>' in html


def test_regulation_catalogue(built: Path, sample: Dataset) -> None:
    html = _read(built, "regulations")
    assert html.count("<tr data-result=") == len(sample.regulations)
    assert '<select data-qd-key="result">' in html
    reg = next(iter(sample.regulations.values()))
    assert f"<a href=\"../regulations/{reg.code}/\">{reg.title}</a>" in html


def test_links_resolve_and_contributions_are_written(built: Path) -> None:
    assert broken_links(built) == []
    assert "data-qd-search" in _read(built, "search")
    assert (built / "assets" / "qingdan" / "search.js").is_file()
    assert (built / "assets" / "qingdan" / "site.css").is_file()
    assert list((built / "search-index").rglob("*.json"))
    powers = _read(built, "departments/520100-scjgj/powers")
    assert 'href="../../../downloads/520100-scjgj/powers.csv"' in powers


def test_build_reports_each_stage_in_chinese(built: Path, sample: Dataset, sample_site) -> None:
    log = (built.parent / "build.log").read_text(encoding="utf-8")
    assert (f"qingdan：已读取并校验 {sample.report.files} 个数据文件"
            f"（{len(sample.departments)} 个部门，{len(sample.powers)} 个权力事项）") in log
    # The build reads the history of the repository around lists/ (past versions have pages too).
    planned = plan_site(sample, history_for(SAMPLE))
    assert f"qingdan：将生成 {len(planned.pages)} 个页面" in log
    written = re.search(r"qingdan：搜索索引和下载文件已写出（(\d+) 个文件）", log)
    # The search index and its script, the downloads, the feeds: every file the background child wrote.
    contributed = [p for p in built.rglob("*") if p.is_file() and (
        p.relative_to(built).parts[0] in ("search-index", "downloads", "feeds")
        or p.relative_to(built).as_posix() in search_assets())]
    assert written and int(written[1]) == len(contributed)


def test_hostile_text_never_becomes_markup(hostile_built: Path) -> None:
    pages = list(hostile_built.rglob("*.html"))
    assert len(pages) > 280
    for path in pages:
        assert not unsafe_markup(path.read_text(encoding="utf-8")), path
    html = _read(hostile_built, f"items/{ITEM}")
    assert "<title>食品生产许可 &lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = Page(html).plain
    assert "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) *强调*" in text


def test_strict_build_fails_with_the_problem_list(tmp_path: Path) -> None:
    lists = copy_sample(tmp_path)
    powers_file = lists / "520000-jyt" / "powers.yml"
    powers = yaml.safe_load(powers_file.read_text(encoding="utf-8"))
    powers["items"][0]["power_type"] = "99"
    powers_file.write_text(dump(powers), encoding="utf-8")
    result = mkdocs_build(tmp_path, lists)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "清单数据有错误，不能生成网站" in output
    assert "520000-jyt/powers.yml" in output and "[invalid-value]" in output
    assert not (tmp_path / "site" / "items").exists()


def test_build_refuses_a_link_in_content(tmp_path: Path) -> None:
    """MkDocs follows links in docs_dir: a page linked to /etc/passwd would publish it (issue 16)."""
    lists = copy_sample(tmp_path, departments=("520000-jyt",))
    config = write_config(tmp_path, lists)
    (tmp_path / "content" / "guide" / "secret.md").symlink_to("/etc/passwd")
    result = run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)], tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "guide/secret.md（符号链接）" in output and "不能生成网站" in output
    assert "root:x:0:0" not in output
    assert not (tmp_path / "site" / "guide" / "secret").exists()


def test_zensical_builds_the_rendered_tree(tmp_path: Path, sample: Dataset) -> None:
    docs = tmp_path / "content"
    cli = [sys.executable, "-c", "from qingdan.cli import main; main()"]
    result = run([*cli, "render", str(SAMPLE), "--out", str(docs), "--theme-out", str(tmp_path / "overrides")],
                 tmp_path)
    assert result.returncode == 0, result.stderr
    config = write_config(tmp_path, SAMPLE, plugin=False)
    settings = yaml.safe_load(config.read_text(encoding="utf-8"))
    settings["theme"]["custom_dir"] = "overrides"
    settings["extra"] = {"qingdan_sample": True}
    config.write_text(yaml.safe_dump(settings, allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = run([tool("zensical"), "build", "-f", str(config)], tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    for code in sample.powers:
        assert (tmp_path / "site" / "items" / code / "index.html").is_file(), code
    html = _read(tmp_path / "site", f"items/{ITEM}")
    assert "第三十五条" in html and html.count("<h1") == 1
    # The theme overrides work without the plugin: simplified Chinese and the sample banner.
    assert '<html lang="zh-CN"' in html and 'class="qd-sample"' in html


@pytest.mark.skipif(shutil.which("chromium") is None, reason="chromium is not installed")
def test_filter_script_in_a_browser(built: Path) -> None:
    page = (built / "departments" / "520100-scjgj" / "powers" / "index.html").as_uri() + "?type=02"
    dom = subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--dump-dom", page],
                         capture_output=True, text=True, timeout=120).stdout
    rows = [attrs for tag, attrs in Page(dom).tags if tag == "tr" and "data-type" in attrs]
    assert rows and any(a["data-type"] == "02" for a in rows)
    assert all(("hidden" in a) == (a["data-type"] != "02") for a in rows)
    form = next(attrs for tag, attrs in Page(dom).tags if tag == "form" and attrs.get("data-qd-filter"))
    assert "hidden" not in form
