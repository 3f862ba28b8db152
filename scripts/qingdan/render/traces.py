"""What a page asked, while it rendered, of what changes with nearly every merge: its trace.

Two things every page may show change with most merges: which pages exist (a
commit that changes an item adds a page for its earlier version; a page links
to another only if it exists) and how current the data is (a page marks a legal
date "预先登记" when it is later than the data's newest change, macros.legal_date).
Put into every page's key, they would make the whole site again after each
merge; left out, a link would outlive its page, or a date stay marked after the
day moved past it. So the pages ask through a tracer, which notes each question
— does this page exist, is there a day, the day itself (printing it), is this
date later — and a page's key for the build store is its input key
(render/keys.py) with the answers to those questions now:

    key = input_key(static key, the questions the page asked last time, their answers now)

When the answers are the same, the page renders the same (templates are
deterministic and ask all they show); when one differs, the page is made again
and what it asks this time is kept. This is the "verifying trace" of build
systems such as Shake: the questions are kept in the store beside the bytes
(``trace_key``) and, for ``qingdan render --out``, in the folder's manifest.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from collections.abc import Callable, Container, Iterable, Mapping
from typing import Any

from ..store import Store, input_key
from .history import AsOf

Question = str  # "page:<path>" | "day?" | "day" | "later:<iso date>"
Trace = tuple[Question, ...]


class Tracer:
    """The ``as_of`` of the templates, and the pages that exist (``pages``), noting the questions
    of the page being rendered."""

    def __init__(self, as_of: AsOf | None, pages: Container[str], before: Mapping[Question, str] | None = None) -> None:
        self.as_of = as_of
        self._pages = pages
        self.pages = _Pages(self)  # what links ask (links.Linker)
        self._asked: list[set[Question]] = []  # one set per rendering under way (a page, a part of it)
        self._answers = _Answers(self._answer)  # pages ask the same questions: each is answered once
        # The questions whose answers are not what they were in the build before (``before``: its
        # answers, :attr:`answered`); None without one. 220,000 questions at 100,000 items, asked
        # 1.9 million times: answered once each here, the pages' keys need not be worked out again.
        self._changed: frozenset[Question] | None = None
        if before is not None:
            answers = self._answers
            self._changed = frozenset([q for q, answer in before.items() if answers[q] != answer])

    @property
    def answered(self) -> dict[Question, str]:
        """Every question answered so far, with its answer: the next build's ``before``.

        It holds every question of every trace whose key this build worked out or found unchanged (those
        of ``before`` are answered again to be compared), so a key is never taken as unchanged for a
        question nobody answered. Questions no page asks any more stay: a few per merge.
        """
        return dict(self._answers)

    def unchanged(self, trace: Trace) -> bool:
        """Every question of ``trace`` has the answer it had in the build before: what that build
        made or kept under an input key, asking ``trace``, has the same key now (:meth:`key`).
        False without a build before."""
        return self._changed is not None and self._changed.isdisjoint(trace)

    def answers(self, trace: Iterable[Question]) -> str:
        """The answers to ``trace``'s questions now, as one string for a key."""
        return "\n".join(map(self._answers.__getitem__, trace))  # 1.9 million questions at 100,000 items

    def _answer(self, question: Question) -> str:
        as_of = self.as_of
        if question.startswith("page:"):
            return "1" if question[5:] in self._pages else "0"
        if question.startswith("later:"):
            return "1" if as_of is not None and as_of.in_advance(dt.date.fromisoformat(question[6:])) else "0"
        if question == "day?":
            return "1" if as_of is not None else "0"
        if question == "day":
            return repr(as_of)
        # Not a question this code asks (a damaged store or manifest): an answer nothing was made
        # under, so the page is made again and asks its own questions.
        return f"?{secrets.token_hex(16)}"

    def key(self, key: str, trace: Trace) -> str:
        """The key of what was made under input key ``key`` and asked ``trace``: the questions and
        their answers now (the same answers to other questions are another thing)."""
        return input_key(key, "\n".join(trace), self.answers(trace)) if trace else key

    def made(self, store: Store, key: str, make: Callable[[], str]) -> tuple[bytes, str, Trace]:
        """The bytes made under input key ``key``, their key and trace: kept ones when the
        questions ``key`` asked when it was made have the same answers now, else ``make()``'s."""
        trace = _read_trace(store.get(trace_key(key)))
        if trace is not None:
            final = self.key(key, trace)
            data = store.get(final)
            if data is not None:
                store.reused += 1
                self._note(trace)  # an enclosing page asked them too
                return data, final, trace
        data, trace = self.recording(make)
        final = self.key(key, trace)
        store.put(trace_key(key), json.dumps(trace).encode())
        store.put(final, data)
        store.made_count += 1
        return data, final, trace

    def recording(self, make: Callable[[], str]) -> tuple[bytes, Trace]:
        """``make()``'s bytes and the questions it asked (also noted for a rendering enclosing it)."""
        self._asked.append(set())
        try:
            data = make().encode("utf-8")
        finally:
            asked = self._asked.pop()
        self._note(asked)
        return data, tuple(sorted(asked))

    def _note(self, questions: Iterable[Question]) -> None:
        if self._asked:
            self._asked[-1].update(questions)

    def _ask(self, question: Question) -> None:
        if self._asked:
            self._asked[-1].add(question)

    # -- what the templates see as ``as_of`` -----------------------------------------

    def __bool__(self) -> bool:
        self._ask("day?")
        return self.as_of is not None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "as_of":
            raise AttributeError(name)
        self._ask("day")
        return getattr(self.as_of, name)

    def in_advance(self, day: dt.date | None) -> bool:
        if day is None:
            return False
        if self.as_of is None:
            self._ask("day?")
            return False
        day = day.date() if isinstance(day, dt.datetime) else day
        self._ask(f"later:{day.isoformat()}")
        return self.as_of.in_advance(day)


class _Answers(dict):
    """Question -> answer, each answered when first asked."""

    def __init__(self, answer: Callable[[Question], str]) -> None:
        super().__init__()
        self._answer = answer

    def __missing__(self, question: Question) -> str:
        answer = self[question] = self._answer(question)
        return answer


class _Pages:
    """The pages that exist, as a page's links see them: each question is noted."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer

    def __contains__(self, path: object) -> bool:
        self._tracer._ask(f"page:{path}")
        return path in self._tracer._pages


def _read_trace(kept: bytes | None) -> Trace | None:
    """The questions kept in the store, or None (none kept, or not a list of questions: a damaged blob)."""
    try:
        trace = json.loads(kept) if kept is not None else None
    except ValueError:
        return None
    if not isinstance(trace, list) or not all(isinstance(q, str) for q in trace):
        return None
    return tuple(trace)


def trace_key(key: str) -> str:
    """Where the questions asked by what was made under ``key`` are kept in the store."""
    return input_key("trace", key)
