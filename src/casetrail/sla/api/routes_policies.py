"""SLA policies: ``POST|GET /support/sla/policies``, ``GET|PUT /support/sla/policies/{id}``."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from fastapi import APIRouter, Response, status
from fastapi.concurrency import run_in_threadpool

from casetrail.platform.http.authentication import Authenticated
from casetrail.platform.http.command_headers import ExpectedVersion
from casetrail.platform.http.permissions import MANAGES_SLA, READS_INTERNALS, ManagesSla
from casetrail.platform.http.problems import PROBLEMS
from casetrail.sla.api.deps import Sla
from casetrail.sla.api.schemas import PolicyPage, PolicyRead, PolicyRevise, PolicyWrite
from casetrail.sla.api.versions import fields_under, tag_version
from casetrail.sla.domain.aggregates import Policy, PolicyDraft
from casetrail.sla.domain.policy import PolicyFilter, PolicyTerms

router = APIRouter(
    prefix="/support/sla/policies",
    tags=["sla"],
    responses=PROBLEMS,
    dependencies=[Authenticated],
)


def draft_of(body: PolicyWrite) -> PolicyDraft:
    wanted = body.filter
    return PolicyDraft(
        name=body.name,
        position=body.position,
        filter=PolicyFilter(
            priority=frozenset(p.value for p in wanted.priority),
            channel=frozenset(c.value for c in wanted.channel),
            department=frozenset(wanted.department),
            customer_tier=frozenset(wanted.customer_tier),
            tags=frozenset(wanted.tags),
        ),
        targets={
            metric: {priority.value: duration for priority, duration in by_priority.items()}
            for metric, by_priority in body.targets.model_dump().items()
            if by_priority
        },
        calendar_id=body.calendar_id,
        pause_statuses=frozenset(body.pause_statuses),
        at_risk_before=body.at_risk_before,
    )


def policy_read(terms: PolicyTerms, updated_at: datetime) -> PolicyRead:
    return PolicyRead(
        id=terms.policy_id,
        version=terms.version,
        name=terms.name,
        position=terms.position,
        filter=terms.filter.as_json(),
        targets={metric.value: dict(by_priority) for metric, by_priority in terms.targets.items()},
        calendar_id=terms.calendar_id,
        pause_statuses=sorted(terms.pause_statuses),
        at_risk_before=terms.at_risk_before,
        updated_at=updated_at,
    )


def read_of(policy: Policy) -> PolicyRead:
    return policy_read(policy.terms(), policy.modified_on)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PolicyRead,
    dependencies=[MANAGES_SLA],
)
async def define_policy(
    body: PolicyWrite, principal: ManagesSla, sla: Sla, response: Response
) -> PolicyRead:
    def define() -> Policy:
        with fields_under("body"):
            return sla.administration.define_policy(draft_of(body), principal.actor)

    policy = await run_in_threadpool(define)
    response.headers["Location"] = f"/support/sla/policies/{policy.id}"
    tag_version(response, policy.version)
    return read_of(policy)


@router.get("", response_model=PolicyPage, dependencies=[READS_INTERNALS])
async def list_policies(sla: Sla) -> PolicyPage:
    records = await run_in_threadpool(sla.administration.policies)
    return PolicyPage(items=[policy_read(r.terms, r.recorded_at) for r in records])


@router.get("/{policy_id}", response_model=PolicyRead, dependencies=[READS_INTERNALS])
async def get_policy(policy_id: UUID, sla: Sla, response: Response) -> PolicyRead:
    policy = await run_in_threadpool(sla.administration.policy, policy_id)
    tag_version(response, policy.version)
    return read_of(policy)


@router.put("/{policy_id}", response_model=PolicyRead, dependencies=[MANAGES_SLA])
async def revise_policy(
    policy_id: UUID,
    body: PolicyRevise,
    principal: ManagesSla,
    sla: Sla,
    response: Response,
    expected: ExpectedVersion,
) -> PolicyRead:
    """Revising a policy restates the deadlines of the open cases it covers."""

    def revise() -> Policy:
        with fields_under("body"):
            return sla.administration.revise_policy(
                policy_id,
                draft_of(body),
                reason=body.reason,
                expected_version=expected,
                actor=principal.actor,
            )

    policy = await run_in_threadpool(revise)
    tag_version(response, policy.version)
    return read_of(policy)
