"""The SQL view ``vw_support_case_timeline``: one row per entry of a case's timeline.

It unites, per case:

- the case's own events (``case_events``: opened, status changes, assignments, …);
- the messages of its conversation (``case_messages``), agent-only notes flagged ``internal``;
- the commerce context (``commerce_context_events``) of the case's customer, and of the
  order the case names even when that order belongs to another customer account.

It reads the stable names of the read models, which a blue/green rebuild re-points at the
new version's tables, so the timeline follows whichever version is active without being
recreated. Trino's ``support`` catalog shows it as a table; the API and analysts read it
there, and the API reads it straight from PostgreSQL when Trino is away.

Column ``entry_id`` is unique per entry and collates bytewise ("C"), as Trino compares
text, so both engines order the entries of one instant the same way.
"""

from __future__ import annotations

import psycopg
from psycopg.errors import InvalidTableDefinition
from psycopg.rows import DictRow

from casetrail.cases.published import CASE_EVENTS, CASE_LIST, CASE_MESSAGES
from casetrail.commerce.published import COMPONENT as COMMERCE_COMPONENT
from casetrail.commerce.published import CONTEXT_EVENTS
from casetrail.commerce.published import MIGRATIONS as COMMERCE_MIGRATIONS
from casetrail.platform.migrations import Migration, migrate
from casetrail.platform.subscriptions.versions import schema_changes

TIMELINE_VIEW = "vw_support_case_timeline"
COLUMNS = ("case_id", "at", "kind", "source", "summary", "payload", "internal", "entry_id")

COMPONENT = "case-timeline"
MIGRATIONS = (
    Migration(
        1,
        "context events by order, for the timeline's linked order",
        (
            f"CREATE INDEX IF NOT EXISTS {CONTEXT_EVENTS}_by_order"
            f" ON {CONTEXT_EVENTS} (order_id) WHERE order_id IS NOT NULL",
        ),
    ),
)

# Summaries are cut here, so one long message never dominates a timeline screen.
_SUMMARY_BODY = 140

_COMMERCE_KIND = """CASE x.topic
            WHEN 'order.status.changed' THEN 'order_status_changed'
            WHEN 'payment.authorized' THEN 'payment_authorized'
            WHEN 'fraud.alert' THEN 'fraud_alert_raised'
            WHEN 'shipment.status.changed' THEN 'shipment_status_changed'
            ELSE replace(x.topic, '.', '_') END"""

_COMMERCE_SUMMARY = """CASE x.topic
            WHEN 'order.status.changed' THEN
                'Order ' || x.order_id || ' ' || (x.payload->>'status')
                || ' (' || (x.payload->>'total_amount') || ' ' || (x.payload->>'currency') || ')'
            WHEN 'payment.authorized' THEN
                'Payment ' || (x.payload->>'payment_id') || ' authorized: '
                || (x.payload->>'amount') || ' ' || (x.payload->>'currency')
                || ' by ' || (x.payload->>'method')
            WHEN 'fraud.alert' THEN
                'Fraud alert (' || (x.payload->>'severity') || '): ' || (x.payload->>'rule')
                || coalesce(' on order ' || x.order_id, '')
            WHEN 'shipment.status.changed' THEN
                'Shipment ' || (x.payload->>'shipment_id') || ' ' || (x.payload->>'status')
                || ' (' || (x.payload->>'carrier') || ' ' || (x.payload->>'tracking_number') || ')'
            ELSE x.topic END"""


def _commerce_branch(join: str) -> str:
    return f"""
    SELECT c.id, x.occurred_at, {_COMMERCE_KIND}, 'commerce', {_COMMERCE_SUMMARY},
        x.payload::text, false, ('commerce:' || x.event_id) COLLATE "C"
    FROM {CASE_LIST} c JOIN {CONTEXT_EVENTS} x ON {join}"""


VIEW_SQL = f"""
    SELECT e.case_id, e.at, e.kind, 'case'::text AS source, e.summary, e.payload::text AS payload,
        false AS internal,
        ('case:' || e.case_id || ':' || lpad(e.version::text, 10, '0')) COLLATE "C" AS entry_id
    FROM {CASE_EVENTS} e
    UNION ALL
    SELECT c.id, m.posted_at,
        CASE WHEN m.internal THEN 'internal_note' ELSE 'message' END, 'conversation',
        CASE WHEN m.internal THEN 'Internal note by ' || m.author_id
            ELSE initcap(lower(m.author_type)) || ' ' || m.author_id END || ': '
        || CASE WHEN m.body = '' AND m.attachment_uri IS NOT NULL THEN '(attachment)'
            WHEN length(m.body) > {_SUMMARY_BODY} THEN left(m.body, {_SUMMARY_BODY - 1}) || '…'
            ELSE m.body END,
        jsonb_build_object(
            'message_id', m.message_id, 'position', m.position, 'author_type', m.author_type,
            'author_id', m.author_id, 'body', m.body, 'attachment_uri', m.attachment_uri,
            'internal', m.internal)::text,
        m.internal, ('message:' || m.message_id) COLLATE "C"
    -- Through the case's conversation: messages are indexed by conversation, not by case.
    FROM {CASE_LIST} c JOIN {CASE_MESSAGES} m ON m.conversation_id = c.conversation_id
    UNION ALL{_commerce_branch("x.customer_id = c.customer_id")}
    UNION ALL{_commerce_branch("x.order_id = c.order_id AND x.customer_id <> c.customer_id")}
"""


def ensure_timeline_view(conn: psycopg.Connection[DictRow]) -> None:
    """Create (or bring up to date) the view and what it reads. Idempotent; every process
    that serves the timeline calls it at start-up, after the read models exist."""
    migrate(conn, COMMERCE_COMPONENT, COMMERCE_MIGRATIONS)
    migrate(conn, COMPONENT, MIGRATIONS)
    with schema_changes(conn), conn.transaction():
        try:
            with conn.transaction():
                conn.execute(f"CREATE OR REPLACE VIEW {TIMELINE_VIEW} AS {VIEW_SQL}".encode())
        except InvalidTableDefinition:
            # A release changed or removed a column: replacing cannot do that, recreating can.
            conn.execute(f"DROP VIEW {TIMELINE_VIEW}".encode())
            conn.execute(f"CREATE VIEW {TIMELINE_VIEW} AS {VIEW_SQL}".encode())
