"""市场准入负面清单: prohibited and permitted items with their measures."""

from __future__ import annotations

import typing
from typing import Annotated, Literal

from pydantic import Field

from .common import optional, Date, LegalBasis, Record, StrictBool, Name, Text, field

Category = Literal["禁止准入类", "许可准入类"]
# The order lists print them in: prohibited items first, as the national list does.
CATEGORIES: tuple[str, ...] = typing.get_args(Category)
MeasureScope = Literal["全国", "地方"]
MeasureStatus = Literal["有效", "已取消"]


class Measure(Record):
    """禁止或许可准入措施."""

    code: Name = field("措施编码", "")
    description: Text = field("措施描述", "禁止或许可准入措施的内容")
    scope: MeasureScope = field("适用范围", "全国性措施 或 地方性许可措施")
    star: StrictBool = field(
        "★标注", "全国清单在该措施前印有 ★ 的写 true；★ 的含义以该版清单的说明为准，页面照印 ★", default=False)
    national_entry: Text | None = optional(
        "全国清单所列地方性措施", "地方性许可措施必填：全国清单“地方性许可措施”一栏中列明的该措施（原文或序号）；全国清单未列明的，地方不得自行增设")
    departments: list[Name] = field("主管部门", "主管部门名称", default_factory=list)
    legal_basis: list[LegalBasis] = field(
        "设立依据", "须为法律、行政法规、国务院决定或地方性法规", min_length=1
    )
    temporary: StrictBool = field("临时性措施", "true 或 false", default=False)
    effective: Date | None = optional("计划生效日期", "")
    basis_reviewed: Date | None = optional(
        "依据复核日期", "所引法律修改后，按现行版本复核条款和条文的日期；晚于它的修改会提示复核")
    cancellation: Date | None = optional("计划取消日期", "")
    status: MeasureStatus = field("状态", "有效 或 已取消", default="有效")


class NegativeItem(Record):
    """One item (事项) of the market-access negative list."""

    code: Name = field("事项编码", "全国清单中的 6 位事项编码，例如 100004，照全国清单填写")
    number: Annotated[int, Field(strict=True)] | None = optional("项目号", "全国清单中的项目号（序号），照全国清单填写")
    name: Name = field("禁止或许可事项", "")
    category: Category = field("类别", "禁止准入类 或 许可准入类")
    measures: list[Measure] = field("准入措施", "", min_length=1)
    edition: Name | None = optional("清单版本", "例如 2025年版")


class NegativeList(Record):
    """The file negative_list.yml: national items with the region's local measures."""

    edition: Name = field("清单版本", "例如 市场准入负面清单（2025年版）")
    document: Name | None = optional("发布文号", "例如 发改体改规〔2025〕466号")
    items: list[NegativeItem] = field("事项", "", min_length=1)
