"""The demonstration repository: the sample lists/ as a scripted series of reviewed merges.

``qingdan demo-repo --out DIR`` writes a git repository whose main branch
ends with exactly the given lists/ (and the site's mkdocs.yml and content/),
reached by pull requests merged with ``--no-ff`` merge commits that carry
``Reviewed-on:``/``Reviewed-by:`` trailers from the reviewers each
department.yml authorises: the registries, the departments, each
department's lists, then an amendment, a transfer between departments, a
repeal and new items — and one commit pushed straight to main without review,
the deliberate bypass the audit reports. Dates and identities are fixed, so
the same input always gives the same commit ids.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import QingdanError
from ..files import read_regular, staged_folder
from ..gitrepo import FastImport, Who, git_env, init, run
from ..history.chunks import split
from ..history.records import load
from ..kinds import STATUS_IN_FORCE
from ..load import discover

START = dt.datetime(2024, 3, 4, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))
WEEK = dt.timedelta(days=7)
EDITOR = ("示例编辑", "editor@example.gov.cn")
MAINTAINER = ("平台运维", "ops@example.gov.cn")
REVIEW_URL = "https://git.example.gov.cn/sample/lists/pulls/{n}"
SITE_FILES = ("mkdocs.yml", "content")
GITIGNORE = b"/site/\n/.qingdan-cache/\n"


@dataclass
class Edit:
    """A difference between an earlier version and the final one, undone by one event."""

    path: str
    index: int | None  # entry index in the final file; None: the whole file
    text: bytes | None  # the earlier text of that entry (None: the entry was not there yet)
    append_to: str | None = None  # for a transfer: the file that held the entry earlier


@dataclass
class Event:
    """A pull request (or the one direct commit) and the edits it undoes."""

    title: str
    branch: str
    paths: list[str]
    edits: list[Edit] = field(default_factory=list)
    direct: bool = False
    not_before: dt.date | None = None


def build_demo(lists_dir: Path, out: Path, site_root: Path | None = None) -> str:
    """Write the demonstration repository to ``out``; returns the head commit id."""
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise QingdanError(f"{out} 已存在且不为空；请换一个输出目录")
    final = {p: read_regular(Path(lists_dir) / p, root=Path(lists_dir)) for p in discover(Path(lists_dir))}
    if not final:
        raise QingdanError(f"{lists_dir} 中没有数据文件")
    script = Script(final)
    extra = _site_files(site_root if site_root is not None else Path(lists_dir).resolve().parent)
    with staged_folder(out) as staging:  # out is absent or empty (checked above)
        init(staging)
        writer = FastImport(staging)
        script.write(writer, extra)
        writer.close()
        run(staging, "reset", "-q", "--hard", "main", env=git_env())
        head = run(staging, "rev-parse", "main", env=git_env()).decode().strip()
    return head


def _site_files(root: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {".gitignore": GITIGNORE}
    for name in SITE_FILES:
        path = root / name
        if path.is_file():
            found[name] = path.read_bytes()
        elif path.is_dir():
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                found[file.relative_to(root).as_posix()] = file.read_bytes()
    return found


class Script:
    """The series of events, chosen from the data so that any sample tree gets one."""

    def __init__(self, final: dict[str, bytes]) -> None:
        self.final = final
        self.cuts = {p: split(raw) for p, raw in final.items()}
        self.depts = sorted({p.split("/")[0] for p in final if "/" in p})
        self.reviewers = {d: self._reviewers(d) for d in self.depts}
        self.used: set[str] = set()
        self.events: list[Event] = []
        self.active: list[Edit] = []
        self._plan()

    # ------------------------------------------------------------ choosing

    def _reviewers(self, dept: str) -> list[str]:
        data, ok = load(self.final.get(f"{dept}/department.yml", b""))
        found = data.get("reviewers") if ok and isinstance(data, dict) else None
        return [str(r).lstrip("@") for r in found or []] or [f"{dept}-reviewer"]

    def _items(self, path: str) -> list[tuple[int, dict]]:
        cut = self.cuts.get(path)
        if cut is None or cut.whole:
            return []
        data, ok = load(self.final[path])
        items = data.get("items") if ok and isinstance(data, dict) else None
        if not isinstance(items, list) or len(items) != len(cut.entries):
            return []
        return [(i, item) for i, item in enumerate(items) if isinstance(item, dict)]

    def _pick(self, path: str, want) -> tuple[int, dict] | None:
        for i, item in self._items(path):
            if str(item.get("code")) not in self.used and want(item):
                self.used.add(str(item.get("code")))
                return i, item
        return None

    def _plan(self) -> None:
        order = sorted(self.depts, key=lambda d: (f"{d}/regulations.yml" not in self.final, d))
        # The first pull request also registers every department, so that its
        # reviewers (who approve it) are authorised by the change they approve.
        first = [p for p in ("site.yml", "regions.yml", "sources.yml") if p in self.final]
        first += [f"{d}/department.yml" for d in self.depts if f"{d}/department.yml" in self.final]
        self.events.append(Event("建立站点设置、行政区划、法律法规库和部门信息", "registries", first))
        for dept in order:
            paths = sorted(p for p in self.final if p.startswith(f"{dept}/") and not p.endswith("/department.yml"))
            if paths:
                self.events.append(Event(f"公布{self._dept_name(dept)}清单", f"lists-{dept}", paths))
        self.release_after = len(self.events)
        for make in (self._amendment, self._transfer, self._repeal, self._additions, self._bypass):
            event = make()
            if event is not None:
                self.events.append(event)
                self.active += event.edits

    def _dept_name(self, dept: str) -> str:
        data, ok = load(self.final.get(f"{dept}/department.yml", b""))
        return str(data.get("name")) if ok and isinstance(data, dict) and data.get("name") else dept

    def _in_force(self, item: dict) -> bool:
        return item.get("status", STATUS_IN_FORCE) == STATUS_IN_FORCE

    def _amendment(self) -> Event | None:
        for dept in self.depts:
            path = f"{dept}/powers.yml"
            found = self._pick(path, lambda it: self._in_force(it) and (
                len(it.get("legal_basis") or []) + len(it.get("implementation_basis") or []) >= 2))
            if found:
                cut = self.cuts[path]
                earlier = _drop_last_basis(_rename(cut.entries[found[0]], cut.sep), cut.sep)
                edit = Edit(path, found[0], earlier)
                return Event(f"修改{found[1].get('name')}的名称和依据", f"amend-{dept}", [path], [edit])
        return None

    def _transfer(self) -> Event | None:
        by_region: dict[str, list[str]] = {}
        for dept in self.depts:
            if f"{dept}/powers.yml" in self.final:
                by_region.setdefault(dept.split("-")[0], []).append(dept)
        for region, depts in sorted(by_region.items()):
            if len(depts) < 2:
                continue
            giver, taker = depts[0], depts[1]
            path = f"{taker}/powers.yml"
            found = self._pick(path, lambda it: self._in_force(it) and str(it.get("code", "")).startswith(region))
            if found:
                edit = Edit(path, found[0], None, append_to=f"{giver}/powers.yml")
                title = f"将{found[1].get('name')}移交{self._dept_name(taker)}实施"
                return Event(title, f"transfer-{found[1].get('code')}", [f"{giver}/powers.yml", path], [edit])
        return None

    def _repeal(self) -> Event | None:
        best: tuple[str, int, dict] | None = None
        for dept in self.depts:
            path = f"{dept}/powers.yml"
            for i, item in self._items(path):
                repeal = item.get("repeal") if isinstance(item.get("repeal"), dict) else {}
                if item.get("status") == "已废止" and repeal.get("date") and str(item.get("code")) not in self.used:
                    if best is None or str(repeal["date"]) > str(best[2]["repeal"]["date"]):
                        best = (path, i, item)
        if best is None:
            return None
        path, index, item = best
        self.used.add(str(item.get("code")))
        cut = self.cuts[path]
        edit = Edit(path, index, _unrepeal(cut.entries[index], cut.sep))
        when = dt.date.fromisoformat(str(item["repeal"]["date"])[:10])
        return Event(f"废止{item.get('name')}", f"repeal-{item.get('code')}", [path], [edit], not_before=when)

    def _additions(self) -> Event | None:
        edits = []
        for dept in reversed(self.depts):
            path = f"{dept}/powers.yml"
            items = [(i, it) for i, it in self._items(path)
                     if self._in_force(it) and str(it.get("code")) not in self.used]
            if len(items) >= 2:
                index, item = items[-1]
                self.used.add(str(item.get("code")))
                edits.append(Edit(path, index, None))
                break
        for path in sorted(p for p in self.final if p.endswith("/negative_list.yml")):
            items = self._items(path)
            if len(items) >= 2:
                edits.append(Edit(path, items[-1][0], None))
                break
        if not edits:
            return None
        return Event("新增事项", "additions", sorted({e.path for e in edits}), edits)

    def _bypass(self) -> Event | None:
        for dept in self.depts:
            path = f"{dept}/department.yml"
            text = self.final.get(path, b"")
            match = re.search(rb'(?m)^(\s+phone:\s*"?)([0-9][0-9-]*[0-9])', text)
            if match:
                digits = match.group(2)
                changed = digits[:-1] + str((int(digits[-1:]) + 1) % 10).encode()
                earlier = text[:match.start(2)] + changed + text[match.end(2):]
                return Event("更正联系电话", "", [path], [Edit(path, None, earlier)], direct=True)
        return None

    # ------------------------------------------------------------ writing

    def content(self, path: str, active: list[Edit]) -> bytes | None:
        """The file as it stands while ``active`` edits are not yet undone (None: not there)."""
        edits = [e for e in active if e.path == path and e.append_to is None]
        whole = next((e for e in edits if e.index is None), None)
        if whole is not None:
            return whole.text
        cut = self.cuts.get(path)
        if cut is None:
            return self.final.get(path)
        entries: list[bytes | None] = list(cut.entries)
        for edit in active:
            if edit.path == path and edit.index is not None:
                entries[edit.index] = edit.text if edit.append_to is None else None
        moved = [self.cuts[e.path].entries[e.index] for e in active if e.append_to == path]
        kept = [e for e in entries if e is not None] + moved
        return cut.document(kept) if kept else None

    def write(self, out: FastImport, extra: dict[str, bytes]) -> None:
        """Write every commit and the two release tags."""
        when = START
        ops = Who(*MAINTAINER, _unix(when))
        head = out.commit("refs/heads/main", ops, ops, "初始化仓库：网站配置与说明页面\n",
                          {p: out.blob(raw) for p, raw in extra.items()})
        remaining = list(self.active)
        present: set[str] = set()
        for n, event in enumerate(self.events, 1):
            when = max(when + WEEK, _after(event.not_before))
            for edit in event.edits:
                remaining.remove(edit)
            files = {}
            for path in event.paths:
                text = self.content(path, remaining)
                if text is None and path not in present:
                    continue
                files[f"lists/{path}"] = out.blob(text) if text is not None else None
                present.add(path)
            head = self._land(out, n, event, files, head, when)
            if n == self.release_after:
                out.tag("v2024.1", head, Who(*MAINTAINER, _unix(when + dt.timedelta(days=3))),
                        "2024年清单首次公布\n")
        out.tag("v2025.1", head, Who(*MAINTAINER, _unix(when + dt.timedelta(days=3))), "2025年清单更新\n")

    def _land(self, out: FastImport, n: int, event: Event, files: dict[str, int | None], head: int,
              when: dt.datetime) -> int:
        if event.direct:
            ops = Who(*MAINTAINER, _unix(when))
            return out.commit("refs/heads/main", ops, ops, f"{event.title}\n", files, (head,))
        editor = Who(*EDITOR, _unix(when))
        branch = out.commit(f"refs/heads/{event.branch}", editor, editor, f"{event.title}\n", files, (head,))
        depts = sorted({p.split("/")[0] for p in event.paths if "/" in p}) or self.depts[:1]
        approvers = [self.reviewers[d][0] for d in depts if d in self.reviewers]
        trailers = [f"Reviewed-on: {REVIEW_URL.format(n=n)}"]
        trailers += [f"Reviewed-by: {a} <{a}@example.gov.cn>" for a in dict.fromkeys(approvers)]
        message = (f"Merge pull request '{event.title}' (#{n}) from {event.branch} into main\n\n"
                   + "\n".join(trailers) + "\n")
        merger = Who(approvers[0], f"{approvers[0]}@example.gov.cn", _unix(when + dt.timedelta(days=2)))
        return out.commit("refs/heads/main", merger, merger, message, files, (head, branch))


def _unix(when: dt.datetime) -> int:
    return int(when.timestamp())


def _after(day: dt.date | None) -> dt.datetime:
    if day is None:
        return START
    return dt.datetime.combine(day + dt.timedelta(days=3), START.timetz())


# ------------------------------------------------------------ editing an entry as text


def _key_indent(sep: bytes) -> bytes:
    return b" " * (len(sep) + 1)


def _rename(entry: bytes, sep: bytes) -> bytes:
    """The entry with an older name: ``<name>事项``."""
    indent = _key_indent(sep)
    pattern = re.compile(rb"(?m)^((?:" + re.escape(sep) + rb" |" + indent + rb")name: )(.+?)(\s*)$")
    match = pattern.search(entry)
    if match is None:
        return entry
    value = match.group(2)
    older = value[:-1] + "事项".encode() + value[-1:] if value[:1] in (b'"', b"'") else value + "事项".encode()
    return entry[:match.start(2)] + older + entry[match.end(2):]


def _block(lines: list[bytes], key: bytes, indent: bytes) -> tuple[int, int] | None:
    """Lines [start, end) of ``key:`` and everything indented under it."""
    for start, line in enumerate(lines):
        if line.startswith(indent + key + b":"):
            end = start + 1
            while end < len(lines) and (lines[end].startswith(indent + b" ") or lines[end].startswith(indent + b"- ")):
                end += 1
            return start, end
    return None


def _drop_last_basis(entry: bytes, sep: bytes) -> bytes:
    """The entry without its last 实施依据 (the whole list if it has one), else without its last 设定依据."""
    lines = entry.splitlines(keepends=True)
    found = _block(lines, b"implementation_basis", _key_indent(sep))
    if found is not None:
        start, end = found
        starts = _entries(lines, start, end, sep)
        return b"".join(lines[:starts[-1] if len(starts) > 1 else start] + lines[end:])
    found = _block(lines, b"legal_basis", _key_indent(sep))
    if found is None:
        return entry
    start, end = found
    starts = _entries(lines, start, end, sep)
    if len(starts) < 2:
        return entry
    return b"".join(lines[:starts[-1]] + lines[end:])


def _entries(lines: list[bytes], start: int, end: int, sep: bytes) -> list[int]:
    """The lines that open an entry of the list block [start, end)."""
    return [i for i in range(start + 1, end) if lines[i].lstrip(b" ").startswith(b"- ")
            and len(lines[i]) - len(lines[i].lstrip(b" ")) == len(_key_indent(sep)) + 2]


def _unrepeal(entry: bytes, sep: bytes) -> bytes:
    """The entry as it was in force: without ``status: 已废止`` and ``repeal``."""
    indent = _key_indent(sep)
    lines = [line for line in entry.splitlines(keepends=True) if not line.startswith(indent + b"status:")]
    found = _block(lines, b"repeal", indent)
    if found is not None:
        lines = lines[:found[0]] + lines[found[1]:]
    return b"".join(lines)
