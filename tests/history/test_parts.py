"""The pieces on their own: cutting files into entries, field diffs, trailers."""

from __future__ import annotations

import random

import pytest

from qingdan.history.chunks import changed, split
from qingdan.history.fielddiff import diff_records
from qingdan.history.trailers import Person, review
from qingdan.model import NegativeItem, PowerItem
from qingdan.samples.synth import render

SYNTH = dict(render(600, seed=3))
POWERS = next(text for path, text in SYNTH.items() if path.endswith("powers.yml")).encode()
NEGATIVE = next(text for path, text in SYNTH.items() if path.endswith("negative_list.yml")).encode()


@pytest.mark.parametrize("raw", [POWERS, NEGATIVE])
def test_split_round_trips(raw):
    cut = split(raw)
    assert not cut.whole and len(cut.entries) > 5
    assert cut.document(cut.entries) == raw
    assert all(e.startswith(cut.sep) for e in cut.entries)


@pytest.mark.parametrize("text", [
    "items: []\n", "- a\n", "items:\n\t- code: x\n", "---\nitems:\n  - a: 1\n", "items:\n  - a: 1\nitems:\n  - b: 1\n",
])
def test_files_that_are_read_whole(text):
    assert split(text.encode()).whole


def test_suffix_and_column_zero_entries():
    cut = split(b"# c\nitems:\n- code: a\n\n- code: b\nedition: x\n")
    assert cut.entries == [b"- code: a\n\n", b"- code: b\n"] and cut.suffix == b"edition: x\n"


@pytest.mark.parametrize("raw", [POWERS, NEGATIVE])
def test_changed_agrees_with_a_full_split(raw):
    rnd = random.Random(7)
    old = split(raw)
    for _ in range(60):
        entries = list(old.entries)
        for _ in range(rnd.randint(1, 3)):
            k = rnd.randrange(len(entries))
            op = rnd.random()
            if op < 0.4:
                entries[k] = entries[k].replace(b"name: ", b"name: X", 1)
            elif op < 0.6 and len(entries) > 1:
                del entries[k]
            elif op < 0.8:
                entries.insert(k, entries[rnd.randrange(len(entries))])
            else:
                entries[k] += b"    # note\n"
        new_raw = old.document(entries)
        i, j, new = changed(old, raw, new_raw)
        assert new.entries == split(new_raw).entries
        assert new.entries[:i] == old.entries[:i]
        assert new.entries[len(new.entries) - (len(old.entries) - j):] == old.entries[j:]


def test_changed_cuts_only_around_the_change():
    raw = b"items:\n" + b"".join(b"  - code: c%d\n    name: n\n" % n for n in range(50))
    grown = raw.replace(b"  - code: c20\n    name: n\n", b"  - code: c20\n    name: n\n    remarks: r\n")
    i, j, new = changed(split(raw), raw, grown)
    assert (i, j) == (20, 21)  # the grown entry alone, not the whole file
    assert new.entries == split(grown).entries


def test_changed_handles_a_new_header():
    old = split(b"items:\n  - a: 1\n")
    i, j, new = changed(old, b"items:\n  - a: 1\n", b"# new\nitems:\n  - a: 2\n")
    assert (i, j) == (0, 1) and new.entries == [b"  - a: 2\n"]


class Titles:
    def source_title(self, source_id):
        return {"law-a": "中华人民共和国甲法"}.get(source_id)

    def department_name(self, dept_id):
        return {"d1": "示例局"}.get(dept_id)


def test_field_diff_labels_come_from_the_models():
    old = {"code": "X", "name": "甲", "power_type": "01", "exercise_level": "省", "co_implementers": [],
           "legal_basis": [{"source": "law-a", "articles": "第一条"}], "accountability_cases": ["情形一"]}
    new = dict(old, name="乙", power_type="02", co_implementers=["d1"], accountability_cases=["情形二"],
               legal_basis=[{"source": "law-a", "articles": "第二条"}, {"source": "law-b"}])
    texts = [f.text() for f in diff_records(PowerItem, old, new, Titles())]
    assert texts == [
        "事项名称: 甲 → 乙",
        "权力类型: 01 行政许可 → 02 行政处罚",
        "共同实施部门: 增加示例局",
        "设定依据: 增加law-b",
        "设定依据《中华人民共和国甲法》 · 条款: 第一条 → 第二条",
        "追责情形: 删除“情形一”",
        "追责情形: 增加“情形二”",
    ]


def test_field_diff_nested_lists_by_code_and_defaults():
    measure = {"code": "1-01", "description": "甲", "scope": "全国", "legal_basis": [{"source": "law-a"}]}
    old = {"code": "1", "name": "n", "category": "许可准入类", "measures": [measure]}
    new = dict(old, measures=[dict(measure, status="已取消")])
    assert [f.text() for f in diff_records(NegativeItem, old, new)] == ["准入措施 1-01 · 状态: 有效 → 已取消"]
    assert diff_records(PowerItem, {"status": "在用"}, {}) == []  # an absent field has its default


def test_trailers_of_gitea_github_and_squash_messages():
    gitea = review("Merge pull request '修改事项' (#12) from feature into main\n\n"
                   "Reviewed-on: https://git.example/org/repo/pulls/12\nReviewed-by: 张三 <zhangsan@example.gov.cn>\n")
    assert (gitea.title, gitea.pr) == ("修改事项", 12)
    assert gitea.approvers == [Person("张三", "zhangsan@example.gov.cn")]
    github = review("Merge pull request #7 from org/branch\n\n新增事项\n\n"
                    "Reviewed-by: lisi <123+lisi@users.noreply.github.com>")
    assert (github.title, github.pr) == ("新增事项", 7)
    assert github.approvers[0].is_reviewer("@lisi") and github.approvers[0].is_reviewer("@LiSi")
    squash = review("修改电话 (#9)\n\nnot a trailer paragraph\nReviewed-by: x <x@y>")
    assert (squash.title, squash.pr, squash.approvers) == ("修改电话", 9, [])


def test_an_adjustment_shows_its_type_and_approving_document() -> None:
    """动态调整 in the change log, feeds and audit: type, document, number, issuer, date, codes."""
    from qingdan.history.fielddiff import diff_records
    from qingdan.model import PowerItem

    adjustment = {"kind": "合并", "date": "2020-02-20", "document": "示例省人民政府关于调整省级部门权责清单的决定",
                  "document_number": "示府发〔2020〕4号", "issuer": "示例省人民政府", "from_codes": ["520000-XK00018000"]}
    (change,) = diff_records(PowerItem, {}, {"adjustments": [adjustment]})
    assert change.text() == ("动态调整记录: 增加合并：示例省人民政府关于调整省级部门权责清单的决定"
                             "（示府发〔2020〕4号，示例省人民政府，2020-02-20）；来源事项 520000-XK00018000")
