"""History of the scenario repository: steps, identity, transfers, repeal, versions, removed items."""

from __future__ import annotations

import datetime as dt

import pytest

from history_support import CITY_DEPT, CITY_SFT, PROVINCE_DEPT
from qingdan.history import load_history


@pytest.fixture(scope="module")
def history(scenario):
    return load_history(scenario.path, cache_dir=None)


def step_of(history, sha):
    return next(s for s in history.steps if s.sha == sha)


def test_one_step_per_merge_and_direct_commit(history, scenario):
    shas = [s.sha for s in history.steps]
    expected = [scenario.shas[k] for k in ("pr1", "pr2", "pr3", "pr4", "pr5", "pr6", "pr7", "pr8", "direct")]
    assert shas == expected  # the root commit did not touch lists/; the dropped commit is gone
    assert [s.pr for s in history.steps[:8]] == list(range(1, 9))
    assert history.steps[-1].pr is None and not history.steps[-1].is_merge


def test_trailers_give_title_and_approvers(history, scenario):
    step = step_of(history, scenario.shas["pr3"])
    assert step.title == "移交食品经营许可"
    assert [str(p) for p in step.approvers] == ["lisi <lisi@example.gov.cn>", "wangwu <wangwu@example.gov.cn>"]
    assert step.review.reviewed_on.endswith("/pulls/3")


def test_first_step_creates_every_record(history):
    first = history.steps[0]
    created = {c.key for c in first.changes if c.action == "created"}
    assert {"520000-XK00001000", "520100-XK00001000", "520100-XK00002000", "100004", "520000-DF-2001-001",
            "source:law-food-safety", f"department:{PROVINCE_DEPT}", "site"} <= created
    power = next(c for c in first.changes if c.key == "520000-XK00001000")
    assert power.effective == "2020-01-01" and power.status == "在用" and power.version == 1


def test_field_changes_are_chinese_with_source_titles(history, scenario):
    step = step_of(history, scenario.shas["pr2"])
    (change,) = step.changes
    assert change.action == "modified" and change.key == "520000-XK00001000"
    assert [f.text() for f in change.fields] == [
        "事项名称: 食品经营许可 → 食品经营许可（省级）",
        "设定依据: 增加《中华人民共和国行政许可法》第十二条",
    ]


def test_transfer_is_one_change_not_delete_and_create(history, scenario):
    step = step_of(history, scenario.shas["pr3"])
    moved = [c for c in step.changes if c.key == "520100-XK00001000"]
    assert len(moved) == 1
    change = moved[0]
    assert change.action == "transferred"
    assert (change.from_department, change.department) == (CITY_DEPT, CITY_SFT)
    assert change.fields[0].text() == "所属部门: 示例市市场监督管理局 → 示例市司法局"


def test_repeal_keeps_legal_dates_apart_from_commit_dates(history, scenario):
    step = step_of(history, scenario.shas["pr4"])
    change = next(c for c in step.changes if c.key == "520000-XK00001000")
    assert change.action == "repealed"
    texts = [f.text() for f in change.fields]
    assert "状态: 在用 → 已废止" in texts
    assert "废止信息 · 废止日期: （无） → 2024年6月1日" in texts
    assert change.repeal == {"date": "2024-06-01", "basis": "示例省人民政府令第1号", "reason": "职能调整"}
    assert change.effective == "2020-01-01"  # 依法生效日期, not the merge date
    assert step.day != dt.date(2024, 6, 1)


def test_versions_have_contiguous_validity_intervals(history):
    versions = history.item_versions("520000-XK00001000")
    assert [v.version for v in versions] == [1, 2, 3]
    assert [v.action for v in versions] == ["created", "modified", "repealed"]
    for earlier, later in zip(versions, versions[1:]):
        assert earlier.valid_to == later.valid_from
    assert versions[-1].valid_to is None
    assert versions[1].name == "食品经营许可（省级）"


def test_item_changes_newest_first_with_pr_and_approvers(history):
    entries = history.item_changes("520000-XK00001000")
    assert [e.version for e in entries] == [3, 2, 1]
    assert entries[0].pr == 4 and entries[0].approvers == ["zhangsan <zhangsan@example.gov.cn>"]
    assert entries[0].action_label == "废止"


def test_change_log_filters_by_department_and_list(history):
    by_city = history.changes(department=CITY_DEPT)
    assert any(e.key == "520100-XK00001000" for e in by_city)  # the transfer counts for both sides
    assert all(CITY_DEPT in (e.change.department, e.change.from_department) for e in by_city)
    regulations = history.changes(list_kind="regulations")
    assert regulations and all(e.list_kind == "regulations" for e in regulations)
    dates = [e.date for e in history.changes()]
    assert dates == sorted(dates, reverse=True)


def test_removed_item_keeps_its_last_version(history, scenario):
    removed = history.removed_items()
    assert list(removed) == ["520100-XK00001000"]
    item = removed["520100-XK00001000"]
    assert item.vanished and item.department == CITY_SFT
    assert item.removed.sha == scenario.shas["direct"]
    record = history.record("520100-XK00001000")
    assert record["name"] == "食品经营许可" and record["co_implementers"] == ["520000-scjgj"]


def test_last_change_date_is_the_newest_commit_not_today(history):
    assert history.last_change_date() == history.steps[-1].day
    assert history.last_change_date() < dt.date.today()


def test_record_reads_an_old_version(history):
    assert history.record("520000-XK00001000", 1)["name"] == "食品经营许可"
    assert history.record("520000-XK00001000", 2)["name"] == "食品经营许可（省级）"
    assert history.record("site")["require_signing"] is True


def test_tags_are_releases_on_main(history):
    names = [t.name for t in history.tags()]
    assert names == ["v1"]  # v-old points at a commit no longer on main
    zipped = history.snapshot_zip("v1")
    assert zipped[:2] == b"PK"
