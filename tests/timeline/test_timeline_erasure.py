"""Erasure reaches every copy by itself: once a customer is erased, with no rebuild by hand,
neither the timeline view nor the analysts' masked view (read through Trino), nor any table
of the database (every read-model version included), nor Redis holds their personal data."""

from __future__ import annotations

import subprocess
import uuid
from datetime import UTC, datetime

import pytest
import redis

from casetrail.devstack import Stack
from casetrail.kernel.actor import Actor
from casetrail.platform.embedded_postgres import postgres_bin_dir
from casetrail.platform.http.principals import Role
from casetrail.platform.subscriptions.database import Database
from casetrail.platform.subscriptions.rebuild import rebuild
from casetrail.privacy.analyst_views import ANALYST_TIMELINE, prepare_analyst_views
from casetrail.privacy.erasure import erasure_for
from casetrail.privacy.erasure_command import EraseCustomer
from casetrail.timeline.foreign_schema import expose_timeline
from casetrail.timeline.model import TIMELINE_PROJECTIONS
from casetrail.timeline.view import TIMELINE_VIEW
from tests.fixtures.auth import bearer
from tests.fixtures.timeline import TimelineApi, TimelineApiFactory

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
    stack: Stack, timeline_api: TimelineApiFactory
) -> None:
    api = timeline_api()
    case_id = api.open_case(customer_id="cust-shred", subject="Mail jane.doe@example.com")
    api.command(
        "POST",
        f"/support/cases/{case_id}/messages",
        json={
            "author_type": "CUSTOMER",
            "author_id": "cust-shred",
            "body": "Call +44 20 7946 0958 about secret-parcel",
        },
        headers=bearer(Role.CUSTOMER, "cust-shred"),
    )
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

    after = trino_text(stack, api.trino_schema, TIMELINE_VIEW, case_id)
    assert "[erased]" in after
    for personal in PERSONAL:
        assert personal not in after
    assert "[erased]" in trino_text(stack, api.trino_schema, ANALYST_TIMELINE, case_id)


def fill_case(api: TimelineApi, customer_id: str, marker: dict[str, str]) -> str:
    """A case with the customer's text in every field that can hold it."""
    case_id = str(
        api.command(
            "POST",
            "/support/cases",
            json={
                "customer_id": customer_id,
                "subject": f"Subject {marker['subject']}",
                "description": f"Description {marker['description']}",
                "order_id": marker["order_id"],
                "external_ref": marker["external_ref"],
                "tags": [marker["opening_tag"], "parcel"],
            },
            headers={"Idempotency-Key": marker["idempotency_key"]},
        )["id"]
    )
    url = f"/support/cases/{case_id}"
    as_customer = bearer(Role.CUSTOMER, customer_id)
    api.command(
        "POST",
        f"{url}/messages",
        json={
            "author_type": "CUSTOMER",
            "author_id": customer_id,
            "body": f"Body {marker['body']}",
            "attachment_uri": f"https://files.example/{marker['attachment']}.pdf",
        },
        headers=as_customer,
    )
    note = {"internal": True}
    api.command("POST", f"{url}/messages", json={**note, "body": marker["note"]})
    api.command(
        "POST", f"{url}/status", json={"status": "on_hold", "reason": marker["status_reason"]}
    )
    api.command("POST", f"{url}/escalations", json={"reason": marker["escalation_reason"]})
    api.command("POST", f"{url}/tags", json={"tags": [marker["added_tag"]]})
    api.command(
        "POST", f"{url}/status", json={"status": "resolved", "reason": marker["resolution"]}
    )
    api.command("POST", f"{url}/status", json={"status": "open", "reason": marker["reopen_reason"]})
    return case_id


def rebuild_timeline_projections(api: TimelineApi) -> None:
    """A rebuild keeps the previous version of each read model (for comparison)."""
    database = Database(api.database_url)
    datastore = database.datastore(pool_size=1)
    try:
        for projection in TIMELINE_PROJECTIONS:
            rebuild(projection, app=api.desk, datastore=datastore, connect=database.connect)
    finally:
        datastore.close()


