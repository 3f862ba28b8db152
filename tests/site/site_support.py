"""Helpers for the site tests: sample trees, hostile data, real builds, HTML checks."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "lists"

HOSTILE = "<script>alert(1)</script> <img src=x onerror=alert(1)> [x](javascript:alert(1)) *强调* _下划线_"

# Keys whose values are codes, references or closed vocabularies: changing them
# would make the data invalid rather than hostile.
_NOT_TEXT = {
    "code", "id", "source", "region", "parent", "power_type", "exercise_level", "body_nature", "status",
    "level", "scope", "category", "validity", "result", "industry", "kind", "departments",
    "co_implementers", "reviewers", "uscc", "repo_url", "edit_branch", "publication_deadline", "url",
    "website", "code_patterns", "number", "list", "lists", "inconsistent_item", "targets", "guide_url",
}


def copy_sample(dst: Path, departments: tuple[str, ...] | None = None) -> Path:
    """A copy of the sample lists/ (only ``departments`` if given) under ``dst/lists``."""
    lists = dst / "lists"
    shutil.copytree(SAMPLE, lists, ignore=shutil.ignore_patterns(".*"))
    if departments is not None:
        for folder in [p for p in lists.iterdir() if p.is_dir() and p.name not in departments]:
            shutil.rmtree(folder)
    return lists


def _inject(value: Any, key: str | None = None) -> Any:
    if isinstance(value, dict):
        return {k: _inject(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_inject(v, key) for v in value]
    if isinstance(value, str) and key not in _NOT_TEXT:
        return f"{value} {HOSTILE}"
    return value


class _Dumper(yaml.SafeDumper):
    """Quotes strings of digits: the project reads YAML 1.2, where 08 is a number."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = '"' if re.fullmatch(r"[0-9.:+-]+", value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def dump(data: Any) -> str:
    """YAML the project's loader reads back as the same data."""
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False)


def make_hostile(lists: Path) -> None:
    """Add HOSTILE to every text field of every file; hostile URLs where URLs go."""
    for path in sorted(lists.rglob("*.yml")):
        original = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = _inject(original)
        if path.name == "site.yml":
            # The model rejects HTML characters in the site name and any site_url but an http(s)
            # address (tests/test_hostile_values.py); maintainers are handles, not text.
            data["name"] = original["name"]
            if "site_url" in original:
                data["site_url"] = original["site_url"]
            if "maintainers" in original:
                data["maintainers"] = original["maintainers"]
            # E-mail, phone numbers and the form's address have formats that reject markup.
            data["feedback"] = {**original["feedback"], "office": data["feedback"]["office"]}
        if path.name == "sources.yml":
            data["items"][0]["url"] = "javascript:alert(1)"
        if path.name == "department.yml":
            data["contact"] = {**(data.get("contact") or {}), "website": "javascript:alert(1)"}
        path.write_text(dump(data), encoding="utf-8")


def write_config(root: Path, lists: Path, *, plugin: bool = True) -> Path:
    """The repository's mkdocs.yml and content/ under ``root``, reading ``lists``."""
    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    shutil.copytree(REPO / "content", root / "content", dirs_exist_ok=True)
    if plugin:
        config["plugins"] = [{"qingdan": {"lists_dir": os.path.relpath(lists, root)}}]
    else:
        config["plugins"] = []
        config["extra_css"] = ["assets/qingdan/site.css"]
        config["extra_javascript"] = ["assets/qingdan/site.js"]
    path = root / "mkdocs.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


GIT_WHO = {"GIT_AUTHOR_NAME": "法规处 张三", "GIT_AUTHOR_EMAIL": "zhangsan@example.gov.cn",
           "GIT_COMMITTER_NAME": "法规处 张三", "GIT_COMMITTER_EMAIL": "zhangsan@example.gov.cn"}


def commit_all(root: Path, message: str, when: str) -> None:
    """Commit everything under ``root`` (a repository is made if there is none) on ``when``, an ISO
    time: the commit's day is 数据更新至, as for a merge on the main branch."""
    env = {**os.environ, **GIT_WHO, "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when}
    if not (root / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True, env=env)
    subprocess.run(["git", "-C", str(root), "commit", "-q", "-m", message], check=True, env=env)


def run(args: list[str], cwd: Path, cache: Path | None = None) -> subprocess.CompletedProcess[str]:
    """A real command, its output captured; with its own empty ``cache`` folder (QINGDAN_CACHE_DIR) if given,
    as a clean build to compare with needs (the checkout's build store holds the pages under test)."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **({"QINGDAN_CACHE_DIR": str(cache)} if cache else {})}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def mkdocs_build(root: Path, lists: Path) -> subprocess.CompletedProcess[str]:
    """``mkdocs build --strict`` of the repository's site over ``lists``, in ``root``."""
    config = write_config(root, lists)
    return run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config)], root)


class Page(HTMLParser):
    """The tags, attributes and text of one HTML page."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self._in_script = False
        self.scripts: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        (self.scripts if self._in_script else self.text).append(data)

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.tags if t == tag]

    @property
    def plain(self) -> str:
        return "".join(self.text)


def unsafe_markup(html: str) -> list[str]:
    """What in ``html`` would run hostile code: script bodies, event attributes, javascript: links."""
    page = Page(html)
    found = [f"<script> {s[:40]!r}" for s in page.scripts if "alert(" in s]
    for tag, attrs in page.tags:
        found += [f"<{tag} {k}=>" for k in attrs if k.startswith("on")]
        found += [f"<{tag} {k}={v!r}>" for k, v in attrs.items()
                  if k in ("href", "src", "action") and v and v.strip().lower().startswith("javascript:")]
        if tag == "img" and attrs.get("src") == "x":
            found.append("<img src=x>")
    return found


def broken_links(site: Path) -> list[str]:
    """Relative links and sources in the built site that lead nowhere."""
    broken = []
    for page in site.rglob("*.html"):
        for target in re.findall(r'(?:href|src)="([^"#?]+)', page.read_text(encoding="utf-8")):
            if re.match(r"^([a-z]+:|/)", target):
                continue
            resolved = (page.parent / unquote(target)).resolve()
            if not (resolved.exists() or (resolved / "index.html").exists()):
                broken.append(f"{page.relative_to(site)} → {target}")
    return broken
