"""The commerce commands as users type them: generate a file, load it, export schemas, and
the one-line errors of a consumer that cannot start."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from casetrail.cli.main import main
from casetrail.commerce.json_schemas import exported_schemas
from casetrail.commerce.schema import CONTEXT_EVENTS

pytestmark = pytest.mark.integration


def run(args: list[str], database_url: str, tmp_path: Path) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        args,
        env={"CASETRAIL_DATABASE_URL": database_url, "CASETRAIL_DATA_DIR": str(tmp_path)},
        catch_exceptions=False,
    )
    return result.exit_code, result.output


def test_generate_then_ingest_then_ingest_again(database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "shop.jsonl"
    code, _ = run(
        ["generate-commerce", "--events", "3000", "--seed", "9", "--output", str(file)],
        database_url,
        tmp_path,
    )
    assert code == 0
    assert len(file.read_text().splitlines()) == 3000

    code, output = run(["ingest", str(file)], database_url, tmp_path)
    assert code == 0, output
    assert "3000 lines, 3000 events applied, 0 duplicates, 0 refused" in output
    with psycopg.connect(database_url) as conn:
        assert conn.execute(f"SELECT count(*) FROM {CONTEXT_EVENTS}").fetchone() == (3000,)

    code, output = run(["ingest", str(file)], database_url, tmp_path)
    assert code == 0
    assert "0 events applied, 3000 duplicates" in output


def test_ingest_names_refused_lines_and_exits_1(database_url: str, tmp_path: Path) -> None:
    file = tmp_path / "broken.jsonl"
    good = {"topic": "fraud.alert", "key": "c", "value": {"event_id": "e", "customer_id": "c"}}
    file.write_text("garbage\n" + json.dumps(good) + "\n")
    code, output = run(["ingest", str(file)], database_url, tmp_path)
    assert code == 1
    assert "line 1: not-a-message" in output
    assert "line 2: invalid: occurred_at: Field required" in output


def test_commerce_schemas_writes_the_exported_files(database_url: str, tmp_path: Path) -> None:
    code, _ = run(["commerce-schemas", str(tmp_path / "out")], database_url, tmp_path)
    assert code == 0
    assert {path.name for path in (tmp_path / "out").iterdir()} == set(exported_schemas())


def test_consume_without_kafka_says_what_to_set(database_url: str, tmp_path: Path) -> None:
    code, output = run(["consume"], database_url, tmp_path)
    assert code == 1
    assert (
        output.strip()
        .splitlines()[-1]
        .startswith("Error: CASETRAIL_KAFKA_BOOTSTRAP_SERVERS is not set")
    )
