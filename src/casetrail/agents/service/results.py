"""What a directory command answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class DirectoryResult:
    # The agent id, or the department's UUID as text.
    id: str
    # The record's version after the command (its ETag).
    version: int
    # Notification id of the last event written; None when nothing changed or replayed.
    position: int | None
    replayed: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "version": self.version}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DirectoryResult:
        return cls(id=str(data["id"]), version=int(data["version"]), position=None, replayed=True)
