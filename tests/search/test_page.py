"""The /search/ page: accessible markup, no inline script, safe rendering, and a real browser run."""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote

import pytest

from qingdan.render.extras import search_page_html as page_html

import node_runner as node
from node_runner import ASSETS


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def _one(tags: list, tag: str, **attrs: str) -> dict[str, str | None]:
    found = [a for t, a in tags if t == tag and all(a.get(k.replace("_", "-")) == v for k, v in attrs.items())]
    assert len(found) == 1, (tag, attrs, found)
    return found[0]


def test_form_is_accessible() -> None:
    tags = _tags(page_html())
    form = _one(tags, "form", role="search")
    assert form.get("method") == "get"
    field = _one(tags, "input", name="q")
    assert field.get("type") == "search"
    assert _one(tags, "label", **{"for": field["id"]})
    assert _one(tags, "p", role="status")["aria-live"] == "polite"
    assert _one(tags, "button", type="submit")


def test_no_inline_script_or_handlers() -> None:
    tags = _tags(page_html())
    assert not [a for _t, attrs in tags for a in attrs if a.startswith("on")]
    scripts = [a for t, a in tags if t == "script"]
    assert scripts == [{"src": "../assets/qingdan/search.js", "defer": None}]
    assert _one(tags, "link", rel="stylesheet")["href"] == "../assets/qingdan/search.css"


def test_root_is_escaped() -> None:
    html = page_html('x"><script>alert(1)</script>/')
    assert "<script>alert" not in html and "&#34;&gt;&lt;script&gt;" in html


def test_script_renders_text_only() -> None:
    source = (ASSETS / "search.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "Function("):
        assert sink not in source, sink
    assert "textContent" in source


def _wrap(body: str) -> bytes:
    return ('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>搜索</title></head>'
            f"<body><main>{body}</main></body></html>").encode()


@pytest.fixture
def served(sample_files: dict[str, bytes], tmp_path: Path) -> Iterator[str]:
    """The sample site under the sub-path /sub/ on a loopback port."""
    files = {**sample_files, "search/index.html": _wrap(page_html())}
    node.write_site(files, tmp_path / "sub")
    handler = functools.partial(_QuietHandler, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/sub/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (stdlib name)
        pass


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.skipif(_chromium() is None, reason="needs Chromium (apt-get install chromium)")
def test_real_browser_shows_results(served: str) -> None:
    url = f"{served}search/?q={quote('食品生产许可')}"
    done = subprocess.run(
        [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=15000",
         "--dump-dom", url], capture_output=True, text=True, timeout=60, check=False)
    dom = done.stdout
    assert re.search(r"共找到 \d+ 条", dom), done.stderr[-2000:]
    first = re.search(r'<li class="qd-search__result"><a class="qd-search__name" href="([^"]+)">([^<]+)</a>', dom)
    assert first and first.group(2) == "食品生产许可"
    assert first.group(1) == f"{served}items/520000-XK00001000/"
