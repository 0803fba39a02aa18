"""Every public message type casetrail publishes, across contexts: the AsyncAPI document
(``casetrail asyncapi``) and the stack's topics are made from this list."""

from __future__ import annotations

from casetrail.agents.published import MESSAGE_TYPES as DIRECTORY_MESSAGE_TYPES
from casetrail.cases.outbound.integration_events import MESSAGE_TYPES as CASE_MESSAGE_TYPES
from casetrail.cases.outbound.integration_events import IntegrationMessage
from casetrail.customers.published import MESSAGE_TYPES as CUSTOMER_MESSAGE_TYPES
from casetrail.sla.outbound.messages import SLA_MESSAGE_TYPES

PUBLISHED_MESSAGE_TYPES: tuple[type[IntegrationMessage], ...] = (
    *CASE_MESSAGE_TYPES,
    *CUSTOMER_MESSAGE_TYPES,
    *DIRECTORY_MESSAGE_TYPES,
    *SLA_MESSAGE_TYPES,
)
PUBLISHED_TOPICS = tuple(message.topic for message in PUBLISHED_MESSAGE_TYPES)
