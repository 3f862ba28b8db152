"""权力清单: one record per administrative power (GB/T 39046-2020 table A.1)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .common import optional, Date, LegalBasis, Record, Repeal, Status, StrictBool, Name, Text, WebAddress, field

# GB/T 39046-2020 table A.1: code -> 事项类型
POWER_TYPES: dict[str, str] = {
    "01": "行政许可",
    "02": "行政处罚",
    "03": "行政强制",
    "04": "行政征收",
    "05": "行政给付",
    "06": "行政检查",
    "07": "行政确认",
    "08": "行政奖励",
    "09": "行政裁决",
    "10": "其他行政权力",
    "20": "公共服务事项",
}

PowerType = Literal["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "20"]
ExerciseLevel = Literal["国家", "省", "市", "县", "乡镇", "分级管理"]
BodyNature = Literal["法定机关", "授权组织", "受委托组织"]
OriginKind = Literal["法定", "下放", "委托", "承接"]
Target = Literal["自然人", "法人", "非法人组织"]
AdjustmentKind = Literal["新增", "取消", "下放", "承接", "冻结", "转为", "合并", "拆分", "变更", "划转"]
# Adjustments that end an item under its code, naming the codes that carry it on.
SUCCESSION = ("合并", "拆分")


class SubItem(Record):
    """子项: a power item may be split into sub-items with their own codes, bases and level."""

    code: Name = field("子项编码", "子项的事项编码，同一编码永不复用")
    name: Name = field("子项名称", "")
    legal_basis: list[LegalBasis] = field(
        "子项设定依据", "子项自己的设定依据；不写时适用主项的设定依据", default_factory=list)
    implementation_basis: list[LegalBasis] = field(
        "子项实施依据", "子项自己的实施依据；不写时适用主项的实施依据", default_factory=list)
    exercise_level: ExerciseLevel | None = optional("子项行使层级", "与主项不同时填写：国家、省、市、县、乡镇 或 分级管理")


class Origin(Record):
    """事项来源: why this level exercises the power."""

    kind: OriginKind = field("来源方式", "法定（法律法规规定由本级实施）、下放（上级下放）、委托 或 承接")
    document: Name | None = optional("决定文件", "下放、委托、承接的决定文件名称及文号；法定的可不填")
    date: Date | None = optional("决定日期", "")
    from_body: Name | None = optional("原实施机关", "下放、委托、承接前实施该事项的机关")

    @model_validator(mode="after")
    def _document_unless_statutory(self) -> "Origin":
        if self.kind != "法定" and self.document is None:
            raise ValueError(f"事项来源为 {self.kind} 时必须填写 document（决定文件名称及文号）")
        return self


class Adjustment(Record):
    """动态调整: one approved change to the item, with the document that approved it."""

    kind: AdjustmentKind = field("调整类型", "新增、取消、下放、承接、冻结、转为、合并、拆分、变更 或 划转")
    date: Date = field("调整日期", "批准调整的文件的日期")
    document: Name = field("批准文件", "政府批准调整的决定、通知或公告的名称")
    document_number: Name | None = optional("批准文号", "例如 示府发〔2025〕12号")
    issuer: Name | None = optional("发文机关", "例如 示例省人民政府")
    from_codes: list[Name] = field(
        "来源事项编码", "合并、拆分而来的事项：原事项的编码（原编码不再使用）", default_factory=list)
    to_codes: list[Name] = field("去向事项编码", "合并、拆分后承接本事项的事项编码", default_factory=list)
    content: Text | None = optional("调整内容", "调整了什么、为什么调整")

    @model_validator(mode="after")
    def _succession_names_codes(self) -> "Adjustment":
        if self.kind in SUCCESSION and not (self.from_codes or self.to_codes):
            raise ValueError(f"{self.kind} 须写明 from_codes（来源事项编码）或 to_codes（去向事项编码）")
        return self


class ResponsibilityStage(Record):
    """责任事项: what the department must do at one stage of exercising the power."""

    stage: Name = field("环节", "例如 受理、审查、决定、送达、事后监管；行政处罚为 立案、调查取证、审理、告知、决定、送达、执行")
    content: Text = field("责任内容", "该环节应履行的责任")
    risk: Text | None = optional("廉政风险点", "该环节的廉政风险及防控措施（可选），显示在权力运行流程图上")


class PowerItem(Record):
    """One administrative power of a department (one entry of its 权力清单)."""

    code: Name = field("事项编码", "稳定的事项编码，格式由 lists/site.yml 规定；编码永不复用")
    name: Name = field("事项名称", "主项名称")
    power_type: PowerType = field(
        "权力类型", "GB/T 39046-2020 表 A.1 代码：01 行政许可 … 10 其他行政权力，20 公共服务事项"
    )
    local_type_label: Name | None = optional(
        "本地类型名称", "地方使用的类型名称（如 非行政许可审批、其他职权），与标准代码并列"
    )
    sub_items: list[SubItem] = field("子项", "主项下的子项", default_factory=list)
    implementing_body: Name | None = optional(
        "实施主体名称", "实施主体不是本部门时填写：法律法规授权组织或受委托组织的名称，例如 示例市社会保险事业管理中心")
    body_nature: BodyNature = field(
        "实施主体性质", "法定机关（本部门依法实施）、授权组织（法律法规授权的组织）或受委托组织", default="法定机关")
    origin: Origin | None = optional("事项来源", "法定、下放、委托 或 承接；下放、委托、承接须写明决定文件")
    targets: list[Target] = field("实施对象", "自然人、法人、非法人组织，可多选", default_factory=list)
    handling_unit: Name | None = optional("承办机构", "承办的内设科室")
    co_implementers: list[Name] = field(
        "共同实施部门", "共同实施该事项的其他部门的 id", default_factory=list
    )
    exercise_level: ExerciseLevel = field("行使层级", "国家、省、市、县、乡镇 或 分级管理")
    legal_basis: list[LegalBasis] = field(
        "设定依据", "创设该权力的法律规范；其效力层级须能设定这类权力（行政许可法第十四条至第十七条、"
        "行政处罚法第十条至第十四条、行政强制法第九条至第十一条）", min_length=1)
    implementation_basis: list[LegalBasis] = field(
        "实施依据", "对已设定的权力作出具体规定的法规、规章等，例如规定条件、程序、期限的部门规章", default_factory=list)
    provisional: StrictBool = field(
        "临时性行政许可", "true 表示省级人民政府规章设定的临时性行政许可（行政许可法第十五条），实施满一年需继续实施的应提请制定地方性法规",
        default=False)
    responsibilities: list[ResponsibilityStage] = field("责任事项", "各环节的责任", default_factory=list)
    accountability_cases: list[Text] = field(
        "追责情形", "因不履行或不正确履行行政职责，应当追责的情形", default_factory=list
    )
    accountability_basis: list[LegalBasis] = field("追责依据", "追责的法律依据", default_factory=list)
    guide_url: WebAddress | None = optional(
        "办事指南", "该事项在政务服务网上的办事指南地址，以 http:// 或 https:// 开头")
    supervision_phone: Name | None = optional("监督电话", "")
    remarks: Text | None = optional("备注", "")
    status: Status = field("状态", "在用 或 已废止", default="在用")
    effective: Date | None = optional("依法生效日期", "该事项依法开始实施的日期")
    basis_reviewed: Date | None = optional(
        "依据复核日期", "所引法律修改后，按现行版本复核条款和条文的日期；晚于它的修改会提示复核")
    repeal: Repeal | None = optional("废止信息", "已废止事项的废止日期、依据和原因")
    adjustments: list[Adjustment] = field(
        "动态调整记录", "每次经批准的调整：类型、批准文件及文号、发文机关、日期；合并、拆分写明来源或去向事项编码",
        default_factory=list)

    @model_validator(mode="after")
    def _repeal_matches_status(self) -> "PowerItem":
        if self.status == "已废止" and self.repeal is None:
            raise ValueError("状态为 已废止 时必须填写 repeal（废止日期、废止依据）")
        if self.status != "已废止" and self.repeal is not None:
            raise ValueError("填写了 repeal（废止信息）时，状态应为 已废止")
        return self


class PowerList(Record):
    """The file powers.yml of a department."""

    items: list[PowerItem] = field("权力事项", "本部门的权力事项", default_factory=list)
