"""The site's own settings: lists/site.yml."""

from __future__ import annotations

import datetime as _dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, StringConstraints

from .common import NAME_MAX, Date, optional, Record, StrictBool, Name, Text, WebAddress, field
from .power import PowerType
from .registry import ListLabel

# GB/T 4754-2017 门类: a reasonable default vocabulary for 行业分类.
GBT4754_SECTIONS: dict[str, str] = {
    "A": "农、林、牧、渔业",
    "B": "采矿业",
    "C": "制造业",
    "D": "电力、热力、燃气及水生产和供应业",
    "E": "建筑业",
    "F": "批发和零售业",
    "G": "交通运输、仓储和邮政业",
    "H": "住宿和餐饮业",
    "I": "信息传输、软件和信息技术服务业",
    "J": "金融业",
    "K": "房地产业",
    "L": "租赁和商务服务业",
    "M": "科学研究和技术服务业",
    "N": "水利、环境和公共设施管理业",
    "O": "居民服务、修理和其他服务业",
    "P": "教育",
    "Q": "卫生和社会工作",
    "R": "文化、体育和娱乐业",
    "S": "公共管理、社会保障和社会组织",
    "T": "国际组织",
}


def _compiles(pattern: str) -> str:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"不是有效的正则表达式：{exc}") from None
    return pattern


Pattern = Annotated[str, StringConstraints(max_length=NAME_MAX), AfterValidator(_compiles)]


# DB52/T 1264-2018: the two letters of a power item's basic code -> GB/T 39046-2020 type code.
DB52_POWER_TYPES: dict[str, str] = {
    "XK": "01", "CF": "02", "QZ": "03", "ZS": "04", "GF": "05", "JC": "06",
    "QR": "07", "JL": "08", "CJ": "09", "QT": "10", "GG": "20",
}


class Deadline(Record):
    """公布期限 of one year, as the year's action plan sets it."""

    year: Annotated[int, Field(strict=True, ge=2000, le=2100)] = field("年度", "例如 2025")
    date: Date = field("公布期限", "须在这一天（含）之前公布")
    lists: list[ListLabel] = field(
        "须公布的清单", "不写时为全部：权力清单、责任清单、市场准入负面清单、地方性法规目录",
        default_factory=lambda: ["权力清单", "责任清单", "市场准入负面清单", "地方性法规目录"])
    document: Name | None = optional("要求文件", "规定公布期限的文件及文号，例如 效能提升年行动方案")


class CodePatterns(Record):
    """Code layouts of this site (provinces use their own, see DOMAIN.md)."""

    power: Pattern = field(
        "权力事项编码格式",
        "正则表达式；命名分组 region 为行政区划代码，base 为各地区共用的基本编码",
        default=r"^(?P<region>\d{6})-(?P<base>(?P<type>[A-Z]{2})\d{5})(?P<sub>\d{3})$",
    )
    power_types: dict[str, PowerType] = field(
        "编码中的类型字母",
        "编码格式中命名分组 type 的取值到权力类型代码，例如 XK: \"01\"（行政许可）；"
        "默认按贵州 DB52/T 1264-2018",
        default_factory=lambda: dict(DB52_POWER_TYPES),
    )
    negative: Pattern = field("负面清单事项编码格式", "", default=r"^\d{6}$")
    measure: Pattern = field("准入措施编码格式", "", default=r"^\d{6}-\d{2,3}$|^\d{6}-L\d{2,3}$")
    regulation: Pattern = field("地方性法规编码格式", "", default=r"^(?P<region>\d{6})-(?:DF|GZ|GF)-\d{4}-\d{3}$")


# A key fingerprint as git prints it: OpenPGP, 40 hexadecimal digits (no spaces);
# SSH, SHA256: and 43 base64 characters (ssh-keygen -lf).
Fingerprint = Annotated[str, StringConstraints(pattern=r"^(?:[0-9A-Fa-f]{40}|SHA256:[A-Za-z0-9+/]{43})$")]


class Forge(Record):
    """The forge that writes merges to the main branch: who it commits as and the keys it signs with."""

    platform: Literal["github", "gitea", "forgejo"] = field("代码托管平台", "github、gitea 或 forgejo")
    committer: Annotated[str, StringConstraints(pattern=r"^[^<>\s](?:[^<>\n]*[^<>\s])? <[^<>\s]+>$")] = field(
        "合并身份", "平台写入合并提交时的提交者，格式为 名称 <邮箱>，例如 GitHub <noreply@github.com>"
    )
    signing_keys: list[Fingerprint] = field(
        "合并签名密钥",
        "平台签名合并提交的密钥指纹：OpenPGP 写 40 位十六进制（不带空格），SSH 写 SHA256:…；"
        "公钥本身须在仓库根目录的 signing-keys.asc 或 allowed_signers 中",
        min_length=1,
    )


