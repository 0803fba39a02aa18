"""The JSON Schema files in the repository are exactly what the models export."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from casetrail.commerce.events import EVENT_MODELS
from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.json_schemas import exported_schemas, schema_file_name

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "commerce"


def test_the_exported_files_match_the_models() -> None:
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in SCHEMA_DIR.glob("*.json")}
    expected = exported_schemas()
    assert sorted(on_disk) == sorted(expected), "run `casetrail commerce-schemas` and commit"
    for name, text in expected.items():
        assert on_disk[name] == text, (
            f"{name} drifted from the model: run `casetrail commerce-schemas`"
        )


@pytest.mark.parametrize("topic", sorted(EVENT_MODELS))
def test_each_schema_requires_the_shared_fields(topic: str) -> None:
    schema = json.loads((SCHEMA_DIR / schema_file_name(topic)).read_text())
    required = set(schema["required"])
    assert {"event_id", "occurred_at", "customer_id"} <= required
    assert ("order_id" in required) == (topic != "fraud.alert")
    assert schema["properties"]["schema_version"]["const"] == 1
    assert schema.get("additionalProperties") is not False  # unknown fields are tolerated


def test_generated_events_validate_against_the_published_schemas() -> None:
    validators = {
        topic: jsonschema.Draft202012Validator(
            json.loads((SCHEMA_DIR / schema_file_name(topic)).read_text()),
            format_checker=jsonschema.FormatChecker(),
        )
        for topic in EVENT_MODELS
    }
    for message in CommerceStreamGenerator(seed=3).messages(2_000):
        validators[message.topic].validate(json.loads(message.value))
