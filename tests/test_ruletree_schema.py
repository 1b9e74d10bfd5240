"""The committed JSON Schema matches the model, and the shipped rule files satisfy it."""

from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest
import yaml

from advisor.ruletree import default_rules_dir
from advisor.ruletree.schema import generate_schema, render_schema

SCHEMA_FILE = Path(__file__).resolve().parent.parent / "schemas" / "rules.schema.json"


def test_committed_schema_is_not_stale():
    committed = SCHEMA_FILE.read_text(encoding="utf-8")
    assert committed == render_schema(), (
        "schemas/rules.schema.json is stale; regenerate it with "
        "`python -m advisor.ruletree.schema > schemas/rules.schema.json`"
    )


def test_schema_is_a_valid_draft_2020_12_schema():
    jsonschema.Draft202012Validator.check_schema(generate_schema())


@pytest.mark.parametrize("name", ["flowchart.yaml", "additions.yaml", "preparation.yaml"])
def test_shipped_rule_files_match_the_schema(name):
    document = yaml.safe_load((default_rules_dir() / name).read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(generate_schema()).validate(document)


@pytest.mark.parametrize(
    "document",
    [
        {
            "version": 1,
            "source": "x",
            "start": "s",
            "nodes": {"s": {"kind": "start", "next": "q", "colour": "red"}},
        },
        {"version": 1, "source": "x", "start": "s", "nodes": {"s": {"kind": "begin", "next": "q"}}},
        {
            "version": 1,
            "additions": [
                {"id": "a", "attach_to": ["s"], "why": "w", "estimators": ["NoSuchModel"]}
            ],
        },
        {
            "version": 1,
            "steps": [
                {
                    "id": "a",
                    "component": "x.Y",
                    "reason": "r",
                    "when": {"fact": "nope", "op": "eq", "value": 1},
                }
            ],
        },
        {
            "version": 1,
            "steps": [
                {"id": "a", "component": "x.Y", "reason": "r", "when": {"all": [], "any": []}}
            ],
        },
    ],
    ids=["unknown key", "unknown kind", "unknown estimator", "unknown fact", "two condition forms"],
)
def test_schema_rejects_broken_documents(document):
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(generate_schema()).validate(document)
