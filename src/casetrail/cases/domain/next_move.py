"""Who owes the next move on a case: the support side, or not (the customer, or nobody).

A case waits for the support side from the moment it is opened, or reopened, or the customer
writes, until an agent answers the customer or the case is parked (pending the customer, on
hold) or done. Internal notes and bot messages change nothing: the customer still waits.
The agent workload's "oldest waiting case" and every "waiting since" shown come from here.
"""

from __future__ import annotations

from datetime import datetime

from casetrail.cases.domain.values import AuthorType, CaseStatus

# Entering one of these hands the next move to the support side; any other status takes it
# away (pending the customer, on hold, resolved, closed).
SUPPORT_MOVES_IN: frozenset[CaseStatus] = frozenset({CaseStatus.OPEN})


def answers_customer(author_type: AuthorType | str, internal: bool) -> bool:
    """A message the customer reads from an agent: a response, which ends their wait."""
    return not internal and AuthorType(author_type) is AuthorType.AGENT


def support_owes_after_status(status: CaseStatus | str) -> bool:
    return CaseStatus(status) in SUPPORT_MOVES_IN


def support_owes_after_message(
    *,
    author_type: AuthorType | str,
    internal: bool,
    status: CaseStatus | str,
    support_owed: bool,
) -> bool:
    """Whether the support side owes the next move once this message is posted."""
    if internal:
        return support_owed
    author = AuthorType(author_type)
    if author is AuthorType.AGENT:
        return False
    if author is AuthorType.CUSTOMER:
        # A customer writing on a parked or resolved case puts it back in support's court;
        # a closed case is final and accepts no messages.
        return support_owed or CaseStatus(status) is not CaseStatus.CLOSED
    return support_owed


def waiting_since(support_owes: bool, since: datetime | None, at: datetime) -> datetime | None:
    """Since when the support side has owed the next move (None when it owes nothing).

    A wait that goes on keeps its start; a new one starts ``at``."""
    if not support_owes:
        return None
    return since if since is not None else at
