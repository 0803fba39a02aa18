"""JSON Schema documents exported from the event models, for the teams that produce them.

The files live in the repository (``schemas/commerce/<topic>.v<version>.json``); a test fails
when they differ from what the models export, so the contract cannot drift silently.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from casetrail.commerce.events import EVENT_MODELS, SCHEMA_VERSION, CommerceEvent

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def schema_file_name(topic: str, version: int = SCHEMA_VERSION) -> str:
    return f"{topic}.v{version}.json"


def event_json_schema(model: type[CommerceEvent]) -> dict[str, Any]:
    # Validation mode: what a producer may send (defaults may be omitted).
    document = model.model_json_schema(mode="validation")
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:casetrail:commerce:{model.TOPIC}:v{SCHEMA_VERSION}",
        "x-kafka-topic": model.TOPIC,
        "x-kafka-key": "customer_id",
        **document,
    }


def exported_schemas() -> dict[str, str]:
    """File name → file text, exactly as they are kept in the repository."""
    return {
        schema_file_name(topic): json.dumps(event_json_schema(model), indent=2, sort_keys=True)
        + "\n"
        for topic, model in EVENT_MODELS.items()
    }


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in exported_schemas().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