def database_dump(database_url: str) -> str:
    """Every schema of the database, data included, as pg_dump writes it."""
    return subprocess.run(
        [str(postgres_bin_dir() / "pg_dump"), "--dbname", database_url],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout


def redis_value(client: redis.Redis, key: bytes) -> object:
    kind = client.type(key)
    match kind.decode() if isinstance(kind, bytes) else kind:
        case "string":
            return client.get(key)
        case "hash":
            return client.hgetall(key)
        case "list":
            return client.lrange(key, 0, -1)
        case "set":
            return client.smembers(key)
        case "zset":
            return client.zrange(key, 0, -1)
    return None


def redis_dump(url: str) -> str:
    """Every key of the Redis database and every value it holds, as text."""
    client = redis.Redis.from_url(url)
    parts: list[str] = []
    try:
        for key in client.scan_iter(count=1_000):
            parts.append(f"{key!r} {redis_value(client, key)!r}")
    finally:
        client.close()
    return "\n".join(parts)


def test_erasure_leaves_no_trace_in_the_database_or_redis(
    stack: Stack, timeline_api: TimelineApiFactory
) -> None:
    api = timeline_api()
    unique = uuid.uuid4().hex[:12]
    fields = (
        "subject",
        "description",
        "body",
        "note",
        "attachment",
        "status_reason",
        "escalation_reason",
        "resolution",
        "reopen_reason",
        "order_id",
        "external_ref",
        "opening_tag",
        "added_tag",
        "idempotency_key",
    )
    marker = {field: f"mk{index}x{unique}" for index, field in enumerate(fields)}
    customer_id = f"cust-{unique}"
    kept_case = api.open_case(subject="Kept subject stays readable")
    case_id = fill_case(api, customer_id, marker)
    api.wait_projected()
    rebuild_timeline_projections(api)
    assert marker["note"] in api.timeline(case_id).text  # cached in Redis now

    # Each of them is somewhere in the database before the erasure (the test can fail).
    dump = database_dump(api.database_url)
    for field in fields:
        if field != "idempotency_key":  # stored hashed with the caller, never in clear
            assert marker[field] in dump, field
    assert marker["subject"] in redis_dump(stack.redis.url)

    erased = api.client.post(
        f"/support/customers/{customer_id}/erasure", json={"reason": "GDPR art. 17"}
    )
    assert erased.status_code == 201, erased.text

    # At once, with nobody rebuilding anything: not in any table of any schema, not in any
    # version of a read model, not in Redis.
    dump = database_dump(api.database_url)
    left = [field for field in fields if marker[field] in dump]
    assert left == [], [line for line in dump.splitlines() if unique in line][:10]
    for version in ("case_list_v1", "case_list_v2", "case_messages_v1", "case_events_v1"):
        assert f"COPY public.{version} " in dump  # kept after the rebuild, and scrubbed
    cached = redis_dump(stack.redis.url)
    assert [field for field in fields if marker[field] in cached] == []

    # What the API serves reads as erased; another customer's case is untouched.
    timeline = api.timeline(case_id)
    assert timeline.status_code == 200
    assert [field for field in fields if marker[field] in timeline.text] == []
    assert "[erased]" in timeline.text
    listed = api.client.get("/support/cases", params={"customer_id": customer_id}).json()
    assert [case["subject"] for case in listed["items"]] == ["[erased]"]
    assert listed["items"][0]["tags"] == []
    assert listed["items"][0]["order_id"] is None
    messages = api.client.get(f"/support/cases/{case_id}/messages").json()["items"]
    assert [(m["body"], m["attachment_uri"]) for m in messages] == [
        ("[erased]", None),
        ("[erased]", None),
    ]
    assert api.client.get("/support/cases", params={"q": marker["subject"]}).json()["items"] == []
    kept = api.client.get(f"/support/cases/{kept_case}").json()
    assert kept["subject"] == "Kept subject stays readable"
