"""Search index: build time, size, and bytes a first query downloads; Pagefind beside it.

    python benchmarks/bench_search.py                     # 10,000 and 100,000 items
    python benchmarks/bench_search.py --items 10000 --pagefind
    python benchmarks/bench_search.py --items 10000 100000 --rebuild   # with a build store, after one edit

For each size, qingdan.samples.synth writes a synthetic lists/ tree, qingdan.search
builds the index, and search.js (under node, an empty cache per query, as a
first query in a new tab) answers a fixed set of queries. "bytes" is the sum of
the index files that query fetched; "gzip" the same files gzip-compressed (what
a server with compression sends). search.js itself is reported apart.

With --pagefind, the same records go into Pagefind (``pip install
'pagefind[extended]'``, language zh, one small page per record holding only its
name as title and heading and its fields, all marked data-pagefind-body; built
with the Pagefind CLI). Each query runs cold (a new node process) through
Pagefind's own pagefind.js against a local server that counts the bytes it
sends: its WebAssembly, index chunks and the fragments of the first ten
results, plus the size of pagefind.js.

Each query has a check of its first result (the same check for both engines).

With --rebuild, the index is built instead (no queries) without a store (the
baseline), then with an empty build store (cold), then again after one item's
name changes in its YAML file, with the store the cold build filled (warm):
once a field other than the name, then the name (a longer one: its tie class
changes; with index format 2 the record moved in the global tie order and
renumbered the records between). Each warm build's bytes are checked against a
build without a store; "files" counts the index files whose path and bytes the
previous build did not have (what a rebuild writes).

"meta.json" and "class file" (format 3: one character per document, fetched by
every query that finds something) are reported with the first-query figures,
which include them.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import html
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from qingdan import search
from qingdan.dataset import load_dataset
from qingdan.samples.synth import write_dataset
from qingdan.dataset import Dataset
from qingdan.search import SearchDoc, docs
from qingdan.search.index import build_parts
from qingdan.search.page import asset_files
from qingdan.search.synonyms import default_groups
from qingdan.search.tokens import compact
from qingdan.store import Store

# The node runner of search.js lives with the tests that share it.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "search"))
import node_runner as node  # noqa: E402


@dataclass
class Query:
    text: str
    expect: str  # what the first result must be, in words
    check: Callable[[SearchDoc | None], bool]


def _texts(doc: SearchDoc) -> str:
    return compact(" ".join(v for values in doc.fields().values() for v in values))


def queries(records: list[SearchDoc]) -> list[Query]:
    """Fixed queries plus a few taken from the data (a name, a code, a department, a name missing a character)."""
    item = next(d for d in records if d.kind == "power" and d.code.endswith("000") and "-CF" in d.code)
    dept = next(d for d in records if d.kind == "department")
    prefix = item.code[: item.code.index("-") + 3]
    long = next(d for d in records if d.kind == "power" and len(d.name) >= 8 and not d.status)
    gap = long.name[:3] + long.name[4:]  # e.g. 建筑施工许可 for 建筑工程施工许可

    def has(text: str) -> Callable[[SearchDoc | None], bool]:
        return lambda d: d is not None and compact(text) in _texts(d)

    return [
        Query("食品", "name contains 食品", lambda d: d is not None and "食品" in d.name),
        Query("许可证", "name contains 许可证", lambda d: d is not None and "许可证" in d.name),
        Query("罚款", "cites a text with 罚款", has("罚款")),
        Query("食品生产许可", "name contains 食品生产许可", lambda d: d is not None and "食品生产许可" in d.name),
        Query("食品安全法", "the law 食品安全法", lambda d: d is not None and d.kind == "source" and "食品安全法" in d.name),
        Query("第三十五条", "cites a 第三十五条", lambda d: d is not None and any("第三十五条" in b for b in d.basis)),
        Query("未取得许可", "holds 未取得许可", has("未取得许可")),
        Query("监督检查", "name contains 监督检查", lambda d: d is not None and "监督检查" in d.name),
        Query(item.name, "an item with exactly this name", lambda d: d is not None and d.name == item.name),
        Query(item.code, "the item with this code", lambda d: d is not None and d.code == item.code),
        Query(prefix, f"a code starting {prefix}", lambda d: d is not None and d.code.startswith(prefix)),
        Query(dept.name, "the department", lambda d: d is not None and d.kind == "department" and d.name == dept.name),
        # Tolerant ranking: the name with one character left out still finds the item first.
        Query(gap, "an item with the name it lacks a character of", lambda d: d is not None and d.name == long.name),
    ]


def _gzip_size(path: Path) -> int:
    return len(gzip.compress(path.read_bytes(), 6))


def run_qingdan(data: Dataset, records: list[SearchDoc], work: Path, qs: list[Query]) -> dict:
    started, cpu = time.perf_counter(), time.process_time()
    files = build_parts(search.parts(data), synonyms=default_groups())  # as search.build, with the site's synonyms
    build_s, build_cpu = time.perf_counter() - started, time.process_time() - cpu
    site = node.write_site(files, work / "site")
    by_path = {d.path: d for d in records}
    answers = node.query(site, [q.text for q in qs], limit=10)
    rows = []
    for q, answer in zip(qs, answers):
        first = by_path.get(answer["results"][0]["path"]) if answer["results"] else None
        gz = sum(_gzip_size(site / "search-index" / p) for p, _size in answer["fetched"])
        rows.append({"query": q.text, "total": answer["total"], "complete": answer["complete"], "files": answer["files"],
                     "bytes": answer["bytes"], "gzip": gz, "ms": round(answer["ms"], 1),
                     "first": first.name if first else None, "ok": q.check(first)})
    index = [v for k, v in files.items()]
    meta = json.loads(files["search-index/meta.json"])
    classes = files[f"search-index/c/{meta['c']}.txt"]
    return {"build_s": round(build_s, 1), "build_cpu_s": round(build_cpu, 1), "index_bytes": sum(map(len, index)), "index_files": len(index),
            "meta_bytes": len(files["search-index/meta.json"]), "class_bytes": len(classes),
            "class_gzip": len(gzip.compress(classes, 6)),
            "largest_file": max(map(len, index)), "script_bytes": len(asset_files()["assets/qingdan/search.js"]),
            "queries": rows}


# ---------------------------------------------------------------- Pagefind


def _pagefind_index(records: list[SearchDoc], root: Path) -> None:
    """One small page per record, its text marked as the body, indexed by the Pagefind CLI."""
    for d in records:
        page = root / d.path / "index.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        body = "".join(f"<p>{html.escape(v)}</p>" for values in d.fields().values() for v in values if v)
        page.write_text(f'<!doctype html><html lang="zh-CN"><meta charset="utf-8"><title>{html.escape(d.name)}'
                        f"</title><body><main data-pagefind-body><h1>{html.escape(d.name)}</h1>{body}</main>"
                        "</body></html>", encoding="utf-8")
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(root), "--force-language", "zh"],
                   check=True, capture_output=True)


# Pagefind's own script, run by node (a fresh process per query: an empty cache);
# its WebAssembly, index chunks and fragments come from the counting server.
HARNESS = """
const [script, base, q] = process.argv.slice(2);
const pagefind = await import(script);
await pagefind.options({ basePath: base });
const search = await pagefind.search(q);
const data = await Promise.all(search.results.slice(0, 10).map((r) => r.data()));
console.log(JSON.stringify({ total: search.results.length, urls: data.map((d) => new URL(d.url).pathname) }));
"""


class _Counter(SimpleHTTPRequestHandler):
    sent = 0

    def copyfile(self, source, outputfile) -> None:  # type: ignore[no-untyped-def]
        data = source.read()
        type(self).sent += len(data)
        outputfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


def run_pagefind(records: list[SearchDoc], work: Path, qs: list[Query]) -> dict:
    root = work / "pf-site"
    started = time.perf_counter()
    _pagefind_index(records, root)
    build_s = time.perf_counter() - started
    harness = work / "pf-query.mjs"
    harness.write_text(HARNESS, encoding="utf-8")
    script = root / "pagefind" / "pagefind.js"
    index = [p for p in (root / "pagefind").rglob("*") if p.is_file()]
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Counter, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/pagefind/"
    by_path = {"/" + d.path: d for d in records}
    rows = []
    try:
        for q in qs:
            _Counter.sent = 0
            done = subprocess.run([node.node_binary(), str(harness), str(script), base, q.text],
                                  capture_output=True, text=True, timeout=600, check=True)
            result = json.loads(done.stdout)
            first = by_path.get(result["urls"][0]) if result["urls"] else None
            rows.append({"query": q.text, "total": result["total"], "bytes": _Counter.sent + script.stat().st_size,
                         "first": first.name if first else None, "ok": q.check(first)})
    finally:
        server.shutdown()
        server.server_close()
    return {"build_s": round(build_s, 1), "index_bytes": sum(p.stat().st_size for p in index),
            "index_files": len(index), "queries": rows}


# ---------------------------------------------------------------- report


def bench(items: int, work: Path, pagefind: bool) -> dict:
    started = time.perf_counter()
    write_dataset(work / "data", items, seed=0)
    data = load_dataset(work / "data" / "lists")
    records = docs(data)
    prepare_s = time.perf_counter() - started
    qs = queries(records)
    out = {"items": items, "records": len(records), "prepare_s": round(prepare_s, 1),
           "qingdan": run_qingdan(data, records, work, qs)}
    if pagefind:
        out["pagefind"] = run_pagefind(records, work, qs)
    return out


# ---------------------------------------------------------------- rebuild with a store


def _timed(make: Callable[[], dict[str, bytes]]) -> tuple[dict[str, bytes], float, float]:
    started, cpu = time.perf_counter(), time.process_time()
    files = make()
    return files, time.perf_counter() - started, time.process_time() - cpu


def _edit_first_item(lists: Path, key: str, change: Callable[[str], str]) -> None:
    """Change field ``key`` of the first item of the first powers.yml."""
    path = sorted(lists.glob("*/powers.yml"))[0]
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith(f"    {key}: "))
    lines[at] = f"    {key}: " + change(lines[at].removeprefix(f"    {key}: "))
    path.write_text("\n".join(lines), encoding="utf-8")


# (label, field, change): a field other than the name, and a longer name (which changes the
# record's tie class; in index format 2 it moved the record in the global tie order).
EDITS = (("another field", "handling_unit", lambda text: text + "（已改）"),
         ("name", "name", lambda text: text + "（已改名）"))


def bench_rebuild(items: int, work: Path) -> dict:
    write_dataset(work / "data", items, seed=0)
    lists = work / "data" / "lists"
    data = load_dataset(lists)
    files, base_s, base_cpu = _timed(lambda: search.build(data))
    store = Store(work / "store")
    cold, cold_s, cold_cpu = _timed(lambda: search.build(data, store=store))
    assert cold == files
    out = {"items": items, "records": len(docs(data)), "parts": store.made_count, "baseline_s": base_s,
           "baseline_cpu_s": base_cpu, "cold_s": cold_s, "cold_cpu_s": cold_cpu,
           "index_files": sum(p.startswith("search-index/") for p in files)}
    for label, key, change in EDITS:
        _edit_first_item(lists, key, change)
        data = load_dataset(lists)
        store = Store(work / "store")
        warm, warm_s, warm_cpu = _timed(lambda: search.build(data, store=store))
        assert warm == search.build(data), "a warm build differs from a build without a store"
        out[label] = {"s": warm_s, "cpu_s": warm_cpu, "parts_made": store.made_count,
                      "files": sum(files.get(path) != value for path, value in warm.items()
                                   if path.startswith("search-index/"))}
        files = warm
    return out


def _print_rebuild(r: dict) -> None:
    print(f"\n== {r['items']:,} items ({r['records']:,} records in {r['parts']} parts; {r['index_files']:,} index files)")
    print(f"no store (baseline): {r['baseline_s']:.2f} s (CPU {r['baseline_cpu_s']:.2f} s); "
          f"empty store (cold): {r['cold_s']:.2f} s (CPU {r['cold_cpu_s']:.2f} s)")
    for label, _key, _change in EDITS:
        w = r[label]
        print(f"warm store after one item's {label} changed: {w['s']:.2f} s (CPU {w['cpu_s']:.2f} s), "
              f"ratio to baseline {w['s'] / r['baseline_s']:.2f} (CPU {w['cpu_s'] / r['baseline_cpu_s']:.2f}); "
              f"{w['parts_made']} part(s) tokenised again; {w['files']:,} of {r['index_files']:,} index files written")


def _print(result: dict) -> None:
    q = result["qingdan"]
    sizes = [r["bytes"] for r in q["queries"]]
    print(f"\n== {result['items']:,} items ({result['records']:,} records; synth+load {result['prepare_s']} s)")
    print(f"qingdan: build {q['build_s']} s (CPU {q['build_cpu_s']} s), index {q['index_bytes'] / 1e6:.1f} MB in {q['index_files']:,} files "
          f"(largest {q['largest_file'] / 1e3:.0f} KB); search.js {q['script_bytes'] / 1e3:.1f} KB "
          "is loaded with the page, not counted below")
    print(f"meta.json {q['meta_bytes'] / 1e3:.1f} KB; class file {q['class_bytes'] / 1e3:.1f} KB "
          f"(gzip {q['class_gzip'] / 1e3:.1f} KB), fetched by every query with a match")
    gz = sorted(r["gzip"] for r in q["queries"])
    print(f"first query: median {statistics.median(sizes) / 1e3:.0f} KB, max {max(sizes) / 1e3:.0f} KB "
          f"(gzip median {statistics.median(gz) / 1e3:.0f} KB, max {max(gz) / 1e3:.0f} KB); "
          f"{sum(r['ok'] for r in q['queries'])}/{len(sizes)} first results right")
    pf = result.get("pagefind")
    if pf:
        pf_sizes = [r["bytes"] for r in pf["queries"]]
        print(f"pagefind: build {pf['build_s']} s, index {pf['index_bytes'] / 1e6:.1f} MB in {pf['index_files']:,} "
              f"files; first query median {statistics.median(pf_sizes) / 1e3:.0f} KB, max {max(pf_sizes) / 1e3:.0f} KB "
              f"(incl. its script and wasm); {sum(r['ok'] for r in pf['queries'])}/{len(pf_sizes)} first results right")
    header = f"{'query':<24} {'hits':>7} {'KB':>6} {'gzKB':>5} {'ok':>3}"
    print(header + (f" | {'pf hits':>7} {'pf KB':>6} {'ok':>3}" if pf else ""))
    for i, row in enumerate(q["queries"]):
        line = (f"{row['query'][:22]:<24} {row['total']:>7} {row['bytes'] / 1e3:>6.0f} {row['gzip'] / 1e3:>5.0f} "
                f"{'yes' if row['ok'] else 'NO':>3}")
        if pf:
            p = pf["queries"][i]
            line += f" | {str(p['total']):>7} {p['bytes'] / 1e3:>6.0f} {'yes' if p['ok'] else 'NO':>3}"
        print(line)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--items", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--pagefind", action="store_true", help="also index and query with Pagefind")
    parser.add_argument("--rebuild", action="store_true",
                        help="time builds with a build store after one name change instead of queries")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args(argv)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the start "
          "(wall-clock times grow with load; CPU times less so)")
    results = []
    for items in args.items:
        with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
            results.append(bench_rebuild(items, Path(tmp)) if args.rebuild else bench(items, Path(tmp), args.pagefind))
        (_print_rebuild if args.rebuild else _print)(results[-1])
        sys.stdout.flush()
    if args.json:
        args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
