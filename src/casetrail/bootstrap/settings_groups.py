"""A group of settings (one context's, one engine's) and the variables that set it.

A group's fields are set by ``CASETRAIL_<env_prefix><field>`` unless ``env_names`` names
another variable for a field (kept where a variable predates its group, e.g.
``CASETRAIL_PORT`` for ``http.port``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import ClassVar

from pydantic import BaseModel, ConfigDict
from pydantic.fields import FieldInfo


class SettingsGroup(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    env_prefix: ClassVar[str] = ""
    env_names: ClassVar[Mapping[str, str]] = {}

    @classmethod
    def variable(cls, field: str) -> str:
        """The variable's name without ``CASETRAIL_``, in lower case."""
        return cls.env_names.get(field, cls.env_prefix + field)


Path = tuple[str, ...]


def variables(fields: Mapping[str, FieldInfo]) -> Iterator[tuple[str, Path, FieldInfo]]:
    """Each variable (lower case, without the prefix), where it lands, and its field."""
    for name, field in fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, SettingsGroup):
            for inner, inner_field in group.model_fields.items():
                yield group.variable(inner), (name, inner), inner_field
        else:
            yield name, (name,), field
