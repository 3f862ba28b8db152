"""The exported JSON Schemas: up to date, and they accept the data the validator accepts."""

from __future__ import annotations

import json
import re
from pathlib import Path

import jsonschema
import pytest
import yaml_rs
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from qingdan import schemas
from qingdan.cli import main
from qingdan.layout import KINDS, kind_of
from qingdan.load import discover
from qingdan.model.common import TEXT_PATTERN
from qingdan.samples.synth import write_dataset

REPO = Path(__file__).resolve().parents[1]
EXPORTED = REPO / "scripts" / "schemas"
SAMPLE = REPO / "lists"


def _validator(kind_key: str) -> jsonschema.Draft202012Validator:
    schema = json.loads((EXPORTED / f"{kind_key}{schemas.SUFFIX}").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _errors(lists: Path, relpath: str) -> list[str]:
    # The project's loader reads YAML 1.2 with dates as strings, as JSON Schema expects.
    data = yaml_rs.loads((lists / relpath).read_text(encoding="utf-8"), parse_datetime=False)
    validator = _validator(kind_of(relpath).key)
    return [f"{relpath}: {e.json_path}: {e.message}" for e in validator.iter_errors(data)]


def test_committed_schemas_are_up_to_date() -> None:
    assert schemas.stale(EXPORTED) == [], "运行 qingdan schema 重新生成 scripts/schemas/ 并提交"


def test_one_schema_per_kind_with_id_title_and_chinese_labels() -> None:
    names = sorted(p.name for p in EXPORTED.glob("*" + schemas.SUFFIX))
    assert names == sorted(schemas.filename(kind) for kind in KINDS)
    for kind in KINDS:
        text = (EXPORTED / schemas.filename(kind)).read_text(encoding="utf-8")
        assert text.endswith("}\n") and "\\u" not in text  # Chinese as is, not escaped
        schema = json.loads(text)
        assert list(schema)[:4] == ["$schema", "$id", "title", "description"]
        assert schema["$id"] == f"urn:qingdan:schema:{kind.key}"
        assert kind.label in schema["title"]
        jsonschema.Draft202012Validator.check_schema(schema)
    powers = json.loads((EXPORTED / "powers.schema.json").read_text(encoding="utf-8"))
    assert powers["$defs"]["PowerItem"]["properties"]["code"]["title"] == "事项编码"


def test_check_mode_names_stale_files_and_write_fixes_them(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert runner.invoke(main, ["schema", "--out", str(tmp_path), "--check"]).exit_code == 0

    (tmp_path / "powers.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "old.schema.json").write_text("{}\n", encoding="utf-8")
    (tmp_path / "site.schema.json").unlink()
    result = runner.invoke(main, ["schema", "--out", str(tmp_path), "--check"])
    assert result.exit_code == 1
    for name in ("powers.schema.json", "old.schema.json", "site.schema.json"):
        assert name in result.output
    assert "已过期" in result.output

    assert runner.invoke(main, ["schema", "--out", str(tmp_path)]).exit_code == 0
    assert schemas.stale(tmp_path) == []
    assert not (tmp_path / "old.schema.json").exists()


def test_export_is_stable() -> None:
    assert schemas.rendered() == schemas.rendered()


@pytest.mark.skipif(not (SAMPLE / "site.yml").is_file(), reason="the sample dataset is not there")
def test_sample_files_validate_against_their_schemas() -> None:
    relpaths = [r for r in discover(SAMPLE) if kind_of(r) is not None]
    assert relpaths
    assert [e for r in relpaths for e in _errors(SAMPLE, r)] == []


def test_synthetic_files_validate_against_their_schemas(tmp_path: Path) -> None:
    write_dataset(tmp_path, 200, seed=2)
    lists = tmp_path / "lists"
    relpaths = discover(lists)
    assert {kind_of(r).key for r in relpaths} == {kind.key for kind in KINDS}
    assert [e for r in relpaths for e in _errors(lists, r)] == []


@pytest.mark.parametrize(("kind", "data"), [
    ("powers", {"items": [{"code": "x", "name": "y", "power_type": "99", "exercise_level": "省",
                           "legal_basis": [{"source": "law"}]}]}),
    ("department", {"id": "a", "name": "b", "uscc": "c", "region": "d", "reviewers": ["@e"], "colour": 1}),
    ("regulations", {"items": [{"code": " 有空格"}]}),
    ("sources", {"items": [{"id": "a", "title": "b", "level": "法律", "promulgated": "2024-02-30"}]}),
])
def test_schemas_reject_bad_data(kind: str, data: dict) -> None:
    assert list(_validator(kind).iter_errors(data))


@given(st.text(alphabet=" \t\n\u3000ab中", max_size=8))
def test_portable_text_pattern_means_the_same(value: str) -> None:
    assert bool(re.search(TEXT_PATTERN, value)) == bool(re.search(schemas.PORTABLE_TEXT_PATTERN, value))
