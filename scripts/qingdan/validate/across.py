"""The rules across records, file by file where they can be, each file's results cached.

Most rules (rules.PER_FILE and the law catalogue's) judge one file's records
against a context every file shares: the files rules.is_context names
(site.yml, regions.yml, sources.yml, departments, regulation catalogues),
which files there are, the day of validation, the prefix and the law
catalogue. Their problems for a file, located (line and column), and its
catalogue coverage are kept in one packed cache file per lists folder, by the
file's content digest, under a fingerprint of that context and of the code.
So a re-run after editing one powers.yml runs them on that file alone; a
change to the context runs them all again. The other rules (duplicate codes,
consistency across regions, successions, ...) read every file's brief
(rules.brief) on every run; each file's base codes (rules.Index.bases), which
depend on site.yml, are kept with its results here.

The problems come out in the order one pass of every rule over every file
gives (rule by rule, and within a rule file by file), so the sorted report is
the same as that of a run without the cache.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from .. import __version__
from ..files import NotRegularFile, read_regular
from ..laws.checks import catalogue_missing, citations, coverage, source_metadata
from ..load import locate
from ..load.text import MAX_FILE_BYTES
from ..problems import Problem
from ..rules import PER_FILE, RULES, Index, is_context
from .cache import PYTHON, Cache, code_digest

# The code the results below come from, beside that of the per-file stage (cache.py).
ACROSS_CODE = ("load", "model", "problems.py", "facts.py", "layout.py", "rules.py", "kinds.py", "laws",
                "validate")

# Every rule in the order a run applies them, and whether it runs file by file.
SLOTS: tuple[tuple[str, Callable[[Index], Iterator[Problem]], bool], ...] = (
    *((rule.__name__, rule, rule in PER_FILE) for rule in RULES),
    ("citations", citations, True),
    ("source_metadata", source_metadata, True),
    ("catalogue_missing", catalogue_missing, False),
)


def kept(cache: Cache, lists_dir: Path, paths: list[str], digests: dict[str, str | None], prefix: str,
         today: dt.date, catalogue: Any) -> tuple[str | None, dict[str, dict]]:
    """The fingerprint of the context (None without a cache) and the cached per-file rule results
    that still hold, by path: those of files whose content and context are what they were."""
    store = cache.packed(lists_dir, "rules")
    if store is None:
        return None, {}
    context = fingerprint(paths, digests, prefix, today, catalogue)
    data = cache.read(store)
    if not (isinstance(data, dict) and data.get("context") == context and isinstance(data.get("files"), dict)):
        return context, {}
    found = {}
    for path, hit in data["files"].items():
        digest = digests.get(path)
        if (digest is not None and isinstance(hit, list) and len(hit) == 2 and hit[0] == digest
                and isinstance(hit[1], dict) and isinstance(hit[1].get("bases"), list)):
            found[path] = hit[1]
    return context, found


def across(index: Index, lists_dir: Path, cache: Cache, digests: dict[str, str | None],
           context: str | None, known: dict[str, dict]) -> tuple[list[Problem], tuple[int, int] | None]:
    """Every problem of the rules across records, located, and the catalogue coverage (None without it).

    ``digests`` gives each file's content digest (None: not cached, e.g. a link); ``context`` and
    ``known`` are what :func:`kept` gave. The per-file rules run on the files ``known`` lacks, which
    the index must hold in full.
    """
    results: dict[str, dict] = {}
    for path in index.briefs:
        if path in known:
            results[path] = known[path]
            index.known_bases[path] = results[path]["bases"]
        else:
            results[path] = _judge(index, path, lists_dir)
    store = cache.packed(lists_dir, "rules")
    if store is not None and context is not None and results.keys() != known.keys():
        cache.write(store, {"context": context, "files": {
            path: [digests[path], result] for path, result in results.items() if digests.get(path) is not None}})

    problems: list[Problem] = []
    unlocated: list[Problem] = []
    for name, rule, per_file in SLOTS:
        if per_file:
            problems += [Problem.from_dict(p) for path in index.briefs for p in results[path]["problems"].get(name, ())]
        else:
            found = list(rule(index))
            problems += found
            unlocated += found
    locate_problems(lists_dir, index.prefix, unlocated)
    counts = None
    if index.catalogue is not None:
        counts = (sum(r["coverage"][0] for r in results.values()), sum(r["coverage"][1] for r in results.values()))
    return problems, counts


def _judge(index: Index, path: str, lists_dir: Path) -> dict:
    """The per-file rules' problems about one file, located, by rule; its catalogue coverage; and
    the base codes of its power items (Index.bases, which depend on the file and site.yml alone)."""
    view = index.only(path)
    found: dict[str, list[Problem]] = {}
    for name, rule, per_file in SLOTS:
        if per_file:
            problems = list(rule(view))
            if problems:
                found[name] = problems
    locate_problems(lists_dir, index.prefix, [p for problems in found.values() for p in problems])
    return {"problems": {name: [p.to_dict() for p in problems] for name, problems in found.items()},
            "coverage": list(coverage(view)) if index.catalogue is not None else None,
            "bases": index.bases(path)}


def fingerprint(paths: list[str], digests: dict[str, str | None], prefix: str, today: dt.date, catalogue: Any) -> str:
    """What the per-file rules' results depend on besides the file itself (see the module's docstring)."""
    where = "" if catalogue is None else f"{catalogue.fingerprint}\0{catalogue.path.stat().st_mtime_ns}"
    text = [__version__, code_digest(ACROSS_CODE), PYTHON, prefix, today.isoformat(), where]
    text += [f"{path}\0{digests.get(path) if is_context(path) else ''}" for path in paths]
    return hashlib.sha256("\n".join(text).encode()).hexdigest()


def locate_problems(lists_dir: Path, prefix: str, problems: list[Problem]) -> None:
    """Fill in the lines and columns of problems the rules found, reading each file concerned once."""
    by_file: dict[str, list[Problem]] = {}
    for problem in problems:
        by_file.setdefault(problem.file, []).append(problem)
    for shown, found in by_file.items():
        path = lists_dir / shown[len(prefix):]
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                continue
            text = read_regular(path, root=lists_dir).decode("utf-8", errors="replace")
        except (FileNotFoundError, NotRegularFile):
            continue  # removed while validating: the problem keeps its path, without a line
        locate(found, text)
