"""Hypothesis strategies for hostile and broken YAML data files.

Every strategy yields ``(relpath, raw bytes)``: where under lists/ the file
stands (which decides the model that reads it) and its content. The documents
start from the repository's own sample files and are then cut, mutated, nested
deeply, blown up or given alias chains, so that most of them are *almost*
valid — the inputs that reach the deepest parts of the loader.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import strategies as st
from qingdan.layout import KINDS

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "lists"


def _sample_seeds() -> dict[str, str]:
    """filename → the text of the first sample file of that kind."""
    seeds: dict[str, str] = {}
    for kind in KINDS:
        found = sorted(SAMPLE.glob(f"*/{kind.filename}" if kind.per_department else kind.filename))
        if found:
            seeds[kind.filename] = found[0].read_text(encoding="utf-8")
    return seeds


SEEDS = _sample_seeds()
# The department whose folder the fuzzed per-department files go into (see the tests' tree).
DEPARTMENT = min(p.parent.name for p in SAMPLE.glob("*/department.yml"))
RELPATHS = [f"{DEPARTMENT}/{k.filename}" if k.per_department else k.filename for k in KINDS]

# Pieces of YAML syntax, including the ones the project forbids or treats
# specially (tags, anchors, merge keys, directives, YAML 1.1 values, line
# breaks other than \n, invisible characters).
TOKENS = (
    ":", ": ", " ", "  ", "\n", "\r\n", "\r", "\t", "- ", "-", "[", "]", "{", "}", ",", "? ", "#", "'", '"',
    "|", "|-\n", ">\n", "&a ", "*a", "&b ", "*b", "!!python/object/apply:os.system ", "!foo ", "!!str ",
    "<<: *a", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:example.org,2002:\n", "items:", "code:", "name:",
    "source:", "  - code: ", "yes", "no", "on", "0123", "1e3", "0x1F", ".inf", "~", "null", "12:30:00",
    "2024-02-30", "2024-01-01", "\ufeff", "\u200b", "\u2028", "\u2029", "\x85", "\x00", "\x1b", "\ud7ff",
    "\U0001f600", "食品", "　", "\\", "\\x", "\\u12", "@", "`",
)

_text = st.text(st.characters(codec="utf-8"), max_size=40)
_token = st.one_of(st.sampled_from(TOKENS), _text)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, str]:
    """A sample file with one to five random edits: cuts, insertions, duplicated or moved lines."""
    name = draw(st.sampled_from(sorted(SEEDS)))
    text = SEEDS[name]
    for _ in range(draw(st.integers(1, 5))):
        text = _edit(draw, text)
    return name, text


def _edit(draw: st.DrawFn, text: str) -> str:
    lines = text.split("\n")
    op = draw(st.sampled_from(("truncate", "insert", "delete", "duplicate-line", "move-line", "indent",
                               "replace-char")))
    at = draw(st.integers(0, len(text)))
    if op == "truncate":
        return text[:at]
    if op == "insert":
        return text[:at] + draw(st.lists(_token, min_size=1, max_size=6).map("".join)) + text[at:]
    if op == "delete":
        return text[:at] + text[at + draw(st.integers(1, 200)):]
    if op == "replace-char":
        return text[:at] + draw(st.sampled_from(TOKENS)) + text[at + 1:]
    i = draw(st.integers(0, len(lines) - 1))
    if op == "duplicate-line":  # the usual way to get a duplicated key
        lines.insert(draw(st.integers(i, len(lines))), lines[i])
    elif op == "move-line":
        lines.insert(draw(st.integers(0, len(lines) - 1)), lines.pop(i))
    else:
        lines[i] = " " * draw(st.integers(1, 9)) + lines[i]
    return "\n".join(lines)


@st.composite
def deep(draw: st.DrawFn) -> str:
    """Nesting far deeper than any data file: flow brackets, block ladders, compact chains."""
    depth = draw(st.integers(1, 20_000))
    style = draw(st.sampled_from(("flow-seq", "flow-map", "block-map", "block-seq", "mixed", "unclosed")))
    if style == "flow-seq":
        return "items: " + "[" * depth + "]" * depth + "\n"
    if style == "flow-map":
        return "items: " + "{a: " * depth + "1" + "}" * depth + "\n"
    if style == "block-map":
        depth = min(depth, 2_000)  # the text grows with the square of the depth
        return "".join(" " * i + "k:\n" for i in range(depth)) + " " * depth + "v\n"
    if style == "block-seq":
        return "items:\n" + "- " * depth + "x\n"
    if style == "mixed":
        return "items: " + "[{a: " * depth + "1" + "}]" * depth + "\n"
    return "items: " + "[" * depth + "\n"


@st.composite
def huge(draw: st.DrawFn) -> str:
    """A very long scalar, key or list, in the styles YAML allows."""
    size = draw(st.integers(10_000, 1_000_000))
    char = draw(st.sampled_from(("x", "食", " ", "a ", "\\n")))
    body = (char * (size // len(char) + 1))[:size]
    style = draw(st.sampled_from(("plain", "double", "single", "literal", "key", "many-items", "one-line")))
    if style == "plain":
        return f"name: {body}\n"
    if style == "double":
        return f'name: "{body}"\n'
    if style == "single":
        return f"name: '{body}'\n"
    if style == "literal":
        return "name: |\n" + "".join(f"  {body[i:i + 80]}\n" for i in range(0, len(body), 80))
    if style == "key":
        return f"{body}: 1\n"
    if style == "many-items":
        # Every record here is several problems; a few thousand keep a CI run short.
        return "items:\n" + "  - code: x\n" * (size // 500)
    return "items: [" + ",".join(["1"] * (size // 200)) + "]\n"


@st.composite
def alias_chain(draw: st.DrawFn) -> str:
    """Anchors and aliases: billion-laughs chains, self references, merge keys, undefined aliases."""
    depth = draw(st.integers(1, 40))
    width = draw(st.integers(1, 12))
    style = draw(st.sampled_from(("laughs", "self", "merge", "undefined", "anchor-only")))
    if style == "laughs":
        lines = ['a0: &a0 ["lol"]']
        lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * width)}]" for i in range(1, depth)]
        return "\n".join(lines) + f"\nitems: *a{depth - 1}\n"
    if style == "self":
        return "items: &x [*x]\n"
    if style == "merge":
        return "base: &b {code: x, name: y}\nitems:\n" + "".join("  - <<: *b\n" for _ in range(depth))
    if style == "undefined":
        return "items:\n" + "  - *nothing\n" * depth
    return "items:\n" + "".join(f"  - &n{i} {{code: c{i}}}\n" for i in range(depth))


def _encode(draw: st.DrawFn, text: str) -> bytes:
    """Mostly UTF-8; sometimes with a BOM, as UTF-16 or GB18030 (what Windows editors write)."""
    codec = draw(st.sampled_from(("utf-8",) * 6 + ("utf-8-sig", "utf-16", "gb18030")))
    return text.encode(codec)


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, bytes]:
    """(relpath under lists/, raw bytes) of one hostile or broken data file."""
    source = draw(st.sampled_from(("mutated", "tokens", "unicode", "deep", "huge", "alias", "bytes")))
    relpath = draw(st.sampled_from(RELPATHS))
    if source == "bytes":
        return relpath, draw(st.binary(max_size=2_000))
    if source == "mutated":
        name, text = draw(mutated())
        relpath = next(r for r in RELPATHS if r.endswith(name))  # mostly read by its own model
        if draw(st.integers(0, 4)) == 0:
            relpath = draw(st.sampled_from(RELPATHS))  # and sometimes by another one
    elif source == "tokens":
        text = draw(st.lists(_token, max_size=80).map("".join))
    elif source == "unicode":
        text = draw(st.text(st.characters(codec="utf-8"), max_size=2_000))
    elif source == "deep":
        text = draw(deep())
    elif source == "huge":
        text = draw(huge())
    else:
        text = draw(alias_chain())
    return relpath, _encode(draw, text)
