"""The home page and an item page on a desktop (1280 px) and a phone (375 px): layout and Chinese glyphs.

Full-page screenshots are saved as test artifacts (test-artifacts/ or
$QINGDAN_ARTIFACTS) for people to look at; the tests assert what a machine
can judge: no sideways scrolling, the content inside the screen, and Chinese
text drawn with a CJK font rather than empty boxes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from browser_support import Site, assert_fits, food_production_licence
from qingdan.dataset import Dataset

pytestmark = pytest.mark.browser

WIDTHS = (1280, 375)

def platform_fonts(page: Any, selector: str) -> list[dict[str, Any]]:
    """The fonts Chromium actually drew the text of ``selector`` with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def assert_chinese_glyphs(page: Any) -> None:
    """The heading is drawn with a CJK font: a missing font would show boxes (tofu)."""
    fonts = platform_fonts(page, "article h1")
    assert any("CJK" in f["familyName"] or "Noto Sans SC" in f["familyName"] for f in fonts), (
        f"no CJK font draws the heading: {fonts} (apt-get install fonts-noto-cjk)")


@pytest.mark.parametrize("width", WIDTHS)
def test_home_page_fits_and_renders_chinese(open_page: Any, demo: Site, artifacts: Path, width: int) -> None:
    page, _watch = open_page(width=width, height=800)
    page.goto(demo.url("/"))
    page.screenshot(path=artifacts / f"home-{width}.png", full_page=True)
    assert_fits(page)
    assert_chinese_glyphs(page)
    # On a phone the search box is in reach without scrolling.
    box = page.locator("article .qd-searchbox input").bounding_box()
    assert box is not None and box["y"] + box["height"] <= 800 and box["x"] + box["width"] <= width


@pytest.mark.parametrize("width", WIDTHS)
def test_item_page_fits_and_renders_chinese(open_page: Any, demo: Site, demo_data: Dataset, artifacts: Path,
                                            width: int) -> None:
    code = food_production_licence(demo_data)
    page, _watch = open_page(width=width, height=800)
    page.goto(demo.url(f"/items/{code}/"))
    page.screenshot(path=artifacts / f"item-{width}.png", full_page=True)
    assert_fits(page)
    assert_chinese_glyphs(page)