class Feedback(Record):
    """Where citizens send questions and reports (意见建议): the channels a government site offers."""

    email: Annotated[str, StringConstraints(pattern=r"^[^\s@<>\"']+@[^\s@<>\"']+\.[^\s@<>\"']+$")] | None = optional(
        "电子邮箱", "接收意见建议的电子邮箱，例如 qingdan@example.gov.cn"
    )
    phone: Annotated[str, StringConstraints(pattern=r"^[0-9+][0-9 -]{2,30}[0-9]$")] | None = optional(
        "咨询电话", "接收意见建议的电话，例如 0851-12345678"
    )
    hotline: Annotated[str, StringConstraints(pattern=r"^[0-9][0-9 -]{1,30}[0-9]$")] | None = optional(
        "政务服务便民热线", "例如 12345"
    )
    form_action: WebAddress | None = optional(
        "在线建议表单提交地址", "网页表单以 POST 方式提交到的完整地址（https://…）；不填则不显示表单"
    )
    office: Text | None = optional("受理机构", "办理意见建议的机构，例如 示例省人民政府办公厅")


class SiteConfig(Record):
    """Settings of one publishing site."""

    # Themes print the site name in places that escape it and places that do not,
    # so it may hold no character that HTML treats specially.
    name: Annotated[str, StringConstraints(pattern=r"^[^\s<>&\"'](?:[^<>&\"']*[^\s<>&\"'])?$",
                                           max_length=NAME_MAX)] = field(
        "站点名称", "显示在每个页面的页头；不能含有 < > & \" ' 这些字符"
    )
    sample: StrictBool = field("示例站点", "true 时每个页面显示“示例数据”提示", default=False)
    government: Text | None = optional(
        "政府名称", "公布清单的人民政府，显示在首页第一句，例如 示例省人民政府"
    )
    repo_url: Text | None = optional("仓库地址", "用于“编辑此页”链接")
    staff_links: StrictBool = field(
        "显示工作人员链接",
        "true 时页面显示“编辑此页”、数据文件路径和提交记录链接（供工作人员预览）；公开网站保持 false",
        default=False,
    )
    feedback: Feedback = field("意见建议渠道", "公众反映意见的电子邮箱、电话、12345 热线和在线表单",
                               default_factory=Feedback)
    site_url: WebAddress | None = optional(
        "网站地址", "公开网站的完整地址，以 / 结尾，用于订阅源（Atom）中的链接，例如 https://example.gov.cn/qingdan/"
    )
    edit_branch: Name = field("主分支", "", default="main")
    publication_deadline: Annotated[str, StringConstraints(pattern=r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")] | None = optional(
        "公布期限", "每年须公布清单的期限，格式 MM-DD，例如 09-30；过了期限，部门须有当年的公布记录"
    )
    publication_deadlines: list[Deadline] = field(
        "各年公布期限", "逐年写明的公布期限和须公布的清单；与 publication_deadline 同时写时，写明的年度以这里为准",
        default_factory=list)
    inconsistent_item: Literal["error", "warning"] = field(
        "同一事项标准不一致的级别",
        "error（默认）：不同地区共用同一基本编码的事项名称、类型或设定依据不一致时报错；"
        "过渡期内可设为 warning，只警告、不阻止发布",
        default="error")
    code_patterns: CodePatterns = field("编码格式", "", default_factory=CodePatterns)
    industries: dict[str, Text] = field(
        "行业分类", "行业门类代码到名称，默认 GB/T 4754 门类", default_factory=lambda: dict(GBT4754_SECTIONS)
    )
    search_synonyms: list[list[Text]] = field(
        "搜索同义词", "另加的同义词组，每组写成 [常用说法, 规范名称, …]；搜索其中一个词时也按同组的其他词查找",
        default_factory=list,
    )
    require_signing: StrictBool = field("要求签名", "true 时合并提交须有受信任的签名", default=False)
    maintainers: list[Annotated[str, StringConstraints(pattern=r"^@[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
                                                          r"(?:/[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)?$")]] | None = optional(
        "发布维护人员",
        "代码托管平台用户名或团队，如 @example-gov/publishing；qingdan codeowners 让他们审查代码、网站页面、"
        "构建与发布流程和信任名单的修改",
        min_length=1,
    )
    forge: Forge | None = optional(
        "代码托管平台的合并身份",
        "设置后，只有由平台写入并用其密钥签名的合并提交中的 Reviewed-by 才算审核证据；不设置时审计报告注明审核记录为自称",
    )
    trust_root: list[Fingerprint] | None = optional(
        "信任根",
        "第一份签名信任名单（allowed_signers、signing-keys.asc）须由这些密钥之一签名；只认第一次写入的值，"
        "以后更换密钥请修改信任名单本身",
        min_length=1,
    )
