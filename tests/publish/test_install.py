"""`qingdan publish --to DIR`: releases, the atomic switch, chain continuity, rollback, pruning."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from publish_support import BUILT_AT, SITE_FILES, write_site

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.publish import install, manifest


def build(repo: Path, folder: Path, version: int, root: Path | None = None) -> Path:
    """A site for ``version``, its manifest chained to what ``root`` serves now."""
    site = write_site(folder / f"site{version}", {**SITE_FILES, "index.html": f"<h1>第 {version} 版</h1>\n"})
    current = root / install.CURRENT if root is not None and (root / install.CURRENT).exists() else None
    manifest.create(site, repo, previous=current, built_at=BUILT_AT)
    return site


def served_index(root: Path) -> str:
    return (root / install.CURRENT / "index.html").read_text(encoding="utf-8")


def test_publish_installs_switches_and_keeps_the_old_release(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    first = install.publish(build(repo, tmp_path, 1, root), root)
    assert first.previous is None
    assert (root / "current").is_symlink() and not os.path.isabs(os.readlink(root / "current"))
    assert served_index(root) == "<h1>第 1 版</h1>\n"
    second = install.publish(build(repo, tmp_path, 2, root), root)
    assert second.previous == first.release and first.release.is_dir()
    assert served_index(root) == "<h1>第 2 版</h1>\n"
    assert second.window[0] <= second.window[1]
    assert oct((second.release / "index.html").stat().st_mode & 0o777) == "0o644"
    assert [r.name.split("-")[1] for r in install.releases(root)] == ["000001", "000002"]


def test_rollback_serves_the_previous_release_again(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    install.publish(build(repo, tmp_path, 1, root), root)
    install.publish(build(repo, tmp_path, 2, root), root)
    back = install.rollback(root)
    assert served_index(root) == "<h1>第 1 版</h1>\n"
    assert back.previous is not None and back.previous.is_dir()  # the rolled-back release stays
    with pytest.raises(QingdanError, match="没有保留的版本"):
        install.rollback(root)


def test_a_site_that_does_not_continue_the_served_chain_is_refused(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    install.publish(build(repo, tmp_path, 1, root), root)
    unchained = build(repo, tmp_path, 2)  # manifest made without --previous
    with pytest.raises(QingdanError, match="没有接续正在提供的版本"):
        install.publish(unchained, root)
    assert served_index(root) == "<h1>第 1 版</h1>\n"
    install.publish(unchained, root, new_chain=True)
    assert served_index(root) == "<h1>第 2 版</h1>\n"


def test_a_site_that_does_not_match_its_manifest_is_refused(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    site = build(repo, tmp_path, 1, root)
    (site / "downloads/powers.csv").write_text("改动\n", encoding="utf-8")
    with pytest.raises(QingdanError, match="downloads/powers.csv"):
        install.publish(site, root)
    assert not (root / "current").exists()
    with pytest.raises(QingdanError, match="manifest.json"):
        install.publish(write_site(tmp_path / "bare"), root)


def test_old_releases_are_pruned_but_never_the_current_one(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    for version in range(1, 5):
        done = install.publish(build(repo, tmp_path, version, root), root, keep=2)
    assert len(install.releases(root)) == 2
    assert [p.name.split("-")[1] for p in done.pruned] == ["000002"]
    assert install.current_release(root) == done.release


def test_leftover_partial_copies_are_cleared_and_never_served(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    leftover = root / install.RELEASES / f"{install.PARTIAL}crashed"
    leftover.mkdir(parents=True)
    install.publish(build(repo, tmp_path, 1, root), root)
    assert not leftover.exists()
    assert all(not r.name.startswith(".") for r in install.releases(root))


def test_a_real_directory_named_current_is_not_overwritten(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    (root / "current").mkdir(parents=True)
    (root / "current" / "index.html").write_text("手工放置的网站\n", encoding="utf-8")
    with pytest.raises(QingdanError, match="不是符号链接|普通目录"):
        install.publish(build(repo, tmp_path, 1), root)
    assert (root / "current" / "index.html").read_text(encoding="utf-8") == "手工放置的网站\n"


def test_publish_command_list_and_rollback(repo: Path, tmp_path: Path) -> None:
    root = tmp_path / "srv"
    runner = CliRunner()
    first = runner.invoke(main, ["publish", str(build(repo, tmp_path, 1, root)), "--to", str(root)])
    assert first.exit_code == 0 and "第一次发布" in first.output
    second = runner.invoke(main, ["publish", str(build(repo, tmp_path, 2, root)), "--to", str(root)])
    assert second.exit_code == 0 and "原版本" in second.output
    listed = runner.invoke(main, ["publish", "--to", str(root), "--list"])
    lines = listed.output.splitlines()
    assert len(lines) == 2 and lines[1].startswith("*") and "第 2 次发布" in lines[1]
    back = runner.invoke(main, ["publish", "--to", str(root), "--rollback"])
    assert back.exit_code == 0 and "已回退" in back.output
    assert served_index(root) == "<h1>第 1 版</h1>\n"
    missing = runner.invoke(main, ["publish", "--to", str(root)])
    assert missing.exit_code == 2 and "请给出要发布的网站目录" in missing.output


def signed_build(repo: Path, folder: Path, version: int, root: Path, key: Path | None) -> Path:
    site = write_site(folder / f"site{version}", {**SITE_FILES, "index.html": f"<h1>第 {version} 版</h1>\n"})
    current = root / install.CURRENT if (root / install.CURRENT).exists() else None
    manifest.create(site, repo, previous=current, built_at=BUILT_AT, sign_key=key)
    return site


def test_an_unsigned_manifest_is_refused_on_top_of_a_signed_release(repo: Path, tmp_path: Path,
                                                                     signing: dict[str, Path]) -> None:
    root, signers = tmp_path / "srv", signing["allowed_signers"]
    install.publish(signed_build(repo, tmp_path, 1, root, signing["office"]), root, allowed_signers=signers)
    unsigned = signed_build(repo, tmp_path, 2, root, None)
    with pytest.raises(QingdanError, match="--allowed-signers"):
        install.publish(unsigned, root)
    with pytest.raises(QingdanError, match="没有签名文件"):
        install.publish(unsigned, root, allowed_signers=signers)
    stranger = signed_build(repo, tmp_path, 3, root, signing["stranger"])
    with pytest.raises(QingdanError, match="不在受信任签名者名单中"):
        install.publish(stranger, root, allowed_signers=signers)
    assert served_index(root) == "<h1>第 1 版</h1>\n"
    install.publish(signed_build(repo, tmp_path, 4, root, signing["office"]), root, allowed_signers=signers)
    assert served_index(root) == "<h1>第 4 版</h1>\n"


def test_rollback_verifies_the_release_it_switches_to(repo: Path, tmp_path: Path, signing: dict[str, Path]) -> None:
    root, signers = tmp_path / "srv", signing["allowed_signers"]
    first = install.publish(signed_build(repo, tmp_path, 1, root, signing["office"]), root, allowed_signers=signers)
    install.publish(signed_build(repo, tmp_path, 2, root, signing["office"]), root, allowed_signers=signers)
    with pytest.raises(QingdanError, match="--allowed-signers"):
        install.rollback(root)  # both signed: the target's signature must be checked
    (first.release / "index.html").write_text("<h1>被篡改</h1>\n", encoding="utf-8")
    with pytest.raises(QingdanError, match="不能回退到"):
        install.rollback(root, signers)
    assert served_index(root) == "<h1>第 2 版</h1>\n"
    (first.release / "index.html").write_text("<h1>第 1 版</h1>\n", encoding="utf-8")
    (first.release / "manifest.json.sig").unlink()  # a signature deleted from the kept release
    with pytest.raises(QingdanError, match="没有签名文件"):
        install.rollback(root, signers)
    assert served_index(root) == "<h1>第 2 版</h1>\n"
    cli = CliRunner().invoke(main, ["publish", "--to", str(root), "--rollback", "--allowed-signers", str(signers)])
    assert cli.exit_code == 2 and "Traceback" not in cli.output
