"""What surrounds the tools: the header map, editor settings, the guide, the fmt cache."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qingdan.cli import main
from qingdan.excel.headers import load, normalise
from qingdan.excel.tables import TABLES, export_columns
from qingdan.fmt import format_tree
from qingdan.layout import KINDS, kind_of

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "content" / "guide"


def test_every_column_has_headers_and_no_spelling_means_two_fields():
    headers = load()
    for table in TABLES:
        fields = headers.tables[table.key]
        assert set(fields) == {c.field for c in table.columns}, table.key
        owners: dict[str, str] = {}
        for field_path, spellings in fields.items():
            for spelling in spellings:
                owner = owners.setdefault(normalise(spelling), field_path)
                assert owner == field_path, f"{table.key}: “{spelling}” means both {owner} and {field_path}"
        standard = [headers.standard(table.key, c.field) for c in export_columns(table)]
        assert len(standard) == len(set(standard)), table.key


def test_value_spellings_name_real_fields():
    headers = load()
    fields = {c.field for t in TABLES for c in t.columns}
    assert set(headers.values) <= fields


def test_vscode_maps_every_file_kind_to_its_exported_schema():
    settings = json.loads((ROOT / ".vscode" / "settings.json").read_text(encoding="utf-8"))
    mapping = settings["yaml.schemas"]
    assert set(mapping) == {f"./scripts/schemas/{kind.key}.schema.json" for kind in KINDS}
    for kind in KINDS:
        globs = mapping[f"./scripts/schemas/{kind.key}.schema.json"]
        example = f"lists/520000-scjgj/{kind.filename}" if kind.per_department else f"lists/{kind.filename}"
        assert any(Path(example).match(g) for g in globs), kind.key
        assert kind_of(example.removeprefix("lists/")) is kind
    assert settings["yaml.format.enable"] is False  # qingdan fmt is the one formatter


@pytest.mark.skipif(not (ROOT / "scripts" / "schemas").is_dir(), reason="schemas not exported yet")
def test_the_mapped_schemas_exist():
    for kind in KINDS:
        assert (ROOT / "scripts" / "schemas" / f"{kind.key}.schema.json").is_file(), kind.key


@pytest.mark.parametrize("command", ["check", "import", "export", "fmt", "new", "migrate"])
def test_every_option_of_the_tools_is_in_the_guide(command: str):
    reference = (GUIDE / "commands.md").read_text(encoding="utf-8")
    assert f"## qingdan {command}" in reference
    params = main.get_command(click.Context(main), command).params  # lazily loaded: commands may not be yet
    for param in params:
        if isinstance(param, click.Option):
            assert any(f"`{opt}`" in reference for opt in param.opts), f"qingdan {command} {param.opts[0]}"


def test_guide_pages_link_to_each_other_and_exist():
    pages = {p.name for p in GUIDE.glob("*.md")}
    assert {"index.md", "edit-item.md", "import-excel.md", "pull-request.md", "check-results.md",
            "editor.md", "commands.md"} <= pages
    index = (GUIDE / "index.md").read_text(encoding="utf-8")
    for page in pages - {"index.md"}:
        assert f"({page})" in index, page


def test_fmt_cache_skips_known_files_but_never_a_changed_one(tmp_path: Path):
    lists = tmp_path / "lists"
    (lists / "520000-scjgj").mkdir(parents=True)
    target = lists / "520000-scjgj" / "powers.yml"
    target.write_text('items:\n  - code: "X"\n', encoding="utf-8")
    cache = tmp_path / "cache"

    assert not format_tree(lists, cache_dir=cache)[0].changed
    assert list(cache.glob("canonical-*.json"))
    target.write_text("items:\n- code: X\n", encoding="utf-8")
    assert format_tree(lists, cache_dir=cache)[0].changed


def test_fmt_check_uses_the_cache_beside_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    lists = tmp_path / "lists"
    (lists / "520000-scjgj").mkdir(parents=True)
    (lists / "520000-scjgj" / "powers.yml").write_text('items:\n  - code: "X"\n', encoding="utf-8")
    monkeypatch.delenv("QINGDAN_CACHE_DIR", raising=False)

    assert CliRunner().invoke(main, ["fmt", "--check", str(lists)]).exit_code == 0
    assert list((tmp_path / ".qingdan-cache" / "fmt").glob("canonical-*.json"))
