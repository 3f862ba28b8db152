"""Fixtures for the real-browser tests: built sites served on 127.0.0.1, Chromium, watched pages.

Every test module here sets ``pytestmark = pytest.mark.browser``:
``pytest -m browser`` runs them alone, ``pytest -m "not browser"`` leaves them out.

The sites are built once per session (``mkdocs build --strict``): the
demonstration repository of ``qingdan demo-repo`` (the sample data with a git
history), and a copy of the sample with hostile text in every free-text field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from browser_support import (
    AXE,
    CHROMIUM,
    CHROMIUM_ARGS,
    DIALOG_HOOK,
    Site,
    Watch,
    artifacts_dir,
    build,
    copy_project,
    demo_repository,
    make_hostile,
    serve,
)
from qingdan.dataset import Dataset, load_dataset
from sample_support import diverge


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "browser: real-browser tests (Chromium through Playwright); "
                                       "run them alone with pytest -m browser")


def _missing_tools() -> str | None:
    """What the test setup (bash scripts/dev.sh test) should have installed and did not."""
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Python 包 playwright 未安装（pip install -e '.[test]'；不要运行 playwright install）"
    if not CHROMIUM.exists():
        return f"找不到 Chromium：{CHROMIUM}（apt-get install chromium，或用 QINGDAN_CHROMIUM 指定路径）"
    if not AXE.exists():
        return f"找不到 axe-core：{AXE}（在仓库根目录运行 npm ci）"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright (never Playwright's own download)."""
    missing = _missing_tools()
    if missing:
        pytest.fail(f"浏览器测试缺少依赖：{missing}。运行 bash scripts/dev.sh test 会安装它们。", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The demonstration repository's site, built and served.

    Made from a copy of the sample whose city names one shared item differently
    (sample_support.diverge), so that the pages comparing regions have a difference to show.
    """
    root = tmp_path_factory.mktemp("demo")
    source = copy_project(root / "source")
    diverge(source / "lists")
    project = demo_repository(root / "repo", source / "lists")
    site = build(project, root / "site")
    with serve(site) as base:
        yield Site(site, base, project)


@pytest.fixture(scope="session")
def demo_data(demo: Site) -> Dataset:
    """The data the demonstration site was built from."""
    data = load_dataset(demo.project / "lists")
    assert data.ok
    return data


@pytest.fixture(scope="session")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """The sample with hostile text in every free-text field, built and served."""
    root = tmp_path_factory.mktemp("hostile")
    project = copy_project(root / "repo")
    changed = make_hostile(project / "lists")
    assert all(changed.values()), f"every file should carry hostile text: {changed}"
    site = build(project, root / "site")
    with serve(site) as base:
        yield Site(site, base, project)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    return artifacts_dir()


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., tuple[Any, Watch]]]:
    """``open_page(width=1280)`` → (page, watch): a fresh context whose problems fail the test at its end.

    Console errors, uncaught exceptions, failed requests, HTTP errors and
    dialogs on any page visited in the context are collected in ``watch``.
    """
    opened: list[tuple[Any, Watch]] = []

    def open_one(width: int = 1280, height: int = 900, **options: Any) -> tuple[Any, Watch]:
        context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                      accept_downloads=True, **options)
        context.add_init_script(DIALOG_HOOK)
        page = context.new_page()
        page.set_default_timeout(15_000)
        watch = Watch()
        watch.attach(page)
        opened.append((context, watch))
        return page, watch

    yield open_one
    problems = [p for _context, watch in opened for p in watch.problems()]
    for context, _watch in opened:
        context.close()
    assert not problems, "problems on the visited pages:\n" + "\n".join(problems)


@pytest.fixture
def page(open_page: Callable[..., tuple[Any, Watch]]) -> Any:
    """A watched page at 1280 × 900."""
    return open_page()[0]
