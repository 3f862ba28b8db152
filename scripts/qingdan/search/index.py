"""The static search index: token shards and a document table, as files for the site.

Layout under ``search-index/`` (all JSON, UTF-8):

- ``meta.json``: format version, numbers of documents and shards, and the
  digest of each *pack* of shard and document-table files (``t``, ``d``, each
  pack holding ``pack`` consecutive files); the only file browsers revalidate;
- ``t/<digest>/<n>.json``: token → posting lists, one shard per token-hash
  bucket; a value is four encoded lists joined by ``|``, for the fields name,
  code, legal basis and other (postings.py); ``<digest>`` is that of shard
  ``n``'s pack (``meta.t[n // meta.pack]``);
- ``p/<digest>.txt``: the value of one frequent token, which would make its
  shard heavy for every other token in it; its shard holds ``@<digest>`` instead;
- ``d/<digest>/<n>.json``: documents ``n*DOC_SHARD`` … as arrays (see
  DOC_FIELDS), ``<digest>`` that of table ``n``'s pack (``meta.d[n // meta.pack]``).

Every path but meta.json is named by the digest of what it holds, so browsers
may cache those files for good, and a build that changes a few shards leaves
the other packs' files where they were (the same path, the same bytes).

Document numbers follow the ranking's tie order (in force first, then shorter
names, then kind), so the browser breaks ties by number alone and the first
results of a query tend to share a few document-table files. The price: a
change that moves a record in that order (a name of another length) renumbers
the records between its old and new places, and so changes the posting lists
of most shards; a change that keeps its place (a field, a name of the same
length) changes a few packs.

The index is assembled from *parts* (groups of records, see records.groups),
each tokenised on its own (:func:`tokenise`, the costly step), so that a build
with a store (``qingdan.search.build``) tokenises again only the parts that
changed; :func:`assemble` numbers the documents and encodes the lists.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from .postings import encode, token_hash
from .records import KINDS, PATHS, SearchDoc
from .tokens import compact, index_tokens

FORMAT = 2
FIELDS = "ncbo"  # name, code, basis, other: the order of lists in a token's value
SLOT_BITS = 2  # a posting key is document number << SLOT_BITS | field (index in FIELDS)
DOC_FIELDS = ("kind", "name", "code", "label", "dept", "basis", "codes", "status")
DOC_SHARD = 16  # documents per document-table file
SHARD_BYTES = 8_000  # aimed size of one token shard
SPLIT_BYTES = 1_000  # a token value longer than this gets a file of its own
PACKS = 64  # at most this many packs of shard (and of document-table) files: meta.json stays small
ROOT = "search-index"
_SLOT_MASK = (1 << SLOT_BITS) - 1
_PART_SHIFT = 40  # while tokenising several parts, a key's part is kept above its document number
_KEY_MASK = (1 << _PART_SHIFT) - 1
assert len(FIELDS) <= 1 << SLOT_BITS

# A part's tokens: token → sorted posting keys (see SLOT_BITS) with the part's own document numbers.
Tokens = dict[str, list[int]]


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
    return assemble([(ordered, tokenise(ordered))], shard_bytes=shard_bytes, synonyms=synonyms)


def tokenise(docs: Sequence[SearchDoc]) -> Tokens:
    """Each token of ``docs`` with its posting keys, numbering the documents as listed."""
    return tokenise_parts([docs])[0]


def tokenise_parts(parts: Sequence[Sequence[SearchDoc]]) -> list[Tokens]:
    """:func:`tokenise` of each part, at the cost of one: texts recur (department names, law
    titles, quoted articles) within and across parts, and each distinct text is tokenised once,
    its documents added to each token's list at once."""
    holders: dict[str, list[int]] = defaultdict(list)  # text → keys, with the part above _PART_SHIFT
    for part, docs in enumerate(parts):
        for doc_id, doc in enumerate(docs):
            base = part << _PART_SHIFT | doc_id << SLOT_BITS
            for slot, texts in enumerate(doc.fields().values()):
                for text in set(texts):
                    holders[text].append(base | slot)
    out: list[Tokens] = [{} for _ in parts]
    merged: list[set[str]] = [set() for _ in parts]  # lists filled from several texts: sorted and made distinct below
    for text, keys in holders.items():
        tokens = index_tokens(text)
        for part, part_keys in _by_part(keys):
            found_in, merged_in = out[part], merged[part]
            for token in tokens:
                found = found_in.get(token)
                if found is None:
                    found_in[token] = part_keys.copy()
                else:
                    merged_in.add(token)
                    found.extend(part_keys)
    for tokens, merged_tokens in zip(out, merged):
        for token in merged_tokens:
            tokens[token] = sorted(set(tokens[token]))
    return out


