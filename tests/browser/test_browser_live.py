"""`qingdan serve --live` in Chromium: data errors appear on the page in Chinese until they are fixed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from serve_support import live_project, serving

pytestmark = pytest.mark.browser
ITEM = "items/520000-XK00001000/"
WAIT_MS = 60_000


def test_the_preview_shows_data_errors_with_file_line_and_hint_until_fixed(tmp_path: Path, browser: Any) -> None:
    project = live_project(tmp_path)
    powers = project / "lists" / "520000-scjgj" / "powers.yml"
    good = powers.read_text(encoding="utf-8")
    with serving(project) as served:
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(served.url + ITEM)
        page.locator("h1", has_text="食品经营许可").wait_for(timeout=WAIT_MS)

        powers.write_text(good.replace("effective: 2020-01-01", "effective: 2023.3.1"), encoding="utf-8")
        panel = page.locator(".qd-live-errors")
        panel.wait_for(timeout=WAIT_MS)  # the page reloads by itself after the rebuild
        shown = panel.inner_text()
        assert "清单数据有 1 个错误" in shown
        assert "lists/520000-scjgj/powers.yml 第 6 行" in shown
        assert "依法生效日期（effective）的值 2023.3.1 不是有效日期" in shown
        assert "提示：写成 2023-03-01" in shown
        assert page.locator("#qd-not-found").inner_text() == "页面不存在"  # the item page cannot be built
        assert "Not found" not in page.content()

        powers.write_text(good, encoding="utf-8")
        page.locator("h1", has_text="食品经营许可").wait_for(timeout=WAIT_MS)
        assert page.locator(".qd-live-errors").count() == 0
        assert errors == []
        context.close()
