"""Loading a JSON-lines file goes through the same validation and store as Kafka."""

from __future__ import annotations

import json
from pathlib import Path

from casetrail.commerce.generator import CommerceStreamGenerator
from casetrail.commerce.ingest import ingest_file
from tests.fixtures.commerce_fakes import MemoryStore, order_event


def test_a_file_is_loaded_once_and_refused_lines_are_named(tmp_path: Path) -> None:
    file = tmp_path / "events.jsonl"
    lines = [message.as_json_line() for message in CommerceStreamGenerator(seed=4).messages(50)]
    lines.insert(10, "not a message")
    lines.insert(20, json.dumps({"topic": "order.status.changed", "value": {"event_id": "x"}}))
    lines.insert(30, "")
    lines.append(
        json.dumps(
            {"topic": "order.status.changed", "key": "cust-1", "value": order_event("e-1", 0)}
        )
    )
    file.write_text("\n".join(lines) + "\n")
    store = MemoryStore()
    progress: list[int] = []

    totals = ingest_file(file, store, batch_size=16, progress=progress.append)

    assert (totals.lines, totals.applied, totals.duplicates) == (53, 51, 0)
    assert [(refused.line, refused.reason) for refused in totals.refused] == [
        (11, "not-a-message"),
        (21, "invalid"),
    ]
    assert "occurred_at: Field required" in totals.refused[1].error
    assert progress[-1] == file.stat().st_size
    assert store.state.positions == {}

    again = ingest_file(file, store)
    assert (again.applied, again.duplicates) == (0, 51)
