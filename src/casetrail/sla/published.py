"""What other parts of casetrail may use of the SLA context besides HTTP and its wiring:
each case's earliest running deadline, for the case list (``sla_due_at``, ``sort=sla_due``),
and the tables it is read from; the topics it publishes on."""

from __future__ import annotations

from casetrail.sla.outbound.messages import SLA_TOPICS
from casetrail.sla.projections.tables import CASE_DUE_VIEW, create_sla_tables
from casetrail.sla.service.due_times import ComputedDueTimes, KeptDueTimes

__all__ = [
    "CASE_DUE_VIEW",
    "SLA_TOPICS",
    "ComputedDueTimes",
    "KeptDueTimes",
    "create_sla_tables",
]
