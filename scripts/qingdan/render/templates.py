"""The Jinja environment of the site's page bodies: autoescaped, overridable.

Templates live in the namespaced folder ``templates/site/`` of the package; a
site overrides one by putting a file of the same name under its own templates
folder (plugin option ``templates``), e.g. ``overrides/site/item.html``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import jinja2

from ..model.power import POWER_TYPES
from .links import external


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
    )
    env.filters["cn_date"] = cn_date
    env.filters["type_name"] = type_name
    env.filters["safe_url"] = external
    env.filters["iso"] = iso
    return env


def cn_date(value: dt.date | None) -> str:
    """2024-03-01 → 2024年3月1日 (empty for None; a datetime gives its day)."""
    if value is None:
        return ""
    return f"{value.year}年{value.month}月{value.day}日"


def iso(value: dt.date) -> str:
    """A date (or the day of a datetime) as YYYY-MM-DD, for <time datetime>."""
    day = value.date() if isinstance(value, dt.datetime) else value
    return day.isoformat()


def type_name(code: str) -> str:
    """01 → 行政许可."""
    return POWER_TYPES.get(code, code)
