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
part, then each department, sorted by id; a department of more than PART_DOCS
documents in several parts, :func:`ordered_parts`), and within a department by
kind and code (:func:`part_key`), never by name or status: a document's number
is the size of the parts before it plus its place in its part. Editing a record
(a name of any length, its status, any field) renumbers nothing; adding or
removing one renumbers its department's parts from its own on, and a block
holds its part's own numbers, so the other parts' blocks keep their bytes.

Tie order. search.js breaks ties between equally good matches by (tie class,
number): in force first, then shorter names (:func:`tie_class`), then the
part order and kind and code within a part. It reads the classes from the
class file, fetched in parallel with the first shards.

The index is assembled from parts, each encoded on its own
(:func:`encode_parts`: tokenising and encoding its lists, its classes and its
document tables, the costly step), so that a build with a store
(``qingdan.search.build``) encodes again only the parts that changed.
:func:`assemble` joins the parts' blocks token by token, shard by shard: each
part keeps its tokens grouped by shard with a digest of each group
(:func:`regroup`), and a shard whose groups are all unchanged is taken as it
was from the store. After one record changes, a rebuild encodes its part and
writes the few shards holding the tokens it gained or lost.
"""

from __future__ import annotations

import hashlib
import json
import marshal
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from .postings import ALPHABET, encode, number, token_hash
from .records import KINDS, PATHS, SearchDoc
from .tokens import compact, index_tokens

FORMAT = 3
FIELDS = "ncbo"  # name, code, basis, other: the order of lists in a block
SLOT_BITS = 2  # a posting key is document number << SLOT_BITS | field (index in FIELDS)
DOC_FIELDS = ("kind", "name", "code", "label", "dept", "basis", "codes", "status")
DOC_SHARD = 8  # documents per document-table file
TABLE_PACK = 32  # document-table files per pack (a pack never spans two parts)
# At most this many documents per part (a whole number of packs, so the tables are packed as if
# the department were one part): a rebuild encodes again the part holding a changed record, and
# a part of a department's 1,000 items was a fifth of a rebuild's wait at 10,000 items.
PART_DOCS = DOC_SHARD * TABLE_PACK
SHARD_BYTES = 8_000  # aimed size of one token shard
SPLIT_BYTES = 1_000  # a token value longer than this gets a file of its own
PACKS = 64  # at most this many packs of shard files: meta.json stays small
ROOT = "search-index"
BLOCKS = ";"  # joins the blocks of a token's value
LISTS = "|"  # joins the lists of a block
# Tie class: (not in force) << 5 | a bucket of the name's length, exact up to 27 characters.
_LONG = (32, 40, 60)  # lengths from which buckets 29, 30, 31 start (28: 28 … 31)
_ENTRY_BYTES = 8  # JSON and a part's index around a token and its block in a shard, about
_GROUP_DIGEST = 8  # bytes of the digest of a part's tokens in one shard
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
    """One part encoded: what the index holds of it, independent of the other parts.

    Its tokens are kept in shard order for ``count`` shards (:func:`regroup`):
    group ``s`` (the tokens of shard ``s``, sorted) is ``tokens[bounds[s]:bounds[s + 1]]``,
    and ``digests[8 * s : 8 * s + 8]`` digests it (zeros when empty), so that a
    build keeps a shard whose groups are all unchanged (:func:`assemble`).
    """

    classes: str  # one character of ALPHABET per document: its tie_class
    packs: list[tuple[str, list[bytes]]]  # (digest, document-table files) for each pack of tables
    size: int  # about what its tokens add to the shards, in bytes: decides the shard count
    count: int
    tokens: list[str]
    hashes: list[int]  # token_hash of each token
    values: list[str]  # each token's block without the part's index
    bounds: list[int]
    digests: bytes


def build_index(docs: Iterable[SearchDoc], *, shard_bytes: int = SHARD_BYTES,
                synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """Every file of the index of ``docs`` as one part, by path relative to the site root.

    ``synonyms`` (groups of words meaning the same thing) go into meta.json,
    which every query reads first: search.js tries each phrasing they give.
    """
    return build_parts({"": list(docs)}, shard_bytes=shard_bytes, synonyms=synonyms)


def build_parts(parts: Mapping[str, Sequence[SearchDoc]], *, shard_bytes: int = SHARD_BYTES,
                synonyms: Sequence[Sequence[str]] = ()) -> dict[str, bytes]:
    """The index of ``parts`` (name → documents, as records.parts gives them)."""
    return assemble(encode_parts(ordered_parts(parts)), shard_bytes=shard_bytes, synonyms=synonyms)


def ordered_parts(parts: Mapping[str, Sequence[SearchDoc]]) -> list[list[SearchDoc]]:
    """The parts the index numbers, in order: those of ``parts`` (name → documents, as
    records.parts gives them) in name order, each sorted by :func:`part_key` and cut into
    parts of at most PART_DOCS documents."""
    ordered = []
    for name in sorted(parts):
        docs = sorted(parts[name], key=part_key)
        ordered += [docs[start : start + PART_DOCS] for start in range(0, len(docs), PART_DOCS)] or [[]]
    return ordered


def encode_parts(parts: Sequence[Sequence[SearchDoc]]) -> list[Part]:
    """Each part encoded, numbering its documents as listed (sorted by :func:`part_key`)."""
    out = []
    for docs, tokens in zip(parts, tokenise_parts(parts)):
        names = sorted(tokens)
        values = [_block(tokens.pop(token)) for token in names]
        size = len("".join(names).encode()) + sum(map(len, values)) + _ENTRY_BYTES * len(names)
        part = Part(classes="".join(ALPHABET[tie_class(doc)] for doc in docs), packs=_table_packs(docs),
                    size=size, count=0, tokens=names, hashes=[token_hash(token) for token in names],
                    values=values, bounds=[], digests=b"")
        regroup(part, 1)
        out.append(part)
    return out


def regroup(part: Part, count: int) -> bool:
    """Put ``part``'s tokens in shard order for ``count`` shards (a power of two); False if they were."""
    if part.count == count:
        return False
    mask = count - 1
    order = sorted(range(len(part.tokens)), key=lambda n: (part.hashes[n] & mask, part.tokens[n]))
    part.tokens = [part.tokens[n] for n in order]
    part.hashes = [part.hashes[n] for n in order]
    part.values = [part.values[n] for n in order]
    part.bounds = bounds = [0] * (count + 1)
    for h in part.hashes:
        bounds[(h & mask) + 1] += 1
    for shard in range(count):
        bounds[shard + 1] += bounds[shard]
    digests = bytearray()
    for shard in range(count):
        start, end = bounds[shard], bounds[shard + 1]
        if start == end:
            digests += bytes(_GROUP_DIGEST)
        else:
            text = "\n".join(part.tokens[start:end]) + "\t" + "\n".join(part.values[start:end])
            digests += hashlib.sha256(text.encode()).digest()[:_GROUP_DIGEST]
    part.count, part.digests = count, bytes(digests)
    return True


