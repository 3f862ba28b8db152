"""Synthetic lists: a complete, valid lists/ tree of any size, for benchmarks and tests.

The tree looks like real data (sub-items, two quoted legal bases, five
responsibility stages, three accountability cases per item; about 1.5 KB of
YAML per item) and is byte-identical for a given size and seed. The YAML is
written as text from templates, because a general emitter would make writing
100,000 items take minutes instead of seconds.

Every value is chosen by integer hashing (never ``hash()``, which changes
between runs). What an item says depends only on its type and base code, so
the items that regions share under one base code are the same item
(同一事项同一标准) and the consistency rule stays quiet.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import QingdanError
from ..files import staged_folder
from ..rules import SETTING_LEVELS, USCC_ALPHABET, uscc_check_char

MARKER = "# 由 qingdan synth 生成的合成数据，不是真实清单。\n"

PROVINCE = ("990000", "示例省")
CITIES = (
    ("990100", "东川市"), ("990200", "西岭市"), ("990300", "南湖市"), ("990400", "北原市"),
    ("990500", "青山市"), ("990600", "白水市"), ("990700", "金沙市"), ("990800", "云台市"),
)
REGIONS = (PROVINCE, *CITIES)

ITEMS_PER_DEPARTMENT = 1100  # on average; files hold roughly 330 to 1,900 items
MAX_BASE = 99_999  # five digits of the base code

# (id suffix, name in the province, name in a city). The first one keeps the
# regulation catalogue, as the justice departments lead the clean-up.
DEPARTMENTS = (
    ("sft", "司法厅", "司法局"), ("fgw", "发展和改革委员会", "发展和改革委员会"),
    ("scjgj", "市场监督管理局", "市场监督管理局"), ("sthjt", "生态环境厅", "生态环境局"),
    ("jtyst", "交通运输厅", "交通运输局"), ("zrzyt", "自然资源厅", "自然资源和规划局"),
    ("zjt", "住房和城乡建设厅", "住房和城乡建设局"), ("wjw", "卫生健康委员会", "卫生健康局"),
    ("jyt", "教育厅", "教育局"), ("nynct", "农业农村厅", "农业农村局"), ("slt", "水利厅", "水务局"),
    ("whlyt", "文化和旅游厅", "文化广电旅游局"), ("yjglt", "应急管理厅", "应急管理局"),
    ("rst", "人力资源和社会保障厅", "人力资源和社会保障局"), ("mzt", "民政厅", "民政局"),
    ("swt", "商务厅", "商务局"), ("lyj", "林业局", "林业局"), ("gat", "公安厅", "公安局"),
)

# (code, prefix of the base code, weight): penalties dominate real power lists.
POWER_TYPES = (
    ("01", "XK", 10), ("02", "CF", 55), ("03", "QZ", 6), ("04", "ZS", 2), ("05", "GF", 2),
    ("06", "JC", 10), ("07", "QR", 4), ("08", "JL", 2), ("09", "CJ", 1), ("10", "QT", 5),
    ("20", "GG", 3),
)
_TYPE_WHEEL = tuple(i for i, (_c, _p, weight) in enumerate(POWER_TYPES) for _ in range(weight))

SUBJECTS = (
    "食品生产", "食品经营", "药品零售", "医疗器械经营", "特种设备使用", "计量器具制造", "广告发布",
    "建设工程施工", "城镇排水", "道路货物运输", "机动车维修", "危险化学品经营", "烟花爆竹批发",
    "娱乐场所经营", "民办学校办学", "出版物发行", "林木采伐", "取水", "河道采砂", "排污",
    "建筑垃圾处置", "户外广告设置", "燃气经营", "水产苗种生产", "农作物种子生产经营", "兽药经营",
    "饲料生产", "人力资源服务", "劳务派遣", "旅行社经营", "网络预约出租汽车经营", "医疗机构执业",
    "放射诊疗", "公共场所卫生", "粮食收购", "农药经营", "测绘活动", "地质勘查", "房地产开发经营",
    "物业服务", "养老机构运营", "殡葬服务", "拍卖", "二手车交易市场经营", "成品油零售",
    "校外培训", "文物保护工程", "气象探测", "港口经营", "水路运输",
)

NAMES = {
    "01": ("{s}许可", "{s}审批", "{s}许可证核发", "{s}许可变更和延续"),
    "02": ("对未经许可擅自从事{s}活动的行政处罚", "对{s}单位未按规定建立管理制度的行政处罚",
           "对{s}中提供虚假材料骗取许可的行政处罚", "对{s}中拒绝、阻碍监督检查的行政处罚",
           "对{s}中未按规定公示信息的行政处罚", "对{s}中超出许可范围从事活动的行政处罚"),
    "03": ("查封、扣押与违法{s}活动有关的场所、设施或者财物", "对违法{s}活动的代履行",
           "责令暂停违法{s}活动"),
    "04": ("{s}有关费用征收", "{s}相关补偿费征收"),
    "05": ("{s}从业人员补助发放", "{s}经营主体奖补资金给付"),
    "06": ("对{s}活动的监督检查", "对{s}单位的日常检查", "对{s}活动的专项检查"),
    "07": ("{s}资格确认", "{s}登记"),
    "08": ("对{s}工作中成绩显著的单位和个人的奖励", "对举报违法{s}行为有功人员的奖励"),
    "09": ("{s}有关纠纷的裁决",),
    "10": ("{s}备案", "{s}年度报告公示"),
    "20": ("{s}政策咨询", "{s}信息查询服务"),
}

LOCAL_LABELS = {"10": "其他职权", "20": "公共服务"}

BASIS_TEXTS = (
    "从事{s}活动，应当依法取得许可；未取得许可的，不得从事{s}活动。",
    "{s}单位违反本法规定的，由有关主管部门责令改正，给予警告；拒不改正的，处一万元以上十万元以下罚款。",
    "县级以上人民政府有关主管部门应当加强对{s}活动的监督检查，依法查处违法行为。",
    "有关主管部门对{s}活动进行监督检查时，可以进入现场检查，查阅、复制有关资料。",
)

STAGES = {
    "default": (
        ("受理", "公示应当提交的材料，一次性告知补正内容，依法受理或者不予受理{s}申请。"),
        ("审查", "审查{s}申请材料，需要现场核查的，指派两名以上工作人员核查。"),
        ("决定", "在法定期限内作出准予或者不予{s}的决定，不予批准的说明理由。"),
        ("送达", "依法送达{s}有关文书或者证件，公开办理结果。"),
        ("事后监管", "开展{s}事中事后监管，依法处理检查中发现的问题。"),
    ),
    "02": (
        ("立案", "对涉及{s}的违法行为线索初步核实后，决定是否立案。"),
        ("调查取证", "两名以上执法人员调查，收集与{s}违法行为有关的证据。"),
        ("审理告知", "审查案件事实和证据，告知当事人拟处罚的事实、理由、依据和权利。"),
        ("决定", "依法作出行政处罚决定，重大案件经负责人集体讨论决定。"),
        ("送达执行", "送达行政处罚决定书，当事人逾期不履行的依法申请强制执行。"),
    ),
    "06": (
        ("检查计划", "按照双随机、一公开的要求制定{s}监督检查计划。"),
        ("实施检查", "出示执法证件，依法检查{s}单位，如实记录检查情况。"),
        ("处置", "对检查中发现的{s}违法行为，依法责令改正或者立案查处。"),
        ("信息公开", "依法公开{s}检查结果，归集到信用信息共享平台。"),
        ("事后监管", "对问题较多的{s}单位增加检查频次，督促整改。"),
    ),
}

CASES = (
    "对符合法定条件的{s}申请不予受理或者不在法定期限内作出决定的；",
    "对不符合法定条件的申请人违法办理{s}事项的；",
    "在{s}监督管理中玩忽职守、滥用职权、徇私舞弊的；",
)

ARTICLES = ("第{n}条", "第{n}条第一款", "第{n}条第二款", "第{n}条第一款第（{k}）项")

SOURCE_LEVELS = (
    # (level, id prefix, title template, document number template)
    ("法律", "law", "中华人民共和国{t}法", "主席令第{n}号"),
    ("行政法规", "reg", "{t}管理条例", "国务院令第{n}号"),
    ("国务院决定", "dec", "国务院关于{t}改革的决定", "国发〔{y}〕{n}号"),
    ("部门规章", "rule", "{t}监督管理办法", "部令第{n}号"),
    ("地方性法规", "local", "示例省{t}条例", "示例省人民代表大会常务委员会公告第{n}号"),
)
SOURCE_TOPICS = (
    "食品安全", "药品管理", "特种设备安全", "计量", "广告", "建筑", "城乡规划", "道路运输",
    "安全生产", "消防", "教育", "出版", "森林", "水", "环境保护", "大气污染防治", "固体废物污染环境防治",
    "城市燃气", "渔业", "种子", "兽药", "饲料", "就业促进", "劳动合同", "旅游", "医师", "基本医疗卫生",
    "粮食安全", "农药", "测绘", "矿产资源", "城市房地产管理", "物业管理", "老年人权益保障", "殡葬",
    "拍卖", "商务", "港口", "航道", "气象",
)

INDUSTRIES = "ABCDEFGHIJKLMNOPQRS"


# ---------------------------------------------------------------- choosing


def _mix(*numbers: int) -> int:
    """A stable 64-bit hash of integers (FNV-style with a final avalanche)."""
    h = 0xCBF29CE484222325
    for n in numbers:
        h = ((h ^ (n & 0xFFFFFFFFFFFFFFFF)) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    h ^= h >> 33
    h = (h * 0xFF51AFD7ED558CCD) & 0xFFFFFFFFFFFFFFFF
    return h ^ (h >> 33)


def _date(key: int, first_year: int, years: int) -> str:
    return f"{first_year + key % years}-{(key >> 8) % 12 + 1:02d}-{(key >> 16) % 28 + 1:02d}"


_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1..999 in Chinese numerals, as laws number their articles (第一百二十三条)."""
    hundreds, tens, ones = n // 100, n // 10 % 10, n % 10
    out = f"{_DIGITS[hundreds]}百" if hundreds else ""
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    elif hundreds and ones:
        out += "零"
    return out + (_DIGITS[ones] if ones else "")


