"""Every query docs/analysts.md shows runs through Trino's `support` catalog and answers."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casetrail.devstack import Stack
from casetrail.privacy.analyst_views import (
    ANALYST_CASES,
    ANALYST_MESSAGES,
    ANALYST_TIMELINE,
    prepare_analyst_views,
)
from casetrail.timeline.foreign_schema import expose_timeline
from casetrail.timeline.view import TIMELINE_VIEW
from tests.fixtures.commerce_context import fraud_alert, order, record_context
from tests.fixtures.timeline import TimelineApiFactory

pytestmark = pytest.mark.stack

GUIDE = Path(__file__).parents[2] / "docs" / "analysts.md"
QUERIES = re.findall(r"```sql\n(.*?)```", GUIDE.read_text(), flags=re.DOTALL)
RELATIONS = (
    TIMELINE_VIEW,
    "case_list",
    "case_events",
    "case_messages",
    "commerce_orders",
    ANALYST_CASES,
    ANALYST_MESSAGES,
    ANALYST_TIMELINE,
)


def test_the_guide_has_the_promised_examples() -> None:
    text = GUIDE.read_text()
    # Analysts are pointed at the masked views, never the tables beneath them.
    for query in QUERIES:
        assert re.findall(r"support\.public\.(\w+)", query)
        assert all(
            relation.startswith("vw_analyst_")
            for relation in re.findall(r"support\.public\.(\w+)", query)
        ), query
    for heading in ("SLA by priority", "SLA by agent", "one row per case", "backlog"):
        assert heading.lower() in text.lower()
    assert len(QUERIES) >= 5


@pytest.mark.parametrize("query", QUERIES, ids=lambda query: query.split("\n")[0][:40])
def test_the_guides_queries_run_through_trino(
    stack: Stack, timeline_api: TimelineApiFactory, query: str
) -> None:
    api = timeline_api()
    now = datetime.now(UTC)
    for n in range(3):
        case_id = api.open_case(customer_id=f"cust-guide-{n}", order_id=f"ord-guide-{n}")
        record_context(
            api.database_url,
            [
                order(f"cust-guide-{n}", f"ord-guide-{n}", now - timedelta(days=2)),
                fraud_alert(f"cust-guide-{n}", None, now - timedelta(days=1)),
            ],
        )
        api.command("PUT", f"/support/cases/{case_id}/assignee", json={"agent_id": f"a-{n % 2}"})
        api.post(case_id, "On its way", author_type="AGENT", author_id=f"a-{n % 2}")
        if n:
            api.command("POST", f"/support/cases/{case_id}/status", json={"status": "resolved"})
    api.wait_projected()
    prepare_analyst_views(api.database_url)
    expose_timeline(stack.postgres.dsn(), api.trino_schema, api.database_url, RELATIONS)
    case_number = api.client.get(f"/support/cases/{case_id}").json()["case_number"]
    sql = query.replace("support.public.", f"support.{api.trino_schema}.").replace(
        "CS-000001", case_number
    )

    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(sql)
        rows = cursor.fetchall()

    assert rows
