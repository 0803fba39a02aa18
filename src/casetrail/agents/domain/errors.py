"""Typed errors of the directory: each names the rule, and bad input names its field."""

from __future__ import annotations

from typing import Any

from casetrail.kernel.errors import Conflict, DomainError, NotFound, Unprocessable


class AgentNotFound(NotFound):
    slug = "agent-not-found"
    title = "Agent not found"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"no agent with id {agent_id!r}")
        self.agent_id = agent_id


class DepartmentNotFound(NotFound):
    slug = "department-not-found"
    title = "Department not found"

    def __init__(self, department_id: object) -> None:
        super().__init__(f"no department with id {department_id}")
        self.department_id = department_id


class AgentAlreadyRegistered(Conflict):
    slug = "agent-exists"
    title = "The agent is already registered"

    def __init__(self, agent_id: str) -> None:
        super().__init__(f"an agent with id {agent_id!r} is already registered")
        self.agent_id = agent_id


class UnknownDepartment(Unprocessable):
    """A request names a department the directory does not have."""

    slug = "unknown-department"
    title = "Unknown department"

    def __init__(self, field: str, department_ids: list[str]) -> None:
        listed = ", ".join(repr(item) for item in department_ids)
        super().__init__(f"{field}: no department with id {listed}")
        self.field = field
        self.department_ids = department_ids

    def problem_fields(self) -> dict[str, Any]:
        return {
            "errors": [
                {
                    "field": self.field,
                    "message": f"unknown department {item!r}",
                    "type": "unknown_department",
                }
                for item in self.department_ids
            ]
        }


class AgentIsOffline(DomainError):
    slug = "agent-offline"
    title = "The agent is offline"

    def __init__(self, agent_id: str) -> None:
        super().__init__(
            f"agent {agent_id!r} is offline: a heartbeat renews a presence, it does not start"
            " one (log in or set a status first)"
        )
        self.agent_id = agent_id

    def problem_fields(self) -> dict[str, Any]:
        return {"current_status": "offline"}


class DirectoryVersionConflict(Conflict):
    slug = "version-conflict"
    title = "The record has changed"

    def __init__(self, what: str, expected: int, actual: int) -> None:
        super().__init__(f"{what} is at version {actual}, not {expected}: reload it and retry")
        self.actual = actual

    def problem_fields(self) -> dict[str, Any]:
        return {"current_version": self.actual}
