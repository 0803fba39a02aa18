"""The OpenAPI document is the contract: schemathesis checks a real ``casetrail serve`` on a
real PostgreSQL against it, as a supervisor and as a customer.

Every answer must be documented: no 500, a documented status with the documented content
type and a body that matches the documented schema; OPTIONS and undeclared methods get 405
with an ``Allow`` naming exactly the path's methods. Two runs per caller:

- the schemathesis command over every operation: documented examples, boundary values of
  every parameter and field, then random inputs;
- workflows that open a case and follow the document's links from it (messages, tags,
  status, priority, assignee, escalation, history, the customer's cases, context, export,
  erasure), so generated requests reach cases that exist. The opening step is declared here:
  schemathesis infers from ``customer_id`` and ``order_id`` that opening a case needs a
  customer and an order that no operation creates, and would never start a workflow with it.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis.stateful import initialize
from schemathesis.checks import not_a_server_error
from schemathesis.generation.stateful.state_machine import StepInput, StepOutput
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from casetrail.platform.http.principals import Role
from casetrail.platform.server_process import ServerProcess, start_server
from tests.fixtures.auth import token

pytestmark = pytest.mark.integration

CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "unsupported_method",
    "allow_header_conformance",
)
WORKFLOW_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Enough to reach every operation's boundaries and a few dozen random inputs each, small
# enough that both runs for one caller take about two minutes on two cores.
EXAMPLES_PER_OPERATION = 25
WORKFLOWS = 25
STEPS_PER_WORKFLOW = 10
SEED = 20_111
RUN_TIMEOUT_SECONDS = 420

CALLERS = {
    "supervisor": (Role.SUPERVISOR, "supervisor-1", None),
    "customer": (Role.CUSTOMER, "cust-1", "cust-1"),
}


@pytest.fixture
def server(tmp_path: Path, database_url: str) -> Iterator[ServerProcess]:
    # Thousands of generated requests a minute: far past the rate limit, on purpose.
    served = start_server(
        tmp_path, database_url, extra_env={"CASETRAIL_RATE_LIMIT_PER_MINUTE": "1000000"}
    )
    try:
        yield served
    finally:
        served.stop()


def failure_report(output: str, server: ServerProcess) -> str:
    return f"{output}\n--- server log (end) ---\n{server.log.read_text()[-20_000:]}"


def run_schemathesis(base_url: str, bearer: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        f"{base_url}/openapi.json",
        "--header",
        f"Authorization: Bearer {bearer}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--seed",
        str(SEED),
        # One worker: generating in two threads at once now and then crashes CPython 3.11's
        # compiler ("AST constructor recursion depth mismatch") inside the data generator.
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--suppress-health-check",
        "all",
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        cwd=workdir,
        check=False,
    )


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_operation_answers_as_documented(
    server: ServerProcess, tmp_path: Path, caller: str
) -> None:
    role, subject, customer_id = CALLERS[caller]
    bearer = token(role, subject, customer_id=customer_id)
    run = run_schemathesis(server.base_url, bearer, tmp_path)
    assert run.returncode == 0, failure_report(f"{run.stdout}\n{run.stderr}", server)


def workflows(base_url: str, bearer: str, customer_id: str | None) -> type[Any]:
    """Schemathesis' state machine over the document's links, with an opening step."""
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    links = schema.as_state_machine()
    opening = schema["/support/cases"]["POST"]
    openings = opening.as_strategy()
    if customer_id is not None:
        # Customers open cases for themselves only; anything else is (rightly) a 403.
        openings = openings.map(lambda case: _for_customer(case, customer_id))

    class CaseWorkflows(links):  # type: ignore[misc, valid-type]
        @initialize(
            target=links.bundles["POST /support/cases -> 201"],
            opened=openings.map(StepInput.initial),
        )
        def open_case(self, opened: StepInput) -> StepOutput | None:
            self.recorder.record_case(case=opened.case)
            output: StepOutput | None = self._step(opened)
            return output

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Bearer {bearer}"}, "timeout": 10}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response,
                checks=WORKFLOW_CHECKS,
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    return CaseWorkflows


def _for_customer(case: Any, customer_id: str) -> Any:
    if isinstance(case.body, dict):
        case.body["customer_id"] = customer_id
    return case


@pytest.mark.parametrize("caller", list(CALLERS))
def test_workflows_following_the_links_answer_as_documented(
    server: ServerProcess, caller: str
) -> None:
    role, subject, customer_id = CALLERS[caller]
    machine = workflows(server.base_url, token(role, subject, customer_id=customer_id), customer_id)
    test_case = machine.TestCase
    test_case.settings = settings(
        max_examples=WORKFLOWS,
        stateful_step_count=STEPS_PER_WORKFLOW,
        suppress_health_check=list(HealthCheck),
        deadline=None,
        database=None,
        derandomize=True,
    )
    try:
        test_case().runTest()
    except Exception as error:
        raise AssertionError(failure_report(str(error), server)) from error
