"""Checks a produced message against the published AsyncAPI document."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import yaml

DOCS = Path(__file__).resolve().parents[2] / "docs"
PUBLISHED = DOCS / "asyncapi.yaml"
BASELINE = DOCS / "asyncapi-baseline.yaml"


def load(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(path.read_text())
    return document


def validate_message(document: dict[str, Any], topic: str, payload: dict[str, Any]) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``payload`` fits the topic's message."""
    [channel] = [c for c in document["channels"].values() if c["address"] == topic]
    [message_ref] = [m["$ref"] for m in channel["messages"].values()]
    message = document["components"]["messages"][message_ref.rsplit("/", 1)[-1]]
    schema = {"$ref": message["payload"]["$ref"], "components": document["components"]}
    jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker()).validate(
        payload
    )
