"""How a projection run can fail, as the supervisor needs to tell them apart."""

from __future__ import annotations

from uuid import UUID


class PoisonEvent(Exception):
    """An event this projection cannot apply. It is never skipped on its own: the projection
    stops before it, the supervisor reports it and retries with backoff until a fixed
    release lets it through, or an operator parks it (``casetrail projections park``)."""

    def __init__(
        self,
        projection: str,
        notification_id: int,
        topic: str,
        originator_id: UUID | str,
        reason: BaseException,
    ) -> None:
        super().__init__(
            f"projection {projection} cannot apply notification {notification_id} "
            f"({topic} of {originator_id}): {type(reason).__name__}: {reason}"
        )
        self.projection = projection
        self.notification_id = notification_id
        self.topic = topic
        self.originator_id = originator_id
        self.reason = reason
