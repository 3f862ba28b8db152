"""What `qingdan serve --live` shows in the browser while lists/ has errors.

The preview stays up: every page (and the "not found" page that stands in for the
data pages that cannot be generated) starts with the problems, in Chinese, each with
its file, line and hint, until the data is fixed. Plain functions: the MkDocs plugin
only hands the HTML to the theme.
"""

from __future__ import annotations

from ..problems import Problem
from .templates import environment

# Set by `qingdan serve --live` for its `mkdocs serve` child: show errors instead of stopping.
LIVE_ENV = "QINGDAN_LIVE_ERRORS"
SHOWN = 50


def live_errors(problems: list[Problem], shown: int = SHOWN) -> str:
    """The panel of errors as HTML (autoescaped), the most useful first."""
    errors = [p for p in problems if p.severity == "error"]
    return environment().get_template("site/live-errors.html").render(
        errors=errors[:shown], hidden=max(len(errors) - shown, 0), total=len(errors))
