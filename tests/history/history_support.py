"""Real git repositories for history tests: GitRepo and the scenario every test reads.

``GitRepo`` drives git with fixed identities and dates (no global git config).
``scenario`` (built once per session) is the story every history test reads:

====  =========================================================  ==================
step  what                                                       audit flags
====  =========================================================  ==================
 1    PR #1: the valid tree of tests/conftest.py plus a city     —
      justice department (520100-sft, reviewer @wangwu); tag v1
 2    PR #2: rename 520000-XK00001000, add a legal basis          —
 3    PR #3: transfer 520100-XK00001000 to 520100-sft             —
 4    PR #4: repeal 520000-XK00001000; site requires signing;     — (signed)
      allowed_signers committed
 5    PR #5 signed: edit the regulation                           —
 6    PR #6 unsigned merge                                        unsigned
 7    PR #7 written, approved and merged by zhangsan              self-approval, self-merge
 8    PR #8 approved by zhaoliu (no department lists him)         unauthorised-approval
 9    direct commit: delete 520100-XK00001000 without repeal      no-approval, unsigned
 —    tag v-old on a commit later dropped from main               history-rewritten
====  =========================================================  ==================
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path


def _top_conftest():
    """tests/conftest.py under a name of its own (several conftest modules coexist)."""
    path = Path(__file__).resolve().parents[1] / "conftest.py"
    spec = importlib.util.spec_from_file_location("qingdan_tests_top_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_TOP = _top_conftest()
CITY_DEPT, PROVINCE_DEPT, VALID_FILES = _TOP.CITY_DEPT, _TOP.PROVINCE_DEPT, _TOP.VALID_FILES

ZHANGSAN = ("zhangsan", "zhangsan@example.gov.cn")
LISI = ("lisi", "lisi@example.gov.cn")
WANGWU = ("wangwu", "wangwu@example.gov.cn")
ZHAOLIU = ("zhaoliu", "zhaoliu@example.gov.cn")
EDITOR = ("编辑", "editor@example.gov.cn")
CITY_SFT = "520100-sft"

CITY_SFT_DEPARTMENT = """\
id: 520100-sft
name: 示例市司法局
uscc: 11520100MB3456789X
region: "520100"
reviewers:
  - "@wangwu"
"""

CITY_SFT_RESPONSIBILITIES = """\
main_duties:
  - duty: 负责全市法治政府建设
"""

CITY_SFT_POWERS = """\
items:
  - code: 520100-XK00002000
    name: 律师事务所设立初审
    power_type: "01"
    exercise_level: 市
    effective: 2019-01-01
    legal_basis:
      - source: law-licensing
        articles: 第十二条
"""


def git_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "LC_ALL": "C"})
    return env


class GitRepo:
    """A real repository driven with fixed identities and dates."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.clock = 1_704_070_800  # 2024-01-01T09:00:00+08:00
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "commit.gpgsign", "false")
        self.git("config", "user.name", "nobody")
        self.git("config", "user.email", "nobody@example.gov.cn")

    def git(self, *args: str, who: tuple[str, str] = EDITOR, check: bool = True,
            env: dict[str, str] | None = None) -> str:
        self.clock += 86_400
        env = git_env() | (env or {}) | {
            "GIT_AUTHOR_NAME": who[0], "GIT_AUTHOR_EMAIL": who[1], "GIT_AUTHOR_DATE": f"{self.clock} +0800",
            "GIT_COMMITTER_NAME": who[0], "GIT_COMMITTER_EMAIL": who[1],
            "GIT_COMMITTER_DATE": f"{self.clock} +0800",
        }
        done = subprocess.run(["git", *args], cwd=self.path, env=env, capture_output=True, text=True)
        if check and done.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def write(self, files: dict[str, str | None], under: str = "lists") -> None:
        for relpath, text in files.items():
            path = self.path / under / relpath if under else self.path / relpath
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def read(self, relpath: str) -> str:
        return (self.path / "lists" / relpath).read_text(encoding="utf-8")

    def commit(self, message: str, who: tuple[str, str] = EDITOR, sign: bool = False) -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, *(["-S"] if sign else []), who=who)
        return self.git("rev-parse", "HEAD")

    def pull_request(self, number: int, title: str, files: dict[str, str | None], approvers: list[tuple[str, str]],
                     author: tuple[str, str] = EDITOR, sign: bool = False) -> str:
        """A branch with one commit, merged --no-ff with Gitea's message and trailers."""
        branch = f"pr-{number}"
        self.git("checkout", "-q", "-b", branch)
        self.write(files)
        self.commit(title, who=author)
        self.git("checkout", "-q", "main")
        trailers = [f"Reviewed-on: https://git.example.gov.cn/org/lists/pulls/{number}"]
        trailers += [f"Reviewed-by: {name} <{email}>" for name, email in approvers]
        message = f"Merge pull request '{title}' (#{number}) from {branch} into main\n\n" + "\n".join(trailers)
        merger = approvers[0] if approvers else EDITOR
        self.git("merge", "-q", "--no-ff", *(["-S"] if sign else []), "-m", message, branch, who=merger)
        self.git("branch", "-q", "-D", branch)
        return self.git("rev-parse", "HEAD")


