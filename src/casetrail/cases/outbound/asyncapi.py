"""The AsyncAPI 3 document for every topic casetrail produces, generated from the models.

``casetrail asyncapi`` prints it; the copy in ``docs/asyncapi.yaml`` is the published
contract, and a test keeps it equal to what the code produces and compatible with the
versions published before (``docs/asyncapi-baseline/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from casetrail import __version__
from casetrail.cases.outbound.integration_events import MESSAGE_TYPES, IntegrationMessage

REF_TEMPLATE = "#/components/schemas/{model}"


def channel_name(topic: str) -> str:
    return topic.replace(".", "-")


def message_name(model: type[BaseModel]) -> str:
    return model.__name__.removesuffix("Message")


def asyncapi_document(
    message_types: Sequence[type[IntegrationMessage]] = MESSAGE_TYPES,
) -> dict[str, Any]:
    """The document for ``message_types`` (by default the ``support.case.*`` ones; the
    ``casetrail asyncapi`` command passes every context's)."""
    _, schemas = models_json_schema(
        [(model, "serialization") for model in message_types], ref_template=REF_TEMPLATE
    )
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for model in message_types:
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
            "bindings": {"kafka": {"key": dict(model.key_schema)}},
        }
        channels[channel] = {
            "address": model.topic,
            "description": f"{model.key_description} Messages: {model.topic}.",
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
                "Events casetrail publishes when support cases and the customer directory "
                "change. Delivery is at least "
                "once: deduplicate on event_id. Fields are only ever added; a breaking change "
                "is a new schema_version."
            ),
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": component_schemas},
    }


def asyncapi_yaml(message_types: Sequence[type[IntegrationMessage]] = MESSAGE_TYPES) -> str:
    return yaml.safe_dump(asyncapi_document(message_types), sort_keys=False, allow_unicode=True)
