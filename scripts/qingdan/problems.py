"""Problems: user mistakes as data, with a stable code, a severity and a location.

The catalogue below is the single list of problem codes. The CLI's --only and
--skip, the generated reference page and the tests all read it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Literal

Severity = Literal["error", "warning"]
Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class ProblemType:
    """One entry of the catalogue."""

    code: str
    severity: Severity
    stage: int  # 0 file, 1 YAML, 2 schema, 3 across records: lower is shown first
    title: str
    description: str


@dataclass
class Problem:
    """One finding, tied to a file and a place inside it."""

    code: str
    message: str
    file: str
    loc: Loc = ()
    hint: str = ""
    line: int | None = None
    column: int | None = None
    # None: the catalogue's severity. A site setting may lower one (see rules.consistency).
    severity: Severity | None = field(default=None)
    subject: str = ""  # the code (or id) of the record it is about, when the checks know it
    sheet: str | None = None  # a workbook's sheet (import): line and column are then Excel's row and column

    def __post_init__(self) -> None:
        if self.severity is None:
            self.severity = CATALOGUE[self.code].severity

    @property
    def path(self) -> str:
        """The place inside the record, like items[3].legal_basis[0].source."""
        return format_loc(self.loc)

    def sort_key(self) -> tuple:
        """Most useful first: errors, then earlier stages, then by place."""
        return (
            self.severity != "error",
            CATALOGUE[self.code].stage,
            self.file,
            self.sheet or "",
            self.line or 0,
            self.column or 0,
        )

    def to_dict(self) -> dict:
        data = asdict(self)
        data["loc"] = list(self.loc)
        data["path"] = self.path
        return data

    @classmethod
    def from_dict(cls, data: dict) -> "Problem":
        fields = {k: data[k] for k in ("code", "message", "file", "hint", "line", "column")}
        fields["severity"] = data.get("severity")
        return cls(loc=tuple(data["loc"]), subject=data.get("subject", ""), sheet=data.get("sheet"), **fields)


def format_loc(loc: Loc) -> str:
    """A record path as people read it: ``items[3].legal_basis[0].source``."""
    out = ""
    for part in loc:
        if part == "[key]":  # pydantic's marker for "the key itself", already named before it
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _catalogue(*types: ProblemType) -> dict[str, ProblemType]:
    return {t.code: t for t in types}


E, W = "error", "warning"

CATALOGUE: dict[str, ProblemType] = _catalogue(
    # stage 0: the file itself
    ProblemType("file-too-large", E, 0, "文件过大", "单个数据文件超过大小上限。请按部门或清单拆分文件。"),
    ProblemType("encoding-gbk", E, 0, "文件是 GBK/GB18030 编码", "文件不是 UTF-8 编码，看起来是 Windows 常用的 GBK/GB18030 编码。请另存为 UTF-8（无 BOM）。"),
    ProblemType("encoding-invalid", E, 0, "文件不是 UTF-8 编码", "文件无法按 UTF-8 读取（例如 UTF-16 或其他编码）。请另存为 UTF-8（无 BOM）。"),
    ProblemType("bom", W, 0, "文件带有 BOM", "文件开头有字节顺序标记（BOM）。请另存为 UTF-8（无 BOM）。"),
    ProblemType("tab", E, 0, "使用了制表符", "YAML 只能用空格缩进；文本中的制表符也容易在比对时造成误会。请改用空格。"),
    ProblemType("invisible-char", E, 0, "不可见字符", "零宽空格、零宽连接符、方向标记、控制字符等不可见字符会让编码、检索和比对失效。请删除。"),
    ProblemType("empty-file", E, 0, "文件为空", "数据文件没有内容。请填写内容或删除该文件。"),
    ProblemType("not-regular-file", E, 0, "不是普通文件", "lists/ 下的符号链接（软链接）、设备文件等不会被读取：数据必须直接写在仓库中的普通文件里，否则审核和修订记录看不到实际发布的内容。"),
    ProblemType("unknown-file", W, 0, "无法识别的文件", "lists/ 下的文件名或位置不符合约定，不会被读取。"),
    # stage 1: YAML
    ProblemType("yaml-syntax", E, 1, "YAML 语法错误", "文件不是合法的 YAML，常见原因是缩进不一致、冒号后缺空格、用了中文冒号、引号或括号未闭合、一个文件写了多个文档（---），或嵌套过深。"),
    ProblemType("duplicate-key", E, 1, "重复的字段", "同一记录中出现了两次相同的字段，后一个会覆盖前一个，造成数据丢失。"),
    ProblemType("yaml-tag", E, 1, "不允许的 YAML 标签", "数据文件只能包含普通数据，不允许 !! 或 ! 开头的标签。"),
    ProblemType("yaml-alias", E, 1, "不允许的锚点或别名", "数据文件中的每条记录都应完整写出，不允许使用 & 锚点、* 别名和 << 合并键。别名不会被展开，“十亿笑声”式的别名炸弹也只报告问题。"),
    ProblemType("yaml11-ambiguous", W, 1, "可能被误读的值", "未加引号的 yes、no、on、off、12:30 等值本工具按文本读取，但 PyYAML 等 YAML 1.1 工具会读成布尔值或数字。请加引号。"),
    ProblemType("implicit-type", E, 2, "值被读成了数字或布尔值", "未加引号的 0123、0o17、1e3、01、true 等值会被读成数字或布尔值（0123 变成 123），而这里需要文本。请加引号。"),
    # stage 2: schema
    ProblemType("unknown-field", E, 2, "未知字段", "模型中没有这个字段，常见原因是拼写错误。未知字段不会被忽略。"),
    ProblemType("missing-field", E, 2, "缺少必填字段", "这个字段是必填的。"),
    ProblemType("wrong-type", E, 2, "类型错误", "值的类型不对，例如需要列表却写了文本。"),
    ProblemType("invalid-value", E, 2, "取值不合法", "值不在允许的范围内，或不符合规定的格式。"),
    ProblemType("invalid-date", E, 2, "日期不合法", "日期应写成 YYYY-MM-DD，并且是真实存在的日期。"),
    ProblemType("todo", E, 2, "待填写", "必填字段是空的（\"\"）：由 qingdan new 或 qingdan import 留下的占位，旁边的注释说明应填写什么。填写之前校验不通过，不会误发布。"),
    ProblemType("text-too-long", E, 2, "文字过长", "文字超过该字段的长度上限：名称、编码、机关等 500 个字符，描述、职责、理由、备注等 5,000 个字符，引用的条文内容 50,000 个字符。"),
    ProblemType("whitespace", E, 2, "多余的空白", "值的开头或结尾有空格、全角空格或换行。"),
    # stage 3: across records
    ProblemType("duplicate-code", E, 3, "编码重复", "事项、措施和法规的编码，法律法规标识和行政区划代码，在整个仓库中都必须唯一；已废止事项的编码也不能复用。"),
    ProblemType("code-format", E, 3, "编码格式不符", "编码不符合 lists/site.yml 中 code_patterns 规定的格式。"),
    ProblemType("code-region", E, 3, "编码与所属地区不符", "事项编码中的行政区划代码应与所在部门的行政区划一致。"),
    ProblemType("department-id", E, 3, "部门标识与文件夹不符", "department.yml 中的 id 必须与所在文件夹同名。"),
    ProblemType("department-missing", E, 3, "缺少部门信息", "含有清单的文件夹必须有 department.yml。"),
    ProblemType("unknown-region", E, 3, "行政区划不存在", "引用的行政区划代码不在 lists/regions.yml 中。"),
    ProblemType("unknown-department", E, 3, "部门不存在", "引用的部门 id 没有对应的 lists/<id>/department.yml。"),
    ProblemType("unknown-source", E, 3, "法律依据不存在", "引用的法律法规不在 lists/sources.yml 或地方性法规目录中。"),
    ProblemType("source-repealed", E, 3, "引用了已废止的法律依据", "事项生效时该法律法规已经废止，不能作为依据。"),
    ProblemType("source-unverified", W, 3, "法律依据待核实", "导入时按书名自动登记的法律法规（verified: false），不在国家法律法规目录中，文号、效力层级和日期尚未核实。"),
    ProblemType("source-amended", W, 3, "引用了已修改的法律依据", "该法律法规已被修改，请核对条款序号和条文内容是否仍然准确。"),
    ProblemType("source-level", E, 3, "依据的效力层级不足", "负面清单的准入措施须以法律、行政法规、国务院决定或地方性法规为依据。"),
    ProblemType("region-code", E, 3, "行政区划代码不合法", "GB/T 2260 代码为 6 位数字：省级以 0000 结尾，市级以 00 结尾，且前缀与上级一致。"),
    ProblemType("uscc-format", E, 3, "统一社会信用代码格式不符", "统一社会信用代码为 18 位，只含数字和除 I、O、S、V、Z 以外的大写字母（GB 32100-2015）。"),
    ProblemType("uscc-checksum", W, 3, "统一社会信用代码校验位不符", "第 18 位校验码与前 17 位不符。部分早期试点代码存在此情况，请核对。"),
    ProblemType("code-type", E, 3, "编码中的类型与权力类型不符", "事项编码中的类型字母（如 XK 行政许可、CF 行政处罚）应与 power_type 一致；字母与类型的对应关系见 lists/site.yml 的 code_patterns.power_types。"),
    ProblemType("inconsistent-item", E, 3, "同一事项标准不一致", "不同地区共用同一基本编码的事项，名称、类型和设定依据应当一致（同一事项同一标准）。过渡期内，站点可在 lists/site.yml 中设 inconsistent_item: warning，只警告、不阻止发布。"),
    ProblemType("similar-item", W, 3, "同一事项使用了不同编码", "不同地区名称和权力类型都相同的事项，使用了不同的基本编码；同一事项应使用同一基本编码。"),
    ProblemType("list-overdue", E, 3, "清单逾期未公布", "已过公布期限，应公布这份清单的部门没有这份清单，或在部门信息（department.yml）中没有当年的公布记录。"),
    ProblemType("list-published-late", W, 3, "清单晚于期限公布", "公布记录中的公布日期晚于当年的公布期限。"),
    ProblemType("basis-level", E, 3, "设定依据的效力层级不能设定这类权力", "行政许可只能由法律、行政法规、国务院决定、地方性法规设定（省级政府规章可设定临时性许可）；行政处罚、行政强制措施的设定权限见行政处罚法第十条至第十四条、行政强制法第九条至第十一条。层级不够的规范只能作为实施依据。"),
    ProblemType("implementing-body", E, 3, "实施主体与实施主体性质不符", "授权组织和受委托组织须写明实施主体名称；实施主体性质为 法定机关 时，实施主体就是本部门，不另写名称。"),
    ProblemType("code-reused", E, 3, "编码被再次使用", "合并、拆分前的事项编码不再使用，不能作为在用事项的编码。"),
    ProblemType("unknown-successor", E, 3, "合并、拆分的去向事项不存在", "动态调整记录中合并、拆分后的去向事项编码，须是清单中现有的事项。"),
    ProblemType("local-measure", E, 3, "地方性措施没有全国清单依据", "全国一张清单：地方性许可措施只能是全国清单“地方性许可措施”一栏列明的措施，须写明对应的条目。"),
    ProblemType("cleanup-basis", E, 3, "清理结果缺少决定文件", "清理结果为 修改、废止 或 宣布失效 的法规、规章和规范性文件，须写明作出决定的文件、文号（或公告号、政府令号）和决定日期。"),
    ProblemType("regulation-dates", E, 3, "法规日期顺序不对", "应满足 通过日期 ≤ 批准日期 ≤ 公布日期 ≤ 施行日期。"),
    ProblemType("regulation-industry", E, 3, "行业分类不在目录中", "行业分类必须是 lists/site.yml 中 industries 列出的代码。"),
    ProblemType("regulation-validity", E, 3, "时效性不对", "清理结果为 废止 或 宣布失效 的法规，时效性应为 已废止 并填写废止日期，反之亦然；时效性 已修改 指已被新版本取代的旧文本，须写明取代它的新版本（superseded_by），且新版本在目录中。"),
    # comparing a change with its base (qingdan check, qingdan diff --check)
    ProblemType("item-vanished", E, 3, "事项被删除", "事项不能从清单中直接删除：应先标记为已废止（写明废止日期、依据和原因），或移交给其他部门。已公布的事项页面永久保留。"),
    ProblemType("not-formatted", E, 0, "文件未统一格式", "改动的文件与 qingdan fmt 的统一格式不同（缩进、引号、字段顺序、空行等）。运行 qingdan fmt 即可改好，数据不变。"),
    ProblemType("repeal-incomplete", E, 3, "废止信息不完整", "废止事项须写明废止日期、废止依据和废止原因（地方性法规为废止日期、清理批次和理由），之后才能从清单中移出。"),
    # import: reading workbooks (qingdan import); line and column are the sheet's row and column
    ProblemType("import-no-data", E, 0, "没有可导入的数据", "工作簿中没有找到可导入的数据行，没有写入任何文件。"),
    ProblemType("import-no-header", E, 0, "找不到表头", "工作表中没有可识别的表头，或缺少用来区分记录的列（如事项编码），这张表没有导入。"),
    ProblemType("import-hidden-sheet", E, 0, "隐藏的工作表含有数据", "隐藏的工作表看起来含有清单数据，没有导入。"),
    ProblemType("import-sheet-skipped", W, 0, "跳过的工作表", "隐藏的、不含清单数据的工作表已跳过。"),
    ProblemType("import-unknown-column", E, 2, "无法识别的列", "表头无法识别，或与另一列对应同一字段，这一列的内容没有导入。"),
    ProblemType("import-row-skipped", E, 2, "未导入的行", "这一行无法归入任何记录（缺少或无法读取事项编码等用来区分记录的值），没有导入。"),
    ProblemType("import-duplicate-row", E, 2, "重复的行", "与前面某一行是同一条记录，这一行没有导入。"),
    ProblemType("import-conflict", E, 2, "同一事项的值不一致", "同一事项的几行中，主项的内容不同；导入时保留第一行的值。"),
    ProblemType("import-department", E, 2, "无法确定所属部门", "这些行的实施主体不是站点中的部门，也没有指定部门，没有导入。"),
    ProblemType("import-derived", W, 2, "推定的值", "工作簿中没有、由导入按规则推定的值（子项编码、行使层级等），请核对。"),
    ProblemType("import-source-stub", W, 2, "自动登记的法律依据", "国家法律法规目录中没有的书名，已在 lists/sources.yml 中登记为待核实（verified: false）。"),
    ProblemType("import-result-invalid", E, 2, "导入结果不合格", "导入后的文件除待填写的字段外还有错误，没有写入。"),
)

