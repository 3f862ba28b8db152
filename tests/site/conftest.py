"""Fixtures: the sample data loaded, rendered without MkDocs, and built with MkDocs once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from qingdan.dataset import Dataset, load_dataset
from qingdan.render import Renderer, Site, plan_site
from sample_support import diverge
from site_support import SAMPLE, copy_sample, make_hostile, mkdocs_build


@pytest.fixture(scope="session")
def sample_site(sample: Dataset) -> Site:
    """Every page of the sample planned (no search index or downloads)."""
    return plan_site(sample)


@pytest.fixture(scope="session")
def render(sample_site: Site):
    """``render(path)`` → the HTML body of one page of the sample."""
    renderer = Renderer(sample_site)
    return lambda path: renderer.html(sample_site.pages[path])


class Diverged(NamedTuple):
    """The sample with one item differing between regions, planned and rendered like ``render``."""

    data: Dataset
    site: Site
    render: Callable[[str], str]
    base: str  # the base code whose items differ


@pytest.fixture(scope="session")
def diverged(tmp_path_factory: pytest.TempPathFactory) -> Diverged:
    """A copy of the sample where the city names one shared item differently (sample_support.diverge)."""
    lists = copy_sample(tmp_path_factory.mktemp("diverged"))
    base = diverge(lists)
    data = load_dataset(lists)
    assert data.ok, "the site's inconsistent_item: warning lets the difference through"
    site = plan_site(data)
    renderer = Renderer(site)
    return Diverged(data, site, lambda path: renderer.html(site.pages[path]), base)


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site folder of ``mkdocs build --strict`` over the sample data (built once)."""
    root = tmp_path_factory.mktemp("built")
    result = mkdocs_build(root, SAMPLE)
    assert result.returncode == 0, result.stdout + result.stderr
    (root / "build.log").write_text(result.stdout + result.stderr, encoding="utf-8")  # beside site/
    return root / "site"


@pytest.fixture(scope="session")
def hostile_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site folder of ``mkdocs build --strict`` over the sample with hostile text everywhere."""
    root = tmp_path_factory.mktemp("hostile")
    lists = copy_sample(root)
    make_hostile(lists)
    result = mkdocs_build(root, lists)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "site"
