"""Our views driven by the eventsourcing library's own ``ProjectionRunner``.

The library's runner applies one event per transaction; casetrail runs its own batching
runner (``worker``) instead. This adapter shows the views are ordinary library tracking
recorders, and lets the benchmarks measure the library's way against ours.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from casetrail.platform.subscriptions.catalog import tracking_table, view_class
from casetrail.platform.subscriptions.view import BatchedView


class SupportLog(Application[UUID]):
    """The support event store, for reading its notification log (it writes nothing)."""

    name = "support"


def one_event_projection(projection: str, version: int) -> type[Projection[BatchedView]]:
    """A library ``Projection`` applying each event to one version of a view in its own
    transaction. Run it with ``ProjectionRunner(application_class=SupportLog,
    projection_class=..., view_class=view_class(projection), env=...)``."""

    class OneEventPerTransaction(Projection[BatchedView]):
        # The library names the tracking table after the projection: <name>_tracking.
        name = tracking_table(projection, version).removesuffix("_tracking")

        def process_event(self, domain_event: Any, tracking: Tracking) -> None:
            self.view.apply(tracking.application_name, [(tracking.notification_id, domain_event)])

    return OneEventPerTransaction


__all__ = ["SupportLog", "one_event_projection", "view_class"]