@dataclass
class Scenario:
    repo: GitRepo
    shas: dict[str, str] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.repo.path


def _signing(repo: GitRepo, keys: Path) -> str:
    """Configure SSH signing with a fresh key; returns the allowed_signers line."""
    keys.mkdir(parents=True, exist_ok=True)
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "test", "-f", str(keys / "key")],
                   check=True, capture_output=True)
    repo.git("config", "gpg.format", "ssh")
    repo.git("config", "user.signingkey", str(keys / "key"))
    public = (keys / "key.pub").read_text().strip()
    return f"{ZHANGSAN[1]},{LISI[1]},{WANGWU[1]},{ZHAOLIU[1]} {public}\n"


def build_scenario(root: Path) -> Scenario:
    repo = GitRepo(root / "repo")
    s = Scenario(repo)
    repo.write({"README.md": "示例仓库\n"}, under="")
    s.shas["root"] = repo.commit("初始化仓库")
    files = dict(VALID_FILES)
    files.update({f"{CITY_SFT}/department.yml": CITY_SFT_DEPARTMENT, f"{CITY_SFT}/powers.yml": CITY_SFT_POWERS,
                  f"{CITY_SFT}/responsibilities.yml": CITY_SFT_RESPONSIBILITIES})
    # pr2 renames the province's item before the city's follows: a transition, so a warning.
    files["site.yml"] = VALID_FILES["site.yml"] + "inconsistent_item: warning\n"
    s.shas["pr1"] = repo.pull_request(1, "建立清单", files, [ZHANGSAN, LISI, WANGWU])
    repo.git("tag", "-a", "v1", "-m", "首次公布")

    powers = repo.read(f"{PROVINCE_DEPT}/powers.yml")
    powers = powers.replace("name: 食品经营许可", "name: 食品经营许可（省级）").replace(
        "        articles: 第三十五条\n", "        articles: 第三十五条\n      - source: law-licensing\n"
        "        articles: 第十二条\n")
    s.shas["pr2"] = repo.pull_request(2, "修改食品经营许可", {f"{PROVINCE_DEPT}/powers.yml": powers}, [ZHANGSAN])

    city = repo.read(f"{CITY_DEPT}/powers.yml")
    moved = city[len("items:\n"):]
    sft = repo.read(f"{CITY_SFT}/powers.yml") + moved
    s.shas["pr3"] = repo.pull_request(3, "移交食品经营许可", {f"{CITY_DEPT}/powers.yml": "items: []\n",
                                                        f"{CITY_SFT}/powers.yml": sft}, [LISI, WANGWU])

    signers = _signing(repo, root / "keys")
    repealed = repo.read(f"{PROVINCE_DEPT}/powers.yml") + (
        "    status: 已废止\n    repeal:\n      date: 2024-06-01\n      basis: 示例省人民政府令第1号\n"
        "      reason: 职能调整\n")
    site = repo.read("site.yml") + "require_signing: true\n"
    repo.write({"allowed_signers": signers}, under="")
    s.shas["pr4"] = repo.pull_request(4, "废止食品经营许可", {f"{PROVINCE_DEPT}/powers.yml": repealed, "site.yml": site},
                                      [ZHANGSAN], sign=True)

    regulations = repo.read(f"{PROVINCE_DEPT}/regulations.yml").replace("batch: 2024年法规清理", "batch: 2025年法规清理")
    s.shas["pr5"] = repo.pull_request(5, "更新法规清理批次", {f"{PROVINCE_DEPT}/regulations.yml": regulations},
                                      [ZHANGSAN], sign=True)
    responsibilities = repo.read(f"{PROVINCE_DEPT}/responsibilities.yml").replace("负责市场综合监督管理", "负责全省市场综合监督管理")
    s.shas["pr6"] = repo.pull_request(6, "修改主要职责", {f"{PROVINCE_DEPT}/responsibilities.yml": responsibilities},
                                      [ZHANGSAN], sign=False)
    department = repo.read(f"{PROVINCE_DEPT}/department.yml") + "contact:\n  phone: \"0851-1234567\"\n"
    s.shas["pr7"] = repo.pull_request(7, "补充联系电话", {f"{PROVINCE_DEPT}/department.yml": department}, [ZHANGSAN],
                                      author=ZHANGSAN, sign=True)
    city_resp = repo.read(f"{CITY_DEPT}/responsibilities.yml").replace("负责市场综合监督管理", "负责全市市场综合监督管理")
    s.shas["pr8"] = repo.pull_request(8, "修改市局主要职责", {f"{CITY_DEPT}/responsibilities.yml": city_resp}, [ZHAOLIU],
                                      sign=True)
    # Published, then dropped from main: history rewritten after publication.
    repo.write({"README.md": "临时\n"}, under="")
    repo.commit("临时提交")
    repo.git("tag", "v-old")
    repo.git("reset", "-q", "--hard", "HEAD~1")
    sft_powers = repo.read(f"{CITY_SFT}/powers.yml")
    cut = sft_powers.index("  - code: 520100-XK00001000")
    repo.write({f"{CITY_SFT}/powers.yml": sft_powers[:cut]})
    s.shas["direct"] = repo.commit("删除事项", who=("运维", "ops@example.gov.cn"))
    return s
