"""Compiled templates kept across processes (render/templates.py): the package's own on disk, a site's in memory."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from qingdan.render.templates import CompiledTemplates, environment

NAME = "site/live-errors.html"  # a template of its own (no base, no macros)
CONTEXT = {"total": 1, "errors": [{"file": "lists/a.yml", "line": 3, "message": "<错误>", "code": "E1",
                                 "path": "", "hint": ""}], "hidden": 0}


def _env(cache: CompiledTemplates, templates_dir: Path | None = None, *, compiles: bool = True) -> jinja2.Environment:
    """An environment of the site's templates using ``cache``; with ``compiles`` false, compiling fails."""
    env = environment(templates_dir)
    env.bytecode_cache = cache
    if not compiles:
        def refuse(*_args: object, **_kwargs: object) -> None:
            raise AssertionError("compiled a template the cache holds")

        env.compile = refuse  # type: ignore[method-assign]
    return env


def _render(env: jinja2.Environment) -> str:
    return env.get_template(NAME).render(CONTEXT)


def test_a_package_template_compiled_once_is_read_by_the_next_process(tmp_path: Path) -> None:
    folder = tmp_path / "compiled"
    expected = _render(_env(CompiledTemplates(folder)))
    assert [p.suffix for p in folder.iterdir()] == [".jinja"]
    # A new process: nothing in memory, and compiling would fail. The page renders the same.
    assert _render(_env(CompiledTemplates(folder), compiles=False)) == expected


def test_nothing_is_written_when_python_is_told_not_to(tmp_path: Path) -> None:
    folder = tmp_path / "compiled"
    cache = CompiledTemplates(folder, writes=False)
    _render(_env(cache))
    assert not folder.exists()
    # Still compiled once for the life of the process.
    assert _render(_env(cache, compiles=False))


def test_a_sites_own_template_is_kept_in_memory_only(tmp_path: Path) -> None:
    overrides = tmp_path / "overrides"
    (overrides / "site").mkdir(parents=True)
    (overrides / NAME).write_text("<h1>{{ total }} 个错误</h1>", encoding="utf-8")
    folder = tmp_path / "compiled"
    cache = CompiledTemplates(folder)
    assert _render(_env(cache, overrides)) == "<h1>1 个错误</h1>"
    assert not folder.exists()  # a pull request's template never becomes code another process loads
    assert _render(_env(cache, overrides, compiles=False)) == "<h1>1 个错误</h1>"
    with pytest.raises(AssertionError, match="compiled"):
        _render(_env(CompiledTemplates(folder), overrides, compiles=False))


@pytest.mark.parametrize("damage", ["garbage", "truncated", "link"])
def test_a_damaged_compiled_file_is_compiled_again(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "compiled"
    expected = _render(_env(CompiledTemplates(folder)))
    (path,) = folder.iterdir()
    if damage == "garbage":
        path.write_bytes(b"j2\x80\x02not a template at all")
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:40])
    else:
        target = tmp_path / "elsewhere.jinja"
        target.write_bytes(path.read_bytes())
        path.unlink()
        path.symlink_to(target)
    # Compiled again (not read), the same page, and the file made whole again.
    assert _render(_env(CompiledTemplates(folder))) == expected
    assert not path.is_symlink() and _render(_env(CompiledTemplates(folder), compiles=False)) == expected
