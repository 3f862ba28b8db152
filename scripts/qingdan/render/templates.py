"""The Jinja environment of the site's page bodies: autoescaped, overridable.

Templates live in the namespaced folder ``templates/site/`` of the package; a
site overrides one by putting a file of the same name under its own templates
folder (plugin option ``templates``), e.g. ``overrides/site/item.html``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from ..dates import cn_date
from ..model.power import POWER_TYPES
from .links import external


class MemoryBytecode(jinja2.BytecodeCache):
    """Compiled templates kept in memory for the life of the process.

    A preview server builds the site again after every edit, each time with a
    new environment (ours, and MkDocs' theme); compiling the templates again
    cost about a second. Jinja checks each entry against the template's source
    (its checksum), so an edited template is compiled again.
    """

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


COMPILED = MemoryBytecode()  # shared by every environment of this process


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
