"""The projections casetrail runs, by name."""

from __future__ import annotations

from casetrail.cases.projections.case_events_view import CaseEventsView
from casetrail.cases.projections.case_list_view import CaseListView
from casetrail.cases.projections.messages_view import CaseMessagesView
from casetrail.platform.subscriptions.view import BatchedView

VIEW_CLASSES: dict[str, type[BatchedView]] = {
    view.projection_name: view for view in (CaseListView, CaseMessagesView, CaseEventsView)
}


def tracking_table(projection: str, version: int) -> str:
    return f"{projection}_v{version}_tracking"
