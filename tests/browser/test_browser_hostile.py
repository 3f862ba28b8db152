"""Hostile data on the real site: script tags, event attributes and javascript: links in every text field.

The data is the sample with ``browser_support.HOSTILE`` appended to every
free-text field of every record (and ``javascript:alert(1)`` as every URL);
the site builds with ``mkdocs build --strict``. In the browser no script of
the data may run, no ``javascript:`` link may exist, no injected element may
reach the DOM, and the layout must hold on a phone.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import PAYLOADS, Site, Watch, assert_fits
from qingdan.dataset import Dataset, load_dataset

pytestmark = pytest.mark.browser

# Found in the DOM, any of these means the data's markup was parsed, not shown as text.
INJECTED = """() => {
  const found = [];
  for (const el of document.querySelectorAll("*")) {
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith("on")) found.push(`<${el.localName} ${attr.name}>`);
      if (["href", "src", "action", "formaction", "xlink:href"].includes(attr.name) && value.startsWith("javascript:"))
        found.push(`<${el.localName} ${attr.name}="${attr.value}">`);
    }
  }
  for (const img of document.querySelectorAll("img")) if (img.getAttribute("src") === "x") found.push("<img src=x>");
  for (const s of document.querySelectorAll("script")) if (s.textContent.includes("alert(1)")) found.push("<script>alert(1)");
  return found;
}"""


@pytest.fixture(scope="module")
def hostile_data(hostile: Site) -> Dataset:
    data = load_dataset(hostile.project / "lists")
    assert data.ok
    return data


def hostile_pages(data: Dataset) -> dict[str, str]:
    """A page of every kind that shows the data's text: name → path."""
    item = next(code for code, power in sorted(data.powers.items()) if power.sub_items and power.responsibilities)
    department = data.owner[item]
    source = data.powers[item].legal_basis[0].source
    regulation = min(data.regulations)
    return {
        "home": "/",
        "item": f"/items/{item}/",
        "power list": f"/departments/{department}/powers/",
        "department": f"/departments/{department}/",
        "responsibilities": f"/departments/{department}/responsibilities/",
        "source": f"/sources/{source}/",
        "regulation": f"/regulations/{regulation}/",
        "negative list": "/negative-list/",
        "search": "/search/?q=" + data.powers[item].name.split()[0],
        "search for the payload": "/search/?q=script",
    }


def assert_nothing_ran(page: Any, watch: Watch, where: str) -> None:
    assert page.evaluate("window.__qd_alerts") == [], f"{where}: a dialog function was called"
    assert not watch.dialogs, f"{where}: dialogs {watch.dialogs}"
    assert page.evaluate(INJECTED) == [], f"{where}: injected markup in the DOM"


def test_hostile_text_is_shown_as_text_and_never_runs(open_page: Any, hostile: Site, hostile_data: Dataset) -> None:
    page, watch = open_page(width=1280)
    for name, path in hostile_pages(hostile_data).items():
        page.goto(hostile.url(path))
        if "search" in name:
            page.wait_for_selector("[data-qd-results] li")
        assert_nothing_ran(page, watch, name)
        text = page.locator("article").inner_text()
        if name not in ("home", "search for the payload"):
            # The data is there, as the characters it was written with.
            assert PAYLOADS[0] in text and PAYLOADS[1] in text, f"{name}: the hostile text is not shown"
        # What looks like a Markdown link in the data stays text: no link named 点我.
        assert page.get_by_role("link", name="点我", exact=True).count() == 0, name


def test_hostile_urls_are_not_links(open_page: Any, hostile: Site, hostile_data: Dataset) -> None:
    """URL fields (a source's link, a department's website) hold javascript:alert(1)."""
    page, watch = open_page(width=1280)
    department = min(hostile_data.departments)
    source = next(s for s, record in sorted(hostile_data.sources.items()) if record.url)
    assert hostile_data.sources[source].url == "javascript:alert(1)"
    for path in (f"/departments/{department}/", f"/sources/{source}/"):
        page.goto(hostile.url(path))
        assert_nothing_ran(page, watch, path)
        links = page.locator("a").evaluate_all("(links) => links.map((a) => a.href)")
        assert not [href for href in links if href.lower().startswith("javascript:")], path


def test_keyboard_and_clicks_on_hostile_pages_run_nothing(open_page: Any, hostile: Site,
                                                         hostile_data: Dataset) -> None:
    """Tab through the item page and click its text: no handler from the data fires."""
    page, watch = open_page(width=1280)
    page.goto(hostile.url(hostile_pages(hostile_data)["item"]))
    for _ in range(40):
        page.keyboard.press("Tab")
    for cell in page.locator("article td.qd-text, article li.qd-text").all()[:10]:
        cell.click()
    page.mouse.move(400, 400)
    assert_nothing_ran(page, watch, "item after tabbing and clicking")


@pytest.mark.parametrize("kind", ["item", "power list", "department", "search"])
def test_hostile_pages_fit_a_phone(open_page: Any, hostile: Site, hostile_data: Dataset, kind: str) -> None:
    page, _watch = open_page(width=375, height=800)
    page.goto(hostile.url(hostile_pages(hostile_data)[kind]))
    if kind == "search":
        page.wait_for_selector("[data-qd-results] li")
    assert_fits(page)


# Text that reached the page escaped twice shows entities to the reader ("&lt;script&gt;").
ESCAPED_TWICE = """() => {
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) if (/&(lt|gt|amp|#34|quot);/.test(walker.currentNode.data)) found.push(walker.currentNode.data.slice(0, 60));
  for (const el of document.querySelectorAll("[title], [aria-label], [alt], [placeholder]"))
    for (const name of ["title", "aria-label", "alt", "placeholder"])
      if (/&(lt|gt|amp|#34|quot);/.test(el.getAttribute(name) || "")) found.push(`<${el.localName} ${name}>`);
  return found;
}"""


def test_hostile_text_is_escaped_once(open_page: Any, hostile: Site, hostile_data: Dataset) -> None:
    page, _watch = open_page(width=1280)
    for name, path in hostile_pages(hostile_data).items():
        page.goto(hostile.url(path))
        assert page.evaluate(ESCAPED_TWICE) == [], f"{name}: text escaped twice"
