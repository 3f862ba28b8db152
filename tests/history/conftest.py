"""Fixtures: the scenario repository (see history_support.py for the story it tells)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from history_support import GitRepo, Scenario, build_scenario


@pytest.fixture(scope="session")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The scenario repository (read-only: copy it with ``scenario_copy`` to change it)."""
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is needed for signed merges")
    return build_scenario(tmp_path_factory.mktemp("scenario"))


@pytest.fixture
def scenario_copy(scenario: Scenario, tmp_path: Path) -> GitRepo:
    """A private copy of the scenario repository that a test may change."""
    target = tmp_path / "copy"
    shutil.copytree(scenario.path, target)
    copy = GitRepo.__new__(GitRepo)
    copy.path, copy.clock = target, scenario.repo.clock
    return copy
