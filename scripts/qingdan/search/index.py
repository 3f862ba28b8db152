"""The static search index: token shards, tie classes and document tables, as files for the site.

Layout under ``search-index/`` (all JSON, UTF-8, but for the two ``.txt`` kinds):

- ``meta.json``: format version, the number of documents of each *part* (see
  below), the number of shards, the digest of each *pack* of shard files
  (``t``, ``pack`` consecutive shards each) and of document-table files
  (``d``), and that of the class file (``c``); the only file browsers revalidate;
- ``t/<digest>/<n>.json``: token → value, one shard per token-hash bucket;
  ``<digest>`` is that of shard ``n``'s pack (``meta.t[n // meta.pack]``). A
  value is one *block* per part holding the token, in part order, joined by
  ``;``: the part's index (postings.number), then four lists of the part's
  own document numbers (postings.encode) joined by ``|`` for the fields name,
  code, legal basis and other (trailing empty lists left out);
- ``p/<digest>.txt``: the value of one frequent token, which would make its
  shard heavy for every other token in it; its shard holds ``@<digest>`` instead;
- ``c/<digest>.txt``: each document's *tie class* (:func:`tie_class`), one
  character of postings.ALPHABET per document in number order;
- ``d/<digest>/<k>.json``: documents ``k*DOC_SHARD`` … of one part, as arrays
  (see DOC_FIELDS); a pack is at most TABLE_PACK consecutive tables of one
  part, and ``meta.d`` lists the packs part after part.

Every path but meta.json is named by the digest of what it holds, so browsers
may cache those files for good, and a build that changes a few tokens leaves
the other packs' files where they were (the same path, the same bytes).

Numbering. Documents are numbered part after part (records.parts: the site
part, then each department, sorted by id), and within a part by kind and
code (:func:`part_key`), never by name or status: a document's number is the
size of the parts before it plus its place in its part. Editing a record
(a name of any length, its status, any field) renumbers nothing; adding or
removing one renumbers its own part only, and a block holds its part's own
numbers, so the other parts' blocks keep their bytes.

Tie order. search.js breaks ties between equally good matches by (tie class,
number): in force first, then shorter names (:func:`tie_class`), then the
part order and kind and code within a part. It reads the classes from the
class file, fetched in parallel with the first shards.

The index is assembled from parts, each encoded on its own
(:func:`encode_parts`: tokenising and encoding its lists, its classes and its
document tables, the costly step), so that a build with a store
(``qingdan.search.build``) encodes again only the parts that changed;
:func:`assemble` concatenates the parts' blocks token by token and cuts them
into shards.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

from .postings import ALPHABET, encode, number, token_hash
from .records import KINDS, PATHS, SearchDoc
from .tokens import compact, index_tokens

FORMAT = 3
FIELDS = "ncbo"  # name, code, basis, other: the order of lists in a block
SLOT_BITS = 2  # a posting key is document number << SLOT_BITS | field (index in FIELDS)
DOC_FIELDS = ("kind", "name", "code", "label", "dept", "basis", "codes", "status")
DOC_SHARD = 16  # documents per document-table file
TABLE_PACK = 16  # document-table files per pack (a pack never spans two parts)
SHARD_BYTES = 8_000  # aimed size of one token shard
SPLIT_BYTES = 1_000  # a token value longer than this gets a file of its own
PACKS = 64  # at most this many packs of shard files: meta.json stays small
ROOT = "search-index"
BLOCKS = ";"  # joins the blocks of a token's value
LISTS = "|"  # joins the lists of a block
# Tie class: (not in force) << 5 | a bucket of the name's length, exact up to 27 characters.
_LONG = (32, 40, 60)  # lengths from which buckets 29, 30, 31 start (28: 28 … 31)
_SLOT_MASK = (1 << SLOT_BITS) - 1
_PART_SHIFT = 40  # while tokenising several parts, a key's part is kept above its document number
_KEY_MASK = (1 << _PART_SHIFT) - 1
assert len(FIELDS) <= 1 << SLOT_BITS

# A part's tokens: token → sorted posting keys (see SLOT_BITS) with the part's own document numbers.
Tokens = dict[str, list[int]]


def part_key(doc: SearchDoc) -> tuple[int, str, str]:
    """The order of documents within their part: kind (KINDS), then code. Nothing an edit of a
    record changes, so numbers stay put when names or statuses change."""
    return (KINDS.index(doc.kind), doc.code, doc.name)


def tie_class(doc: SearchDoc) -> int:
    """0 … 63, lower first among equally good matches: in force first, then shorter names
    (length buckets: exact up to 27 characters, then 28–31, 32–39, 40–59, 60 and more)."""
    length = len(compact(doc.name))
    bucket = length if length < 28 else 28 + sum(length >= n for n in _LONG)
    return (32 if doc.status else 0) | bucket


@dataclass
class Part:
    """One part encoded: what the index holds of it, independent of the other parts."""

    classes: str  # one character of ALPHABET per document: its tie_class
    packs: list[tuple[str, list[bytes]]]  # (digest, document-table files) for each pack of tables
    tokens: list[str]
    hashes: list[int]  # token_hash of each token
    values: list[str]  # each token's block without the part's index


def build_index(docs: Iterable[SearchDoc], *, shard_bytes: int = SHARD_BYTES,
                synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """Every file of the index of ``docs`` as one part, by path relative to the site root.

    ``synonyms`` (groups of words meaning the same thing) go into meta.json,
    which every query reads first: search.js tries each phrasing they give.
    """
    return build_parts({"": list(docs)}, shard_bytes=shard_bytes, synonyms=synonyms)


def build_parts(parts: Mapping[str, Sequence[SearchDoc]], *, shard_bytes: int = SHARD_BYTES,
                synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """The index of ``parts`` (name → documents, as records.parts gives them), parts in name order."""
    ordered = [sorted(parts[name], key=part_key) for name in sorted(parts)]
    return assemble(encode_parts(ordered), shard_bytes=shard_bytes, synonyms=synonyms)


def encode_parts(parts: Sequence[Sequence[SearchDoc]]) -> list[Part]:
    """Each part encoded, numbering its documents as listed (sorted by :func:`part_key`)."""
    out = []
    for docs, tokens in zip(parts, tokenise_parts(parts)):
        names = sorted(tokens)
        out.append(Part(
            classes="".join(ALPHABET[tie_class(doc)] for doc in docs),
            packs=_table_packs(docs),
            tokens=names,
            hashes=[token_hash(token) for token in names],
            values=[_block(tokens.pop(token)) for token in names],
        ))
    return out


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


def _block(keys: list[int]) -> str:
    """A part's lists of one token from its sorted posting keys: one list per field."""
    lists: list[list[int]] = [[] for _ in FIELDS]
    for key in keys:
        lists[key & _SLOT_MASK].append(key >> SLOT_BITS)
    return LISTS.join(encode(found) for found in lists).rstrip(LISTS)


