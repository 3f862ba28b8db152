"""The public site as a citizen and a journalist use it, at 1366 px (desktop) and 390 px (phone).

One test (or group) per point of the site's second pass: lists fit the content
column, a Chinese 404 with a way on, tolerant search, the negative list's order,
history on every kind of record, one answer to "how current is this" on every
page and download, no English or internal ids in what the public reads,
feedback channels from the site settings, and the smaller points.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from browser_support import Site, expect_404, food_production_licence, latest_commit_page
from qingdan.dataset import Dataset
from qingdan.history import load_history

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)
FEEDBACK_ACTION = "https://example.gov.cn/qingdan/feedback"  # lists/site.yml of the sample
NAMES = {"git", "Atom", "CSV", "JSON", "XLSX", "Excel"}  # names of tools and formats, not English

# Boxes of every list table: its scrolling wrapper, the table, and the last header cell.
TABLE_BOXES = """() => [...document.querySelectorAll("article .qd-table-wrap")].map((wrap) => {
  const table = wrap.querySelector("table");
  const rows = [...table.querySelectorAll("tbody tr")].filter((r) => !r.hidden).slice(0, 50);
  return {
    client: wrap.clientWidth, scroll: wrap.scrollWidth,
    wrap: wrap.getBoundingClientRect().right, table: table.getBoundingClientRect().right,
    cells: Math.max(0, ...rows.flatMap((r) => [...r.children].map((c) => c.getBoundingClientRect().right))),
  };
})"""


def dept_of(data: Dataset, code: str) -> str:
    return data.owner[code]


def newest_change(demo: Site) -> dt.date:
    day = load_history(demo.project, cache_dir=None).last_change_date()
    assert day is not None
    return day


def cn(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


# -- 1. tables fit the content column ----------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", ["powers", "/regulations/", "/negative-list/", "/changes/", "commit"])
def test_list_tables_fit_the_content_column(open_page: Any, demo: Site, demo_data: Dataset, path: str,
                                            width: int) -> None:
    if path == "powers":
        path = f"/departments/{dept_of(demo_data, food_production_licence(demo_data))}/powers/"
    elif path == "commit":
        path = latest_commit_page(demo)
    page, _watch = open_page(width=width)
    page.goto(demo.url(path))
    boxes = page.evaluate(TABLE_BOXES)
    assert boxes, f"{path}: no list table"
    for box in boxes:
        # Nothing to scroll sideways: every column, the last (状态, 清理结果 …) included, is in view.
        assert box["scroll"] <= box["client"] + 1, f"{path} at {width} px: the table scrolls: {box}"
        assert box["table"] <= box["wrap"] + 1 and box["cells"] <= box["wrap"] + 1, f"{path}: {box}"


def test_power_list_shows_whole_status_column_on_a_desktop(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    page, _watch = open_page(width=1366)
    page.goto(demo.url(f"/departments/{dept_of(demo_data, code)}/powers/"))
    status = page.locator("#qd-powers tbody tr").first.locator("td").last
    assert status.inner_text().strip() == "在用"
    assert status.is_visible()
    box, wrap = status.bounding_box(), page.locator(".qd-table-wrap").first.bounding_box()
    assert box and wrap and box["x"] + box["width"] <= wrap["x"] + wrap["width"] + 1


def test_phone_shows_each_row_as_a_labelled_card(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    page, _watch = open_page(width=390)
    page.goto(demo.url(f"/departments/{dept_of(demo_data, code)}/powers/"))
    row = page.locator("#qd-powers tbody tr").first
    label = row.locator("td").last.evaluate("(td) => getComputedStyle(td, '::before').content")
    assert "状态" in label
    assert page.locator("#qd-powers thead").bounding_box()["height"] <= 1, "headers move into the cards"


# -- 2. the Chinese 404 ------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_missing_page_is_chinese_with_search_and_home(open_page: Any, demo: Site, width: int) -> None:
    page, watch = open_page(width=width)
    url = demo.url("/no/such/page/")
    response = page.goto(url)
    assert response is not None and response.status == 404
    assert page.locator("article h1").inner_text() == "页面不存在"
    assert "Not found" not in page.content()
    assert page.locator("[data-qd-404-item]").is_hidden()
    page.locator("article").get_by_role("link", name="返回首页").click()
    page.wait_for_url(demo.url("/"))
    page.go_back()
    page.locator("article").get_by_role("searchbox", name="搜索清单").fill("食品生产许可")
    page.locator("article").get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/search/\?q="))
    page.wait_for_selector("[data-qd-results] li a")
    expect_404(watch, url)


@pytest.mark.parametrize("width", WIDTHS)
def test_missing_item_may_have_been_renumbered(open_page: Any, demo: Site, width: int) -> None:
    page, watch = open_page(width=width)
    url = demo.url("/items/520100-XK09999000/")
    page.goto(url)
    note = page.locator("[data-qd-404-item]")
    assert note.is_visible()
    assert "520100-XK09999000" in note.inner_text() and "重新编码" in note.inner_text()
    note.get_by_role("link", name="按编码搜索这个事项").click()
    page.wait_for_url(re.compile(r"/search/\?q=520100-XK09999000$"))
    assert page.locator("#qd-search-q").input_value() == "520100-XK09999000"
    expect_404(watch, url)


# -- 3. tolerant search ------------------------------------------------------------------------


def first_results(page: Any, demo: Site, query: str) -> list[str]:
    page.goto(demo.url("/search/?q=" + query))
    page.wait_for_selector("[data-qd-results] li a")
    return [t.strip() for t in page.locator("[data-qd-results] a.qd-search__name").all_inner_texts()]


@pytest.mark.parametrize("width", WIDTHS)
def test_search_without_the_exact_wording(open_page: Any, demo: Site, width: int) -> None:
    page, _watch = open_page(width=width)
    assert first_results(page, demo, "建筑施工许可")[0] == "建筑工程施工许可"
    assert "部分" in page.locator("[data-qd-status]").inner_text()
    assert "市场主体登记注册" in first_results(page, demo, "营业执照")[:3]


@pytest.mark.parametrize("width", WIDTHS)
def test_search_finds_repeal_reasons(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    item = next(i for i in demo_data.powers.values() if i.repeal and i.repeal.reason and "水资源税" in i.repeal.reason)
    page, _watch = open_page(width=width)
    assert first_results(page, demo, "水资源费改为征收水资源税")[0] == item.name


def test_search_results_show_no_internal_ids(open_page: Any, demo: Site) -> None:
    page, _watch = open_page(width=1366)
    first_results(page, demo, "食品安全法")
    shown = page.locator("[data-qd-results]").inner_text()
    assert "中华人民共和国食品安全法" in shown
    assert "law-" not in shown and "rule-" not in shown


# -- 4. the negative list's order ----------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_negative_list_shows_prohibited_before_permitted(open_page: Any, demo: Site, width: int) -> None:
    page, _watch = open_page(width=width)
    page.goto(demo.url("/negative-list/"))
    categories = page.locator("table tbody tr").evaluate_all("(rows) => rows.map((r) => r.dataset.category)")
    assert "禁止准入类" in categories and "许可准入类" in categories
    assert categories == sorted(categories, key=lambda c: c != "禁止准入类")


# -- 5. history on every kind of record ----------------------------------------------------------


def record_pages(data: Dataset) -> dict[str, str]:
    dept = dept_of(data, food_production_licence(data))
    negative = next(item.code for neg in data.negative_lists.values() for item in neg.items)
    return {
        "power item": f"/items/{food_production_licence(data)}/",
        "negative-list item": f"/negative-list/{negative}/",
        "regulation": f"/regulations/{next(iter(data.regulations))}/",
        "law": f"/sources/{next(iter(data.sources))}/",
        "responsibility list": f"/departments/{dept}/responsibilities/",
        "department": f"/departments/{dept}/",
    }


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("kind", ["power item", "negative-list item", "regulation", "law", "responsibility list",
                                  "department"])
def test_every_kind_of_record_has_its_history(open_page: Any, demo: Site, demo_data: Dataset, kind: str,
                                              width: int) -> None:
    page, _watch = open_page(width=width)
    page.goto(demo.url(record_pages(demo_data)[kind]))
    assert page.locator("article h2#changes").inner_text() == "变更记录"
    entries = page.locator("article ol.qd-changes > li")
    assert entries.count() >= 1, f"{kind}: no change listed"
    assert re.match(r"\d{4}年\d{1,2}月\d{1,2}日 ", entries.first.inner_text())


# -- 6. how current: every page, every download ------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_says_how_current_the_data_is(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    day = newest_change(demo)
    page, _watch = open_page(width=width)
    for path in ["/", *record_pages(demo_data).values(), "/about/", "/search/", "/changes/"]:
        page.goto(demo.url(path))
        footer = page.locator(".qd-asof-footer")
        assert footer.inner_text() == f"数据更新至 {cn(day)}", path
        assert footer.locator("time").get_attribute("datetime") == day.isoformat()
    page.goto(demo.url("/"))
    assert f"数据更新至 {cn(day)}" in page.locator("article .qd-asof").inner_text()


def test_every_download_carries_its_owner_and_day(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    day = newest_change(demo)
    dept = dept_of(demo_data, food_production_licence(demo_data))
    name = demo_data.departments[dept].name
    page, _watch = open_page(width=1366)
    for path in [f"/departments/{dept}/powers/", f"/departments/{dept}/", "/departments/", "/regulations/",
                 "/negative-list/"]:
        page.goto(demo.url(path))
        links = page.locator("article .qd-downloads a[download]")
        assert links.count() >= 1, path
        assert f"数据更新至 {cn(day)}" in page.locator("article .qd-downloads").first.inner_text()
        for saved in links.evaluate_all("(links) => links.map((a) => a.getAttribute('download'))"):
            if saved != "datapackage.json":
                assert saved.endswith(tuple(f"-{day:%Y%m%d}.{ext}" for ext in ("csv", "json", "xlsx"))), saved
    page.goto(demo.url(f"/departments/{dept}/powers/"))
    with page.expect_download() as download:
        page.locator("article .qd-downloads a", has_text="CSV").click()
    assert download.value.suggested_filename == f"{name}-权力清单-{day:%Y%m%d}.csv"


def test_legal_dates_after_the_newest_change_are_explained(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    day = newest_change(demo)
    later = [(code, reg) for code, reg in demo_data.regulations.items()
             if any(d and d > day for d in (reg.effective, reg.repealed, *(a.date for a in reg.amendments)))]
    assert later, "the sample has a regulation dated after its newest recorded change"
    page, _watch = open_page(width=1366)
    page.goto(demo.url(f"/regulations/{later[0][0]}/"))
    assert f"预先登记：晚于数据更新日期{cn(day)}" in page.locator("article").inner_text()


# -- 7. no English or internal ids in the public chrome --------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_public_chrome_has_no_english_or_staff_links(open_page: Any, demo: Site, demo_data: Dataset,
                                                     width: int) -> None:
    page, _watch = open_page(width=width)
    for path in ["/", *record_pages(demo_data).values(), "/about/", "/feedback/"]:
        page.goto(demo.url(path))
        chrome = page.locator("header, footer, nav.md-nav--primary").evaluate_all(
            "(nodes) => nodes.map((n) => n.textContent).join(' ')")
        english = set(re.findall(r"[A-Za-z]{2,}", chrome)) - NAMES
        assert not english, f"{path}: English in the chrome: {english}"
        text = page.locator("article").inner_text()
        for leftover in ("Made with", "编辑此页", "数据文件", "lists/", "/commit/"):
            assert leftover not in page.content() if leftover == "/commit/" else leftover not in text, (
                f"{path}: {leftover}")
    source = next(iter(demo_data.sources))
    page.goto(demo.url(f"/sources/{source}/"))
    assert source not in page.locator("article").inner_text(), "a law page shows its internal id"


# -- 8. feedback channels from the site settings ------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_feedback_channels_and_form(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    settings = demo_data.site.feedback
    page, _watch = open_page(width=width)
    page.goto(demo.url("/feedback/"))
    article = page.locator("article")
    assert article.locator(f'a[href="mailto:{settings.email}?subject=%E6%B8%85%E5%8D%95%E6%84%8F%E8%A7%81%E5%BB%BA%E8%AE%AE"]').count() == 1
    assert article.locator('a[href="tel:12345"]').count() == 1
    assert article.locator(f'a[href="tel:{settings.phone.replace("-", "")}"]').count() == 1
    form = article.locator("form[data-qd-feedback]")
    assert form.get_attribute("action") == FEEDBACK_ACTION and form.get_attribute("method") == "post"


def test_feedback_on_an_item_reaches_the_configured_address(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    page, _watch = open_page(width=390)
    posted: list[str] = []

    def receive(route: Any) -> None:  # the configured address, answered here: no network
        posted.append(route.request.post_data or "")
        route.fulfill(status=200, content_type="text/html; charset=utf-8", body="<p>已收到</p>")

    page.route(FEEDBACK_ACTION, receive)
    page.goto(demo.url(f"/items/{code}/"))
    page.get_by_role("link", name="对本事项提出意见建议").click()
    page.wait_for_url(re.compile(r"/feedback/\?item="))
    assert page.get_by_label("涉及的事项或页面（事项编码、名称或页面地址，可不填）").input_value() == f"{code} 食品生产许可"
    assert page.get_by_label("意见类型").input_value() == "question"
    page.get_by_label("意见内容（必填）").fill("设定依据的条款应为第三十五条第一款")
    page.get_by_role("button", name="提交").click()
    page.wait_for_load_state()
    assert posted, "the form did not post"
    fields = parse_qs(posted[0])
    assert fields["item"] == [f"{code} 食品生产许可"] and fields["topic"] == ["question"]
    assert fields["text"] == ["设定依据的条款应为第三十五条第一款"]


def test_department_page_offers_reporting_an_unlisted_power(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    dept = dept_of(demo_data, food_production_licence(demo_data))
    page, _watch = open_page(width=1366)
    page.goto(demo.url(f"/departments/{dept}/"))
    page.get_by_role("link", name="报告本部门清单以外仍在行使的权力").click()
    page.wait_for_url(re.compile(r"/feedback/"))
    assert page.get_by_label("意见类型").input_value() == "unlisted"


# -- 9. the smaller points ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_home_names_the_government(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    page, _watch = open_page(width=width)
    page.goto(demo.url("/"))
    lead = page.locator("article .qd-lead").inner_text()
    assert lead.startswith(f"本站公开{demo_data.site.government}的")
    assert demo_data.site.name not in lead


@pytest.mark.parametrize("width", WIDTHS)
def test_type_count_matches_the_filtered_list(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    dept = dept_of(demo_data, food_production_licence(demo_data))
    page, _watch = open_page(width=width)
    page.goto(demo.url(f"/departments/{dept}/"))
    entry = page.locator("article #types + ul li", has_text="行政许可")
    count = int(re.search(r"：(\d+) 项", entry.inner_text())[1])
    entry.get_by_role("link").click()
    page.wait_for_url(re.compile(r"\?type=01"))
    assert page.locator(".qd-filter__count").inner_text().startswith(f"显示 {count} 条")


@pytest.mark.parametrize("width", WIDTHS)
def test_filters_are_kept_in_the_address(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    dept = dept_of(demo_data, food_production_licence(demo_data))
    page, _watch = open_page(width=width)
    page.goto(demo.url(f"/departments/{dept}/powers/"))
    page.get_by_label("权力类型").select_option("02")
    page.get_by_label("在本表中查找").fill("食品")
    page.wait_for_url(re.compile(r"[?&]type=02&find=%E9%A3%9F%E5%93%81$"))
    shown = page.locator(".qd-filter__count").inner_text()
    page.reload()
    assert page.get_by_label("权力类型").input_value() == "02"
    assert page.get_by_label("在本表中查找").input_value() == "食品"
    assert page.locator(".qd-filter__count").inner_text() == shown


def test_not_published_and_not_applicable_differ(open_page: Any, demo: Site) -> None:
    page, _watch = open_page(width=1366)
    page.goto(demo.url("/publication/"))
    cells = page.locator("article table tbody td").all_inner_texts()
    assert any(c.startswith("不适用") for c in cells)
    assert not any("不适用或未公布" in c for c in cells)
    assert "不适用：" in page.locator("article").inner_text()


@pytest.mark.parametrize("width", WIDTHS)
def test_dates_read_one_way(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    page, _watch = open_page(width=width)
    repealed = next(code for code, item in demo_data.powers.items() if item.repeal)
    for path in [f"/items/{repealed}/", "/changes/", *record_pages(demo_data).values()]:
        page.goto(demo.url(path))
        text = page.locator("article").inner_text()
        assert not re.search(r"\b\d{4}-\d{2}-\d{2}\b", text), f"{path}: an ISO date among 2025年1月6日"


def test_supervision_phone_dials(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    phone = demo_data.powers[code].supervision_phone
    page, _watch = open_page(width=390)
    page.goto(demo.url(f"/items/{code}/"))
    link = page.locator("article").get_by_role("link", name=phone)
    assert link.get_attribute("href") == "tel:" + re.sub(r"\D", "", phone)


def test_atom_feeds_are_discoverable(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    dept = dept_of(demo_data, food_production_licence(demo_data))
    page, _watch = open_page(width=1366)
    page.goto(demo.url("/"))
    feed = page.locator('head link[rel~="alternate"][type="application/atom+xml"]')
    assert feed.count() == 1
    response = page.request.get(page.evaluate("(a) => new URL(a, location.href).href", feed.get_attribute("href")))
    assert response.ok and b"<feed" in response.body()
    page.goto(demo.url(f"/departments/{dept}/"))
    link = page.locator("article").get_by_role("link", name=re.compile("Atom 订阅源"))
    assert link.get_attribute("href").endswith(f"feeds/{dept}.xml")
    assert page.request.get(page.evaluate("(a) => new URL(a, location.href).href", link.get_attribute("href"))).ok
