"""The OpenAPI document as clients should read it.

FastAPI describes an optional parameter (``str | None = None``) as "a string or null". A
query parameter or header is either sent or absent: it cannot be null, and a client that
believes the document sends the text ``null``, which the API rightly refuses. Parameters are
therefore described by their non-null type alone.

FastAPI also files a response model under ``application/json`` whatever else the response
declares; problems leave as ``application/problem+json`` only, so that is where their
schema goes.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from casetrail.platform.http.problems import PROBLEM_JSON

PROBLEM_SCHEMA = "#/components/schemas/Problem"


def install_openapi_document(app: FastAPI) -> None:
    def document() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            for path in schema.get("paths", {}).values():
                for operation in path.values():
                    for parameter in operation.get("parameters", ()):
                        parameter["schema"] = without_null(parameter.get("schema", {}))
                    for response in operation.get("responses", {}).values():
                        if "content" in response:
                            response["content"] = problem_content(response["content"])
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = document  # type: ignore[method-assign]


def problem_content(content: dict[str, Any]) -> dict[str, Any]:
    """``application/json`` with the problem schema beside ``application/problem+json``
    becomes ``application/problem+json`` with that schema."""
    if PROBLEM_JSON not in content or "application/json" not in content:
        return content
    schema = content["application/json"].get("schema")
    if schema != {"$ref": PROBLEM_SCHEMA}:
        return content
    rest = {media: value for media, value in content.items() if media != "application/json"}
    return {**rest, PROBLEM_JSON: {**rest[PROBLEM_JSON], "schema": schema}}


def without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``{"anyOf": [X, {"type": "null"}], ...}`` as ``{...X, ...}``; other schemas as they are."""
    branches = schema.get("anyOf")
    if not isinstance(branches, list):
        return schema
    kept = [branch for branch in branches if branch != {"type": "null"}]
    if len(kept) == len(branches):
        return schema
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if len(kept) == 1:
        return {**kept[0], **rest}
    return {**rest, "anyOf": kept}