def _by_part(keys: list[int]) -> Iterator[tuple[int, list[int]]]:
    """(part, its keys without the part) for the keys of one text, which are in part order."""
    first, last = keys[0] >> _PART_SHIFT, keys[-1] >> _PART_SHIFT
    if first == last:
        yield first, keys if not first else [key & _KEY_MASK for key in keys]
        return
    start = 0
    for n in range(1, len(keys) + 1):
        if n == len(keys) or keys[n] >> _PART_SHIFT != keys[start] >> _PART_SHIFT:
            yield keys[start] >> _PART_SHIFT, [key & _KEY_MASK for key in keys[start:n]]
            start = n


def tokens_to_bytes(tokens: Tokens) -> bytes:
    """A part's tokens as kept in the build store (marshal: read back ten times faster than JSON;
    its format is Python's own, so the store key names the Python version)."""
    return marshal.dumps(tokens)


def tokens_from_bytes(data: bytes) -> Tokens:
    tokens = marshal.loads(data)
    if not isinstance(tokens, dict):
        raise ValueError("not the tokens of a part")
    return tokens


def assemble(parts: Sequence[tuple[Sequence[SearchDoc], Tokens]], *, shard_bytes: int = SHARD_BYTES,
             synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """The index of the documents of ``parts``, each with its :func:`tokenise` result (consumed).

    The same documents give the same bytes however they are cut into parts and
    ordered; parts whose documents are in tie order (:func:`order_key`) cost least.
    """
    ordered, numbers = _number(parts)
    entries = _entries(parts, numbers)
    body = _split_frequent(entries)
    count = _shard_count(entries, shard_bytes)
    shards = _shards(entries, count)
    tables = _doc_tables(ordered)
    pack = _pack_size(max(len(shards), len(tables)))
    meta = {"format": FORMAT, "docs": len(ordered), "shards": count, "docShard": DOC_SHARD,
            "fields": FIELDS, "docFields": DOC_FIELDS, "paths": PATHS,
            "synonyms": [list(group) for group in synonyms], "pack": pack}
    for family, files in (("t", shards), ("d", tables)):
        meta[family] = digests = []
        for start in range(0, len(files), pack):
            digests.append(_digest(files[start : start + pack]))
            body.update((f"{family}/{digests[-1]}/{n}.json", data)
                        for n, data in enumerate(files[start : start + pack], start))
    out = {f"{ROOT}/{path}": data for path, data in body.items()}
    out[f"{ROOT}/meta.json"] = _json(meta)
    return out


def _number(parts: Sequence[tuple[Sequence[SearchDoc], Tokens]]) -> tuple[list[SearchDoc], list[list[int]]]:
    """The documents in tie order, and for each part the number of each of its documents."""
    keyed = sorted((order_key(doc), p, i) for p, (docs, _tokens) in enumerate(parts) for i, doc in enumerate(docs))
    numbers = [[0] * len(docs) for docs, _tokens in parts]
    ordered = []
    for number, (_key, p, i) in enumerate(keyed):
        numbers[p][i] = number
        ordered.append(parts[p][0][i])
    return ordered, numbers


def _entries(parts: Sequence[tuple[Sequence[SearchDoc], Tokens]], numbers: list[list[int]]) -> dict[str, str]:
    """Every token with its encoded value: the posting lists of its fields joined by ``|``.

    Consumes the parts' tokens: each list is freed once encoded (the lists are
    the bulk of the memory of a large build).
    """
    # A part numbered as the whole needs no renumbering; one numbered in the
    # same order as the whole (its documents in tie order) needs no sorting.
    renumber = [None if all(n == i for i, n in enumerate(ids)) else ids for ids in numbers]
    ordered = [all(a < b for a, b in zip(ids, ids[1:])) for ids in numbers]
    entries: dict[str, str] = {}
    if len(parts) == 1:  # a build without a store: no list of holders per token
        tokens = parts[0][1]
        for token in list(tokens):
            entries[token] = _value([(renumber[0], tokens.pop(token))], not ordered[0])
        return entries
    held: dict[str, list[tuple[int, list[int]]]] = {}
    for part, (_docs, tokens) in enumerate(parts):
        for token, keys in tokens.items():
            found = held.get(token)
            if found is None:
                held[token] = [(part, keys)]
            else:
                found.append((part, keys))
        tokens.clear()
    for token in list(held):
        holders = held.pop(token)
        sort = len(holders) > 1 or not ordered[holders[0][0]]
        entries[token] = _value([(renumber[part], keys) for part, keys in holders], sort)
    return entries


def _value(holders: Sequence[tuple[list[int] | None, list[int]]], sort: bool) -> str:
    """A token's encoded value from its keys in each part (with the part's numbering, None: as is)."""
    lists: list[list[int]] = [[] for _ in FIELDS]
    for ids, keys in holders:
        for slot, found in enumerate(lists):
            if ids is None:
                found += [key >> SLOT_BITS for key in keys if key & _SLOT_MASK == slot]
            else:
                found += [ids[key >> SLOT_BITS] for key in keys if key & _SLOT_MASK == slot]
    if sort:
        for found in lists:
            found.sort()
    return "|".join(encode(found) for found in lists).rstrip("|")


def _split_frequent(entries: dict[str, str]) -> dict[str, bytes]:
    """Move long values to files named by their digest, leaving ``@<digest>`` in ``entries``."""
    files: dict[str, bytes] = {}
    for token, value in entries.items():
        if len(value) > SPLIT_BYTES:
            data = value.encode()
            name = hashlib.sha256(data).hexdigest()[:12]
            files[f"p/{name}.txt"] = data
            entries[token] = f"@{name}"
    return files


def _shards(entries: dict[str, str], count: int) -> list[bytes]:
    shards: list[dict[str, str]] = [{} for _ in range(count)]
    for token in sorted(entries):
        shards[token_hash(token) % count][token] = entries[token]
    return [_json(shard) for shard in shards]


def _doc_tables(ordered: Sequence[SearchDoc]) -> list[bytes]:
    return [_json([_doc_row(doc) for doc in ordered[start : start + DOC_SHARD]])
            for start in range(0, len(ordered), DOC_SHARD)]


def _shard_count(entries: dict[str, str], shard_bytes: int) -> int:
    """A power of two, so that shards are about ``shard_bytes`` each."""
    total = sum(len(token.encode()) + len(value) + 6 for token, value in entries.items())
    count = 1
    while count * shard_bytes < total:
        count *= 2
    return count


def _pack_size(files: int) -> int:
    """Files per pack: a power of two giving at most PACKS packs (a change rewrites its pack only)."""
    size = 1
    while size * PACKS < files:
        size *= 2
    return size


def _doc_row(doc: SearchDoc) -> list[object]:
    return [doc.kind, doc.name, doc.code, doc.label, doc.dept, doc.basis, doc.codes, doc.status]


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _digest(files: Sequence[bytes]) -> str:
    digest = hashlib.sha256()
    for data in files:
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()[:12]
