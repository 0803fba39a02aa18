"""What the HTTP side may ask the directory's read models, wherever they are stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from casetrail.agents.projections.rows import AgentRow, DepartmentRow

# The projection a directory query may wait for (read-your-writes).
AGENT_DIRECTORY = "agent_directory"
# The stable names the directory's tables are read under.
AGENTS_TABLE = "agent_directory"
DEPARTMENTS_TABLE = "department_directory"


@dataclass(frozen=True)
class AgentFilter:
    department_id: str | None = None
    skill: str | None = None
    statuses: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgentPage:
    rows: list[AgentRow]
    # The agent id the next page starts after, or None on the last page.
    next_after: str | None


@dataclass(frozen=True)
class DepartmentPage:
    rows: list[DepartmentRow]
    next_after: tuple[str, str] | None  # (name, id) of the last row


class DirectoryReader(Protocol):
    """The directory's queries, answered from projected rows. Agents come in id order,
    departments in name order."""

    def list_agents(self, wanted: AgentFilter, limit: int, after: str | None) -> AgentPage: ...

    def agent_row(self, agent_id: str) -> AgentRow | None: ...

    def list_departments(self, limit: int, after: tuple[str, str] | None) -> DepartmentPage: ...

    def department_row(self, department_id: UUID) -> DepartmentRow | None: ...
