"""Rules across records: each rule reads the facts of every file and yields problems.

A rule is a plain generator over an :class:`Index`; the list ``RULES`` is the
order they run in. Problems carry the record path; lines are filled in later,
only for the files that have problems.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from .model.site import SiteConfig
from .problems import Problem

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC = re.compile(f"^[{USCC_ALPHABET}]{{18}}$")
_FULL_WIDTH = re.compile("[\u3000\uff01-\uff5e]")
MEASURE_LEVELS = ("法律", "行政法规", "国务院决定", "地方性法规")
REQUIRED_LISTS = (("powers", "权力清单"), ("responsibilities", "责任清单"))


@dataclass
class Index:
    """Everything the rules look at: the facts of every file, by path under lists/."""

    facts: dict[str, dict[str, Any]]
    today: dt.date = field(default_factory=dt.date.today)
    prefix: str = "lists/"

    def __post_init__(self) -> None:
        site = next((f["site"] for f in self.facts.values() if "site" in f), None)
        self.site = SiteConfig.model_validate(site) if site else SiteConfig(name="qingdan")
        self.patterns = {
            name: re.compile(getattr(self.site.code_patterns, name))
            for name in ("power", "negative", "measure", "regulation")
        }
        self.departments = {
            f["department"]["id"]: (path, f["department"])
            for path, f in self.facts.items() if "department" in f
        }
        self.regions = {r["code"]: (path, r) for path, f in self.facts.items() for r in f.get("regions", ())}
        self.sources: dict[str, tuple[str, dict]] = {}
        for path, f in self.facts.items():
            for s in f.get("sources", ()):
                self.sources.setdefault(s["id"], (path, s))
            for r in f.get("regulations", ()):
                self.sources.setdefault(r["code"], (path, _regulation_as_source(r)))

    def each(self, key: str) -> Iterator[tuple[str, dict[str, Any], Any]]:
        """(path, facts of the file, entry) for every entry of ``key`` in every file."""
        for path, f in self.facts.items():
            for entry in f.get(key, ()):
                yield path, f, entry

    def problem(self, code: str, message: str, path: str, loc: list, hint: str = "") -> Problem:
        return Problem(code, message, self.prefix + path, tuple(loc), hint)

    def department_region(self, f: dict[str, Any]) -> str | None:
        found = self.departments.get(f.get("department_folder") or "")
        return found[1]["region"] if found else None


def _regulation_as_source(r: dict) -> dict:
    return {"id": r["code"], "title": r["title"], "level": "地方性法规", "status": r["validity"],
            "repealed": r["repealed"]}


Rule = Callable[[Index], Iterator[Problem]]


def _all_codes(index: Index) -> Iterator[tuple[str, str, list, str]]:
    """(code, path, loc, pattern name) of every coded record."""
    for path, _f, item in index.each("powers"):
        yield item["code"], path, [*item["loc"], "code"], "power"
        for code, loc in item["sub_codes"]:
            yield code, path, loc, "power"
    for path, _f, item in index.each("negative_items"):
        yield item["code"], path, item["loc"], "negative"
    for path, _f, item in index.each("measures"):
        yield item["code"], path, item["loc"], "measure"
    for path, _f, item in index.each("regulations"):
        yield item["code"], path, [*item["loc"], "code"], "regulation"


def unique_codes(index: Index) -> Iterator[Problem]:
    first: dict[str, tuple[str, list]] = {}
    for code, path, loc, _kind in _all_codes(index):
        if code in first:
            where = index.prefix + first[code][0]
            yield index.problem("duplicate-code", f"编码 {code} 已在 {where} 中使用", path, loc,
                                "为新事项分配新的编码；编码永不复用，即使原事项已废止")
        else:
            first[code] = (path, loc)


def code_formats(index: Index) -> Iterator[Problem]:
    for code, path, loc, kind in _all_codes(index):
        if index.patterns[kind].match(code):
            continue
        hint = f"格式见 lists/site.yml 的 code_patterns.{kind}：{index.patterns[kind].pattern}"
        if _FULL_WIDTH.search(code):
            hint = "编码中含有全角字符或全角空格，请改为半角；" + hint
        yield index.problem("code-format", f"编码 {code} 不符合规定格式", path, loc, hint)


def code_regions(index: Index) -> Iterator[Problem]:
    for code, path, loc, kind in _all_codes(index):
        match = index.patterns[kind].match(code)
        region = index.department_region(index.facts[path])
        if not match or region is None or "region" not in match.groupdict():
            continue
        if match.group("region") != region:
            yield index.problem(
                "code-region", f"编码 {code} 的行政区划部分是 {match.group('region')}，但所在部门属于 {region}",
                path, loc, f"编码以 {region} 开头，或把事项移到对应地区的部门")


def departments(index: Index) -> Iterator[Problem]:
    folders = {f["department_folder"] for f in index.facts.values() if f.get("department_folder")}
    for folder in sorted(folders):
        found = index.departments.get(folder)
        file = f"{folder}/department.yml"
        if file not in index.facts:
            lists = sorted(p for p, f in index.facts.items() if f.get("department_folder") == folder)
            yield index.problem("department-missing", f"文件夹 {folder} 中有清单但没有 department.yml",
                                lists[0], [], f"新建 lists/{folder}/department.yml（可用 qingdan new department）")
            continue
        dept = index.facts[file].get("department")
        if dept and dept["id"] != folder:
            yield index.problem("department-id", f"部门标识 {dept['id']} 与文件夹名 {folder} 不同", file,
                                ["id"], f"把 id 改为 {folder}，或把文件夹改名为 {dept['id']}")
        if found and dept and dept["region"] not in index.regions:
            yield index.problem("unknown-region", f"行政区划 {dept['region']} 不在 lists/regions.yml 中",
                                file, ["region"], "先在 lists/regions.yml 中添加该行政区划")


def department_refs(index: Index) -> Iterator[Problem]:
    def refs() -> Iterator[tuple[str, str, list]]:
        for path, _f, item in index.each("powers"):
            for dept, loc in item["departments"]:
                yield path, dept, loc
        for path, _f, (dept, loc) in index.each("department_refs"):
            yield path, dept, loc

    for path, dept, loc in refs():
        if dept not in index.departments:
            yield index.problem("unknown-department", f"部门 {dept} 不存在", path, loc,
                                "写部门文件夹的名称（部门标识），例如 " + (next(iter(index.departments), "520000-scjgj")))


def _cites(index: Index) -> Iterator[tuple[str, dict, dict | None]]:
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
    for path, cite, record in _cites(index):
        found = index.sources.get(cite["source"])
        if found is None:
            close = [s for s in index.sources if cite["source"] in s or s in cite["source"]][:3]
            hint = f"是不是 {'、'.join(close)}？" if close else "先在 lists/sources.yml 中登记该法律法规，再引用它的 id"
            yield index.problem("unknown-source", f"法律依据 {cite['source']} 不存在", path, cite["loc"], hint)
            continue
        source = found[1]
        in_force = record is None or record.get("status") in ("在用", "有效")
        if not in_force:
            continue
        title = f"《{source['title']}》"
        if source["status"] == "已废止":
            on = record.get("effective") if record else None
            if source["repealed"] is None or on is None or on >= source["repealed"]:
                when = f"于 {source['repealed']} " if source["repealed"] else ""
                yield index.problem("source-repealed", f"{title}{when}已废止，不能作为在用事项的依据",
                                    path, cite["loc"], "改引现行有效的法律法规，或把事项标记为已废止")
        elif source["status"] == "已修改":
            yield index.problem("source-amended", f"{title}已被修改，请核对引用的条款", path, cite["loc"],
                                "核对条款序号和条文后，引用修改后的版本")


def measure_levels(index: Index) -> Iterator[Problem]:
    for path, _f, measure in index.each("measures"):
        for cite in measure["cites"]:
            found = index.sources.get(cite["source"])
            if found and found[1]["level"] not in MEASURE_LEVELS:
                yield index.problem(
                    "source-level", f"准入措施 {measure['code']} 以{found[1]['level']}《{found[1]['title']}》为依据",
                    path, cite["loc"], "设立依据须为：" + "、".join(MEASURE_LEVELS))


def regions(index: Index) -> Iterator[Problem]:
    for path, _f, region in index.each("regions"):
        code, level, parent = region["code"], region["level"], region["parent"]
        loc = [*region["loc"], "code"]
        wrong = _region_code_error(code, level, parent)
        if wrong:
            yield index.problem("region-code", f"行政区划代码 {code}：{wrong}", path, loc,
                                "例如 520000 示例省，520100 示例市（上级 520000），520102 区县（上级 520100）")
        elif parent and parent not in index.regions:
            yield index.problem("unknown-region", f"上级行政区划 {parent} 不在 lists/regions.yml 中", path,
                                [*region["loc"], "parent"], "先登记上级行政区划")


def _region_code_error(code: str, level: str, parent: str | None) -> str | None:
    if not re.fullmatch(r"\d{6}", code):
        return "应为 6 位数字"
    if level == "省":
        return None if code.endswith("0000") else "省级代码应以 0000 结尾"
    if level == "市" and (not code.endswith("00") or code.endswith("0000")):
        return "市级代码应以 00 结尾（不能以 0000 结尾）"
    if level == "县" and code.endswith("00"):
        return "县级代码的最后两位不能是 00"
    prefix = code[:2] if level == "市" else code[:4]
    if parent and not parent.startswith(prefix):
        return f"前缀 {prefix} 与上级 {parent} 不一致"
    return None


def uscc_check_char(first17: str) -> str:
    """The check character of a 统一社会信用代码 (GB 32100-2015)."""
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def usccs(index: Index) -> Iterator[Problem]:
    for dept_id, (path, dept) in index.departments.items():
        uscc = dept["uscc"]
        if not _USCC.match(uscc):
            bad = sorted({c for c in uscc if c not in USCC_ALPHABET})
            detail = f"含有不允许的字符 {'、'.join(bad)}" if bad else f"长度为 {len(uscc)}，应为 18"
            yield index.problem("uscc-format", f"{dept['name']} 的统一社会信用代码 {uscc} {detail}", path,
                                ["uscc"], "核对营业执照或登记证书上的代码（不含 I、O、S、V、Z）")
            continue
        expected = uscc_check_char(uscc[:17])
        if uscc[17] != expected:
            yield index.problem("uscc-checksum", f"统一社会信用代码 {uscc} 的校验位是 {uscc[17]}，按前 17 位计算应为 {expected}",
                                path, ["uscc"], "核对代码；部分早期试点代码确实如此，可保留")


def consistency(index: Index) -> Iterator[Problem]:
    groups: dict[str, list[tuple[str, dict, str]]] = defaultdict(list)
    pattern = index.patterns["power"]
    for path, f, item in index.each("powers"):
        match = pattern.match(item["code"])
        if not match or "base" not in match.groupdict() or item["status"] != "在用":
            continue
        groups[match.group("base")].append((path, item, index.department_region(f) or ""))
    for base, members in groups.items():
        if len({region for _p, _i, region in members}) < 2:
            continue
        reference_path, reference, _ = members[0]
        for path, item, _region in members[1:]:
            found = differences(reference, item)
            if found:
                yield index.problem(
                    "inconsistent-item",
                    f"事项 {item['code']} 与 {reference['code']}（基本编码 {base}）不一致：" + "；".join(found),
                    path, item["loc"], "统一名称、权力类型和设定依据，或为不同的事项分配不同的基本编码")


def differences(a: dict, b: dict) -> list[str]:
    """What differs between the facts of two items that share a base code, in Chinese."""
    out = []
    if a["name"] != b["name"]:
        out.append(f"事项名称 “{a['name']}” ≠ “{b['name']}”")
    if a["type"] != b["type"]:
        out.append(f"权力类型 {a['type']} ≠ {b['type']}")
    basis_a = sorted({c["source"] for c in a["cites"]})
    basis_b = sorted({c["source"] for c in b["cites"]})
    if basis_a != basis_b:
        out.append(f"设定依据 {'、'.join(basis_a)} ≠ {'、'.join(basis_b)}")
    return out


def completeness(index: Index) -> Iterator[Problem]:
    deadline = index.site.publication_deadline
    if not deadline or not re.fullmatch(r"\d{2}-\d{2}", deadline):
        return
    due = dt.date.fromisoformat(f"{index.today.year}-{deadline}")
    if index.today <= due:
        return
    for dept_id, (path, dept) in sorted(index.departments.items()):
        for key, label in REQUIRED_LISTS:
            if f"{dept_id}/{key}.yml" not in index.facts:
                yield index.problem("list-overdue", f"{dept['name']} 未在 {due} 前公布{label}", path, [],
                                    f"添加 lists/{dept_id}/{key}.yml")


def regulations(index: Index) -> Iterator[Problem]:
    industries = index.site.industries
    for path, _f, reg in index.each("regulations"):
        loc = reg["loc"]
        dates = [(k, reg[k]) for k in ("adopted", "approved", "promulgated", "effective") if reg[k]]
        for (k1, d1), (k2, d2) in zip(dates, dates[1:]):
            if d1 > d2:
                yield index.problem("regulation-dates", f"《{reg['title']}》的{_DATE_LABEL[k1]} {d1} 晚于{_DATE_LABEL[k2]} {d2}",
                                    path, [*loc, k2], "核对题注中的通过、批准、公布和施行日期")
        if reg["industry"] not in industries:
            yield index.problem("regulation-industry", f"《{reg['title']}》的行业分类 {reg['industry']} 不在目录中",
                                path, [*loc, "industry"], "可选：" + "、".join(f"{k} {v}" for k, v in industries.items()))
        repealed_result = reg["result"] == "废止"
        repealed_validity = reg["validity"] == "已废止"
        if repealed_result != repealed_validity or (repealed_validity and not reg["repealed"]):
            yield index.problem("regulation-validity",
                                f"《{reg['title']}》的清理结果为 {reg['result']}，时效性为 {reg['validity']}"
                                + ("，但没有废止日期" if repealed_validity and not reg["repealed"] else ""),
                                path, [*loc, "validity"], "清理结果为 废止 时，时效性写 已废止 并填写 repealed 日期")


_DATE_LABEL = {"adopted": "通过日期", "approved": "批准日期", "promulgated": "公布日期", "effective": "施行日期"}

RULES: tuple[Rule, ...] = (
    unique_codes, code_formats, code_regions, departments, department_refs, legal_sources,
    measure_levels, regions, usccs, consistency, completeness, regulations,
)


def run(index: Index) -> list[Problem]:
    """Every problem every rule finds."""
    return [problem for rule in RULES for problem in rule(index)]
