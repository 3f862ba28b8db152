"""`qingdan serve --live`: no English banner, and its mkdocs child never outlives it."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from serve_support import is_gone, live_project, serving, wait_for


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["terminated", "killed"])
def test_the_mkdocs_child_stops_with_qingdan_serve(tmp_path: Path, how: signal.Signals) -> None:
    with serving(live_project(tmp_path)) as served:
        children = served.children()
        assert len(children) == 1  # mkdocs serve
        served.process.send_signal(how)
        served.process.wait(15)
        # SIGTERM is passed on; after SIGKILL the kernel stops the child (PR_SET_PDEATHSIG).
        wait_for(lambda: is_gone(children[0]), 15, "the mkdocs serve child to stop")


def test_no_english_banner_and_data_errors_do_not_stop_the_preview(tmp_path: Path) -> None:
    project = live_project(tmp_path)
    powers = project / "lists" / "520000-scjgj" / "powers.yml"
    powers.write_text(powers.read_text(encoding="utf-8").replace("effective: 2020-01-01", "effective: 2023.3.1"),
                      encoding="utf-8")
    with serving(project) as served:
        log = served.log()
    assert "清单数据有 1 个错误" in log
    assert "Material for MkDocs" not in log and "end of life" not in log
    assert "Aborted" not in log and "BuildError" not in log
