"""``vw_support_agents``: the directory of agents as analysts query it through Trino (the
``support`` catalog shows it as a table), with each agent's department names and active
case count (open, pending and on hold).

Staff e-mail addresses are left out: analysts count and compare, they do not contact. It
reads the stable names of the read models (the directory's and the case list's), so it
follows their blue/green rebuilds.
"""

from __future__ import annotations

from typing import Any

import psycopg

from casetrail.agents.queries import AGENTS_TABLE, DEPARTMENTS_TABLE
from casetrail.cases.published import CASE_LIST
from casetrail.platform.subscriptions.versions import schema_changes

AGENTS_VIEW = "vw_support_agents"

# Lists are comma-separated text: Trino's PostgreSQL connector leaves array columns out
# unless told otherwise, and analysts filter with LIKE or split() either way.
AGENTS_SQL = f"""
    SELECT a.agent_id, a.name, array_to_string(a.roles, ',') AS roles,
        array_to_string(a.department_ids, ',') AS department_ids,
        array_to_string(ARRAY(SELECT d.name FROM {DEPARTMENTS_TABLE} d
              WHERE d.id::text = ANY(a.department_ids) ORDER BY d.name), ',')
            AS department_names,
        array_to_string(a.skills, ',') AS skills,
        a.capacity, a.seniority, a.status, a.status_changed_at,
        (SELECT count(*) FROM {CASE_LIST} c
         WHERE c.assignee_id = a.agent_id
           AND c.status IN ('open', 'pending_customer', 'on_hold'))::integer AS active_cases,
        a.registered_at, a.updated_at
    FROM {AGENTS_TABLE} a"""


def ensure_agent_views(conn: psycopg.Connection[Any]) -> list[str]:
    """Create or replace the view (after the read models exist). Idempotent."""
    with schema_changes(conn), conn.transaction():
        conn.execute(f"DROP VIEW IF EXISTS {AGENTS_VIEW}".encode())
        conn.execute(f"CREATE VIEW {AGENTS_VIEW} AS {AGENTS_SQL}".encode())
    return [AGENTS_VIEW]


def prepare_agent_views(database_url: str) -> list[str]:
    with psycopg.connect(database_url, autocommit=True, connect_timeout=10) as conn:
        return ensure_agent_views(conn)
