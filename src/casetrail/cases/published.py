"""What other contexts may use of cases, apart from HTTP: the aggregates whose event classes
are the published domain events, the rule on internal notes, the read models' query port and
the desk they call with the commands other contexts give it (routing a case), and the shape of
the public messages the relay publishes (another context's ``OutboundSource`` rides the same
relay). Everything else in ``casetrail.cases`` is private to it."""

from __future__ import annotations

from casetrail.cases.domain.conversation import (
    Conversation,
    conversation_id_for_case,
    may_read_internal_notes,
)
from casetrail.cases.domain.lifecycle import ACTIVE_STATUSES
from casetrail.cases.domain.ticket import Ticket
from casetrail.cases.domain.values import CaseStatus, Channel, Priority
from casetrail.cases.outbound.integration_events import (
    SCHEMA_VERSION,
    ActorRef,
    IntegrationMessage,
    Outbound,
    OutboundSource,
    stable_event_id,
)
from casetrail.cases.queries import (
    CASE_EVENTS,
    CASE_LIST,
    CASE_MESSAGES,
    NO_DUE_TIME,
    CaseFilter,
    CaseQuery,
    CaseSort,
    ReadModel,
)
from casetrail.cases.service.commands import CommandContext, RouteCase
from casetrail.cases.service.desk import SupportDesk
from casetrail.cases.service.results import CommandResult

__all__ = [
    "ACTIVE_STATUSES",
    "CASE_EVENTS",
    "CASE_LIST",
    "CASE_MESSAGES",
    "NO_DUE_TIME",
    "SCHEMA_VERSION",
    "ActorRef",
    "CaseFilter",
    "CaseQuery",
    "CaseSort",
    "CaseStatus",
    "Channel",
    "CommandContext",
    "CommandResult",
    "Conversation",
    "IntegrationMessage",
    "Outbound",
    "OutboundSource",
    "Priority",
    "ReadModel",
    "RouteCase",
    "SupportDesk",
    "Ticket",
    "conversation_id_for_case",
    "may_read_internal_notes",
    "stable_event_id",
]
