"""The projections casetrail runs, by name, registered with the subscription machinery."""

from __future__ import annotations

from casetrail.cases.projections.case_events_view import CaseEventsView
from casetrail.cases.projections.case_list_view import CaseListView
from casetrail.cases.projections.messages_view import CaseMessagesView
from casetrail.platform.subscriptions.catalog import register, tracking_table
from casetrail.platform.subscriptions.view import BatchedView

VIEW_CLASSES: dict[str, type[BatchedView]] = {
    view.projection_name: view for view in (CaseListView, CaseMessagesView, CaseEventsView)
}

register(*VIEW_CLASSES.values())

__all__ = ["VIEW_CLASSES", "tracking_table"]
