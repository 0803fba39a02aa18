"""What other contexts may use of cases, apart from HTTP: the aggregates whose event classes
are the published domain events, the rule on internal notes, the read models' query port and
the desk they call. Everything else in ``casetrail.cases`` is private to it."""

from __future__ import annotations

from casetrail.cases.domain.conversation import (
    Conversation,
    conversation_id_for_case,
    may_read_internal_notes,
)
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.queries import (
    CASE_EVENTS,
    CASE_LIST,
    CASE_MESSAGES,
    CaseFilter,
    CaseQuery,
    ReadModel,
)
from casetrail.cases.service.desk import SupportDesk

__all__ = [
    "CASE_EVENTS",
    "CASE_LIST",
    "CASE_MESSAGES",
    "CaseFilter",
    "CaseQuery",
    "Conversation",
    "ReadModel",
    "SupportDesk",
    "Ticket",
    "conversation_id_for_case",
    "may_read_internal_notes",
]
