"""Fixtures for the publish stage: a real git repository, a built site, signing keys.

The repository is ``tmp_path`` itself, with the shared valid tree under lists/
committed on ``main``; ``git(*args)`` runs git in it with a fixed identity so a
developer's global configuration (signing, hooks) cannot change the result.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from publish_support import GitRunner, run_git, write_site

from qingdan.fmt import format_tree


@pytest.fixture
def repo(make_tree: Callable[..., Path], tmp_path: Path) -> Path:
    """A git repository at tmp_path with the valid lists/ tree committed on main."""
    make_tree()
    run_git(tmp_path, "init", "-q", "-b", "main")
    run_git(tmp_path, "add", "lists")
    run_git(tmp_path, "commit", "-q", "-m", "初始清单")
    return tmp_path


@pytest.fixture
def formatted_repo(make_tree: Callable[..., Path], tmp_path: Path) -> Path:
    """Like ``repo``, with the tree in `qingdan fmt`'s canonical format, as a real repository keeps it."""
    format_tree(make_tree(), write=True)
    run_git(tmp_path, "init", "-q", "-b", "main")
    run_git(tmp_path, "add", "lists")
    run_git(tmp_path, "commit", "-q", "-m", "初始清单")
    return tmp_path


@pytest.fixture
def git(repo: Path) -> GitRunner:
    """``git(*args)`` in the test repository."""
    return lambda *args: run_git(repo, *args)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A built site outside lists/ (as mkdocs build leaves it in site/)."""
    return write_site(tmp_path / "build" / "site")


@pytest.fixture(scope="session")
def signing(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An office key, a stranger's key, and an allowed_signers file that trusts only the office."""
    folder = tmp_path_factory.mktemp("keys")
    keys = {}
    for name in ("office", "stranger"):
        key = folder / name
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
        keys[name] = key
    public = (folder / "office.pub").read_text().split()
    allowed = folder / "allowed_signers"
    allowed.write_text(f'publishing-office@example.gov.cn namespaces="qingdan-manifest" {public[0]} {public[1]}\n')
    keys["allowed_signers"] = allowed
    return keys
