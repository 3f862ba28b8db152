"""What a page asks while it renders goes into its key (render/traces.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from qingdan.render.history import AsOf
from qingdan.render.traces import Tracer
from qingdan.store import Store

PAGE, PART = "a" * 64, "b" * 64
LATER = dt.date(2027, 2, 1)


def _page(tracer: Tracer, store: Store, made: list[str]) -> str:
    """A page that links to a page if it exists, and holds a part (a kept fragment) with a legal date."""

    def part() -> str:
        made.append("part")
        return "预先登记" if tracer.in_advance(LATER) else "—"

    def page() -> str:
        made.append("page")
        link = "有链接" if "items/x/index.md" in tracer.pages else "无链接"
        return link + tracer.made(store, PART, part)[0].decode("utf-8")

    return tracer.made(store, PAGE, page)[0].decode("utf-8")


def test_a_page_is_made_again_only_when_an_answer_to_its_questions_changes(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    made: list[str] = []
    before = Tracer(AsOf(dt.date(2027, 1, 10), True), {"items/x/index.md"})
    assert _page(before, store, made) == "有链接预先登记" and made == ["page", "part"]
    # The same answers (another day before the date, another page added): nothing is made.
    same = Tracer(AsOf(dt.date(2027, 1, 20), True), {"items/x/index.md", "items/y/index.md"})
    assert _page(same, store, made) == "有链接预先登记" and made == ["page", "part"]
    # The day moved past the date: the part and the page holding it are made again.
    moved = Tracer(AsOf(dt.date(2027, 3, 1), True), {"items/x/index.md"})
    assert _page(moved, store, made) == "有链接—" and made == ["page", "part"] * 2
    # The linked page is gone: the page is made again, its part (which did not ask) is kept.
    gone = Tracer(AsOf(dt.date(2027, 3, 1), True), set())
    assert _page(gone, store, made) == "无链接—" and made == ["page", "part"] * 2 + ["page"]


def test_the_questions_are_part_of_the_key_not_only_their_answers() -> None:
    tracer = Tracer(AsOf(dt.date(2027, 1, 10), True), {"items/x/index.md"})
    linked = tracer.key(PAGE, ("day?", "page:items/x/index.md"))
    marked = tracer.key(PAGE, ("day?", f"later:{LATER.isoformat()}"))
    assert tracer.answers(("day?", "page:items/x/index.md")) == tracer.answers(("day?", f"later:{LATER}"))
    assert linked != marked
    assert tracer.key(PAGE, ()) == PAGE  # a page that asked nothing keeps its input key


def test_printing_the_day_asks_for_the_day_itself(tmp_path: Path) -> None:
    store = Store(tmp_path / "store")
    first = Tracer(AsOf(dt.date(2027, 1, 10), True), set())
    _data, _key, trace = first.made(store, PAGE, lambda: f"数据更新至{first.cn}" if first else "")
    assert trace == ("day", "day?")
    second = Tracer(AsOf(dt.date(2027, 1, 11), True), set())
    assert second.made(store, PAGE, lambda: f"数据更新至{second.cn}")[0].decode() == "数据更新至2027年1月11日"


def test_a_damaged_trace_or_an_unknown_question_makes_the_page_again(tmp_path: Path) -> None:
    from qingdan.render.traces import trace_key

    store = Store(tmp_path / "store")
    tracer = Tracer(AsOf(dt.date(2027, 1, 10), True), set())
    made: list[str] = []

    def page() -> str:
        made.append("page")
        return "预先登记" if tracer.in_advance(LATER) else "—"

    assert tracer.made(store, PAGE, page)[0] == "预先登记".encode() and made == ["page"]
    for damaged in (b"{not json", b'{"a": 1}', b"[1, 2]", b'["no such question"]'):
        store.put(trace_key(PAGE), damaged)
        data, key, trace = tracer.made(store, PAGE, page)
        assert data == "预先登记".encode() and trace == (f"later:{LATER}",)
    assert made == ["page"] * 5
    # An unknown question (a damaged manifest) never gives a key anything was made under in another build.
    again = Tracer(AsOf(dt.date(2027, 1, 10), True), set())
    assert tracer.key(PAGE, ("no such question",)) != again.key(PAGE, ("no such question",))


def test_a_key_stands_while_its_questions_keep_the_answers_the_build_before_gave() -> None:
    """A process that builds again (render --watch) hands each build the answers the one before keyed its
    pages with: a page whose questions all have the same answers keeps its key without working it out."""
    linked, marked = ("day?", "page:items/x/index.md"), ("day?", f"later:{LATER.isoformat()}")
    first = Tracer(AsOf(dt.date(2027, 1, 10), True), {"items/x/index.md"})
    keys = {trace: first.key(PAGE, trace) for trace in (linked, marked)}
    assert not first.unchanged(linked)  # no build before: every key is worked out
    # Another day before the date, another page: the same answers, so the same keys.
    same = Tracer(AsOf(dt.date(2027, 1, 20), True), {"items/x/index.md", "items/y/index.md"}, first.answered)
    assert same.unchanged(linked) and same.unchanged(marked)
    assert all(same.key(PAGE, trace) == key for trace, key in keys.items())
    # The linked page gone: that key changes, and the tracer says so; the other stands.
    gone = Tracer(AsOf(dt.date(2027, 1, 20), True), set(), same.answered)
    assert not gone.unchanged(linked) and gone.key(PAGE, linked) != keys[linked]
    assert gone.unchanged(marked) and gone.key(PAGE, marked) == keys[marked]
    # The day moved past the date, two builds on: answered by the one just before, not the first.
    moved = Tracer(AsOf(dt.date(2027, 3, 1), True), set(), gone.answered)
    assert moved.unchanged(linked) and not moved.unchanged(marked)
    assert moved.key(PAGE, linked) == gone.key(PAGE, linked) and moved.key(PAGE, marked) != keys[marked]
    # What a build answered holds every question the build before answered, asked again or not.
    assert set(moved.answered) >= set(first.answered)
