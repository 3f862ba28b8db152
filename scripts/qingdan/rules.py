"""Rules across records: each rule reads the facts of every file and yields problems.

A rule is a plain generator over an :class:`Index`; the list ``RULES`` is the
order they run in. Problems carry the record path; lines are filled in later,
only for the files that have problems.

A file that could not be read has no facts. Rules then stay silent about what
that file would have told them (a department whose department.yml is broken
still exists; nothing is "not in regions.yml" while regions.yml is broken), so
one mistake gives one problem, not a cascade.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import difflib
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .kinds import DEPARTMENT_LISTS, STATUS_IN_FORCE, in_force
from .layout import BY_KEY, department_of, kind_of
from .model.power import POWER_TYPES
from .model.site import SiteConfig
from .problems import Problem

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]")
_INVISIBLE = re.compile("[\u200b-\u200f\u2060\ufeff\u00ad\u180e\x00-\x1f\x7f-\x9f]")
MEASURE_LEVELS = ("法律", "行政法规", "国务院决定", "地方性法规")
# Lists a department publishes, with the labels publication records use (layout.KINDS).
OWNED_LISTS = tuple((key, BY_KEY[key].label) for key in DEPARTMENT_LISTS)
ALWAYS_OWNED = ("powers", "responsibilities")
REQUIRED_LISTS = tuple((key, label) for key, label in OWNED_LISTS if key in ALWAYS_OWNED)
ENDED = ("废止", "宣布失效")  # clean-up results that end a regulation


@dataclass
class Index:
    """Everything the rules look at: the facts of every file, by path under lists/.

    ``facts`` may hold only some files in full: the context files (is_context) always, and the files
    the per-file rules (PER_FILE) are to judge. ``briefs`` has the brief (:func:`brief`) of every file,
    in file order, and is all that the rules comparing records of different files read; without it,
    ``facts`` holds every file and the briefs are made from it.
    """

    facts: dict[str, dict[str, Any]]
    today: dt.date = field(default_factory=dt.date.today)
    prefix: str = "lists/"
    # The national law catalogue (qingdan.laws.Catalogue), or None when its data is not installed.
    catalogue: Any = None
    # Files (under lists/) a change touches: a rule comparing records of two files reports
    # on the changed one, the file whose author can act on it (qingdan check).
    changed: frozenset[str] = frozenset()
    briefs: dict[str, Brief] = None  # type: ignore[assignment]
    # The base codes of the power items of some files (Index.bases), as a previous run found them.
    known_bases: dict[str, list[str | None]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.briefs is None:
            self.briefs = {path: brief(f) for path, f in self.facts.items()}
        site = next((f["site"] for f in self.facts.values() if "site" in f), None)
        self.site = SiteConfig.model_validate(site) if site else SiteConfig(name="qingdan")
        # ASCII: codes are half-width; Python's \d alone would accept full-width digits.
        self.patterns = {
            name: re.compile(getattr(self.site.code_patterns, name), re.ASCII)
            for name in ("power", "negative", "measure", "regulation")
        }
        self.unreadable = {path for path, b in self.briefs.items() if not b and kind_of(path) is not None}
        # Department folders are what records refer to; keyed by folder, not by the id inside.
        self.departments = {
            f["department_folder"]: (path, f["department"])
            for path, f in self.facts.items() if "department" in f
        }
        self.folders = {
            folder for path in self.briefs
            if (kind := kind_of(path)) is not None and kind.per_department
            and (folder := department_of(path)) is not None
        }
        self.regions = {r["code"]: (path, r) for path, f in self.facts.items() for r in f.get("regions", ())}
        self.regions_known = "regions.yml" not in self.unreadable
        self.sources: dict[str, tuple[str, dict]] = {}
        for path, f in self.facts.items():
            for s in f.get("sources", ()):
                self.sources.setdefault(s["id"], (path, s))
            for r in f.get("regulations", ()):
                self.sources.setdefault(r["code"], (path, _regulation_as_source(r)))
        self.sources_known = "sources.yml" not in self.unreadable
        self.regulations_known = not any(p.endswith("/regulations.yml") for p in self.unreadable)
        # Results computed from the context alone (sources, catalogue), shared with every view of this index.
        self.memo: dict[str, Any] = {}

    def only(self, path: str) -> "Index":
        """This index seen through one file: the same context (site, regions, departments, sources,
        catalogue), but the rules iterate that file's facts alone (see PER_FILE)."""
        view = copy.copy(self)
        view.facts = {path: self.facts[path]}
        for name in ("codes", "power_groups"):
            view.__dict__.pop(name, None)
        view._subjects = {}
        return view

    @functools.cached_property
    def codes(self) -> list[CodeEntry]:
        """Every coded record with its pattern's match, shared by the rules on codes."""
        return [(code, path, loc, kind, self.patterns[kind].match(code)) for code, path, loc, kind in _coded(self)]

    def bases(self, path: str) -> list[str | None]:
        """The base code of each power item of a file (None: not in force, or no match), by item place.

        Depends on the file and on site.yml's pattern only: the validator keeps it with the file's
        per-file rule results and gives it back in ``known_bases``.
        """
        found = self.known_bases.get(path)
        if found is None:
            powers = self.briefs[path].get("powers")
            match = self.patterns["power"].match
            if not powers:
                found = []
            elif "base" not in self.patterns["power"].groupindex:  # a site pattern without base codes
                found = [None] * len(powers["code"])
            else:
                found = [m.group("base") if status == STATUS_IN_FORCE and (m := match(code)) else None
                         for code, status in zip(powers["code"], powers["status"])]
            self.known_bases[path] = found
        return found

    @functools.cached_property
    def power_groups(self) -> tuple[dict[str, list[PowerPlace]], list[PowerPlace]]:
        """The in-force power items by base code (below, "members"), as far as consistency and
        similar_items need them, in one pass over the briefs:

        - the bases with more than one member, each with its members in file order, in the order
          of the bases' first members;
        - the members whose (name, power type) some member of another base has too, in the order
          of a walk over the bases in the order of their first members, members in file order.

        A member is (path, place of the item in its file, region, base, (file number, place)).
        """
        if "base" not in self.patterns["power"].groupindex:
            return {}, []
        files = [(path, b["powers"], self.bases(path)) for path, b in self.briefs.items() if b.get("powers")]
        # Counted first, whole columns at a time; then only the items counted more than once are looked at.
        counts: Counter[str | None] = Counter()
        names: Counter[str] = Counter()
        for _path, powers, bases in files:
            counts.update(bases)
            names.update(powers["name"])
        counts.pop(None, None)
        shared = {base for base, n in counts.items() if n > 1}
        named = {name for name, n in names.items() if n > 1}
        groups: dict[str, list[PowerPlace]] = {}
        similar: list[tuple[tuple[str, str], PowerPlace]] = []
        for number, (path, powers, bases) in enumerate(files):
            places = [i for i, base in enumerate(bases) if base in shared]
            places += [i for i, name in enumerate(powers["name"]) if name in named]
            places = sorted(set(places))
            region = self.department_region(self.briefs[path]) or "" if places else ""
            for i in places:
                base = bases[i]
                if base is None:
                    continue
                member = (path, i, region, base, (number, i))
                if base in shared:
                    groups.setdefault(base, []).append(member)
                if powers["name"][i] in named:
                    similar.append(((powers["name"][i], powers["type"][i]), member))
        # Twins of one base only are no problem; those of several are what similar_items reports on.
        bases_of: dict[tuple[str, str], set[str]] = defaultdict(set)
        for key, member in similar:
            bases_of[key].add(member[3])
        twins = [(key, member) for key, member in similar if len(bases_of[key]) > 1]
        # A base's first member is in ``groups`` if it has more than one, else it is the member itself.
        first = {base: members[0][4] for base, members in groups.items()}
        twins.sort(key=lambda entry: (first.get(entry[1][3], entry[1][4]), entry[1][4]))
        return groups, [member for _key, member in twins]

    def each(self, key: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        """(path, facts of the file, entry) for every entry of ``key`` in every file."""
        for path, f in self.facts.items():
            for entry in f.get(key, ()):
                yield path, f, entry

    def problem(self, code: str, message: str, path: str, loc: list, hint: str = "",
                severity: str | None = None) -> Problem:
        """A problem at ``loc`` in ``path``, about the record that stands there (its subject)."""
        subject = self.subjects(path).get(tuple(loc[:2]), "")
        return Problem(code, message, self.prefix + path, tuple(loc), hint, severity=severity, subject=subject)

    def subjects(self, path: str) -> dict[tuple, str]:
        """Place of a top-level record of ``path`` (such as items[3]) -> that record's code or id.

        Built per file on its first problem: most files have none.
        """
        known = self.__dict__.setdefault("_subjects", {})
        found = known.get(path)
        if found is None and path not in self.facts:
            # Known by its brief alone: of the records of its kinds, only power items stand at items[i].
            powers = self.briefs.get(path, {}).get("powers")
            found = known[path] = {("items", i): code for i, code in enumerate(powers["code"])} if powers else {}
        if found is None:
            found = known[path] = {}
            for entries in self.facts.get(path, {}).values():
                for entry in entries if isinstance(entries, list) else ():
                    if isinstance(entry, dict) and len(entry.get("loc", ())) == 2:
                        name = entry.get("code") or entry.get("id")
                        if isinstance(name, str):
                            found[tuple(entry["loc"])] = name
        return found

    def department_region(self, f: dict[str, Any]) -> str | None:
        found = self.departments.get(f.get("department_folder") or "")
        return found[1]["region"] if found else None

    def region_unknown(self, code: str) -> bool:
        """True when regions.yml was read and ``code`` is not in it."""
        return self.regions_known and code not in self.regions

    def source_unknown(self, source_id: str) -> bool:
        """True when ``source_id`` is in no readable registry and no unreadable one could hold it."""
        if source_id in self.sources:
            return False
        if not self.regulations_known and self.patterns["regulation"].match(source_id):
            return False
        return self.sources_known


Brief = dict[str, Any]


def brief(facts: dict[str, Any]) -> Brief:
    """What the rules comparing records of different files read of one file's facts, in a compact form.

    The validator keeps the brief of every file in one cache file and reads it on every run, where
    it would otherwise read every file's facts (validate/__init__.py). Empty for a file that could
    not be read. The records of the context files (is_context) are read from their facts, which
    every run has in full. The power items, whose place is items[i] (facts.py), by column: code,
    name, power type, status, and 设定依据 (_legal_basis) as a number in ``basis_sets``; their
    sub-items' codes, each with the number of its item (``sub_item``), in file order; and the
    adjustments (merges and splits) of the items that have them.
    """
    if not facts:
        return {}
    out: Brief = {"department_folder": facts.get("department_folder")}
    powers = facts.get("powers")
    if powers is not None:
        sets: dict[tuple[str, ...], int] = {}
        out["powers"] = {
            "code": [item["code"] for item in powers],
            "name": [item["name"] for item in powers],
            "type": [item["type"] for item in powers],
            "status": [item["status"] for item in powers],
            "basis": [sets.setdefault(tuple(item["basis"]) if "basis" in item else _legal_basis(item), len(sets))
                      for item in powers],
            "basis_sets": list(sets),
            "sub_item": [i for i, item in enumerate(powers) for _sub in item["sub_codes"]],
            "sub_code": [code for item in powers for code, _loc in item["sub_codes"]],
            "adjusted": [[i, item["adjustments"]] for i, item in enumerate(powers) if item.get("adjustments")],
        }
    for key in ("negative_items", "measures"):
        if key in facts:
            out[key] = [[entry["code"], entry["loc"]] for entry in facts[key]]
    return out


def _regulation_as_source(r: dict) -> dict:
    # The catalogue says 行政规范性文件 where sources.yml says 规范性文件.
    level = r.get("level", "地方性法规").replace("行政规范性文件", "规范性文件")
    return {"id": r["code"], "title": r["title"], "level": level, "status": r["validity"],
            "repealed": r["repealed"]}


def _did_you_mean(wrong: str, known: list[str]) -> list[str]:
    """Known names close to ``wrong``: similar spelling, or one contained in the other."""
    close = difflib.get_close_matches(wrong, known, n=3, cutoff=0.8)
    if len(wrong) >= 4:
        close += [k for k in known if k not in close and len(k) >= 4 and (wrong in k or k in wrong)]
    return close[:3]


Rule = Callable[[Index], Iterator[Problem]]


CodeEntry = tuple[str, str, list, str, "re.Match[str] | None"]  # (code, path, loc, pattern name, match)
PowerPlace = tuple[str, int, str, str, tuple[int, int]]  # Index.power_groups


def _coded(index: Index, only: set[str] | None = None) -> Iterator[tuple[str, str, list, str]]:
    """(code, path, place, pattern name) of every coded record; with ``only``, of those codes alone."""
    for path, _f, item in index.each("powers"):
        if only is None or item["code"] in only:
            yield item["code"], path, [*item["loc"], "code"], "power"
        for code, loc in item["sub_codes"]:
            if only is None or code in only:
                yield code, path, loc, "power"
    for key, kind in (("negative_items", "negative"), ("measures", "measure"), ("regulations", "regulation")):
        for path, _f, item in index.each(key):
            if only is None or item["code"] in only:
                yield item["code"], path, item["loc"] if kind != "regulation" else [*item["loc"], "code"], kind


def _code_lists(index: Index) -> Iterator[list[str]]:
    """The codes of every coded record, in lists (power items and sub-items, negative-list items,
    measures: from the briefs; regulations: from the catalogues, which are context files)."""
    for b in index.briefs.values():
        powers = b.get("powers")
        if powers:
            yield powers["code"]
            yield powers["sub_code"]
        for key in ("negative_items", "measures"):
            if b.get(key):
                yield [code for code, _loc in b[key]]
    for f in index.facts.values():
        if f.get("regulations"):
            yield [r["code"] for r in f["regulations"]]


def _repeated_codes(index: Index) -> set[str]:
    """Codes of coded records used more than once (counted without building their places)."""
    seen: set[str] = set()
    count = 0
    for codes in _code_lists(index):
        seen.update(codes)
        count += len(codes)
    if len(seen) == count:
        return set()
    counts: Counter[str] = Counter()
    for codes in _code_lists(index):
        counts.update(codes)
    return {code for code, n in counts.items() if n > 1}


def _coded_in_briefs(index: Index, only: set[str]) -> Iterator[tuple[str, str, list]]:
    """(code, path, place) of the coded records with the codes ``only``, in the order of _coded."""
    for path, b in index.briefs.items():
        powers = b.get("powers")
        if not powers or (only.isdisjoint(powers["code"]) and only.isdisjoint(powers["sub_code"])):
            continue
        subs: dict[int, list[str]] = defaultdict(list)
        for i, code in zip(powers["sub_item"], powers["sub_code"]):
            subs[i].append(code)
        for i, code in enumerate(powers["code"]):
            if code in only:
                yield code, path, ["items", i, "code"]
            for j, sub in enumerate(subs.get(i, ())):
                if sub in only:
                    yield sub, path, ["items", i, "sub_items", j, "code"]
    for key in ("negative_items", "measures"):
        for path, b in index.briefs.items():
            for code, loc in b.get(key, ()):
                if code in only:
                    yield code, path, loc
    for path, _f, item in index.each("regulations"):
        if item["code"] in only:
            yield item["code"], path, [*item["loc"], "code"]


def unique_codes(index: Index) -> Iterator[Problem]:
    """Item, measure and regulation codes, source ids and region codes are each used once."""
    hint = "为新事项分配新的编码；编码永不复用，即使原事项已废止"
    # Only the repeated codes' records, in the same order: the first use of each is the one kept.
    repeated = _repeated_codes(index)
    if repeated:
        yield from _duplicates(index, _coded_in_briefs(index, repeated), "编码", hint)
    sources = ((s["id"], p, [*s["loc"], "id"]) for p, _f, s in index.each("sources"))
    yield from _duplicates(index, sources, "法律法规标识", "每部法律法规只登记一次；不同版本用不同的 id")
    regions = ((r["code"], p, [*r["loc"], "code"]) for p, _f, r in index.each("regions"))
    yield from _duplicates(index, regions, "行政区划代码", "每个行政区划只登记一次")


def _duplicates(index: Index, entries: Iterator[tuple[str, str, list]], what: str, hint: str) -> Iterator[Problem]:
    first: dict[str, tuple[str, list]] = {}
    for code, path, loc in entries:
        if code not in first:
            first[code] = (path, loc)
            continue
        where = index.prefix + first[code][0]
        yield index.problem("duplicate-code", f"{what} {code} 重复：已在 {where} 中使用", path, loc, hint)


def code_formats(index: Index) -> Iterator[Problem]:
    for code, path, loc, kind, match in index.codes:
        if match:
            continue
        hint = f"格式见 lists/site.yml 的 code_patterns.{kind}：{index.patterns[kind].pattern}"
        fixed = _INVISIBLE.sub("", unicodedata.normalize("NFKC", code)).replace(" ", "")
        if _FULL_WIDTH.search(code):
            hint = f"编码中含有全角字符或全角空格，请改为半角：{fixed}；" + hint
        elif _INVISIBLE.search(code):
            hint = f"编码中含有不可见字符，删除后为：{fixed}；" + hint
        yield index.problem("code-format", f"编码 {code} 不符合规定格式", path, loc, hint)


def code_regions(index: Index) -> Iterator[Problem]:
    with_region = {kind for kind, pattern in index.patterns.items() if "region" in pattern.groupindex}
    regions = {path: index.department_region(f) for path, f in index.facts.items()}
    for code, path, loc, kind, match in index.codes:
        region = regions[path]
        if not match or region is None or kind not in with_region or index.region_unknown(region):
            continue
        if match.group("region") != region:
            yield index.problem(
                "code-region", f"编码 {code} 的行政区划部分是 {match.group('region')}，但所在部门属于 {region}",
                path, loc, f"编码以 {region} 开头，或把事项移到对应地区的部门")


def code_types(index: Index) -> Iterator[Problem]:
    """The type letters in a power code (named group ``type``) agree with the item's power_type."""
    pattern = index.patterns["power"]
    if "type" not in pattern.groupindex:
        return
    letters = index.site.code_patterns.power_types
    known = "；".join(f"{k} {v} {POWER_TYPES[v]}" for k, v in letters.items())
    for path, _f, item in index.each("powers"):
        codes = [(item["code"], [*item["loc"], "code"]), *((c, loc) for c, loc in item["sub_codes"])]
        for code, loc in codes:
            match = pattern.match(code)
            if not match:
                continue  # code-format says why
            found = match.group("type")
            expected = letters.get(found)
            if expected is None:
                yield index.problem(
                    "code-type", f"编码 {code} 中的类型字母 {found} 不在 lists/site.yml 的 code_patterns.power_types 中",
                    path, loc, f"可用的类型字母：{known}")
            elif expected != item["type"]:
                right = next((k for k, v in letters.items() if v == item["type"]), None)
                fix = f"编码的类型字母应为 {right}（{POWER_TYPES[item['type']]}）" if right else ""
                yield index.problem(
                    "code-type", f"编码 {code} 中的 {found} 表示 {expected} {POWER_TYPES[expected]}，"
                    f"但权力类型 power_type 为 {item['type']} {POWER_TYPES[item['type']]}", path, loc,
                    (fix + "；或" if fix else "") + f"把 power_type 改为 \"{expected}\"；编码一经使用不再改动的，核对权力类型")


def departments(index: Index) -> Iterator[Problem]:
    for folder in sorted(index.folders):
        file = f"{folder}/department.yml"
        if file not in index.briefs:
            lists = sorted(p for p in index.briefs if department_of(p) == folder and kind_of(p) is not None)
            yield index.problem("department-missing", f"文件夹 {folder} 中有清单但没有 department.yml",
                                lists[0], [], f"新建 lists/{folder}/department.yml（可用 qingdan new department）")
            continue
        dept = index.facts[file].get("department")
        if dept is None:
            continue  # unreadable: its own problems say why
        if dept["id"] != folder:
            yield index.problem("department-id", f"部门标识 {dept['id']} 与文件夹名 {folder} 不同", file,
                                ["id"], f"把 id 改为 {folder}，或把文件夹改名为 {dept['id']}")
        if index.region_unknown(dept["region"]):
            close = _did_you_mean(dept["region"], sorted(index.regions))
            hint = (f"是不是 {'、'.join(close)}？" if close else "") + "行政区划须先在 lists/regions.yml 中登记"
            yield index.problem("unknown-region", f"行政区划 {dept['region']} 不在 lists/regions.yml 中",
                                file, ["region"], hint)


def department_refs(index: Index) -> Iterator[Problem]:
    def refs() -> Iterator[tuple[str, str, list]]:
        for path, _f, item in index.each("powers"):
            for dept, loc in item["departments"]:
                yield path, dept, loc
        for path, _f, (dept, loc) in index.each("department_refs"):
            yield path, dept, loc

    known = sorted(index.folders)
    for path, dept, loc in refs():
        if dept in index.folders:
            continue
        close = _did_you_mean(dept, known)
        hint = f"是不是 {'、'.join(close)}？" if close else "写部门文件夹的名称（部门标识）"
        if known and not close:
            hint += "，例如 " + known[0]
        yield index.problem("unknown-department", f"部门 {dept} 不存在（lists/ 下没有这个部门文件夹）",
                            path, loc, hint)


def cites(index: Index) -> Iterator[tuple[str, dict, dict | None]]:
    """(path, cite, the record that cites it) for every legal-basis citation."""
    for path, _f, item in index.each("powers"):
        for cite in item["cites"]:
            yield path, cite, item
    for path, _f, measure in index.each("measures"):
        for cite in measure["cites"]:
            yield path, cite, measure
    for path, _f, cite in index.each("cites"):
        yield path, cite, None


def legal_sources(index: Index) -> Iterator[Problem]:
    """Every citation resolves, and the source is in force when the citing record takes effect."""
    for path, cite, record in cites(index):
        found = index.sources.get(cite["source"])
        if found is None:
            if index.source_unknown(cite["source"]):
                yield _unknown_source(index, path, cite)
            continue
        if record is not None and not in_force(record.get("status")):
            continue
        source = found[1]
        title = f"《{source['title']}》（{source['id']}）"
        if source["status"] == "已废止":
            # As of the day of validation: a record in force today may not rest on a repealed
            # source, however long before the repeal it took effect.
            if source["repealed"] is None or index.today.isoformat() >= source["repealed"]:
                when = f"已于 {source['repealed']} 废止" if source["repealed"] else "已废止"
                yield index.problem("source-repealed", f"{title}{when}，不能作为在用事项的依据",
                                    path, cite["loc"], "改引现行有效的法律法规，或把事项标记为已废止")
        elif source["status"] == "已修改":
            yield index.problem("source-amended", f"{title}已被修改，请核对引用的条款", path, cite["loc"],
                                "核对条款序号和条文后，引用修改后的版本")


def unverified_sources(index: Index) -> Iterator[Problem]:
    """A source registered by import from a title alone (verified: false) waits for a person to check it."""
    for path, _f, source in index.each("sources"):
        if source.get("verified", True) is False:
            yield index.problem("source-unverified",
                                f"《{source['title']}》（{source['id']}）是导入时按书名自动登记的，尚未核实",
                                path, [*source["loc"], "verified"],
                                f"核对效力层级（现为 {source['level']}）、文号、公布和施行日期（国家法律法规数据库 "
                                "flk.npc.gov.cn 或发布机关网站），补上 document_number 等字段，然后删除 verified: false 这一行")


def _unknown_source(index: Index, path: str, cite: dict) -> Problem:
    close = _did_you_mean(cite["source"], sorted(index.sources))
    hint = f"是不是 {'、'.join(close)}？" if close else ""
    hint += "先在 lists/sources.yml 中登记该法律法规（或在地方性法规目录中收录），再引用它的 id"
    return index.problem("unknown-source", f"法律依据 {cite['source']} 不存在", path, cite["loc"], hint)


def measure_levels(index: Index) -> Iterator[Problem]:
    for path, _f, measure in index.each("measures"):
        for cite in measure["cites"]:
            found = index.sources.get(cite["source"])
            if found and found[1]["level"] not in MEASURE_LEVELS:
                yield index.problem(
                    "source-level", f"准入措施 {measure['code']} 以{found[1]['level']}《{found[1]['title']}》为依据",
                    path, cite["loc"], "负面清单措施的设立依据须为：" + "、".join(MEASURE_LEVELS))


def regions(index: Index) -> Iterator[Problem]:
    for path, _f, region in index.each("regions"):
        code, level, parent = region["code"], region["level"], region["parent"]
        loc = [*region["loc"], "code"]
        wrong = _region_code_error(code, level, parent)
        if wrong:
            yield index.problem("region-code", f"{level}级行政区划代码 {code}：{wrong}", path, loc,
                                "GB/T 2260 代码为 6 位半角数字，例如 520000 省级，520100 市级（上级 520000），"
                                "520102 县级（上级 520100）")
        elif parent and parent not in index.regions:
            yield index.problem("unknown-region", f"上级行政区划 {parent} 不在 lists/regions.yml 中", path,
                                [*region["loc"], "parent"], "先登记上级行政区划")


_SIX_DIGITS = re.compile(r"\d{6}", re.ASCII)


def _region_code_error(code: str, level: str, parent: str | None) -> str | None:
    if not _SIX_DIGITS.fullmatch(code):
        return "应为 6 位半角数字"
    if level == "省":
        return None if code.endswith("0000") else "省级代码应以 0000 结尾"
    if level == "市" and (not code.endswith("00") or code.endswith("0000")):
        return "市级代码应以 00 结尾（不能以 0000 结尾）"
    if level == "县" and code.endswith("00"):
        return "县级代码的最后两位不能是 00"
    prefix = code[:2] if level == "市" else code[:4]
    if parent and not parent.startswith(prefix):
        return f"前 {len(prefix)} 位 {prefix} 与上级 {parent} 不一致"
    return None


def uscc_check_char(first17: str) -> str:
    """The check character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def usccs(index: Index) -> Iterator[Problem]:
    for _folder, (path, dept) in sorted(index.departments.items()):
        uscc = dept["uscc"]
        if not _USCC.match(uscc):
            yield index.problem("uscc-format", f"{dept['name']}的统一社会信用代码 {uscc} {_uscc_error(uscc)}",
                                path, ["uscc"], _uscc_hint(uscc))
            continue
        expected = uscc_check_char(uscc[:17])
        if uscc[17] != expected:
            yield index.problem("uscc-checksum", f"统一社会信用代码 {uscc} 的校验位是 {uscc[17]}，按前 17 位计算应为 {expected}",
                                path, ["uscc"], "核对代码；部分早期试点代码确实如此，核对无误可保留")


def _uscc_error(uscc: str) -> str:
    bad = sorted({c for c in uscc if c not in USCC_ALPHABET})
    if bad:
        return "含有不允许的字符 " + "、".join(f"“{c}”" for c in bad)
    return f"有 {len(uscc)} 位，应为 18 位"


def _uscc_hint(uscc: str) -> str:
    fixed = unicodedata.normalize("NFKC", uscc).upper()
    hint = "核对登记证书上的代码：18 位，由数字和大写字母组成，不含 I、O、S、V、Z"
    if fixed != uscc and _USCC.match(fixed):
        return f"改为 {fixed}（字母大写、半角）；" + hint
    return hint


def consistency(index: Index) -> Iterator[Problem]:
    """同一事项同一标准: items sharing a base code in different regions agree (reported item by item).

    An error unless the site's ``inconsistent_item`` lowers it to a warning for a transition.
    """
    severity = index.site.inconsistent_item
    briefs = index.briefs
    for base, members in index.power_groups[0].items():
        region = members[0][2]
        if all(m[2] == region for m in members):
            continue
        # The reference is a record this change leaves alone, so a difference is reported where it was made.
        reference = next((m for m in members if m[0] not in index.changed), members[0])
        reference_path, r = reference[0], reference[1]
        theirs = briefs[reference_path]["powers"]
        a = (theirs["name"][r], theirs["type"][r], theirs["basis_sets"][theirs["basis"][r]])
        for member in members:
            if member is reference:
                continue
            path, i = member[0], member[1]
            powers = briefs[path]["powers"]
            found = differences(a, (powers["name"][i], powers["type"][i], powers["basis_sets"][powers["basis"][i]]))
            if found:
                yield index.problem(
                    "inconsistent-item",
                    f"事项 {powers['code'][i]} 与 {index.prefix}{reference_path} 中的 {theirs['code'][r]}"
                    f"（基本编码 {base}）不一致：" + "；".join(found),
                    path, ["items", i], "同一事项同一标准：统一名称、权力类型和设定依据，或为不同的事项分配不同的基本编码",
                    severity=severity)


def similar_items(index: Index) -> Iterator[Problem]:
    """The same name and power type under different base codes in different regions: one item, two codes?"""
    briefs = index.briefs
    seen: dict[tuple[str, str], PowerPlace] = {}
    for member in index.power_groups[1]:
        path, i, region, base = member[:4]
        powers = briefs[path]["powers"]
        first = seen.setdefault((powers["name"][i], powers["type"][i]), member)
        if first[3] != base and first[2] != region:
            yield index.problem(
                "similar-item",
                f"事项 {powers['code'][i]}（{powers['name'][i]}）与 {index.prefix}{first[0]} 中的 "
                f"{briefs[first[0]]['powers']['code'][first[1]]}"
                f"，名称和权力类型相同，基本编码却不同（{base}、{first[3]}）",
                path, ["items", i, "code"],
                f"同一事项使用同一基本编码 {first[3]}；确是不同事项的，修改事项名称以示区别")


def differences(a: tuple[str, str, tuple[str, ...]], b: tuple[str, str, tuple[str, ...]]) -> list[str]:
    """What differs between two items that share a base code, in Chinese (b's value first).

    Each item is (name, power type, setting sources as _legal_basis gives them).
    """
    out = []
    if a[0] != b[0]:
        out.append(f"事项名称为“{b[0]}”，对方为“{a[0]}”")
    if a[1] != b[1]:
        out.append(f"权力类型为 {b[1]}，对方为 {a[1]}")
    if a[2] != b[2]:
        out.append(f"设定依据为 {'、'.join(b[2]) or '（无）'}，对方为 {'、'.join(a[2]) or '（无）'}")
    return out


def _legal_basis(item: dict) -> tuple[str, ...]:
    """The sources of a main item's own 设定依据 (legal_basis): not 实施依据, 追责依据 or a sub-item's."""
    return tuple(sorted({c["source"] for c in item["cites"] if c["loc"][-3] == "legal_basis" and len(c["loc"]) == 5}))


def completeness(index: Index) -> Iterator[Problem]:
    """After each year's deadline, every department has published each list it owns, with a record.

    A department owns the power and responsibility lists, and a negative list or a regulation
    catalogue when it has that file or has ever recorded publishing one (so deleting the file
    does not end the duty).
    """
    for year, due, labels in _deadlines(index):
        if index.today <= due:
            continue
        for folder, (path, dept) in sorted(index.departments.items()):
            published = {(p["list"], p["year"]): p for p in dept["publications"]}
            recorded = {label for label, _year in published}
            for key, label in OWNED_LISTS:
                has_file = f"{folder}/{key}.yml" in index.briefs
                owned = key in ALWAYS_OWNED or has_file or label in recorded
                if label not in labels or not owned:
                    continue
                record = published.get((label, year))
                if not has_file and year == index.today.year:
                    yield index.problem("list-overdue", f"{dept['name']}未在公布期限 {due} 前公布{label}：没有 {key}.yml",
                                        path, [], f"添加 lists/{folder}/{key}.yml，并在 publications 中记下公布日期和文件")
                elif record is None:
                    yield index.problem(
                        "list-overdue", f"{dept['name']}未在公布期限 {due} 前公布{label}：没有 {year} 年的公布记录",
                        path, ["publications"] if dept["publications"] else [],
                        f"已公布的，在 lists/{folder}/department.yml 的 publications 中添加 "
                        f"{{list: {label}, year: {year}, date: YYYY-MM-DD, document: 公布文件及文号}}")
                elif record["date"] > due.isoformat():
                    yield index.problem("list-published-late", f"{dept['name']}的{year}年{label}于 {record['date']} 公布，"
                                        f"晚于公布期限 {due}", path, record["loc"], "核对公布日期；确实逾期的，记录如实保留")


def _deadlines(index: Index) -> list[tuple[int, dt.date, set[str]]]:
    """(year, deadline, list labels) of every year whose deadline the site sets, up to this year."""
    labels = {label for _key, label in OWNED_LISTS}
    found = {d.year: (d.year, d.date, set(d.lists)) for d in index.site.publication_deadlines
             if d.year <= index.today.year}
    recurring = _deadline(index.site.publication_deadline, index.today.year)
    if recurring is not None and index.today.year not in found:
        found[index.today.year] = (index.today.year, recurring, labels)
    return [found[year] for year in sorted(found)]


def _deadline(month_day: str | None, year: int) -> dt.date | None:
    """MM-DD in ``year``; 02-29 in a common year is 02-28, and a day past the month's end its last day."""
    match = re.fullmatch(r"(\d{2})-(\d{2})", month_day or "", re.ASCII)
    if not match:
        return None
    month, day = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12 or day < 1:
        return None
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    return min(dt.date(year, month, 1) + dt.timedelta(days=day - 1), next_month - dt.timedelta(days=1))


def regulations(index: Index) -> Iterator[Problem]:
    industries = index.site.industries
    for path, _f, reg in index.each("regulations"):
        loc = reg["loc"]
        title = f"《{reg['title']}》"
        dates = [(k, reg[k]) for k in ("adopted", "approved", "promulgated", "effective") if reg[k]]
        for (k1, d1), (k2, d2) in zip(dates, dates[1:]):
            if d1 > d2:
                yield index.problem("regulation-dates", f"{title}的{_DATE_LABEL[k1]} {d1} 晚于{_DATE_LABEL[k2]} {d2}",
                                    path, [*loc, k2], "应为 通过日期 ≤ 批准日期 ≤ 公布日期 ≤ 施行日期；核对题注中的日期")
        if reg["industry"] not in industries:
            close = _did_you_mean(reg["industry"].upper(), list(industries))
            hint = f"是不是 {close[0]}（{industries[close[0]]}）？" if close else ""
            yield index.problem("regulation-industry", f"{title}的行业分类 {reg['industry']} 不在 lists/site.yml 的 industries 中",
                                path, [*loc, "industry"],
                                hint + "可选：" + "；".join(f"{k} {v}" for k, v in industries.items()))
        problem = _validity_problem(reg)
        if problem:
            yield index.problem("regulation-validity", f"{title}{problem[0]}", path, [*loc, problem[1]], problem[2])


def _validity_problem(reg: dict) -> tuple[str, str, str] | None:
    """(message, field, hint) when 时效性 contradicts 清理结果 or lacks its repeal date."""
    result, validity = reg["result"], reg["validity"]
    if result in ENDED and validity != "已废止":
        return (f"的清理结果为 {result}，时效性却为 {validity}", "validity",
                "清理结果为 废止 时，时效性写 已废止，并填写废止日期 repealed")
    if validity == "已废止" and result not in ENDED:
        return (f"的时效性为 已废止，清理结果却为 {result}", "validity",
                "已废止的法规，清理结果写 废止；仍要保留或修改的，时效性写 现行有效 或 已修改")
    if validity == "已废止" and not reg["repealed"]:
        return "已废止，但没有填写废止日期", "validity", "填写 repealed: YYYY-MM-DD"
    if validity == "已修改" and not reg.get("superseded_by"):
        return ("的时效性为 已修改，但没有写明被哪一版本取代", "validity",
                "已修改 指已被新版本取代的旧文本：填写 superseded_by（新版本的法规编码）；"
                "本条记录就是修改后的现行文本的，时效性写 现行有效，修改经过写在 amendments 中")
    return None


def cleanup_bases(index: Index) -> Iterator[Problem]:
    """修改, 废止 and 宣布失效 name the deciding document, its number and its date."""
    labels = {"decision": "决定文件", "decision_number": "决定文号", "decision_date": "决定日期"}
    for path, _f, reg in index.each("regulations"):
        for loc, cleanup in reg["cleanups"]:
            if cleanup["result"] == "保留":
                continue
            missing = [label for key, label in labels.items() if not cleanup.get(key)]
            if missing:
                yield index.problem(
                    "cleanup-basis", f"《{reg['title']}》的清理结果为 {cleanup['result']}，但没有写明{'、'.join(missing)}",
                    path, [*loc, "result"],
                    "在 cleanup 中写明 decision（如 示例省人民代表大会常务委员会关于废止部分地方性法规的决定）、"
                    "decision_number（公告号或政府令号）和 decision_date（YYYY-MM-DD）")



# Who may set what (DOMAIN.md §6): power type -> levels whose norms may be its 设定依据.
_LAWS = ("法律", "行政法规", "地方性法规", "自治条例", "单行条例")
SETTING_LEVELS: dict[str, tuple[tuple[str, ...], str]] = {
    "01": (_LAWS + ("国务院决定",), "行政许可法第十四条至第十七条"),
    "02": (_LAWS + ("部门规章", "地方政府规章"), "行政处罚法第十条至第十四条"),
    "03": (_LAWS, "行政强制法第九条至第十一条"),
}


def basis_levels(index: Index) -> Iterator[Problem]:
    """A 设定依据 (legal_basis of an item or a sub-item) at a level that may not set that kind of power."""
    for path, _f, item in index.each("powers"):
        if item["type"] not in SETTING_LEVELS or not in_force(item.get("status")):
            continue
        allowed, article = SETTING_LEVELS[item["type"]]
        if item["type"] == "01" and item.get("provisional"):
            allowed = (*allowed, "地方政府规章")  # 第十五条: a provisional licence by a provincial rule
        for cite in item["cites"]:
            found = index.sources.get(cite["source"])
            if cite["loc"][-3] != "legal_basis" or found is None or found[1]["level"] in allowed:
                continue
            source = found[1]
            kind = POWER_TYPES[item["type"]]
            yield index.problem(
                "basis-level",
                f"{source['level']}《{source['title']}》不能设定{kind}（{article}），不能作为事项 {item['code']} 的设定依据",
                path, cite["loc"],
                f"把这条依据移到 implementation_basis（实施依据）；设定依据写能设定{kind}的：{'、'.join(allowed)}"
                + ("；省级政府规章设定的临时性许可写 provisional: true" if item["type"] == "01" else ""))


def implementing_bodies(index: Index) -> Iterator[Problem]:
    """实施主体 by name agrees with 实施主体性质: named for 授权组织 and 受委托组织, absent for 法定机关."""
    for path, _f, item in index.each("powers"):
        nature, body = item.get("body_nature"), item.get("implementing_body")
        if nature in ("授权组织", "受委托组织") and not body:
            yield index.problem(
                "implementing-body", f"事项 {item['code']} 的实施主体性质为 {nature}，但没有写实施主体名称",
                path, [*item["loc"], "body_nature"],
                f"填写 implementing_body，例如 示例市社会保险事业管理中心；由本部门依法实施的，实施主体性质写 法定机关")
        elif nature == "法定机关" and body:
            yield index.problem(
                "implementing-body", f"事项 {item['code']} 写了实施主体 {body}，实施主体性质却是 法定机关（即本部门）",
                path, [*item["loc"], "implementing_body"],
                "由其他组织实施的，body_nature 写 授权组织 或 受委托组织；由本部门实施的，删除 implementing_body")


def successions(index: Index) -> Iterator[Problem]:
    """Codes merged or split into successors are never used again, and named successors exist."""
    adjusted = [(path, b["powers"], i, adjustments) for path, b in index.briefs.items() if b.get("powers")
                for i, adjustments in b["powers"]["adjusted"]]
    if not adjusted:
        return
    # Where each code named by an adjustment stands (its last use, as a map of every item would say).
    named = {code for _p, _w, _i, adjustments in adjusted for a in adjustments for code in (*a["from_codes"], *a["to_codes"])}
    items: dict[str, tuple[str, dict, int]] = {}
    for path, b in index.briefs.items():
        powers = b.get("powers")
        if powers and not named.isdisjoint(powers["code"]):
            for i, code in enumerate(powers["code"]):
                if code in named:
                    items[code] = (path, powers, i)
    for path, powers, i, adjustments in adjusted:
        code_here = powers["code"][i]
        for adjustment in adjustments:
            for code in adjustment["from_codes"]:
                if code == code_here or code not in items:
                    continue
                other_path, other, j = items[code]
                if in_force(other["status"][j]):
                    yield index.problem(
                        "code-reused", f"编码 {code} 已{adjustment['kind']}为 {code_here}，"
                        f"却仍在 {index.prefix}{other_path} 中作为在用事项的编码",
                        other_path, ["items", j, "code"],
                        "合并、拆分前的编码不再使用：删除或废止原事项；新事项另取新编码")
            for k, code in enumerate(adjustment["to_codes"]):
                if code not in items:
                    yield index.problem(
                        "unknown-successor", f"事项 {code_here} {adjustment['kind']}后的去向事项 {code} 不存在",
                        path, [*adjustment["loc"], "to_codes", k], "写承接本事项的现有事项编码，或先添加新事项")


def local_measures(index: Index) -> Iterator[Problem]:
    """全国一张清单: a local measure exists only where the national list provides for it."""
    for path, _f, measure in index.each("measures"):
        if measure.get("scope") == "地方" and not measure.get("national_entry"):
            yield index.problem(
                "local-measure", f"地方性措施 {measure['code']} 没有写明全国清单中对应的地方性许可措施",
                path, measure["loc"][:-1] + ["scope"],
                "填写 national_entry（全国清单“地方性许可措施”一栏所列的该措施）；全国清单未列明的，地方不得自行增设措施")


def superseded_versions(index: Index) -> Iterator[Problem]:
    """A superseded text (已修改) names a version in the catalogue."""
    known = {reg["code"] for _p, _f, reg in index.each("regulations")}
    for path, _f, reg in index.each("regulations"):
        newer = reg.get("superseded_by")
        if newer and newer not in known and index.regulations_known:
            yield index.problem(
                "regulation-validity", f"《{reg['title']}》被取代于 {newer}，但目录中没有这个法规编码",
                path, [*reg["loc"], "superseded_by"], "写目录中新版本的法规编码（code）")

_DATE_LABEL = {"adopted": "通过日期", "approved": "批准日期", "promulgated": "公布日期", "effective": "施行日期"}

RULES: tuple[Rule, ...] = (
    unique_codes, code_formats, code_regions, code_types, departments, department_refs, legal_sources,
    unverified_sources, measure_levels, regions, usccs, consistency, similar_items, completeness, regulations,
    cleanup_bases, basis_levels, implementing_bodies, successions, local_measures, superseded_versions,
)


# Rules whose problems about a file depend only on that file's facts and on the context every file
# shares: the files named by is_context, which files there are, the day, the prefix and the law
# catalogue. The validator runs them file by file (Index.only) and caches each file's results under
# a fingerprint of that context (validate/across.py); the other rules read every file on every run.
PER_FILE: frozenset[Rule] = frozenset({
    code_formats, code_regions, code_types, department_refs, legal_sources, unverified_sources, measure_levels,
    regions, regulations, cleanup_bases, basis_levels, implementing_bodies, local_measures,
})
_CONTEXT_KINDS = ("site", "regions", "sources", "department", "regulations")


def is_context(relpath: str) -> bool:
    """True for a file whose facts rules read when judging other files (site, regions, sources,
    departments, regulation catalogues: Index.site, .regions, .departments, .sources)."""
    kind = kind_of(relpath)
    return kind is not None and kind.key in _CONTEXT_KINDS


def run(index: Index) -> list[Problem]:
    """Every problem every rule finds."""
    return [problem for rule in RULES for problem in rule(index)]
