"""An erased customer's rows in the PostgreSQL read models, rewritten as erased at once.

Their events are read back from the event store through the desk's mapper (whose key is
gone, so personal fields read as erased) and applied again, in place of the rows they had
made, in every version of every read model: the rows become what a rebuild would write.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from uuid import UUID

from casetrail.cases.published import SupportDesk
from casetrail.platform.eventstore.postgres_recorder import SupportEventRecorder
from casetrail.platform.subscriptions.stream_rewrite import rewrite_streams

logger = logging.getLogger(__name__)


class ReadModelRows:
    def __init__(self, desk: SupportDesk, recorder: SupportEventRecorder, wait_seconds: float):
        self._desk = desk
        self._recorder = recorder
        self._wait_seconds = wait_seconds

    def erase_streams(self, stream_ids: Sequence[UUID]) -> None:
        notifications = self._recorder.select_stream_notifications(stream_ids)
        events = [
            (notification.id, self._desk.mapper.to_domain_event(notification))
            for notification in notifications
        ]
        rewritten = rewrite_streams(
            self._recorder.datastore,
            self._desk.name,
            stream_ids,
            events,
            wait_seconds=self._wait_seconds,
        )
        for version in rewritten:
            if not version.caught_up:
                # Its runner will apply the rest through a mapper that reads them as erased.
                logger.warning(
                    "erasure: %s v%d had not reached the customer's last event; rewritten up to %d",
                    version.projection,
                    version.version,
                    version.position,
                )
