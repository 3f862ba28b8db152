"""The static search index: token shards and a document table, as files for the site.

Layout under ``search-index/`` (all JSON, UTF-8):

- ``meta.json``: format version, number of documents and shards, and the
  folder holding this build (a content hash, so browsers may cache it forever
  while ``meta.json`` is revalidated);
- ``<build>/t/<n>.json``: token → posting lists, one shard per token-hash
  bucket; a value is four encoded lists joined by ``|``, for the fields name,
  code, legal basis and other (postings.py);
- ``<build>/p/<n>.txt``: the value of one frequent token, which would make its
  shard heavy for every other token in it; its shard holds ``@<n>`` instead;
- ``<build>/d/<n>.json``: documents ``n*DOC_SHARD`` … as arrays (see DOC_FIELDS).

Document numbers follow the ranking's tie order (in force first, then shorter
names, then kind), so the browser breaks ties by number alone and the first
results of a query tend to share a few document-table files.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence

from .postings import encode, token_hash
from .records import KINDS, PATHS, SearchDoc
from .tokens import compact, index_tokens

FORMAT = 1
FIELDS = "ncbo"  # name, code, basis, other: the order of lists in a token's value
SLOT_BITS = 2  # a posting key is document number << SLOT_BITS | field (index in FIELDS)
DOC_FIELDS = ("kind", "name", "code", "label", "dept", "basis", "codes", "status")
DOC_SHARD = 16  # documents per document-table file
SHARD_BYTES = 8_000  # aimed size of one token shard
SPLIT_BYTES = 1_000  # a token value longer than this gets a file of its own
ROOT = "search-index"
_SLOT_MASK = (1 << SLOT_BITS) - 1
assert len(FIELDS) <= 1 << SLOT_BITS


def order_key(doc: SearchDoc) -> tuple[bool, int, int, str, str]:
    """Tie order of results: in force first, shorter names, kind, then name and code."""
    return (bool(doc.status), len(compact(doc.name)), KINDS.index(doc.kind), doc.name, doc.code)


def build_index(docs: Iterable[SearchDoc], *, shard_bytes: int = SHARD_BYTES,
                synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """Every file of the index, by path relative to the site root.

    ``synonyms`` (groups of words meaning the same thing) go into meta.json,
    which every query reads first: search.js tries each phrasing they give.
    """
    ordered = sorted(docs, key=order_key)
    entries = _entries(ordered)
    body = _split_frequent(entries)
    count = _shard_count(entries, shard_bytes)
    body.update(_shards(entries, count))
    body.update(_doc_tables(ordered))
    build = _build_id(body)
    meta = {"format": FORMAT, "build": build, "docs": len(ordered), "shards": count,
            "docShard": DOC_SHARD, "fields": FIELDS, "docFields": DOC_FIELDS, "paths": PATHS,
            "synonyms": [list(group) for group in synonyms]}
    files = {f"{ROOT}/{build}/{path}": data for path, data in body.items()}
    files[f"{ROOT}/meta.json"] = _json(meta)
    return files


def _split_frequent(entries: dict[str, str]) -> dict[str, bytes]:
    """Move long values to files of their own, leaving ``@<n>`` in ``entries``."""
    files: dict[str, bytes] = {}
    for token in sorted(entries, key=lambda t: (-len(entries[t]), t)):
        if len(entries[token]) <= SPLIT_BYTES:
            break
        files[f"p/{len(files)}.txt"] = entries[token].encode()
        entries[token] = f"@{len(files) - 1}"
    return files


def _shards(entries: dict[str, str], count: int) -> dict[str, bytes]:
    shards: list[dict[str, str]] = [{} for _ in range(count)]
    for token in sorted(entries):
        shards[token_hash(token) % count][token] = entries[token]
    return {f"t/{n}.json": _json(shard) for n, shard in enumerate(shards)}


def _doc_tables(ordered: Sequence[SearchDoc]) -> dict[str, bytes]:
    return {f"d/{start // DOC_SHARD}.json": _json([_doc_row(doc) for doc in ordered[start : start + DOC_SHARD]])
            for start in range(0, len(ordered), DOC_SHARD)}


def _entries(ordered: Sequence[SearchDoc]) -> dict[str, str]:
    """Every token with its encoded value: the posting lists of its fields joined by ``|``."""
    postings, merged = _postings(ordered)
    entries: dict[str, str] = {}
    for token in list(postings):
        keys = postings.pop(token)  # freed as encoded: the lists are the bulk of the memory
        if token in merged:
            keys = sorted(set(keys))
        lists = [[key >> SLOT_BITS for key in keys if key & _SLOT_MASK == slot] for slot in range(len(FIELDS))]
        entries[token] = "|".join(encode(ids) for ids in lists).rstrip("|")
    return entries


def _postings(ordered: Sequence[SearchDoc]) -> tuple[dict[str, list[int]], set[str]]:
    """Each token's posting keys (see SLOT_BITS), and the tokens whose keys need sorting.

    One list of keys per token, not one per field: a large site has millions of
    tokens, and four lists each would take most of the memory of the build.
    """
    # Texts recur (department names, law titles, quoted articles): tokenise each
    # distinct text once and add its documents to each token's list at once.
    holders: dict[str, list[int]] = defaultdict(list)
    for doc_id, doc in enumerate(ordered):
        for slot, texts in enumerate(doc.fields().values()):
            for text in set(texts):
                holders[text].append(doc_id << SLOT_BITS | slot)
    postings: dict[str, list[int]] = {}
    merged: set[str] = set()  # lists filled from several texts
    for text, keys in holders.items():
        for token in index_tokens(text):
            found = postings.get(token)
            if found is None:
                postings[token] = keys.copy()
            else:
                merged.add(token)
                found.extend(keys)
    return postings, merged


def _shard_count(entries: dict[str, str], shard_bytes: int) -> int:
    """A power of two, so that shards are about ``shard_bytes`` each."""
    total = sum(len(token.encode()) + len(value) + 6 for token, value in entries.items())
    count = 1
    while count * shard_bytes < total:
        count *= 2
    return count


def _doc_row(doc: SearchDoc) -> list[object]:
    return [doc.kind, doc.name, doc.code, doc.label, doc.dept, doc.basis, doc.codes, doc.status]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _build_id(body: dict[str, bytes]) -> str:
    digest = hashlib.sha256()
    for path in sorted(body):
        digest.update(path.encode() + b"\0" + body[path] + b"\0")
    return digest.hexdigest()[:12]
