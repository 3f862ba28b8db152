"""requirements.lock (what scripts/dev.sh and CI install) holds every dependency pyproject.toml names, within its range."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", re.MULTILINE)


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(name): version for name, version in PINNED.findall(text)}


def _required() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return [Requirement(r) for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]]


def test_every_dependency_is_locked_within_its_range() -> None:
    locked = _locked()
    required = _required()
    assert len(required) > 15 and len(locked) >= len(required)
    for requirement in required:
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{requirement.name} 不在 requirements.lock 中：请按 README 重新生成锁文件"
        assert requirement.specifier.contains(locked[name], prereleases=True), (
            f"requirements.lock 中 {requirement.name}=={locked[name]} 不满足 pyproject.toml 的 {requirement}")


def test_every_locked_package_has_hashes() -> None:
    blocks = re.split(r"\n(?=[A-Za-z0-9])", (ROOT / "requirements.lock").read_text(encoding="utf-8"))
    pins = [block for block in blocks if PINNED.match(block)]
    assert pins and all("--hash=sha256:" in block for block in pins)
