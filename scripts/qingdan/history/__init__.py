"""History stage: what changed in lists/, when, by whom, approved by whom — read from git.

    gitrepo (one log pass, one cat-file process) -> items (identity, transfers)
    -> fielddiff (changes in Chinese) -> History (timeline, change log, feeds)

Entry points: :func:`load_history` for the site and the CLI; ``audit``,
``compare`` and ``snapshot`` modules for the commands of the same names.
"""

from .changes import ACTIONS, Change, Step
from .fielddiff import FieldChange
from .snapshot import Release
from .store import Entry, History, Removed, Version, load_history

__all__ = ["ACTIONS", "Change", "Entry", "FieldChange", "History", "Release", "Removed", "Step", "Version",
           "load_history"]