# ---------------------------------------------------------------- the plan


@dataclass(frozen=True)
class Dept:
    """One synthetic department: where it sits and how many items it holds."""

    id: str
    name: str
    region: int  # index into REGIONS
    slot: int  # its place among the departments of its region
    items: int


@dataclass(frozen=True)
class Source:
    id: str
    level: str
    title: str


def _departments(items: int, seed: int) -> list[Dept]:
    count = max(2, math.ceil(items / ITEMS_PER_DEPARTMENT))
    weights = [0.3 + 1.4 * (_mix(seed, 1, j) % 1000) / 1000 for j in range(count)]
    shares = [items * w / sum(weights) for w in weights]
    sizes = [int(s) for s in shares]
    # Largest remainders get the items rounding left over, so the total is exact.
    for j in sorted(range(count), key=lambda j: sizes[j] - shares[j])[: items - sum(sizes)]:
        sizes[j] += 1
    depts = []
    for j, size in enumerate(sizes):
        region, slot = j % len(REGIONS), j // len(REGIONS)
        suffix, province_name, city_name = DEPARTMENTS[slot % len(DEPARTMENTS)]
        round_ = slot // len(DEPARTMENTS)
        code, region_name = REGIONS[region]
        name = region_name + (province_name if region == 0 else city_name)
        dept_id = f"{code}-{suffix}" + (f"-{round_ + 1}" if round_ else "")
        if round_:
            name += f"第{chinese_number(round_ + 1)}分局"
        depts.append(Dept(dept_id, name, region, slot, size))
    return depts


