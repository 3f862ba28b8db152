"""A site built across machines: shard ``I/N`` makes the part of ``N`` that is its own.

Work is divided by department: a shard makes the pages of the departments it
owns (their items, lists and negative-list entries), their downloads and their
part of the search index, and keeps all of it in its build store (store.py).
It writes no site. The merge step is an ordinary build whose store holds the
union of the shards' stores: it finds every department's pages and parts
there, makes the pages that belong to no department (home, indexes, law
pages, comparisons) and assembles the site-wide files (search index, site-wide
downloads, data package, feeds, manifest) from the kept parts. The result is
the single-machine build, byte for byte (tests/site/test_shards.py).

Which shard owns a department depends on its id alone (a hash, not the order
of the folders), so adding a department moves no other.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from ..errors import QingdanError

MAX_SHARDS = 4096


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` (0-based) of ``count``."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """``"I/N"`` with 0 <= I < N (as in a job matrix: 0/4 … 3/4)."""
        match = re.fullmatch(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*", text)
        if not match:
            raise QingdanError(f"分片写法不对：{text!r}。应写成 I/N，例如 0/4 表示共 4 片中的第 0 片")
        index, count = int(match[1]), int(match[2])
        if not 0 < count <= MAX_SHARDS or not 0 <= index < count:
            raise QingdanError(f"分片 {text} 不存在：N 应在 1 到 {MAX_SHARDS} 之间，I 应在 0 到 N-1 之间")
        return cls(index, count)

    def owns(self, department: str) -> bool:
        digest = hashlib.sha256(department.encode("utf-8")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"
