"""Rows of the directory's read models: what lists and filters are answered from."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from uuid import UUID


@dataclass
class AgentRow:
    stream_id: UUID
    agent_id: str
    name: str
    email: str
    roles: list[str]
    department_ids: list[str]
    skills: list[str]
    capacity: int
    seniority: str
    status: str
    # When the presence lapses unless renewed (None when offline).
    presence_expires_at: datetime | None
    # When the status last changed (None before the first change).
    status_changed_at: datetime | None
    registered_at: datetime
    updated_at: datetime
    version: int


@dataclass
class DepartmentRow:
    id: UUID
    name: str
    description: str
    created_at: datetime
    updated_at: datetime
    version: int


AGENT_COLUMNS: tuple[str, ...] = tuple(item.name for item in fields(AgentRow))
DEPARTMENT_COLUMNS: tuple[str, ...] = tuple(item.name for item in fields(DepartmentRow))
