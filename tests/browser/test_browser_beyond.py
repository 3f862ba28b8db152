"""Beyond what the portals offer, at 1366 px and 390 px: the process chart of an item, the
comparison of one item across regions, an item as it stood at a past version, and print.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from browser_support import Site, food_production_licence
from qingdan.dataset import Dataset
from qingdan.history import load_history

pytestmark = pytest.mark.browser

WIDTHS = (1366, 390)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_process_chart(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    code = food_production_licence(demo_data)
    stages = demo_data.powers[code].responsibilities
    page, _watch = open_page(width=width)
    page.goto(demo.url(f"/items/{code}/"))
    chart = page.get_by_role("list", name=f"权力运行流程图，共{len(stages)}个环节")
    steps = chart.locator("> li")
    assert steps.count() == len(stages)
    assert [steps.nth(i).locator("strong").first.inner_text() for i in range(len(stages))] == [
        s.stage for s in stages]
    boxes = [steps.nth(i).bounding_box() for i in range(len(stages))]
    assert all(a["y"] + a["height"] < b["y"] for a, b in zip(boxes, boxes[1:])), "boxes run top to bottom"
    assert all(b["x"] + b["width"] <= width for b in boxes)
    risky = next(s for s in stages if s.risk)
    assert f"廉政风险点：{risky.risk}" in chart.inner_text()


def base_with_difference(data: Dataset) -> str:
    """A base code whose items differ between regions (the demo is made with sample_support.diverge)."""
    pattern = re.compile(data.site.code_patterns.power)
    names: dict[str, set[str]] = {}
    for code, item in data.powers.items():
        match = pattern.match(code)
        if match:
            names.setdefault(match["base"], set()).add(item.name)
    return next(base for base, found in sorted(names.items()) if len(found) > 1)


@pytest.mark.parametrize("width", WIDTHS)
def test_item_compared_across_regions(open_page: Any, demo: Site, demo_data: Dataset, width: int) -> None:
    base = base_with_difference(demo_data)
    page, _watch = open_page(width=width)
    page.goto(demo.url("/consistency/"))
    figures = page.locator("article table").first
    assert "一致率" in figures.inner_text() and "%" in figures.inner_text()
    page.locator("article").get_by_role("link", name=base, exact=True).click()
    page.wait_for_url(demo.url(f"/consistency/{base}/"))
    marked = page.locator("article mark.qd-differs")
    assert marked.count() >= 1
    assert "与多数地区不同" in marked.first.inner_text()
    wrap = page.locator(".qd-table-wrap").first
    assert wrap.evaluate("(w) => w.scrollWidth <= w.clientWidth + 1")


def test_item_page_links_to_the_comparison(open_page: Any, demo: Site, demo_data: Dataset) -> None:
    code = food_production_licence(demo_data)
    page, _watch = open_page(width=390)
    page.goto(demo.url(f"/items/{code}/"))
    page.get_by_role("link", name="比较各地区的实施情况").click()
    page.wait_for_url(re.compile(r"/consistency/[A-Z]{2}\d{5}/$"))
    assert code in page.locator("article").inner_text() or page.locator(f'a[href*="{code}"]').count() == 1


@pytest.mark.parametrize("width", WIDTHS)
def test_past_version_of_an_item(open_page: Any, demo: Site, width: int) -> None:
    history = load_history(demo.project, cache_dir=None)
    code = next(k for k in history.keys(("power",)) if len(history.item_versions(k)) > 1
                and k not in history.removed_items())
    first = history.item_versions(code)[0]
    page, _watch = open_page(width=width)
    page.goto(demo.url(f"/items/{code}/"))
    links = page.locator("article ol.qd-changes").get_by_role("link", name="查看当时的内容")
    assert links.count() == len(history.item_versions(code)) - 1
    links.last.click()
    page.wait_for_url(demo.url(f"/items/{code}/v{first.version}/"))
    banner = page.locator("article .qd-past")
    assert "历史版本：不是现行内容" in banner.inner_text()
    assert f"{first.valid_from.year}年{first.valid_from.month}月{first.valid_from.day}日公布" in banner.inner_text()
    assert page.locator("article h1").inner_text() == f"{first.name}（第 {first.version} 版）"
    banner.get_by_role("link", name="查看现行版本").click()
    page.wait_for_url(demo.url(f"/items/{code}/"))


@pytest.mark.parametrize("path", ["item", "/negative-list/", "/changes/"])
def test_pages_print_as_documents(open_page: Any, demo: Site, demo_data: Dataset, path: str) -> None:
    """The print style sheet: no navigation or forms, full tables, and how current the data is."""
    if path == "item":
        path = f"/items/{food_production_licence(demo_data)}/"
    page, _watch = open_page(width=1366)
    page.goto(demo.url(path))
    page.emulate_media(media="print")
    for hidden in ("header.md-header", ".md-sidebar--primary", ".qd-filter", ".qd-crumbs", ".md-footer__inner"):
        assert all(not el.is_visible() for el in page.locator(hidden).all()), hidden
    assert page.locator(".qd-asof-footer").is_visible()
    for wrap in page.locator("article .qd-table-wrap").all():
        assert wrap.evaluate("(w) => w.scrollWidth <= w.clientWidth + 1")
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


@pytest.mark.parametrize("width", WIDTHS)
def test_new_pages_have_no_serious_accessibility_violations(open_page: Any, demo: Site, demo_data: Dataset,
                                                            width: int) -> None:
    from test_browser_a11y import BLOCKING, axe_violations, describe

    history = load_history(demo.project, cache_dir=None)
    code = next(k for k in history.keys(("power",)) if len(history.item_versions(k)) > 1)
    paths = [f"/consistency/{base_with_difference(demo_data)}/", "/consistency/",
             f"/items/{code}/v{history.item_versions(code)[0].version}/"]
    page, _watch = open_page(width=width)
    for path in paths:
        page.goto(demo.url(path))
        blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
        assert not blocking, f"{path} at {width} px:\n{describe(blocking)}"