def tokenise_parts(parts: Sequence[Sequence[SearchDoc]]) -> list[Tokens]:
    """Each token of each part with its posting keys (the part's documents numbered as listed),
    at the cost of one part: texts recur (department names, law
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
    return marshal.dumps((FORMAT, part.classes, part.packs, part.size, part.count, part.tokens,
                          part.hashes, part.values, part.bounds, part.digests))


def part_from_bytes(data: bytes) -> Part:
    kept = marshal.loads(data)
    if not (isinstance(kept, tuple) and len(kept) == 10 and kept[0] == FORMAT):
        raise ValueError("not an encoded part")
    _format, classes, packs, size, count, tokens, hashes, values, bounds, digests = kept
    if not (isinstance(classes, str) and isinstance(packs, list) and isinstance(size, int)
            and isinstance(count, int) and count >= 1 and isinstance(tokens, list)
            and isinstance(hashes, list) and isinstance(values, list) and isinstance(bounds, list)
            and isinstance(digests, bytes) and len(tokens) == len(hashes) == len(values)
            and len(bounds) == count + 1 and bounds[-1] == len(tokens)
            and len(digests) == count * _GROUP_DIGEST):
        raise ValueError("not an encoded part")
    return Part(classes, [(digest, list(files)) for digest, files in packs], size, count, tokens,
                hashes, values, bounds, digests)


class Cache(Protocol):
    """Where :func:`assemble` keeps and finds shards (store.Store)."""

    def get(self, key: str) -> bytes | None: ...

    def put(self, key: str, data: bytes) -> None: ...


def assemble(parts: Sequence[Part], *, shard_bytes: int = SHARD_BYTES,
             synonyms: Sequence[Sequence[str]] = (), cache: Cache | None = None,
             version: str = "") -> dict[str, bytes]:
    """The index of ``parts`` (encode_parts), numbered in the order given.

    Only joins: each token's value is its parts' blocks, each prefixed with its
    part's index, so a part's blocks are the same bytes whatever the other parts
    hold. Regroups the parts for the shard count (:func:`regroup`). With
    ``cache``, a shard (with its frequent-token files) is kept under a key
    digesting ``version`` (the code's) and its groups in each part, and taken
    from there when they are all unchanged.
    """
    count = _shard_count(sum(part.size for part in parts), shard_bytes)
    for part in parts:
        regroup(part, count)
    shards, body = _shards(parts, count, cache, version)
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


def _shards(parts: Sequence[Part], count: int, cache: Cache | None,
            version: str) -> tuple[list[bytes], dict[str, bytes]]:
    """Each shard's file, and the frequent-token files (path → bytes) its values moved to."""
    prefixes = [number(index) for index in range(len(parts))]
    empty = bytes(_GROUP_DIGEST)
    shards: list[bytes] = []
    files: dict[str, bytes] = {}
    for shard in range(count):
        at = slice(shard * _GROUP_DIGEST, (shard + 1) * _GROUP_DIGEST)
        groups = b"".join(part.digests[at] for part in parts)
        key = None
        if cache is not None:
            key = hashlib.sha256(b"".join((b"search-shard", str(FORMAT).encode(), version.encode(),
                                           str(SPLIT_BYTES).encode(), b"\0", groups))).hexdigest()
            kept = _kept_shard(cache.get(key))
            if kept is not None:
                shards.append(kept[0])
                files.update(kept[1])
                continue
        entries: dict[str, str] = {}
        for index, part in enumerate(parts):
            if part.digests[at] == empty:
                continue
            start, end = part.bounds[shard], part.bounds[shard + 1]
            prefix = prefixes[index]
            for token, value in zip(part.tokens[start:end], part.values[start:end]):
                found = entries.get(token)
                entries[token] = prefix + value if found is None else found + BLOCKS + prefix + value
        frequent = _split_frequent(entries)
        data = _json({token: entries[token] for token in sorted(entries)})
        if key is not None:
            cache.put(key, marshal.dumps((data, frequent)))  # type: ignore[union-attr]
        shards.append(data)
        files.update(frequent)
    return shards, files


def _kept_shard(data: bytes | None) -> tuple[bytes, dict[str, bytes]] | None:
    if data is None:
        return None
    try:
        kept = marshal.loads(data)
    except (ValueError, EOFError, TypeError):
        return None  # a damaged blob: made again
    if not (isinstance(kept, tuple) and len(kept) == 2 and isinstance(kept[0], bytes)
            and isinstance(kept[1], dict)):
        return None
    return kept


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


def _table_packs(docs: Sequence[SearchDoc]) -> list[tuple[str, list[bytes]]]:
    """A part's document tables, TABLE_PACK to a pack, each pack with its digest."""
    tables = [_json([_doc_row(doc) for doc in docs[start : start + DOC_SHARD]])
              for start in range(0, len(docs), DOC_SHARD)]
    return [(_digest(tables[start : start + TABLE_PACK]), tables[start : start + TABLE_PACK])
            for start in range(0, len(tables), TABLE_PACK)]


def _shard_count(total: int, shard_bytes: int) -> int:
    """A power of two, so that shards are about ``shard_bytes`` each (``total``: the parts' sizes)."""
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
