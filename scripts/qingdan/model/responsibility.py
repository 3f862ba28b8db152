"""责任清单: per department — main duties, boundaries, supervision rules, public services."""

from __future__ import annotations

from .common import optional, LegalBasis, Record, Name, Text, field


class DutyTask(Record):
    """A concrete task under a main duty."""

    task: Text = field("具体工作事项", "")
    handling_unit: Name | None = optional("承办机构", "承办的内设科室")


class MainDuty(Record):
    """主要职责 → 具体工作事项 → 承办机构, with its accountability."""

    duty: Text = field("主要职责", "")
    tasks: list[DutyTask] = field("具体工作事项", "", default_factory=list)
    accountability_cases: list[Text] = field("追责情形", "", default_factory=list)
    accountability_basis: list[LegalBasis] = field("追责依据", "", default_factory=list)


class Boundary(Record):
    """与相关部门的职责边界."""

    matter: Text = field("职责事项", "涉及多个部门的事项")
    departments: list[Name] = field("相关部门", "相关部门的 id", min_length=1)
    division: Text = field("职责分工", "本部门与相关部门的职责分工")
    coordination: Text | None = optional("协调配合机制", "")
    basis: list[LegalBasis] = field("职责依据", "", default_factory=list)
    cases: list[Text] = field("典型案例", "", default_factory=list)


class SupervisionRule(Record):
    """事中事后监管制度."""

    name: Name = field("制度名称", "")
    document: Name | None = optional("制度文件", "文件名称及文号")


class PublicService(Record):
    """公共服务事项."""

    name: Name = field("服务名称", "")
    content: Text = field("主要内容", "")
    handling_unit: Name | None = optional("承办机构", "")


class ResponsibilityList(Record):
    """The file responsibilities.yml of a department."""

    main_duties: list[MainDuty] = field("主要职责", "", min_length=1)
    boundaries: list[Boundary] = field("与相关部门的职责边界", "", default_factory=list)
    supervision_rules: list[SupervisionRule] = field("事中事后监管制度", "", default_factory=list)
    public_services: list[PublicService] = field("公共服务事项", "", default_factory=list)
