"""Departments from the agents context's directory: a policy may filter only on departments
it knows."""

from __future__ import annotations

from uuid import UUID

from casetrail.agents.published import DirectoryReader


class DirectoryDepartments:
    def __init__(self, reader: DirectoryReader) -> None:
        self._reader = reader

    def is_known(self, department: str) -> bool:
        try:
            department_id = UUID(department)
        except ValueError:
            return False
        return self._reader.department_row(department_id) is not None
