"""Erasure reaches the timeline and Trino: after the key is destroyed and the read models are
rebuilt, neither the timeline view nor the analysts' masked view, read through Trino, holds
the customer's personal data; the analysts' view never held it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from casetrail.cli import main
from casetrail.commands.erasure import EraseCustomer
from casetrail.domain.values import Actor
from casetrail.infra.privacy.analyst_views import ANALYST_TIMELINE, prepare_analyst_views
from casetrail.infra.privacy.erasure import erasure_for
from casetrail.infra.stack import Stack
from casetrail.infra.timeline.foreign_schema import expose_timeline
from casetrail.infra.timeline.view import TIMELINE_VIEW
from casetrail.projections.timeline import TIMELINE_PROJECTIONS
from tests.timeline.conftest import TimelineApiFactory

pytestmark = pytest.mark.stack

PERSONAL = ("jane.doe", "7946", "secret-parcel")


def trino_text(stack: Stack, schema: str, view: str, case_id: str) -> str:
    with stack.trino.connect() as trino:
        cursor = trino.cursor()
        cursor.execute(
            f"SELECT summary, payload FROM support.{schema}.{view}"
            f" WHERE case_id = UUID '{case_id}' ORDER BY at, entry_id"
        )
        return str(cursor.fetchall())


def test_erasure_reaches_the_timeline_and_trino(
    stack: Stack, timeline_api: TimelineApiFactory, tmp_path: Path
) -> None:
    api = timeline_api()
    case_id = api.open_case(customer_id="cust-shred", subject="Mail jane.doe@example.com")
    api.post(case_id, "Call +44 20 7946 0958 about secret-parcel", author_id="cust-shred")
    api.wait_projected()
    prepare_analyst_views(api.database_url)
    expose_timeline(
        stack.postgres.dsn(), api.trino_schema, api.database_url, (TIMELINE_VIEW, ANALYST_TIMELINE)
    )

    before = trino_text(stack, api.trino_schema, TIMELINE_VIEW, case_id)
    assert "jane.doe@example.com" in before
    masked = trino_text(stack, api.trino_schema, ANALYST_TIMELINE, case_id)
    assert masked != "[]"
    for personal in ("jane.doe", "7946", "cust-shred"):  # masking leaves other free text
        assert personal not in masked

    erasure = erasure_for(api.desk, lambda: datetime.now(UTC))
    assert erasure is not None
    erasure.erase(EraseCustomer("cust-shred", "test"), Actor(subject="dpo", role="OPERATOR"))
    for projection in TIMELINE_PROJECTIONS:
        result = CliRunner().invoke(
            main,
            ["projections", "rebuild", projection],
            env={"CASETRAIL_DATABASE_URL": api.database_url, "CASETRAIL_DATA_DIR": str(tmp_path)},
        )
        assert result.exit_code == 0, result.output

    after = trino_text(stack, api.trino_schema, TIMELINE_VIEW, case_id)
    assert "[erased]" in after
    for personal in PERSONAL:
        assert personal not in after
    assert "[erased]" in trino_text(stack, api.trino_schema, ANALYST_TIMELINE, case_id)
