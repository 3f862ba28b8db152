"""The workflows: actionlint and zizmor find nothing, and the rules of issue 4 hold.

Rules: least privilege (contents: read by default; pages/id-token only on the
deploy job; pull-requests: write only on the comment job), actions pinned to
full commit SHAs, no pull_request_target, no ${{ }} in shell, credentials not
persisted, publications serialised, and every qingdan command and option a
workflow calls exists.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

import click
import pytest
import yaml

from qingdan.cli import main

from programs import tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW_DIR = ROOT / ".github" / "workflows"
WORKFLOWS = sorted(WORKFLOW_DIR.glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w.-]+(?:/[\w./-]+)?@[0-9a-f]{40}$")


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as true
    return data


def workflow(name: str) -> dict[str, Any]:
    return load(WORKFLOW_DIR / name)


def steps(data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(job_id, step) for job_id, job in data["jobs"].items() for step in job.get("steps", [])]


def test_there_are_two_workflows() -> None:
    assert [p.name for p in WORKFLOWS] == ["pr-check.yml", "publish-sharded.yml", "publish.yml"]


def test_actionlint_finds_nothing() -> None:
    done = subprocess.run([tool("actionlint"), "-no-color", *map(str, WORKFLOWS)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout == "", done.stdout + done.stderr


def test_zizmor_finds_nothing() -> None:
    done = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "plain",
                           str(WORKFLOW_DIR)], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "No findings" in done.stdout


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_actions_are_pinned_to_full_commit_shas(path: Path) -> None:
    data = load(path)
    uses = [step["uses"] for _, step in steps(data) if "uses" in step]
    assert uses, "a workflow without actions is suspicious"
    assert all(PINNED.match(ref) for ref in uses), uses
    for line in path.read_text(encoding="utf-8").splitlines():
        if "uses:" in line:
            assert re.search(r"@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), f"pin without its version comment: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_least_privilege_and_safe_shell(path: Path) -> None:
    data = load(path)
    assert data["permissions"] == {"contents": "read"}
    assert "pull_request_target" not in data["on"] and "workflow_run" not in data["on"]
    for job_id, step in steps(data):
        assert "${{" not in step.get("run", ""), f"{job_id}: expression interpolated into shell"
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step["with"]["persist-credentials"] is False


def test_pull_request_check_wiring() -> None:
    data = workflow("pr-check.yml")
    assert set(data["on"]) == {"pull_request"}
    check, comment = data["jobs"]["check"], data["jobs"]["comment"]
    assert "permissions" not in check  # inherits contents: read
    assert comment["permissions"] == {"pull-requests": "write"}
    assert comment["needs"] == "check"
    assert "head.repo.full_name == github.repository" in comment["if"]  # forks cannot be commented on
    assert [s["uses"].split("@")[0] for s in comment["steps"]] == ["actions/github-script"]
    assert "process.env.COMMENT" in comment["steps"][0]["with"]["script"]
    assert "${{" not in comment["steps"][0]["with"]["script"]
    runs = " ".join(s.get("run", "") for s in check["steps"])
    assert "qingdan check" in runs and "--format github" in runs and "mkdocs build --strict" in runs
    assert "qingdan codeowners --check" in runs
    artifact = next(s for s in check["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert artifact["with"]["path"] == "site/"


def test_the_verdict_comes_from_the_base_branch_code_run_on_the_pull_request_data() -> None:
    """A pull request that changes the checker must not judge itself (issue 16, point 7)."""
    check = workflow("pr-check.yml")["jobs"]["check"]
    checkouts = [s for s in check["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert [c["with"]["path"] for c in checkouts] == ["base", "pr"]
    assert checkouts[0]["with"]["ref"] == "${{ github.event.pull_request.base.sha }}"
    installs = [s["run"] for s in check["steps"] if "pip install" in s.get("run", "")]
    assert installs == ["python -m pip install --disable-pip-version-check ./base"]  # never -e, never the PR
    assert any(s.get("run") == "cp base/mkdocs.yml pr/mkdocs.yml" for s in check["steps"])  # no PR hooks run
    for step in check["steps"]:
        run = step.get("run", "")
        if run == FETCH:
            # It reads no data; run in the pull request's folder, its files could stand in for pip.
            assert "working-directory" not in step
        elif run.startswith(("qingdan", "mkdocs")):
            assert step.get("working-directory") == "pr", run


FETCH = "qingdan sources fetch"


def _runs(job: dict[str, Any]) -> list[str]:
    return [s.get("run", "") for s in job["steps"]]


def test_the_law_catalogue_is_fetched_before_validation() -> None:
    """Without the catalogue, validation only warns law-catalogue-missing and checks no article."""
    for name, job, validation in (("pr-check.yml", "check", "qingdan check"), ("publish.yml", "build", "qingdan validate")):
        steps_ = workflow(name)["jobs"][job]["steps"]
        runs = _runs(workflow(name)["jobs"][job])
        fetch = runs.index(FETCH)
        install = next(i for i, r in enumerate(runs) if "pip install" in r)
        assert install < fetch < next(i for i, r in enumerate(runs) if r.startswith(validation)), name
        cache = [i for i, s in enumerate(steps_) if s.get("uses", "").startswith("actions/cache@")]
        assert len(cache) == 1 and cache[0] < fetch, name
        entry = steps_[cache[0]]["with"]
        assert entry["path"] == "~/.cache/qingdan/laws"
        assert entry["key"].startswith("qingdan-laws-${{ hashFiles(") and "scripts/qingdan/laws/data.py" in entry["key"]


def test_publish_wiring() -> None:
    data = workflow("publish.yml")
    assert data["on"] == {"push": {"branches": ["main"]}}
    assert data["concurrency"]["cancel-in-progress"] is False  # two publications never interleave
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages" and deploy["needs"] == "build"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]
    order = [s.get("uses", "").split("@")[0] or s["run"].split()[0] for s in build["steps"]]
    assert order.index("mkdocs") < order.index("qingdan", order.index("mkdocs")) < order.index(
        "actions/upload-pages-artifact")
    runs = " ".join(s.get("run", "") for s in build["steps"])
    assert "qingdan manifest site --previous" in runs and "--sign-key-env QINGDAN_SIGNING_KEY" in runs


def test_only_the_deploy_and_comment_jobs_hold_write_permissions() -> None:
    writers = {}
    for path in WORKFLOWS:
        for job_id, job in load(path)["jobs"].items():
            granted = {k for k, v in (job.get("permissions") or {}).items() if v == "write"}
            if granted:
                writers[f"{path.name}:{job_id}"] = granted
    assert writers == {"pr-check.yml:comment": {"pull-requests"}, "publish.yml:deploy": {"pages", "id-token"},
                       "publish-sharded.yml:deploy": {"pages", "id-token"}}


def test_sharded_publish_wiring() -> None:
    data = workflow("publish-sharded.yml")
    assert data["on"] == {"workflow_dispatch": None}  # by hand: publish.yml publishes every merge
    # The same queue as publish.yml: two publications never interleave, whichever workflow runs them.
    assert data["concurrency"] == workflow("publish.yml")["concurrency"]
    shard, merge, deploy = data["jobs"]["shard"], data["jobs"]["merge"], data["jobs"]["deploy"]
    count = int(data["env"]["SHARDS"])
    assert shard["strategy"]["matrix"]["shard"] == list(range(count))
    assert shard["permissions"] == {"contents": "read"}
    shard_runs = " ".join(s.get("run", "") for s in shard["steps"])
    assert 'qingdan render lists --shard "$SHARD/$SHARDS" --store "$QINGDAN_CACHE_DIR/shard-$SHARD"' in shard_runs
    assert merge["needs"] == "shard" and deploy["needs"] == "merge"
    assert merge["permissions"] == {"contents": "read", "pages": "read"}
    merge_runs = " ".join(s.get("run", "") for s in merge["steps"])
    assert "--shard-store" in merge_runs and "mkdocs build --strict -f mkdocs.sharded.yml" in merge_runs
    assert "qingdan manifest site --previous" in merge_runs
    assert (ROOT / "mkdocs.sharded.yml").is_file()
    assert deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_caches_and_stores_are_never_taken_from_the_checkout(path: Path) -> None:
    """A pull request can commit .qingdan-cache/ (git only ignores it) or any folder a build reads
    as a store: every cache is per run outside the checkout, every store and shard below it."""
    data = load(path)
    assert data["env"]["QINGDAN_CACHE_DIR"].startswith("/tmp/qingdan-cache-${{ github.run_id }}")
    for job in data["jobs"].values():
        for step in job["steps"]:
            for call in qingdan_calls(step.get("run", "")):
                for option in ("--store", "--shard-store"):
                    if option in call:
                        assert call[call.index(option) + 1].startswith("$QINGDAN_CACHE_DIR/"), (path.name, call)
            if step.get("uses", "").startswith(("actions/upload-artifact", "actions/download-artifact")) \
                    and "shard" in str(step["with"]):
                assert step["with"]["path"].startswith("${{ env.QINGDAN_CACHE_DIR }}/"), step


def qingdan_calls(script: str) -> list[list[str]]:
    """Each `qingdan …` command line in a shell script, as tokens."""
    calls: list[list[str]] = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        command: list[str] = []
        for token in [*lexer, ";"]:
            if token in ("|", "||", "&&", ";", "&"):
                if command and command[0] == "qingdan":
                    calls.append(command)
                command = []
            else:
                command.append(token)
    return calls


def test_every_qingdan_command_and_option_the_workflows_call_exists() -> None:
    calls = [call for path in WORKFLOWS for _, step in steps(load(path)) for call in qingdan_calls(step.get("run", ""))]
    assert len(calls) >= 4
    for call in calls:
        command = _command(call[1])
        assert command is not None, f"qingdan {call[1]} does not exist"
        known = {opt for param in command.params for opt in param.opts}
        unknown = [t for t in call[2:] if t.startswith("--") and t not in known]
        assert not unknown, f"qingdan {call[1]}: unknown options {unknown}"


def documented_workflows(tmp_path: Path) -> list[Path]:
    """The Gitea/Forgejo workflows shown in content/review.md, written out as files."""
    text = (ROOT / "content" / "review.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    paths = []
    for n, block in enumerate(blocks):
        path = folder / f"documented-{n}.yml"
        path.write_text(block, encoding="utf-8")
        paths.append(path)
    return paths


def test_documented_gitea_workflows_pass_both_linters(tmp_path: Path) -> None:
    paths = documented_workflows(tmp_path)
    assert len(paths) == 2
    config = tmp_path / "actionlint.yaml"
    config.write_text("self-hosted-runner:\n  labels: [qingdan-web]\n", encoding="utf-8")
    lint = subprocess.run([tool("actionlint"), "-no-color", "-config-file", str(config), *map(str, paths)],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0 and lint.stdout == "", lint.stdout + lint.stderr
    audit = subprocess.run([tool("zizmor"), "--offline", "--persona", "pedantic", "--format", "plain",
                            str(paths[0].parent)], capture_output=True, text=True, timeout=120)
    assert audit.returncode == 0, audit.stdout + audit.stderr
    calls = [call for path in paths for _, step in steps(load(path)) for call in qingdan_calls(
        step.get("run", "").replace(".venv/bin/qingdan", "qingdan"))]
    assert {call[1] for call in calls} >= {"pr-check", "manifest", "publish", "validate", "codeowners"}
    for call in calls:
        known = {opt for param in _command(call[1]).params for opt in param.opts}
        assert not [t for t in call[2:] if t.startswith("--") and t not in known], call


def test_verify_page_documents_every_finding_code() -> None:
    from qingdan.publish.verify import CODES

    page = (ROOT / "content" / "verify.md").read_text(encoding="utf-8")
    assert [code for code in CODES if f"`{code}`" not in page] == []


def test_pull_request_template_carries_the_legal_review_checklist() -> None:
    template = (ROOT / ".github" / "PULL_REQUEST_TEMPLATE.md").read_text(encoding="utf-8")
    assert "## 法律审查" in template
    checklist = [line for line in template.splitlines() if line.startswith("- [ ] ")]
    for topic in ("法律依据", "生效日期", "文字表述", "变更摘要"):
        assert any(topic in line for line in checklist), topic


def _command(name: str) -> click.Command | None:
    """A qingdan command by name; commands load their module on first use."""
    return main.get_command(click.Context(main), name)
