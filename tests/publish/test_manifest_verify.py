"""The release manifest and `qingdan verify`: a good site, tampering, broken chains, signatures."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.errors import QingdanError
from qingdan.publish import manifest
from qingdan.publish.verify import text_report, verify

from publish_support import BUILT_AT, SITE_FILES, GitRunner, write_site


def publish_chain(repo: Path, root: Path, count: int, sign_key: Path | None = None) -> list[Path]:
    """``count`` successive publications, each chained to the one before; their site folders."""
    sites: list[Path] = []
    for n in range(count):
        files = {**SITE_FILES, "index.html": f"<h1>第 {n + 1} 版</h1>\n"}
        site = write_site(root / f"site{n + 1}", files)
        manifest.create(site, repo, previous=sites[-1] if sites else None, sign_key=sign_key, built_at=BUILT_AT)
        sites.append(site)
    return sites


def codes(result) -> list[str]:
    return [f.code for f in result.findings]


def test_manifest_records_commit_hashes_and_no_previous(repo: Path, site: Path, git: GitRunner) -> None:
    created = manifest.create(site, repo, built_at=BUILT_AT)
    data = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert data == created.manifest
    assert data["source"]["commit"] == git("rev-parse", "HEAD").strip()
    assert data["built_at"] == "2025-06-01T08:00:00Z"
    assert data["sequence"] == 1 and data["previous"] is None
    assert data["downloads"] == {
        "downloads/powers.csv": manifest.sha256(SITE_FILES["downloads/powers.csv"].encode()),
        "downloads/powers.json": manifest.sha256(SITE_FILES["downloads/powers.json"].encode()),
    }
    assert set(data["files"]) == {"index.html", "assets/site.css", "powers/520000-XK00001000/index.html"}
    assert "lists/520000-scjgj/powers.yml" in data["data"]
    assert len(data["data"]) == 11
    assert not (site / "manifests").exists()


def test_good_site_verifies_against_the_repository(repo: Path, site: Path) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    result = verify(site, repo=repo)
    assert result.ok, result.findings
    joined = "\n".join(result.passed)
    assert "网站文件：3 个" in joined and "下载文件：2 个" in joined
    assert "数据文件：11 个" in joined and "在 main 分支上" in joined
    assert "发布链：第 1 次发布" in joined


def test_chain_of_three_publications_verifies(repo: Path, tmp_path: Path) -> None:
    sites = publish_chain(repo, tmp_path / "out", 3)
    last = json.loads((sites[-1] / "manifest.json").read_bytes())
    assert last["sequence"] == 3
    assert last["previous"]["sha256"] == manifest.sha256((sites[1] / "manifest.json").read_bytes())
    assert len(list((sites[-1] / "manifests").glob("*.json"))) == 2
    result = verify(sites[-1], repo=repo)
    assert result.ok, result.findings
    assert any("第 3 次发布，逐次核对到第 1 次" in line for line in result.passed)


@pytest.mark.parametrize(("change", "code", "path"), [
    ("edit", "file-changed", "downloads/powers.csv"),
    ("delete", "file-missing", "downloads/powers.csv"),
    ("add", "file-extra", "downloads/extra.csv"),
])
def test_tampered_file_is_named(repo: Path, site: Path, change: str, code: str, path: str) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    target = site / path
    if change == "edit":
        target.write_text("事项编码,事项名称\n520000-XK00001000,食品经营许可（已篡改）\n", encoding="utf-8")
    elif change == "delete":
        target.unlink()
    else:
        target.write_text("x\n", encoding="utf-8")
    result = verify(site, repo=repo)
    assert not result.ok
    assert [(f.code, f.path) for f in result.findings] == [(code, path)]
    assert path in result.findings[0].message


def test_data_hash_that_differs_from_the_commit_is_named(repo: Path, site: Path) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    data = json.loads((site / "manifest.json").read_bytes())
    data["data"]["lists/520000-scjgj/powers.yml"] = "0" * 64
    (site / "manifest.json").write_bytes(manifest.serialize(data))
    result = verify(site, repo=repo)
    assert codes(result) == ["data-changed"]
    assert result.findings[0].path == "lists/520000-scjgj/powers.yml"


def test_commit_off_the_main_branch_is_reported(repo: Path, site: Path, git: GitRunner) -> None:
    git("switch", "-q", "-c", "unreviewed")
    (repo / "lists" / "sources.yml").write_text((repo / "lists" / "sources.yml").read_text() + "# 未经审查\n")
    git("commit", "-q", "-am", "未经审查的修改")
    manifest.create(site, repo, built_at=BUILT_AT)
    git("switch", "-q", "main")
    assert codes(verify(site, repo=repo)) == ["commit-off-branch"]


def test_unknown_commit_is_reported(repo: Path, site: Path) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    data = json.loads((site / "manifest.json").read_bytes())
    data["source"]["commit"] = "1234567890abcdef1234567890abcdef12345678"
    (site / "manifest.json").write_bytes(manifest.serialize(data))
    assert codes(verify(site, repo=repo)) == ["commit-missing"]


def test_edited_archived_manifest_breaks_the_chain(repo: Path, tmp_path: Path) -> None:
    sites = publish_chain(repo, tmp_path / "out", 3)
    archived = sorted((sites[-1] / "manifests").glob("*.json"))
    first = next(p for p in archived if json.loads(p.read_bytes())["sequence"] == 1)
    first.write_bytes(first.read_bytes().replace(b'"sequence": 1', b'"sequence": 1 '))
    result = verify(sites[-1], repo=repo)
    assert codes(result) == ["chain-broken"]
    assert "第 1 次" in result.findings[0].message or first.name in result.findings[0].message


def test_missing_archived_manifest_breaks_the_chain(repo: Path, tmp_path: Path) -> None:
    sites = publish_chain(repo, tmp_path / "out", 3)
    previous = json.loads((sites[-1] / "manifest.json").read_bytes())["previous"]
    (sites[-1] / manifest.archive_path(previous["sha256"])).unlink()
    result = verify(sites[-1], repo=repo)
    assert codes(result) == ["chain-broken"]
    assert "缺少第 2 次发布的清单" in result.findings[0].message


def test_good_signature_names_the_signer(repo: Path, site: Path, signing: dict[str, Path]) -> None:
    created = manifest.create(site, repo, sign_key=signing["office"], built_at=BUILT_AT)
    assert created.signed and (site / "manifest.json.sig").is_file()
    result = verify(site, repo=repo, allowed_signers=signing["allowed_signers"], require_signature=True)
    assert result.ok, result.findings
    assert any("publishing-office@example.gov.cn" in line for line in result.passed)


def test_signature_by_an_untrusted_key_is_invalid(repo: Path, site: Path, signing: dict[str, Path]) -> None:
    manifest.create(site, repo, sign_key=signing["stranger"], built_at=BUILT_AT)
    result = verify(site, repo=repo, allowed_signers=signing["allowed_signers"])
    assert codes(result) == ["signature-invalid"]
    assert "不在受信任签名者名单中" in result.findings[0].message


def test_tampering_that_rewrites_the_manifest_is_caught_by_the_signature(
        repo: Path, site: Path, signing: dict[str, Path]) -> None:
    # The attacker edits a download AND updates its hash in manifest.json: hashes agree, the signature does not.
    manifest.create(site, repo, sign_key=signing["office"], built_at=BUILT_AT)
    forged = "事项编码,事项名称\n520000-XK00001000,伪造的事项\n"
    (site / "downloads/powers.csv").write_text(forged, encoding="utf-8")
    data = json.loads((site / "manifest.json").read_bytes())
    data["downloads"]["downloads/powers.csv"] = manifest.sha256(forged.encode())
    (site / "manifest.json").write_bytes(manifest.serialize(data))
    result = verify(site, repo=repo, allowed_signers=signing["allowed_signers"])
    assert codes(result) == ["signature-invalid"]
    assert "签名后被改动过" in result.findings[0].message


def test_unsigned_site_fails_once_signing_is_configured(repo: Path, site: Path, signing: dict[str, Path]) -> None:
    manifest.create(site, repo, built_at=BUILT_AT)
    assert verify(site, repo=repo).ok  # no trust list, no earlier signature: signing is optional
    required = verify(site, repo=repo, allowed_signers=signing["allowed_signers"], require_signature=True)
    assert codes(required) == ["signature-missing"]
    configured = verify(site, repo=repo, allowed_signers=signing["allowed_signers"])
    assert codes(configured) == ["signature-missing"]


def test_deleting_the_signature_does_not_verify(repo: Path, site: Path, signing: dict[str, Path]) -> None:
    """The attack: a signed publication with manifest.json.sig deleted used to verify as 一致."""
    manifest.create(site, repo, sign_key=signing["office"], built_at=BUILT_AT)
    assert verify(site, repo=repo, allowed_signers=signing["allowed_signers"]).ok
    (site / "manifest.json.sig").unlink()
    result = verify(site, repo=repo, allowed_signers=signing["allowed_signers"])
    assert codes(result) == ["signature-missing"] and "结论：一致" not in text_report(result)


def test_an_unsigned_publication_after_signed_ones_does_not_verify(repo: Path, tmp_path: Path,
                                                                  signing: dict[str, Path]) -> None:
    sites = publish_chain(repo, tmp_path / "out", 2, sign_key=signing["office"])
    unsigned = write_site(tmp_path / "next")
    manifest.create(unsigned, repo, previous=sites[-1], built_at=BUILT_AT)
    result = verify(unsigned, repo=repo)  # not even a trust list: the signed chain says signing is on
    assert "signature-missing" in codes(result)
    assert "此前第 2 次发布有签名" in next(f.message for f in result.findings if f.code == "signature-missing")


def test_signatures_travel_with_the_chain(repo: Path, tmp_path: Path, signing: dict[str, Path]) -> None:
    sites = publish_chain(repo, tmp_path / "out", 2, sign_key=signing["office"])
    assert len(list((sites[-1] / "manifests").glob("*.json.sig"))) == 1
    result = verify(sites[-1], repo=repo, allowed_signers=signing["allowed_signers"], require_signature=True)
    assert result.ok, result.findings
    assert any("2 份签名全部有效" in line for line in result.passed)


def test_manifest_refuses_uncommitted_data(repo: Path, site: Path) -> None:
    (repo / "lists" / "sources.yml").write_text("items: []\n", encoding="utf-8")
    with pytest.raises(QingdanError, match="未提交的修改"):
        manifest.create(site, repo)


def test_manifest_refuses_to_extend_a_broken_chain(repo: Path, tmp_path: Path) -> None:
    sites = publish_chain(repo, tmp_path / "out", 2)
    for archived in (sites[-1] / "manifests").glob("*.json"):
        archived.unlink()
    nxt = write_site(tmp_path / "next")
    with pytest.raises(QingdanError, match="发布链有问题"):
        manifest.create(nxt, repo, previous=sites[-1])


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A plain static server on 127.0.0.1 (a mirror), serving tmp_path/mirror."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", root
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def test_mirror_url_verifies_and_catches_tampering(repo: Path, tmp_path: Path,
                                                   served: tuple[str, Path]) -> None:
    url, root = served
    sites = publish_chain(repo, tmp_path / "out", 2)
    shutil.copytree(sites[-1], root, dirs_exist_ok=True)
    result = verify(url, repo=repo)
    assert result.ok, result.findings
    assert any("无法列出" in note for note in result.notes)
    (root / "assets/site.css").write_text("body { display: none; }\n")
    assert codes(verify(url, repo=repo)) == ["file-changed"]


def test_manifest_continues_the_chain_published_at_a_url(repo: Path, tmp_path: Path,
                                                         served: tuple[str, Path]) -> None:
    url, root = served
    first = write_site(tmp_path / "first")
    created = manifest.create(first, repo, previous=url, built_at=BUILT_AT)
    assert created.manifest["sequence"] == 1 and "第一次发布" in created.notes[0]
    shutil.copytree(first, root, dirs_exist_ok=True)
    second = write_site(tmp_path / "second")
    created = manifest.create(second, repo, previous=url, require_previous=True, built_at=BUILT_AT)
    assert created.manifest["previous"]["sha256"] == manifest.sha256((first / "manifest.json").read_bytes())
    assert verify(second, repo=repo).ok


def test_verify_command_output_and_exit_codes(repo: Path, site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    runner = CliRunner()
    made = runner.invoke(main, ["manifest", str(site)])
    assert made.exit_code == 0, made.output
    assert "第 1 次发布" in made.output and "未签名" in made.output
    good = runner.invoke(main, ["verify", str(site)])
    assert good.exit_code == 0 and "结论：一致" in good.output
    (site / "index.html").write_text("<h1>篡改</h1>\n", encoding="utf-8")
    bad = runner.invoke(main, ["verify", str(site), "--format", "json"])
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["ok"] is False and report["findings"][0]["path"] == "index.html"
    missing = runner.invoke(main, ["verify", str(repo / "nowhere")])
    assert missing.exit_code == 2 and "不是目录" in missing.output


def test_manifest_signs_from_an_environment_variable(repo: Path, site: Path, signing: dict[str, Path],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo)
    monkeypatch.setenv("TEST_SIGNING_KEY", signing["office"].read_text())
    made = CliRunner().invoke(main, ["manifest", str(site), "--sign-key-env", "TEST_SIGNING_KEY"])
    assert made.exit_code == 0, made.output
    assert "已签名" in made.output
    assert verify(site, repo=repo, allowed_signers=signing["allowed_signers"], require_signature=True).ok
    monkeypatch.setenv("TEST_SIGNING_KEY", "")
    unsigned = CliRunner().invoke(main, ["manifest", str(site), "--sign-key-env", "TEST_SIGNING_KEY"])
    assert unsigned.exit_code == 0 and "不签名" in unsigned.output
    assert not (site / "manifest.json.sig").exists()


def site_with_real_downloads(repo: Path, folder: Path) -> Path:
    """A site whose downloads are exactly what the export stage makes from the committed data."""
    from qingdan.dataset import load_dataset
    from qingdan.export import downloads

    site = write_site(folder, {"index.html": "<h1>清单</h1>\n"})
    for relpath, raw in downloads(load_dataset(repo / "lists")).items():
        (site / relpath).parent.mkdir(parents=True, exist_ok=True)
        (site / relpath).write_bytes(raw)
    return site


def test_downloads_rebuilt_from_the_commit_match(repo: Path, tmp_path: Path) -> None:
    site = site_with_real_downloads(repo, tmp_path / "real")
    manifest.create(site, repo, built_at=BUILT_AT)
    result = verify(site, repo=repo, rebuild_downloads=True)
    assert result.ok, result.findings
    assert any("由源提交的数据重新生成" in line and "完全相同" in line for line in result.passed)


def test_a_rewritten_unsigned_manifest_is_caught_by_rebuilding_downloads(repo: Path, tmp_path: Path) -> None:
    site = site_with_real_downloads(repo, tmp_path / "real")
    manifest.create(site, repo, built_at=BUILT_AT)
    target = "downloads/520000-scjgj/powers.csv"
    forged = (site / target).read_bytes().replace("食品经营许可".encode(), "伪造事项".encode())
    (site / target).write_bytes(forged)
    data = json.loads((site / "manifest.json").read_bytes())
    data["downloads"][target] = manifest.sha256(forged)
    (site / "manifest.json").write_bytes(manifest.serialize(data))
    assert verify(site, repo=repo).ok  # hashes alone agree: the attacker rewrote them
    result = verify(site, repo=repo, rebuild_downloads=True)
    assert [(f.code, f.path) for f in result.findings] == [("download-rebuilt", target)]
