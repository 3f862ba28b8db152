"""Links in a built site are refused by manifest, verify and publish (issue 16, point 1).

A link in the site folder would put a file of the build machine (or one
outside the site) into the manifest and, through the copy, onto the web server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_support import BUILT_AT

from qingdan.cli import main
from qingdan.publish import install, manifest

PASSWD = Path("/etc/passwd")


def _link_passwd(site: Path) -> Path:
    link = site / "assets" / "secret.css"
    link.symlink_to(PASSWD)
    return link


def _leaked(output: str) -> bool:
    return any(line in output for line in PASSWD.read_text(encoding="utf-8").splitlines() if len(line) > 12)


@pytest.mark.parametrize("linked", ["file", "folder"])
def test_manifest_refuses_a_site_with_a_link(repo: Path, site: Path, tmp_path: Path, linked: str) -> None:
    if linked == "file":
        _link_passwd(site)
        shown = "assets/secret.css"
    else:
        outside = tmp_path / "outside"
        outside.mkdir()
        (outside / "page.html").write_text("<h1>未经审核</h1>\n", encoding="utf-8")
        (site / "extra").symlink_to(outside, target_is_directory=True)
        shown = "extra"
    result = CliRunner().invoke(main, ["manifest", str(site), "--repo", str(repo)])
    assert result.exit_code == 2, result.output
    assert f"{shown} 是符号链接" in result.output and "不会被读取、记入发布清单或发布" in result.output
    assert "Traceback" not in result.output and not _leaked(result.output)
    assert not (site / manifest.MANIFEST).exists()


def test_verify_refuses_a_link_added_after_the_manifest(repo: Path, site: Path) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    _link_passwd(site)
    result = CliRunner().invoke(main, ["verify", str(site)])
    assert result.exit_code == 2 and "assets/secret.css 是符号链接" in result.output
    assert not _leaked(result.output)


def test_verify_refuses_a_manifest_file_replaced_by_a_link(repo: Path, site: Path, tmp_path: Path) -> None:
    """A listed page swapped for a link to a copy with the same bytes: the hash would match, the link must not."""
    manifest.create(site, repo, built_at=BUILT_AT)
    page = site / "index.html"
    copy = tmp_path / "index-copy.html"
    copy.write_bytes(page.read_bytes())
    page.unlink()
    page.symlink_to(copy)
    result = CliRunner().invoke(main, ["verify", str(site)])
    assert result.exit_code == 2 and "index.html 是符号链接" in result.output


def test_publish_refuses_a_site_with_a_link_and_installs_nothing(repo: Path, site: Path, tmp_path: Path) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    _link_passwd(site)
    root = tmp_path / "srv"
    result = CliRunner().invoke(main, ["publish", str(site), "--to", str(root)])
    assert result.exit_code == 2 and "assets/secret.css 是符号链接" in result.output
    assert not _leaked(result.output)
    releases = root / install.RELEASES
    assert not (root / install.CURRENT).exists() and (not releases.exists() or not any(releases.iterdir()))
