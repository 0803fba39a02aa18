"""The projections casetrail runs, by name."""

from __future__ import annotations

from casetrail.projections.postgres.case_events_view import CaseEventsView
from casetrail.projections.postgres.case_list_view import CaseListView
from casetrail.projections.postgres.messages_view import CaseMessagesView
from casetrail.projections.postgres.view import BatchedView

VIEW_CLASSES: dict[str, type[BatchedView]] = {
    view.projection_name: view for view in (CaseListView, CaseMessagesView, CaseEventsView)
}


def tracking_table(projection: str, version: int) -> str:
    return f"{projection}_v{version}_tracking"
