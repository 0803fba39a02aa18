"""Where a case stands in its life: which statuses still ask work of the assignee.

An active case counts against its agent's workload; a resolved or closed one does not
(resolved may still be reopened, but until then nobody owes it anything).
"""

from __future__ import annotations

from casetrail.cases.domain.values import CaseStatus

ACTIVE_STATUSES: tuple[CaseStatus, ...] = (
    CaseStatus.OPEN,
    CaseStatus.PENDING_CUSTOMER,
    CaseStatus.ON_HOLD,
)


def is_active(status: CaseStatus | str) -> bool:
    return CaseStatus(status) in ACTIVE_STATUSES
