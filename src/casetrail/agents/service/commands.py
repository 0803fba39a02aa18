"""Command messages of the directory: instructions, named in the imperative."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from casetrail.agents.domain.values import Presence, Seniority
from casetrail.kernel.actor import Actor


@dataclass(frozen=True)
class DirectoryContext:
    """What comes with every command besides its content."""

    actor: Actor
    # A stale expected version is refused (HTTP If-Match) instead of being retried.
    expected_version: int | None = None
    # The client's key: the same actor repeating it with the same fingerprint gets the
    # first answer again.
    idempotency_key: str | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class RegisterAgent:
    name: str
    email: str
    capacity: int
    seniority: Seniority = Seniority.JUNIOR
    roles: tuple[str, ...] = ()
    department_ids: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    # Chosen by the client so that it matches the agent's token ``sub``; made up otherwise.
    agent_id: str | None = None


@dataclass(frozen=True)
class ChangeAgent:
    agent_id: str
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SetPresence:
    agent_id: str
    status: Presence


@dataclass(frozen=True)
class CreateDepartment:
    name: str
    description: str = ""
    department_id: UUID | None = None


@dataclass(frozen=True)
class ChangeDepartment:
    department_id: UUID
    changes: dict[str, Any] = field(default_factory=dict)
