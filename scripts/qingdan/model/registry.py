"""Registries the lists depend on: regions, departments and legal sources."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from .common import Date, Identifier, Record, StrictBool, Name, Text, WebAddress, field, optional

RegionLevel = Literal["省", "市", "县"]
# 立法法 levels, plus 国务院决定 and 规范性文件 outside its list.
SourceLevel = Literal["法律", "行政法规", "监察法规", "国务院决定", "部门规章", "地方性法规", "自治条例", "单行条例",
                      "地方政府规章", "规范性文件"]
SourceStatus = Literal["现行有效", "已修改", "已废止", "尚未生效"]


class Region(Record):
    """A region with its GB/T 2260 code."""

    code: Name = field("行政区划代码", "GB/T 2260 六位代码，例如 520000")
    name: Name = field("名称", "")
    level: RegionLevel = field("层级", "省、市 或 县")
    parent: Name | None = optional("上级行政区划", "上级行政区划代码")
    sample: StrictBool = field("示例数据", "true 表示这是示例，不是正式发布", default=False)


class RegionList(Record):
    """The file lists/regions.yml."""

    items: list[Region] = field("行政区划", "", min_length=1)


class Contact(Record):
    """How the public reaches a department."""

    address: Name | None = optional("地址", "")
    phone: Name | None = optional("电话", "")
    website: Text | None = optional("网站", "")


# The lists a department publishes, by the labels of layout.KINDS (a test keeps them in step).
ListLabel = Literal["权力清单", "责任清单", "市场准入负面清单", "地方性法规目录"]


class Publication(Record):
    """公布记录: one list published on the portal in one year."""

    list: ListLabel = field("清单", "权力清单、责任清单、市场准入负面清单 或 地方性法规目录")
    year: Annotated[int, Field(strict=True, ge=2000, le=2100)] = field("年度", "按哪一年的公布要求公布，例如 2025")
    date: Date = field("公布日期", "在门户网站向社会公布的日期")
    document: Name | None = optional("公布文件", "公布清单的文件名称及文号，例如 示例省人民政府关于公布2025年权责清单的通知（示政发〔2025〕8号）")
    url: WebAddress | None = optional("公布网址", "门户网站上公布页面的地址，以 http:// 或 https:// 开头")


class Department(Record):
    """The file department.yml: the department whose folder it sits in."""

    id: Identifier = field("部门标识", "与所在文件夹同名，只用小写字母、数字和连字符（不超过 64 个字符），例如 520000-scjgj")
    name: Name = field("部门名称", "")
    uscc: Name = field("统一社会信用代码", "18 位，GB 32100-2015")
    region: Name = field("所属行政区划", "GB/T 2260 代码，须在 lists/regions.yml 中")
    contact: Contact | None = optional("联系方式", "")
    reviewers: list[Name] = field(
        "法制审核人员", "审核本部门变更的人员（代码托管平台用户名，如 @zhangsan）", min_length=1
    )
    publications: list[Publication] = field(
        "公布记录", "每份清单每年在门户网站公布的日期和文件；过了公布期限，没有当年记录的清单按逾期未公布处理",
        default_factory=list)
    sample: StrictBool = field("示例数据", "true 表示这是示例部门", default=False)


class LegalSource(Record):
    """A law, regulation, decision or rule that items cite."""

    id: Identifier = field("标识", "被设定依据引用的 id，只用小写字母、数字和连字符，例如 law-food-safety")
    title: Name = field("标题", "法律法规名称，不含书名号")
    level: SourceLevel = field("效力层级", "法律、行政法规、监察法规、国务院决定、部门规章、地方性法规、自治条例、单行条例、地方政府规章、规范性文件")
    document_number: Name | None = optional("文号", "例如 主席令第二十一号、国务院令第663号")
    issuer: Name | None = optional("制定机关", "")
    promulgated: Date | None = optional("公布日期", "")
    effective: Date | None = optional("施行日期", "")
    status: SourceStatus = field("时效性", "现行有效、已修改、已废止 或 尚未生效", default="现行有效")
    repealed: Date | None = optional("废止日期", "已废止时必填")
    amended: Date | None = optional("最近修改日期", "")
    url: Text | None = optional("原文链接", "国家法律法规数据库等官方来源")
    verified: StrictBool = field(
        "已核实", "false：导入时按书名自动登记、尚未核实（效力层级、文号、日期）；核实后删除这一行", default=True
    )

    @model_validator(mode="after")
    def _repeal_date_with_status(self) -> "LegalSource":
        if self.status == "已废止" and self.repealed is None:
            raise ValueError("时效性为 已废止 时必须填写 repealed（废止日期）")
        return self


class SourceList(Record):
    """The file lists/sources.yml."""

    items: list[LegalSource] = field("法律法规", "", min_length=1)
