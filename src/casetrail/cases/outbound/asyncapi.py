"""The AsyncAPI 3 document for every topic casetrail produces, generated from the models.

``casetrail asyncapi`` prints it; the copy in ``docs/asyncapi.yaml`` is the published
contract, and a test keeps it equal to what the code produces and compatible with the
versions published before (``docs/asyncapi-baseline/``).
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from casetrail import __version__
from casetrail.cases.outbound.integration_events import MESSAGE_TYPES

REF_TEMPLATE = "#/components/schemas/{model}"


def channel_name(topic: str) -> str:
    return topic.replace(".", "-")


def message_name(model: type[BaseModel]) -> str:
    return model.__name__.removesuffix("Message")


def asyncapi_document() -> dict[str, Any]:
    _, schemas = models_json_schema(
        [(model, "serialization") for model in MESSAGE_TYPES], ref_template=REF_TEMPLATE
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for model in MESSAGE_TYPES:
        name = message_name(model)
        channel = channel_name(model.topic)
        messages[name] = {
            "name": name,
            "title": model.topic,
            "summary": (model.__doc__ or "").strip().splitlines()[0]
            if model.__doc__
            else model.topic,
            "contentType": "application/json",
            "headers": {"$ref": "#/components/schemas/CaseMessageHeaders"},
            "payload": {"$ref": REF_TEMPLATE.format(model=model.__name__)},
            "bindings": {"kafka": {"key": {"type": "string", "format": "uuid"}}},
        }
        channels[channel] = {
            "address": model.topic,
            "description": f"Keyed by case id; ordered per case. Messages: {model.topic}.",
            "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        }
        operations[f"publish{name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{channel}"},
            "messages": [{"$ref": f"#/channels/{channel}/messages/{name}"}],
        }
    component_schemas = dict(schemas.get("$defs", {}))
    component_schemas["CaseMessageHeaders"] = {
        "type": "object",
        "properties": {
            "event_id": {"type": "string", "format": "uuid"},
            "event_type": {"type": "string"},
            "schema_version": {"type": "string"},
        },
        "required": ["event_id", "event_type", "schema_version"],
    }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "casetrail support events",
            "version": __version__,
            "description": (
                "Events casetrail publishes when support cases change. Delivery is at least "
                "once: deduplicate on event_id. Fields are only ever added; a breaking change "
                "is a new schema_version."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": component_schemas},
    }


def asyncapi_yaml() -> str:
    return yaml.safe_dump(asyncapi_document(), sort_keys=False, allow_unicode=True)
