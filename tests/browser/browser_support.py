"""Helpers for the browser tests: real builds, a local server, a watched page, hostile data.

Nothing here fakes the site: the pages come from ``mkdocs build --strict``
over real data (the demonstration repository of ``qingdan demo-repo``, or a
copy of the sample with hostile text), served over HTTP on 127.0.0.1 and
visited with Debian's Chromium through Playwright.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import types
import typing
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from qingdan.dataset import Dataset
from qingdan.layout import kind_of
from qingdan.load.parse import parse
from qingdan.validate import validate

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("QINGDAN_CHROMIUM", "/usr/bin/chromium"))
# Flags that work on CI machines without a display, a GPU, a sandbox or the internet.
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
AXE = REPO / "node_modules" / "axe-core" / "axe.min.js"
BUILD_TIMEOUT = 300


def artifacts_dir() -> Path:
    """Where screenshots and other output worth keeping go (QINGDAN_ARTIFACTS or test-artifacts/)."""
    path = Path(os.environ.get("QINGDAN_ARTIFACTS") or REPO / "test-artifacts")
    path.mkdir(parents=True, exist_ok=True)
    return path


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """A real command, its output captured; failing loudly with that output."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT,
                            check=False)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def demo_repository(dst: Path, lists: Path = REPO / "lists") -> Path:
    """``qingdan demo-repo``: the data in ``lists`` with a history of reviewed changes, in a new git repository.

    The site's mkdocs.yml and content/ are taken from the folder that holds ``lists``.
    """
    run([sys.executable, "-c", "from qingdan.cli import main; main()", "demo-repo", "--out", str(dst),
         "--from", str(lists)], REPO)
    return dst


def copy_project(dst: Path) -> Path:
    """The repository's site (mkdocs.yml, content/, lists/) copied to ``dst``."""
    dst.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "mkdocs.yml", dst / "mkdocs.yml")
    shutil.copytree(REPO / "content", dst / "content")
    shutil.copytree(REPO / "lists", dst / "lists", ignore=shutil.ignore_patterns(".*"))
    return dst


def build(project: Path, site: Path) -> Path:
    """``mkdocs build --strict`` of ``project`` (its own mkdocs.yml) into ``site``."""
    run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(project / "mkdocs.yml"),
         "-d", str(site)], project)
    return site


FOOD_PRODUCTION = "食品生产许可"


def latest_commit_page(site: "Site") -> str:
    """The page of the newest commit of the site's repository that changed lists/ (changes/<sha>/)."""
    sha = run(["git", "log", "-1", "--format=%H", "--", "lists"], site.project).stdout.strip()
    assert len(sha) == 40, sha
    return f"/changes/{sha}/"


def food_production_licence(data: Dataset) -> str:
    """The code of the city's food-production licence (the last of the items so named)."""
    return max(code for code, item in data.powers.items() if item.name == FOOD_PRODUCTION)


# ---- serving ---------------------------------------------------------------------


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site; 404s are the browser's to report, not the log's.

    A missing address gets the site's 404.html with status 404, as GitHub
    Pages serves it (and nginx with ``error_page 404 /404.html``).
    """

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or self.command != "GET" or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve(directory: Path) -> Iterator[str]:
    """Serve ``directory`` on a free port of 127.0.0.1 in a thread; yield its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {directory.name}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@dataclass
class Site:
    """A built site, served: where it is on disk and on the local network."""

    root: Path
    base: str
    project: Path

    def url(self, path: str = "/") -> str:
        return self.base + path


# ---- watching a page -------------------------------------------------------------

# Runs before any script of the page: a dialog or a call to alert() is recorded
# where the test can read it, even if the page replaced the dialog machinery.
DIALOG_HOOK = """
window.__qd_alerts = [];
for (const name of ["alert", "confirm", "prompt"]) {
  const original = window[name];
  window[name] = function (...args) {
    window.__qd_alerts.push(name + ":" + String(args[0]));
    console.error("qingdan-test: " + name + " was called");
    return original.apply(this, args);
  };
}
"""


