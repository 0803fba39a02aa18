"""Where settings come from: flat ``CASETRAIL_*`` variables and flat keyword arguments,
both nested into the settings' groups (``commerce_batch_size`` → ``commerce.batch_size``).
"""

from __future__ import annotations

import contextlib
import json
import os
import typing
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from casetrail.bootstrap.settings_groups import Path, variables

ENV_PREFIX = "CASETRAIL_"


def variable_paths(settings_cls: type[BaseSettings]) -> dict[str, Path]:
    return {name: path for name, path, _ in variables(settings_cls.model_fields)}


def variable_of(settings_cls: type[BaseSettings], location: tuple[int | str, ...]) -> str:
    """The environment variable behind a validation error's location."""
    path = tuple(str(part) for part in location[:2])
    for name, where in variable_paths(settings_cls).items():
        if where == path or (len(where) == 1 and where == path[:1]):
            return ENV_PREFIX + name.upper()
    return ENV_PREFIX + "_".join(path).upper()


def nest(settings_cls: type[BaseSettings], flat: Mapping[str, Any]) -> dict[str, Any]:
    """Flat names moved into their groups; anything else (a whole group, an unknown name
    that validation will refuse) kept where it is."""
    paths = variable_paths(settings_cls)
    nested: dict[str, Any] = {}
    for name, value in flat.items():
        path = paths.get(name, (name,))
        if len(path) == 1:
            nested[path[0]] = value
            continue
        group = nested.get(path[0])
        if isinstance(group, BaseModel):
            group = group.model_dump()
        nested[path[0]] = {**(group or {}), path[1]: value}
    return nested


def _structured(field: FieldInfo) -> bool:
    """A field whose variable holds JSON (a mapping or a list)."""
    origin = typing.get_origin(field.annotation)
    return origin in (dict, list, set, tuple)


class FlatEnvironment(PydanticBaseSettingsSource):
    """``CASETRAIL_*`` variables, case-insensitive, JSON for mappings and lists."""

    def get_field_value(self, _field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        environ = {
            key.lower(): value
            for key, value in os.environ.items()
            if key.upper().startswith(ENV_PREFIX)
        }
        flat: dict[str, Any] = {}
        for name, _path, field in variables(self.settings_cls.model_fields):
            value = environ.get(ENV_PREFIX.lower() + name)
            if value is None:
                continue
            if _structured(field):
                # Not JSON: validation names the variable and what it expected.
                with contextlib.suppress(ValueError):
                    value = json.loads(value)
            flat[name] = value
        return nest(self.settings_cls, flat)


class OpenTelemetryEnvironment(PydanticBaseSettingsSource):
    """The standard OpenTelemetry variables casetrail honours, into the tracing group."""

    VARIABLES: typing.ClassVar[dict[str, str]] = {
        "OTEL_EXPORTER_OTLP_ENDPOINT": "otlp_endpoint",
        "OTEL_SERVICE_NAME": "service_name",
    }

    def get_field_value(self, _field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        found = {
            field: os.environ[variable]
            for variable, field in self.VARIABLES.items()
            if os.environ.get(variable)
        }
        return {"tracing": found} if found else {}


class FlatKeywords(PydanticBaseSettingsSource):
    """Keyword arguments by variable name (``Settings(database_url=...)``) or by group."""

    def __init__(self, settings_cls: type[BaseSettings], keywords: PydanticBaseSettingsSource):
        super().__init__(settings_cls)
        self._keywords = keywords

    def get_field_value(self, _field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        return nest(self.settings_cls, self._keywords())
