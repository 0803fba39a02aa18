"""What other contexts' routes may use of the cases API: the case read schemas, the
dependencies that give a route its caller, desk, command context and read model, the
guards that decide what a caller may see, and the case list's parameters and pages (for
lists of cases another context narrows, such as a department's)."""

from __future__ import annotations

from casetrail.cases.api.audience import shown, shown_history, shown_messages
from casetrail.cases.api.case_detail import CaseAsked, CaseDetailAddition
from casetrail.cases.api.case_list_params import PageParams, case_filter
from casetrail.cases.api.case_pages import case_page
from casetrail.cases.api.case_views import case_list_item, case_read_from_row
from casetrail.cases.api.deps import Context, Desk, current_actor
from casetrail.cases.api.query_deps import ReadModelDep, wait_for_position
from casetrail.cases.api.query_schemas import CaseListItem, CasePage
from casetrail.cases.api.routes_cases import case_read, describe
from casetrail.cases.api.schemas import (
    MAX_REASON,
    ActorRead,
    CaseRead,
    HistoryEntryRead,
    MessageRead,
    Reason,
    Request,
)
from casetrail.cases.api.visibility import VISIBLE_CASE, own_customer

__all__ = [
    "MAX_REASON",
    "VISIBLE_CASE",
    "ActorRead",
    "CaseAsked",
    "CaseDetailAddition",
    "CaseListItem",
    "CasePage",
    "CaseRead",
    "Context",
    "Desk",
    "HistoryEntryRead",
    "MessageRead",
    "PageParams",
    "ReadModelDep",
    "Reason",
    "Request",
    "case_filter",
    "case_list_item",
    "case_page",
    "case_read",
    "case_read_from_row",
    "current_actor",
    "describe",
    "own_customer",
    "shown",
    "shown_history",
    "shown_messages",
    "wait_for_position",
]
