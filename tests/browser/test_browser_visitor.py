"""A member of the public on the built site: search, browse, read an item, download a list.

Every page fixture fails the test on a console error, an uncaught exception,
a failed request, an HTTP error or a dialog on any page visited (conftest.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import openpyxl
import pytest
from browser_support import FOOD_PRODUCTION, Site, food_production_licence
from qingdan.dataset import Dataset

pytestmark = pytest.mark.browser

PENALTY = "02"  # 行政处罚


def item_url(site: Site, code: str) -> str:
    return site.url(f"/items/{code}/")


def powers_named(data: Dataset, name: str) -> list[str]:
    return sorted(code for code, item in data.powers.items() if item.name == name)


def codes_of(data: Dataset, department: str) -> list[str]:
    """The power items of one department."""
    return sorted(code for code, owner in data.owner.items() if owner == department and code in data.powers)


def source_title(data: Dataset, source: str) -> str:
    """The title of a cited source: a law in sources.yml or a local regulation."""
    return (data.sources.get(source) or data.regulations[source]).title


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url).split("?")[0]


def results(page: Any) -> list[tuple[str, str]]:
    """(name, path) of every search result shown, once the search page has answered."""
    page.wait_for_selector("[data-qd-results] li a")
    links = page.locator("[data-qd-results] li a.qd-search__name")
    return [(links.nth(i).inner_text().strip(), path_of(links.nth(i).get_attribute("href")))
            for i in range(links.count())]


def test_search_by_words_reaches_the_food_production_licence(page: Any, demo: Site, demo_data: Dataset) -> None:
    page.goto(demo.url("/"))
    page.locator("article").get_by_role("searchbox", name="搜索清单").fill("食品生产")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q="))
    found = results(page)
    licences = powers_named(demo_data, FOOD_PRODUCTION)
    assert licences, "the demonstration data has a food-production licence"
    assert {f"/items/{code}/" for code in licences} <= {path for _name, path in found}, found
    page.locator("[data-qd-results] a", has_text=re.compile(f"^{FOOD_PRODUCTION}$")).first.click()
    page.wait_for_url(re.compile(r"/items/"))
    code = path_of(page.url).split("/")[2]
    assert code in licences
    assert page.locator("h1").inner_text() == FOOD_PRODUCTION


def test_search_by_code_reaches_that_item(page: Any, demo: Site, demo_data: Dataset) -> None:
    code = next(c for c, item in sorted(demo_data.powers.items()) if item.power_type == PENALTY)
    page.goto(demo.url("/search/"))
    page.locator("#qd-search-q").fill(code)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q="))
    name, path = results(page)[0]
    assert path == f"/items/{code}/" and name == demo_data.powers[code].name
    page.locator("[data-qd-results] a").first.click()
    page.wait_for_url(item_url(demo, code))
    assert page.locator("h1").inner_text() == demo_data.powers[code].name
    assert code in page.locator("article").inner_text()


def test_item_page_shows_legal_basis_and_responsibility_stages(page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    item = demo_data.powers[code]
    page.goto(item_url(demo, code))
    basis = page.locator("#legal-basis + ul li")
    assert basis.count() == len(item.legal_basis)
    for shown, cited in zip(basis.all_inner_texts(), item.legal_basis):
        assert f"《{source_title(demo_data, cited.source)}》" in shown
        assert cited.articles is None or cited.articles in shown
    # Each cited source links to its own page, which lists this item among those citing it.
    page.locator("#legal-basis + ul li a").first.click()
    page.wait_for_url(re.compile(r"/sources/"))
    assert page.locator(f'a[href$="/items/{code}/"]').count() >= 1
    page.go_back()
    stages = page.locator("#responsibilities ~ ol.qd-flow").first.locator("li .qd-flow__stage strong")
    assert stages.all_inner_texts() == [stage.stage for stage in item.responsibilities]
    cases = page.locator("#accountability + ol li")
    assert cases.all_inner_texts() == list(item.accountability_cases)


def test_item_page_shows_its_history(page: Any, demo: Site, demo_data: Dataset) -> None:
    """The demonstration history renames the provincial food-production licence and changes its basis."""
    code = next(c for c in powers_named(demo_data, FOOD_PRODUCTION) if c.startswith("520000-"))
    page.goto(item_url(demo, code))
    changes = page.locator("#changes + ol.qd-changes > li")
    assert changes.count() >= 2, "added, then amended in the demonstration history"
    shown = changes.all_inner_texts()
    assert any("修改" in entry for entry in shown), shown
    assert any("新增" in entry for entry in shown), shown


def test_browse_from_home_to_a_penalty_item_and_back(page: Any, demo: Site, demo_data: Dataset) -> None:
    """home → region → department → power list → filter 行政处罚 → item, then the back button."""
    department = next(d for d in sorted(demo_data.departments) if any(
        demo_data.powers[c].power_type == PENALTY for c in codes_of(demo_data, d)))
    record = demo_data.departments[department]
    region = demo_data.regions[record.region]

    page.goto(demo.url("/"))
    page.locator("article").get_by_role("link", name="按地区浏览").click()
    page.get_by_role("link", name=region.name, exact=True).first.click()
    page.wait_for_url(demo.url(f"/regions/{region.code}/"))
    page.get_by_role("link", name=record.name, exact=True).first.click()
    page.wait_for_url(demo.url(f"/departments/{department}/"))
    page.locator("article").get_by_role("link", name="权力清单", exact=True).click()
    list_url = demo.url(f"/departments/{department}/powers/")
    page.wait_for_url(list_url)

    rows = page.locator("#qd-powers tbody tr")
    total = rows.count()
    page.get_by_label("权力类型").select_option(label="行政处罚")
    visible = page.locator("#qd-powers tbody tr:not([hidden])")
    penalties = [c for c in codes_of(demo_data, department) if demo_data.powers[c].power_type == PENALTY]
    assert visible.count() == len(penalties) < total
    assert set(visible.locator("td:nth-child(3)").all_inner_texts()) == {"行政处罚"}
    assert page.locator(".qd-filter__count").inner_text() == f"显示 {len(penalties)} 条，共 {total} 条"

    first = visible.first.locator("a")
    name = first.inner_text()
    first.click()
    page.wait_for_url(re.compile(r"/items/"))
    assert page.locator("h1").inner_text() == name
    assert demo_data.powers[path_of(page.url).split("/")[2]].power_type == PENALTY

    page.go_back()
    # The filter is kept in the address: back on the list, it is still filtered.
    page.wait_for_url(list_url + f"?type={PENALTY}")
    assert page.locator("#qd-powers tbody tr").count() == total
    assert page.get_by_label("权力类型").input_value() == PENALTY
    assert page.locator("#qd-powers tbody tr:not([hidden])").count() == len(penalties)
    page.go_back()
    page.wait_for_url(demo.url(f"/departments/{department}/"))
    assert page.locator("h1").inner_text() == record.name


def test_a_filter_link_opens_the_list_filtered(page: Any, demo: Site, demo_data: Dataset) -> None:
    department = min(demo_data.departments)
    page.goto(demo.url(f"/departments/{department}/powers/?type={PENALTY}"))
    shown = page.locator("#qd-powers tbody tr:not([hidden])")
    expected = [c for c in codes_of(demo_data, department) if demo_data.powers[c].power_type == PENALTY]
    assert shown.count() == len(expected)
    assert page.get_by_label("权力类型").input_value() == PENALTY


def test_permanent_urls_of_repealed_items_still_answer(page: Any, demo: Site, demo_data: Dataset) -> None:
    repealed = sorted(code for code, item in demo_data.powers.items() if item.status == "已废止")
    assert repealed, "the demonstration data has repealed items"
    for code in repealed:
        response = page.goto(item_url(demo, code))
        assert response is not None and response.status == 200, code
        assert page.locator("h1").inner_text() == demo_data.powers[code].name
        assert "废止" in page.locator(".qd-status").inner_text()
        status = page.locator("table.qd-fields tr", has=page.locator("th", has_text=re.compile("^状态$")))
        assert status.locator("td").inner_text() == "已废止"


def _download(page: Any, link: Any) -> bytes:
    with page.expect_download() as info:
        link.click()
    return info.value.path().read_bytes()


def test_downloads_from_a_list_page_are_valid_files(page: Any, demo: Site, demo_data: Dataset) -> None:
    department = min(demo_data.departments)
    codes = set(codes_of(demo_data, department))
    page.goto(demo.url(f"/departments/{department}/powers/"))
    links = page.locator("article .qd-downloads a[href*='/powers.']")
    formats = {link.get_attribute("href").rsplit(".", 1)[1]: link for link in links.all()}
    assert set(formats) == {"csv", "json", "xlsx"}

    raw = _download(page, formats["csv"])
    assert raw.startswith(b"\xef\xbb\xbf"), "a BOM, so that Excel opens the UTF-8 file correctly"
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert {row["事项编码"] for row in rows} == codes

    data = json.loads(_download(page, formats["json"]))
    [entry] = data["departments"]
    assert entry["id"] == department
    assert {item["code"] for item in entry["data"]["items"]} == codes

    workbook = openpyxl.load_workbook(io.BytesIO(_download(page, formats["xlsx"])), read_only=True)
    sheet = workbook.worksheets[0]
    header, *body = [list(row) for row in sheet.iter_rows(values_only=True)]
    column = header.index("事项编码")
    assert {row[column] for row in body if row[column]} == codes


def test_the_watch_sees_errors_failed_requests_and_dialogs(open_page: Any, demo: Site) -> None:
    """The checks behind every test here can fail: a 404, a console error, a script error and a dialog."""
    page, watch = open_page()
    page.goto(demo.url("/no-such-page/"))
    page.goto(demo.url("/"))
    page.evaluate("() => { console.error('planted'); setTimeout(() => { throw new Error('planted'); }); }")
    page.evaluate("() => alert('planted')")
    page.evaluate("() => fetch('http://127.0.0.1:9/planted').catch(() => null)")  # nothing listens there
    page.wait_for_timeout(300)
    assert any("/planted" in r and "ERR_ABORTED" not in r for r in watch.failed_requests), watch.failed_requests
    assert any("/no-such-page/" in r and "404" in r for r in watch.failed_requests), watch.failed_requests
    assert any("planted" in e for e in watch.console_errors)
    assert any("planted" in e for e in watch.page_errors)
    assert watch.dialogs == ["alert: planted"]
    assert page.evaluate("window.__qd_alerts") == ["alert:planted"]
    # Planted on purpose: keep them from failing this test at its end.
    for found in (watch.failed_requests, watch.console_errors, watch.page_errors, watch.dialogs):
        found.clear()
