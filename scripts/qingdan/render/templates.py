"""The Jinja environment of the site's page bodies: autoescaped, overridable.

Templates live in the namespaced folder ``templates/site/`` of the package; a
site overrides one by putting a file of the same name under its own templates
folder (plugin option ``templates``), e.g. ``overrides/site/item.html``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from pathlib import Path

import jinja2

from ..dates import cn_date
from ..errors import QingdanError
from ..files import read_regular, write_atomic
from ..model.power import POWER_TYPES
from .links import external


PACKAGE_TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates: in memory for the life of the process, the package's own also on disk.

    A preview server builds the site again after every edit, each time with a
    new environment (ours, and MkDocs' theme); compiling the templates again
    cost about a second. A rebuild in a new process compiled the package's
    templates again each time (a fifth of a second); those are kept in
    ``folder`` too, the package's ``templates/__pycache__`` — as Python keeps
    compiled modules beside their sources: whoever can write there can already
    change the package's code, so reading it trusts no one new. A site's own
    templates (an override folder, which a pull request may carry) are kept in
    memory only. Jinja checks each entry against the template's source (its
    checksum) and this Python, so an edited template is compiled again; a
    damaged file is compiled again too. Nothing is written when ``writes`` is
    false (Python told not to write bytecode) or the folder is read-only.
    """

    def __init__(self, folder: Path | None = None, writes: bool = True) -> None:
        self._code: dict[str, bytes] = {}
        self._folder = folder
        self._writes = writes
        self._files: dict[str, Path] = {}  # key -> its file in ``folder``, for the package's templates

    def get_cache_key(self, name: str, filename: str | None = None) -> str:
        key = super().get_cache_key(name, filename)
        if self._folder is not None and filename is not None and Path(filename).is_relative_to(PACKAGE_TEMPLATES):
            self._files[key] = self._folder / f"{key}.jinja"
        return key

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        path = self._files.get(bucket.key)
        if code is None and path is not None:
            try:
                code = read_regular(path, root=path.parent, limit=16 * 1024 * 1024)
            except (OSError, QingdanError):
                return  # not compiled yet (or not a plain file): compiled now
        if code is None:
            return
        try:
            bucket.bytecode_from_string(code)
        except Exception:  # noqa: BLE001 - a damaged file (any unpickling error) is compiled again, never fatal
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code[bucket.key] = bucket.bytecode_to_string()
        path = self._files.get(bucket.key)
        if path is not None and self._writes:
            with contextlib.suppress(OSError):
                write_atomic(path, code)  # best effort: a read-only install compiles in every process


# Shared by every environment of this process.
COMPILED = CompiledTemplates(PACKAGE_TEMPLATES / "__pycache__", writes=not sys.dont_write_bytecode)


def environment(templates_dir: Path | None = None) -> jinja2.Environment:
    """The environment: the site's folder first, then the package's templates."""
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        loaders.append(jinja2.FileSystemLoader(str(templates_dir)))
    loaders.append(jinja2.PackageLoader("qingdan", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=True,  # every value from YAML is escaped, in every template
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
        bytecode_cache=COMPILED,
    )
    env.filters["cn_date"] = cn_date
    env.filters["type_name"] = type_name
    env.filters["safe_url"] = external
    env.filters["iso"] = iso
    env.filters["tel"] = tel
    return env


def iso(value: dt.date) -> str:
    """A date (or the day of a datetime) as YYYY-MM-DD, for <time datetime>."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.isoformat()


def tel(number: str) -> str:
    """A phone number as a tel: link needs it: digits and a leading +, nothing else (0851-8888 → 08518888).

    Empty when ``number`` has no digits: then there is nothing to dial.
    """
    digits = "".join(c for c in number if "0" <= c <= "9")
    return ("+" if number.lstrip().startswith("+") else "") + digits if digits else ""


def type_name(code: str) -> str:
    """01 → 行政许可."""
    return POWER_TYPES.get(code, code)
