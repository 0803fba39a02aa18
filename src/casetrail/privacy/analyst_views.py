"""What analysts query through Trino: the read models with personal data masked.

Analysts are given these views (Trino's ``support`` catalog shows them as tables), not the
read models: customer ids become the same pseudonyms the API shows analysts, e-mail
addresses and phone numbers in free text become placeholders, attachment URIs and internal
notes are left out. The masking rules are the API's (``casetrail.platform.masking``), in SQL.

- ``vw_analyst_cases``: the case list;
- ``vw_analyst_messages``: conversations without internal notes;
- ``vw_analyst_case_timeline``: the 360° timeline without internal notes (when it exists);
- ``vw_support_customers``: the customer directory without name, e-mail or phone (whether
  they are known, and the tier, language, time zone and systems a customer is known in),
  when the directory's read model exists.

They read the stable names of the read models, so they follow blue/green rebuilds (and an
erasure once the read models are rebuilt).
"""

from __future__ import annotations

from typing import Any

import psycopg

from casetrail.cases.published import CASE_LIST, CASE_MESSAGES
from casetrail.customers.published import CUSTOMER_LIST
from casetrail.platform.masking import (
    EMAIL_MASK,
    EMAIL_PATTERN,
    PHONE_MASK,
    PHONE_PATTERN,
    PSEUDONYM_PREFIX,
)
from casetrail.platform.subscriptions.versions import schema_changes
from casetrail.timeline.published import TIMELINE_VIEW

ANALYST_CASES = "vw_analyst_cases"
ANALYST_MESSAGES = "vw_analyst_messages"
ANALYST_TIMELINE = "vw_analyst_case_timeline"
ANALYST_CUSTOMERS = "vw_support_customers"

FUNCTIONS = (
    f"""CREATE OR REPLACE FUNCTION casetrail_pseudonym(customer_id text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
        SELECT '{PSEUDONYM_PREFIX}'
            || left(encode(sha256(convert_to(customer_id, 'UTF8')), 'hex'), 16) $$""",
    f"""CREATE OR REPLACE FUNCTION casetrail_mask_text(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT AS $$
        SELECT regexp_replace(
            regexp_replace(value, '{EMAIL_PATTERN}', '{EMAIL_MASK}', 'g'),
            '{PHONE_PATTERN}', '{PHONE_MASK}', 'g') $$""",
)

CASES_SQL = f"""
    SELECT id, case_number, casetrail_pseudonym(customer_id) AS customer_id,
        casetrail_mask_text(subject) AS subject, casetrail_mask_text(description) AS description,
        priority, channel, status, tags, order_id, external_ref, assignee_id, assigned_at,
        escalation_level,
        CASE WHEN opened_by_role = 'CUSTOMER' THEN casetrail_pseudonym(opened_by_subject)
            ELSE opened_by_subject END AS opened_by_subject,
        opened_by_role, created_at, updated_at, resolved_at, version, message_count,
        first_response_at, last_activity_at, waiting_since, archived_at, department_id
    FROM {CASE_LIST}"""

MESSAGES_SQL = f"""
    SELECT message_id, case_id, position, author_type,
        CASE WHEN author_type = 'CUSTOMER' THEN casetrail_pseudonym(author_id)
            ELSE author_id END AS author_id,
        casetrail_mask_text(body) AS body, attachment_uri IS NOT NULL AS has_attachment, posted_at
    FROM {CASE_MESSAGES}
    WHERE NOT internal"""

# The timeline names the customer in summaries and payloads: their id is swapped for the
# pseudonym wherever it appears, then free text is masked; messages lose their attachment;
# a case moved between customers shows both as pseudonyms.
TIMELINE_SQL = f"""
    SELECT t.case_id, t.at, t.kind, t.source,
        casetrail_mask_text(replace(t.summary, c.customer_id, casetrail_pseudonym(c.customer_id)))
            AS summary,
        casetrail_mask_text(replace(
            CASE WHEN t.source = 'conversation' THEN (t.payload::jsonb - 'attachment_uri')::text
                WHEN t.kind = 'customer_changed' THEN (t.payload::jsonb || jsonb_build_object(
                    'from_customer_id',
                    casetrail_pseudonym(t.payload::jsonb ->> 'from_customer_id'),
                    'to_customer_id', casetrail_pseudonym(t.payload::jsonb ->> 'to_customer_id')
                ))::text
                ELSE t.payload END,
            c.customer_id, casetrail_pseudonym(c.customer_id))) AS payload,
        t.entry_id
    FROM {TIMELINE_VIEW} t JOIN {CASE_LIST} c ON c.id = t.case_id
    WHERE NOT t.internal"""


# Who a customer is stays out: the pseudonym stands for them (as in every other view), and
# their contact details show only as known or not. Erased customers read the same way.
CUSTOMERS_SQL = f"""
    SELECT casetrail_pseudonym(customer_id) AS customer_id,
        email IS NOT NULL AS has_email, phone IS NOT NULL AS has_phone,
        array_to_string(ARRAY(SELECT jsonb_object_keys(external_ids) ORDER BY 1), ',')
            AS external_systems,
        timezone, language, tier, status,
        casetrail_pseudonym(merged_into) AS merged_into,
        cardinality(merged_ids) AS merged_count,
        created_at, updated_at, version
    FROM {CUSTOMER_LIST}"""


def ensure_analyst_views(conn: psycopg.Connection[Any]) -> list[str]:
    """Create or replace the views (after the read models, and the timeline view if any,
    exist). Idempotent. Answers the views created."""
    views = {ANALYST_CASES: CASES_SQL, ANALYST_MESSAGES: MESSAGES_SQL}
    timeline = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (TIMELINE_VIEW,)).fetchone()
    if timeline is not None and timeline[0]:
        views[ANALYST_TIMELINE] = TIMELINE_SQL
    customers = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (CUSTOMER_LIST,)).fetchone()
    if customers is not None and customers[0]:
        views[ANALYST_CUSTOMERS] = CUSTOMERS_SQL
    with schema_changes(conn), conn.transaction():
        for statement in FUNCTIONS:
            conn.execute(statement.encode())
        for name, sql in views.items():
            conn.execute(f"DROP VIEW IF EXISTS {name}".encode())
            conn.execute(f"CREATE VIEW {name} AS {sql}".encode())
    return list(views)


def prepare_analyst_views(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        return ensure_analyst_views(conn)
