"""What other contexts' routes may use of the cases API: the case read schemas, the
dependencies that give a route its caller, desk and read model, and the guards that decide
what a caller may see."""

from __future__ import annotations

from casetrail.cases.api.audience import shown_history, shown_messages
from casetrail.cases.api.case_detail import CaseAsked, CaseDetailAddition
from casetrail.cases.api.case_views import case_read_from_row
from casetrail.cases.api.deps import Desk, current_actor
from casetrail.cases.api.query_deps import ReadModelDep
from casetrail.cases.api.routes_cases import case_read
from casetrail.cases.api.schemas import (
    MAX_REASON,
    ActorRead,
    CaseRead,
    HistoryEntryRead,
    MessageRead,
    Request,
)
from casetrail.cases.api.visibility import own_customer

__all__ = [
    "MAX_REASON",
    "ActorRead",
    "CaseAsked",
    "CaseDetailAddition",
    "CaseRead",
    "Desk",
    "HistoryEntryRead",
    "MessageRead",
    "ReadModelDep",
    "Request",
    "case_read",
    "case_read_from_row",
    "current_actor",
    "own_customer",
    "shown_history",
    "shown_messages",
]
