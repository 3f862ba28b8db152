"""Atom feeds of the change log: one for the whole site, one per department.

Built with xml.etree, which escapes every text and attribute; the HTML shown
by feed readers is built the same way and then carried as escaped text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from typing import Protocol

from ..layout import BY_KEY
from .changes import Change, Step, summary

ATOM = "http://www.w3.org/2005/Atom"
EPOCH = "1970-01-01T00:00:00+00:00"
LIMIT = 50  # entries per feed
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not in an XML 1.0 document
SHOWN = 100  # record changes listed in one entry

ChangeUrl = Callable[[Step], str]


class Named(Protocol):
    name: str


class History(Protocol):
    """What the feeds read of a history (store.History fits it), so this module needs no store."""

    steps: list[Step]

    def departments(self) -> list[str]: ...

    def item_changes(self, key: str) -> Sequence[Named]: ...

ItemUrl = Callable[[str], "str | None"]


def feeds(history: History, site_url: str, *, title: str | None = None, limit: int = LIMIT,
          change_url: ChangeUrl | None = None, item_url: ItemUrl | None = None,
          department_name: Callable[[str], str | None] | None = None) -> dict[str, bytes]:
    """``feeds/atom.xml`` and ``feeds/<dept-id>.xml``, as bytes, by path in the site.

    ``change_url(step)`` links an entry to the change log (default
    ``<site>/changes/<sha>/``, the commit's page); ``item_url(key)`` links a record to its page
    (default: no link).
    """
    base = site_url.rstrip("/") + "/"
    link = change_url or (lambda step: f"{base}changes/{step.sha}/")
    site = title or f"{_latest_name(history, 'site') or '清单'}修订记录"
    names = department_name or (lambda dept: _latest_name(history, f"department:{dept}"))
    logs = _logs(history, limit)
    out = {"feeds/atom.xml": _feed(logs.pop(""), f"{base}feeds/atom.xml", site, base, link, item_url)}
    for dept in history.departments():
        name = names(dept) or dept
        out[f"feeds/{dept}.xml"] = _feed(logs.get(dept, []), f"{base}feeds/{dept}.xml", f"{name} {site}", base,
                                         link, item_url)
    return out


def _logs(history: History, limit: int) -> dict[str, list[tuple[Step, list[Change]]]]:
    """The newest ``limit`` steps for the site ("") and for each department, in one pass."""
    logs: dict[str, list[tuple[Step, list[Change]]]] = {"": []}
    for step in reversed(history.steps):
        if step.changes and len(logs[""]) < limit:  # as the change log: a step that changed no record has no page
            logs[""].append((step, step.changes))
        by_dept: dict[str, list[Change]] = {}
        for change in step.changes:
            for dept in {change.department, change.from_department} - {None}:
                by_dept.setdefault(dept, []).append(change)
        for dept, changes in by_dept.items():
            log = logs.setdefault(dept, [])
            if len(log) < limit:
                log.append((step, changes))
    return logs


def _latest_name(history: History, key: str) -> str | None:
    changes = history.item_changes(key)
    return changes[0].name if changes else None


def _feed(log: list[tuple[Step, list[Change]]], self_url: str, title: str, base: str, link: ChangeUrl,
          item_url: ItemUrl | None) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": "zh-CN"})
    _text(feed, "id", self_url)
    _text(feed, "title", title)
    _text(feed, "updated", log[0][0].date.isoformat() if log else EPOCH)
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "href": self_url, "type": "application/atom+xml"})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "href": base, "type": "text/html"})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", title)
    _text(feed, "generator", "qingdan")
    for step, changes in log:
        feed.append(_entry(step, changes, link, item_url))
    # Whoever commits writes the messages and names, and history's records were never validated: a
    # character XML cannot hold, even escaped (ESC, BEL), would make the whole feed unreadable.
    text = ET.tostring(feed, encoding="utf-8", xml_declaration=True).decode("utf-8")
    return _NOT_XML.sub("", text).encode("utf-8") + b"\n"


def _entry(step: Step, changes: list[Change], link: ChangeUrl, item_url: ItemUrl | None) -> ET.Element:
    entry = ET.Element(f"{{{ATOM}}}entry")
    _text(entry, "id", f"urn:qingdan:commit:{step.sha}")
    pr = f"（#{step.pr}）" if step.pr else ""
    _text(entry, "title", f"{step.title}{pr}")
    # As parsed (dates.git_time): git keeps times no Atom reader takes (the year 3170843, +99:59).
    _text(entry, "updated", step.date.isoformat())
    _text(entry, "published", step.date.isoformat())
    ET.SubElement(entry, f"{{{ATOM}}}link", {"rel": "alternate", "href": link(step), "type": "text/html"})
    author = ET.SubElement(entry, f"{{{ATOM}}}author")
    _text(author, "name", step.author.name or "未知")
    _text(entry, "summary", summary(changes))
    content = ET.SubElement(entry, f"{{{ATOM}}}content", {"type": "html"})
    content.text = _html(step, changes, item_url)
    return entry


def _html(step: Step, changes: list[Change], item_url: ItemUrl | None) -> str:
    root = ET.Element("div")
    meta = ET.SubElement(root, "p")
    approvers = "、".join(p.name for p in step.approvers) or "无"
    meta.text = f"公布/修改日期：{step.day.isoformat()}；审核：{approvers}；提交：{step.sha[:12]}"
    items = ET.SubElement(root, "ul")
    for change in changes[:SHOWN]:
        li = ET.SubElement(items, "li")
        strong = ET.SubElement(li, "strong")
        strong.text = change.action_label
        kind = BY_KEY.get(change.list_kind or "")
        strong.tail = f" {kind.label if kind else ''} "
        url = item_url(change.key) if item_url else None
        target = ET.SubElement(li, "a", {"href": url}) if url else ET.SubElement(li, "span")
        target.text = change.label
        if change.effective:
            target.tail = f"（依法生效日期 {change.effective}）"
        if change.fields:
            fields = ET.SubElement(li, "ul")
            for f in change.fields:
                ET.SubElement(fields, "li").text = f.text()
    if len(changes) > SHOWN:
        ET.SubElement(root, "p").text = f"另有 {len(changes) - SHOWN} 项变更，详见修订记录。"
    return ET.tostring(root, encoding="unicode", method="html")


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element
