"""``casetrail projections status`` and ``rebuild`` against a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from casetrail.cases.service.desk import SupportDesk
from casetrail.cli import main
from tests.fixtures.history import record_history

pytestmark = pytest.mark.integration


def run(database_url: str, tmp_path: Path, *arguments: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        main,
        list(arguments),
        env={"CASETRAIL_DATABASE_URL": database_url, "CASETRAIL_DATA_DIR": str(tmp_path)},
    )
    return result.exit_code, result.stdout, result.stderr


def test_status_then_rebuild_then_status(
    postgres_desk: SupportDesk, database_url: str, tmp_path: Path
) -> None:
    record_history(postgres_desk, 50)
    code, out, _ = run(database_url, tmp_path, "projections", "status")
    assert code == 0, out
    lines = out.splitlines()
    assert lines[0].split()[:4] == ["projection", "version", "position", "head"]
    case_list = next(line for line in lines if line.startswith("case_list "))
    assert case_list.split()[:6] == ["case_list", "v1", "0", "267", "267", "events"]
    assert case_list.split()[-2:] == ["none", "-"]  # no runner; no rebuild

    code, out, err = run(database_url, tmp_path, "projections", "rebuild", "case_list")
    assert code == 0, err
    assert "case_list v2: at 267 of 267 (100%), 267 events" in err
    assert "case_list: v2 is active (was v1); 267 events" in out

    code, out, _ = run(database_url, tmp_path, "projections", "status")
    case_list = next(line for line in out.splitlines() if line.startswith("case_list "))
    assert case_list.split()[:3] == ["case_list", "v2", "267"]
    assert "0 events" in case_list


def test_an_unknown_projection_is_a_one_line_error(database_url: str, tmp_path: Path) -> None:
    code, _, err = run(database_url, tmp_path, "projections", "rebuild", "nope")
    assert code == 2
    assert "'nope' is not one of" in err
    assert "Traceback" not in err


def test_an_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    code, _, err = run("postgresql://postgres@127.0.0.1:1/none", tmp_path, "projections", "status")
    assert code == 1
    assert err.startswith("Error: PostgreSQL")
    assert "Traceback" not in err