def _sources(items: int) -> list[Source]:
    """Fixed accountability laws first, then enough laws for items to cite."""
    sources = [
        Source("law-0001", "法律", "中华人民共和国公职人员政务处分法"),
        Source("reg-0001", "行政法规", "行政机关公务员处分条例"),
    ]
    count = max(20, items // 250)
    for n in range(count):
        level, prefix, title, _doc = SOURCE_LEVELS[n % len(SOURCE_LEVELS)]
        topic = SOURCE_TOPICS[n // len(SOURCE_LEVELS) % len(SOURCE_TOPICS)]
        round_ = n // (len(SOURCE_LEVELS) * len(SOURCE_TOPICS))
        text = title.format(t=topic) + (f"（合成第{round_ + 1}部）" if round_ else "")
        sources.append(Source(f"{prefix}-{n // len(SOURCE_LEVELS) + 2:04d}", level, text))
    return sources


# ---------------------------------------------------------------- YAML text


def _q(text: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _site() -> str:
    return MARKER + (
        "name: 示例省权责清单（合成数据）\n"
        "sample: true\n"
        "edit_branch: main\n"
        "publication_deadlines:\n  - year: 2025\n    date: 2025-09-30\n"
        "code_patterns:\n"
        "  power: '^(?P<region>\\d{6})-(?P<base>(?P<type>[A-Z]{2})\\d{5})(?P<sub>\\d{3})$'\n"
        "  negative: '^\\d{6}$'\n"
        "  measure: '^\\d{6}-\\d{2,3}$|^\\d{6}-L\\d{2,3}$'\n"
        "  regulation: '^(?P<region>\\d{6})-DF-\\d{4}-\\d{3}$'\n"
    )


def _regions() -> str:
    out = [MARKER, "items:\n"]
    for i, (code, name) in enumerate(REGIONS):
        level, parent = ("省", "") if i == 0 else ("市", f'    parent: "{PROVINCE[0]}"\n')
        out.append(f'  - code: "{code}"\n    name: {name}\n    level: {level}\n{parent}    sample: true\n')
    return "".join(out)


def _sources_file(sources: list[Source], seed: int) -> str:
    out = [MARKER, "items:\n"]
    for n, s in enumerate(sources):
        key = _mix(seed, 2, n)
        doc = next(d for lvl, _p, _t, d in SOURCE_LEVELS if lvl == s.level)
        issuer = {"法律": "全国人民代表大会常务委员会", "行政法规": "国务院", "国务院决定": "国务院",
                  "部门规章": "国务院有关部门", "地方性法规": "示例省人民代表大会常务委员会"}[s.level]
        promulgated = _date(key, 1995, 25)
        effective = f"{int(promulgated[:4]) + 1}{promulgated[4:]}"
        number = doc.format(n=key % 800 + 1, y=promulgated[:4])
        out.append(
            f"  - id: {s.id}\n    title: {s.title}\n    level: {s.level}\n"
            f"    document_number: {number}\n    issuer: {issuer}\n"
            f"    promulgated: {promulgated}\n    effective: {effective}\n    status: 现行有效\n"
        )
    return "".join(out)


def _uscc(dept: Dept, seed: int) -> str:
    code = REGIONS[dept.region][0]
    body = "".join(USCC_ALPHABET[_mix(seed, 3, dept.region, dept.slot, k) % 31] for k in range(9))
    first17 = f"11{code}{body}"
    return first17 + uscc_check_char(first17)


def _department(dept: Dept, seed: int) -> str:
    n = _mix(seed, 4, dept.region, dept.slot)
    return MARKER + (
        f"id: {dept.id}\nname: {dept.name}\nuscc: {_q(_uscc(dept, seed))}\n"
        f'region: "{REGIONS[dept.region][0]}"\n'
        f"contact:\n  address: {REGIONS[dept.region][1]}人民路{n % 300 + 1}号\n"
        f'  phone: "0{n % 900 + 100}-{n % 9000000 + 1000000:07d}"\n'
        f"  website: https://www.example.gov.cn/{dept.id}/\n"
        f'reviewers:\n  - "@fazhi-{dept.id}"\n  - "@lawyer-{n % 97:02d}"\n'
        + _publications(dept)
        + "sample: true\n"
    )


def _publications(dept: Dept) -> str:
    """The 2025 publication records of the lists the department owns (see dataset())."""
    lists = ["权力清单", "责任清单"] + (["地方性法规目录"] if dept.slot == 0 else []) + (
        ["市场准入负面清单"] if dept.region == 0 and dept.slot == 0 else [])
    return "publications:\n" + "".join(
        f"  - list: {label}\n    year: 2025\n    date: 2025-09-{20 + dept.region % 10:02d}\n" for label in lists)


class _Items:
    """Writes power items; what an item says is a function of its type and base code."""

    def __init__(self, sources: list[Source], seed: int) -> None:
        self.seed = seed
        self.cited = [s.id for s in sources[2:]]  # the two accountability laws are cited apart
        # Only norms that may set the power are its 设定依据 (rules.SETTING_LEVELS, DOMAIN.md §6).
        self.cited_for = {
            type_code: [s.id for s in sources[2:] if s.level in SETTING_LEVELS[type_code][0]] or self.cited
            for type_code in SETTING_LEVELS}
        self._stages: dict[tuple[str, int], str] = {}

    def _stage_block(self, type_code: str, subject: int) -> str:
        key = (type_code, subject)
        if key not in self._stages:
            s = SUBJECTS[subject]
            stages = STAGES.get(type_code, STAGES["default"])
            self._stages[key] = "".join(
                f"      - stage: {stage}\n        content: {content.format(s=s)}\n" for stage, content in stages
            )
        return self._stages[key]

    def text(self, region: int, kind: int, base: int, level: str, dept: Dept, co: str | None,
             index: int) -> str:
        """The YAML of one item (a list entry indented under items:)."""
        type_code, prefix, _w = POWER_TYPES[kind]
        region_code, region_name = REGIONS[region]
        key = _mix(self.seed, 5, kind, base)
        names = NAMES[type_code]
        # One name per base code and no name under two base codes (the similar-item rule):
        # the base number walks through subject × wording, with a round number once they run out.
        combos = len(SUBJECTS) * len(names)
        turn = (base - 1) // combos
        subject, wording = divmod((base - 1 + _mix(self.seed, 5, kind, 0)) % combos, len(names))
        s = SUBJECTS[subject]
        name = names[wording].format(s=s) + (f"（{chinese_number(turn + 1)}）" if turn else "")
        code = f"{region_code}-{prefix}{base:05d}"
        out = [f'  - code: "{code}000"\n    name: {name}\n    power_type: "{type_code}"\n']
        if type_code in LOCAL_LABELS:
            out.append(f"    local_type_label: {LOCAL_LABELS[type_code]}\n")
        subs = (key >> 12) % 4 if type_code in ("01", "02") else 0
        if subs:
            out.append("    sub_items:\n")
            out += [f'      - code: "{code}{k:03d}"\n        name: {name}（情形{chinese_number(k)}）\n'
                    for k in range(1, subs + 1)]
        out.append(f"    handling_unit: {s}监督管理{'处' if region == 0 else '科'}\n")
        if co:
            out.append(f"    co_implementers:\n      - {co}\n")
        out.append(f"    exercise_level: {level}\n    legal_basis:\n")
        cited = self.cited_for.get(type_code, self.cited)
        first = (key >> 16) % len(cited)
        second = (first + 1 + (key >> 24) % (len(cited) - 1)) % len(cited)
        for n, source in enumerate((first, second)):
            article = ARTICLES[(key >> (28 + 2 * n)) % len(ARTICLES)].format(
                n=chinese_number((key >> (32 + 8 * n)) % 120 + 1), k=chinese_number(n + 1))
            quote = BASIS_TEXTS[(key >> (40 + 2 * n)) % len(BASIS_TEXTS)].format(s=s)
            out.append(f"      - source: {cited[source]}\n        articles: {article}\n"
                       f"        text: {quote}\n")
        out.append("    responsibilities:\n")
        out.append(self._stage_block(type_code, subject))
        out.append("    accountability_cases:\n")
        out += [f"      - {case.format(s=s)}\n" for case in CASES]
        out.append("    accountability_basis:\n      - source: law-0001\n        articles: 第七条\n")
        local = _mix(self.seed, 6, region, dept.slot, index)
        out.append(f'    supervision_phone: "0{region + 851}-{local % 9000000 + 1000000:07d}"\n')
        if local % 50 == 0:
            out.append(
                f"    status: 已废止\n    repeal:\n      date: {_date(local >> 8, 2019, 6)}\n"
                f"      basis: {region_name}人民政府关于取消和调整一批行政权力事项的决定\n"
            )
        out.append(f"    effective: {_date(_mix(key), 2004, 15)}\n")
        return "".join(out)


def _powers_files(depts: list[Dept], sources: list[Source], seed: int) -> Iterator[tuple[Dept, str]]:
    """Each department's powers.yml, base codes numbered so that regions overlap."""
    kinds = {d.id: [_TYPE_WHEEL[_mix(seed, 7, j, i) % len(_TYPE_WHEEL)] for i in range(d.items)]
             for j, d in enumerate(depts)}
    counts = [[0] * len(POWER_TYPES) for _ in REGIONS]
    for d in depts:
        for kind in kinds[d.id]:
            counts[d.region][kind] += 1
    start = _base_starts(counts)
    by_region: dict[int, list[Dept]] = {}
    for d in depts:
        by_region.setdefault(d.region, []).append(d)
    writer = _Items(sources, seed)
    for d in depts:
        peers = [p.id for p in by_region[d.region] if p.id != d.id]
        out = [MARKER, "items:\n" if d.items else "items: []\n"]
        for i, kind in enumerate(kinds[d.id]):
            base = start[d.region][kind]
            start[d.region][kind] += 1
            local = _mix(seed, 8, d.region, d.slot, i)
            level = "分级管理" if local % 10 == 0 else ("省" if d.region == 0 else "市")
            co = peers[local % len(peers)] if peers and local % 20 == 1 else None
            out.append(writer.text(d.region, kind, base, level, d, co, i))
        yield d, "".join(out)


def _base_starts(counts: list[list[int]]) -> list[list[int]]:
    """First base number per region and type: each range overlaps the previous region's by 20 %."""
    starts = []
    for kind in range(len(POWER_TYPES)):
        biggest = max(region[kind] for region in counts)
        if biggest > MAX_BASE:
            raise QingdanError(f"合成数据的事项过多：每个地区每种类型最多 {MAX_BASE} 项")
        stride = max(1, biggest * 4 // 5)
        starts.append([min(1 + r * stride, MAX_BASE + 1 - biggest) for r in range(len(REGIONS))])
    return [[starts[kind][r] for kind in range(len(POWER_TYPES))] for r in range(len(REGIONS))]


def _responsibilities(dept: Dept, peers: list[str], seed: int) -> str:
    out = [MARKER, "main_duties:\n"]
    for n in range(max(3, dept.items // 40)):
        key = _mix(seed, 9, dept.region, dept.slot, n)
        s = SUBJECTS[key % len(SUBJECTS)]
        out.append(
            f"  - duty: 负责{s}的监督管理工作\n    tasks:\n"
            f"      - task: 拟订{s}监督管理制度并组织实施\n        handling_unit: {s}监督管理科\n"
            f"      - task: 组织开展{s}监督检查和风险监测\n        handling_unit: 综合执法队\n"
            f"      - task: 受理{s}投诉举报并依法处理\n        handling_unit: 投诉举报中心\n"
            f"    accountability_cases:\n      - {CASES[0].format(s=s)}\n      - {CASES[2].format(s=s)}\n"
            "    accountability_basis:\n      - source: reg-0001\n        articles: 第二十一条\n"
        )
    if peers:
        out.append("boundaries:\n")
        for n, peer in enumerate(peers[:2]):
            s = SUBJECTS[_mix(seed, 10, dept.region, dept.slot, n) % len(SUBJECTS)]
            out.append(
                f"  - matter: {s}监管职责分工\n    departments:\n      - {peer}\n"
                f"    division: 本部门负责{s}的行业监管，相关部门按照各自职责做好配合工作。\n"
                "    coordination: 建立联席会议和信息通报制度，定期会商重大事项。\n"
                f"    cases:\n      - 20{n + 20}年联合开展{s}专项整治行动\n"
            )
    out.append(
        "supervision_rules:\n  - name: 双随机、一公开监管工作细则\n"
        f"    document: {dept.name}规范性文件\n  - name: 信用分级分类监管办法\n"
        "public_services:\n  - name: 政策法规咨询\n    content: 通过窗口、电话和网站解答有关政策法规问题\n"
        "    handling_unit: 政策法规科\n  - name: 政府信息公开申请办理\n"
        "    content: 依法受理和答复政府信息公开申请\n    handling_unit: 办公室\n"
    )
    return "".join(out)


def _regulations(dept: Dept, count: int, seed: int) -> str:
    code, region_name = REGIONS[dept.region]
    body = f"{region_name}人民代表大会常务委员会"
    out = [MARKER, "items:\n"]
    for i in range(count):
        key = _mix(seed, 11, dept.region, i)
        year = 1995 + i % 30
        adopted = f"{year}-{key % 12 + 1:02d}-{(key >> 8) % 20 + 1:02d}"
        topic = SOURCE_TOPICS[(key >> 16) % len(SOURCE_TOPICS)]
        title = f"{region_name}{topic}条例" + (f"（{chinese_number(i // 30 + 1)}）" if i >= 30 else "")
        lines = [f'  - code: "{code}-DF-{year}-{i // 30 + 1:03d}"\n    title: {title}\n'
                 f"    enacting_body: {body}\n"]
        promulgated = adopted
        if dept.region:
            approved = f"{year}-{key % 12 + 1:02d}-{(key >> 8) % 20 + 5:02d}"
            lines.append(f"    approving_body: {PROVINCE[1]}人民代表大会常务委员会\n    adopted: {adopted}\n"
                         f"    approved: {approved}\n")
            promulgated = approved
        else:
            lines.append(f"    adopted: {adopted}\n")
        effective = f"{year + 1}-01-01"
        lines.append(f"    promulgated: {promulgated}\n    effective: {effective}\n")
        fate = (key >> 24) % 20
        if fate == 0:
            lines.append(f"    validity: 已废止\n    repealed: 2025-{key % 12 + 1:02d}-01\n"
                         "    cleanup:\n      result: 废止\n      batch: 2024年法规清理\n"
                         "      reason: 上位法已修改，主要内容已不适应实际需要\n" + _decision(body, "废止", key))
        elif fate < 4:
            lines.append(f"    amendments:\n      - date: {year + 2 + key % 5}-{key % 12 + 1:02d}-15\n        kind: 修正\n"
                         f"        body: {body}\n        instrument: 关于修改部分地方性法规的决定\n"
                         "    validity: 现行有效\n    cleanup:\n      result: 修改\n      batch: 2024年法规清理\n"
                         + _decision(body, "修改", key))
        else:
            lines.append("    validity: 现行有效\n    cleanup:\n      result: 保留\n      batch: 2024年法规清理\n")
        lines.append(f'    industry: "{INDUSTRIES[(key >> 32) % len(INDUSTRIES)]}"\n'
                     f"    note: （{adopted[:4]}年{int(adopted[5:7])}月{int(adopted[8:])}日{body}通过）\n")
        out += lines
    return "".join(out)


def _decision(body: str, result: str, key: int) -> str:
    """The deciding document of a clean-up result other than 保留."""
    return (f"      decision: {body}关于{result}部分地方性法规的决定\n"
            f"      decision_number: {body}公告第{key % 40 + 1}号\n      decision_date: 2024-11-28\n")


def _negative_list(count: int, sources: list[Source], seed: int) -> str:
    strong = [s.id for s in sources if s.level in ("法律", "行政法规", "国务院决定", "地方性法规")]
    out = [MARKER, "edition: 市场准入负面清单（2025年版）\ndocument: 发改体改规〔2025〕466号\nitems:\n"]
    for i in range(count):
        key = _mix(seed, 12, i)
        prohibited = i < 6
        code = f"{1 if prohibited else 2}{i + 1:05d}"
        s = SUBJECTS[key % len(SUBJECTS)]
        name = f"未获得许可，不得从事{s}" if not prohibited else f"禁止违规开展{s}"
        out.append(f'  - code: "{code}"\n    number: {i + 1}\n    name: {name}\n'
                   f"    category: {'禁止准入类' if prohibited else '许可准入类'}\n    measures:\n")
        for m in range(1 + key % 3):
            local = m == 2
            out.append(
                f'      - code: "{code}-{"L" if local else ""}{m + 1:02d}"\n'
                f"        description: {s}{'地方性许可' if local else '许可'}（第{chinese_number(m + 1)}项措施）\n"
                f"        scope: {'地方' if local else '全国'}\n"
                + (f"        national_entry: 全国清单第{i + 1}项所列地方性许可措施\n" if local else "")
                + f"        departments:\n          - 市场监督管理部门\n"
                f"        legal_basis:\n          - source: {strong[(key >> (8 + m)) % len(strong)]}\n"
                f"            articles: 第{chinese_number((key >> 20) % 60 + 1)}条\n"
            )
    return "".join(out)


def render(items: int, seed: int = 0) -> Iterator[tuple[str, str]]:
    """Every file of the tree as (path relative to lists/, text), in a stable order."""
    if items < 0:
        raise QingdanError("事项数量不能为负数")
    depts = _departments(items, seed)
    sources = _sources(items)
    yield "site.yml", _site()
    yield "regions.yml", _regions()
    yield "sources.yml", _sources_file(sources, seed)
    by_region: dict[int, list[str]] = {}
    for d in depts:
        by_region.setdefault(d.region, []).append(d.id)
    regulation_count = max(1, items // 100 // len(REGIONS))
    for d, text in _powers_files(depts, sources, seed):
        yield f"{d.id}/department.yml", _department(d, seed)
        yield f"{d.id}/powers.yml", text
        peers = [p for p in by_region[d.region] if p != d.id]
        yield f"{d.id}/responsibilities.yml", _responsibilities(d, peers, seed)
        if d.slot == 0:
            yield f"{d.id}/regulations.yml", _regulations(d, regulation_count, seed)
        if d.region == 0 and d.slot == 0:
            yield f"{d.id}/negative_list.yml", _negative_list(max(6, min(items // 1000, 120)), sources, seed)


def write_dataset(out: Path, items: int, seed: int = 0) -> None:
    """Write a complete, valid synthetic tree of ``items`` power items to ``out/lists/``.

    The same ``items`` and ``seed`` always give byte-identical files. An
    existing ``out/lists/`` is replaced only if it was written by this
    function; the new tree appears at once (written aside, then renamed).
    """
    out = Path(out)
    target = out / "lists"
    if target.exists() and not _is_synthetic(target):
        raise QingdanError(f"{target} 已存在且不是合成数据，不会覆盖；请换一个输出目录")
    with staged_folder(target) as staging:
        for relpath, text in render(items, seed):
            path = staging / relpath
            path.parent.mkdir(exist_ok=True)
            path.write_bytes(text.encode("utf-8"))


def _is_synthetic(lists_dir: Path) -> bool:
    if not lists_dir.is_dir():
        return False
    if not any(lists_dir.iterdir()):
        return True
    try:
        return (lists_dir / "site.yml").read_text(encoding="utf-8").startswith(MARKER)
    except (OSError, UnicodeDecodeError):
        return False
