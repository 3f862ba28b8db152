"""Accessibility: axe-core (npm, pinned in package.json) run inside the page on real pages.

No violation of impact "serious" or "critical" on the home page, list pages
(as cards on a phone), record pages, the 404 page and the feedback form, on a
desktop and on a phone. axe-core is read from
node_modules/ and injected by the test: the site itself never loads it.
"""

from __future__ import annotations

from typing import Any

import pytest
from browser_support import AXE, Site, expect_404, food_production_licence, latest_commit_page
from qingdan.dataset import Dataset

pytestmark = pytest.mark.browser

BLOCKING = ("serious", "critical")
# WCAG 2.1 A and AA plus axe's best practices.
RUN = """async () => await axe.run(document, {
  runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]},
  resultTypes: ["violations"],
})"""


MISSING = "/items/520100-XK09999000/"  # no such item: the 404 page


def pages(data: Dataset) -> dict[str, str]:
    item = food_production_licence(data)
    negative = next(i.code for n in data.negative_lists.values() for i in n.items)
    return {
        "home": "/",
        "power list": f"/departments/{data.owner[item]}/powers/",
        "item": f"/items/{item}/",
        "missing page": MISSING,
        "feedback": "/feedback/",
        "negative list": "/negative-list/",
        "negative item": f"/negative-list/{negative}/",
        "regulation": f"/regulations/{next(iter(data.regulations))}/",
        "changes": "/changes/",
    }


def axe_violations(page: Any) -> list[dict[str, Any]]:
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    return page.evaluate(RUN)["violations"]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({len(v['nodes'])} 处) {v['helpUrl']}")
        lines += [f"    {node['target']}: {node['failureSummary'].splitlines()[-1].strip()}" for node in v["nodes"][:3]]
    return "\n".join(lines)


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("kind", ["home", "power list", "item", "missing page", "feedback", "negative list",
                                  "negative item", "regulation", "changes", "commit"])
def test_no_serious_accessibility_violations(open_page: Any, demo: Site, demo_data: Dataset, kind: str,
                                             width: int) -> None:
    page, watch = open_page(width=width)
    path = latest_commit_page(demo) if kind == "commit" else pages(demo_data)[kind]
    page.goto(demo.url(path))
    violations = axe_violations(page)
    blocking = [v for v in violations if v["impact"] in BLOCKING]
    assert not blocking, f"{kind} at {width} px:\n{describe(blocking)}"
    if path == MISSING:
        expect_404(watch, demo.url(path))


def test_axe_finds_a_planted_violation(open_page: Any, demo: Site) -> None:
    """The check can fail: an image without alternative text is a critical violation."""
    page, _watch = open_page()
    page.goto(demo.url("/"))
    page.evaluate("""() => {
      document.querySelector("article").append(document.createElement("img"));
    }""")
    assert "image-alt" in {v["id"] for v in axe_violations(page) if v["impact"] in BLOCKING}
