"""Commands that need an engine say which setting is missing, in one line, and exit 1."""

from __future__ import annotations

from click.testing import CliRunner

from casetrail.cli import main

UNSET = {
    "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS": None,
    "CASETRAIL_KAFKA_CONNECT_URL": None,
    "CASETRAIL_DATABASE_URL": None,
}


def test_the_relay_needs_kafka() -> None:
    result = CliRunner().invoke(main, ["relay"], env=UNSET)
    assert result.exit_code == 1
    assert "CASETRAIL_KAFKA_BOOTSTRAP_SERVERS" in result.output
    assert "Traceback" not in result.output


def test_change_capture_needs_a_database_and_kafka_connect() -> None:
    result = CliRunner().invoke(main, ["cdc", "register"], env=UNSET)
    assert result.exit_code == 1
    assert "CASETRAIL_DATABASE_URL and CASETRAIL_KAFKA_CONNECT_URL" in result.output
    assert "Traceback" not in result.output


def test_the_asyncapi_document_is_printed() -> None:
    result = CliRunner().invoke(main, ["asyncapi"])
    assert result.exit_code == 0
    assert result.output.startswith("asyncapi: 3.0.0")
