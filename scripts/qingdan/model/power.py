"""权力清单: one record per administrative power (GB/T 39046-2020 table A.1)."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from .common import optional, Date, LegalBasis, Record, Repeal, Status, Name, Text, field

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


class SubItem(Record):
    """子项: a power item may be split into sub-items with their own codes."""

    code: Name = field("子项编码", "子项的事项编码，同一编码永不复用")
    name: Name = field("子项名称", "")


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
    body_nature: BodyNature = field("实施主体性质", "法定机关、授权组织或受委托组织", default="法定机关")
    handling_unit: Name | None = optional("承办机构", "承办的内设科室")
    co_implementers: list[Name] = field(
        "共同实施部门", "共同实施该事项的其他部门的 id", default_factory=list
    )
    exercise_level: ExerciseLevel = field("行使层级", "国家、省、市、县、乡镇 或 分级管理")
    legal_basis: list[LegalBasis] = field("设定依据", "设定和实施该权力的法律依据", min_length=1)
    responsibilities: list[ResponsibilityStage] = field("责任事项", "各环节的责任", default_factory=list)
    accountability_cases: list[Text] = field(
        "追责情形", "因不履行或不正确履行行政职责，应当追责的情形", default_factory=list
    )
    accountability_basis: list[LegalBasis] = field("追责依据", "追责的法律依据", default_factory=list)
    supervision_phone: Name | None = optional("监督电话", "")
    remarks: Text | None = optional("备注", "")
    status: Status = field("状态", "在用 或 已废止", default="在用")
    effective: Date | None = optional("依法生效日期", "该事项依法开始实施的日期")
    repeal: Repeal | None = optional("废止信息", "已废止事项的废止日期、依据和原因")

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
