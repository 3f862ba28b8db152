"""地方性法规 catalogue: clean-up result, legislative history, industry."""

from __future__ import annotations

from typing import Literal

from .common import optional, Date, Record, Name, Text, field

Validity = Literal["现行有效", "已修改", "已废止", "尚未生效"]
RegulationLevel = Literal["地方性法规", "自治条例", "单行条例", "地方政府规章", "行政规范性文件"]
CleanupResult = Literal["保留", "修改", "废止", "宣布失效"]
AmendmentKind = Literal["修正", "修订"]


class Amendment(Record):
    """修正 / 修订 in the legislative history."""

    date: Date = field("日期", "")
    kind: AmendmentKind = field("方式", "修正 或 修订")
    body: Name = field("机关", "作出修改的机关")
    instrument: Name | None = optional("文件", "修改决定的名称")


class Cleanup(Record):
    """清理结果 of one batch, with the decision that made it."""

    result: CleanupResult = field("清理结果", "保留、修改、废止 或 宣布失效")
    batch: Name | None = optional("清理批次", "例如 2024年法规清理")
    reason: Text | None = optional("理由", "")
    decision: Name | None = optional(
        "决定文件", "作出清理决定的文件名称：地方性法规为人大常委会的决定，政府规章为政府令；修改、废止、宣布失效时必填")
    decision_number: Name | None = optional("决定文号", "决定文件的文号、公告号或政府令号，例如 示例省人民代表大会常务委员会公告第12号")
    decision_date: Date | None = optional("决定日期", "作出清理决定的日期")


class Regulation(Record):
    """One 地方性法规, 政府规章 or 行政规范性文件 in the clean-up catalogue."""

    code: Name = field("法规编码", "法规的稳定标识，可在设定依据中引用")
    title: Name = field("标题", "法规名称，不含书名号")
    level: RegulationLevel = field(
        "效力层级", "地方性法规、自治条例、单行条例、地方政府规章 或 行政规范性文件", default="地方性法规")
    enacting_body: Name = field("制定机关", "地方性法规为人大及其常委会，政府规章和规范性文件为人民政府或其部门")
    document_number: Name | None = optional(
        "公布文号", "公告号、政府令号或规范性文件的文号，例如 示例省人民政府令第200号")
    approving_body: Name | None = optional("批准机关", "设区的市的法规由省级人大常委会批准")
    adopted: Date | None = optional("通过日期", "地方性法规和政府规章必填；规范性文件可不填")
    approved: Date | None = optional("批准日期", "")
    promulgated: Date = field("公布日期", "")
    effective: Date = field("施行日期", "")
    amendments: list[Amendment] = field("修改情况", "修正、修订记录", default_factory=list)
    validity: Validity = field(
        "时效性", "按国家法律法规数据库的用法：现行有效、已修改（已被新版本取代的旧文本，须写 superseded_by）、已废止 或 尚未生效")
    superseded_by: Name | None = optional("被取代于", "时效性为 已修改 时，取代本文本的新版本的法规编码")
    repealed: Date | None = optional("废止日期", "")
    cleanup: Cleanup = field("清理结果", "最近一次清理的结果、批次、理由和决定文件")
    cleanup_history: list[Cleanup] = field(
        "以往清理记录", "最近一次以前的各批清理，按时间先后排列", default_factory=list)
    industry: Name = field("行业分类", "行业门类代码，见 lists/site.yml 的 industries")
    note: Text | None = optional("题注", "例如 （2001年4月29日…通过 2001年6月3日…批准）")


class RegulationList(Record):
    """The file regulations.yml."""

    items: list[Regulation] = field("法规、规章和规范性文件", "", min_length=1)