def part_to_bytes(part: Part) -> bytes:
    """A part as kept in the build store (marshal: read back ten times faster than JSON;
    its format is Python's own, so the store key names the Python version)."""
    return marshal.dumps((FORMAT, part.classes, part.packs, part.tokens, part.hashes, part.values))


def part_from_bytes(data: bytes) -> Part:
    kept = marshal.loads(data)
    if not (isinstance(kept, tuple) and len(kept) == 6 and kept[0] == FORMAT):
        raise ValueError("not an encoded part")
    _format, classes, packs, tokens, hashes, values = kept
    if not (isinstance(classes, str) and isinstance(packs, list) and isinstance(tokens, list)
            and len(tokens) == len(hashes) == len(values)):
        raise ValueError("not an encoded part")
    return Part(classes, [(digest, list(files)) for digest, files in packs], tokens, hashes, values)


def assemble(parts: Sequence[Part], *, shard_bytes: int = SHARD_BYTES,
             synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """The index of ``parts`` (encode_parts), numbered in the order given.

    Only joins: each token's value is its parts' blocks, each prefixed with its
    part's index, so a part's blocks are the same bytes whatever the other parts hold.
    """
    entries, hashes = _entries(parts)
    body = _split_frequent(entries)
    count = _shard_count(entries, shard_bytes)
    shards = _shards(entries, hashes, count)
    pack = _pack_size(len(shards))
    classes = "".join(part.classes for part in parts).encode()
    meta = {"format": FORMAT, "docs": len(classes), "parts": [len(part.classes) for part in parts],
            "shards": count, "docShard": DOC_SHARD, "tablePack": TABLE_PACK, "fields": FIELDS,
            "docFields": DOC_FIELDS, "paths": PATHS, "synonyms": [list(group) for group in synonyms],
            "pack": pack, "c": _digest([classes]), "t": [], "d": []}
    body[f"c/{meta['c']}.txt"] = classes
    for start in range(0, len(shards), pack):
        meta["t"].append(_digest(shards[start : start + pack]))
        body.update((f"t/{meta['t'][-1]}/{n}.json", data)
                    for n, data in enumerate(shards[start : start + pack], start))
    for part in parts:
        for chunk, (digest, tables) in enumerate(part.packs):
            meta["d"].append(digest)
            body.update((f"d/{digest}/{n}.json", data) for n, data in enumerate(tables, chunk * TABLE_PACK))
    out = {f"{ROOT}/{path}": data for path, data in body.items()}
    out[f"{ROOT}/meta.json"] = _json(meta)
    return out


def _entries(parts: Sequence[Part]) -> tuple[dict[str, str], dict[str, int]]:
    """Every token with its value (its parts' blocks) and its hash."""
    blocks: dict[str, list[str]] = {}
    hashes: dict[str, int] = {}
    for index, part in enumerate(parts):
        prefix = number(index)
        for token, value in zip(part.tokens, part.values):
            found = blocks.get(token)
            if found is None:
                blocks[token] = [prefix + value]
            else:
                found.append(prefix + value)
        hashes.update(zip(part.tokens, part.hashes))
    return {token: found[0] if len(found) == 1 else BLOCKS.join(found) for token, found in blocks.items()}, hashes


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


def _shards(entries: dict[str, str], hashes: dict[str, int], count: int) -> list[bytes]:
    shards: list[dict[str, str]] = [{} for _ in range(count)]
    for token in sorted(entries):
        shards[hashes[token] % count][token] = entries[token]
    return [_json(shard) for shard in shards]


def _table_packs(docs: Sequence[SearchDoc]) -> list[tuple[str, list[bytes]]]:
    """A part's document tables, TABLE_PACK to a pack, each pack with its digest."""
    tables = [_json([_doc_row(doc) for doc in docs[start : start + DOC_SHARD]])
              for start in range(0, len(docs), DOC_SHARD)]
    return [(_digest(tables[start : start + TABLE_PACK]), tables[start : start + TABLE_PACK])
            for start in range(0, len(tables), TABLE_PACK)]


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