@dataclass
class Watch:
    """What went wrong on the pages of one browser context: console errors, failed requests, dialogs."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page: Any) -> None:
        page.on("console", lambda msg: msg.type == "error" and self.console_errors.append(
            f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.page_errors.append(f"{page.url}: {exc}"))
        page.on("requestfailed", self._request_failed)
        page.on("response", lambda res: res.status >= 400 and self.failed_requests.append(
            f"{res.url}: HTTP {res.status}"))
        page.on("dialog", self._dialog)

    def _request_failed(self, request: Any) -> None:
        # A request the browser cancels because the test moves on to the next
        # page (net::ERR_ABORTED) is not a failure of the site; any other is.
        if request.failure != "net::ERR_ABORTED":
            self.failed_requests.append(f"{request.url}: {request.failure}")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def problems(self) -> list[str]:
        return ([f"console error {e}" for e in self.console_errors] + [f"page error {e}" for e in self.page_errors]
                + [f"failed request {e}" for e in self.failed_requests] + [f"dialog {e}" for e in self.dialogs])


def expect_404(watch: Watch, url: str) -> None:
    """The HTTP 404 of the address a test asks for is not a problem of the site; any other still is.

    Call it last: the browser reports that 404 again whenever it reloads the page.
    """
    watch.failed_requests = [f for f in watch.failed_requests if f != f"{url}: HTTP 404"]
    watch.console_errors = [e for e in watch.console_errors
                            if not (e.startswith(f"{url}: ") and "status of 404" in e)]


# ---- layout ----------------------------------------------------------------------

# Widths that matter: the whole document, and the box the page's own content is in.
LAYOUT = """() => ({
  viewport: window.innerWidth,
  document: document.documentElement.scrollWidth,
  content: Math.ceil(document.querySelector("article").getBoundingClientRect().right),
  wider: [...document.querySelectorAll("article *")]
    .filter((el) => !el.closest(".qd-table-wrap, pre, .highlight"))
    .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1)
    .slice(0, 5).map((el) => el.tagName.toLowerCase() + "." + el.className + ": " + el.textContent.slice(0, 40)),
})"""


def assert_fits(page: Any) -> None:
    """Nothing makes the page scroll sideways; wide tables scroll inside their own box."""
    box = page.evaluate(LAYOUT)
    assert box["document"] <= box["viewport"], f"the page scrolls sideways: {box}"
    assert box["content"] <= box["viewport"], f"the content box is wider than the screen: {box}"
    assert not box["wider"], f"elements stick out of the screen: {box['wider']}"


# ---- hostile data ----------------------------------------------------------------

PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "[点我](javascript:alert(1))",
    "javascript:alert(1)",
)
HOSTILE = " ".join(PAYLOADS)
HOSTILE_URL = "javascript:alert(1)"
# Text fields that hold identifiers or references: hostile text there would
# make the data invalid (unknown code, broken reference), not hostile.
IDENTIFIERS = frozenset({
    "code", "id", "source", "region", "parent", "co_implementers", "departments", "reviewers", "uscc",
    "industry", "edit_branch",
})
URL_FIELDS = frozenset({"website", "url", "repo_url", "form_action"})


def _text_model(annotation: Any) -> tuple[bool, type[BaseModel] | None]:
    """Whether ``annotation`` holds free text (str, possibly optional or in a list), or which model it holds."""
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return False, None
    if origin is typing.Annotated:
        return _text_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple):
        found = [_text_model(arg) for arg in typing.get_args(annotation) if arg is not type(None)]
        model = next((m for _t, m in found if m is not None), None)
        return any(t for t, _m in found), model
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return False, annotation
    return annotation is str, None


def inject(data: Any, model: type[BaseModel]) -> Any:
    """``data`` (read as ``model``) with hostile text added to every free-text field the model has.

    URL fields get ``javascript:alert(1)``, also where the data left them out.
    """
    if isinstance(data, list):
        return [inject(item, model) for item in data]
    if not isinstance(data, dict):
        return data
    out = dict(data) | {name: HOSTILE_URL for name in URL_FIELDS & model.model_fields.keys()}
    for key, value in data.items():
        spec = model.model_fields.get(key)
        if spec is None or value is None or key in URL_FIELDS:
            continue
        is_text, inner = _text_model(spec.annotation)
        if inner is not None:
            out[key] = inject(value, inner)
        elif is_text and key not in IDENTIFIERS:
            out[key] = [f"{v} {HOSTILE}" for v in value] if isinstance(value, list) else f"{value} {HOSTILE}"
    return out


def _at(data: Any, loc: tuple) -> Any:
    for part in loc:
        data = data[part]
    return data


def make_hostile(lists: Path) -> dict[str, int]:
    """Hostile text in every free-text field of every file under ``lists``; returns fields changed per file.

    Files are written as JSON, which is YAML too and needs no quoting rules.
    Where the validator still rejects an injected value (a rule the value
    breaks), the original value is put back: the hostile site must build.
    """
    originals: dict[str, Any] = {}
    changed: dict[str, int] = {}
    for path in sorted(lists.rglob("*.yml")):
        relpath = path.relative_to(lists).as_posix()
        data = parse(path.read_text(encoding="utf-8"), relpath).data
        originals[relpath] = data
        hostile = inject(data, kind_of(relpath).model)
        text = json.dumps(hostile, ensure_ascii=False, indent=1) + "\n"
        changed[relpath] = text.count(PAYLOADS[0]) + text.count(f'"{HOSTILE_URL}"')
        path.write_text(text, encoding="utf-8")
    for _round in range(3):
        report = validate(lists, cache_dir=None, prefix="", workers=1)
        rejected = [p for p in report.errors if p.loc]
        if not rejected:
            break
        for problem in rejected:
            path = lists / problem.file
            data = json.loads(path.read_text(encoding="utf-8"))
            *parent, last = problem.loc
            before = _at(originals[problem.file], tuple(parent))
            if isinstance(before, dict) and last not in before:
                del _at(data, tuple(parent))[last]  # a URL field the data left out: leave it out again
            else:
                _at(data, tuple(parent))[last] = before[last]
            path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return changed
